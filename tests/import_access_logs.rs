//! API Gateway and ALB access logs as request traces: the generated samples
//! of `data/samples/access-logs/` replay with exact totals (requests per
//! minute, summed durations, throttled and failed counts, the target-group
//! filter), gzip reads as its plain text, and bad input is a clear error
//! with exit 2. The expected figures were counted from the files with an
//! independent script (Python's `json`, `gzip` and `shlex`), not with lmi-sim.

use lmi_sim::invocation::Arrival;
use lmi_sim::request::LoggedOutcomes;
use lmi_sim::scenario::Scenario;
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::ArrivalStream;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MIN_US: u64 = 60_000_000;
const CHECKOUT: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/checkout-fn/73e2d6bc24d8a067";
const STATIC: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/static-web/9f1c0a2b3d4e5f60";

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/samples/access-logs")
}

/// A sample scenario's text, edited by `(from, to)` replacements.
fn sample_text(name: &str, edits: &[(&str, &str)]) -> String {
    let mut t = std::fs::read_to_string(samples().join(name)).unwrap();
    for (a, b) in edits {
        assert!(t.contains(a), "{name} lacks {a}");
        t = t.replace(a, b);
    }
    t
}

fn load(text: &str, dir: &Path) -> Scenario {
    from_toml_str(text, "s.toml", Some(dir)).unwrap_or_else(|e| panic!("{e}"))
}

/// Every arrival of the scenario, and what the access log said of them.
fn replay(sc: &Scenario) -> (Vec<Arrival>, LoggedOutcomes) {
    let mut s = ArrivalStream::new(sc).unwrap_or_else(|e| panic!("{e}"));
    let mut out = Vec::new();
    let mut buf = vec![Arrival::default(); 4096];
    loop {
        let n = s.fill(&mut buf).unwrap_or_else(|e| panic!("{e}"));
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let logged = s.logged_outcomes()[0].expect("an access log counts outcomes");
    (out, logged)
}

fn per_minute(a: &[Arrival]) -> Vec<u64> {
    let mut v = vec![0u64; 11];
    for x in a {
        v[(x.at.0 / MIN_US) as usize] += 1;
    }
    v
}

/// Summed work [µs] (cpu + io: the traced duration, whatever the split).
fn work_us(a: &[Arrival]) -> u64 {
    a.iter().map(|x| x.cpu.0 + x.io.0).sum()
}

fn outcomes(requests: u64, throttled: u64, failed: u64, no_duration: u64) -> LoggedOutcomes {
    LoggedOutcomes {
        requests,
        throttled,
        failed,
        no_duration,
    }
}

#[test]
fn http_api_sample_replays_its_minutes_latencies_and_statuses() {
    let sc = load(&sample_text("http-api.toml", &[]), &samples());
    let (a, logged) = replay(&sc);
    assert_eq!(
        per_minute(&a),
        [120, 150, 180, 240, 300, 300, 240, 180, 150, 120, 0]
    );
    // integrationLatency summed: 244,125 ms; the 30 throttled lines have `-`
    // and take the (omitted, so zero) [functions.work].
    assert_eq!(work_us(&a), 244_125_000);
    assert_eq!(a.iter().filter(|x| x.cpu.0 + x.io.0 == 0).count(), 30);
    assert_eq!(
        a.iter().map(|x| x.cpu.0 + x.io.0).max(),
        Some(30_000_000),
        "the two 504s waited out the 30 s integration timeout"
    );
    // cpu_share = 0.2 of each latency is CPU (rounded per request).
    let cpu: u64 = a.iter().map(|x| x.cpu.0).sum();
    assert!(
        (cpu as f64 - 0.2 * 244_125_000.0).abs() <= a.len() as f64,
        "{cpu}"
    );
    assert_eq!(logged, outcomes(1980, 30, 8, 30));
    assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
}

#[test]
fn rest_api_custom_format_through_the_column_map() {
    let sc = load(&sample_text("rest-api.toml", &[]), &samples());
    let (a, logged) = replay(&sc);
    assert_eq!(per_minute(&a), [60, 90, 120, 90, 60, 0, 0, 0, 0, 0, 0]);
    assert_eq!(work_us(&a), 64_957_000);
    assert_eq!(logged, outcomes(420, 12, 4, 12));
    // Mapped to responseLatency only, the work is the whole response time.
    let text = sample_text(
        "rest-api.toml",
        &[("lat_ms = \"$context.integrationLatency\"\n", "")],
    );
    let (b, logged) = replay(&load(&text, &samples()));
    assert_eq!(b.len(), 420);
    assert!(work_us(&b) > work_us(&a));
    assert_eq!(logged.no_duration, 0);
}

#[test]
fn alb_sample_filters_one_target_group() {
    let sc = load(&sample_text("alb.toml", &[]), &samples());
    let (a, logged) = replay(&sc);
    assert_eq!(
        per_minute(&a),
        [100, 110, 130, 150, 170, 180, 160, 140, 120, 100, 0]
    );
    assert_eq!(work_us(&a), 188_038_000);
    // 10 × 429, 8 × 500 and 6 × 502 with target_processing_time = -1.
    assert_eq!(logged, outcomes(1360, 10, 14, 6));

    let other = sample_text("alb.toml", &[(CHECKOUT, STATIC)]);
    let (s, logged) = replay(&load(&other, &samples()));
    assert_eq!(per_minute(&s), [50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 0]);
    assert_eq!(work_us(&s), 4_380_000);
    assert_eq!(logged, outcomes(500, 0, 0, 0));

    let all = sample_text(
        "alb.toml",
        &[(&format!("target_group_arn = \"{CHECKOUT}\"\n"), "")],
    );
    let (b, logged) = replay(&load(&all, &samples()));
    assert_eq!(b.len(), 1860);
    assert_eq!(work_us(&b), 188_038_000 + 4_380_000);
    assert_eq!(logged, outcomes(1860, 10, 14, 6));
}

#[test]
fn gzip_and_plain_replay_identically() {
    let d = tempfile::tempdir().unwrap();
    let mut text = Vec::new();
    flate2::read::MultiGzDecoder::new(
        std::fs::File::open(samples().join("alb-access.log.gz")).unwrap(),
    )
    .read_to_end(&mut text)
    .unwrap();
    // Six 5-minute files of two nodes, one gzip member each.
    assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 1860);
    std::fs::write(d.path().join("alb-access.log"), &text).unwrap();
    let plain = sample_text("alb.toml", &[("alb-access.log.gz", "alb-access.log")]);
    let (p, lp) = replay(&load(&plain, d.path()));
    let (g, lg) = replay(&load(&sample_text("alb.toml", &[]), &samples()));
    assert_eq!(p.len(), 1360);
    assert!(p == g, "plain and gzip arrivals differ");
    assert_eq!(lp, lg);
}

/// A one-function scenario around an access-log `[functions.traffic]` body.
fn scenario(traffic: &str) -> String {
    format!(
        r#"
name = "access"
horizon = "5m"
report_interval = "1m"
[capacity_provider.InstanceRequirements]
Architectures = ["x86_64"]
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

#[test]
fn whole_second_request_times_spread_inside_their_second() {
    let d = tempfile::tempdir().unwrap();
    let mut log = String::new();
    for s in 0..3 {
        for _ in 0..50 {
            log.push_str(&format!(
                "{{\"requestTime\":\"01/Dec/2025:10:00:0{s} +0000\",\"status\":\"200\"}}\n"
            ));
        }
    }
    std::fs::write(d.path().join("a.log"), log).unwrap();
    let sc = load(
        &scenario(
            "source = \"apigateway\"\npath = \"a.log\"\ntime_origin = \"2025-12-01T10:00:00Z\"",
        ),
        d.path(),
    );
    let (a, _) = replay(&sc);
    assert_eq!(a.len(), 150);
    assert!(a.iter().all(|x| x.at.0 < 3_000_000));
    for s in 0..3u64 {
        let n = a.iter().filter(|x| x.at.0 / 1_000_000 == s).count();
        assert_eq!(n, 50, "second {s}");
    }
    let distinct: std::collections::BTreeSet<u64> = a.iter().map(|x| x.at.0).collect();
    assert!(distinct.len() > 140, "{} distinct times", distinct.len());
    // No latency key: the function's work, 10 ms + 40 ms.
    assert!(a.iter().all(|x| x.cpu.0 == 10_000 && x.io.0 == 40_000));
    let (b, _) = replay(&sc);
    assert!(a == b, "the spread is seeded");
}

/// A valid ALB line (30 fields) with these request_creation_time,
/// target_processing_time and elb_status_code.
fn alb_line(created: &str, tpt: &str, status: &str) -> String {
    format!(
        r#"https 2025-12-01T10:00:01.000000Z app/a/1 192.0.2.1:1234 10.0.0.1:80 0.001 {tpt} 0.000 {status} {status} 10 20 "GET https://x:443/ HTTP/1.1" "curl/8" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 {CHECKOUT} "Root=1-a-b" "x" "-" 1 {created} "forward" "-" "-" "10.0.0.1:80" "{status}" "-" "-" TID_1"#
    )
}

#[test]
fn alb_trailing_fields_are_ignored_and_quotes_may_hold_spaces() {
    let d = tempfile::tempdir().unwrap();
    let mut log = alb_line("2025-12-01T10:00:00.500000Z", "0.250", "200");
    log.push_str(" \"new.example\" \"/v2/\" \"TRANSFORMED\" future_field\n");
    log.push_str(&alb_line("2025-12-01T10:00:00.100000Z", "0.125", "200"));
    log.push('\n');
    std::fs::write(d.path().join("a.log"), log).unwrap();
    let sc = load(
        &scenario("source = \"alb\"\npath = \"a.log\"\ntime_origin = \"2025-12-01T10:00:00Z\""),
        d.path(),
    );
    let (a, logged) = replay(&sc);
    let got: Vec<(u64, u64)> = a.iter().map(|x| (x.at.0, x.cpu.0 + x.io.0)).collect();
    assert_eq!(got, [(100_000, 125_000), (500_000, 250_000)]);
    assert_eq!(logged, outcomes(2, 0, 0, 0));
}

// ------------------------------------------------------------- bad input

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

/// `lmi-sim <args>` on a scenario around `traffic` with `log` as `a.log`.
fn cli(args: &[&str], traffic: &str, log: &str) -> (tempfile::TempDir, Output) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.log"), log).unwrap();
    std::fs::write(d.path().join("s.toml"), scenario(traffic)).unwrap();
    let o = bin()
        .args(args)
        .arg(d.path().join("s.toml"))
        .output()
        .unwrap();
    (d, o)
}

fn exit_2(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "message lacks `{p}`:\n{msg}");
    }
}

#[test]
fn an_unknown_context_variable_in_the_map_lists_the_known_ones() {
    let (_d, o) = cli(
        &["validate"],
        "source = \"apigateway\"\npath = \"a.log\"\n[functions.traffic.fields]\nts = \"$context.requestTimeEpock\"\nlat = \"$context.integrationLatency\"",
        "{}\n",
    );
    let e = exit_2(&o);
    assert_has(
        &e,
        &[
            "functions[0].traffic.fields.ts",
            "$context.requestTimeEpock",
            "an unknown $context variable (did you mean $context.requestTimeEpoch?)",
            "$context.requestTime (the arrival, whole seconds)",
            "$context.integrationLatency (the work, ms)",
            "$context.status",
        ],
    );
    // A map with no arrival variable.
    let (_d, o) = cli(
        &["validate"],
        "source = \"apigateway\"\npath = \"a.log\"\n[functions.traffic.fields]\nlat = \"$context.integrationLatency\"\nip = \"$context.identity.sourceIp\"",
        "{}\n",
    );
    assert_has(
        &exit_2(&o),
        &["functions[0].traffic.fields", "$context.requestTimeEpoch"],
    );
}

#[test]
fn an_alb_line_with_the_wrong_field_count_names_path_line_and_count() {
    let good = alb_line("2025-12-01T10:00:00.500000Z", "0.250", "200");
    let short: Vec<&str> = good.split(' ').take(12).collect();
    let log = format!("{good}\n{}\n", short.join(" "));
    let (_d, o) = cli(
        &["validate", "--deep"],
        "source = \"alb\"\npath = \"a.log\"",
        &log,
    );
    assert_has(
        &exit_2(&o),
        &[
            "a.log:2: 12 field(s)",
            "at least 29",
            "`type` … `classification_reason`",
            "conn_trace_id",
            "the line ends after `sent_bytes`",
            "--skip-bad-rows",
        ],
    );
    // With --skip-bad-rows the line is counted and skipped.
    let (_d, o) = cli(
        &["validate", "--deep", "--skip-bad-rows"],
        "source = \"alb\"\npath = \"a.log\"",
        &log,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_has(&out, &["rows: 1, 1 skipped as malformed"]);
}

#[test]
fn bad_timestamps_name_the_line_and_field() {
    let log = format!(
        "{}\n{}\n",
        alb_line("2025-12-01T10:00:00.500000Z", "0.250", "200"),
        alb_line("2025-12-01 10:00:00", "0.250", "200")
    );
    let (_d, o) = cli(
        &["validate", "--deep"],
        "source = \"alb\"\npath = \"a.log\"",
        &log,
    );
    assert_has(
        &exit_2(&o),
        &[
            "a.log:2: field 22 `request_creation_time`: `2025-12-01`",
            "ISO 8601",
        ],
    );
    let (_d, o) = cli(
        &["validate", "--deep"],
        "source = \"apigateway\"\npath = \"a.log\"",
        "{\"requestTimeEpoch\":\"1764583200000\",\"status\":200}\n{\"requestTimeEpoch\":\"yesterday\",\"status\":200}\n",
    );
    assert_has(
        &exit_2(&o),
        &[
            "a.log:2: key `requestTimeEpoch` ($context.requestTimeEpoch): \"yesterday\"",
            "milliseconds since the epoch",
        ],
    );
    // Epoch seconds where milliseconds belong are named.
    let (_d, o) = cli(
        &["validate", "--deep"],
        "source = \"apigateway\"\npath = \"a.log\"",
        "{\"requestTimeEpoch\":1.7645832e18}\n",
    );
    assert_has(&exit_2(&o), &["a.log:1:", "out of range"]);
}

#[test]
fn a_json_line_that_is_not_an_object_is_refused() {
    for (line, want) in [
        ("[1, 2]", "`[1, 2]` is not a JSON object"),
        ("{\"requestTimeEpoch\": 17", "not a JSON object: EOF"),
        (
            "{\"requestTimeEpoch\":1}{\"requestTimeEpoch\":2}",
            "records must be newline-delimited",
        ),
    ] {
        let (_d, o) = cli(
            &["validate", "--deep"],
            "source = \"apigateway\"\npath = \"a.log\"",
            &format!("{{\"requestTimeEpoch\":1764583200000}}\n{line}\n"),
        );
        assert_has(&exit_2(&o), &["a.log:2:", want]);
    }
}

#[test]
fn a_target_group_with_no_lines_lists_the_ones_in_the_log() {
    let (_d, o) = cli(
        &["validate", "--deep"],
        &format!("source = \"alb\"\npath = \"a.log\"\ntarget_group_arn = \"{STATIC}\""),
        &format!(
            "{}\n",
            alb_line("2025-12-01T10:00:00.500000Z", "0.250", "200")
        ),
    );
    assert_has(
        &exit_2(&o),
        &[
            "no line of target group",
            "static-web",
            "checkout-fn/73e2d6bc24d8a067 (1 lines)",
        ],
    );
}

#[test]
fn validate_deep_and_run_report_the_statuses() {
    let o = bin()
        .args(["validate", "--deep"])
        .arg(samples().join("alb.toml"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_has(
        &out,
        &[
            "(ALB access log)",
            "rows: 1,360",
            "statuses: 10 throttled (429), 14 failed",
            "1,354 of 1,360 requests carry the backend's time",
            "static-web/9f1c0a2b3d4e5f60 (500 lines)",
            "500 line(s) of other target groups skipped",
        ],
    );
    let d = tempfile::tempdir().unwrap();
    let o = bin()
        .args(["run", "--no-charts", "--out"])
        .arg(d.path())
        .arg(samples().join("rest-api.toml"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert_has(
        &err,
        &["access log: 420 requests replayed, of them 12 throttled (429) and 4 failed"],
    );
    let summary =
        std::fs::read_to_string(d.path().join("access-log-rest-api/summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(
        v["functions"][0]["access_log"],
        serde_json::json!({"requests": 420, "throttled": 12, "failed": 4, "no_duration": 12})
    );
}

// ------------------------------------------------- no allocation per line

/// Counts this thread's allocations (tests run on several threads).
struct Counting;

thread_local! {
    static ALLOCS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

fn bump() {
    let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        bump();
        unsafe { std::alloc::System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: std::alloc::Layout, n: usize) -> *mut u8 {
        bump();
        unsafe { std::alloc::System.realloc(p, l, n) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations while reading every row after the first 100 of `spec`'s log.
fn allocations_after_warm_up(spec: &lmi_sim::trace::TraceSpec) -> (u64, u64) {
    use lmi_sim::trace::requests::RowSource;
    let mut rows =
        lmi_sim::trace::access_logs::LogRows::open(spec, lmi_sim::rng::stream(1, "t", 0)).unwrap();
    for _ in 0..100 {
        rows.next_row().unwrap().unwrap();
    }
    let before = ALLOCS.with(|c| c.get());
    let mut n = 100;
    while rows.next_row().unwrap().is_some() {
        n += 1;
    }
    (ALLOCS.with(|c| c.get()) - before, n)
}

#[test]
fn reading_a_line_allocates_nothing() {
    use lmi_sim::trace::{TraceFormat, TraceSpec};
    let alb = TraceSpec::new(
        TraceFormat::Alb {
            target_group_arn: Some(CHECKOUT.into()),
        },
        samples().join("alb-access.log.gz"),
    );
    // The counter counts.
    let before = ALLOCS.with(|c| c.get());
    std::hint::black_box(vec![1u8; 10]);
    assert_eq!(ALLOCS.with(|c| c.get()), before + 1);
    // Six gzip members (files), two target groups: still nothing per line.
    let (allocs, n) = allocations_after_warm_up(&alb);
    assert_eq!(n, 1360);
    assert_eq!(allocs, 0, "{allocs} allocations for {n} ALB rows");
    for (file, fields) in [
        ("http-api.log", None),
        (
            "rest-api-export.log",
            Some(vec![
                ("t", "$context.requestTimeEpoch"),
                ("lat_ms", "$context.integrationLatency"),
                ("code", "$context.status"),
            ]),
        ),
    ] {
        let fields = match fields {
            None => Default::default(),
            Some(v) => lmi_sim::trace::access_logs::apigateway::Fields {
                keys: v
                    .into_iter()
                    .map(|(k, var)| {
                        (
                            k.to_string(),
                            lmi_sim::trace::access_logs::apigateway::variable(var)
                                .unwrap()
                                .unwrap(),
                        )
                    })
                    .collect(),
            },
        };
        let spec = TraceSpec::new(TraceFormat::ApiGateway { fields }, samples().join(file));
        let (allocs, n) = allocations_after_warm_up(&spec);
        assert!(n >= 420);
        assert_eq!(allocs, 0, "{allocs} allocations for {n} rows of {file}");
    }
}
