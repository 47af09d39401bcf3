//! The doubling rule on the two fleets the calibration issue names, from a warm
//! steady state at the Auto target (docs/model.md, "Doubling rule"):
//! - I/O-bound Node.js: 1,000 req/s, 1-vCPU EEs with 64 slots (about 26 EEs);
//! - CPU-heavy Python: 220 req/s, 2-vCPU EEs with 16 slots (about 29 EEs).
//!
//! Asserted here (the calibration issue's acceptance): a step to 2× and a ramp
//! doubling every 5 minutes (to 4×) throttle < 0.1% of the next 30 minutes; a
//! ramp doubling every 2 minutes to 8× and a step to 4× throttle ≥ 1%, and
//! their throttles end within 15 minutes after the growth stops. Each case
//! prints its figures and seed.

use lmi_sim::dist::Dist;
use lmi_sim::scenario::{Runtime, Scenario};
use lmi_sim::sim::{Platforms, run};
use lmi_sim::testkit;
use lmi_sim::time::SimDuration;
use lmi_sim::traffic::{ArrivalProcess, RateShape, Segment, Traffic};

const WARMUP_MIN: u64 = 30;

#[derive(Clone, Copy, Debug)]
enum Fleet {
    NodeIo,
    PythonCpu,
}

impl Fleet {
    fn base(self) -> f64 {
        match self {
            Fleet::NodeIo => 1000.0,
            Fleet::PythonCpu => 220.0,
        }
    }
}

/// `after` (minutes long) follows 30 minutes at the fleet's base rate.
fn scenario(fleet: Fleet, after: RateShape, minutes_after: u64, seed: u64) -> Scenario {
    let ms = SimDuration::from_millis;
    let (cpu, io) = match fleet {
        // 13 ms of CPU per request: 13 vCPUs at 1,000 req/s, 26 EEs at 50%.
        Fleet::NodeIo => (
            Dist::lognormal_from_median_p99(ms(11), ms(40)),
            Dist::lognormal_from_median_p99(ms(80), ms(400)),
        ),
        // 132 ms: 29 vCPUs at 220 req/s, 29 two-vCPU EEs at 50%.
        Fleet::PythonCpu => (
            Dist::lognormal_from_median_p99(ms(110), ms(400)),
            Dist::lognormal_from_median_p99(ms(40), ms(200)),
        ),
    };
    let mut f = testkit::function("api", cpu, io, fleet.base());
    match fleet {
        Fleet::NodeIo => {
            f.runtime = Runtime::Nodejs;
            f.memory_mb = 2048;
            f.max_concurrency = 64;
        }
        Fleet::PythonCpu => {
            f.memory_mb = 4096;
            f.max_concurrency = 16;
        }
    }
    f.traffic = Traffic::Synthetic {
        shape: RateShape::Piecewise(vec![
            Segment {
                duration: SimDuration::from_secs(WARMUP_MIN * 60),
                shape: RateShape::Constant { rate: fleet.base() },
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
        SimDuration::from_secs((WARMUP_MIN + minutes_after) * 60),
    );
    sc.provider.max_vcpu = 4000;
    sc.seed = seed;
    sc
}

/// Per minute from the end of the warm-up: (throttles, arrivals), and the
/// Ready EEs at the end of the warm-up.
fn per_minute(sc: &Scenario) -> (Vec<(u64, u64)>, u32) {
    let r = run(sc, Platforms::Lmi).unwrap();
    let l = r.lmi.unwrap().result;
    let rows = l.rows[0].to_vec();
    let w = WARMUP_MIN as usize;
    let out = rows[w..]
        .iter()
        .zip(&r.offered.per_interval[0][w..])
        .map(|(x, &a)| (x.figures.throttles.total(), a))
        .collect();
    (out, rows[w - 1].ees_ready)
}

fn rate(m: &[(u64, u64)]) -> f64 {
    let (t, a) = m.iter().fold((0, 0), |(t, a), x| (t + x.0, a + x.1));
    t as f64 / a.max(1) as f64
}

/// The last minute with a throttle, or None.
fn last_throttle(m: &[(u64, u64)]) -> Option<usize> {
    m.iter().rposition(|x| x.0 > 0)
}

fn step(fleet: Fleet, mult: f64) -> RateShape {
    RateShape::Constant {
        rate: mult * fleet.base(),
    }
}

fn ramp(fleet: Fleet, doubling_min: u64, to: f64) -> (RateShape, u64) {
    let growth_min = (to.log2() * doubling_min as f64).round() as u64;
    (
        RateShape::Piecewise(vec![
            Segment {
                duration: SimDuration::from_secs(growth_min * 60),
                shape: RateShape::Exponential {
                    start_rate: fleet.base(),
                    doubling: SimDuration::from_secs(doubling_min * 60),
                    start: SimDuration::ZERO,
                    duration: SimDuration::from_secs(growth_min * 60),
                },
            },
            Segment {
                duration: SimDuration::from_secs(30 * 60),
                shape: RateShape::Constant {
                    rate: to * fleet.base(),
                },
            },
        ]),
        growth_min,
    )
}

const FLEETS: [Fleet; 2] = [Fleet::NodeIo, Fleet::PythonCpu];

#[test]
fn slow_growth_barely_throttles_on_both_fleets() {
    for fleet in FLEETS {
        let seed = 11;
        // A ramp doubling every 5 minutes to 4×, then 30 minutes at 4×.
        let (shape, growth) = ramp(fleet, 5, 4.0);
        let (m, ees) = per_minute(&scenario(fleet, shape, growth + 30, seed));
        let r = rate(&m[..30]);
        println!(
            "{fleet:?} ({ees} EEs): ramp x2/5 min: {:.4}% of the next 30 min (seed {seed})",
            r * 100.0
        );
        assert!(
            r < 0.001,
            "{fleet:?} ramp x2/5 min: {:.4}%, seed {seed}",
            r * 100.0
        );
    }
}

#[test]
fn a_step_to_2x_barely_throttles_on_both_fleets() {
    for fleet in FLEETS {
        let seed = 13;
        let (m, ees) = per_minute(&scenario(fleet, step(fleet, 2.0), 30, seed));
        let r = rate(&m);
        println!(
            "{fleet:?} ({ees} EEs): step to 2x: {:.4}% of the next 30 min (seed {seed})",
            r * 100.0
        );
        assert!(
            r < 0.001,
            "{fleet:?} 2x step: {:.4}%, seed {seed}",
            r * 100.0
        );
    }
}

#[test]
fn a_ramp_doubling_every_2_minutes_to_8x_throttles_then_clears_on_both_fleets() {
    for fleet in FLEETS {
        let seed = 14;
        let (shape, growth) = ramp(fleet, 2, 8.0);
        let (m, ees) = per_minute(&scenario(fleet, shape, growth + 30, seed));
        let r = rate(&m);
        let last = last_throttle(&m);
        println!(
            "{fleet:?} ({ees} EEs): ramp x2/2 min to 8x: {:.3}%, growth ends at minute {growth}, last throttle at minute {last:?} (seed {seed})",
            r * 100.0
        );
        assert!(
            r >= 0.01,
            "{fleet:?} ramp x2/2 min: {:.4}%, seed {seed}",
            r * 100.0
        );
        assert!(
            last.is_none_or(|l| l < growth as usize + 15),
            "{fleet:?} ramp x2/2 min: throttles at minute {last:?}, seed {seed}"
        );
    }
}

#[test]
fn a_step_to_4x_throttles_then_clears_on_both_fleets() {
    for fleet in FLEETS {
        let seed = 12;
        let (m, ees) = per_minute(&scenario(fleet, step(fleet, 4.0), 30, seed));
        let r = rate(&m);
        let last = last_throttle(&m);
        println!(
            "{fleet:?} ({ees} EEs): step to 4x: {:.3}%, last throttle at minute {last:?} (seed {seed})",
            r * 100.0
        );
        assert!(
            r >= 0.01,
            "{fleet:?} 4x step: {:.4}%, seed {seed}",
            r * 100.0
        );
        assert!(
            last.is_none_or(|l| l < 15),
            "{fleet:?} 4x step: throttles at minute {last:?}, seed {seed}"
        );
    }
}
