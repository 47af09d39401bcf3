//! Warnings and the validation errors that stand in for them (README.md,
//! "Warnings"): each warning code fires on the case it is for, with the
//! numbers behind it, and stays silent on a case just outside it; the cost
//! verdict is withheld when a platform does not serve the workload;
//! `--deny-warnings` exits 2. Seeds are fixed in the scenario texts (`seed`).

use lmi_sim::report::{self, Summary};
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{self, Platforms};
use lmi_sim::warning::{self as w, Warning};
use std::path::Path;
use std::process::{Command, Output};

/// One function, one instance type; `provider` and `function` add keys to
/// those tables, `extra` adds tables at the end.
fn scenario(horizon: &str, provider: &str, function: &str, extra: &str) -> String {
    format!(
        r#"
name = "diag"
seed = 11
horizon = "{horizon}"
[capacity_provider]
availability_zones = 1
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[capacity_provider.CapacityProviderScalingConfig]
{provider}
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
MinExecutionEnvironments = 1
{function}
[functions.work]
cpu = "20ms"
io = "30ms"
[functions.traffic]
shape = "constant"
rate = 20
{extra}
"#
    )
}

fn summarize(text: &str) -> Summary {
    let sc = from_toml_str(text, "diag.toml", None).unwrap();
    let run = sim::run(&sc, Platforms::Both).unwrap();
    report::summarize(&sc, &run, Platforms::Both)
}

fn with_code<'a>(s: &'a [Warning], code: &str) -> Vec<&'a Warning> {
    s.iter().filter(|w| w.code == code).collect()
}

#[test]
fn a_quiet_run_has_no_warnings() {
    let s = summarize(&scenario("1h", "", "", ""));
    assert!(s.warnings.is_empty(), "{:#?}", s.warnings);
    let c = s.comparison.as_ref().unwrap();
    assert!(c.cheaper.is_some() && c.withheld.is_none());
    let t = report::terminal(&s);
    assert!(t.contains("is cheaper by"), "{t}");
    assert!(
        t.contains("(compares the cost per 730-hour month of each platform for the same"),
        "{t}"
    );
    assert!(!t.contains("warnings ("), "{t}");
}

/// A step from 20/s to 1200/s at 10 min: the fleet of 1-vCPU EEs wants about
/// 48 EEs, 7 instances of 8 vCPUs; MaxVCpuCount = 24 allows 3.
fn capped(max_vcpu: u32) -> Summary {
    summarize(&scenario(
        "1h",
        &format!("MaxVCpuCount = {max_vcpu}"),
        "",
        "",
    )
    .replace(
        "shape = \"constant\"\nrate = 20",
        "shape = \"piecewise\"\nsegments = [{ for = \"10m\", shape = \"constant\", rate = 20 }, { shape = \"constant\", rate = 1200 }]",
    ))
}

#[test]
fn max_vcpu_bound_says_when_how_many_and_wanted_against_got() {
    let s = capped(24);
    let fleet = &s.lmi.as_ref().unwrap().fleet;
    let ws = with_code(&s.warnings, w::MAX_VCPU_BOUND);
    assert_eq!(ws.len(), 1, "{:#?}", s.warnings);
    let m = ws[0];
    assert!(fleet.launches_refused_by_max_vcpu > 0);
    assert_eq!(
        m.figures["launches_refused"],
        fleet.launches_refused_by_max_vcpu as f64
    );
    assert_eq!(m.figures["max_vcpu"], 24.0);
    assert_eq!(m.figures["peak_vcpus"], 24.0);
    // Refused after the step (the scaler grows the fleet over a few 2-minute
    // ticks, each waiting for 2-minute launches: 1,320 s), not before.
    let first = m.figures["first_refused_s"];
    assert!(
        (600.0..=1800.0).contains(&first),
        "first refusal at {first} s"
    );
    assert!(
        m.figures["wanted_ees"] > m.figures["got_ees"],
        "{:?}",
        m.figures
    );
    assert!(
        m.message.contains("MaxVCpuCount = 24 refused"),
        "{}",
        m.message
    );
    assert!(m.message.contains("the scaler wanted"), "{}", m.message);
    assert_eq!(
        m.key.as_deref(),
        Some("capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount")
    );
    let t = report::terminal(&s);
    assert!(t.contains("[max_vcpu_bound]"), "{t}");
    // With room for the whole fleet, nothing is refused and nothing is said.
    let s = capped(400);
    assert_eq!(
        s.lmi.as_ref().unwrap().fleet.launches_refused_by_max_vcpu,
        0
    );
    assert!(with_code(&s.warnings, w::MAX_VCPU_BOUND).is_empty());
}

#[test]
fn a_platform_that_throttles_gets_no_verdict() {
    // One EE of 1 vCPU for 400 req/s of 20 ms CPU: LMI throttles most calls.
    let s = summarize(
        &scenario("1h", "", "MaxExecutionEnvironments = 1", "").replace("rate = 20", "rate = 400"),
    );
    let l = &s.lmi.as_ref().unwrap().figures;
    assert!(
        l.throttle_rate > w::THROTTLE_WARN_RATE,
        "{}",
        l.throttle_rate
    );
    let hi = with_code(&s.warnings, w::HIGH_THROTTLE_RATE);
    assert_eq!(hi.len(), 1, "{:#?}", s.warnings);
    assert_eq!(hi[0].figures["throttled"], l.throttled as f64);
    assert!(
        hi[0].message.starts_with("LMI throttled"),
        "{}",
        hi[0].message
    );
    let c = s.comparison.as_ref().unwrap();
    assert_eq!(c.cheaper, None);
    assert!(
        c.withheld.as_deref().unwrap().contains("LMI left"),
        "{:?}",
        c.withheld
    );
    let nv = with_code(&s.warnings, w::NO_COST_VERDICT);
    assert_eq!(nv.len(), 1);
    assert_eq!(nv[0].figures["lmi_unserved_rate"], l.throttle_rate);
    assert_eq!(nv[0].figures["default_unserved_rate"], 0.0);
    let t = report::terminal(&s);
    assert!(t.contains("→ no cost verdict: LMI left"), "{t}");
    assert!(!t.contains("is cheaper by"), "{t}");
}

#[test]
fn throttles_that_retries_absorb_keep_the_verdict() {
    // An async function: a 5-minute burst throttles attempts on LMI while it
    // scales, and Lambda's internal queue retries them until they run.
    let text = scenario("1h", "", "", "[functions.source]\ntype = \"async\"\n").replace(
        "shape = \"constant\"\nrate = 20",
        "shape = \"piecewise\"\nsegments = [{ for = \"10m\", shape = \"constant\", rate = 20 }, { for = \"5m\", shape = \"constant\", rate = 300 }, { shape = \"constant\", rate = 20 }]",
    );
    let s = summarize(&text);
    let l = s.lmi.as_ref().unwrap();
    assert!(
        l.figures.throttle_rate > w::THROTTLE_WARN_RATE,
        "{:?}",
        l.figures
    );
    let src = l.sources.as_ref().unwrap();
    assert!(
        (src.failed + src.dlq + src.queued_at_end) * 100 <= src.requests,
        "{src:?}"
    );
    assert_eq!(with_code(&s.warnings, w::HIGH_THROTTLE_RATE).len(), 1);
    assert!(with_code(&s.warnings, w::NO_COST_VERDICT).is_empty());
    assert!(s.comparison.as_ref().unwrap().cheaper.is_some());
}

#[test]
fn a_platform_that_serves_nothing_gets_no_verdict() {
    // 0/0 deactivates the function on LMI: every call throttles, and LMI's
    // bill is for instances that served nothing.
    let s = summarize(&scenario("1h", "", "", "").replace(
        "MinExecutionEnvironments = 1",
        "MinExecutionEnvironments = 0\nMaxExecutionEnvironments = 0",
    ));
    let l = &s.lmi.as_ref().unwrap().figures;
    assert_eq!(l.served, 0);
    assert!(l.invocations > 60_000, "{}", l.invocations);
    let ns = with_code(&s.warnings, w::NOTHING_SERVED);
    assert_eq!(ns.len(), 1, "{:#?}", s.warnings);
    assert_eq!(ns[0].figures["invocations"], l.invocations as f64);
    // Served nothing is one warning, not also a throttle-rate one.
    assert!(with_code(&s.warnings, w::HIGH_THROTTLE_RATE).is_empty());
    let c = s.comparison.as_ref().unwrap();
    assert_eq!(c.cheaper, None);
    assert!(
        c.withheld.as_deref().unwrap().contains("LMI served none"),
        "{:?}",
        c.withheld
    );
    assert!(!report::terminal(&s).contains("is cheaper by"));
}

#[test]
fn shared_cpu_target_with_several_functions() {
    let one = from_toml_str(&scenario("1h", "", "", ""), "diag.toml", None).unwrap();
    assert!(with_code(&one.warnings(), w::SHARED_CPU_TARGET).is_empty());
    let second = "[[functions]]\nname = \"worker\"\nRuntime = \"nodejs22.x\"\nMemorySize = 2048\n[functions.work]\ncpu = \"5ms\"\n[functions.traffic]\nshape = \"constant\"\nrate = 5\n";
    let text = scenario(
        "1h",
        "ScalingMode = \"Manual\"\nScalingPolicies = [{ PredefinedMetricType = \"LambdaCapacityProviderAverageCPUUtilization\", TargetValue = 62.5 }]",
        "",
        second,
    );
    let two = from_toml_str(&text, "diag.toml", None).unwrap();
    let ws = two.warnings();
    let ws = with_code(&ws, w::SHARED_CPU_TARGET);
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0].figures["functions"], 2.0);
    assert_eq!(ws[0].figures["cpu_target_percent"], 62.5);
    assert!(ws[0].message.contains("62.5%"), "{}", ws[0].message);
    assert!(
        ws[0].message.contains("each function's EEs"),
        "{}",
        ws[0].message
    );
}

#[test]
fn oversized_instance_type() {
    // One 1-vCPU EE at most, on 64-vCPU instances only: 64 > 4 × 1.
    let big = scenario("1h", "", "MaxExecutionEnvironments = 1", "")
        .replace("\"c7i.2xlarge\"", "\"c7i.16xlarge\"");
    let s = summarize(&big);
    let ws = with_code(&s.warnings, w::OVERSIZED_INSTANCE_TYPE);
    assert_eq!(ws.len(), 1, "{:#?}", s.warnings);
    assert_eq!(ws[0].figures["instance_vcpus"], 64.0);
    assert_eq!(ws[0].figures["peak_ee_vcpus"], 1.0);
    assert!(ws[0].message.contains("c7i.16xlarge"), "{}", ws[0].message);
    // 8 vCPUs for 2 EEs of 1 vCPU: 8 ≤ 4 × 2, no warning.
    let fits = scenario("1h", "", "MinExecutionEnvironments = 2", "")
        .replace("MinExecutionEnvironments = 1\n", "");
    let s = summarize(&fits);
    assert!(
        s.lmi.as_ref().unwrap().fleet.peak_execution_environments >= 2,
        "{:?}",
        s.lmi.as_ref().unwrap().fleet
    );
    assert!(with_code(&s.warnings, w::OVERSIZED_INSTANCE_TYPE).is_empty());
}

#[test]
fn short_horizon_extrapolation_gives_the_factor() {
    let sc = from_toml_str(&scenario("10m", "", "", ""), "diag.toml", None).unwrap();
    let ws = sc.warnings();
    let ws = with_code(&ws, w::SHORT_HORIZON_EXTRAPOLATION);
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0].figures["factor"], 4380.0);
    assert!(ws[0].message.contains("4380×"), "{}", ws[0].message);
    let sc = from_toml_str(&scenario("1h", "", "", ""), "diag.toml", None).unwrap();
    assert!(with_code(&sc.warnings(), w::SHORT_HORIZON_EXTRAPOLATION).is_empty());
}

#[test]
fn bare_seconds_in_a_work_distribution() {
    let text = scenario("1h", "", "", "").replace(
        "cpu = \"20ms\"\nio = \"30ms\"",
        "cpu = { dist = \"lognormal\", median = 15, p99 = 60 }\nio = 0",
    );
    let sc = from_toml_str(&text, "diag.toml", None).unwrap();
    let ws = sc.warnings();
    let ws = with_code(&ws, w::BARE_SECONDS_IN_WORK);
    // `io = 0` needs no unit.
    assert_eq!(ws.len(), 2, "{ws:#?}");
    assert_eq!(ws[0].key.as_deref(), Some("functions[0].work.cpu.median"));
    assert_eq!(ws[0].figures["seconds"], 15.0);
    assert!(
        ws[0].message.contains("read as 15 s") && ws[0].message.contains("\"15ms\""),
        "{}",
        ws[0].message
    );
    assert_eq!(ws[1].key.as_deref(), Some("functions[0].work.cpu.p99"));
    assert_eq!(ws[1].figures["seconds"], 60.0);
    // With units, nothing to say.
    let units = text.replace("median = 15, p99 = 60", "median = \"15ms\", p99 = \"60ms\"");
    let sc = from_toml_str(&units, "diag.toml", None).unwrap();
    assert!(with_code(&sc.warnings(), w::BARE_SECONDS_IN_WORK).is_empty());
    let pts = scenario("1h", "", "", "").replace(
        "cpu = \"20ms\"",
        "cpu = { dist = \"empirical\", percentiles = [[0, \"1ms\"], [100, 0.5]] }",
    );
    let sc = from_toml_str(&pts, "diag.toml", None).unwrap();
    let ws = sc.warnings();
    let ws = with_code(&ws, w::BARE_SECONDS_IN_WORK);
    assert_eq!(ws.len(), 1, "{ws:#?}");
    assert_eq!(
        ws[0].key.as_deref(),
        Some("functions[0].work.cpu.percentiles[1][1]")
    );
    assert_eq!(ws[0].figures["seconds"], 0.5);
}

fn bin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(args)
        .output()
        .expect("start lmi-sim")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The issue's case: MaxVCpuCount = 8 with c7g.2xlarge only and 3 EEs over 3
/// AZs validated, then served almost nothing and printed a saving.
#[test]
fn a_fleet_that_cannot_reach_its_minimum_is_a_validation_error() {
    let d = tempfile::tempdir().unwrap();
    let arm = scenario("1h", "MaxVCpuCount = 8", "", "")
        .replace(
            "\"c7i.2xlarge\"",
            "\"c7g.2xlarge\"]\nArchitectures = [\"arm64\"",
        )
        .replace("availability_zones = 1", "availability_zones = 3")
        .replace(
            "MinExecutionEnvironments = 1",
            "MinExecutionEnvironments = 3",
        );
    let f = write(d.path(), "cap8.toml", &arm);
    for args in [
        vec!["validate"],
        vec!["run", "--out", d.path().to_str().unwrap()],
    ] {
        let cmd = args[0];
        let o = bin(&[args.as_slice(), &[f.as_str()]].concat());
        let e = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {e}");
        for part in [
            "cap8.toml",
            "capacity_provider.CapacityProviderScalingConfig.MaxVCpuCount = 8",
            "at least 24",
            "`c7g.2xlarge`, has 8 vCPUs",
            "MinExecutionEnvironments = 3 over 3 AZ(s) need 3",
        ] {
            assert!(e.contains(part), "{cmd}: missing {part:?} in {e}");
        }
    }
    assert!(!d.path().join("diag").exists(), "run wrote outputs");
    // One AZ, one EE: 8 vCPUs is enough, 4 is not even one instance.
    let one = arm
        .replace("availability_zones = 3", "availability_zones = 1")
        .replace(
            "MinExecutionEnvironments = 3",
            "MinExecutionEnvironments = 1",
        );
    let ok = write(d.path(), "one.toml", &one);
    assert_eq!(bin(&["validate", &ok]).status.code(), Some(0));
    let low = write(
        d.path(),
        "low.toml",
        &one.replace("MaxVCpuCount = 8", "MaxVCpuCount = 4"),
    );
    let o = bin(&["validate", &low]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("at least 8") && e.contains("no instance could ever launch"),
        "{e}"
    );
}

#[test]
fn deny_warnings_exits_2_and_summary_json_lists_warnings() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let out_s = out.to_str().unwrap();
    // A scenario warning (10 min horizon): stops before the run, nothing written.
    let short = write(d.path(), "short.toml", &scenario("10m", "", "", ""));
    let o = bin(&[
        "run",
        &short,
        "--out",
        out_s,
        "--no-charts",
        "--deny-warnings",
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("--deny-warnings: 1 warning(s)"), "{e}");
    assert!(e.contains("[short_horizon_extrapolation]"), "{e}");
    assert!(!out.join("diag").exists());
    let o = bin(&["validate", &short, "--deny-warnings"]);
    assert_eq!(o.status.code(), Some(2));
    let o = bin(&["validate", &short]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: [short_horizon_extrapolation]"));
    // A run warning (throttles): outputs are written, then exit 2.
    let hot = write(
        d.path(),
        "hot.toml",
        &scenario("1h", "", "MaxExecutionEnvironments = 1", "").replace("rate = 20", "rate = 400"),
    );
    let o = bin(&[
        "run",
        &hot,
        "--out",
        out_s,
        "--no-charts",
        "--deny-warnings",
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("[high_throttle_rate]") && e.contains("outputs are in"),
        "{e}"
    );
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("diag").join("summary.json")).unwrap(),
    )
    .unwrap();
    let codes: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["high_throttle_rate", "no_cost_verdict"]);
    assert!(
        json["warnings"][0]["figures"]["throttle_rate"]
            .as_f64()
            .unwrap()
            > 0.01
    );
    assert_eq!(json["comparison"]["cheaper"], serde_json::Value::Null);
    // Without the flag the same run exits 0 and prints the warnings block.
    let o = bin(&["run", &hot, "--out", out_s, "--no-charts"]);
    assert_eq!(o.status.code(), Some(0));
    let t = String::from_utf8_lossy(&o.stdout);
    assert!(
        t.contains("warnings (2)") && t.contains("[no_cost_verdict]"),
        "{t}"
    );
    // --quiet: the warnings still reach stderr.
    let o = bin(&["run", &hot, "--out", out_s, "--no-charts", "--quiet"]);
    assert!(String::from_utf8_lossy(&o.stdout).is_empty());
    assert!(String::from_utf8_lossy(&o.stderr).contains("warning: [high_throttle_rate]"));
}

/// `lmi-capacity.png` draws the fleet's vCPUs and a dashed `MaxVCpuCount`
/// line on the top panel's right axis (in vCPUs), at the cap's height.
#[test]
fn the_capacity_chart_draws_the_max_vcpu_line() {
    use lmi_sim::charts::{
        self, HEIGHT, OUTER, PANEL_GAP, PLOT_LEFT, PLOT_RIGHT, TITLE_H, WIDTH, X_AREA,
    };
    let text = scenario("1h", "MaxVCpuCount = 24", "", "").replace(
        "shape = \"constant\"\nrate = 20",
        "shape = \"piecewise\"\nsegments = [{ for = \"10m\", shape = \"constant\", rate = 20 }, { shape = \"constant\", rate = 1200 }]",
    );
    let sc = from_toml_str(&text, "diag.toml", None).unwrap();
    let run = sim::run(&sc, Platforms::Both).unwrap();
    let s = report::summarize(&sc, &run, Platforms::Both);
    let d = charts::build(&sc, &run, &s, charts::Selection::All);
    let l = d.lmi.as_ref().unwrap();
    assert_eq!(l.max_vcpu, 24.0);
    assert_eq!(l.vcpus.iter().copied().fold(0.0, f64::max), 24.0);
    assert_eq!(
        l.launches_refused,
        s.lmi.as_ref().unwrap().fleet.launches_refused_by_max_vcpu
    );
    let pngs = charts::render_run(&sc, &run, &s).unwrap();
    let png = &pngs
        .iter()
        .find(|(n, _)| n == "lmi-capacity.png")
        .unwrap()
        .1;
    let mut reader = png::Decoder::new(std::io::Cursor::new(png.as_slice()))
        .read_info()
        .unwrap();
    let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut rgb).unwrap();
    let px = |x: i32, y: i32| {
        let i = ((y as u32 * WIDTH + x as u32) * 3) as usize;
        (rgb[i], rgb[i + 1], rgb[i + 2])
    };
    // The top panel of three: its plot from PANEL_GAP below its top to its bottom.
    let panel_h = ((HEIGHT - OUTER - TITLE_H - X_AREA) as f64 / 3.0).round() as i32;
    let (y0, y1) = ((TITLE_H + PANEL_GAP) as i32, TITLE_H as i32 + panel_h);
    let width = (PLOT_RIGHT - PLOT_LEFT) as usize;
    let dashed = (y0..y1)
        .find(|&y| {
            (PLOT_LEFT..PLOT_RIGHT)
                .filter(|&x| px(x, y) == charts::colors::MAX_VCPU)
                .count()
                > width * 2 / 5
        })
        .expect("no dashed MaxVCpuCount line in the top panel");
    // The right axis runs from 0 at the plot's bottom to 24 × 1.05 × 1.12.
    let top = 24.0 * 1.05 * 1.12;
    let at = (y1 - dashed) as f64 / (y1 - y0) as f64 * top;
    assert!(
        (at - 24.0).abs() < 1.0,
        "line at {at:.2} vCPUs (row {dashed})"
    );
    let fleet = (y0..y1)
        .flat_map(|y| (PLOT_LEFT..PLOT_RIGHT).map(move |x| (x, y)))
        .filter(|&(x, y)| px(x, y) == charts::colors::VCPUS)
        .count();
    assert!(fleet > 200, "{fleet} pixels of the fleet's vCPU line");
}
