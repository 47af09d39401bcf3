//! Invariants on random scenarios (instances and EEs rotated at random
//! lifetimes): conservation of invocations, `MaxVCpuCount` never exceeded, EE
//! counts within [min, max] once launched, and determinism.

use lmi_sim::dist::Dist;
use lmi_sim::report;
use lmi_sim::scenario::{ScalingChange, Scenario};
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::{SimDuration, SimTime};
use lmi_sim::traffic::{ArrivalProcess, RateShape, Traffic};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Params {
    seed: u64,
    base: f64,
    peak: f64,
    cpu_ms: u64,
    io_ms: u64,
    memory_gib: u32,
    slots: u32,
    min: u32,
    max: u32,
    max_vcpu: u32,
    azs: u32,
    lifetime_min: u64,
    ee_lifetime_min: u64,
    deactivate_at_min: Option<u64>,
}

fn params() -> impl Strategy<Value = Params> {
    (
        (
            any::<u64>(),
            1.0..200.0f64,
            1.0..1500.0f64,
            0..80u64,
            0..400u64,
        ),
        prop::sample::select(vec![2u32, 4, 8]),
        1..64u32,
        1..6u32,
        6..60u32,
        16..300u32,
        1..4u32,
        20..200u64,
        10..120u64,
        prop::option::of(10..50u64),
    )
        .prop_map(
            |(
                (seed, base, peak, cpu_ms, io_ms),
                memory_gib,
                slots,
                min,
                max,
                max_vcpu,
                azs,
                lifetime_min,
                ee_lifetime_min,
                deactivate_at_min,
            )| Params {
                seed,
                base,
                peak,
                cpu_ms,
                io_ms,
                memory_gib,
                slots,
                min,
                max,
                max_vcpu,
                azs,
                lifetime_min,
                ee_lifetime_min,
                deactivate_at_min,
            },
        )
}

fn build(p: &Params) -> Scenario {
    let mut f = testkit::function(
        "f",
        Dist::Exponential {
            mean_us: p.cpu_ms as f64 * 1000.0,
        },
        Dist::Exponential {
            mean_us: p.io_ms as f64 * 1000.0,
        },
        p.base,
    );
    f.memory_mb = p.memory_gib * 1024;
    f.gib_per_vcpu = 2;
    let vcpus = (p.memory_gib / 2).max(1);
    f.max_concurrency = p.slots.min(64 * vcpus);
    f.min_ees = p.min;
    f.max_ees = p.max;
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Spike {
            base: p.base,
            peak: p.peak,
            start: SimDuration::from_secs(600),
            rise: SimDuration::from_secs(60),
            hold: SimDuration::from_secs(600),
            decay: SimDuration::from_secs(300),
        },
        process: ArrivalProcess::Poisson,
        rate_multiplier: 1.0,
    };
    let mut sc = testkit::scenario(
        &["c7i.xlarge", "c7i.2xlarge", "c7i.4xlarge"],
        vec![f],
        SimDuration::from_secs(3600),
    );
    sc.seed = p.seed;
    sc.provider.max_vcpu = p.max_vcpu.max(16);
    sc.provider.availability_zones = p.azs;
    sc.model.max_instance_lifetime = SimDuration::from_secs(p.lifetime_min * 60);
    sc.model.max_ee_lifetime = SimDuration::from_secs(p.ee_lifetime_min * 60);
    if let Some(m) = p.deactivate_at_min {
        sc.schedule.push(ScalingChange {
            at: SimTime(m * 60_000_000),
            function: 0,
            min_ees: 0,
            max_ees: 0,
        });
        sc.schedule.push(ScalingChange {
            at: SimTime((m + 5) * 60_000_000),
            function: 0,
            min_ees: 1,
            max_ees: p.max,
        });
    }
    sc
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn invocations_are_conserved_and_limits_hold(p in params()) {
        let sc = build(&p);
        let r = run(&sc, Platforms::Both).unwrap();
        let l = r.lmi().unwrap();
        let d = r.default().unwrap();
        let lf = &l.functions[0].ledger;
        let df = &d.functions[0];
        prop_assert_eq!(lf.arrivals, r.offered.total[0]);
        prop_assert_eq!(
            lf.arrivals,
            lf.served + lf.throttles.total() + l.in_flight_at_end[0] as u64,
            "LMI conservation, seed {}", p.seed
        );
        prop_assert_eq!(
            df.ledger.arrivals,
            df.ledger.served + df.ledger.throttles.total() + d.in_flight_at_end[0] as u64,
            "default conservation, seed {}", p.seed
        );
        prop_assert!(l.provider.peak_vcpus <= sc.provider.max_vcpu, "MaxVCpuCount exceeded, seed {}", p.seed);
        for row in l.provider_rows.iter() {
            prop_assert!(row.vcpus <= sc.provider.max_vcpu);
        }
        // Once the fleet is up (after the first minutes), Ready EEs stay within
        // [min, max] unless the function is deactivated or capacity was refused.
        let refused = l.provider.launches_refused > 0;
        for (k, row) in l.rows[0].iter().enumerate() {
            let t_min = k as u64 + 1;
            let deact = p.deactivate_at_min.is_some_and(|m| t_min > m && t_min <= m + 8);
            prop_assert!(row.ees_ready <= p.max.max(p.min),
                "Ready EEs above max at minute {}, seed {}", t_min, p.seed);
            // The reactivation sets min to 1.
            let min = if p.deactivate_at_min.is_some_and(|m| t_min > m) { 1 } else { p.min.min(p.max) };
            if !deact && !refused && t_min >= 3 {
                prop_assert!(row.ees_ready + row.ees_initializing >= min,
                    "EEs below min at minute {}: {:?}, seed {}", t_min, row, p.seed);
            }
        }
        // Cost never decreases over time: per-interval costs are non-negative.
        for row in l.provider_rows.iter() {
            prop_assert!(row.ec2_usd >= 0.0 && row.fee_usd >= 0.0);
        }
    }
}

#[test]
fn same_seed_gives_byte_identical_outputs() {
    let p = Params {
        seed: 99,
        base: 80.0,
        peak: 900.0,
        cpu_ms: 30,
        io_ms: 100,
        memory_gib: 4,
        slots: 32,
        min: 3,
        max: 50,
        max_vcpu: 200,
        azs: 3,
        lifetime_min: 30,
        ee_lifetime_min: 20,
        deactivate_at_min: None,
    };
    let sc = build(&p);
    let out = || {
        let r = run(&sc, Platforms::Both).unwrap();
        let s = report::summarize(&sc, &r, Platforms::Both);
        (
            report::summary_json(&s),
            report::timeseries_csv(&sc, &r, &s),
            report::decisions_csv(r.lmi()),
        )
    };
    let a = out();
    let b = out();
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
    // Two threads (one per platform) give the same bytes.
    let r2 = lmi_sim::sim::run_threads(&sc, Platforms::Both, 2).unwrap();
    let s2 = report::summarize(&sc, &r2, Platforms::Both);
    assert_eq!(
        report::summary_json(&s2),
        a.0,
        "summary differs on two threads"
    );
    assert_eq!(
        report::timeseries_csv(&sc, &r2, &s2),
        a.1,
        "timeseries differs on two threads"
    );
    assert_eq!(report::decisions_csv(r2.lmi()), a.2);
    // A different seed changes the run.
    let mut sc2 = sc.clone();
    sc2.seed = 100;
    let r2 = run(&sc2, Platforms::Both).unwrap();
    assert_ne!(
        report::summary_json(&report::summarize(&sc2, &r2, Platforms::Both)),
        a.0
    );
}
