//! CloudWatch metrics as a count trace (`source = "cloudwatch"`): the three
//! bundled exports of one synthetic series (data/samples/cloudwatch/, written
//! by its generate.py, seed 14) replay to exactly the same invocations per
//! minute — checked against an independent reading of the
//! get-metric-statistics file — with the same number of periods and missing
//! periods; gzip copies replay identically; and bad exports are clear errors
//! (exit 2 on the CLI) naming the file, the position and the fix.

use lmi_sim::invocation::Arrival;
use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::ArrivalStream;
use lmi_sim::trace::cloudwatch::{CloudWatch, CloudWatchStats, FileKind};
use lmi_sim::traffic::Traffic;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// 2025-12-01T09:00:00Z, the sample's first period [s since the epoch].
const START_S: i64 = 1_764_579_600;
/// What generate.py printed: 180 one-minute periods, 172 datapoints, 8
/// missing, 34,213 invocations.
const PERIODS: u64 = 180;
const POINTS: u64 = 172;
const MISSING: u64 = 8;
const TOTAL: u64 = 34_213;

fn sample_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/cloudwatch")
}

fn scenario_text(traffic: &str) -> String {
    format!(
        r#"
name = "import-cloudwatch"
seed = 14
horizon = "3h"
report_interval = "5m"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.xlarge", "c7i.2xlarge"]
[[functions]]
name = "checkout-api"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "40ms"
io = "160ms"
[functions.traffic]
source = "cloudwatch"
{traffic}
"#
    )
}

fn load(dir: &Path, traffic: &str) -> Scenario {
    from_toml_str(&scenario_text(traffic), "x.toml", Some(dir)).unwrap_or_else(|e| panic!("{e}"))
}

fn arrivals(sc: &Scenario) -> Result<Vec<Arrival>, String> {
    let mut s = ArrivalStream::new(sc).map_err(|e| e.0)?;
    let mut out = Vec::new();
    let mut buf = vec![Arrival::default(); 4096];
    loop {
        let n = s.fill(&mut buf).map_err(|e| e.0)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn stats(sc: &Scenario) -> Result<CloudWatchStats, String> {
    let Traffic::Trace(spec) = &sc.functions[0].traffic else {
        panic!("not a trace")
    };
    CloudWatch::open(spec).map(|c| c.stats).map_err(|e| e.0)
}

/// Arrivals per minute of simulated time (minute 0 = 09:00).
fn per_minute(a: &[Arrival]) -> Vec<u64> {
    let mut v = vec![0u64; PERIODS as usize];
    for x in a {
        v[(x.at.0 / 60_000_000) as usize] += 1;
    }
    v
}

/// The sample's Sum per minute, read independently of lmi-sim (serde_json
/// values), zero for a minute without a datapoint.
fn expected_per_minute() -> Vec<u64> {
    let text = std::fs::read_to_string(sample_dir().join("get-metric-statistics.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut by_minute = BTreeMap::new();
    for dp in v["Datapoints"].as_array().unwrap() {
        let ts = dp["Timestamp"].as_str().unwrap();
        // "2025-12-01THH:MM:00+00:00"
        let h: i64 = ts[11..13].parse().unwrap();
        let m: i64 = ts[14..16].parse().unwrap();
        by_minute.insert((h - 9) * 60 + m, dp["Sum"].as_f64().unwrap() as u64);
    }
    (0..PERIODS as i64)
        .map(|m| by_minute.get(&m).copied().unwrap_or(0))
        .collect()
}

const PAGES: &str = "path = [\"get-metric-data-page1.json\", \"get-metric-data-page2.json\"]\nmetric_id = \"invocations\"";
const STATS: &str = "path = \"get-metric-statistics.json\"";
const CONSOLE: &str = "path = \"console-checkout-api.csv\"\nlabel = \"Invocations\"";

fn check_sample(traffic: &str, kind: FileKind, order: &str) {
    let sc = load(&sample_dir(), traffic);
    let st = stats(&sc).unwrap();
    assert_eq!(st.kind, Some(kind));
    assert_eq!(
        (st.points, st.missing, st.periods(), st.total),
        (POINTS, MISSING, PERIODS, TOTAL),
        "{traffic}"
    );
    assert_eq!((st.interval, st.inferred), (60_000_000, true));
    assert_eq!(st.first, START_S * 1_000_000);
    assert_eq!(st.last, (START_S + 179 * 60) * 1_000_000);
    assert_eq!(st.order, order);
    // The first missing minutes, as generate.py printed them.
    let first: Vec<i64> = st
        .first_missing
        .iter()
        .map(|&t| (t / 1_000_000 - START_S) / 60)
        .collect();
    assert_eq!(first, vec![2, 6, 8, 11, 13]);
    let a = arrivals(&sc).unwrap();
    assert_eq!(a.len() as u64, TOTAL, "seed {}", sc.seed);
    let got = per_minute(&a);
    let want = expected_per_minute();
    assert_eq!(got, want, "seed {}", sc.seed);
    assert_eq!(want.iter().filter(|&&c| c == 0).count() as u64, MISSING);
    // Spot values: the 09:00 datapoint, the burst's first minute, the last.
    assert_eq!((got[0], got[90], got[179]), (want[0], want[90], want[179]));
    assert!(
        got[90] > 3 * got[89],
        "the burst: {} after {}",
        got[90],
        got[89]
    );
}

#[test]
fn get_metric_data_two_pages_newest_first() {
    check_sample(PAGES, FileKind::MetricData, "newest first");
}

#[test]
fn get_metric_statistics_unordered() {
    check_sample(STATS, FileKind::MetricStatistics, "unordered");
}

#[test]
fn console_csv_download() {
    check_sample(CONSOLE, FileKind::ConsoleCsv, "oldest first");
}

#[test]
fn the_three_exports_replay_the_same_arrivals() {
    let d = sample_dir();
    let a = arrivals(&load(&d, PAGES)).unwrap();
    assert_eq!(arrivals(&load(&d, STATS)).unwrap(), a);
    assert_eq!(arrivals(&load(&d, CONSOLE)).unwrap(), a);
    // Pages listed in the other order read the same.
    let swapped = "path = [\"get-metric-data-page2.json\", \"get-metric-data-page1.json\"]\nmetric_id = \"invocations\"";
    assert_eq!(arrivals(&load(&d, swapped)).unwrap(), a);
}

fn gzip_copy(from: &Path, to: &Path) {
    let bytes = std::fs::read(from).unwrap();
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(&bytes).unwrap();
    std::fs::write(to, e.finish().unwrap()).unwrap();
}

#[test]
fn gzip_copies_replay_identically() {
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "get-metric-data-page1.json",
        "get-metric-data-page2.json",
        "get-metric-statistics.json",
        "console-checkout-api.csv",
    ] {
        gzip_copy(&sample_dir().join(f), &tmp.path().join(format!("{f}.gz")));
    }
    let gz = |t: &str| {
        t.replace(".json\"", ".json.gz\"")
            .replace(".csv\"", ".csv.gz\"")
    };
    for t in [PAGES, STATS, CONSOLE] {
        let plain = load(&sample_dir(), t);
        let packed = load(tmp.path(), &gz(t));
        assert_eq!(stats(&packed).unwrap(), stats(&plain).unwrap(), "{t}");
        assert_eq!(arrivals(&packed).unwrap(), arrivals(&plain).unwrap(), "{t}");
    }
}

#[test]
fn shaping_applies_to_cloudwatch_counts() {
    // Window 10:00-10:30, twice as much, looped twice, all at period starts.
    let t = format!(
        "{STATS}\nwindow_start = \"60m\"\nwindow_end = \"90m\"\nrate_multiplier = 2.0\nloop_count = 2\nspread = \"start\""
    );
    let a = arrivals(&load(&sample_dir(), &t)).unwrap();
    let want = expected_per_minute();
    let slice: u64 = want[60..90].iter().sum();
    assert_eq!(a.len() as u64, 4 * slice);
    assert!(a.iter().all(|x| x.at.0 % 60_000_000 == 0));
    assert_eq!(
        a.iter().filter(|x| x.at.0 == 0).count() as u64,
        2 * want[60]
    );
    assert_eq!(
        a.iter().filter(|x| x.at.0 == 30 * 60_000_000).count() as u64,
        2 * want[60]
    );
}

// --------------------------------------------------------------- the CLI

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

#[test]
fn validate_deep_and_run_report_what_was_read() {
    let toml = sample_dir().join("checkout-api.toml");
    let o = bin()
        .args(["validate", "--deep"])
        .arg(&toml)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for part in [
        "(CloudWatch get-metric-data JSON)",
        "rows: 172,",
        "time span: 2025-12-01T09:00:00Z to 2025-12-01T12:00:00Z (3 h)",
        "interval: 60 s, inferred",
        "invocations: 34,213",
        "files: 2; results found: 2: `invocations` (Invocations), `duration_p99` (Duration p99)",
        "selected: Id `invocations`, Label `Invocations`, 172 points (172 listed, newest first), 180 periods, first 2025-12-01T09:00:00Z, last 2025-12-01T11:59:00Z",
        "missing periods: 8 of 180 periods have no datapoint",
        "2025-12-01T09:02:00Z, 2025-12-01T09:06:00Z",
    ] {
        assert!(out.contains(part), "lacks `{part}`:\n{out}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["run", "--no-charts", "--out"])
        .arg(tmp.path())
        .arg(&toml)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: functions[0] `checkout-api`: trace ")
            && err.contains("8 of 180 periods have no datapoint"),
        "{err}"
    );
    let summary =
        std::fs::read_to_string(tmp.path().join("cloudwatch-checkout-api/summary.json")).unwrap();
    assert!(summary.contains("34213"), "{summary}");
}

// ------------------------------------------------------------- bad input

/// A scenario in `dir` around `traffic`, through the CLI: exit 2, no
/// panic; returns stderr.
fn cli_error(dir: &Path, traffic: &str) -> String {
    std::fs::write(dir.join("s.toml"), scenario_text(traffic)).unwrap();
    let o: Output = bin()
        .args(["validate", "--deep"])
        .arg(dir.join("s.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// The library's error for the same scenario.
fn lib_error(dir: &Path, traffic: &str) -> String {
    let sc = load(dir, traffic);
    let e = stats(&sc).unwrap_err();
    assert_eq!(arrivals(&sc).unwrap_err(), e);
    e
}

fn both(dir: &Path, traffic: &str, parts: &[&str]) {
    let lib = lib_error(dir, traffic);
    let cli = cli_error(dir, traffic);
    for p in parts {
        assert!(lib.contains(p), "library error lacks `{p}`:\n{lib}");
        assert!(cli.contains(p), "CLI error lacks `{p}`:\n{cli}");
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn page(results: &str, extra: &str) -> String {
    format!("{{\n    \"MetricDataResults\": [{results}],\n    \"Messages\": []{extra}\n}}\n")
}

const INV: &str = r#"{"Id": "invocations", "Label": "Invocations", "Timestamps": ["2025-12-01T09:01:00+00:00", "2025-12-01T09:00:00+00:00"], "Values": [4.0, 3.0], "StatusCode": "Complete"}"#;

#[test]
fn truncated_json_is_an_error_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_dir().join("get-metric-data-page2.json")).unwrap();
    // Cut inside the Values array, at line 100.
    let cut: String = text.lines().take(100).collect::<Vec<_>>().join("\n");
    write(tmp.path(), "page2.json", &cut);
    both(
        tmp.path(),
        "path = \"page2.json\"\nmetric_id = \"invocations\"",
        &["page2.json:100:", "the JSON ends early", "truncated"],
    );
    // The same, gzip-compressed.
    gzip_copy(
        &tmp.path().join("page2.json"),
        &tmp.path().join("page2.json.gz"),
    );
    both(
        tmp.path(),
        "path = \"page2.json.gz\"\nmetric_id = \"invocations\"",
        &["page2.json.gz:100:", "the JSON ends early"],
    );
    // A gzip stream cut short (a partial download of a .gz).
    gzip_copy(
        &sample_dir().join("get-metric-data-page2.json"),
        &tmp.path().join("whole.json.gz"),
    );
    let gz = std::fs::read(tmp.path().join("whole.json.gz")).unwrap();
    std::fs::write(tmp.path().join("cut.json.gz"), &gz[..gz.len() / 2]).unwrap();
    both(
        tmp.path(),
        "path = \"cut.json.gz\"\nmetric_id = \"invocations\"",
        &["cut.json.gz", "gzip data is corrupt or truncated"],
    );
    write(
        tmp.path(),
        "bad.json",
        "{\"MetricDataResults\": [ {\"Id\": \"a\",, } ] }",
    );
    both(
        tmp.path(),
        "path = \"bad.json\"",
        &["bad.json:1:", "not valid JSON"],
    );
}

#[test]
fn partial_data_and_next_token_say_to_fetch_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    // The first page alone: it has a NextToken.
    std::fs::copy(
        sample_dir().join("get-metric-data-page1.json"),
        tmp.path().join("page1.json"),
    )
    .unwrap();
    both(
        tmp.path(),
        "path = \"page1.json\"\nmetric_id = \"invocations\"",
        &[
            "the data is incomplete",
            "NextToken",
            "--next-token \"eyJkZW1v",
            "path = [",
        ],
    );
    // A last page (no NextToken) whose result is still PartialData.
    write(
        tmp.path(),
        "p.json",
        &page(&INV.replace("Complete", "PartialData"), ""),
    );
    both(
        tmp.path(),
        "path = \"p.json\"",
        &[
            "p.json: the data is incomplete",
            "StatusCode \"PartialData\"",
            "--next-token",
        ],
    );
    // InternalError / Forbidden: the Messages are shown.
    let forbidden = INV.replace(
        "\"StatusCode\": \"Complete\"",
        "\"StatusCode\": \"Forbidden\", \"Messages\": [{\"Code\": \"AccessDenied\", \"Value\": \"not authorized for account 123\"}]",
    );
    write(tmp.path(), "f.json", &page(&forbidden, ""));
    both(
        tmp.path(),
        "path = \"f.json\"",
        &[
            "f.json:",
            "StatusCode \"Forbidden\"",
            "AccessDenied: not authorized for account 123",
        ],
    );
}

#[test]
fn unknown_metric_id_or_label_lists_what_there_is() {
    // A copy of the samples: the CLI check writes its scenario beside them.
    let tmp = tempfile::tempdir().unwrap();
    for f in [
        "get-metric-data-page1.json",
        "get-metric-data-page2.json",
        "console-checkout-api.csv",
    ] {
        std::fs::copy(sample_dir().join(f), tmp.path().join(f)).unwrap();
    }
    let d = tmp.path().to_path_buf();
    both(
        &d,
        "path = [\"get-metric-data-page1.json\", \"get-metric-data-page2.json\"]\nmetric_id = \"invocatons\"",
        &[
            "no result matches metric_id = \"invocatons\"",
            "Id `invocations` (Label `Invocations`), Id `duration_p99` (Label `Duration p99`)",
        ],
    );
    both(
        &d,
        "path = \"console-checkout-api.csv\"\nlabel = \"Invocation\"",
        &[
            "no column matches label = \"Invocation\"",
            "`Invocations`, `Duration p99`",
        ],
    );
    // Several results and no selection.
    both(
        &d,
        "path = [\"get-metric-data-page1.json\", \"get-metric-data-page2.json\"]",
        &["2 results", "metric_id = \"<Id>\" or label = \"<Label>\""],
    );
}

#[test]
fn length_mismatch_fraction_and_empty_result_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "len.json",
        &page(&INV.replace("[4.0, 3.0]", "[4.0]"), ""),
    );
    both(
        d,
        "path = \"len.json\"",
        &[
            "len.json:",
            "MetricDataResults[0] (Id `invocations`",
            "2 Timestamps but 1 Values",
        ],
    );
    write(
        d,
        "frac.json",
        &page(&INV.replace("[4.0, 3.0]", "[4.0, 2.5]"), ""),
    );
    both(
        d,
        "path = \"frac.json\"",
        &[
            "frac.json:",
            "Values[1] = 2.5 (at 2025-12-01T09:00:00Z) is not a whole number",
        ],
    );
    write(
        d,
        "sum.json",
        "{\n  \"Label\": \"Invocations\",\n  \"Datapoints\": [\n    {\"Timestamp\": \"2025-12-01T09:00:00+00:00\", \"Sum\": 12.5, \"Unit\": \"Count\"}\n  ]\n}\n",
    );
    both(
        d,
        "path = \"sum.json\"",
        &[
            "sum.json:4:",
            "Datapoints[0] (at 2025-12-01T09:00:00Z): Sum = 12.5 is not a whole number",
        ],
    );
    write(
        d,
        "neg.csv",
        "Time,Invocations\n2025-12-01T09:00:00.000Z,3\n2025-12-01T09:01:00.000Z,-1\n",
    );
    both(
        d,
        "path = \"neg.csv\"",
        &["neg.csv:3: column `Invocations`: `-1` is negative"],
    );
    write(
        d,
        "empty.json",
        &page(
            r#"{"Id": "invocations", "Label": "Invocations", "Timestamps": [], "Values": [], "StatusCode": "Complete"}"#,
            "",
        ),
    );
    both(
        d,
        "path = \"empty.json\"",
        &[
            "empty.json: the selected series (Id `invocations`, Label `Invocations`) has no datapoints",
        ],
    );
    write(d, "none.json", &page("", ""));
    both(d, "path = \"none.json\"", &["`MetricDataResults` is empty"]);
}

#[test]
fn duration_files_and_conflicting_pages_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "dur.json",
        "{\"Label\": \"Duration\", \"Datapoints\": [{\"Timestamp\": \"2025-12-01T09:00:00+00:00\", \"Average\": 212.5, \"Unit\": \"Milliseconds\"}]}",
    );
    both(
        d,
        "path = \"dur.json\"",
        &[
            "dur.json:1:",
            "Unit `Milliseconds`",
            "not a count of invocations",
            "--statistics Sum",
        ],
    );
    write(d, "a.json", &page(INV, ""));
    write(
        d,
        "b.json",
        &page(&INV.replace("[4.0, 3.0]", "[4.0, 9.0]"), ""),
    );
    both(
        d,
        "path = [\"a.json\", \"b.json\"]",
        &[
            "the point at 2025-12-01T09:00:00Z is 3 in",
            "but 9 in",
            "b.json",
        ],
    );
    // The same point in two pages with the same value is kept once.
    let sc = load(d, "path = [\"a.json\", \"a.json\"]");
    let st = stats(&sc).unwrap();
    assert_eq!((st.points, st.listed, st.total), (2, 4, 7));
    // A bad `path` entry names its index.
    let e = from_toml_str(
        &scenario_text("path = [\"a.json\", \"nope.json\"]"),
        "x.toml",
        Some(d),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("path[1]") && e.contains("nope.json"), "{e}");
}
