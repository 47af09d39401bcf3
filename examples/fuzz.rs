//! A deterministic mutation fuzzer for lmi-sim's file readers and model,
//! runnable on stable Rust (cargo-fuzz needs nightly). Run it with
//! `scripts/fuzz MINUTES [TARGET]`, which builds it in the `fuzz` profile
//! (release with overflow checks and debug assertions on), or directly:
//!
//! ```text
//! cargo run --profile fuzz --example fuzz -- --seconds 60 --target scenario,sweep --seed 1
//! ```
//!
//! Targets:
//! - `scenario`: the scenario parser and validator (`from_toml_str`).
//! - `sweep`: the sweep parser (`sweep::spec::from_str`).
//! - `azure2019`, `azure2019-durations`, `azure2019-memory`, `azure2021`,
//!   `csv-requests`, `csv-counts`, `apigateway`, `alb`: a mutated trace file of
//!   that format behind a
//!   fixed scenario; what validates is read whole (`validate --deep`'s
//!   `inspect`, then every arrival, capped) and one input in 16 is simulated.
//! - `sim`: a mutated scenario that validates is simulated over a horizon
//!   capped at 10 simulated minutes (inputs offering more than 20,000 arrivals
//!   or 20,000 report or scaler intervals are skipped) on both platforms, and
//!   every invocation must be served, throttled or in flight at the end (and,
//!   behind an event source, completed, failed, sent to the DLQ, queued or in
//!   flight).
//!
//! Mutations (1 to 8 stacked): bit flips, byte replacements, insertions and
//! deletions, splices of tokens taken from the corpus and of boundary values
//! (`18446744073709551615`, `1e308`, `-9.2e18`, `nan`, `1us`, …), duplicated,
//! deleted and swapped lines, and crossovers with another corpus entry. An
//! input whose outcome (an error message with its digits removed, or "ok") is
//! new joins the corpus: a cheap stand-in for coverage feedback, and the count
//! of distinct outcomes is printed as a coverage proxy.
//!
//! A panic (an arithmetic overflow included) is caught with `catch_unwind`;
//! the input is written to `OUT/crash-TARGET-HASH.*` and the run goes on.
//! Everything is seeded: the same `--seed` gives the same inputs.

use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{ArrivalStream, Platforms, run};
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::Traffic;
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The longest simulated horizon of the `sim` target.
const SIM_HORIZON: SimDuration = SimDuration(600_000_000);
/// Inputs offering more arrivals than this are not simulated.
const SIM_MAX_ARRIVALS: usize = 20_000;
/// Inputs with more report or scaler intervals than this are not simulated.
const SIM_MAX_INTERVALS: u64 = 20_000;
/// Arrivals read per trace input at most.
const TRACE_MAX_ARRIVALS: usize = 5_000;
/// Corpus entries per target at most (the seeds stay).
const MAX_CORPUS: usize = 4096;
/// Inputs longer than this are cut.
const MAX_LEN: usize = 16 * 1024;

const TARGETS: &[&str] = &[
    "scenario",
    "sweep",
    "azure2019",
    "azure2019-durations",
    "azure2019-memory",
    "azure2021",
    "csv-requests",
    "csv-counts",
    "apigateway",
    "alb",
    "sim",
];

/// Boundary values spliced into inputs.
const INTERESTING: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "2",
    "255",
    "256",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "9999999999999999",
    "1e30",
    "1e38",
    "1e308",
    "-1e308",
    "1e-308",
    "5e-324",
    "-9.2e18",
    "1.8e19",
    "nan",
    "inf",
    "-inf",
    "0.0",
    "0.5",
    "\"1us\"",
    "\"0s\"",
    "\"0ms\"",
    "\"1ns\"",
    "\"999999d\"",
    "\"18446744073709551615s\"",
    "\"1e308s\"",
    "\"10m\"",
    "\"1m\"",
    "\"1s\"",
    "\"ms\"",
    "\"us\"",
    "\"s\"",
    "\"\"",
    "\"1970-01-01T00:00:00Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "1700000000000",
    "1700000000000000",
    "2025-11-27 06:00:00",
    "27/Nov/2025:06:00:00 +0000",
    "2021-01-31T00:00:00Z",
    "\n",
    ",",
    ",,",
    "\"",
    "[",
    "]",
    "{",
    "}",
    "=",
    ".",
    "[[functions]]\nname = \"g\"\nMemorySize = 2048\n",
];

/// A splitmix64 generator: small, seeded, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

struct Args {
    seconds: u64,
    targets: Vec<String>,
    seed: u64,
    out: PathBuf,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 60,
        targets: TARGETS.iter().map(|s| s.to_string()).collect(),
        seed: 1,
        out: PathBuf::from("target/fuzz-out"),
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < v.len() {
        let val = v.get(i + 1).cloned().unwrap_or_default();
        match v[i].as_str() {
            "--seconds" => a.seconds = val.parse().expect("--seconds N"),
            "--seed" => a.seed = val.parse().expect("--seed N"),
            "--out" => a.out = PathBuf::from(val),
            "--target" if val != "all" => {
                a.targets.clear();
                for t in val.split(',') {
                    if !TARGETS.contains(&t) {
                        eprintln!("unknown target `{t}`: one of all, {}", TARGETS.join(", "));
                        std::process::exit(2);
                    }
                    a.targets.push(t.to_string());
                }
            }
            "--target" => {}
            other => {
                eprintln!("unknown argument `{other}`");
                std::process::exit(2);
            }
        }
        i += 2;
    }
    a
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The `*.toml` files of a directory, sorted.
fn tomls(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    files.sort();
    files.iter().map(|p| strip_comments(&read(p))).collect()
}

/// Drops whole-line comments and blank lines: the bundled files are mostly
/// prose, which only slows parsing down.
fn strip_comments(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let t = line.trim_ascii_start();
        if !t.is_empty() && !t.starts_with(b"#") {
            out.extend_from_slice(line);
            out.push(b'\n');
        }
    }
    out
}

/// Short scenarios that simulate quickly, one per traffic kind and source.
fn short_scenarios() -> Vec<Vec<u8>> {
    let head = |traffic: &str, extra: &str| {
        format!(
            r#"name = "fuzz"
seed = 7
horizon = "5m"
report_interval = "1m"
{extra}
[capacity_provider]
availability_zones = 2
MaxVCpuCount = 64
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.xlarge", "c7i.2xlarge", "m7i.2xlarge"]
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 2048
MinExecutionEnvironments = 1
MaxExecutionEnvironments = 8
[functions.work]
cpu = "10ms"
io = {{ dist = "lognormal", median = "40ms", p99 = "400ms" }}
[functions.traffic]
{traffic}
"#
        )
        .into_bytes()
    };
    vec![
        head("shape = \"constant\"\nrate = 20", ""),
        head(
            "shape = \"spike\"\nbase = 5\npeak = 60\nstart = \"1m\"\nrise = \"30s\"\nhold = \"1m\"\ndecay = \"30s\"",
            "start_state = \"warm\"",
        ),
        head(
            "shape = \"ramp\"\nfrom = 1\nto = 40\nstart = \"0s\"\nduration = \"4m\"\nprocess = \"uniform\"",
            "[model]\nscaler_interval = \"10s\"",
        ),
        head(
            "shape = \"diurnal\"\nmean = 10\namplitude = 5\nperiod = \"2m\"\npeak_at = \"1m\"",
            "",
        ),
        head(
            "shape = \"exponential\"\nstart_rate = 1\ndoubling_time = \"1m\"\nstart = \"0s\"\nduration = \"4m\"",
            "",
        ),
        head(
            "source = \"azure2021\"\npath = \"../data/traces/azure2021-slice/AzureFunctionsInvocationTraceForTwoWeeksJan2021_first998rows.csv\"",
            "",
        ),
        head(
            "source = \"azure2019\"\npath = \"../data/traces/azure2019-sample1350/invocations_1350_inv.csv\"\ntop = 3\nrate_multiplier = 0.05",
            "",
        ),
    ]
}

/// Small trace files of one format, and the `[functions.traffic]` bodies
/// that read `t.csv` in it.
fn trace_seeds(target: &str) -> (Vec<Vec<u8>>, Vec<&'static str>) {
    let b = |s: &str| s.as_bytes().to_vec();
    let az19 = |n: usize| {
        let mut s = String::from("HashOwner,HashApp,HashFunction,Trigger");
        for m in 1..=n {
            s.push_str(&format!(",{m}"));
        }
        s.push('\n');
        for (k, f) in ["aaaa", "bbbb", "cccc"].iter().enumerate() {
            s.push_str(&format!("o,a,{f},http"));
            for m in 0..n {
                s.push_str(&format!(",{}", (m * 7 + k * 3) % 11));
            }
            s.push('\n');
        }
        s.into_bytes()
    };
    match target {
        "azure2019" => (
            vec![
                az19(10),
                b(
                    "HashFunction,HashOwner,HashApp,minute_1,minute_2,minute_3\nf1,o,a,1,2,3\nf2,o,a,0,0,9\n",
                ),
            ],
            vec![
                "source = \"azure2019\"\npath = \"t.csv\"\nselect = \"all\"",
                "source = \"azure2019\"\npath = \"t.csv\"\ntop = 2\nspread = \"uniform\"",
                "source = \"azure2019\"\npath = \"t.csv\"\nfunction = \"aaaa\"\nspread = \"start\"\nloop_count = 2",
            ],
        ),
        "azure2019-durations" => (
            vec![b(
                "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\no,a,aaaa,224,1,224.0,224.0,224,224,224,224,224,224,224\no,a,bbbb,287,1440,42.0,38909.0,42,46,78,109,204,1358,38909\n",
            )],
            vec![
                "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"t.csv\"\nselect = \"all\"",
                "source = \"azure2019\"\npath = \"inv.csv\"\ndurations_path = \"t.csv\"\nfunction = \"bbbb\"\ncpu_share = 0.25",
            ],
        ),
        "azure2019-memory" => (
            vec![b(
                "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\no,a,900,188,172,185,185,187,188,205,214,214\n",
            )],
            vec![
                "source = \"azure2019\"\npath = \"inv.csv\"\nmemory_path = \"t.csv\"\nfunction = \"aaaa\"",
            ],
        ),
        "azure2021" => (
            vec![b(
                "app,func,end_timestamp,duration\na,f,0.0794,0.078\na,g,57.157,57.154\nb,f,58.5,0.2\nb,f,58.25,0.01\na,f,120.5,1.5\n",
            )],
            vec![
                "source = \"azure2021\"\npath = \"t.csv\"",
                "source = \"azure2021\"\npath = \"t.csv\"\nuse_durations = false\nreorder_window = \"2m\"",
                "source = \"azure2021\"\npath = \"t.csv\"\nrate_multiplier = 1.5\nloop_count = 2",
            ],
        ),
        "csv-requests" => (
            vec![
                b("ts,latency,extra\n100.5,0.2,x\n101,,y\n100.75,1.5,z\n"),
                b(
                    "timestamp,duration\n2021-01-31T00:00:00Z,0.1\n2021-01-31T00:00:01.25Z,0.1\n2021-01-31T01:00:02+01:00,0.1\n",
                ),
                b("timestamp,duration\n1700000000000,15\n1700000000250,20\n1700000001000,35\n"),
                b(
                    "timestamp\n2025-11-27 06:00:00\n2025-11-27 06:00:01\n27/Nov/2025:06:00:02 +0000\n",
                ),
                b("timestamp\n0\n1\n2.5\n4\n7\n"),
            ],
            vec![
                "source = \"csv\"\npath = \"t.csv\"\ntimestamp_column = \"ts\"\nduration_column = \"latency\"\nreorder_window = \"1s\"\ncpu_share = 0.5",
                "source = \"csv\"\npath = \"t.csv\"\nduration_column = \"duration\"\ntime_origin = \"2021-01-30T23:59:00Z\"",
                "source = \"csv\"\npath = \"t.csv\"\nduration_column = \"duration\"\ntimestamp_unit = \"ms\"\nduration_unit = \"ms\"",
                "source = \"csv\"\npath = \"t.csv\"\nwindow_start = 1\nwindow_end = 5\noffset = 10\nloop_count = 3",
                "source = \"csv\"\npath = \"t.csv\"\nloop_count = 2\nrate_multiplier = 2",
            ],
        ),
        "csv-counts" => (
            vec![
                b("interval_start,count\n1000,4\n1010,0\n1020,2\n"),
                b("minute,n\n0,3\n60,5\n120,1\n"),
                b(
                    "interval_start,count\n2021-01-31T00:02:00Z,1\n2021-01-31T00:01:00Z,2\n2021-01-31T00:00:00Z,3\n",
                ),
            ],
            vec![
                "source = \"csv\"\npath = \"t.csv\"\nformat = \"counts\"",
                "source = \"csv\"\npath = \"t.csv\"\nformat = \"counts\"\ninterval_start_column = \"minute\"\ncount_column = \"n\"\nspread = \"uniform\"",
                "source = \"csv\"\npath = \"t.csv\"\nformat = \"counts\"\ninterval = \"10s\"\nspread = \"start\"",
                "source = \"csv\"\npath = \"t.csv\"\nformat = \"counts\"\norder = \"newest_first\"\ntimestamp_unit = \"s\"",
            ],
        ),
        "apigateway" => (
            vec![
                b(
                    "{\"requestTimeEpoch\":\"1764583200457\",\"status\":\"200\",\"integrationLatency\":\"66\",\"responseLatency\":\"71\"}\n{\"requestTime\":\"01/Dec/2025:10:00:01 +0000\",\"status\":429,\"integrationLatency\":\"-\"}\n{\"requestTimeEpoch\":1764583200100,\"status\":\"504\",\"integrationLatency\":30000}\n",
                ),
                b(
                    "2025-12-01T10:00:02.679Z {\"t\":\"1764583202407\",\"code\":200,\"lat_ms\":\"104\",\"total_ms\":122,\"x\":{\"a\":[1,2]}}\n2025-12-01T10:00:02.707Z {\"t\":\"1764583202354\",\"code\":500,\"lat_ms\":\"1\\u0030\",\"total_ms\":203}\n",
                ),
            ],
            vec![
                "source = \"apigateway\"\npath = \"t.csv\"",
                "source = \"apigateway\"\npath = \"t.csv\"\nrate_multiplier = 1.5\nloop_count = 2\n[functions.traffic.fields]\nt = \"$context.requestTimeEpoch\"\nlat_ms = \"$context.integrationLatency\"\ntotal_ms = \"$context.responseLatency\"\ncode = \"$context.status\"",
            ],
        ),
        "alb" => (
            vec![b(concat!(
                "h2 2025-12-01T10:00:02.914427Z app/a/5 192.0.2.33:55652 - 0.001 0.108 0.000 200 200 638 1909 \"POST https://x:443/api HTTP/1.1\" \"Mozilla/5.0 (X11)\" TLS_AES_128_GCM_SHA256 TLSv1.3 arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/7 \"Root=1-d9\" \"x\" \"-\" 10 2025-12-01T10:00:02.805427Z \"forward\" \"-\" \"-\" \"-\" \"200\" \"-\" \"-\" TID_a9\n",
                "https 2025-12-01T10:00:03.5Z app/a/5 192.0.2.1:1 10.0.0.1:80 -1 -1 -1 502 - 0 0 \"GET https://x:443/ HTTP/1.1\" \"a \\\"b\\\"\" - - arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/b/8 \"Root=1-e0\" \"-\" \"-\" 20 2025-12-01T10:00:01.000000Z \"forward\" \"-\" \"LambdaConnectionError\" \"-\" \"-\" \"-\" \"-\" TID_b0 \"h\" \"/u\" \"-\"\n",
            ))],
            vec![
                "source = \"alb\"\npath = \"t.csv\"",
                "source = \"alb\"\npath = \"t.csv\"\ntarget_group_arn = \"arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a/7\"\nreorder_window = \"5s\"",
            ],
        ),
        _ => (Vec::new(), Vec::new()),
    }
}

/// The scenario around a trace target's `[functions.traffic]` body.
fn trace_scenario(traffic: &str) -> String {
    format!(
        r#"name = "fuzz-trace"
horizon = "10m"
report_interval = "1m"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
AllowedInstanceTypes = ["c7i.2xlarge", "c7i.4xlarge"]
[[functions]]
name = "f"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "10ms"
io = "40ms"
[functions.traffic]
{traffic}
"#
    )
}

/// Splits inputs into tokens (runs of word characters, and single others).
fn tokens(corpus: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut set = BTreeSet::new();
    for c in corpus {
        let mut i = 0;
        while i < c.len() {
            let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-';
            let start = i;
            if word(c[i]) {
                while i < c.len() && word(c[i]) {
                    i += 1;
                }
            } else {
                i += 1;
            }
            if i - start <= 64 {
                set.insert(c[start..i].to_vec());
            }
        }
    }
    for s in INTERESTING {
        set.insert(s.as_bytes().to_vec());
    }
    set.into_iter().collect()
}

fn line_spans(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut s = 0;
    for (i, &b) in v.iter().enumerate() {
        if b == b'\n' {
            out.push((s, i + 1));
            s = i + 1;
        }
    }
    if s < v.len() {
        out.push((s, v.len()));
    }
    out
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], dict: &[Vec<u8>]) -> Vec<u8> {
    let mut v = input.to_vec();
    let n = 1 + rng.below(8);
    for _ in 0..n {
        let len = v.len();
        match rng.below(12) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = b"0123456789-.,:\"=\n[]e "[rng.below(21)];
            }
            2 => {
                let i = rng.below(len + 1);
                v.insert(i, rng.next() as u8);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let k = (1 + rng.below(16)).min(len - i);
                v.drain(i..i + k);
            }
            4..=6 => {
                // Replace a token-sized span with a dictionary token.
                let t = &dict[rng.below(dict.len())];
                let i = rng.below(len + 1);
                let mut j = i;
                if rng.below(3) > 0 {
                    while j < len && (v[j].is_ascii_alphanumeric() || b"._-".contains(&v[j])) {
                        j += 1;
                    }
                }
                v.splice(i..j, t.iter().copied());
            }
            7 => {
                let t = &dict[rng.below(dict.len())];
                let i = rng.below(len + 1);
                v.splice(i..i, t.iter().copied());
            }
            8 => {
                let l = line_spans(&v);
                if !l.is_empty() {
                    let (a, b) = l[rng.below(l.len())];
                    let line = v[a..b].to_vec();
                    let at = l[rng.below(l.len())].0;
                    v.splice(at..at, line);
                }
            }
            9 => {
                let l = line_spans(&v);
                if !l.is_empty() {
                    let (a, b) = l[rng.below(l.len())];
                    v.drain(a..b);
                }
            }
            10 => {
                let l = line_spans(&v);
                if l.len() >= 2 {
                    let x = rng.below(l.len());
                    let y = rng.below(l.len());
                    let (x, y) = (x.min(y), x.max(y));
                    if x != y {
                        let (a0, a1) = l[x];
                        let (b0, b1) = l[y];
                        let mut w = v[..a0].to_vec();
                        w.extend_from_slice(&v[b0..b1]);
                        w.extend_from_slice(&v[a1..b0]);
                        w.extend_from_slice(&v[a0..a1]);
                        w.extend_from_slice(&v[b1..]);
                        v = w;
                    }
                }
            }
            _ => {
                // Crossover: a head of this input with a tail of another.
                let o = &corpus[rng.below(corpus.len())];
                let i = rng.below(len + 1);
                let j = rng.below(o.len() + 1);
                v.truncate(i);
                v.extend_from_slice(&o[j..]);
            }
        }
    }
    v.truncate(MAX_LEN);
    v
}

/// An outcome's signature: the first line of its message with digits and
/// quoted values removed, cut at 80 characters.
fn signature(s: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let first = s.lines().next().unwrap_or("");
    for c in first.chars() {
        if out.len() >= 80 {
            break;
        }
        if c == '`' || c == '"' {
            quoted = !quoted;
            out.push(c);
        } else if !quoted && !c.is_ascii_digit() {
            out.push(c);
        }
    }
    out
}

/// A scenario the `sim` target can afford: horizon capped, small enough.
fn affordable(mut sc: Scenario) -> Option<Scenario> {
    if sc.horizon > SIM_HORIZON {
        sc.horizon = SIM_HORIZON;
    }
    let h = sc.horizon.0;
    if h / sc.report_interval.0.max(1) > SIM_MAX_INTERVALS
        || h / sc.model.scaler_interval.0.max(1) > SIM_MAX_INTERVALS
        || sc.functions.len() > 16
    {
        return None;
    }
    let mut stream = ArrivalStream::new(&sc).ok()?;
    let mut buf = vec![lmi_sim::invocation::Arrival::default(); 1024];
    let mut n = 0;
    loop {
        let k = stream.fill(&mut buf).ok()?;
        if k == 0 {
            break;
        }
        n += k;
        if n > SIM_MAX_ARRIVALS {
            return None;
        }
    }
    Some(sc)
}

/// Simulates and checks conservation; panics (caught by the caller) if an
/// invocation is lost.
fn simulate(sc: &Scenario) -> &'static str {
    let r = match run(sc, Platforms::Both) {
        Ok(r) => r,
        Err(_) => return "sim: source error",
    };
    let l = r.lmi().expect("LMI ran");
    let d = r.default().expect("default ran");
    for i in 0..sc.functions.len() {
        let lf = &l.functions[i].ledger;
        assert_eq!(
            lf.arrivals,
            lf.served + lf.throttles.total() + l.in_flight_at_end[i] as u64,
            "LMI conservation, function {i}"
        );
        let df = &d.functions[i].ledger;
        assert_eq!(
            df.arrivals,
            df.served + df.throttles.total() + d.in_flight_at_end[i] as u64,
            "default conservation, function {i}"
        );
        let sources = [
            r.lmi_sources().and_then(|s| s.totals[i].as_ref()),
            r.default_sources().and_then(|s| s.totals[i].as_ref()),
        ];
        for (p, t) in sources.iter().enumerate() {
            match t {
                Some(t) => {
                    assert_eq!(t.requests, r.offered.total[i], "requests, platform {p}");
                    assert_eq!(
                        t.requests,
                        t.completed + t.failed + t.dlq + t.queued_at_end + t.in_flight_at_end,
                        "event source conservation, platform {p}, function {i}: {t:?}"
                    );
                }
                None => {
                    let a = if p == 0 { lf.arrivals } else { df.arrivals };
                    assert_eq!(a, r.offered.total[i], "offered, platform {p}");
                }
            }
        }
    }
    "sim: ok"
}

struct Target {
    name: String,
    corpus: Vec<Vec<u8>>,
    seeds: usize,
    dict: Vec<Vec<u8>>,
    traffic: Vec<&'static str>,
    execs: u64,
    ok: u64,
    simulated: u64,
    outcomes: BTreeSet<String>,
    crashes: Vec<PathBuf>,
}

impl Target {
    fn new(name: &str) -> Target {
        let r = root();
        let (corpus, traffic) = match name {
            "scenario" | "sim" => {
                let mut c = short_scenarios();
                c.extend(tomls(&r.join("scenarios")));
                c.extend(tomls(&r.join("tests/golden")));
                c.retain(|t| !String::from_utf8_lossy(t).contains("[[axes]]"));
                (c, Vec::new())
            }
            "sweep" => {
                let mut c = tomls(&r.join("scenarios"));
                c.retain(|t| String::from_utf8_lossy(t).contains("[[axes]]"));
                (c, Vec::new())
            }
            t => trace_seeds(t),
        };
        let dict = tokens(&corpus);
        Target {
            name: name.to_string(),
            seeds: corpus.len(),
            corpus,
            dict,
            traffic,
            execs: 0,
            ok: 0,
            simulated: 0,
            outcomes: BTreeSet::new(),
            crashes: Vec::new(),
        }
    }
}

/// Runs one input; returns the outcome's signature.
fn exec(t: &Target, rng: &mut Rng, input: &[u8], work: &Path) -> (String, bool) {
    let text = String::from_utf8_lossy(input);
    let scenarios = root().join("scenarios");
    match t.name.as_str() {
        "scenario" => match from_toml_str(&text, "fuzz.toml", Some(&scenarios)) {
            Ok(sc) => {
                let _ = sc.warnings();
                ("ok".into(), false)
            }
            Err(e) => (signature(&e.to_string()), false),
        },
        "sim" => match from_toml_str(&text, "fuzz.toml", Some(&scenarios)) {
            Ok(sc) => match affordable(sc) {
                Some(sc) => (simulate(&sc).into(), true),
                None => ("ok: too big to simulate".into(), false),
            },
            Err(e) => (signature(&e.to_string()), false),
        },
        "sweep" => match lmi_sim::sweep::spec::from_str(&text, "fuzz.toml", Some(&scenarios)) {
            Ok(_) => ("ok".into(), false),
            Err(e) => (signature(&e.to_string()), false),
        },
        _ => {
            std::fs::write(work.join("t.csv"), input).expect("write t.csv");
            let traffic = t.traffic[rng.below(t.traffic.len())];
            let text = trace_scenario(traffic);
            let sc = match from_toml_str(&text, "fuzz.toml", Some(work)) {
                Ok(sc) => sc,
                Err(e) => return (signature(&e.to_string()), false),
            };
            for f in &sc.functions {
                if let Traffic::Trace(spec) = &f.traffic
                    && let Err(e) = lmi_sim::trace::inspect::inspect(spec)
                {
                    return (format!("inspect: {}", signature(&e.0)), false);
                }
            }
            let mut stream = match ArrivalStream::new(&sc) {
                Ok(s) => s,
                Err(e) => return (format!("open: {}", signature(&e.0)), false),
            };
            let mut buf = vec![lmi_sim::invocation::Arrival::default(); 1024];
            let mut n = 0;
            loop {
                match stream.fill(&mut buf) {
                    Ok(0) => break,
                    Ok(k) => {
                        n += k;
                        if n > TRACE_MAX_ARRIVALS {
                            break;
                        }
                    }
                    Err(e) => return (format!("read: {}", signature(&e.0)), false),
                }
            }
            if rng.below(16) == 0
                && let Some(sc) = affordable(sc)
            {
                return (format!("trace {}", simulate(&sc)), true);
            }
            ("ok".into(), false)
        }
    }
}

fn save_crash(out: &Path, t: &Target, input: &[u8], message: &str) -> PathBuf {
    std::fs::create_dir_all(out).expect("create the output directory");
    let ext = if matches!(t.name.as_str(), "scenario" | "sim" | "sweep") {
        "toml"
    } else {
        "csv"
    };
    let p = out.join(format!("crash-{}-{:016x}.{ext}", t.name, fnv(input)));
    std::fs::write(&p, input).expect("write the crash input");
    std::fs::write(p.with_extension("txt"), message).expect("write the crash message");
    p
}

fn main() {
    let a = args();
    // Panics are expected to be caught; keep their message, print nothing.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let last = last_panic.clone();
        std::panic::set_hook(Box::new(move |info| {
            let loc = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            *last.lock().unwrap() = format!("panicked at {loc}: {msg}");
        }));
    }
    let work = tempfile::tempdir().expect("a temporary directory");
    // The Azure 2019 reader of the durations and memory targets needs an
    // invocation file beside them.
    let inv = trace_seeds("azure2019").0.remove(0);
    std::fs::write(work.path().join("inv.csv"), inv).expect("write inv.csv");

    let mut targets: Vec<Target> = a.targets.iter().map(|n| Target::new(n)).collect();
    let mut rng = Rng(a.seed);
    let start = Instant::now();
    let budget = Duration::from_secs(a.seconds);
    let slice = Duration::from_millis(500);
    let mut k = 0usize;
    let mut last_progress = Instant::now();
    while start.elapsed() < budget {
        if last_progress.elapsed() >= Duration::from_secs(60) {
            last_progress = Instant::now();
            let counts: Vec<String> = targets
                .iter()
                .map(|t| format!("{} {}/{}", t.name, t.execs, t.crashes.len()))
                .collect();
            eprintln!(
                "progress {:.0} s: executions/crashes {}",
                start.elapsed().as_secs_f64(),
                counts.join(", ")
            );
        }
        let t = &mut targets[k % a.targets.len()];
        k += 1;
        let slice_start = Instant::now();
        while slice_start.elapsed() < slice {
            for _ in 0..16 {
                let base = if t.corpus.len() > t.seeds && rng.below(2) == 0 {
                    t.seeds + rng.below(t.corpus.len() - t.seeds)
                } else {
                    rng.below(t.seeds)
                };
                let input = mutate(&mut rng, &t.corpus[base], &t.corpus, &t.dict);
                let mut r2 = Rng(rng.next());
                let res = catch_unwind(AssertUnwindSafe(|| exec(t, &mut r2, &input, work.path())));
                t.execs += 1;
                match res {
                    Ok((sig, simulated)) => {
                        if sig.starts_with("ok") || sig.ends_with("sim: ok") {
                            t.ok += 1;
                        }
                        t.simulated += simulated as u64;
                        if t.outcomes.insert(sig) && t.corpus.len() < MAX_CORPUS {
                            t.corpus.push(input);
                        }
                    }
                    Err(_) => {
                        let msg = last_panic.lock().unwrap().clone();
                        let p = save_crash(&a.out, t, &input, &msg);
                        eprintln!("CRASH {}: {msg} (input {})", t.name, p.display());
                        t.crashes.push(p);
                    }
                }
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{:<20} {:>12} {:>10} {:>10} {:>9} {:>8}",
        "target", "executions", "valid", "simulated", "outcomes", "crashes"
    );
    let mut total = 0;
    for t in &targets {
        total += t.execs;
        println!(
            "{:<20} {:>12} {:>10} {:>10} {:>9} {:>8}",
            t.name,
            t.execs,
            t.ok,
            t.simulated,
            t.outcomes.len(),
            t.crashes.len()
        );
    }
    println!(
        "total {total} executions in {secs:.0} s ({:.0}/s), seed {}",
        total as f64 / secs,
        a.seed
    );
    if std::env::var_os("FUZZ_OUTCOMES").is_some() {
        for t in &targets {
            for o in &t.outcomes {
                println!("{}\t{}", t.name, o.replace('\n', " "));
            }
        }
    }
    let crashes: Vec<&PathBuf> = targets.iter().flat_map(|t| &t.crashes).collect();
    for c in &crashes {
        println!("crash: {}", c.display());
    }
    if !crashes.is_empty() {
        std::process::exit(1);
    }
}
