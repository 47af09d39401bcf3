//! Lambda REPORT logs (`source = "lambda-logs"`, `lmi-sim logs summarize`):
//! the generated samples in data/samples/lambda-logs/ (the same 1,245
//! invocations as filter-log-events JSON in two pages, a Logs Insights CSV
//! and an `aws logs tail` text log) replay to the totals the generator
//! printed (scripts/gen-lambda-logs.py --seed 14), gzip copies replay
//! identically, the summary's percentile table reproduces the log's own
//! percentiles, and bad inputs are clear errors with exit 2.

use lmi_sim::dist::Dist;
use lmi_sim::invocation::Arrival;
use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::ArrivalStream;
use lmi_sim::sketch::RELATIVE_ERROR;
use lmi_sim::trace::lambda_logs::summary::{PERCENTILES, summarize_cli};
use lmi_sim::trace::lambda_logs::{LogRows, stats};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

// What scripts/gen-lambda-logs.py --seed 14 printed for the samples.
const INVOCATIONS: usize = 1245;
const PER_MINUTE: [usize; 10] = [71, 80, 68, 113, 175, 205, 207, 152, 113, 61];
const DURATION_SUM_US: u64 = 169_571_160;
const COLD_STARTS: u64 = 26;
const INIT_SUM_US: u128 = 8_834_570;
const TAIL_OTHER_LINES: u64 = 2857;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/lambda-logs")
}

/// The three samples, as `path` values.
const FORMATS: [(&str, &str); 3] = [
    (
        "filter-log-events",
        r#"["filter-log-events-1.json", "filter-log-events-2.json"]"#,
    ),
    ("insights", r#""insights.csv""#),
    ("tail", r#""tail.log""#),
];

fn scenario_text(path: &str, memory_size: u32, extra: &str) -> String {
    format!(
        r#"
name = "lambda-logs"
horizon = "1h"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.2xlarge", "c7i.4xlarge"]
[[functions]]
name = "orders-api"
Runtime = "python3.13"
MemorySize = {memory_size}
{extra}
[functions.traffic]
source = "lambda-logs"
path = {path}
time_origin = "2025-12-01T10:00:00Z"
cpu_share = 0.25
"#
    )
}

fn load(dir: &Path, path: &str) -> Scenario {
    from_toml_str(&scenario_text(path, 2048, ""), "s.toml", Some(dir))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn arrivals(sc: &Scenario) -> Vec<Arrival> {
    let mut s = ArrivalStream::new(sc).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut buf = vec![Arrival::default(); 4096];
    loop {
        let n = s.fill(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

#[test]
fn every_format_replays_the_generated_totals() {
    let dir = sample_dir();
    for (what, path) in FORMATS {
        let sc = load(&dir, path);
        let a = arrivals(&sc);
        assert_eq!(a.len(), INVOCATIONS, "{what}");
        assert!(
            a.windows(2).all(|w| w[0].at <= w[1].at),
            "{what}: arrivals in order"
        );
        let mut per_minute = vec![0usize; 10];
        for x in &a {
            per_minute[(x.at.0 / 60_000_000) as usize] += 1;
        }
        assert_eq!(
            per_minute, PER_MINUTE,
            "{what}: invocations per minute from 10:00Z"
        );
        let sum: u64 = a.iter().map(|x| x.cpu.0 + x.io.0).sum();
        assert_eq!(sum, DURATION_SUM_US, "{what}: sum of Duration");
        // cpu_share = 0.25 of each duration, to the µs.
        let cpu: u64 = a.iter().map(|x| x.cpu.0).sum();
        assert!(
            (cpu as f64 / sum as f64 - 0.25).abs() < 1e-4,
            "{what}: cpu {cpu}"
        );
        // The logs' Init Durations are the init distribution (minus python's 90 ms base).
        let f = &sc.functions[0];
        let Dist::Empirical { points } = &f.function_init else {
            panic!("{what}: function_init {:?}", f.function_init)
        };
        assert_eq!(points.first().map(|p| p.0), Some(0.0));
        // Memory from Max Memory Used: process = the smallest (147 MB), p99 − it per invocation.
        assert_eq!(f.memory.process_mib, 147, "{what}");
        assert!(f.memory.per_invocation_mib > 0, "{what}");
        let paths: Vec<PathBuf> = match what {
            "filter-log-events" => vec![
                dir.join("filter-log-events-1.json"),
                dir.join("filter-log-events-2.json"),
            ],
            "insights" => vec![dir.join("insights.csv")],
            _ => vec![dir.join("tail.log")],
        };
        let st = stats::scan(&paths, false).unwrap();
        assert_eq!(st.inits(), COLD_STARTS, "{what}: cold starts");
        assert_eq!(st.init_sum_us, INIT_SUM_US, "{what}: sum of Init Duration");
        assert_eq!(st.duration_sum_us, DURATION_SUM_US as u128, "{what}");
        assert_eq!(st.memory_sizes.get(&2048), Some(&(INVOCATIONS as u64)));
        if what == "tail" {
            assert_eq!(
                st.other, TAIL_OTHER_LINES,
                "START, END, INIT_START and app lines skipped"
            );
        }
        // The window the scenario sets is what the file needs, so nothing is refused.
        let lmi_sim::traffic::Traffic::Trace(spec) = &f.traffic else {
            panic!()
        };
        assert_eq!(spec.reorder_window.0, st.max_late_us.div_ceil(1000) * 1000);
        assert!(
            st.max_late_us > 1_000_000,
            "slow calls put REPORTs out of arrival order"
        );
        // Init from the logs: the mean of function_init + the base is the logs' mean Init Duration
        // within the table's interpolation (a 26-value table: 5%).
        let mean_init = f.function_init.mean_us() + 90_000.0;
        let want = INIT_SUM_US as f64 / COLD_STARTS as f64;
        assert!(
            (mean_init / want - 1.0).abs() < 0.05,
            "{what}: mean init {mean_init} vs {want}"
        );
    }
}

fn gzip_to(src: &Path, dst: &Path) {
    let bytes = std::fs::read(src).unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&bytes).unwrap();
    std::fs::write(dst, e.finish().unwrap()).unwrap();
}

#[test]
fn gzip_copies_replay_identically() {
    let d = tempfile::tempdir().unwrap();
    for f in [
        "filter-log-events-1.json",
        "filter-log-events-2.json",
        "insights.csv",
        "tail.log",
    ] {
        gzip_to(&sample_dir().join(f), &d.path().join(format!("{f}.gz")));
    }
    for (what, path) in FORMATS {
        let plain = arrivals(&load(&sample_dir(), path));
        let gz_path = path
            .replace(".json\"", ".json.gz\"")
            .replace(".csv\"", ".csv.gz\"")
            .replace(".log\"", ".log.gz\"");
        let gz = arrivals(&load(d.path(), &gz_path));
        assert_eq!(plain.len(), INVOCATIONS, "{what}");
        assert!(plain == gz, "{what}: the gzip copy replays differently");
    }
}

/// The exact nearest-rank quantile of sorted values.
fn exact(sorted: &[u64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

/// The empirical table's inverse CDF at q (linear between points, as lmi-sim samples it).
fn inverse(points: &[(f64, f64)], q: f64) -> f64 {
    for w in points.windows(2) {
        if q <= w[1].0 {
            return w[0].1 + (w[1].1 - w[0].1) * (q - w[0].0) / (w[1].0 - w[0].0);
        }
    }
    points.last().unwrap().1
}

/// The printed TOML pasted into a scenario, and the `[functions.work]` it gives.
fn pasted_work(toml: &str) -> (Dist, Dist) {
    let text = format!(
        r#"
name = "pasted"
horizon = "1h"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
[[functions]]
name = "orders-api"
Runtime = "python3.13"
MemorySize = 2048
{toml}
[functions.traffic]
shape = "constant"
rate = 1.0
"#
    );
    let sc = from_toml_str(&text, "pasted.toml", None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let w = &sc.functions[0].work;
    (w.cpu.clone(), w.io.clone())
}

/// The printed table reproduces the log's own Duration percentiles. Bound
/// tested, and why: at each printed percentile the value is the sketch's
/// nearest-rank quantile, within `RELATIVE_ERROR` (1/256) of the exact one
/// (p0 and p100 exact), printed to the µs (±1 µs); between printed points
/// lmi-sim interpolates linearly, so there the table lies between the exact
/// quantiles of its neighbouring points (each ± `RELATIVE_ERROR`). Sampled,
/// the table's p-quantile over N = 200,000 draws (seed 14) lies between the
/// table at p ± 5σ (σ = √(p(1−p)/N)).
#[test]
fn the_summary_reproduces_its_own_duration_percentiles() {
    let path = sample_dir().join("tail.log");
    let mut durations = Vec::new();
    let mut rows = LogRows::open(std::slice::from_ref(&path), false).unwrap();
    while let Some(r) = rows.next_report().unwrap() {
        durations.push(r.fields.duration_us);
    }
    durations.sort_unstable();
    assert_eq!(durations.len(), INVOCATIONS);

    let whole = summarize_cli(std::slice::from_ref(&path), 0.0, Some("python3.13"), false).unwrap();
    let (cpu, io) = pasted_work(&whole);
    assert!(cpu.is_zero(), "cpu_share 0: all of the Duration is io");
    let Dist::Empirical { points } = &io else {
        panic!("{io:?}")
    };
    assert_eq!(points.len(), PERCENTILES.len());
    for &(q, v) in points {
        let e = exact(&durations, q);
        let tol = if q == 0.0 || q == 1.0 {
            0.0
        } else {
            e * RELATIVE_ERROR + 1.0
        };
        assert!(
            (v - e).abs() <= tol,
            "p{}: table {v} µs, exact {e} µs",
            q * 100.0
        );
    }
    // Between the printed points: within the neighbours' exact quantiles.
    for q in [0.15, 0.35, 0.65, 0.85, 0.97, 0.993] {
        let i = points.iter().position(|p| p.0 >= q).unwrap();
        let (lo, hi) = (points[i - 1].0, points[i].0);
        let v = inverse(points, q);
        let (a, b) = (exact(&durations, lo), exact(&durations, hi));
        assert!(
            v >= a * (1.0 - RELATIVE_ERROR) - 1.0 && v <= b * (1.0 + RELATIVE_ERROR) + 1.0,
            "p{}: table {v} µs outside exact p{} {a} .. p{} {b}",
            q * 100.0,
            lo * 100.0,
            hi * 100.0
        );
    }
    // Replayed: sample the pasted distribution.
    let n = 200_000usize;
    let mut rng = lmi_sim::rng::stream(14, "summary-replay", 0);
    let mut s: Vec<u64> = (0..n).map(|_| io.sample(&mut rng).0).collect();
    s.sort_unstable();
    for &p in &PERCENTILES[1..PERCENTILES.len() - 1] {
        let q = p / 100.0;
        let d = 5.0 * (q * (1.0 - q) / n as f64).sqrt();
        let got = exact(&s, q);
        let lo = inverse(points, (q - d).max(0.0)) - 1.0;
        let hi = inverse(points, (q + d).min(1.0)) + 1.0;
        assert!(
            got >= lo && got <= hi,
            "p{p}: sampled {got} µs outside [{lo}, {hi}] (seed 14)"
        );
    }

    // With a split, each of cpu and io is its share of the same table.
    let split = summarize_cli(std::slice::from_ref(&path), 0.25, None, false).unwrap();
    let (cpu, io) = pasted_work(&split);
    let (Dist::Empirical { points: c }, Dist::Empirical { points: i }) = (&cpu, &io) else {
        panic!()
    };
    for ((&(_, whole), &(_, c)), &(_, i)) in points.iter().zip(c).zip(i) {
        assert!((c - 0.25 * whole).abs() <= 1.0 && (i - 0.75 * whole).abs() <= 1.0);
    }
    assert!(split.contains("memory_mb = ") && split.contains("process_memory_mb = 147"));
    assert!(split.contains("1,245 REPORT lines"), "{split}");
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

/// Exit 2 and no panic; returns stderr.
fn exit_2(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const REPORT_LINE: &str = "2025-12-01T10:00:01.000000+00:00 2025/12/01/[$LATEST]ab REPORT RequestId: r1\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 2048 MB\tMax Memory Used: 180 MB\t";

#[test]
fn a_truncated_json_is_an_error_with_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(sample_dir().join("filter-log-events-1.json")).unwrap();
    let cut = &full[..full.len() / 2];
    let p = write(d.path(), "page.json", cut);
    let err = exit_2(&bin().args(["logs", "summarize"]).arg(&p).output().unwrap());
    let line = cut.lines().count();
    assert!(err.contains(&format!("page.json:{line}:")), "{err}");
    assert!(err.contains("truncated"), "{err}");
    // The same through a scenario: refused when it is loaded.
    write(
        d.path(),
        "s.toml",
        &scenario_text(r#""page.json""#, 2048, ""),
    );
    let err = exit_2(
        &bin()
            .arg("validate")
            .arg(d.path().join("s.toml"))
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("functions[0].traffic.path") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn a_malformed_duration_names_path_line_and_field() {
    let d = tempfile::tempdir().unwrap();
    let bad = REPORT_LINE.replace("Duration: 102.25 ms", "Duration: abc ms");
    let text = format!(
        "2025-12-01T10:00:00.000000+00:00 s START RequestId: r0 Version: $LATEST\n{REPORT_LINE}\n{bad}\n{}\n",
        REPORT_LINE.replace("10:00:01", "10:00:02")
    );
    let p = write(d.path(), "bad.log", &text);
    let err = exit_2(&bin().args(["logs", "summarize"]).arg(&p).output().unwrap());
    assert!(
        err.contains("bad.log:3: field `Duration: abc ms`: `abc` is not a number of milliseconds"),
        "{err}"
    );
    assert!(err.contains("--skip-bad-rows"), "{err}");
    write(d.path(), "s.toml", &scenario_text(r#""bad.log""#, 2048, ""));
    let s = d.path().join("s.toml");
    let err = exit_2(&bin().args(["validate", "--deep"]).arg(&s).output().unwrap());
    assert!(err.contains("bad.log:3: field `Duration: abc ms`"), "{err}");
    let err = exit_2(
        &bin()
            .args(["run", "--no-charts", "--out"])
            .arg(d.path().join("out"))
            .arg(&s)
            .output()
            .unwrap(),
    );
    assert!(err.contains("bad.log:3: field `Duration: abc ms`"), "{err}");
    // Skipped on request: two good REPORTs, one skipped, one other line.
    let o = bin()
        .args(["validate", "--deep", "--skip-bad-rows"])
        .arg(&s)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("rows: 2, 1 skipped as malformed"), "{out}");
    let o = bin()
        .args(["logs", "summarize", "--skip-bad-rows"])
        .arg(&p)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("2 REPORT lines (plain text log); 1 other lines skipped, 1 malformed"),
        "{out}"
    );
}

#[test]
fn a_file_without_report_lines_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let p = write(
        d.path(),
        "app.log",
        "2025-12-01T10:00:00.000000+00:00 s START RequestId: r0 Version: $LATEST\n2025-12-01T10:00:00.100000+00:00 s END RequestId: r0\n",
    );
    let err = exit_2(&bin().args(["logs", "summarize"]).arg(&p).output().unwrap());
    assert!(
        err.contains("app.log: no REPORT lines (2 other message(s))"),
        "{err}"
    );
    write(d.path(), "s.toml", &scenario_text(r#""app.log""#, 2048, ""));
    let err = exit_2(
        &bin()
            .arg("validate")
            .arg(d.path().join("s.toml"))
            .output()
            .unwrap(),
    );
    assert!(err.contains("no REPORT lines"), "{err}");
}

#[test]
fn a_memory_size_unlike_memorysize_is_a_warning_not_an_error() {
    let d = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..3)
        .map(|i| {
            REPORT_LINE
                .replace("2048 MB", "1024 MB")
                .replace("10:00:01", &format!("10:00:0{}", i + 1))
        })
        .collect();
    write(d.path(), "small.log", &(lines.join("\n") + "\n"));
    write(
        d.path(),
        "s.toml",
        &scenario_text(r#""small.log""#, 2048, ""),
    );
    let s = d.path().join("s.toml");
    let o = bin().arg("validate").arg(&s).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("warning: [log_memory_size_mismatch] functions[0].MemorySize = 2048 but the logs were written at Memory Size 1024 MB (3 of 3 REPORT lines)"),
        "{err}"
    );
    let err = exit_2(
        &bin()
            .args(["validate", "--deny-warnings"])
            .arg(&s)
            .output()
            .unwrap(),
    );
    assert!(err.contains("log_memory_size_mismatch"), "{err}");
}

#[test]
fn newest_first_insights_exports_say_how_to_fix_the_query() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_dir().join("insights.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    rows.reverse();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["@timestamp", "@message"]).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    let p = d.path().join("desc.csv");
    std::fs::write(&p, w.into_inner().unwrap()).unwrap();
    let err = exit_2(&bin().args(["logs", "summarize"]).arg(&p).output().unwrap());
    assert!(
        err.contains("newest first") && err.contains("| sort @timestamp asc"),
        "{err}"
    );
}

#[test]
fn json_log_format_platform_reports_replay() {
    let d = tempfile::tempdir().unwrap();
    let line = |t: &str, ms: f64, init: &str| {
        format!(
            r#"{{"time":"{t}","type":"platform.report","record":{{"requestId":"r","metrics":{{"durationMs":{ms},"billedDurationMs":{},"memorySizeMB":2048,"maxMemoryUsedMB":180{init}}},"status":"success"}}}}"#,
            ms.ceil()
        )
    };
    let text = [
        r#"{"time":"2025-12-01T10:00:00.000Z","type":"platform.start","record":{"requestId":"r"}}"#
            .to_string(),
        line(
            "2025-12-01T10:00:01.000Z",
            250.5,
            r#","initDurationMs":300.25"#,
        ),
        line("2025-12-01T10:00:02.000Z", 100.0, ""),
    ]
    .join("\n");
    write(d.path(), "json.log", &text);
    let sc = load(d.path(), r#""json.log""#);
    let a = arrivals(&sc);
    // Arrivals from 10:00:00Z: 1 s − 250.5 ms − 300.25 ms and 2 s − 100 ms.
    let at: Vec<u64> = a.iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![449_250, 1_900_000]);
    let work: Vec<u64> = a.iter().map(|x| x.cpu.0 + x.io.0).collect();
    assert_eq!(work, vec![250_500, 100_000]);
}

#[test]
fn insights_discovered_fields_replay_with_memory_in_bytes() {
    let d = tempfile::tempdir().unwrap();
    let text = "@timestamp,@duration,@initDuration,@maxMemoryUsed,@memorySize\n\
        2025-12-01 10:00:01.000,250.5,300.25,180000000,2048000000\n\
        2025-12-01 10:00:02.000,100,,190000000,2048000000\n";
    write(d.path(), "fields.csv", text);
    let sc = load(d.path(), r#""fields.csv""#);
    let a = arrivals(&sc);
    let at: Vec<u64> = a.iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![449_250, 1_900_000]);
    let st = stats::scan(&[d.path().join("fields.csv")], false).unwrap();
    assert_eq!(st.memory_size(), Some(2048));
    assert_eq!(st.max_memory_min_mb, 180);
    assert_eq!(st.inits(), 1);
    let f = &sc.functions[0];
    assert_eq!(
        (f.memory.process_mib, f.memory.per_invocation_mib),
        (180, 10)
    );
    let bad = text.replace("250.5", "fast");
    write(d.path(), "fields.csv", &bad);
    let err = exit_2(
        &bin()
            .args(["logs", "summarize"])
            .arg(d.path().join("fields.csv"))
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("fields.csv:2: column `@duration`: `fast` is not a number of milliseconds"),
        "{err}"
    );
}

#[test]
fn a_bad_event_on_the_second_page_names_that_page_and_line() {
    let d = tempfile::tempdir().unwrap();
    let p1 = std::fs::read_to_string(sample_dir().join("filter-log-events-1.json")).unwrap();
    let p2 = std::fs::read_to_string(sample_dir().join("filter-log-events-2.json")).unwrap();
    // The 10th event's message of page 2.
    let line = p2
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"message\": \"REPORT"))
        .nth(9)
        .map(|(i, _)| i)
        .unwrap();
    let bad: Vec<String> = p2
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == line {
                l.replace("\\tMax Memory Used: ", "\\tMax Memory Used: many ")
            } else {
                l.to_string()
            }
        })
        .collect();
    write(d.path(), "p1.json", &p1);
    write(d.path(), "p2.json", &(bad.join("\n") + "\n"));
    let err = exit_2(
        &bin()
            .args(["logs", "summarize"])
            .arg(d.path().join("p1.json"))
            .arg(d.path().join("p2.json"))
            .output()
            .unwrap(),
    );
    // The event's `{` is three lines above its message (1-based: index + 1 − 3).
    let want = format!(
        "p2.json:{}: field `Max Memory Used: many 234`: `many` is not a whole number of MB",
        line - 2
    );
    assert!(err.contains(&want), "want {want}: {err}");
}
