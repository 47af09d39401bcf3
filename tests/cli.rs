//! The real binary: outputs, exit codes, and errors that name what to fix.

use std::path::Path;
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("start lmi-sim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const GOOD: &str = r#"
name = "tiny"
horizon = "20m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "10ms"
io = "50ms"
[functions.traffic]
shape = "constant"
rate = 20
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn run_writes_complete_outputs() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", GOOD);
    let out = d.path().join("out");
    let o = run(&["run", &f, "--out", out.to_str().unwrap(), "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("LMI") && stdout.contains("default Lambda"),
        "{stdout}"
    );
    let dir = out.join("tiny");
    for f in ["summary.json", "timeseries.csv", "decisions.csv"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["schema"], "lmi-sim/summary/v1");
    assert_eq!(summary["scenario"], "tiny");
    assert_eq!(summary["seed"], 1);
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert_eq!(ts.lines().count(), 1 + 20, "header + one row per minute");
    // No staging directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, vec!["tiny".to_string()]);
}

#[test]
fn seed_flag_and_platform_flag() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", GOOD);
    let out = d.path().join("out");
    let o = run(&[
        "run",
        &f,
        "--out",
        out.to_str().unwrap(),
        "--no-charts",
        "--seed",
        "5",
        "--platform",
        "lmi",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tiny/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["seed"], 5);
    assert!(s["default"].is_null());
    assert!(s["lmi"].is_object());
}

#[test]
fn validate_accepts_good_and_bundled_scenarios() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "tiny.toml", GOOD);
    let o = run(&["validate", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    for e in std::fs::read_dir("scenarios").unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml")
            && !p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sweep")
        {
            let o = run(&["validate", p.to_str().unwrap()]);
            assert!(o.status.success(), "{}: {}", p.display(), stderr(&o));
        }
    }
}

/// Each bad input: exit code 2, the message names the file and what to fix,
/// nothing is written, no panic.
#[test]
fn bad_inputs_exit_2_with_clear_messages() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "malformed TOML",
            "name = \"tiny\"",
            "name = \"tiny",
            &["bad.toml", "line"],
        ),
        ("unknown key", "", "colour = \"red\"\n", &["colour"]),
        (
            "wrong type",
            "MemorySize = 2048",
            "MemorySize = \"big\"",
            &["functions[0].MemorySize"],
        ),
        (
            "memory 1000 MB",
            "MemorySize = 2048",
            "MemorySize = 1000",
            &["functions[0].MemorySize", "2048"],
        ),
        (
            "ratio 3",
            "MemorySize = 2048",
            "MemorySize = 6144\nExecutionEnvironmentMemoryGiBPerVCpu = 3",
            &["ExecutionEnvironmentMemoryGiBPerVCpu", "4 or 8"],
        ),
        (
            "concurrency 0",
            "MemorySize = 2048",
            "MemorySize = 2048\nPerExecutionEnvironmentMaxConcurrency = 0",
            &["PerExecutionEnvironmentMaxConcurrency"],
        ),
        (
            "MaxVCpuCount 1",
            "[[functions]]",
            "[capacity_provider.CapacityProviderScalingConfig]\nMaxVCpuCount = 1\n[[functions]]",
            &["MaxVCpuCount", "2"],
        ),
        (
            "min > max",
            "MemorySize = 2048",
            "MemorySize = 2048\nMinExecutionEnvironments = 5\nMaxExecutionEnvironments = 2",
            &["MinExecutionEnvironments"],
        ),
        (
            "min 0 with max > 0",
            "MemorySize = 2048",
            "MemorySize = 2048\nMinExecutionEnvironments = 0\nMaxExecutionEnvironments = 4",
            &["MinExecutionEnvironments", "0"],
        ),
        (
            "unknown instance type",
            "[\"c7i.2xlarge\"]",
            "[\"c7i.huge\"]",
            &["AllowedInstanceTypes", "c7i.huge"],
        ),
        (
            "architecture mismatch",
            "[capacity_provider.InstanceRequirements]",
            "[capacity_provider.InstanceRequirements]\nArchitectures = [\"arm64\"]",
            &["c7i.2xlarge", "arm64"],
        ),
        (
            "default memory 64",
            "rate = 20",
            "rate = 20\n[functions.default_lambda]\nMemorySize = 64",
            &["default_lambda.MemorySize", "128"],
        ),
        (
            "discount 1.0",
            "rate = 20",
            "rate = 20\n[pricing]\ndiscount = 1.0",
            &["pricing.discount"],
        ),
        (
            "unknown runtime",
            "python3.13",
            "cobol85",
            &["Runtime", "python"],
        ),
    ];
    for (what, from, to, needles) in cases {
        let d = tempfile::tempdir().unwrap();
        let text = if from.is_empty() {
            format!("{to}{GOOD}")
        } else {
            GOOD.replacen(from, to, 1)
        };
        assert_ne!(text, GOOD, "{what}: the replacement did not apply");
        let f = write(d.path(), "bad.toml", &text);
        let out = d.path().join("out");
        let o = run(&["run", &f, "--out", out.to_str().unwrap()]);
        let msg = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {msg}");
        assert!(!msg.contains("panicked"), "{what}: {msg}");
        assert!(
            msg.contains("bad.toml"),
            "{what}: message does not name the file: {msg}"
        );
        for n in *needles {
            assert!(msg.contains(n), "{what}: message lacks `{n}`: {msg}");
        }
        assert!(!out.exists(), "{what}: outputs were written");
    }
}

#[test]
fn missing_file_and_bad_arguments_exit_2() {
    let o = run(&["run", "no/such/scenario.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no/such/scenario.toml"));
    let o = run(&["run", "x.toml", "--platform", "gcp"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("lmi"), "{}", stderr(&o));
    let o = run(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Peak RSS [MB] of `lmi-sim run` as its own `--stats` line reports it (the
/// child's VmHWM), for the steady-state scenario at 5 req/s with 1-minute
/// intervals over `horizon`.
fn peak_rss_mb(dir: &Path, horizon: &str) -> (f64, String) {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/steady-state.toml"),
    )
    .unwrap()
    .replace("horizon = \"1d\"", &format!("horizon = \"{horizon}\""))
    .replace("report_interval = \"5m\"", "report_interval = \"1m\"")
    .replace("mean = 300.0", "mean = 5.0")
    .replace("amplitude = 150.0", "amplitude = 2.0");
    let toml = dir.join(format!("s{horizon}.toml"));
    std::fs::write(&toml, text).unwrap();
    let o = bin()
        .args(["run", "--no-charts", "--stats", "--quiet", "--threads", "1"])
        .arg("--out")
        .arg(dir.join("out"))
        .arg(&toml)
        .output()
        .unwrap();
    let err = stderr(&o).trim().to_string();
    assert_eq!(o.status.code(), Some(0), "{err}");
    (lmi_sim::testkit::stats_peak_rss_mb(&err), err)
}

/// Memory does not grow with the horizon: 7 days of 1-minute rows (10,080
/// intervals, ~8 MB if every row stayed in memory) against 1 day.
#[test]
fn memory_does_not_grow_with_the_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let (day, s1) = peak_rss_mb(dir.path(), "1d");
    let (week, s7) = peak_rss_mb(dir.path(), "7d");
    eprintln!("1 d: {s1}\n7 d: {s7}");
    assert!(
        week < day * 1.10,
        "peak RSS {day} MB (1 d) -> {week} MB (7 d)"
    );
    // The outputs still hold every interval.
    let csv = std::fs::read_to_string(dir.path().join("out/steady-state/timeseries.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 7 * 1440);
}
