//! Per-function results on real runs: each function's invocations, throttles
//! and costs add up to its platform's (costs to the cent), the LMI bill is
//! split by the EE vCPU-time each function held, and sweeps have per-function
//! columns and a goal that can name a function.

use lmi_sim::report::{Summary, summarize};
use lmi_sim::scenario::validate::from_toml_str;
use lmi_sim::sim::{self, Platforms};
use std::path::Path;
use std::process::Command;

fn cents(x: f64) -> i64 {
    (x * 100.0).round() as i64
}

fn summary_of(text: &str, platforms: Platforms) -> Summary {
    let sc = from_toml_str(text, "test.toml", None).expect("valid scenario");
    let run = sim::run(&sc, platforms).expect("run");
    summarize(&sc, &run, platforms)
}

/// The bundled checkout-API + SQS-worker scenario, cut to `horizon`.
fn checkout(horizon: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/checkout-and-worker.toml");
    let t = std::fs::read_to_string(p).unwrap();
    assert!(t.contains("horizon = \"6h\""));
    t.replace("horizon = \"6h\"", &format!("horizon = \"{horizon}\""))
}

/// Sums of the per-function figures equal the platform's, on both platforms.
fn assert_adds_up(s: &Summary) {
    let seed = s.seed;
    if let Some(l) = &s.lmi {
        let fs: Vec<_> = s
            .functions
            .iter()
            .map(|f| f.lmi_cost.clone().unwrap())
            .collect();
        let sum = |g: &dyn Fn(&lmi_sim::report::LmiFunctionCost) -> f64| -> i64 {
            fs.iter().map(|c| cents(g(c))).sum()
        };
        assert_eq!(
            sum(&|c| c.total_usd),
            cents(l.cost.total_usd),
            "seed {seed}"
        );
        assert_eq!(
            sum(&|c| c.monthly_usd),
            cents(l.cost.monthly_usd),
            "seed {seed}"
        );
        assert_eq!(sum(&|c| c.ec2_usd), cents(l.cost.ec2_usd), "seed {seed}");
        assert_eq!(
            sum(&|c| c.management_fee_usd),
            cents(l.cost.management_fee_usd),
            "seed {seed}"
        );
        assert_eq!(
            sum(&|c| c.requests_usd),
            cents(l.cost.requests_usd),
            "seed {seed}"
        );
        let share: f64 = fs.iter().map(|c| c.ee_vcpu_share).sum();
        assert!((share - 1.0).abs() < 1e-12, "shares sum to {share}");
        let figs: Vec<_> = s.functions.iter().map(|f| f.lmi.clone().unwrap()).collect();
        assert_eq!(
            figs.iter().map(|f| f.invocations).sum::<u64>(),
            l.figures.invocations
        );
        assert_eq!(
            figs.iter().map(|f| f.throttled).sum::<u64>(),
            l.figures.throttled
        );
        assert_eq!(figs.iter().map(|f| f.served).sum::<u64>(), l.figures.served);
        for (reason, n) in &l.figures.throttles {
            assert_eq!(
                figs.iter().map(|f| f.throttles[reason]).sum::<u64>(),
                *n,
                "{reason}"
            );
        }
    }
    if let Some(d) = &s.default {
        let fs: Vec<_> = s
            .functions
            .iter()
            .map(|f| f.default_cost.clone().unwrap())
            .collect();
        let sum = |g: &dyn Fn(&lmi_sim::report::DefaultFunctionCost) -> f64| -> i64 {
            fs.iter().map(|c| cents(g(c))).sum()
        };
        assert_eq!(
            sum(&|c| c.total_usd),
            cents(d.cost.total_usd),
            "seed {seed}"
        );
        assert_eq!(
            sum(&|c| c.monthly_usd),
            cents(d.cost.monthly_usd),
            "seed {seed}"
        );
        assert_eq!(sum(&|c| c.requests_usd), cents(d.cost.requests_usd));
        assert_eq!(sum(&|c| c.duration_usd), cents(d.cost.duration_usd));
        assert_eq!(sum(&|c| c.init_usd), cents(d.cost.init_usd));
        assert_eq!(sum(&|c| c.provisioned_usd), cents(d.cost.provisioned_usd));
        let figs: Vec<_> = s
            .functions
            .iter()
            .map(|f| f.default.clone().unwrap())
            .collect();
        assert_eq!(
            figs.iter().map(|f| f.invocations).sum::<u64>(),
            d.figures.invocations
        );
        assert_eq!(
            figs.iter().map(|f| f.throttled).sum::<u64>(),
            d.figures.throttled
        );
        for (reason, n) in &d.figures.throttles {
            assert_eq!(
                figs.iter().map(|f| f.throttles[reason]).sum::<u64>(),
                *n,
                "{reason}"
            );
        }
    }
    // Whole cents: no sub-cent part in any per-function cost.
    for f in &s.functions {
        for x in f
            .lmi_cost
            .iter()
            .flat_map(|c| {
                [
                    c.requests_usd,
                    c.ec2_usd,
                    c.management_fee_usd,
                    c.total_usd,
                    c.monthly_usd,
                ]
            })
            .chain(f.default_cost.iter().flat_map(|c| {
                [
                    c.requests_usd,
                    c.duration_usd,
                    c.init_usd,
                    c.provisioned_usd,
                    c.total_usd,
                    c.monthly_usd,
                ]
            }))
        {
            assert_eq!(
                x,
                cents(x) as f64 / 100.0,
                "{} not whole cents: {x}",
                f.name
            );
        }
    }
}

#[test]
fn checkout_api_and_sqs_worker_add_up_to_the_provider() {
    let s = summary_of(&checkout("30m"), Platforms::Both);
    assert_eq!(s.functions.len(), 2);
    assert_eq!(s.functions[0].name, "checkout-api");
    assert_eq!(s.functions[1].name, "order-worker");
    assert_adds_up(&s);
    let l = s.lmi.as_ref().unwrap();
    assert!(l.cost.total_usd > 0.1, "a real bill: {:?}", l.cost);
    // The worker has a queue on both platforms; the API has none.
    let w = &s.functions[1];
    assert!(w.lmi_sources.is_some() && w.default_sources.is_some());
    assert!(s.functions[0].lmi_sources.is_none());
    // Both functions hold EEs, the API (2-vCPU EEs, 3 at least) more of them.
    let (a, b) = (
        s.functions[0].lmi_cost.as_ref().unwrap(),
        s.functions[1].lmi_cost.as_ref().unwrap(),
    );
    assert!(
        a.ee_vcpu_hours > b.ee_vcpu_hours && b.ee_vcpu_hours > 0.0,
        "{a:?} {b:?}"
    );
    assert!(a.ec2_usd > b.ec2_usd);
    // The API's latency percentiles are its own, not the platform's.
    let al = &s.functions[0].lmi.as_ref().unwrap().latency;
    assert!(al.p50_ms.unwrap() <= al.p90_ms.unwrap() && al.p90_ms.unwrap() <= al.p99_ms.unwrap());
}

#[test]
fn other_seeds_add_up_too() {
    // Rounding remainders land differently with other bills.
    for seed in [1u64, 2, 3] {
        let t = checkout("10m").replace("seed = 15", &format!("seed = {seed}"));
        let s = summary_of(&t, Platforms::Both);
        assert_eq!(s.seed, seed);
        assert_adds_up(&s);
    }
}

#[test]
fn default_lambda_alone_bills_each_function_its_own_usage() {
    let s = summary_of(&checkout("20m"), Platforms::Default);
    assert!(s.lmi.is_none());
    assert!(s.functions.iter().all(|f| f.lmi_cost.is_none()));
    assert_adds_up(&s);
    // Requests are each function's own invocations at $0.20 per million
    // (no free tier): the split by invocations is exact up to a cent.
    for f in &s.functions {
        let c = f.default_cost.as_ref().unwrap();
        let own = f.default.as_ref().unwrap().invocations as f64 * 0.20 / 1e6;
        assert!(
            (c.requests_usd - own).abs() <= 0.01,
            "{}: {c:?} vs {own}",
            f.name
        );
        assert!(c.duration_usd > 0.0);
    }
}

/// Two functions with fixed fleets on one provider: `big` holds two 2-vCPU
/// EEs, `small` two 1-vCPU EEs, all Ready from t = 0 to the horizon (warm
/// start, Min = Max EEs, no scaling, no rotation within the hour), so `big`
/// holds 4 vCPU-h and `small` 2 vCPU-h: `big` pays twice the EC2 and fee.
const FIXED: &str = r#"
name = "fixed-fleets"
seed = 3
horizon = "1h"
report_interval = "5m"
[capacity_provider.InstanceRequirements]
Architectures = ["arm64"]
AllowedInstanceTypes = ["m7g.xlarge"]
[pricing]
discount = "on_demand"
[[functions]]
name = "big"
Runtime = "python3.13"
MemorySize = 4096
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 2
MaxExecutionEnvironments = 2
[functions.work]
cpu = "5ms"
io = "10ms"
[functions.traffic]
shape = "constant"
rate = 2
[[functions]]
name = "small"
Runtime = "python3.13"
MemorySize = 2048
ExecutionEnvironmentMemoryGiBPerVCpu = 2
MinExecutionEnvironments = 2
MaxExecutionEnvironments = 2
[functions.work]
cpu = "5ms"
io = "10ms"
[functions.traffic]
shape = "constant"
rate = 2
"#;

#[test]
fn twice_the_ee_vcpu_time_pays_twice_the_ec2_share() {
    let s = summary_of(FIXED, Platforms::Lmi);
    assert_adds_up(&s);
    let l = s.lmi.as_ref().unwrap();
    let big = s.functions[0].lmi_cost.as_ref().unwrap();
    let small = s.functions[1].lmi_cost.as_ref().unwrap();
    // By hand: 2 EEs × 2 vCPUs × 1 h and 2 EEs × 1 vCPU × 1 h.
    assert_eq!(big.ee_vcpu_hours, 4.0, "seed {}", s.seed);
    assert_eq!(small.ee_vcpu_hours, 2.0);
    assert_eq!(big.ee_vcpu_share, 2.0 / 3.0);
    assert_eq!(small.ee_vcpu_share, 1.0 / 3.0);
    // The EC2 bill: whole instance-hours of m7g.xlarge at $0.1632 (on demand,
    // no discount); the fee 15% of it.
    let hours: f64 = l.fleet.instance_hours.values().sum();
    assert_eq!(l.fleet.instance_hours.len(), 1);
    assert!(
        (l.cost.ec2_usd - hours * 0.1632).abs() < 1e-9,
        "{:?}",
        l.cost
    );
    let ec2 = cents(l.cost.ec2_usd);
    // Two thirds and one third of the EC2 cents, the remainder to the larger fraction.
    let (b, sm) = (cents(big.ec2_usd), cents(small.ec2_usd));
    assert_eq!(b + sm, ec2);
    assert!((b - 2 * sm).abs() <= 2, "big {b}¢, small {sm}¢ of {ec2}¢");
    assert_eq!(b, (ec2 as f64 * 2.0 / 3.0).round() as i64);
    let (bf, sf) = (
        cents(big.management_fee_usd),
        cents(small.management_fee_usd),
    );
    assert_eq!(bf + sf, cents(l.cost.management_fee_usd));
    assert!((bf - 2 * sf).abs() <= 2, "fee: big {bf}¢, small {sf}¢");
    // Same traffic, so the same requests bill (to a cent).
    assert!((big.requests_usd - small.requests_usd).abs() <= 0.01);
    // The month shows the split at a finer grain. By hand: two m7g.xlarge
    // for the hour (each AZ used holds one EE of each function), $0.1632/h
    // each plus the 15% fee = $0.37536 per hour, $274.0128 per 730-h month;
    // `big` pays 2/3 of it ($182.6752) plus its own requests ($0.20 per
    // million × its invocations × 730), `small` 1/3 ($91.3376) plus its own.
    assert_eq!(hours, 2.0);
    let req_month =
        |f: usize| s.functions[f].lmi.as_ref().unwrap().invocations as f64 * 0.2e-6 * 730.0;
    let want_big = 274.0128 * 2.0 / 3.0 + req_month(0);
    let want_small = 274.0128 / 3.0 + req_month(1);
    assert!(
        (big.monthly_usd - want_big).abs() <= 0.01,
        "{} vs {want_big}",
        big.monthly_usd
    );
    assert!(
        (small.monthly_usd - want_small).abs() <= 0.01,
        "{} vs {want_small}",
        small.monthly_usd
    );
}

// ------------------------------------------------------------------ sweeps

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lmi-sim"))
}

const SWEEP: &str = r#"
name = "two-fn"
seed = 5
platforms = "lmi"
base = "base.toml"
[[axes]]
key = "functions[0].PerExecutionEnvironmentMaxConcurrency"
values = [1, 16]
[goal]
platform = "lmi"
function = "big"
max_throttle_rate = 0.001
"#;

#[test]
fn sweep_has_per_function_columns_and_a_goal_on_one_function() {
    let d = tempfile::tempdir().unwrap();
    // `big` gets 40 req/s of 100 ms I/O: ~4 in flight on 2 EEs; with one slot
    // per EE it throttles, with 16 it does not.
    let base = FIXED
        .replace("horizon = \"1h\"", "horizon = \"10m\"")
        .replacen("rate = 2", "rate = 40", 1)
        .replacen("io = \"10ms\"", "io = \"100ms\"", 1);
    std::fs::write(d.path().join("base.toml"), base).unwrap();
    let f = d.path().join("sweep.toml");
    std::fs::write(&f, SWEEP).unwrap();
    let out = d.path().join("out");
    let o = bin()
        .args([
            "sweep",
            f.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--no-charts",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let csv = std::fs::read_to_string(out.join("two-fn/results.csv")).unwrap();
    let mut lines = csv.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    for col in [
        "fn.big.lmi_throttle_rate_mean",
        "fn.big.lmi_p99_ms_mean",
        "fn.big.lmi_monthly_usd_mean",
        "fn.small.lmi_monthly_usd_ci95",
        "fn.small.default_throttle_rate_mean",
    ] {
        assert!(head.contains(&col), "{col} missing from {head:?}");
    }
    let at = |row: &str, col: &str| -> f64 {
        let i = head.iter().position(|h| *h == col).unwrap();
        row.split(',').nth(i).unwrap().parse().unwrap()
    };
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2);
    // One slot per EE: `big` throttles, `small` (2 req/s) never does.
    assert!(at(rows[0], "fn.big.lmi_throttle_rate_mean") > 0.01, "{csv}");
    assert_eq!(at(rows[0], "fn.small.lmi_throttle_rate_mean"), 0.0);
    assert_eq!(at(rows[1], "fn.big.lmi_throttle_rate_mean"), 0.0);
    // Per-function costs add up to the platform's (6 significant digits).
    for r in &rows {
        let sum = at(r, "fn.big.lmi_monthly_usd_mean") + at(r, "fn.small.lmi_monthly_usd_mean");
        let total = at(r, "lmi_monthly_usd_mean");
        assert!(
            (sum - total).abs() <= 0.01 + total * 1e-5,
            "{sum} vs {total}"
        );
    }
    // The goal names `big`: only point 1 meets it.
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("two-fn/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["functions"], serde_json::json!(["big", "small"]));
    assert_eq!(s["goal"]["function"], "big");
    assert_eq!(s["goal"]["feasible_points"], 1);
    assert_eq!(s["goal"]["pick"]["point"], 1);
    assert_eq!(s["goal"]["pick"]["throttle_rate"], 0.0);

    // Shards merge into the same bytes (the per-function columns are read
    // back and checked against their checksums).
    let sh = d.path().join("shards");
    for k in 0..2 {
        let o = bin()
            .args([
                "sweep",
                f.to_str().unwrap(),
                "--out",
                sh.to_str().unwrap(),
                "--no-charts",
                "-q",
            ])
            .args(["--shard", &format!("{k}/2")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let merged = d.path().join("merged");
    let o = bin()
        .args([
            "sweep-merge",
            "--out",
            merged.to_str().unwrap(),
            "--no-charts",
            "-q",
        ])
        .arg(sh.join("two-fn/shard-0-of-2"))
        .arg(sh.join("two-fn/shard-1-of-2"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(merged.join("two-fn/results.csv")).unwrap(),
        csv
    );
    let ms: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("two-fn/summary.json")).unwrap())
            .unwrap();
    assert_eq!(ms["goal"], s["goal"]);

    // A goal naming no function of the scenario: exit 2, naming the key and the names.
    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        SWEEP.replace("function = \"big\"", "function = \"checkout\""),
    )
    .unwrap();
    let o = bin()
        .args(["sweep", bad.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("goal.function = \"checkout\"") && e.contains("\"big\", \"small\""),
        "{e}"
    );
}
