//! Trace replay: exact accounting against the bundled Azure samples, the
//! shaping knobs (window, offset, multiplier, loops, spread), every accepted
//! format, and clear `path:line` errors for bad input (library and CLI).

use lmi_sim::invocation::Arrival;
use lmi_sim::request::TraceError;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::scenario::{ConfigError, Scenario};
use lmi_sim::sim::{self, ArrivalStream, Platforms};
use lmi_sim::time::{SimDuration, US_PER_S};
use lmi_sim::trace::{Selection, Spread, TraceFormat};
use lmi_sim::traffic::Traffic;
use std::path::{Path, PathBuf};
use std::process::Command;

const INV2019: &str = "data/traces/azure2019-sample1350/invocations_1350_inv.csv";
const DUR2019: &str = "data/traces/azure2019-sample1350/durations_1350_run.csv";
const MEM2019: &str = "data/traces/azure2019-sample1350/memory_1350_mem.csv";
const AZ2021: &str =
    "data/traces/azure2021-slice/AzureFunctionsInvocationTraceForTwoWeeksJan2021_first998rows.csv";
const FLASH: &str = "5af842b48b282b5579321def9a30335f602543c9240c9d35c98b80681d392441";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const WORK: &str = "[functions.work]\ncpu = \"10ms\"\nio = \"40ms\"\n";

/// A one-function scenario around a `[functions.traffic]` body.
fn scenario_text(traffic: &str, horizon: &str, work: &str) -> String {
    format!(
        r#"
name = "trace-test"
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

fn load_in(dir: &Path, traffic: &str, horizon: &str) -> Result<Scenario, ConfigError> {
    from_toml_str(&scenario_text(traffic, horizon, WORK), "x.toml", Some(dir))
}

fn load(traffic: &str, horizon: &str) -> Scenario {
    load_in(root(), traffic, horizon).unwrap_or_else(|e| panic!("{e}"))
}

/// Every arrival the scenario offers, in order.
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

fn per_minute(a: &[Arrival], minutes: usize) -> Vec<u64> {
    let mut v = vec![0u64; minutes];
    for x in a {
        v[(x.at.0 / (60 * US_PER_S)) as usize] += 1;
    }
    v
}

/// The invitro sample read independently: (hash, per-minute counts).
fn read_2019() -> Vec<(String, Vec<u64>)> {
    let text = std::fs::read_to_string(root().join(INV2019)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[0], "HashFunction");
    assert_eq!(header[3], "minute_1");
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let c = f[3..].iter().map(|x| x.parse::<u64>().unwrap()).collect();
            (f[0].to_string(), c)
        })
        .collect()
}

fn column_sums(rows: &[&(String, Vec<u64>)]) -> Vec<u64> {
    let mut s = vec![0u64; 1440];
    for (_, c) in rows {
        for (a, b) in s.iter_mut().zip(c) {
            *a += b;
        }
    }
    s
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

// ------------------------------------------------------------ Azure 2019

#[test]
fn azure2019_all_matches_column_sums_minute_by_minute() {
    let sc = load(
        &format!("source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\""),
        "1d",
    );
    let run = sim::run(&sc, Platforms::Lmi).unwrap();
    let rows = read_2019();
    let want = column_sums(&rows.iter().collect::<Vec<_>>());
    assert_eq!(want.iter().sum::<u64>(), 927_272);
    assert_eq!(run.offered.per_interval[0], want);
    assert_eq!(run.skipped_rows, vec![0]);
    let lmi = run.lmi().unwrap();
    let _ = lmi;
}

#[test]
fn azure2019_every_spread_keeps_exact_minute_counts() {
    let rows = read_2019();
    let want = column_sums(&rows.iter().collect::<Vec<_>>());
    for spread in ["uniform", "start"] {
        let sc = load(
            &format!(
                "source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\"\nspread = \"{spread}\""
            ),
            "1d",
        );
        let a = ok_arrivals(&sc);
        assert_eq!(per_minute(&a, 1440), want, "spread = {spread}");
        if spread == "start" {
            assert!(a.iter().all(|x| x.at.0 % (60 * US_PER_S) == 0));
        }
    }
}

#[test]
fn azure2019_function_prefix_and_top_n() {
    let rows = read_2019();
    // One function by hash prefix, with its duration profile and memory file.
    let sc = load(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\nfunction = \"5af842b4\"\ndurations_path = \"{DUR2019}\"\nmemory_path = \"{MEM2019}\"\ncpu_share = 0.25"
        ),
        "1d",
    );
    let a = ok_arrivals(&sc);
    let row = rows.iter().find(|r| r.0 == FLASH).unwrap();
    assert_eq!(per_minute(&a, 1440), row.1);
    assert_eq!(a.len(), 45_222);
    // Work from the profile: 222 ms .. 1390 ms, split 25 % CPU.
    for x in &a {
        let d = x.cpu.0 + x.io.0;
        assert!((222_000..=1_390_000).contains(&d), "duration {d} µs");
        assert!((x.cpu.0 as f64 - 0.25 * d as f64).abs() <= 1.0);
    }
    let opened = lmi_sim::trace::azure2019::open(match &sc.functions[0].traffic {
        Traffic::Trace(s) => s,
        _ => unreachable!(),
    })
    .unwrap();
    assert_eq!(opened.heaviest.function, FLASH);
    let mem = opened.memory.expect("app listed in the memory file");
    assert_eq!(mem.p50_mb, 127.0);
    assert_eq!(mem.average_mb, 126.0);

    // Top 10 by total, summed.
    let sc = load(
        &format!("source = \"azure2019\"\npath = \"{INV2019}\"\ntop = 10"),
        "1d",
    );
    let mut ranked: Vec<&(String, Vec<u64>)> = rows.iter().collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1.iter().sum::<u64>()));
    let want = column_sums(&ranked[..10]);
    assert_eq!(per_minute(&ok_arrivals(&sc), 1440), want);
}

#[test]
fn azure2019_durations_make_work_optional() {
    let text = scenario_text(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\nfunction = \"5af842b4\"\ndurations_path = \"{DUR2019}\""
        ),
        "1h",
        "",
    );
    let sc = from_toml_str(&text, "x.toml", Some(root())).unwrap();
    // The profile's marginals size the warm fleet: cpu = 10 % of the durations.
    let f = &sc.functions[0];
    let mean = f.work.cpu.mean_us() + f.work.io.mean_us();
    assert!((300_000.0..500_000.0).contains(&mean), "mean {mean}");
    assert!((f.work.cpu.mean_us() / mean - 0.1).abs() < 1e-9);
    // Without durations, the table is required.
    let text = scenario_text(
        &format!("source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\""),
        "1h",
        "",
    );
    let e = from_toml_str(&text, "x.toml", Some(root()))
        .unwrap_err()
        .to_string();
    assert_has(&e, &["functions[0].work", "(missing)"]);
}

#[test]
fn azure2019_window_offset_multiplier_loop() {
    let rows = read_2019();
    let row = &rows.iter().find(|r| r.0 == FLASH).unwrap().1;
    // Minutes 1071..=1090 (trace time 1070 m .. 1090 m), shifted to start at 5 m.
    let sc = load(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\nfunction = \"5af842b4\"\nwindow_start = \"1070m\"\nwindow_end = \"1090m\"\noffset = \"5m\"\nrate_multiplier = 3.0\nloop_count = 2"
        ),
        "1h",
    );
    let a = ok_arrivals(&sc);
    let pm = per_minute(&a, 60);
    for m in 0..60 {
        let want = match m {
            5..=24 => 3 * row[1070 + m - 5],
            25..=44 => 3 * row[1070 + m - 25],
            _ => 0,
        };
        assert_eq!(pm[m], want, "sim minute {m}");
    }
    // A fractional multiplier: per-minute counts round stochastically.
    let sc = load(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\"\nrate_multiplier = 2.5"
        ),
        "1d",
    );
    let want = column_sums(&rows.iter().collect::<Vec<_>>());
    let pm = per_minute(&ok_arrivals(&sc), 1440);
    for (m, (&got, &w)) in pm.iter().zip(&want).enumerate() {
        let x = w as f64 * 2.5;
        assert!(
            got == x.floor() as u64 || got == x.ceil() as u64,
            "minute {m}: {got} vs {x}"
        );
    }
    // Looping a whole day: the period is a day.
    let sc = load(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\nfunction = \"5af842b4\"\nloop_count = 3\nspread = \"start\""
        ),
        "2d",
    );
    let a = ok_arrivals(&sc);
    assert_eq!(a.len(), 2 * 45_222);
    let day2: Vec<u64> = per_minute(&a, 2880)[1440..].to_vec();
    assert_eq!(&day2, row);
}

#[test]
fn azure2019_original_schema_and_minute_window() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d01.csv",
        "HashOwner,HashApp,HashFunction,Trigger,600,601,603\n\
         o1,a1,f1aa,http,1,2,3\n\
         o2,a2,f2bb,timer,10,0,5\n",
    );
    let sc = load_in(
        dir.path(),
        "source = \"azure2019\"\npath = \"d01.csv\"\nselect = \"all\"\nspread = \"start\"",
        "11h",
    )
    .unwrap();
    let a = ok_arrivals(&sc);
    let pm = per_minute(&a, 660);
    // Minute N starts at (N − 1) min.
    assert_eq!(pm[599], 11);
    assert_eq!(pm[600], 2);
    assert_eq!(pm[601], 0);
    assert_eq!(pm[602], 8);
    assert_eq!(a.len(), 21);
    // Selecting one by prefix (case-insensitive) and an ambiguous prefix.
    let sc = load_in(
        dir.path(),
        "source = \"azure2019\"\npath = \"d01.csv\"\nfunction = \"F2\"",
        "11h",
    )
    .unwrap();
    assert_eq!(ok_arrivals(&sc).len(), 15);
    let sc = load_in(
        dir.path(),
        "source = \"azure2019\"\npath = \"d01.csv\"\nfunction = \"f\"",
        "11h",
    )
    .unwrap();
    assert_has(
        &source_error(&sc),
        &["matches more than one", "f1aa", "f2bb", "line 2"],
    );
    let sc = load_in(
        dir.path(),
        "source = \"azure2019\"\npath = \"d01.csv\"\nfunction = \"ee\"",
        "11h",
    )
    .unwrap();
    assert_has(&source_error(&sc), &["d01.csv", "no function", "`ee`"]);
}

// ------------------------------------------------------------ Azure 2021

#[test]
fn azure2021_slice_exact_arrivals() {
    let text = std::fs::read_to_string(root().join(AZ2021)).unwrap();
    let mut want: Vec<(i64, u64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let end: f64 = f[2].parse().unwrap();
            let dur: f64 = f[3].parse().unwrap();
            let d = (dur * 1e6).round() as i64;
            ((end * 1e6).round() as i64 - d, d as u64)
        })
        .collect();
    want.sort();
    let origin = want[0].0;
    let sc = load(
        &format!("source = \"azure2021\"\npath = \"{AZ2021}\""),
        "3h",
    );
    let a = ok_arrivals(&sc);
    assert_eq!(a.len(), 998);
    for (x, (at, d)) in a.iter().zip(&want) {
        assert_eq!(x.at.0 as i64, at - origin);
        assert_eq!(x.cpu.0 + x.io.0, *d);
        assert_eq!(x.cpu.0, (*d as f64 * 0.1).round() as u64);
    }
    // A few by hand: row 2 ends at 0.07949090003967285 s after 0.078 s.
    assert_eq!(origin, 79_491 - 78_000);
    assert_eq!(a[0].at.0, 0);
    // Row 3: 57.15786004066467 − 57.154 → 3.860 ms after the origin's 1.491 ms.
    assert!(
        a.iter()
            .any(|x| x.at.0 as i64 == 57_157_860 - 57_154_000 - origin)
    );
    assert_eq!(
        a.last().unwrap().at.0 as i64,
        want.last().unwrap().0 - origin
    );

    // Durations off: the function's work applies.
    let sc = load(
        &format!("source = \"azure2021\"\npath = \"{AZ2021}\"\nuse_durations = false"),
        "3h",
    );
    assert!(
        ok_arrivals(&sc)
            .iter()
            .all(|x| x.cpu.0 == 10_000 && x.io.0 == 40_000)
    );

    // Multiplier 2: each request twice; 1.5: 998 + Binomial(998, 0.5).
    let sc = load(
        &format!("source = \"azure2021\"\npath = \"{AZ2021}\"\nrate_multiplier = 2"),
        "3h",
    );
    let a2 = ok_arrivals(&sc);
    assert_eq!(a2.len(), 1996);
    assert_eq!(a2[0].at, a2[1].at);
    let sc = load(
        &format!("source = \"azure2021\"\npath = \"{AZ2021}\"\nrate_multiplier = 1.5"),
        "3h",
    );
    let n = ok_arrivals(&sc).len() as f64;
    assert!((n - 1497.0).abs() < 80.0, "n = {n} (seed 1)");
}

#[test]
fn azure2021_reorder_window() {
    let dir = tempfile::tempdir().unwrap();
    // Sorted by end time; arrivals (end − duration) 9, 20, 1, 40 s: out of order by 19 s.
    write(
        dir.path(),
        "t.csv",
        "app,func,end_timestamp,duration\n\
         a,f,10.0,1.0\n\
         a,f,21.0,1.0\n\
         a,f,22.0,21.0\n\
         a,f,40.0,0.0\n",
    );
    let sc = load_in(dir.path(), "source = \"azure2021\"\npath = \"t.csv\"", "1h").unwrap();
    let at: Vec<u64> = ok_arrivals(&sc).iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![0, 8_000_000, 19_000_000, 39_000_000]);
    let sc = load_in(
        dir.path(),
        "source = \"azure2021\"\npath = \"t.csv\"\nreorder_window = \"5s\"",
        "1h",
    )
    .unwrap();
    let e = source_error(&sc);
    assert_has(
        &e,
        &[
            "t.csv:4:",
            "reorder_window",
            "earlier than an arrival already replayed",
            "\"19s\"",
        ],
    );
    // time_origin: τ = 0 at trace time 0.
    let sc = load_in(
        dir.path(),
        "source = \"azure2021\"\npath = \"t.csv\"\ntime_origin = 0",
        "1h",
    )
    .unwrap();
    assert_eq!(ok_arrivals(&sc)[0].at.0, 1_000_000);
}

// ------------------------------------------------------------ plain CSV

#[test]
fn csv_requests_seconds_and_rfc3339() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "r.csv",
        "ts,latency,extra\n100.5,0.2,x\n101,,y\n100.75,1.5,z\n",
    );
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"r.csv\"\ntimestamp_column = \"ts\"\nduration_column = \"latency\"\nreorder_window = \"1s\"\ncpu_share = 0.5",
        "1h",
    )
    .unwrap();
    let a = ok_arrivals(&sc);
    let v: Vec<(u64, u64, u64)> = a.iter().map(|x| (x.at.0, x.cpu.0, x.io.0)).collect();
    // An empty duration cell: the function's work applies.
    assert_eq!(
        v,
        vec![
            (0, 100_000, 100_000),
            (250_000, 750_000, 750_000),
            (500_000, 10_000, 40_000)
        ]
    );
    // Unsorted rows without a reorder window: a clear error.
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"r.csv\"\ntimestamp_column = \"ts\"",
        "1h",
    )
    .unwrap();
    assert_has(
        &source_error(&sc),
        &["r.csv:4:", "reorder_window", "at least \"1s\""],
    );

    write(
        dir.path(),
        "rfc.csv",
        "timestamp,duration\n2021-01-31T00:00:00Z,0.1\n2021-01-31T00:00:01.25Z,0.1\n2021-01-31T01:00:02+01:00,0.1\n",
    );
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"rfc.csv\"\ntime_origin = \"2021-01-30T23:59:00Z\"",
        "1h",
    )
    .unwrap();
    let at: Vec<u64> = ok_arrivals(&sc).iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![60_000_000, 61_250_000, 62_000_000]);
    // Without duration_column, durations are not read.
    assert!(ok_arrivals(&sc).iter().all(|x| x.cpu.0 == 10_000));
}

#[test]
fn csv_requests_loop_window_offset_multiplier() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "r.csv", "timestamp\n0\n1\n2.5\n4\n7\n");
    // Window [1 s, 5 s): 1, 2.5, 4 → 0, 1.5, 3 s; offset 10 s; period 4 s; 3 loops.
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"r.csv\"\nwindow_start = 1\nwindow_end = 5\noffset = 10\nloop_count = 3",
        "1h",
    )
    .unwrap();
    let at: Vec<f64> = ok_arrivals(&sc)
        .iter()
        .map(|x| x.at.0 as f64 / 1e6)
        .collect();
    assert_eq!(
        at,
        vec![10.0, 11.5, 13.0, 14.0, 15.5, 17.0, 18.0, 19.5, 21.0]
    );
    // No window_end: the period is the span rounded up to whole seconds (8 s).
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"r.csv\"\nloop_count = 2\nrate_multiplier = 2",
        "1h",
    )
    .unwrap();
    let at: Vec<f64> = ok_arrivals(&sc)
        .iter()
        .map(|x| x.at.0 as f64 / 1e6)
        .collect();
    let once = [0.0, 1.0, 2.5, 4.0, 7.0, 8.0, 9.0, 10.5, 12.0, 15.0];
    let want: Vec<f64> = once.iter().flat_map(|&t| [t, t]).collect();
    assert_eq!(at, want);
    // The horizon cuts the replay.
    let text = scenario_text("source = \"csv\"\npath = \"r.csv\"", "3s", WORK)
        .replace("report_interval = \"1m\"", "report_interval = \"1s\"");
    let sc = from_toml_str(&text, "x.toml", Some(dir.path())).unwrap();
    assert_eq!(ok_arrivals(&sc).len(), 3);
}

#[test]
fn csv_counts_spread_modes_and_interval() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.csv",
        "interval_start,count\n1000,4\n1010,0\n1020,2\n",
    );
    let get = |extra: &str| -> Vec<u64> {
        let sc = load_in(
            dir.path(),
            &format!("source = \"csv\"\npath = \"c.csv\"\nformat = \"counts\"\n{extra}"),
            "1h",
        )
        .unwrap();
        ok_arrivals(&sc).iter().map(|x| x.at.0).collect()
    };
    // Interval inferred (10 s) from the first two rows; origin = first start.
    assert_eq!(
        get("spread = \"uniform\""),
        vec![0, 2_500_000, 5_000_000, 7_500_000, 20_000_000, 25_000_000]
    );
    assert_eq!(
        get("spread = \"start\""),
        vec![0, 0, 0, 0, 20_000_000, 20_000_000]
    );
    let p = get("");
    assert_eq!(p.len(), 6);
    assert!(p.windows(2).all(|w| w[0] <= w[1]));
    assert!(p[..4].iter().all(|&t| t < 10_000_000));
    assert!(
        p[4..]
            .iter()
            .all(|&t| (20_000_000..30_000_000).contains(&t))
    );
    // A given interval, a time origin and a loop: τ = 10, 20, 30 s; the
    // period is the span to the last interval's end, 35 s.
    let s = 1_000_000;
    assert_eq!(
        get("spread = \"start\"\ninterval = \"5s\"\ntime_origin = 990\nloop_count = 2"),
        vec![
            10 * s,
            10 * s,
            10 * s,
            10 * s,
            30 * s,
            30 * s,
            45 * s,
            45 * s,
            45 * s,
            45 * s,
            65 * s,
            65 * s
        ]
    );
    // Custom column names and RFC 3339 interval starts.
    write(
        dir.path(),
        "c2.csv",
        "minute,n\n2024-05-01T10:00:00Z,3\n2024-05-01T10:01:00Z,1\n",
    );
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"c2.csv\"\nformat = \"counts\"\ninterval_start_column = \"minute\"\ncount_column = \"n\"\nspread = \"uniform\"",
        "1h",
    )
    .unwrap();
    let at: Vec<u64> = ok_arrivals(&sc).iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![0, 20_000_000, 40_000_000, 60_000_000]);
    // The inferred interval is the smallest gap between starts (5 s here,
    // not the first gap of 10 s); with `interval` given, overlapping
    // intervals are an error.
    write(
        dir.path(),
        "c3.csv",
        "interval_start,count\n0,1\n10,1\n15,2\n",
    );
    let c3 = |extra: &str| {
        load_in(
            dir.path(),
            &format!("source = \"csv\"\npath = \"c3.csv\"\nformat = \"counts\"\nspread = \"uniform\"\n{extra}"),
            "1h",
        )
        .unwrap()
    };
    let at: Vec<u64> = ok_arrivals(&c3("")).iter().map(|x| x.at.0).collect();
    assert_eq!(at, vec![0, 10 * s, 15 * s, 17_500_000]);
    assert_has(
        &source_error(&c3("interval = \"10s\"")),
        &["c3.csv:4:", "overlaps the previous row's interval", "10 s"],
    );
}

#[test]
fn poisson_spread_is_uniform_inside_intervals() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.csv",
        "interval_start,count\n0,100000\n60,0\n",
    );
    let sc = load_in(
        dir.path(),
        "source = \"csv\"\npath = \"c.csv\"\nformat = \"counts\"",
        "1h",
    )
    .unwrap();
    let a = ok_arrivals(&sc);
    assert_eq!(a.len(), 100_000);
    // Ten 6-second bins: 10,000 each, sd ≈ 95.
    let mut bins = [0u64; 10];
    for x in &a {
        bins[(x.at.0 / 6_000_000) as usize] += 1;
    }
    for b in bins {
        assert!(
            (b as f64 - 10_000.0).abs() < 500.0,
            "bins {bins:?} (seed 1)"
        );
    }
}

// ------------------------------------------------------------ bad input

#[test]
fn bad_rows_name_path_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "trunc.csv",
            "HashFunction,HashOwner,HashApp,minute_1,minute_2\nf1,o,a,1,2\nf2,o,a,3\n",
            "source = \"azure2019\"\nselect = \"all\"",
            &["trunc.csv:3:", "truncated row", "`minute_2`"],
        ),
        (
            "nonnum.csv",
            "HashFunction,HashOwner,HashApp,minute_1,minute_2\nf1,o,a,1,x7\n",
            "source = \"azure2019\"\nselect = \"all\"",
            &[
                "nonnum.csv:2:",
                "column `minute_2`",
                "`x7`",
                "not a non-negative integer",
            ],
        ),
        (
            "negcount.csv",
            "interval_start,count\n0,1\n60,-3\n",
            "source = \"csv\"\nformat = \"counts\"",
            &["negcount.csv:3:", "column `count`", "`-3`"],
        ),
        (
            "negdur.csv",
            "app,func,end_timestamp,duration\na,f,1.0,0.5\na,f,2.0,-0.25\n",
            "source = \"azure2021\"",
            &[
                "negdur.csv:3:",
                "column `duration`",
                "`-0.25`",
                "negative duration",
            ],
        ),
        (
            "badts.csv",
            "timestamp\n1.0\n2021-13-01T00:00:00Z\n",
            "source = \"csv\"",
            &["badts.csv:3:", "column `timestamp`", "not a timestamp"],
        ),
        (
            "notrigger.csv",
            "HashOwner,HashApp,HashFunction,1,2\no,a,f,1,2\n",
            "source = \"azure2019\"\nselect = \"all\"",
            &["notrigger.csv:1:", "missing column `Trigger`"],
        ),
        (
            "nohash.csv",
            "HashOwner,HashApp,Trigger,1,2\no,a,http,1,2\n",
            "source = \"azure2019\"\nselect = \"all\"",
            &["nohash.csv:1:", "missing column `HashFunction`"],
        ),
        (
            "dup.csv",
            "timestamp,duration,timestamp\n1,1,1\n",
            "source = \"csv\"",
            &[
                "dup.csv:1:",
                "duplicate column `timestamp`",
                "columns 1 and 3",
            ],
        ),
        (
            "nocol.csv",
            "time,latency\n1,1\n",
            "source = \"csv\"",
            &[
                "nocol.csv:1:",
                "missing column `timestamp`",
                "`time`, `latency`",
            ],
        ),
        (
            "empty.csv",
            "",
            "source = \"azure2021\"",
            &["empty.csv", "empty file"],
        ),
        (
            "header-only.csv",
            "interval_start,count\n",
            "source = \"csv\"\nformat = \"counts\"",
            &["header-only.csv", "no data rows"],
        ),
        (
            "garbage.csv",
            "lorem ipsum dolor\nsit amet\n",
            "source = \"csv\"",
            &["garbage.csv:1:", "not a CSV file", "one column"],
        ),
        (
            "extra.csv",
            "HashOwner,HashApp,HashFunction,Trigger,1,color\no,a,f,http,1,red\n",
            "source = \"azure2019\"\nselect = \"all\"",
            &["extra.csv:1:", "unexpected column `color`"],
        ),
    ];
    for (name, body, traffic, want) in cases {
        write(d, name, body);
        let sc = load_in(d, &format!("{traffic}\npath = \"{name}\""), "1h")
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let e = source_error(&sc);
        assert_has(&e, want);
        assert!(e.contains(&d.join(name).display().to_string()), "{e}");
    }
    // Binary data.
    let bin: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    std::fs::write(d.join("bin.csv"), &bin).unwrap();
    let sc = load_in(d, "source = \"azure2021\"\npath = \"bin.csv\"", "1h").unwrap();
    assert_has(&source_error(&sc), &["bin.csv:1:", "not a CSV"]);
}

#[test]
fn skip_bad_rows_counts_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "r.csv",
        "app,func,end_timestamp,duration\na,f,1.0,0.5\na,f,oops,0.1\na,f,2.0,-1\na,f\na,f,3.0,0.5\n",
    );
    let mut sc = load_in(dir.path(), "source = \"azure2021\"\npath = \"r.csv\"", "1h").unwrap();
    assert_has(&source_error(&sc), &["r.csv:3:", "--skip-bad-rows"]);
    sc.skip_bad_rows();
    let run = sim::run(&sc, Platforms::Both).unwrap();
    assert_eq!(run.offered.total, vec![2]);
    assert_eq!(run.skipped_rows, vec![3]);
    // Azure 2019 with top = N reads the file twice but counts a bad row once.
    write(
        dir.path(),
        "i.csv",
        "HashFunction,HashOwner,HashApp,minute_1\nf1,o,a,5\nf2,o,a,x\nf3,o,a,7\n",
    );
    let mut sc = load_in(
        dir.path(),
        "source = \"azure2019\"\npath = \"i.csv\"\ntop = 1\nloop_count = 3",
        "3d",
    )
    .unwrap();
    sc.skip_bad_rows();
    let run = sim::run(&sc, Platforms::Lmi).unwrap();
    assert_eq!(run.offered.total, vec![21]);
    assert_eq!(run.skipped_rows, vec![1]);
}

// ------------------------------------------------------------ validation

#[test]
fn trace_keys_are_validated() {
    let err = |traffic: &str| {
        load_in(root(), traffic, "1h")
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let e = err(&format!(
        "source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\"\nreorder_window = \"1s\""
    ));
    assert_has(
        &e,
        &[
            "functions[0].traffic.reorder_window",
            "unknown key",
            "`spread`",
            "`top`",
        ],
    );
    let e = err("source = \"azure2019\"\npath = \"nope/missing.csv\"\nselect = \"all\"");
    assert_has(
        &e,
        &[
            "functions[0].traffic.path",
            "nope/missing.csv",
            "cannot open the trace file",
        ],
    );
    let e = err(&format!("source = \"azure2019\"\npath = \"{INV2019}\""));
    assert_has(
        &e,
        &[
            "functions[0].traffic.function",
            "exactly one of",
            "top",
            "select",
        ],
    );
    let e = err(&format!(
        "source = \"azure2019\"\npath = \"{INV2019}\"\nselect = \"all\"\nspread = \"even\""
    ));
    assert_has(&e, &["functions[0].traffic.spread", "\"poisson\""]);
    let e = err(&format!(
        "source = \"csv\"\npath = \"{AZ2021}\"\nformat = \"counts\"\ntimestamp_column = \"t\""
    ));
    assert_has(
        &e,
        &[
            "traffic.timestamp_column",
            "format = \"counts\"",
            "`count_column`",
        ],
    );
    let e = err(&format!("source = \"parquet\"\npath = \"{AZ2021}\""));
    assert_has(
        &e,
        &["traffic.source", "\"azure2019\", \"azure2021\", \"csv\""],
    );
    let e = err(&format!(
        "source = \"azure2021\"\npath = \"{AZ2021}\"\nwindow_start = \"1h\"\nwindow_end = \"30m\""
    ));
    assert_has(&e, &["traffic.window_end", "after window_start"]);
    let e = err(&format!(
        "source = \"azure2021\"\npath = \"{AZ2021}\"\ncpu_share = 1.5"
    ));
    assert_has(&e, &["traffic.cpu_share", "[0, 1]"]);
    let e = err(&format!(
        "source = \"azure2021\"\npath = \"{AZ2021}\"\ntime_origin = \"yesterday\""
    ));
    assert_has(&e, &["traffic.time_origin", "RFC 3339"]);
    let e = err(&format!(
        "source = \"azure2021\"\npath = \"{AZ2021}\"\nrate_multiplier = 0"
    ));
    assert_has(&e, &["traffic.rate_multiplier"]);
    let e = err(&format!(
        "source = \"azure2021\"\npath = \"{AZ2021}\"\nloop_count = 0"
    ));
    assert_has(&e, &["traffic.loop_count"]);

    // The parsed spec.
    let sc = load(
        &format!(
            "source = \"azure2019\"\npath = \"{INV2019}\"\ntop = 3\nspread = \"uniform\"\nwindow_start = \"1h\"\nwindow_end = \"2h\"\noffset = 30\nrate_multiplier = 1.5\nloop_count = 4"
        ),
        "1h",
    );
    let Traffic::Trace(s) = &sc.functions[0].traffic else {
        panic!()
    };
    assert_eq!(s.path, root().join(INV2019));
    assert!(matches!(
        &s.format,
        TraceFormat::Azure2019 {
            selection: Selection::Top(3),
            durations_path: None,
            ..
        }
    ));
    assert_eq!(s.spread, Spread::Uniform);
    assert_eq!(s.window_start, SimDuration::from_secs(3600));
    assert_eq!(s.window_end, Some(SimDuration::from_secs(7200)));
    assert_eq!(s.offset, SimDuration::from_secs(30));
    assert_eq!(
        (s.rate_multiplier, s.loop_count, s.cpu_share),
        (1.5, 4, 0.1)
    );
    assert!(!s.skip_bad_rows);
}

#[test]
fn bundled_scenarios_validate_and_run() {
    for f in ["azure-2019-day.toml", "azure-2019-flash-crowd.toml"] {
        let p = root().join("scenarios").join(f);
        let sc = lmi_sim::scenario::load(&p).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(sc.functions[0].traffic, Traffic::Trace(_)), "{f}");
    }
}

// ------------------------------------------------------------ CLI

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

#[test]
fn cli_bad_trace_exits_2_without_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "bad.csv", "timestamp,duration\n1,0.1\n2,-5\n");
    let text = scenario_text(
        "source = \"csv\"\npath = \"bad.csv\"\nduration_column = \"duration\"",
        "1h",
        "",
    );
    write(d, "s.toml", &text);
    let out = d.join("out");
    let o = bin()
        .args(["run", "--no-charts", "--out"])
        .arg(&out)
        .arg(d.join("s.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_has(&err, &["bad.csv:3:", "column `duration`", "`-5`"]);
    assert!(!out.join("trace-test").exists());

    // --skip-bad-rows: runs, writes outputs.
    let o = bin()
        .args(["run", "--no-charts", "--quiet", "--skip-bad-rows", "--out"])
        .arg(&out)
        .arg(d.join("s.toml"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("trace-test").join("summary.json").exists());

    // A missing trace file fails validation (exit 2, the path named).
    let text = scenario_text("source = \"azure2021\"\npath = \"gone.csv\"", "1h", "");
    write(d, "s2.toml", &text);
    let o = bin()
        .arg("validate")
        .arg(d.join("s2.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_has(
        &String::from_utf8_lossy(&o.stderr),
        &["gone.csv", "traffic.path"],
    );

    // Binary garbage and an empty file: exit 2, no panic, no outputs.
    for (name, body) in [
        ("e.csv", &b""[..]),
        ("b.csv", &[0u8, 159, 146, 150, 1, 2, 3][..]),
    ] {
        std::fs::write(d.join(name), body).unwrap();
        let text = scenario_text(
            &format!("source = \"azure2021\"\npath = \"{name}\""),
            "1h",
            "",
        );
        write(d, "s3.toml", &text);
        let out3 = d.join("out3");
        let o = bin()
            .args(["run", "--no-charts", "--out"])
            .arg(&out3)
            .arg(d.join("s3.toml"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains(name), "{err}");
        assert!(!out3.exists());
    }
}

/// Peak RSS [KiB] of `lmi-sim run` on a generated per-request CSV of `rows` rows.
fn peak_rss_kib(dir: &Path, rows: u64) -> (u64, String) {
    use std::io::Write;
    let csv = dir.join(format!("r{rows}.csv"));
    {
        let f = std::fs::File::create(&csv).unwrap();
        let mut w = std::io::BufWriter::new(f);
        writeln!(w, "timestamp,duration").unwrap();
        // 1,000 requests per second, 50 ms each.
        for i in 0..rows {
            writeln!(w, "{}.{:03},0.05", i / 1000, i % 1000).unwrap();
        }
    }
    let horizon_s = rows / 1000 + 10;
    let text = scenario_text(
        &format!(
            "source = \"csv\"\npath = \"{}\"\nduration_column = \"duration\"",
            csv.file_name().unwrap().to_string_lossy()
        ),
        &format!("{horizon_s}s"),
        "",
    )
    .replace("report_interval = \"1m\"", "report_interval = \"10m\"");
    let toml = dir.join(format!("s{rows}.toml"));
    std::fs::write(&toml, text).unwrap();
    let o = bin()
        .args([
            "run",
            "--platform",
            "lmi",
            "--no-charts",
            "--stats",
            "--quiet",
            "--out",
        ])
        .arg(dir.join("out"))
        .arg(&toml)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).trim().to_string();
    assert_eq!(o.status.code(), Some(0), "{err}");
    std::fs::remove_file(&csv).unwrap();
    let mb = lmi_sim::testkit::stats_peak_rss_mb(&err);
    ((mb * 1024.0) as u64, err)
}

/// Memory stays flat as a per-request trace grows: 10 M rows vs 1 M rows
/// (each run's own peak RSS; ~5 s in the test profile, writes a ~150 MB
/// temporary file). Run with `--nocapture` to see the figures.
#[test]
fn streaming_memory_is_flat() {
    let dir = tempfile::tempdir().unwrap();
    let (small, s1) = peak_rss_kib(dir.path(), 1_000_000);
    let (large, s10) = peak_rss_kib(dir.path(), 10_000_000);
    eprintln!("peak RSS: 1M rows {small} KiB; 10M rows {large} KiB\n 1M: {s1}\n10M: {s10}");
    assert!(
        (large as f64) < 1.2 * small as f64 + 2.0 * 1024.0,
        "peak RSS grew: {small} KiB → {large} KiB"
    );
}

#[test]
fn several_functions_replay_their_own_traces_on_one_provider() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.csv",
        "interval_start,count\n0,30\n60,90\n120,0\n",
    );
    let text = format!(
        r#"
name = "two-traces"
horizon = "3h"
report_interval = "1m"
[capacity_provider.InstanceRequirements]
AllowedInstanceTypes = ["c7i.2xlarge"]
[[functions]]
name = "azure"
Runtime = "python3.13"
MemorySize = 2048
{WORK}
[functions.traffic]
source = "azure2021"
path = "{}"
[[functions]]
name = "counts"
Runtime = "nodejs22.x"
MemorySize = 2048
{WORK}
[functions.traffic]
source = "csv"
path = "c.csv"
format = "counts"
spread = "uniform"
"#,
        root().join(AZ2021).display()
    );
    let sc = from_toml_str(&text, "two.toml", Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    let r = sim::run(&sc, Platforms::Both).unwrap();
    // Each function gets exactly its own trace's requests.
    assert_eq!(r.offered.total, vec![998, 120]);
    assert_eq!(r.offered.per_interval[1][..3], [30, 90, 0]);
    let l = r.lmi().unwrap();
    for (i, f) in l.functions.iter().enumerate() {
        let f = &f.ledger;
        assert_eq!(f.arrivals, r.offered.total[i]);
        assert_eq!(
            f.arrivals,
            f.served + f.throttles.total() + l.in_flight_at_end[i] as u64
        );
    }
}

// ------------------------------------------------------------ gzip

fn gzip_to(dir: &Path, name: &str, text: &str) {
    use flate2::write::GzEncoder;
    use std::io::Write;
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    std::fs::write(dir.join(name), e.finish().unwrap()).unwrap();
}

/// Every CSV trace reads the same from a gzip file as from the plain one,
/// whatever its name says; newest-first count files (which seek) included.
#[test]
fn gzip_traces_replay_exactly_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut req = String::from("timestamp,duration_ms\n");
    for i in 0..20_000u64 {
        req.push_str(&format!(
            "{}.{:03},{}\n",
            1000 + i / 7,
            (i % 7) * 111,
            5 + i % 90
        ));
    }
    // 10,000 newest-first minutes: more than two of the reader's 4,096-row blocks.
    let mut cnt = String::from("interval_start,count\n");
    for m in (0..10_000u64).rev() {
        cnt.push_str(&format!("{},{}\n", 60 * m, (m * 13) % 40));
    }
    write(d, "r.csv", &req);
    gzip_to(d, "r.csv.gz", &req);
    gzip_to(d, "r-renamed.csv", &req);
    write(d, "c.csv", &cnt);
    gzip_to(d, "c.csv.gz", &cnt);
    let run = |file: &str, extra: &str, horizon: &str| -> Vec<(u64, u64)> {
        let sc = load_in(
            d,
            &format!("source = \"csv\"\npath = \"{file}\"\n{extra}"),
            horizon,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        ok_arrivals(&sc)
            .iter()
            .map(|a| (a.at.0, a.cpu.0 + a.io.0))
            .collect()
    };
    let rq = "format = \"requests\"\nduration_column = \"duration_ms\"\nduration_unit = \"ms\"";
    let plain = run("r.csv", rq, "2h");
    assert_eq!(plain.len(), 20_000);
    assert_eq!(run("r.csv.gz", rq, "2h"), plain);
    assert_eq!(run("r-renamed.csv", rq, "2h"), plain);
    let cq = "format = \"counts\"\norder = \"newest_first\"\nspread = \"start\"";
    let plain = run("c.csv", cq, "7d");
    let want: u64 = (0..10_000u64).map(|m| (m * 13) % 40).sum();
    assert_eq!(plain.len() as u64, want);
    assert_eq!(run("c.csv.gz", cq, "7d"), plain);
}
