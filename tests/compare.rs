//! `lmi-sim compare DIR_A DIR_B` on real runs: every delta it shows is B − A
//! of the two `summary.json` files (and its % the change relative to A),
//! the terminal table fits 80 columns, `--out` writes the markdown that
//! `--markdown` prints, and anything but two run output directories exits 2
//! with a message naming the path.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("start lmi-sim")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small API; `B` has more traffic and a smaller concurrency (it throttles).
fn scenario(name: &str, rate: u32, concurrency: u32) -> String {
    format!(
        r#"
name = "{name}"
seed = 3
horizon = "20m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
PerExecutionEnvironmentMaxConcurrency = {concurrency}
[functions.work]
cpu = "20ms"
io = "60ms"
[functions.traffic]
shape = "spike"
base = {rate}.0
peak = {peak}.0
start = "5m"
rise = "1m"
hold = "5m"
decay = "2m"
[functions.default_lambda]
ReservedConcurrentExecutions = 40
"#,
        peak = rate * 6
    )
}

fn run_dir(tmp: &Path, name: &str, rate: u32, concurrency: u32) -> PathBuf {
    let f = tmp.join(format!("{name}.toml"));
    std::fs::write(&f, scenario(name, rate, concurrency)).unwrap();
    let out = tmp.join("out");
    let o = run(&[
        "run",
        f.to_str().unwrap(),
        "-q",
        "--no-charts",
        "--no-report",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    out.join(name)
}

fn json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

fn get(v: &Value, path: &str) -> Option<f64> {
    let mut v = v;
    for k in path.split('.') {
        v = v.get(k)?;
    }
    v.as_f64()
}

/// A shown value or change in `summary.json`'s unit (USD, fraction, ms, count).
fn number(cell: &str) -> f64 {
    let c = cell.replace([',', '$', '+'], "");
    let (c, scale) = if let Some(x) = c.strip_suffix(" pp") {
        (x.to_string(), 0.01)
    } else if let Some(x) = c.strip_suffix(" ms") {
        (x.to_string(), 1.0)
    } else if let Some(x) = c.strip_suffix(" s") {
        (x.to_string(), 1000.0)
    } else if let Some(x) = c.strip_suffix('%') {
        (x.to_string(), 0.01)
    } else {
        (c, 1.0)
    };
    c.trim()
        .parse::<f64>()
        .unwrap_or_else(|e| panic!("`{cell}`: {e}"))
        * scale
}

/// Half the last shown digit, in the same unit.
fn half_ulp(cell: &str) -> f64 {
    let digits = cell
        .replace(',', "")
        .split('.')
        .nth(1)
        .map_or(0, |f| f.chars().take_while(char::is_ascii_digit).count());
    let scale = if cell.ends_with('%') || cell.ends_with(" pp") {
        0.01
    } else if cell.ends_with(" s") && !cell.ends_with(" ms") {
        1000.0
    } else {
        1.0
    };
    0.5 * 10f64.powi(-(digits as i32)) * scale * 1.000001
}

/// Label → key path under the platform object, as compare lists them.
const KEYS: [(&str, &str); 16] = [
    ("monthly cost", "cost.monthly_usd"),
    ("cost for the horizon", "cost.total_usd"),
    ("invocations", "invocations"),
    ("throttled", "throttled"),
    ("throttle rate", "throttle_rate"),
    ("latency p50", "latency.p50_ms"),
    ("latency p90", "latency.p90_ms"),
    ("latency p99", "latency.p99_ms"),
    ("latency max", "latency.max_ms"),
    ("cold starts", "cold_starts"),
    ("peak concurrency", "peak_concurrency"),
    ("instances, peak", "fleet.peak_instances"),
    ("instances, mean", "fleet.mean_instances"),
    ("vCPUs, peak", "fleet.peak_vcpus"),
    ("EEs, peak", "fleet.peak_execution_environments"),
    ("EEs, mean", "fleet.mean_execution_environments"),
];

#[test]
fn deltas_are_the_differences_of_the_two_summaries() {
    let t = tempfile::tempdir().unwrap();
    let a = run_dir(t.path(), "api-a", 20, 16);
    let b = run_dir(t.path(), "api-b", 60, 4);
    let (ja, jb) = (json(&a), json(&b));
    let md_file = t.path().join("cmp.md");
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--markdown",
        "--out",
        md_file.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert_eq!(
        std::fs::read_to_string(&md_file).unwrap(),
        md,
        "--out = --markdown"
    );
    let mut platform = "";
    let mut checked = 0;
    let mut nonzero = 0;
    for line in md.lines() {
        if let Some(p) = line.strip_prefix("### ") {
            platform = if p == "LMI" { "lmi" } else { "default" };
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if cells.len() != 5 || platform.is_empty() {
            continue;
        }
        let Some((_, key)) = KEYS.iter().find(|(l, _)| *l == cells[0]) else {
            continue;
        };
        let path = format!("{platform}.{key}");
        let (va, vb) = (get(&ja, &path).unwrap(), get(&jb, &path).unwrap());
        let what = format!("{path}: A {va}, B {vb}, row {line}");
        assert!(
            (number(cells[1]) - va).abs() <= half_ulp(cells[1]),
            "A: {what}"
        );
        assert!(
            (number(cells[2]) - vb).abs() <= half_ulp(cells[2]),
            "B: {what}"
        );
        let d = number(cells[3]);
        // The shown delta is B − A (to its rounding, plus A's and B's).
        assert!(
            (d - (vb - va)).abs() <= half_ulp(cells[3]),
            "Δ: {what}: shown {d}, want {}",
            vb - va
        );
        if va != 0.0 {
            let pct = number(cells[4]);
            assert!(
                (pct - (vb - va) / va.abs()).abs() <= half_ulp(cells[4]),
                "Δ%: {what}"
            );
        } else {
            assert_eq!(cells[4], "-", "{what}");
        }
        if vb != va {
            nonzero += 1;
        }
        checked += 1;
    }
    // 16 LMI rows and 11 default-Lambda rows.
    assert_eq!(checked, 27, "{md}");
    assert!(nonzero >= 10, "the two runs should differ: {md}");
    // B throttles more: a positive throttle delta on LMI.
    assert!(get(&jb, "lmi.throttled").unwrap() > get(&ja, "lmi.throttled").unwrap());
    assert!(md.contains("different offered requests"));

    // The terminal table: the same deltas, at most 80 columns (the two
    // path lines aside).
    let o = run(&["compare", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let term = stdout(&o);
    for l in term
        .lines()
        .filter(|l| !l.starts_with("  A: ") && !l.starts_with("  B: "))
    {
        assert!(
            l.chars().count() <= 80,
            "{} columns: {l}",
            l.chars().count()
        );
    }
    let va = get(&ja, "lmi.cost.monthly_usd").unwrap();
    let vb = get(&jb, "lmi.cost.monthly_usd").unwrap();
    let line = term
        .lines()
        .find(|l| l.trim_start().starts_with("monthly cost"))
        .unwrap();
    let fields: Vec<&str> = line.split_whitespace().collect();
    // "monthly cost A B Δ Δ%"
    let d = number(fields[4]);
    assert!((d - (vb - va)).abs() <= half_ulp(fields[4]), "{line}");
    println!("{term}");
}

#[test]
fn a_run_against_itself_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let a = run_dir(t.path(), "same", 20, 16);
    let o = run(&[
        "compare",
        a.to_str().unwrap(),
        a.to_str().unwrap(),
        "--markdown",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| |"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        assert!(
            cells[3] == "0"
                || cells[3].starts_with("0.0")
                || cells[3] == "$0.00"
                || cells[3] == "-",
            "{line}"
        );
        assert!(cells[4] == "0.0%" || cells[4] == "-", "{line}");
    }
    assert!(md.contains("same offered requests"));
}

fn assert_bad(args: &[&str], names: &str, says: &str) {
    let o = run(args);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {e}");
    assert!(e.contains(names) && e.contains(says), "{args:?}: {e}");
    assert!(!e.contains("panicked"), "{e}");
}

#[test]
fn bad_inputs_exit_2_naming_the_path() {
    let t = tempfile::tempdir().unwrap();
    let good = run_dir(t.path(), "good", 20, 16);
    let g = good.to_str().unwrap();
    let p = |n: &str| t.path().join(n).display().to_string();
    assert_bad(
        &["compare", g, &p("missing")],
        &p("missing"),
        "no such directory",
    );
    std::fs::write(t.path().join("file"), "x").unwrap();
    assert_bad(&["compare", &p("file"), g], &p("file"), "is a file");
    std::fs::create_dir_all(t.path().join("empty")).unwrap();
    assert_bad(
        &["compare", g, &p("empty")],
        &p("empty"),
        "not an lmi-sim output directory",
    );
    // A sweep's directory.
    std::fs::create_dir_all(t.path().join("sweep")).unwrap();
    std::fs::write(t.path().join("sweep/results.csv"), "point\n").unwrap();
    assert_bad(
        &["compare", g, &p("sweep")],
        &p("sweep"),
        "a sweep's output",
    );
    std::fs::write(
        t.path().join("sweep/summary.json"),
        r#"{"schema": "lmi-sim/sweep-summary/v1"}"#,
    )
    .unwrap();
    assert_bad(
        &["compare", g, &p("sweep")],
        "summary.json",
        "is a sweep's summary",
    );
    // Not JSON, no schema, another schema.
    for (name, text, says) in [
        ("broken", "{\"schema\": ", "not valid JSON"),
        ("noschema", "{\"lmi\": {}}", "no \"schema\" key"),
        (
            "other",
            "{\"schema\": \"k6/summary\"}",
            "is not a run summary",
        ),
    ] {
        std::fs::create_dir_all(t.path().join(name)).unwrap();
        std::fs::write(t.path().join(name).join("summary.json"), text).unwrap();
        assert_bad(&["compare", g, &p(name)], &p(name), says);
    }
    // --out naming a directory.
    assert_bad(
        &["compare", g, g, "--out", t.path().to_str().unwrap()],
        t.path().to_str().unwrap(),
        "is a directory",
    );
}
