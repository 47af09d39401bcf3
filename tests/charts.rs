//! Charts: PNGs decode at 1600×900, are not blank, put the LMI throttles where
//! the spike is, are deterministic, and come in per-function sets.
//!
//! Every bundled scenario renders too, cut to its first hours.
//!
//! Set `LMI_SIM_CHARTS_DIR=/some/dir` to also write the PNGs there for a look.

use lmi_sim::charts::{self, PLOT_LEFT, PLOT_RIGHT, colors, render_run, time_to_px};
use lmi_sim::dist::Dist;
use lmi_sim::report::summarize;
use lmi_sim::scenario::Scenario;
use lmi_sim::sim::{Platforms, RunResult};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};

const SPIKE_START_S: u64 = 30 * 60;
const RISE_S: u64 = 120;
const HOLD_S: u64 = 600;
const DECAY_S: u64 = 300;

fn spike_traffic(base: f64, peak: f64) -> Traffic {
    Traffic::Synthetic {
        shape: RateShape::Spike {
            base,
            peak,
            start: SimDuration::from_secs(SPIKE_START_S),
            rise: SimDuration::from_secs(RISE_S),
            hold: SimDuration::from_secs(HOLD_S),
            decay: SimDuration::from_secs(DECAY_S),
        },
        process: ArrivalProcess::Poisson,
        rate_multiplier: 1.0,
    }
}

/// A marketing-spike-like scenario: 50/s, up to 400/s at 30 min over 2 min.
fn spike() -> Scenario {
    let mut f = testkit::function(
        "checkout",
        Dist::Constant(SimDuration::from_millis(20)),
        Dist::Constant(SimDuration::from_millis(100)),
        50.0,
    );
    f.traffic = spike_traffic(50.0, 400.0);
    let mut sc = testkit::scenario(
        &["c7i.2xlarge", "m7i.2xlarge"],
        vec![f],
        SimDuration::from_secs(2 * 3600),
    );
    sc.name = "marketing-spike".into();
    sc
}

fn run(sc: &Scenario, p: Platforms) -> RunResult {
    lmi_sim::sim::run(sc, p).expect("run")
}

fn render(sc: &Scenario, p: Platforms) -> Vec<(String, Vec<u8>)> {
    let r = run(sc, p);
    let s = summarize(sc, &r, p);
    let out = render_run(sc, &r, &s).expect("charts render");
    if let Ok(dir) = std::env::var("LMI_SIM_CHARTS_DIR") {
        let _ = std::fs::create_dir_all(&dir);
        for (name, bytes) in &out {
            let _ = std::fs::write(format!("{dir}/{}-{p:?}-{name}", sc.name), bytes);
        }
    }
    out
}

/// Decodes a PNG to (width, height, RGB bytes).
fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = dec.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn variance(rgb: &[u8]) -> f64 {
    let n = rgb.len() as f64;
    let mean = rgb.iter().map(|&v| v as f64).sum::<f64>() / n;
    rgb.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n
}

fn get<'a>(files: &'a [(String, Vec<u8>)], name: &str) -> &'a [u8] {
    &files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| {
            panic!(
                "{name} missing; have {:?}",
                files.iter().map(|f| &f.0).collect::<Vec<_>>()
            )
        })
        .1
}

#[test]
fn spike_charts_decode_and_are_not_blank() {
    let files = render(&spike(), Platforms::Both);
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "throttles.png",
            "lmi-capacity.png",
            "cost.png",
            "latency.png"
        ]
    );
    for (name, bytes) in &files {
        let (w, h, rgb) = decode(bytes);
        assert_eq!((w, h), (charts::WIDTH, charts::HEIGHT), "{name}");
        assert_eq!((w, h), (1600, 900), "{name}");
        let v = variance(&rgb);
        assert!(v > 300.0, "{name} looks blank: variance {v}");
    }
}

#[test]
fn lmi_throttle_bars_sit_on_the_spike() {
    let sc = spike();
    let r = run(&sc, Platforms::Both);
    let s = summarize(&sc, &r, Platforms::Both);
    let lmi_throttled = s.lmi.as_ref().unwrap().figures.throttled;
    assert!(lmi_throttled > 0, "the spike should throttle LMI");
    let files = render_run(&sc, &r, &s).unwrap();
    let (w, h, rgb) = decode(get(&files, "throttles.png"));
    let (cr, cg, cb) = colors::LMI_THROTTLES;
    let mut xs = Vec::new();
    for y in 0..h as usize {
        for x in PLOT_LEFT.max(0) as usize..=(PLOT_RIGHT as usize).min(w as usize - 1) {
            let i = 3 * (y * w as usize + x);
            if rgb[i] == cr && rgb[i + 1] == cg && rgb[i + 2] == cb {
                xs.push(x as i32);
            }
        }
    }
    assert!(!xs.is_empty(), "no LMI-coloured pixels in the plot area");
    let (lo, hi) = (*xs.iter().min().unwrap(), *xs.iter().max().unwrap());
    let horizon = sc.horizon.as_secs_f64();
    let margin_px = 4;
    let spike_lo = time_to_px(SPIKE_START_S as f64, horizon) - margin_px;
    let spike_hi =
        time_to_px((SPIKE_START_S + RISE_S + HOLD_S + DECAY_S) as f64, horizon) + margin_px;
    assert!(
        lo >= spike_lo && hi <= spike_hi,
        "LMI throttle pixels at x {lo}..{hi}, spike at {spike_lo}..{spike_hi}"
    );
}

#[test]
fn charts_carry_the_scenario_seed_and_version() {
    let files = render(&spike(), Platforms::Both);
    let dec = png::Decoder::new(std::io::Cursor::new(&files[0].1));
    let reader = dec.read_info().expect("png header");
    let text: Vec<(String, String)> = reader
        .info()
        .uncompressed_latin1_text
        .iter()
        .map(|t| (t.keyword.clone(), t.text.clone()))
        .collect();
    assert!(
        text.contains(&("Title".into(), "marketing-spike".into())),
        "{text:?}"
    );
    assert!(
        text.contains(&("Comment".into(), "seed 1".into())),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|(k, v)| k == "Software" && v.starts_with("lmi-sim ")),
        "{text:?}"
    );
}

#[test]
fn rendering_is_deterministic() {
    let sc = spike();
    let r = run(&sc, Platforms::Both);
    let s = summarize(&sc, &r, Platforms::Both);
    let a = render_run(&sc, &r, &s).unwrap();
    let b = render_run(&sc, &r, &s).unwrap();
    assert_eq!(a.len(), b.len());
    for ((na, ba), (nb, bb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between renders");
    }
}

#[test]
fn several_functions_get_prefixed_sets_and_a_combined_set() {
    let mut a = testkit::function(
        "checkout",
        Dist::Constant(SimDuration::from_millis(20)),
        Dist::Constant(SimDuration::from_millis(100)),
        50.0,
    );
    a.traffic = spike_traffic(50.0, 300.0);
    let b = testkit::function(
        "search",
        Dist::Constant(SimDuration::from_millis(10)),
        Dist::Constant(SimDuration::from_millis(50)),
        30.0,
    );
    let mut sc = testkit::scenario(&["c7i.2xlarge"], vec![a, b], SimDuration::from_secs(3600));
    sc.name = "two-functions".into();
    let files = render(&sc, Platforms::Both);
    let mut names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    names.sort();
    let mut want = vec![];
    for p in ["", "checkout-", "search-"] {
        for c in ["throttles", "lmi-capacity", "cost", "latency"] {
            want.push(format!("{p}{c}.png"));
        }
    }
    want.sort();
    assert_eq!(names, want);
    for (name, bytes) in &files {
        let (w, h, rgb) = decode(bytes);
        assert_eq!((w, h), (1600, 900), "{name}");
        assert!(variance(&rgb) > 300.0, "{name} looks blank");
    }
}

#[test]
fn one_platform_runs_skip_the_other() {
    let sc = spike();
    let lmi_only = render(&sc, Platforms::Lmi);
    let names: Vec<&str> = lmi_only.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "throttles.png",
            "lmi-capacity.png",
            "cost.png",
            "latency.png"
        ]
    );
    let def_only = render(&sc, Platforms::Default);
    let names: Vec<&str> = def_only.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["throttles.png", "cost.png", "latency.png"]);
    for (_, bytes) in lmi_only.iter().chain(&def_only) {
        assert_eq!(decode(bytes).0, 1600);
    }
}

#[test]
fn edge_horizons_render() {
    // 1 minute (one interval), 90 s (a short last interval), a quiet run with
    // no throttles, and 14 days (20,160 intervals).
    let quiet = |h: u64, rate: f64| {
        let f = testkit::function(
            "api",
            Dist::Constant(SimDuration::from_millis(5)),
            Dist::Constant(SimDuration::from_millis(20)),
            rate,
        );
        let mut sc = testkit::scenario(&["c7i.2xlarge"], vec![f], SimDuration::from_secs(h));
        sc.name = format!("quiet-{h}s");
        sc
    };
    for (h, rate) in [(60, 5.0), (90, 0.0), (6 * 3600, 2.0), (14 * 86_400, 0.5)] {
        let sc = quiet(h, rate);
        let t = std::time::Instant::now();
        let files = render(&sc, Platforms::Both);
        assert_eq!(files.len(), 4, "horizon {h}");
        for (name, bytes) in &files {
            let (w, hh, rgb) = decode(bytes);
            assert_eq!((w, hh), (1600, 900), "{name} at horizon {h}");
            assert!(variance(&rgb) > 100.0, "{name} at horizon {h} looks blank");
        }
        eprintln!("horizon {h} s: simulated and rendered in {:?}", t.elapsed());
    }
}

#[test]
fn one_day_renders_quickly() {
    let mut f = testkit::function(
        "api",
        Dist::Constant(SimDuration::from_millis(20)),
        Dist::Constant(SimDuration::from_millis(100)),
        20.0,
    );
    f.traffic = spike_traffic(20.0, 100.0);
    let mut sc = testkit::scenario(&["c7i.2xlarge"], vec![f], SimDuration::from_secs(86_400));
    sc.name = "one-day".into();
    let r = run(&sc, Platforms::Both);
    let s = summarize(&sc, &r, Platforms::Both);
    assert_eq!(r.intervals.len(), 1440);
    let t = std::time::Instant::now();
    let files = render_run(&sc, &r, &s).unwrap();
    let took = t.elapsed();
    eprintln!("one-day charts: {} files in {:?}", files.len(), took);
    // The budget is 2 s in release; debug builds get slack.
    let budget = if cfg!(debug_assertions) { 20.0 } else { 2.0 };
    assert!(took.as_secs_f64() < budget, "rendering took {took:?}");
}

#[test]
fn cumulative_cost_ends_at_the_summary_totals() {
    let sc = spike();
    let r = run(&sc, Platforms::Both);
    let s = summarize(&sc, &r, Platforms::Both);
    let d = charts::build(&sc, &r, &s, charts::Selection::All);
    let (l, def) = (s.lmi.as_ref().unwrap(), s.default.as_ref().unwrap());
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(
        close(d.lmi_total_usd.unwrap(), l.cost.total_usd),
        "{:?} vs {}",
        d.lmi_total_usd,
        l.cost.total_usd
    );
    assert!(
        close(d.default_total_usd.unwrap(), def.cost.total_usd),
        "{:?} vs {}",
        d.default_total_usd,
        def.cost.total_usd
    );
    assert_eq!(d.lmi_monthly_usd, Some(l.cost.monthly_usd));
    assert_eq!(d.default_monthly_usd, Some(def.cost.monthly_usd));
}

/// With a Compute Savings Plan on default Lambda (`lambda_discount`) and
/// provisioned concurrency, the per-interval costs of the cost chart and of
/// `timeseries.csv` still add up to the summary's default-Lambda total, and the
/// discount takes 17% off duration, INIT and provisioned concurrency but not
/// requests.
#[test]
fn savings_plan_per_interval_costs_add_up_to_the_summary() {
    let mut sc = spike();
    sc.functions[0].default_lambda.provisioned_concurrency = 20;
    let r = run(&sc, Platforms::Default);
    let od = summarize(&sc, &r, Platforms::Default);
    sc.pricing.lambda_discount = 0.17;
    let s = summarize(&sc, &r, Platforms::Default);
    let (a, b) = (
        &od.default.as_ref().unwrap().cost,
        &s.default.as_ref().unwrap().cost,
    );
    let close = |x: f64, y: f64, tol: f64| (x - y).abs() <= tol * y.abs().max(1.0);
    assert!(a.provisioned_usd > 0.0 && a.init_usd > 0.0, "{a:?}");
    assert_eq!(b.requests_usd, a.requests_usd);
    for (x, y) in [
        (b.duration_usd, a.duration_usd),
        (b.init_usd, a.init_usd),
        (b.provisioned_usd, a.provisioned_usd),
    ] {
        assert!(close(x, 0.83 * y, 1e-12), "{x} vs 0.83 × {y}");
    }

    let d = charts::build(&sc, &r, &s, charts::Selection::All);
    assert!(
        close(d.default_total_usd.unwrap(), b.total_usd, 1e-9),
        "{:?} vs {}",
        d.default_total_usd,
        b.total_usd
    );
    assert_eq!(d.default_monthly_usd, Some(b.monthly_usd));

    let csv = lmi_sim::report::timeseries_csv(&sc, &r, &s);
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (cd, cp, ct) = (
        col("default_duration_usd"),
        col("default_provisioned_usd"),
        col("default_cost_usd"),
    );
    let (mut dur, mut pc, mut tot, mut rows) = (0.0, 0.0, 0.0, 0.0);
    for l in lines {
        let v: Vec<&str> = l.split(',').collect();
        dur += v[cd].parse::<f64>().unwrap();
        pc += v[cp].parse::<f64>().unwrap();
        tot += v[ct].parse::<f64>().unwrap();
        rows += 1.0;
    }
    // Each cell is printed to 1e-6 USD.
    let tol = rows * 1e-6;
    assert!(
        (dur - b.duration_usd).abs() <= tol,
        "{dur} vs {}",
        b.duration_usd
    );
    assert!(
        (pc - b.provisioned_usd).abs() <= tol,
        "{pc} vs {}",
        b.provisioned_usd
    );
    assert!(
        (tot - b.total_usd).abs() <= 4.0 * tol,
        "{tot} vs {}",
        b.total_usd
    );
}

// ---- every bundled scenario ------------------------------------------------

fn bundled() -> Vec<std::path::PathBuf> {
    let mut v: Vec<std::path::PathBuf> = std::fs::read_dir("scenarios")
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("sweep"))
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_bundled_scenario_runs_and_renders() {
    let files = bundled();
    assert!(files.len() >= 6, "{files:?}");
    for path in files {
        let mut sc =
            lmi_sim::scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The first 150 minutes: every chart kind, and the first event of
        // each scenario (the spikes start at 1 h and 2 h).
        sc.horizon = sc.horizon.min(SimDuration::from_secs(150 * 60));
        let r = lmi_sim::sim::run(&sc, Platforms::Both)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s = summarize(&sc, &r, Platforms::Both);
        let l = s.lmi.as_ref().unwrap();
        // Invocations lost to a `[[faults]]` entry are failed (az-outage.toml).
        let failed = l.faults.as_ref().map_or(0, |f| f.invocations_failed);
        assert_eq!(l.figures.failed, failed, "{}", path.display());
        assert_eq!(
            l.figures.invocations,
            l.figures.served + l.figures.throttled + failed + l.figures.in_flight_at_end,
            "{}",
            path.display()
        );
        let charts = render_run(&sc, &r, &s).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(charts.len() >= 4, "{}", path.display());
        for (name, bytes) in &charts {
            let (w, h, rgb) = decode(bytes);
            assert_eq!((w, h), (1600, 900), "{}: {name}", path.display());
            assert!(
                variance(&rgb) > 300.0,
                "{}: {name} looks blank",
                path.display()
            );
        }
        if sc.name == "telemetry-sqs" {
            assert!(charts.iter().any(|(n, _)| n == "backlog.png"));
        }
    }
}

#[test]
fn marketing_spike_throttle_bars_lie_on_the_spike() {
    let mut sc =
        lmi_sim::scenario::load(std::path::Path::new("scenarios/marketing-spike.toml")).unwrap();
    sc.horizon = SimDuration::from_secs(2 * 3600);
    let r = lmi_sim::sim::run(&sc, Platforms::Both).unwrap();
    let s = summarize(&sc, &r, Platforms::Both);
    assert!(s.lmi.as_ref().unwrap().figures.throttled > 0);
    let charts = render_run(&sc, &r, &s).unwrap();
    let png = &charts.iter().find(|(n, _)| n == "throttles.png").unwrap().1;
    let (w, h, rgb) = decode(png);
    let (cr, cg, cb) = colors::LMI_THROTTLES;
    let mut xs = Vec::new();
    for y in 0..h as usize {
        for x in PLOT_LEFT as usize..=(PLOT_RIGHT as usize).min(w as usize - 1) {
            let i = 3 * (y * w as usize + x);
            if (rgb[i], rgb[i + 1], rgb[i + 2]) == (cr, cg, cb) {
                xs.push(x as i32);
            }
        }
    }
    assert!(!xs.is_empty());
    let horizon = sc.horizon.as_secs_f64();
    // The spike starts at 1 h and rises for a minute; LMI throttles in its first minutes.
    let lo = time_to_px(3600.0, horizon) - 4;
    let hi = time_to_px(3600.0 + 15.0 * 60.0, horizon) + 4;
    let (a, b) = (*xs.iter().min().unwrap(), *xs.iter().max().unwrap());
    assert!(
        a >= lo && b <= hi,
        "LMI throttle pixels at {a}..{b}, spike start at {lo}..{hi}"
    );
}
