//! SLO gates on the real binary: the scenario's `[slo]` table and `--check`
//! expressions, the ✓/✗ block, `summary.json`'s `slo` list, exit 3 when a
//! gate fails (outputs still written), exit 2 for a bad gate (nothing run).

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
        .args(args)
        .output()
        .expect("start lmi-sim")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A checkout API and an SQS worker, 10 minutes (seed 4).
const SCENARIO: &str = r#"
name = "gates"
seed = 4
horizon = "10m"
[capacity_provider.InstanceRequirements]
Architectures = ["arm64"]
AllowedInstanceTypes = ["m7g.xlarge"]
[[functions]]
name = "checkout-api"
Runtime = "nodejs22.x"
MemorySize = 2048
MinExecutionEnvironments = 2
[functions.work]
cpu = "10ms"
io = "40ms"
[functions.traffic]
shape = "constant"
rate = 30
[[functions]]
name = "order-worker"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "5ms"
io = "20ms"
[functions.traffic]
shape = "constant"
rate = 20
[functions.source]
type = "sqs"
BatchSize = 5
"#;

const SLO: &str = r#"
[slo]
throttle_rate = "5%"
[slo.lmi]
cost_month_usd = 100000
[slo.functions.checkout-api.lmi]
p99_ms = 10000
[slo.functions.order-worker]
queue_age_s = 600
"#;

fn setup(extra: &str) -> (tempfile::TempDir, String, String) {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("gates.toml");
    std::fs::write(&f, format!("{SCENARIO}{extra}")).unwrap();
    let out = d.path().join("out");
    let (f, out) = (f.display().to_string(), out.display().to_string());
    (d, f, out)
}

fn summary(out: &str) -> serde_json::Value {
    let p = Path::new(out).join("gates/summary.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn passing_gates_exit_0_with_a_tick_per_gate() {
    let (_d, f, out) = setup(SLO);
    let o = run(&["run", &f, "--out", &out, "--no-charts"]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}{}", text(&o.stderr));
    // throttle_rate (both platforms), lmi cost, checkout p99 on LMI, the
    // worker's queue age (both platforms): 6 results.
    assert!(stdout.contains("SLO gates: 6 of 6 passed"), "{stdout}");
    assert!(stdout.contains("✓ throttle_rate <= 5%"), "{stdout}");
    assert!(
        stdout.contains("✓ functions[checkout-api].lmi.p99 <= 10000ms"),
        "{stdout}"
    );
    assert!(!stdout.contains('✗'));
    let s = summary(&out);
    let slo = s["slo"].as_array().unwrap();
    assert_eq!(slo.len(), 6);
    let g = slo
        .iter()
        .find(|g| g["gate"] == "functions[checkout-api].lmi.p99 <= 10000ms")
        .unwrap();
    assert_eq!(g["platform"], "lmi");
    assert_eq!(g["function"], "checkout-api");
    assert_eq!(g["threshold"], 10000.0);
    assert_eq!(g["unit"], "ms");
    assert_eq!(g["pass"], true);
    // The value is the function's own p99 from the same summary.
    let f0 = &s["functions"][0];
    assert_eq!(f0["name"], "checkout-api");
    assert_eq!(g["value"], f0["lmi"]["latency"]["p99_ms"]);
    let q = slo
        .iter()
        .find(|g| g["metric"] == "queue_age" && g["platform"] == "default_lambda")
        .unwrap();
    assert_eq!(
        q["value"],
        s["functions"][1]["default_sources"]["peak_oldest_age_s"]
    );
    let c = slo.iter().find(|g| g["metric"] == "cost_month").unwrap();
    assert_eq!(c["value"], s["lmi"]["cost"]["monthly_usd"]);
}

#[test]
fn a_failing_check_exits_3_with_the_cross_and_writes_everything() {
    let (_d, f, out) = setup(SLO);
    let o = run(&[
        "run",
        &f,
        "--out",
        &out,
        "--no-charts",
        "--check",
        "functions[checkout-api].lmi.p99 < 1ms",
        "--check",
        "default_lambda.throttle_rate <= 0.1%",
    ]);
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(3), "{stdout}{stderr}");
    // 6 from [slo], 1 + 1 from --check; the 1 ms p99 fails.
    assert!(stdout.contains("SLO gates: 7 of 8 passed"), "{stdout}");
    let line = stdout.lines().find(|l| l.contains("✗")).expect("a ✗ line");
    assert!(
        line.contains("✗ functions[checkout-api].lmi.p99 < 1ms") && line.contains("measured"),
        "{line}"
    );
    assert!(
        stdout.contains("✓ default_lambda.throttle_rate <= 0.1%"),
        "{stdout}"
    );
    assert!(
        stderr.contains("1 of 8 SLO gate(s) failed (exit 3")
            && stderr.contains("functions[checkout-api].lmi.p99 < 1ms on lmi: measured"),
        "{stderr}"
    );
    // Outputs are complete.
    for file in ["summary.json", "timeseries.csv", "decisions.csv"] {
        assert!(Path::new(&out).join("gates").join(file).exists(), "{file}");
    }
    let s = summary(&out);
    let failed: Vec<&serde_json::Value> = s["slo"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["pass"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["op"], "<");
    assert_eq!(failed[0]["threshold"], 1.0);
    assert!(
        failed[0]["value"].as_f64().unwrap() >= 50.0,
        "p99 above cpu + io"
    );

    // --quiet: no summary, still exit 3 and the failed gate on stderr.
    let o = run(&[
        "run",
        &f,
        "--out",
        &out,
        "-q",
        "--no-charts",
        "--check",
        "lmi.p99 < 1ms",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("✗ lmi.p99 < 1ms on lmi"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn no_gates_and_passing_checks_exit_0() {
    let (_d, f, out) = setup("");
    let o = run(&["run", &f, "--out", &out, "--no-charts", "--platform", "lmi"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!text(&o.stdout).contains("SLO gates"));
    assert_eq!(summary(&out)["slo"], serde_json::json!([]));
    // A gate without a platform applies to those simulated (LMI only here).
    let o = run(&[
        "run",
        &f,
        "--out",
        &out,
        "--no-charts",
        "--platform",
        "lmi",
        "--check",
        "p99 < 60s",
        "--check",
        "functions[order-worker].queue_age < 10min",
    ]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("SLO gates: 2 of 2 passed"), "{stdout}");
    assert!(
        stdout.contains("✓ p99 < 60s") && stdout.contains("on lmi"),
        "{stdout}"
    );
}

#[test]
fn bad_checks_exit_2_naming_the_expression_and_what_is_allowed() {
    let (_d, f, out) = setup("");
    for (expr, why) in [
        ("lmi.p99 > 250ms", "operator `>`"),
        ("lmi.latency < 250ms", "metric `latency`"),
        ("aws.p99 < 250ms", "platform `aws`"),
        ("lmi.throttle_rate < 120%", "above 100%"),
        ("lmi.p99 < soon", "`soon` is not a number"),
        (
            "functions[payments].p99 < 1s",
            "no function is named \"payments\"",
        ),
        ("functions[checkout-api].queue_age < 1s", "has no queue"),
    ] {
        let o = run(&["run", &f, "--out", &out, "--no-charts", "--check", expr]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{expr}: {e}");
        assert!(e.contains(&format!("--check '{expr}'")), "{expr}: {e}");
        assert!(e.contains(why), "{expr}: expected `{why}` in {e}");
        // Nothing ran, nothing was written.
        assert!(!Path::new(&out).exists(), "{expr}");
    }
    // Syntax errors also say what is allowed.
    let o = run(&["run", &f, "--out", &out, "--check", "lmi.p99"]);
    assert!(text(&o.stderr).contains("allowed: [functions[NAME].][lmi.|default_lambda.]METRIC"));
    // A platform the run does not simulate.
    let o = run(&[
        "run",
        &f,
        "--out",
        &out,
        "--platform",
        "lmi",
        "--check",
        "default_lambda.p99 < 1s",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("default_lambda is not simulated"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn bad_slo_tables_exit_2_with_key_paths() {
    for (extra, key, why) in [
        ("[slo]\np99 = 250\n", "slo.p99", "unknown key"),
        (
            "[slo.lmi]\nthrottle_rate = 2\n",
            "slo.lmi.throttle_rate = 2",
            "a fraction in 0..=1",
        ),
        (
            "[slo.lmi]\nthrottle_rate = \"1 percent\"\n",
            "slo.lmi.throttle_rate",
            "percentage",
        ),
        (
            "[slo.default_lambda]\np99_ms = -5\n",
            "slo.default_lambda.p99_ms = -5",
            ">= 0",
        ),
        (
            "[slo.functions.payments]\np99_ms = 5\n",
            "slo.functions.payments",
            "\"checkout-api\", \"order-worker\"",
        ),
        (
            "[slo.functions.checkout-api]\nqueue_age_s = 5\n",
            "slo.functions.checkout-api.queue_age_s",
            "has no queue",
        ),
        (
            "[slo.functions.checkout-api.lmi]\nfunctions = 1\n",
            "slo.functions.checkout-api.lmi.functions",
            "unknown key",
        ),
        ("[slo.aws]\np99_ms = 1\n", "slo.aws", "unknown key"),
    ] {
        let (_d, f, out) = setup(extra);
        let o = run(&["run", &f, "--out", &out]);
        let e = text(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{extra}: {e}");
        assert!(
            e.contains("gates.toml: ") && e.contains(key),
            "{extra}: expected `{key}` in {e}"
        );
        assert!(e.contains(why), "{extra}: expected `{why}` in {e}");
        // `validate` refuses it the same way.
        let o = run(&["validate", &f]);
        assert_eq!(o.status.code(), Some(2));
    }
}
