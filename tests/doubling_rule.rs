//! The five-minute doubling rule must emerge from the default scaler (docs/model.md,
//! "Doubling rule"): from a warm steady state, traffic that doubles in five minutes or
//! slower gives ~no throttles; faster growth throttles, then clears.

use lmi_sim::dist::Dist;
use lmi_sim::scenario::Scenario;
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::{ArrivalProcess, RateShape, Segment, Traffic};

const BASE: f64 = 200.0;
const WARMUP_MIN: usize = 30;

fn scenario(after: RateShape, minutes_after: u64, seed: u64) -> Scenario {
    let mut f = testkit::function(
        "api",
        Dist::lognormal_from_median_p99(
            SimDuration::from_millis(30),
            SimDuration::from_millis(150),
        ),
        Dist::lognormal_from_median_p99(
            SimDuration::from_millis(120),
            SimDuration::from_millis(600),
        ),
        BASE,
    );
    f.memory_mb = 4096; // 2-vCPU EEs, 32 slots (Python default)
    f.max_concurrency = 32;
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Piecewise(vec![
            Segment {
                duration: SimDuration::from_secs(WARMUP_MIN as u64 * 60),
                shape: RateShape::Constant { rate: BASE },
            },
            Segment {
                duration: SimDuration::from_secs(minutes_after * 60),
                shape: after,
            },
        ]),
        process: ArrivalProcess::Poisson,
        rate_multiplier: 1.0,
    };
    let mut sc = testkit::scenario(
        &["c7i.2xlarge", "c7i.4xlarge", "m7i.2xlarge"],
        vec![f],
        SimDuration::from_secs((WARMUP_MIN as u64 + minutes_after) * 60),
    );
    sc.provider.max_vcpu = 2000;
    sc.seed = seed;
    sc
}

/// (throttles, arrivals) of LMI in report intervals [from, to) (minutes).
fn throttled(sc: &Scenario, from: usize, to: usize) -> (u64, u64) {
    let r = run(sc, Platforms::Lmi).unwrap();
    let l = r.lmi.unwrap().result;
    let rows = l.rows[0].to_vec();
    let t: u64 = rows[from..to]
        .iter()
        .map(|x| x.figures.throttles.total())
        .sum();
    let a: u64 = r.offered.per_interval[0][from..to].iter().sum();
    (t, a)
}

fn rate(t: (u64, u64)) -> f64 {
    t.0 as f64 / t.1 as f64
}

#[test]
fn step_to_1_8x_barely_throttles() {
    for seed in [1, 2] {
        let sc = scenario(RateShape::Constant { rate: 1.8 * BASE }, 30, seed);
        let r = throttled(&sc, WARMUP_MIN, WARMUP_MIN + 30);
        println!("1.8x step: {r:?} = {:.4}%", rate(r) * 100.0);
        assert!(rate(r) < 0.001, "1.8x step throttled {r:?} (seed {seed})");
    }
}

#[test]
fn step_to_3x_throttles_then_clears() {
    for seed in [1, 2] {
        let sc = scenario(RateShape::Constant { rate: 3.0 * BASE }, 30, seed);
        let first5 = throttled(&sc, WARMUP_MIN, WARMUP_MIN + 5);
        let after10 = throttled(&sc, WARMUP_MIN + 10, WARMUP_MIN + 30);
        println!("3x step: first 5 min {first5:?}, after 10 min {after10:?}");
        assert!(rate(first5) >= 0.01, "3x step: {first5:?} (seed {seed})");
        assert_eq!(
            after10.0, 0,
            "3x step: throttles remain after 10 min (seed {seed})"
        );
    }
}

#[test]
fn ramp_doubling_every_10_minutes_barely_throttles() {
    for seed in [1, 2] {
        let ramp = RateShape::Exponential {
            start_rate: BASE,
            doubling: SimDuration::from_secs(600),
            start: SimDuration::ZERO,
            duration: SimDuration::from_secs(1800),
        };
        let sc = scenario(ramp, 30, seed);
        let r = throttled(&sc, WARMUP_MIN, WARMUP_MIN + 30);
        println!("ramp x2/10 min: {r:?} = {:.4}%", rate(r) * 100.0);
        assert!(
            rate(r) < 0.001,
            "ramp doubling every 10 min: {r:?} (seed {seed})"
        );
    }
}

#[test]
fn ramp_doubling_every_minute_throttles() {
    for seed in [1, 2] {
        let ramp = RateShape::Exponential {
            start_rate: BASE,
            doubling: SimDuration::from_secs(60),
            start: SimDuration::ZERO,
            duration: SimDuration::from_secs(300),
        };
        let sc = scenario(ramp, 5, seed);
        let r = throttled(&sc, WARMUP_MIN, WARMUP_MIN + 5);
        println!("ramp x2/1 min: {r:?} = {:.4}%", rate(r) * 100.0);
        assert!(
            rate(r) >= 0.01,
            "ramp doubling every 60 s: {r:?} (seed {seed})"
        );
    }
}
