//! Parameter sweeps through the real binary: reproducible whatever the
//! thread count, shards that merge into the single-machine output, errors
//! that exit 2 and name what to fix, the goal's pick and the crossover.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("start lmi-sim")
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = bin();
    for v in lmi_sim::sweep::SHARD_ENV {
        c.env_remove(v);
    }
    c.envs(env.iter().copied())
        .args(args)
        .output()
        .expect("start lmi-sim")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small, fast base scenario (inline) and two axes: 3 × 2 = 6 points.
const BASE: &str = r#"
[base]
name = "tiny"
horizon = "20m"
report_interval = "5m"
[base.capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[base.functions]]
name = "api"
Runtime = "python3.13"
MemorySize = 2048
[base.functions.work]
cpu = { dist = "exponential", mean = "10ms" }
io = "50ms"
[base.functions.traffic]
shape = "constant"
rate = 20
"#;

fn sweep_text(extra: &str) -> String {
    format!(
        r#"
name = "t"
seed = 9
replications = 2
{extra}
[[axes]]
key = "functions[0].traffic.rate"
range = {{ from = 5.0, to = 80.0, steps = 3, scale = "log" }}

[[axes]]
key = "functions[0].PerExecutionEnvironmentMaxConcurrency"
values = [4, 16]
{BASE}"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

fn read(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn sweep(file: &str, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", file, "--out", out.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    run_env(&args, &[])
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text(""));
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let o = sweep(&f, &a, &["--jobs", "1", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sweep(&f, &b, &["--jobs", "2", "--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ra = read(a.join("t/results.csv"));
    assert_eq!(ra, read(b.join("t/results.csv")));
    assert_eq!(
        read(a.join("t/summary.json")),
        read(b.join("t/summary.json"))
    );
    assert!(!a.join("t/results.partial.csv").exists());

    // One row per point, in point order; a column per axis; CIs with R = 2.
    let text = String::from_utf8(ra).unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let h = rd.headers().unwrap().clone();
    assert_eq!(&h[0], "point");
    assert_eq!(&h[1], "functions[0].traffic.rate");
    assert_eq!(&h[2], "functions[0].PerExecutionEnvironmentMaxConcurrency");
    for col in [
        "lmi_throttle_rate_mean",
        "lmi_p99_ms_ci95",
        "lmi_cold_start_rate_mean",
        "lmi_monthly_usd_mean",
        "lmi_peak_instances_mean",
        "lmi_monthly_invocations_ci95",
        "default_monthly_usd_mean",
        "default_p99_ms_mean",
    ] {
        assert!(h.iter().any(|x| x == col), "{col} missing from {h:?}");
    }
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 6);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0].parse::<usize>().unwrap(), i);
    }
    assert_eq!(&rows[0][1], "5.0");
    assert_eq!(&rows[0][2], "4");
    assert_eq!(&rows[1][2], "16");
    assert_eq!(&rows[5][1], "80.0");
    let ci = h
        .iter()
        .position(|x| x == "lmi_monthly_invocations_ci95")
        .unwrap();
    assert!(!rows[0][ci].is_empty(), "R = 2 gives a confidence interval");
}

#[test]
fn shards_merge_into_the_single_machine_output() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text(""));
    let one = d.path().join("one");
    let o = sweep(&f, &one, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sh = d.path().join("shards");
    for k in 0..3 {
        let o = sweep(&f, &sh, &["--shard", &format!("{k}/3"), "--jobs", "1"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(sh.join(format!("t/shard-{k}-of-3/results.csv")).exists());
    }
    let dirs: Vec<String> = (0..3)
        .map(|k| sh.join(format!("t/shard-{k}-of-3")).display().to_string())
        .collect();
    let merged = d.path().join("merged");
    let mut args = vec!["sweep-merge", "--out", merged.to_str().unwrap(), "-q"];
    // Out of order on purpose: the merge sorts by point.
    args.extend([dirs[2].as_str(), dirs[0].as_str(), dirs[1].as_str()]);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(one.join("t/results.csv")),
        read(merged.join("t/results.csv"))
    );
    assert_eq!(
        read(one.join("t/summary.json")),
        read(merged.join("t/summary.json"))
    );
    for png in ["crossover.png", "heatmap.png", "pareto.png"] {
        assert_eq!(
            read(one.join("t").join(png)),
            read(merged.join("t").join(png)),
            "{png}"
        );
    }

    // A missing shard, a duplicated one, a shard of another sweep: exit 2.
    let o = run(&[
        "sweep-merge",
        "--out",
        merged.to_str().unwrap(),
        &dirs[0],
        &dirs[1],
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("missing") && stderr(&o).contains("shard-2-of-3"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "sweep-merge",
        "--out",
        merged.to_str().unwrap(),
        &dirs[0],
        &dirs[1],
        &dirs[2],
        &dirs[1],
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("duplicated"), "{}", stderr(&o));
    let g = write(d.path(), "g.toml", &sweep_text("description = \"other\""));
    let other = d.path().join("other");
    let o = sweep(&g, &other, &["--shard", "2/3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let od = other.join("t/shard-2-of-3").display().to_string();
    let o = run(&[
        "sweep-merge",
        "--out",
        merged.to_str().unwrap(),
        &dirs[0],
        &dirs[1],
        &od,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not shards of the same sweep"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shard_auto_reads_the_array_index() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text("shards = 2"));
    let out = d.path().join("o");
    let o = run_env(
        &[
            "sweep",
            &f,
            "--out",
            out.to_str().unwrap(),
            "-q",
            "--shard",
            "auto",
            "--no-charts",
        ],
        &[("JOB_COMPLETION_INDEX", "1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("t/shard-1-of-2/results.csv")).unwrap();
    let points: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(points, ["1", "3", "5"]);
    // AWS Batch index 4 of --shards 3: out of range.
    let o = run_env(
        &[
            "sweep",
            &f,
            "--out",
            out.to_str().unwrap(),
            "--shard",
            "auto",
            "--shards",
            "3",
        ],
        &[("AWS_BATCH_JOB_ARRAY_INDEX", "4")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
    // No index in the environment.
    let o = run_env(
        &[
            "sweep",
            &f,
            "--out",
            out.to_str().unwrap(),
            "--shard",
            "auto",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("AWS_BATCH_JOB_ARRAY_INDEX"),
        "{}",
        stderr(&o)
    );
}

/// Runs a sweep file expected to be refused; returns stderr.
fn refused(text: &str, extra: &[&str]) -> String {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "bad.toml", text);
    let out = d.path().join("o");
    let o = sweep(&f, &out, extra);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(!out.join("t").exists(), "nothing may run before the checks");
    stderr(&o)
}

fn one_axis(axis: &str) -> String {
    format!("name = \"t\"\n[[axes]]\n{axis}\n{BASE}")
}

#[test]
fn unknown_key_paths_fail_before_running() {
    // A missing array element.
    let e = refused(
        &one_axis("key = \"functions[3].MemorySize\"\nvalues = [2048]"),
        &[],
    );
    assert!(
        e.contains("axes[0]") && e.contains("functions[3].MemorySize"),
        "{e}"
    );
    assert!(e.contains("`functions[3]` does not exist"), "{e}");
    // A misspelt leaf in a serde table.
    let e = refused(
        &one_axis("key = \"functions[0].MemorySise\"\nvalues = [2048]"),
        &[],
    );
    assert!(
        e.contains("axes[0]") && e.contains("unknown key path"),
        "{e}"
    );
    assert!(e.contains("`MemorySise`"), "{e}");
    // A misspelt leaf in a hand-parsed table (traffic).
    let e = refused(
        &one_axis("key = \"functions[0].traffic.rat\"\nvalues = [1.0]"),
        &[],
    );
    assert!(e.contains("unknown key path") && e.contains("`rat`"), "{e}");
    // A misspelt table on the way.
    let e = refused(
        &one_axis("key = \"capacity_provder.availability_zones\"\nvalues = [1]"),
        &[],
    );
    assert!(
        e.contains("unknown key path") && e.contains("`capacity_provder`"),
        "{e}"
    );
    // The second axis is named by its index.
    let text = format!(
        "name = \"t\"\n[[axes]]\nkey = \"seed\"\nvalues = [1]\n[[axes]]\nkey = \"model.nope\"\nvalues = [1]\n{BASE}"
    );
    let e = refused(&text, &[]);
    assert!(e.contains("axes[1]") && e.contains("`nope`"), "{e}");
}

#[test]
fn bad_values_and_axes_exit_2_with_clear_messages() {
    // A string for MemorySize: caught when the point is validated.
    let e = refused(
        &one_axis("key = \"functions[0].MemorySize\"\nvalues = [2048, \"big\"]"),
        &[],
    );
    assert!(
        e.contains("point 1") && e.contains("functions[0].MemorySize = big"),
        "{e}"
    );
    assert!(e.contains("MemorySize"), "{e}");
    // An out-of-range value is reported with the point's values.
    let e = refused(
        &one_axis("key = \"functions[0].MemorySize\"\nvalues = [2048, 1000]"),
        &[],
    );
    assert!(
        e.contains("point 1") && e.contains("not a valid scenario"),
        "{e}"
    );
    // An empty axis.
    let e = refused(&one_axis("key = \"seed\"\nvalues = []"), &[]);
    assert!(e.contains("axes[0]") && e.contains("empty"), "{e}");
    // Ranges whose step is zero.
    let e = refused(
        &one_axis(
            "key = \"functions[0].traffic.rate\"\nrange = { from = 1.0, to = 5.0, steps = 0 }",
        ),
        &[],
    );
    assert!(
        e.contains("step 0") && e.contains("steps must be >= 1"),
        "{e}"
    );
    let e = refused(
        &one_axis(
            "key = \"functions[0].traffic.rate\"\nrange = { from = 3.0, to = 3.0, steps = 4 }",
        ),
        &[],
    );
    assert!(e.contains("step of 0"), "{e}");
    // zip needs equal lengths.
    let text = format!(
        "name = \"t\"\ncombine = \"zip\"\n[[axes]]\nkey = \"seed\"\nvalues = [1, 2]\n[[axes]]\nkey = \"functions[0].traffic.rate\"\nvalues = [1.0]\n{BASE}"
    );
    let e = refused(&text, &[]);
    assert!(e.contains("zip") && e.contains("equal length"), "{e}");
    // A shard index out of range.
    let e = refused(&sweep_text(""), &["--shard", "3/3"]);
    assert!(e.contains("out of range"), "{e}");
    let e = refused(&sweep_text(""), &["--shard", "1/0"]);
    assert!(e.contains("shard count"), "{e}");
}

#[test]
fn base_from_a_file_and_overrides() {
    let d = tempfile::tempdir().unwrap();
    let base: String = BASE
        .replace("[base]\n", "")
        .replace("[base.", "[")
        .replace("[[base.", "[[");
    write(d.path(), "tiny.toml", &base);
    let text = r#"
name = "t"
base = "tiny.toml"
platforms = "lmi"
[overrides]
horizon = "10m"
"capacity_provider.CapacityProviderScalingConfig.ScalingMode" = "Manual"
"capacity_provider.CapacityProviderScalingConfig.ScalingPolicies" = [
  { PredefinedMetricType = "LambdaCapacityProviderAverageCPUUtilization", TargetValue = 50.0 },
]
[[axes]]
key = "capacity_provider.CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue"
values = [40.0, 60.0]
[[axes]]
key = "capacity_provider.InstanceRequirements.AllowedInstanceTypes"
values = [["c7i.2xlarge"], ["c7i.xlarge", "m7i.xlarge"]]
"#;
    let f = write(d.path(), "s.toml", text);
    let out = d.path().join("o");
    let o = sweep(&f, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("t/results.csv")).unwrap();
    assert!(csv.contains("\"['c7i.xlarge', 'm7i.xlarge']\""), "{csv}");
    // Only LMI ran: no crossover chart, default columns empty.
    assert!(!out.join("t/crossover.png").exists());
    assert!(out.join("t/heatmap.png").exists() && out.join("t/pareto.png").exists());
}

#[test]
fn the_goal_picks_the_cheapest_feasible_point() {
    let d = tempfile::tempdir().unwrap();
    // [goal] after the other tables: a new table header ends [base.…].
    let text = sweep_text("")
        + "\n[goal]\nplatform = \"lmi\"\nmax_throttle_rate = 0.001\nmax_p99_ms = 500\n";
    let f = write(d.path(), "s.toml", &text);
    let out = d.path().join("o");
    let o = sweep(&f, &out, &["--no-charts"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(out.join("t/results.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let h = rd.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (ct, cp, cc) = (
        col("lmi_throttle_rate_mean"),
        col("lmi_p99_ms_mean"),
        col("lmi_monthly_usd_mean"),
    );
    let mut best: Option<(f64, usize)> = None;
    let mut feasible = 0;
    for r in rd.records() {
        let r = r.unwrap();
        let t: f64 = r[ct].parse().unwrap();
        let p: f64 = r[cp].parse().unwrap();
        let c: f64 = r[cc].parse().unwrap();
        if t <= 0.001 && p <= 500.0 {
            feasible += 1;
            if best.is_none_or(|(bc, _)| c < bc) {
                best = Some((c, r[0].parse().unwrap()));
            }
        }
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("t/summary.json")).unwrap())
            .unwrap();
    let (cost, point) = best.expect("some point meets the goal");
    assert_eq!(s["goal"]["feasible_points"], feasible);
    assert_eq!(s["goal"]["pick"]["point"], point);
    assert_eq!(s["goal"]["pick"]["monthly_usd"].as_f64().unwrap(), cost);
    assert_eq!(s["goal"]["platform"], "lmi");
}

#[test]
fn the_crossover_is_found_on_a_monotone_pair() {
    // LMI flat at $300/month; default Lambda $20 per million invocations:
    // equal at 15 M. Points log-spaced from 1 M to 100 M.
    let pts: Vec<(usize, f64, f64, f64)> = (0..12)
        .map(|i| {
            let x = 1e6 * 100f64.powf(i as f64 / 11.0);
            (i, x, 300.0, 20.0 * x / 1e6)
        })
        .collect();
    let c = lmi_sim::sweep::crossover(&pts).expect("a crossover");
    assert!((c.monthly_invocations - 15e6).abs() / 15e6 < 1e-4, "{c:?}");
    assert!((c.monthly_usd - 300.0).abs() < 1e-3, "{c:?}");
    assert_eq!(c.cheaper_above, "lmi");
    assert_eq!(c.crossings, 1);
    let (a, b) = (c.between_points[0], c.between_points[1]);
    assert!(pts[a].1 < 15e6 && pts[b].1 > 15e6);
    // Reversed roles: default Lambda cheaper above.
    let flipped: Vec<_> = pts.iter().map(|&(i, x, l, d)| (i, x, d, l)).collect();
    assert_eq!(
        lmi_sim::sweep::crossover(&flipped).unwrap().cheaper_above,
        "default"
    );
    // No sign change, no crossover.
    let never: Vec<_> = pts.iter().map(|&(i, x, _, d)| (i, x, d * 2.0, d)).collect();
    assert!(lmi_sim::sweep::crossover(&never).is_none());
}

#[test]
fn dry_run_checks_everything_and_runs_nothing() {
    let d = tempfile::tempdir().unwrap();
    let f = write(d.path(), "s.toml", &sweep_text(""));
    let out = d.path().join("o");
    let o = run_env(
        &["sweep", &f, "--out", out.to_str().unwrap(), "--dry-run"],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("6 point(s)"), "{s}");
    assert!(!out.exists());
}

#[test]
fn bundled_sweeps_are_valid() {
    for f in [
        "scenarios/sweep-crossover.toml",
        "scenarios/sweep-tuning.toml",
    ] {
        let o = run_env(&["sweep", f, "--dry-run"], &[]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
    }
}

/// The fingerprint (what `--resume` and `merge` match) covers the trace
/// files the points read: the same content in another directory gives the
/// same fingerprint, changed content another one.
#[test]
fn the_fingerprint_covers_trace_contents() {
    let fingerprint = |dir: &Path, rows: &str| -> String {
        std::fs::write(dir.join("t.csv"), format!("timestamp\n{rows}")).unwrap();
        let base = r#"name = "b"
horizon = "1m"
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
source = "csv"
path = "t.csv"
"#;
        write(dir, "b.toml", base);
        let f = write(
            dir,
            "s.toml",
            "name = \"s\"\nbase = \"b.toml\"\nplatforms = \"lmi\"\n[[axes]]\nkey = \"functions[0].MemorySize\"\nvalues = [2048, 4096]\n",
        );
        let out = dir.join("o");
        let o = sweep(&f, &out, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let md = std::fs::read_to_string(out.join("s/summary.md")).unwrap();
        let at = md.find("fingerprint ").expect("fingerprint in summary.md") + 12;
        md[at..at + 16].to_string()
    };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let one = fingerprint(a.path(), "0.5\n1.5\n2.5\n");
    assert_eq!(one, fingerprint(b.path(), "0.5\n1.5\n2.5\n"));
    assert_ne!(one, fingerprint(c.path(), "0.5\n1.5\n2.6\n"));
}
