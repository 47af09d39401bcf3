//! Hand-computed micro-scenarios and statistical checks for default Lambda,
//! and the cost figures of docs/model.md ("Published examples") reproduced by simulation.

use lmi_sim::cost::cents;
use lmi_sim::default_lambda::DefaultLambda;
use lmi_sim::dist::Dist;
use lmi_sim::ids::FunctionId;
use lmi_sim::invocation::{Arrival, ThrottleReason};
use lmi_sim::platform::Platform;
use lmi_sim::report;
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::{SimDuration, SimTime};
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};

const S: u64 = 1_000_000;

fn a(at: u64, cpu: u64, io: u64) -> Arrival {
    Arrival {
        at: SimTime(at),
        function: FunctionId(0),
        cpu: SimDuration(cpu),
        io: SimDuration(io),
        tag: 0,
    }
}

fn zero() -> Dist {
    Dist::Constant(SimDuration::ZERO)
}

fn offer(m: &mut DefaultLambda, x: Arrival) {
    let _ = m.advance_to(x.at);
    let _ = m.arrive(&x);
}

#[test]
fn keep_alive_boundary_is_exact_to_the_microsecond() {
    let mut f = testkit::function("f", zero(), zero(), 0.0);
    f.function_init = zero();
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(3600));
    sc.model.runtime_init = [SimDuration::ZERO; 5];
    let ttl = 600 * S;
    // Warm: the EE went idle at t = 1 s (0-length work), expires at 1 s + TTL.
    let mut m = DefaultLambda::new(&sc);
    offer(&mut m, a(S, 0, 0));
    offer(&mut m, a(S + ttl - 1, 0, 0));
    let r = m.finish(SimTime(3600 * S));
    assert_eq!(
        r.functions[0].cold_starts, 1,
        "1 µs before the TTL ends: warm"
    );
    let mut m = DefaultLambda::new(&sc);
    offer(&mut m, a(S, 0, 0));
    offer(&mut m, a(S + ttl + 1, 0, 0));
    let r = m.finish(SimTime(3600 * S));
    assert_eq!(
        r.functions[0].cold_starts, 2,
        "1 µs after the TTL ends: cold"
    );
}

#[test]
fn scaling_rate_allows_1000_new_environments_per_10_seconds() {
    let mut sc = testkit::scenario(
        &["c6i.2xlarge"],
        vec![testkit::function("f", zero(), zero(), 0.0)],
        SimDuration::from_secs(60),
    );
    sc.default_lambda.account_concurrency = 10_000;
    let mut m = DefaultLambda::new(&sc);
    for _ in 0..5000 {
        offer(&mut m, a(0, 0, S));
    }
    let _ = m.advance_to(SimTime(10 * S - 1));
    let r = m.finish(SimTime(60 * S));
    let f = &r.functions[0];
    assert_eq!(f.cold_starts, 1000);
    let thr = f.ledger.throttles;
    assert_eq!(thr.total(), 4000);
    assert_eq!(
        thr[ThrottleReason::ScalingRate],
        4000,
        "4,000 ScalingRate throttles"
    );
}

#[test]
fn account_concurrency_throttles_with_reason() {
    let sc = testkit::scenario(
        &["c6i.2xlarge"],
        vec![testkit::function("f", zero(), zero(), 0.0)],
        SimDuration::from_secs(60),
    );
    let mut m = DefaultLambda::new(&sc);
    for _ in 0..1200 {
        offer(&mut m, a(0, 0, S));
    }
    let r = m.finish(SimTime(60 * S));
    // 1,000 of account concurrency: the burst of 1,000 is not the binding limit.
    let thr = r.functions[0].ledger.throttles;
    assert_eq!(thr.total(), 200);
    assert_eq!(thr[ThrottleReason::AccountConcurrency], 200);
}

/// One function on default Lambda at `memory_mb`, no init time.
fn at_memory(memory_mb: u32) -> lmi_sim::scenario::Scenario {
    let mut f = testkit::function("f", zero(), zero(), 0.0);
    f.default_lambda.memory_mb = memory_mb;
    f.function_init = zero();
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(60));
    sc.model.runtime_init = [SimDuration::ZERO; 5];
    sc
}

/// The latency of one invocation of `cpu` µs (no I/O) on a fresh platform.
fn one_run(sc: &lmi_sim::scenario::Scenario, cpu: u64) -> u64 {
    let mut m = DefaultLambda::new(sc);
    offer(&mut m, a(0, cpu, 0));
    m.finish(SimTime(60 * S)).functions[0].ledger.latency.max()
}

#[test]
fn cpu_below_1769_mb_is_a_quota_per_20_ms() {
    // 1024 MB: 1024/1769 of 20 ms = 11,577 µs of CPU per period.
    let sc = at_memory(1024);
    // A burst within the quota runs at full speed (a steady share: 17,275 µs).
    assert_eq!(one_run(&sc, 10_000), 10_000);
    assert_eq!(one_run(&sc, 11_577), 11_577);
    // 30 ms: two full quotas (two periods) and 6,846 µs in the third.
    assert_eq!(one_run(&sc, 30_000), 2 * 20_000 + 6_846);
    // Exactly three quotas: the third period is used to its end of quota.
    assert_eq!(one_run(&sc, 3 * 11_577), 2 * 20_000 + 11_577);
    // Long work converges on the steady share: 1 s at 512 MB (5,789 µs per
    // period) is 172 periods + 4,292 µs = 3.444 s, against 3.455 s.
    assert_eq!(one_run(&at_memory(512), S), 172 * 20_000 + 4_292);
    // At 1,769 MB and above: full speed.
    assert_eq!(one_run(&at_memory(1769), 30_000), 30_000);
}

#[test]
fn quota_arithmetic() {
    use lmi_sim::default_lambda::quota_wall_us;
    assert_eq!(quota_wall_us(3_000, 5_000, 20_000), 3_000);
    assert_eq!(quota_wall_us(5_000, 5_000, 20_000), 5_000);
    assert_eq!(quota_wall_us(5_001, 5_000, 20_000), 20_001);
    assert_eq!(quota_wall_us(12_000, 5_000, 20_000), 42_000);
    assert_eq!(quota_wall_us(15_000, 5_000, 20_000), 45_000);
    assert_eq!(quota_wall_us(0, 5_000, 20_000), 0);
}

#[test]
fn cpu_stretches_below_1769_mb_without_a_quota_period() {
    let mut sc = at_memory(512);
    sc.default_lambda.cpu_quota_period = SimDuration::ZERO;
    let mut m = DefaultLambda::new(&sc);
    offer(&mut m, a(0, S, 0));
    let r = m.finish(SimTime(60 * S));
    let expect = (1769.0f64 / 512.0 * 1e6).round() as u64; // 3.455078 s
    assert_eq!(r.functions[0].ledger.latency.max(), expect);
    // IO is not stretched.
    let mut m = DefaultLambda::new(&sc);
    offer(&mut m, a(0, 0, S));
    assert_eq!(
        m.finish(SimTime(60 * S)).functions[0].ledger.latency.max(),
        S
    );
}

#[test]
fn both_platforms_see_identical_arrivals_and_work() {
    let sc = testkit::scenario(
        &["c6i.2xlarge"],
        vec![testkit::function(
            "f",
            Dist::Exponential { mean_us: 20_000.0 },
            Dist::Exponential { mean_us: 80_000.0 },
            50.0,
        )],
        SimDuration::from_secs(1800),
    );
    let r = run(&sc, Platforms::Both).unwrap();
    // Each platform's feed loop checksums what it offered, on its own.
    let (l, d) = (r.lmi.as_ref().unwrap(), r.default.as_ref().unwrap());
    assert_ne!(
        l.offered_checksum, 0xcbf2_9ce4_8422_2325,
        "nothing was offered"
    );
    assert_eq!(l.offered_checksum, d.offered_checksum);
    assert_eq!(l.offered_checksum, r.offered.checksum);
    // And on two threads, where each platform generates the arrivals itself.
    let two = lmi_sim::sim::run_threads(&sc, Platforms::Both, 2).unwrap();
    assert_eq!(
        two.lmi.as_ref().unwrap().offered_checksum,
        l.offered_checksum
    );
    assert_eq!(
        two.default.as_ref().unwrap().offered_checksum,
        d.offered_checksum
    );
    // And alone.
    let alone = run(&sc, Platforms::Lmi).unwrap();
    assert_eq!(
        alone.lmi.as_ref().unwrap().offered_checksum,
        l.offered_checksum
    );
    assert!(alone.default.is_none());
    let alone = run(&sc, Platforms::Default).unwrap();
    assert_eq!(
        alone.default.as_ref().unwrap().offered_checksum,
        d.offered_checksum
    );
    // Every arrival reached each model.
    let n: u64 = r.offered.total.iter().sum();
    assert!(n > 80_000, "{n} arrivals");
    assert_eq!(l.result.functions[0].ledger.arrivals, n);
    assert_eq!(d.result.functions[0].ledger.arrivals, n);
}

#[test]
fn littles_law_holds_for_busy_environments() {
    let seed = 2024;
    let rate = 40.0;
    let mean_io_s = 0.25;
    let mut f = testkit::function(
        "f",
        zero(),
        Dist::Exponential {
            mean_us: mean_io_s * 1e6,
        },
        rate,
    );
    f.function_init = zero();
    let mut sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(6 * 3600));
    sc.model.runtime_init = [SimDuration::ZERO; 5];
    sc.default_lambda.account_concurrency = 100_000;
    sc.seed = seed;
    let r = run(&sc, Platforms::Default).unwrap();
    let d = r.default.unwrap().result;
    let busy_mean = d.functions[0].busy_area / sc.horizon.0 as f64;
    let little = rate * mean_io_s;
    let err = (busy_mean / little - 1.0).abs();
    println!(
        "Little's law: mean busy {busy_mean:.4}, λ·E[S] {little}, error {:.3}% (seed {seed})",
        err * 100.0
    );
    assert!(
        err < 0.02,
        "mean busy {busy_mean:.4} vs λ·E[S] {little} ({:.2}%), seed {seed}",
        err * 100.0
    );
}

/// docs/model.md "Published examples" (a community worked example): 5 M invocations × 0.5 s × 512 MB on x86 = $21.83,
/// and $84.33 at 2 GB. Simulated over 7.3 h (1% of a 730-h month) with
/// evenly spaced arrivals: exactly 50,000 invocations, projected ×100.
#[test]
fn seed_003_figures_reproduce_by_simulation() {
    for (mem, expect) in [(512, 21.83), (2048, 84.33)] {
        let mut f = testkit::function(
            "webhook",
            zero(),
            Dist::Constant(SimDuration::from_millis(500)),
            0.0,
        );
        f.default_lambda.memory_mb = mem;
        // 5 M per 730 h: one every 525.6 ms.
        f.traffic = Traffic::Synthetic {
            shape: RateShape::Constant { rate: 1.0 / 0.5256 },
            process: ArrivalProcess::Uniform,
            rate_multiplier: 1.0,
        };
        let sc = testkit::scenario(&["c6i.2xlarge"], vec![f], SimDuration::from_secs(73 * 360));
        let r = run(&sc, Platforms::Default).unwrap();
        assert_eq!(r.offered.total[0], 50_000);
        let d = r.default().unwrap();
        // The first few requests find no idle EE (each cold start takes
        // 1.09 s): their INIT is billed on top, which the article leaves out.
        assert!(d.functions[0].cold_starts <= 4);
        let c = report::default_cost_of(&sc, d);
        let months = 0.01;
        assert_eq!(
            cents(c.duration_usd / months),
            if mem == 512 { 20.83 } else { 83.33 }
        );
        assert_eq!(cents(c.requests_usd / months), 1.00);
        assert_eq!(
            cents(c.monthly_usd - c.init_usd / months),
            expect,
            "{mem} MB: {c:?}"
        );
        assert!(c.init_usd / months < 0.02);
    }
}
