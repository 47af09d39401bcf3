//! Every bundled scenario validates, runs, and renders every chart; the
//! marketing-spike throttle chart puts its bars where the spike is.
//! Long scenarios are cut to their first hours to keep the suite fast.

use lmi_sim::charts::{PLOT_LEFT, PLOT_RIGHT, colors, render_run, time_to_px};
use lmi_sim::report::summarize;
use lmi_sim::scenario;
use lmi_sim::sim::{Platforms, run};
use lmi_sim::time::SimDuration;
use std::path::PathBuf;

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let dec = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = dec.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn variance(rgb: &[u8]) -> f64 {
    let n = rgb.len() as f64;
    let mean = rgb.iter().map(|&v| v as f64).sum::<f64>() / n;
    rgb.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n
}

fn bundled() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("scenarios")
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
        let mut sc = scenario::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The first 150 minutes: every chart kind, and the first event of
        // each scenario (the spikes start at 1 h and 2 h).
        sc.horizon = sc.horizon.min(SimDuration::from_secs(150 * 60));
        let r = run(&sc, Platforms::Both).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let s = summarize(&sc, &r, Platforms::Both);
        let l = s.lmi.as_ref().unwrap();
        assert_eq!(
            l.figures.invocations,
            l.figures.served + l.figures.throttled + l.figures.in_flight_at_end,
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
    let mut sc = scenario::load(std::path::Path::new("scenarios/marketing-spike.toml")).unwrap();
    sc.horizon = SimDuration::from_secs(2 * 3600);
    let r = run(&sc, Platforms::Both).unwrap();
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
