//! Values from trace files that used to give a confident wrong answer (or a
//! debug-build overflow panic) now give a clear error naming `path:line`, the
//! value and what is allowed: units (epoch milliseconds, millisecond
//! latencies), numeric bounds (durations, percentiles, timestamps, counts
//! and their sums), the trace rate cap, and the row order of count traces
//! (newest-first CloudWatch exports). Also `validate --deep` and the inferred
//! interval that `run` prints. Fixture files are written into a temp dir.

use lmi_sim::invocation::Arrival;
use lmi_sim::request::TraceError;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::scenario::{ConfigError, Scenario};
use lmi_sim::sim::{self, ArrivalStream, Platforms};
use lmi_sim::time::US_PER_S;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A one-function scenario around a `[functions.traffic]` body.
fn scenario_text(traffic: &str, horizon: &str, work: &str) -> String {
    format!(
        r#"
name = "trace-errors"
horizon = "{horizon}"
report_interval = "1m"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.2xlarge", "c7i.4xlarge"]
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 2048
{work}
[functions.traffic]
{traffic}
"#
    )
}

const WORK: &str = "[functions.work]\ncpu = \"10ms\"\nio = \"40ms\"\n";

fn load_in(dir: &Path, traffic: &str, horizon: &str) -> Result<Scenario, ConfigError> {
    from_toml_str(&scenario_text(traffic, horizon, WORK), "x.toml", Some(dir))
}

fn load_ok(dir: &Path, traffic: &str, horizon: &str) -> Scenario {
    load_in(dir, traffic, horizon).unwrap_or_else(|e| panic!("{e}"))
}

fn arrivals(sc: &Scenario) -> Result<Vec<Arrival>, TraceError> {
    let mut s = ArrivalStream::new(sc)?;
    let mut out = Vec::new();
    let mut buf = vec![Arrival::default(); 4096];
    loop {
        let n = s.fill(&mut buf)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn ok_arrivals(sc: &Scenario) -> Vec<Arrival> {
    arrivals(sc).unwrap_or_else(|e| panic!("{e}"))
}

fn source_error(sc: &Scenario) -> String {
    match arrivals(sc) {
        Ok(v) => panic!("expected a source error, got {} arrivals", v.len()),
        Err(e) => e.0,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message lacks `{p}`:\n{msg}");
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

/// `lmi-sim <args> <dir>/s.toml` on a scenario written there.
fn cli(dir: &Path, args: &[&str], traffic: &str, horizon: &str) -> Output {
    cli_work(dir, args, traffic, horizon, WORK)
}

/// [`cli`] with the given `[functions.work]` (or none).
fn cli_work(dir: &Path, args: &[&str], traffic: &str, horizon: &str, work: &str) -> Output {
    write(dir, "s.toml", &scenario_text(traffic, horizon, work));
    bin().args(args).arg(dir.join("s.toml")).output().unwrap()
}

/// Exit 2, no panic; returns stderr.
fn exit_2(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v[v.len() / 2]
}

// ------------------------------------------------------------ Azure 2019

const DUR_HEADER: &str = "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n";

/// An invocations file of one function, `f1`, 10 per minute for 20 minutes,
/// and a durations file whose p99 and p100 are given.
fn azure2019_files(dir: &Path, p99: &str, p100: &str) {
    let minutes: Vec<String> = (1..=20).map(|m| format!("minute_{m}")).collect();
    let counts = vec!["10"; 20].join(",");
    write(
        dir,
        "inv.csv",
        &format!(
            "HashFunction,HashOwner,HashApp,{}\nf1,o,a,{counts}\n",
            minutes.join(",")
        ),
    );
    write(
        dir,
        "dur.csv",
        &format!("{DUR_HEADER}o,a,f1,100,200,10,{p100},10,12,50,80,120,{p99},{p100}\n"),
    );
}

/// Overflow site: `percentile_Average_100 = 9999999999999999` ms (about 10¹⁹
/// µs) made default Lambda cost $417,317,482,221 a month and overflowed
/// `ceil_u64` in the LMI model (debug builds). Now: exit 2 at validation,
/// naming the durations file, its line and column, the value and the bound.
#[test]
fn azure2019_huge_percentile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    azure2019_files(d, "500", "9999999999999999");
    let traffic = "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"dur.csv\"\nfunction = \"f1\"";
    let out = d.join("out");
    let run = ["run", "--no-charts", "--out", out.to_str().unwrap()];
    // Without [functions.work] the profile is read at validation; with it,
    // at the run.
    for (args, work) in [(&["validate"][..], ""), (&run[..], ""), (&run[..], WORK)] {
        let o = cli_work(d, args, traffic, "20m", work);
        let err = exit_2(&o);
        assert_has(
            &err,
            &[
                "dur.csv:2:",
                "column `percentile_Average_100`",
                "`9999999999999999`",
                "86400 s (one day) allowed",
            ],
        );
    }
    assert!(!out.exists());
    // Summed selections read the durations at the run: a source error.
    let sc = load_ok(
        d,
        "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"dur.csv\"\ntop = 1",
        "20m",
    );
    assert_has(
        &source_error(&sc),
        &["dur.csv:2:", "`9999999999999999`", "86400 s"],
    );
    // The whole simulation refuses too (no panic, no cost).
    assert!(sim::run(&sc, Platforms::Both).is_err());
}

/// Overflow site: a p99 of `1e30` ms gave a p99 of 1.8e13 s with every
/// invocation "served" within a 20-minute horizon.
#[test]
fn azure2019_p99_of_1e30_ms_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    azure2019_files(d, "1e30", "1e30");
    let traffic = "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"dur.csv\"\nfunction = \"f1\"";
    let e = from_toml_str(&scenario_text(traffic, "20m", ""), "x.toml", Some(d))
        .unwrap_err()
        .to_string();
    assert_has(
        &e,
        &[
            "durations_path",
            "dur.csv:2:",
            "column `percentile_Average_99`",
            "`1e30`",
            "1.000e27 s (milliseconds)",
            "86400 s (one day) allowed",
        ],
    );
    // The bound itself is accepted: a day.
    azure2019_files(d, "500", "86400000");
    let sc = load_ok(
        d,
        "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"dur.csv\"\nfunction = \"f1\"",
        "20m",
    );
    assert_eq!(ok_arrivals(&sc).len(), 200);
}

/// Overflow site: Azure 2019 counts summing past `u64::MAX` wrapped ("6
/// arrivals") in release and panicked in debug builds. Now each cell and
/// each minute's sum is held to the rate cap (10⁹/s: 6·10¹⁰ a minute).
#[test]
fn azure2019_counts_past_the_cap_or_u64_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = "HashFunction,HashOwner,HashApp,minute_1,minute_2\n";
    // u64::MAX + 7 wraps to 6.
    write(
        d,
        "wrap.csv",
        &format!("{head}f1,o,a,18446744073709551615,0\nf2,o,a,7,0\n"),
    );
    let sc = load_ok(
        d,
        "source = \"azure2019\"\npath = \"wrap.csv\"\nselect = \"all\"",
        "1h",
    );
    assert_has(
        &source_error(&sc),
        &[
            "wrap.csv:2:",
            "column `minute_1`",
            "`18446744073709551615`",
            "beyond the 1e9/s allowed",
            "at most 60000000000 per interval",
        ],
    );
    // Each within the cap, their sum not: the row that passes it is named.
    write(
        d,
        "sum.csv",
        &format!("{head}f1,o,a,1,40000000000\nf2,o,a,2,40000000000\n"),
    );
    for sel in ["select = \"all\"", "top = 2"] {
        let sc = load_ok(
            d,
            &format!("source = \"azure2019\"\npath = \"sum.csv\"\n{sel}"),
            "1h",
        );
        assert_has(
            &source_error(&sc),
            &[
                "sum.csv:3:",
                "minute 2",
                "sum to 80000000000",
                "beyond the 1e9/s allowed",
            ],
        );
    }
    // rate_multiplier counts towards the cap.
    write(d, "mult.csv", &format!("{head}f1,o,a,1,40000000000\n"));
    let sc = load_ok(
        d,
        "source = \"azure2019\"\npath = \"mult.csv\"\nselect = \"all\"\nrate_multiplier = 2",
        "1h",
    );
    assert_has(
        &source_error(&sc),
        &["mult.csv:2:", "`40000000000`", "× rate_multiplier 2"],
    );
    // At the cap: accepted, and exact.
    write(d, "ok.csv", &format!("{head}f1,o,a,3,0\nf2,o,a,4,0\n"));
    let sc = load_ok(
        d,
        "source = \"azure2019\"\npath = \"ok.csv\"\nselect = \"all\"",
        "1h",
    );
    assert_eq!(ok_arrivals(&sc).len(), 7);
}

// ------------------------------------------------------------ Azure 2021

/// Overflow sites: an `end_timestamp` of −9.2e18 s overflowed the arrival
/// (end − duration) in debug builds; 1e38 saturated and then gave
/// `reorder_window` advice of 9.2e12 s for the next out-of-order row.
#[test]
fn azure2021_timestamps_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = "app,func,end_timestamp,duration\n";
    for (name, v) in [
        ("neg.csv", "-9.2e18"),
        ("big.csv", "1e38"),
        ("ms.csv", "1.7e12"),
    ] {
        write(
            d,
            name,
            &format!("{head}a,f,1.0,0.5\na,f,{v},0.5\na,f,2.0,0.5\na,f,0.9,0.1\n"),
        );
        let sc = load_ok(
            d,
            &format!("source = \"azure2021\"\npath = \"{name}\""),
            "1h",
        );
        let e = source_error(&sc);
        assert_has(
            &e,
            &[
                &format!("{name}:3:"),
                "column `end_timestamp`",
                &format!("`{v}`"),
            ],
        );
        assert!(!e.contains("reorder_window"), "{e}");
        if name == "ms.csv" {
            assert_has(
                &e,
                &[
                    "looks like epoch milliseconds",
                    "convert the column to seconds",
                ],
            );
        } else {
            assert_has(&e, &["out of range", "±1e11 s"]);
        }
    }
    // A duration past a day, and a negative one.
    write(d, "dur.csv", &format!("{head}a,f,100000.0,90000\n"));
    let sc = load_ok(d, "source = \"azure2021\"\npath = \"dur.csv\"", "1h");
    assert_has(
        &source_error(&sc),
        &[
            "dur.csv:2:",
            "column `duration`",
            "`90000`",
            "86400 s (one day) allowed",
        ],
    );
}

// ------------------------------------------------------------ units

/// An API Gateway-style access log: epoch-millisecond timestamps, 80 ms
/// apart, and whole-millisecond latencies (median 170 ms).
fn api_gateway_csv(dir: &Path, rows: u64) {
    let mut s = String::from("requestTime,integrationLatency\n");
    for i in 0..rows {
        let ts = 1_764_223_200_000u64 + i * 80;
        let lat = 20 + (i * 37) % 301;
        s.push_str(&format!("{ts},{lat}\n"));
    }
    write(dir, "apigw.csv", &s);
}

/// The issue's case: epoch ms and ms latencies read as seconds gave 37
/// arrivals instead of 44,883 and a 55 s p50. Each misread unit is now an
/// error naming the key to set; with both keys the replay is exact.
#[test]
fn epoch_milliseconds_and_ms_latencies_need_their_units() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows = 2_000u64;
    api_gateway_csv(d, rows);
    let base = "source = \"csv\"\npath = \"apigw.csv\"\ntimestamp_column = \"requestTime\"\nduration_column = \"integrationLatency\"";
    // No units: the timestamps look like epoch milliseconds.
    let o = cli(
        d,
        &[
            "run",
            "--no-charts",
            "--quiet",
            "--out",
            d.join("out").to_str().unwrap(),
        ],
        base,
        "1h",
    );
    let err = exit_2(&o);
    assert_has(
        &err,
        &[
            "apigw.csv:2:",
            "column `requestTime`",
            "`1764223200000`",
            "looks like epoch milliseconds",
            "2025-11-27T06:00:00Z",
            "set timestamp_unit = \"ms\"",
        ],
    );
    assert!(!d.join("out").exists());
    // Timestamps fixed, durations still read as seconds: they look like ms.
    let sc = load_ok(d, &format!("{base}\ntimestamp_unit = \"ms\""), "1h");
    assert_has(
        &source_error(&sc),
        &[
            "apigw.csv:2-1001:",
            "column `integrationLatency`",
            "first 1000 durations are whole numbers",
            "median of 170",
            "set duration_unit = \"ms\"",
        ],
    );
    // Both units: every row arrives, 80 ms apart, with its own latency.
    let sc = load_ok(
        d,
        &format!("{base}\ntimestamp_unit = \"ms\"\nduration_unit = \"ms\""),
        "1h",
    );
    let a = ok_arrivals(&sc);
    assert_eq!(a.len() as u64, rows);
    assert!(
        a.iter()
            .enumerate()
            .all(|(i, x)| x.at.0 == i as u64 * 80_000)
    );
    let durs: Vec<u64> = a.iter().map(|x| x.cpu.0 + x.io.0).collect();
    assert_eq!(durs[1], 57_000);
    assert_eq!(median(durs), 170_000);
    // Saying durations are seconds is taken at its word (up to a day).
    let sc = load_ok(
        d,
        &format!("{base}\ntimestamp_unit = \"ms\"\nduration_unit = \"s\""),
        "1h",
    );
    assert_eq!(
        median(ok_arrivals(&sc).iter().map(|x| x.cpu.0 + x.io.0).collect()),
        170 * US_PER_S
    );
    // time_origin is in the timestamp unit too: τ = 0 one second before row 1.
    let sc = load_ok(
        d,
        &format!(
            "{base}\ntimestamp_unit = \"ms\"\nduration_unit = \"ms\"\ntime_origin = 1764223199000"
        ),
        "1h",
    );
    assert_eq!(ok_arrivals(&sc)[0].at.0, US_PER_S);
}

#[test]
fn implausible_durations_name_the_unit_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "long.csv", "timestamp,duration\n1,0.5\n2,1200\n");
    let t = "source = \"csv\"\npath = \"long.csv\"\nduration_column = \"duration\"";
    let sc = load_ok(d, t, "1h");
    assert_has(
        &source_error(&sc),
        &[
            "long.csv:3:",
            "column `duration`",
            "`1200`",
            "longer than Lambda's 900 s maximum timeout",
            "set duration_unit = \"ms\"",
            "set duration_unit = \"s\"",
        ],
    );
    let sc = load_ok(d, &format!("{t}\nduration_unit = \"s\""), "1h");
    let a = ok_arrivals(&sc);
    assert_eq!(a[1].cpu.0 + a[1].io.0, 1200 * US_PER_S);
    // Past a day whatever the unit says.
    write(d, "huge.csv", "timestamp,duration\n1,1e30\n");
    let sc = load_ok(
        d,
        "source = \"csv\"\npath = \"huge.csv\"\nduration_column = \"duration\"\nduration_unit = \"ms\"",
        "1h",
    );
    assert_has(
        &source_error(&sc),
        &["huge.csv:2:", "`1e30`", "86400 s (one day) allowed"],
    );
    // Bad unit names.
    let e = load_in(d, &format!("{t}\nduration_unit = \"sec\""), "1h")
        .unwrap_err()
        .to_string();
    assert_has(
        &e,
        &[
            "traffic.duration_unit",
            "\"sec\"",
            "\"s\"",
            "\"ms\"",
            "\"us\"",
        ],
    );
    let e = load_in(
        d,
        "source = \"azure2021\"\npath = \"long.csv\"\ntimestamp_unit = \"ms\"",
        "1h",
    )
    .unwrap_err()
    .to_string();
    assert_has(&e, &["traffic.timestamp_unit", "unknown key"]);
}

#[test]
fn utc_and_access_log_timestamps_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "t.csv",
        "timestamp\n2025-11-27 06:00:00\n27/Nov/2025:06:00:01 +0000\n[27/Nov/2025:07:00:02 +0100]\n2025-11-27T06:00:03.5Z\n",
    );
    let sc = load_ok(d, "source = \"csv\"\npath = \"t.csv\"", "1h");
    let at: Vec<u64> = ok_arrivals(&sc).iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![0, US_PER_S, 2 * US_PER_S, 3_500_000]);
    // A date-time string as time_origin, in the UTC form.
    let sc = load_ok(
        d,
        "source = \"csv\"\npath = \"t.csv\"\ntime_origin = \"2025-11-27 05:59:00\"",
        "1h",
    );
    assert_eq!(ok_arrivals(&sc)[0].at.0, 60 * US_PER_S);
    // Out of range dates and numbers.
    write(d, "y.csv", "timestamp\n9999-01-01T00:00:00Z\n");
    let sc = load_ok(d, "source = \"csv\"\npath = \"y.csv\"", "1h");
    assert_has(
        &source_error(&sc),
        &["y.csv:2:", "out of range", "years 0000 to 5138"],
    );
    write(d, "us.csv", "timestamp\n1764223200000000\n");
    let sc = load_ok(d, "source = \"csv\"\npath = \"us.csv\"", "1h");
    assert_has(
        &source_error(&sc),
        &[
            "us.csv:2:",
            "epoch microseconds",
            "set timestamp_unit = \"us\"",
        ],
    );
    let sc = load_ok(
        d,
        "source = \"csv\"\npath = \"us.csv\"\ntimestamp_unit = \"us\"",
        "1h",
    );
    assert_eq!(ok_arrivals(&sc).len(), 1);
    let e = load_in(
        d,
        "source = \"csv\"\npath = \"us.csv\"\ntime_origin = 1764223200000",
        "1h",
    )
    .unwrap_err()
    .to_string();
    assert_has(
        &e,
        &[
            "traffic.time_origin",
            "epoch milliseconds",
            "timestamp_unit = \"ms\"",
        ],
    );
}

// ------------------------------------------------------------ count traces

/// A CloudWatch-style export of per-minute counts, newest first: `minutes`
/// rows from 2025-11-27T00:00Z, count of minute m = 1 + m % 7.
fn newest_first_csv(dir: &Path, name: &str, minutes: u64) -> Vec<u64> {
    let t0 = 1_764_201_600u64;
    let mut s = String::from("Timestamp,Sum\n");
    for m in (0..minutes).rev() {
        s.push_str(&format!("{},{}\n", t0 + 60 * m, 1 + m % 7));
    }
    write(dir, name, &s);
    (0..minutes).map(|m| 1 + m % 7).collect()
}

fn per_minute(a: &[Arrival], minutes: usize) -> Vec<u64> {
    let mut v = vec![0u64; minutes];
    for x in a {
        v[(x.at.0 / (60 * US_PER_S)) as usize] += 1;
    }
    v
}

/// The issue's case: a newest-first CloudWatch export replayed 40,580 of
/// 5,635,223 arrivals with a wrongly inferred interval, and out-of-order
/// rows past the horizon were never read. Now the file is checked whole at
/// open: newest first is an error naming `order`, and with
/// `order = "newest_first"` it replays exactly, oldest first.
#[test]
fn newest_first_count_traces() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let want = newest_first_csv(d, "cw.csv", 180);
    let t = "source = \"csv\"\nformat = \"counts\"\npath = \"cw.csv\"\ninterval_start_column = \"Timestamp\"\ncount_column = \"Sum\"\nspread = \"start\"";
    let sc = load_ok(d, t, "1h");
    assert_has(
        &source_error(&sc),
        &[
            "cw.csv:3:",
            "`Timestamp` decreases from the first row to the second",
            "2025-11-27T02:59:00Z, then 2025-11-27T02:58:00Z",
            "newest first",
            "set order = \"newest_first\"",
        ],
    );
    let sc = load_ok(d, &format!("{t}\norder = \"newest_first\""), "1h");
    let a = ok_arrivals(&sc);
    assert_eq!(per_minute(&a, 60), want[..60]);
    // An oldest-first file with `order = "newest_first"` is named too.
    write(d, "asc.csv", "Timestamp,Sum\n0,1\n60,2\n");
    let sc = load_ok(
        d,
        "source = \"csv\"\nformat = \"counts\"\npath = \"asc.csv\"\ninterval_start_column = \"Timestamp\"\ncount_column = \"Sum\"\norder = \"newest_first\"",
        "1h",
    );
    assert_has(
        &source_error(&sc),
        &["asc.csv:3:", "increases", "remove it"],
    );
    // A bad `order`.
    let e = load_in(d, &format!("{t}\norder = \"reverse\""), "1h")
        .unwrap_err()
        .to_string();
    assert_has(
        &e,
        &["traffic.order", "\"newest_first\"", "\"oldest_first\""],
    );
}

/// More rows than a block (4,096), looped, with a malformed row skipped: the
/// backwards replay is exact minute by minute, in each loop.
#[test]
fn newest_first_replays_exactly_across_blocks_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let minutes = 10_000u64;
    let want = newest_first_csv(d, "cw.csv", minutes);
    let t = "source = \"csv\"\nformat = \"counts\"\npath = \"cw.csv\"\ninterval_start_column = \"Timestamp\"\ncount_column = \"Sum\"\nspread = \"uniform\"\norder = \"newest_first\"\nloop_count = 2";
    let sc = load_ok(d, t, "20000m");
    let a = ok_arrivals(&sc);
    let got = per_minute(&a, 2 * minutes as usize);
    assert_eq!(got[..minutes as usize], want[..]);
    assert_eq!(got[minutes as usize..], want[..]);
    assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
    // A malformed row (line 5,002: minute 10,000 − 5,001 = 4,999) skipped once.
    let text = std::fs::read_to_string(d.join("cw.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let bad = format!("{},oops", 1_764_201_600u64 + 60 * 4_999);
    lines[5_001] = &bad;
    write(d, "cw.csv", &(lines.join("\n") + "\n"));
    let mut sc = load_ok(d, t, "20000m");
    assert_has(
        &source_error(&sc),
        &["cw.csv:5002:", "column `Sum`", "`oops`"],
    );
    sc.skip_bad_rows();
    let run = sim::run(&sc, Platforms::Lmi).unwrap();
    assert_eq!(run.skipped_rows, vec![1]);
    let total: u64 = want.iter().sum();
    assert_eq!(run.offered.total, vec![2 * (total - want[4_999])]);
}

/// Out-of-order rows are found wherever they are (the file is read whole
/// at open, not only up to the horizon), and the interval is the smallest
/// gap, not the first one.
#[test]
fn count_traces_are_checked_whole_and_the_interval_is_the_smallest_gap() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Minute 0, then minute 123 (no data in between), then every minute.
    let mut s = String::from("interval_start,count\n0,5\n7380,3\n");
    for m in 124..300 {
        s.push_str(&format!("{},{}\n", m * 60, 2));
    }
    write(d, "gaps.csv", &s);
    let t = "source = \"csv\"\nformat = \"counts\"\npath = \"gaps.csv\"\nspread = \"start\"";
    let sc = load_ok(d, t, "10m");
    let a = ok_arrivals(&sc);
    assert_eq!(a.len(), 5);
    assert!(a.iter().all(|x| x.at.0 == 0));
    let run = sim::run(&sc, Platforms::Lmi).unwrap();
    assert_eq!(
        run.inferred_intervals,
        vec![Some(lmi_sim::time::SimDuration::from_secs(60))]
    );
    // A row going back near the end, far past a 10-minute horizon.
    s.push_str("600,1\n");
    write(d, "gaps.csv", &s);
    let sc = load_ok(d, t, "10m");
    assert_has(
        &source_error(&sc),
        &[
            "gaps.csv:180:",
            "interval start 600 s is before the previous row's (17940 s)",
            "oldest first",
        ],
    );
}

/// A trace count of 10¹² a minute ran unbounded while synthetic rates are
/// capped at 10⁹/s: the same cap now applies, with the row named.
#[test]
fn csv_counts_beyond_the_rate_cap_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "big.csv",
        "interval_start,count\n0,5\n60,1000000000000\n120,5\n",
    );
    let t = "source = \"csv\"\nformat = \"counts\"\npath = \"big.csv\"";
    let o = cli(
        d,
        &[
            "run",
            "--no-charts",
            "--out",
            d.join("out").to_str().unwrap(),
        ],
        t,
        "1h",
    );
    assert_has(
        &exit_2(&o),
        &[
            "big.csv:3:",
            "column `count`",
            "`1000000000000`",
            "1.667e10 arrivals/s",
            "beyond the 1e9/s allowed",
            "at most 60000000000 per interval",
        ],
    );
    // Counts whose sum passes u64::MAX (each within a year-long interval's cap).
    write(
        d,
        "sum.csv",
        "interval_start,count\n0,10000000000000000000\n31536000,10000000000000000000\n",
    );
    let sc = load_ok(
        d,
        "source = \"csv\"\nformat = \"counts\"\npath = \"sum.csv\"\ninterval = \"365d\"",
        "1h",
    );
    assert_has(
        &source_error(&sc),
        &["sum.csv:3:", "column `count`", "sum past"],
    );
}

// ------------------------------------------------------------ validate --deep

#[test]
fn validate_deep_reports_the_whole_trace() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    newest_first_csv(d, "cw.csv", 180);
    let t = "source = \"csv\"\nformat = \"counts\"\npath = \"cw.csv\"\ninterval_start_column = \"Timestamp\"\ncount_column = \"Sum\"\norder = \"newest_first\"";
    let o = cli(d, &["validate", "--deep"], t, "1h");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 180 minutes, counts 1 + m % 7: 25 weeks of 28 and 5 more (1..=5).
    assert_has(
        &out,
        &[
            "functions[0] `f`: trace",
            "cw.csv (CSV per-interval counts)",
            "rows: 180, 0 skipped as malformed",
            "time span: 2025-11-27T00:00:00Z to 2025-11-27T03:00:00Z (3 h)",
            "interval: 60 s, inferred",
            "invocations: 715 ",
            "out of order: 0 rows",
            ": ok",
        ],
    );
    // Without `order`: exit 2, the fix named.
    let o = cli(
        d,
        &["validate", "--deep"],
        &t.replace("order = \"newest_first\"", ""),
        "1h",
    );
    assert_has(&exit_2(&o), &["cw.csv:3:", "set order = \"newest_first\""]);
    // Plain validate does not read rows.
    let o = cli(
        d,
        &["validate"],
        &t.replace("order = \"newest_first\"", ""),
        "1h",
    );
    assert_eq!(o.status.code(), Some(0));

    // Per-request rows out of order within the window, and a skipped row.
    write(
        d,
        "r.csv",
        "app,func,end_timestamp,duration\na,f,10.0,1.0\na,f,21.0,1.0\na,f,22.0,21.0\na,f,oops,1\na,f,40.0,0.0\n",
    );
    let t = "source = \"azure2021\"\npath = \"r.csv\"";
    let o = cli(d, &["validate", "--deep"], t, "1h");
    assert_has(&exit_2(&o), &["r.csv:5:", "`oops`", "--skip-bad-rows"]);
    let o = cli(d, &["validate", "--deep", "--skip-bad-rows"], t, "1h");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_has(
        &out,
        &[
            "(Azure 2021 per-request rows)",
            "rows: 4, 1 skipped as malformed",
            "time span: 1 s to 40 s (39 s)",
            "invocations: 4 ",
            "out of order: 1 rows, at most 19 s earlier than a row above them (reorder_window = 60 s)",
        ],
    );
    // A window too short: the run's error, before any run.
    let o = cli(
        d,
        &["validate", "--deep"],
        &format!("{t}\nreorder_window = \"5s\""),
        "1h",
    );
    assert_has(
        &exit_2(&o),
        &["r.csv:4:", "set reorder_window to at least \"19s\""],
    );
}

#[test]
fn run_prints_an_inferred_interval() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "c.csv", "interval_start,count\n0,4\n10,0\n30,2\n");
    let out = d.join("out");
    let args = ["run", "--no-charts", "--out", out.to_str().unwrap()];
    let o = cli(
        d,
        &args,
        "source = \"csv\"\nformat = \"counts\"\npath = \"c.csv\"",
        "1h",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_has(
        &err,
        &[
            "note: functions[0] `f`: trace interval 10s, inferred as the smallest gap",
            "`interval`",
        ],
    );
    // Given: no note.
    let o = cli(
        d,
        &args,
        "source = \"csv\"\nformat = \"counts\"\npath = \"c.csv\"\ninterval = \"10s\"",
        "1h",
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("inferred"));
}
