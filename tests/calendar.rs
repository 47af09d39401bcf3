//! Month calendars on the real binary: a `[calendar]` month is its typical
//! day (the scenario) and its special days (the scenario with edits), each
//! simulated once and weighted by its count; checked against the same days
//! run on their own, by hand. Also the month's basis in `summary.json`, the
//! day-tagged SLO gates, and the errors of a bad `[calendar]` (exit 2).

use serde_json::Value;
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

const SEED: u64 = 5;

/// Two functions, 30 minutes of constant traffic (seed 5); the special day
/// triples the API's traffic and the worker's in one step at 10 minutes.
fn scenario(pricing: &str, calendar: &str) -> String {
    format!(
        r#"
name = "cal"
seed = {SEED}
horizon = "30m"
[capacity_provider.InstanceRequirements]
Architectures = ["arm64"]
AllowedInstanceTypes = ["m7g.xlarge"]
[[functions]]
name = "api"
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
name = "worker"
Runtime = "python3.13"
MemorySize = 2048
[functions.work]
cpu = "5ms"
io = "20ms"
[functions.traffic]
shape = "constant"
rate = 10
[pricing]
{pricing}
{calendar}
"#
    )
}

const SPIKE: &str = r#"functions[api].traffic={ shape = "spike", base = 30.0, peak = 300.0, start = "10m", rise = "10s", hold = "10m", decay = "1m" }"#;

fn calendar() -> String {
    format!(
        r#"
[calendar]
typical_days = 29.5
[[calendar.special]]
name = "launch"
days = 1
set = ['{SPIKE}', "functions[worker].traffic.rate = 30"]
"#
    )
}

struct Case {
    _dir: tempfile::TempDir,
    file: String,
    out: String,
}

fn case(body: &str) -> Case {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("cal.toml");
    std::fs::write(&f, body).unwrap();
    let out = d.path().join("out").display().to_string();
    Case {
        file: f.display().to_string(),
        out,
        _dir: d,
    }
}

fn ok_run(c: &Case, extra: &[&str]) -> Value {
    let mut args = vec![
        "run",
        &c.file,
        "--out",
        &c.out,
        "--no-charts",
        "--no-report",
    ];
    args.extend(extra);
    let o = run(&args);
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(3),
        "seed {SEED}: {}",
        text(&o.stderr)
    );
    let p = Path::new(&c.out).join("cal/summary.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn f(v: &Value, path: &str) -> f64 {
    let mut x = v;
    for k in path.split('.') {
        x = match k.parse::<usize>() {
            Ok(i) => &x[i],
            Err(_) => &x[k],
        };
    }
    x.as_f64()
        .unwrap_or_else(|| panic!("seed {SEED}: {path} is {x}"))
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "seed {SEED}: {what}: {a} != {b}"
    );
}

#[test]
fn the_month_adds_up_the_days_run_on_their_own() {
    let cal = case(&scenario("", &calendar()));
    let month = ok_run(&cal, &[]);
    // The same two days, each run alone, without a calendar.
    let typical = ok_run(&case(&scenario("", "")), &[]);
    let launch = ok_run(
        &case(&scenario("", "")),
        &["--set", SPIKE, "--set", "functions[worker].traffic.rate=30"],
    );
    assert!(
        f(&launch, "arrivals") > 2.0 * f(&typical, "arrivals"),
        "seed {SEED}: the special day's edits took effect"
    );
    // Each 30-minute day counts 48 times per day of the month.
    let (wt, wl) = (29.5 * 48.0, 1.0 * 48.0);
    let lmi = wt * f(&typical, "lmi.cost.total_usd") + wl * f(&launch, "lmi.cost.total_usd");
    close(f(&month, "lmi.cost.monthly_usd"), lmi, "LMI month");
    // Without a free tier and far below the first tier, default Lambda is
    // linear too.
    let def =
        wt * f(&typical, "default.cost.total_usd") + wl * f(&launch, "default.cost.total_usd");
    let got = f(&month, "default.cost.monthly_usd");
    assert!(
        (got - def).abs() < 1e-6 * def,
        "seed {SEED}: default month {got} != {def}"
    );
    close(
        f(&month, "comparison.lmi_monthly_usd"),
        f(&month, "lmi.cost.monthly_usd"),
        "verdict uses the month",
    );
    // The typical day's own figures are the run's.
    assert_eq!(month["arrivals"], typical["arrivals"], "seed {SEED}");
    for k in ["invocations", "throttled", "latency", "cold_starts"] {
        assert!(month["lmi"][k].is_number() || month["lmi"][k].is_object());
        assert_eq!(month["lmi"][k], typical["lmi"][k], "seed {SEED}: {k}");
    }
    // Entries: each kind of day, its figures as run alone, its share.
    let e = &month["calendar"]["entries"];
    assert_eq!(e[0]["name"], "typical");
    assert_eq!(e[1]["name"], "launch");
    assert_eq!(e[1]["arrivals"], launch["arrivals"], "seed {SEED}");
    assert_eq!(
        e[1]["lmi"]["throttled"], launch["lmi"]["throttled"],
        "seed {SEED}"
    );
    close(
        f(e, "1.lmi.day_usd"),
        48.0 * f(&launch, "lmi.cost.total_usd"),
        "one launch day",
    );
    close(
        f(e, "0.lmi.month_usd") + f(e, "1.lmi.month_usd"),
        f(&month, "lmi.cost.monthly_usd"),
        "entries sum to the month",
    );
    // The basis, and the warning that 30 minutes stand for a day.
    assert_eq!(month["month"]["kind"], "calendar");
    close(f(&month, "month.hours"), 30.5 * 24.0, "month hours");
    assert!(
        month["month"]["basis"]
            .as_str()
            .unwrap()
            .contains("29.5 typical days (this run) + 1 × launch"),
        "seed {SEED}: {}",
        month["month"]["basis"]
    );
    let codes: Vec<&str> = month["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"calendar_day_scaled"), "{codes:?}");
    assert!(!codes.contains(&"short_horizon_extrapolation"), "{codes:?}");
    // Per function: whole cents that add up to the month.
    for (p, c) in [("lmi", "lmi_cost"), ("default", "default_cost")] {
        let sum: f64 = (0..2)
            .map(|i| f(&month, &format!("functions.{i}.{c}.monthly_usd")))
            .sum();
        let total = f(&month, &format!("{p}.cost.monthly_usd"));
        assert!(
            (sum - (total * 100.0).round() / 100.0).abs() < 1e-6,
            "seed {SEED}: {p} functions {sum} != {total}"
        );
    }
}

#[test]
fn without_a_calendar_the_basis_is_the_repeated_horizon() {
    let s = ok_run(&case(&scenario("", "")), &["--platform", "lmi"]);
    assert_eq!(s["month"]["kind"], "repeated horizon");
    close(f(&s, "month.hours"), 730.0, "hours");
    assert_eq!(
        s["month"]["basis"],
        "the 30m simulated, repeated 1460 times to fill a 730-hour month"
    );
    assert!(s.get("calendar").is_none());
}

#[test]
fn default_lambda_free_tier_applies_once_to_the_month() {
    let on = ok_run(
        &case(&scenario("free_tier = true", &calendar())),
        &["--platform", "default"],
    );
    let off = ok_run(
        &case(&scenario("", &calendar())),
        &["--platform", "default"],
    );
    // The month holds far more than 1 M requests and 400,000 GB-s: the free
    // tier takes exactly their price off, once (arm64: $0.0000133334 per GB-s).
    let allowance = 1e6 * 0.20 / 1e6 + 400_000.0 * 0.0000133334;
    let d = f(&off, "default.cost.monthly_usd") - f(&on, "default.cost.monthly_usd");
    assert!(
        (d - allowance).abs() < 1e-6,
        "seed {SEED}: free tier took {d}, expected {allowance}"
    );
}

#[test]
fn gates_run_on_every_day_and_cost_on_the_month() {
    let c = case(&scenario("", &calendar()));
    let s = ok_run(
        &c,
        &[
            "--platform",
            "lmi",
            "--check",
            "lmi.throttle_rate < 0.5%",
            "--check",
            "lmi.cost_month < 1000000",
        ],
    );
    let g = s["slo"].as_array().unwrap();
    // throttle rate: the typical day, then the launch day; cost: once.
    assert_eq!(g.len(), 3, "seed {SEED}: {g:?}");
    assert!(g[0].get("day").is_none() && g[1].get("day").is_none());
    assert_eq!(g[2]["day"], "launch");
    assert_eq!(g[2]["metric"], "throttle_rate");
    let launch_rate = f(&s, "calendar.entries.1.lmi.throttle_rate");
    assert_eq!(g[2]["value"].as_f64().unwrap(), launch_rate);
    assert_eq!(g[2]["pass"].as_bool().unwrap(), launch_rate < 0.005);
    close(
        f(&s, "slo.1.value"),
        f(&s, "lmi.cost.monthly_usd"),
        "cost gate",
    );
}

fn refused(calendar: &str, expect: &[&str]) {
    let c = case(&scenario("", calendar));
    let o = run(&["run", &c.file, "--out", &c.out]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{calendar}: {err}");
    for e in expect {
        assert!(err.contains(e), "{calendar}: expected `{e}` in: {err}");
    }
    assert!(!Path::new(&c.out).exists(), "nothing written: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_calendars_exit_2_naming_the_key() {
    refused(
        "[calendar]\nweeks = 4\n",
        &["calendar.weeks", "`typical_days`, `special`"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 0\nset = [\"functions[0].MemorySize=4096\"]\n",
        &["calendar.special[0].days", "> 0"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 31\nset = [\"functions[0].MemorySize=4096\"]\n",
        &["calendar.special", "30.42 days"],
    );
    refused(
        "[calendar]\ntypical_days = 30\n[[calendar.special]]\nname = \"x\"\ndays = 2\nset = [\"functions[0].MemorySize=4096\"]\n",
        &["calendar.typical_days", "at most 31 days"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\nset = [\"seed=3\"]\n",
        &["calendar.special[0].set[0]", "seed"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\nset = [\"functions[0].MemorySize=1\"]\n",
        &["calendar.special[0].set", "MemorySize"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\nset = [\"functions[0].name=other\"]\n",
        &["calendar.special[0].set", "keep the scenario's functions"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\nset = [\"functions[9].MemorySize=4096\"]\n",
        &["calendar.special[0].set", "functions[9]"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"typical\"\ndays = 1\nset = [\"functions[0].MemorySize=4096\"]\n",
        &["calendar.special[0].name", "typical"],
    );
    refused(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\n",
        &["calendar.special[0].set", "required"],
    );
}

/// A sweep point of a calendar scenario is priced on the calendar month,
/// exactly as `run` with the same edit prices it.
#[test]
fn sweep_points_are_priced_on_the_calendar_month() {
    let c = case(&scenario("", &calendar()));
    let dir = Path::new(&c.file).parent().unwrap();
    let sweep = dir.join("sw.toml");
    std::fs::write(
        &sweep,
        r#"
name = "sw"
seed = 5
replications = 1
platforms = "lmi"
base = "cal.toml"
[[axes]]
key = "functions[api].MemorySize"
values = [2048, 4096]
"#,
    )
    .unwrap();
    let out = dir.join("sweep-out");
    let o = run(&[
        "sweep",
        &sweep.display().to_string(),
        "--out",
        &out.display().to_string(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "seed {SEED}: {}", text(&o.stderr));
    let csv = std::fs::read_to_string(out.join("sw/results.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = head
        .iter()
        .position(|h| *h == "lmi_monthly_usd_mean")
        .unwrap_or_else(|| panic!("no lmi_monthly_usd_mean in {head:?}"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    for (row, mem) in rows.iter().zip(["2048", "4096"]) {
        let s = ok_run(
            &c,
            &[
                "--platform",
                "lmi",
                "--set",
                &format!("functions[api].MemorySize={mem}"),
            ],
        );
        let want = f(&s, "lmi.cost.monthly_usd");
        let got: f64 = row[col].parse().unwrap();
        // results.csv rounds to 4 significant digits.
        assert!(
            (got - want).abs() <= 5e-4 * want,
            "seed {SEED}: MemorySize {mem}: sweep {got} != run {want}"
        );
        // Not the typical day repeated to 730 hours.
        let plain = ok_run(
            &case(&scenario("", "")),
            &[
                "--platform",
                "lmi",
                "--set",
                &format!("functions[api].MemorySize={mem}"),
            ],
        );
        let repeated = f(&plain, "lmi.cost.monthly_usd");
        assert!(
            (got - repeated).abs() > 0.005 * repeated,
            "seed {SEED}: MemorySize {mem}: sweep {got} is the repeated day's {repeated}"
        );
    }
}

/// The API of `scenario` with a spill-over to a 2 GB default-Lambda fallback.
fn spilling(calendar: &str) -> String {
    scenario("", calendar).replacen(
        "MinExecutionEnvironments = 2\n",
        "MinExecutionEnvironments = 2\n[functions.spill_over]\nMemorySize = 2048\n",
        1,
    )
}

/// With a `[functions.spill_over]`, LMI + spill-over's month is LMI's month
/// plus the fallback's, each day's blend as run alone weighted by its count;
/// a special day may not turn the spill-over on or off.
#[test]
fn a_spill_over_month_adds_up_the_days_blends() {
    let month = ok_run(&case(&spilling(&calendar())), &["--platform", "lmi"]);
    let typical = ok_run(&case(&spilling("")), &["--platform", "lmi"]);
    let launch = ok_run(
        &case(&spilling("")),
        &[
            "--platform",
            "lmi",
            "--set",
            SPIKE,
            "--set",
            "functions[worker].traffic.rate=30",
        ],
    );
    // The launch day's spike is throttled on LMI and spills; the blend
    // throttles less.
    let spilled = f(&launch, "spill_over.spilled");
    assert!(spilled > 0.0, "seed {SEED}: the launch day spilled nothing");
    assert!(
        f(&launch, "spill_over.blend.throttled") < f(&launch, "lmi.throttled"),
        "seed {SEED}"
    );
    let (wt, wl) = (29.5 * 48.0, 1.0 * 48.0);
    let lmi = wt * f(&typical, "lmi.cost.total_usd") + wl * f(&launch, "lmi.cost.total_usd");
    close(f(&month, "lmi.cost.monthly_usd"), lmi, "LMI month");
    // Without a free tier and below the first tier the fallback is linear.
    let fb = wt * f(&typical, "spill_over.fallback_cost.total_usd")
        + wl * f(&launch, "spill_over.fallback_cost.total_usd");
    assert!(fb > 0.0, "seed {SEED}: the fallback cost nothing");
    let got = f(&month, "spill_over.extra_monthly_usd");
    assert!(
        (got - fb).abs() < 1e-6 * fb,
        "seed {SEED}: fallback month {got} != {fb}"
    );
    close(
        f(&month, "spill_over.fallback_cost.monthly_usd"),
        got,
        "fallback month",
    );
    close(
        f(&month, "spill_over.blended_monthly_usd"),
        lmi + got,
        "blended month",
    );
    // The typical day's block is the typical run's, but for its month.
    assert_eq!(
        month["spill_over"]["spilled"], typical["spill_over"]["spilled"],
        "seed {SEED}"
    );
    // Entries: each day's blend as run alone; they sum to the month.
    let e = &month["calendar"]["entries"];
    assert_eq!(
        e[1]["blend"]["throttled"], launch["spill_over"]["blend"]["throttled"],
        "seed {SEED}"
    );
    assert_eq!(
        e[1]["lmi"]["throttled"], launch["lmi"]["throttled"],
        "seed {SEED}"
    );
    close(
        f(e, "0.blend.month_usd") + f(e, "1.blend.month_usd"),
        f(&month, "spill_over.blended_monthly_usd"),
        "blend entries sum to the month",
    );
    close(
        f(e, "1.blend.day_usd"),
        48.0 * (f(&launch, "lmi.cost.total_usd")
            + f(&launch, "spill_over.fallback_cost.total_usd")),
        "one launch day, blended",
    );
    // The terminal's calendar block has the blend's rows.
    let c = case(&spilling(&calendar()));
    let o = run(&["run", &c.file, "--out", &c.out, "--platform", "lmi"]);
    let out = text(&o.stdout);
    assert!(out.contains("with spill-over: throttled"), "{out}");

    // A special day that turns the spill-over off is refused.
    let off = spilling(
        "[calendar]\n[[calendar.special]]\nname = \"x\"\ndays = 1\nset = [\"functions[0].spill_over.enabled=false\"]\n",
    );
    let c = case(&off);
    let o = run(&["run", &c.file, "--out", &c.out]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("calendar.special[0].set") && err.contains("spill-over on or off"),
        "{err}"
    );
    assert!(!Path::new(&c.out).exists(), "nothing written: {err}");
}
