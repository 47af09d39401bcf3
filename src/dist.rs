//! Distributions of durations (work sizes, init times, launch delays, TTLs).
//!
//! Values are held in microseconds; `sample` returns whole microseconds. A
//! distribution is validated when the scenario is built, so sampling never fails.

use crate::time::SimDuration;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};

/// z-score of the 99th percentile of the standard normal.
pub const Z99: f64 = 2.326_347_874_040_841;

/// A distribution of non-negative durations.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Always the same value.
    Constant(SimDuration),
    /// Exponential with the given mean [µs].
    Exponential { mean_us: f64 },
    /// Lognormal: ln(X) ~ N(mu, sigma²), X in µs. Built from median and p99.
    LogNormal { mu: f64, sigma: f64 },
    /// Uniform on [lo, hi] [µs].
    Uniform { lo_us: f64, hi_us: f64 },
    /// Piecewise-linear inverse CDF through (quantile in [0,1], value in µs)
    /// points, sorted by quantile, first at 0 and last at 1.
    Empirical { points: Vec<(f64, f64)> },
}

impl Dist {
    /// Lognormal from its median and 99th percentile (p99 ≥ median > 0).
    pub fn lognormal_from_median_p99(median: SimDuration, p99: SimDuration) -> Dist {
        let m = median.0.max(1) as f64;
        let p = (p99.0 as f64).max(m);
        Dist::LogNormal {
            mu: m.ln(),
            sigma: (p / m).ln() / Z99,
        }
    }

    /// Draws one value.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        let us = match self {
            Dist::Constant(d) => return *d,
            Dist::Exponential { mean_us } => {
                let e: f64 = Exp1.sample(rng);
                e * mean_us
            }
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Uniform { lo_us, hi_us } => {
                let u = unit_f64(rng);
                lo_us + (hi_us - lo_us) * u
            }
            Dist::Empirical { points } => {
                let u = unit_f64(rng);
                interpolate(points, u)
            }
        };
        // `x + 0.5` truncated: round-half-up without a libm call.
        SimDuration((us.max(0.0) + 0.5) as u64)
    }

    /// The mean [µs] (exact for all but the empirical table, where it is the
    /// mean of the piecewise-linear inverse CDF).
    pub fn mean_us(&self) -> f64 {
        match self {
            Dist::Constant(d) => d.0 as f64,
            Dist::Exponential { mean_us } => *mean_us,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Uniform { lo_us, hi_us } => (lo_us + hi_us) / 2.0,
            Dist::Empirical { points } => points
                .windows(2)
                .map(|w| (w[1].0 - w[0].0) * (w[0].1 + w[1].1) / 2.0)
                .sum(),
        }
    }

    /// True when every sample is zero (lets the engine skip a phase).
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Constant(d) if d.0 == 0)
    }
}

/// A uniform float in [0, 1) from 53 random bits: portable and exact.
pub fn unit_f64<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

fn interpolate(points: &[(f64, f64)], u: f64) -> f64 {
    // Points are few (a percentile table); a linear walk is fastest.
    for w in points.windows(2) {
        let (q0, v0) = w[0];
        let (q1, v1) = w[1];
        if u <= q1 {
            if q1 <= q0 {
                return v1;
            }
            return v0 + (v1 - v0) * (u - q0) / (q1 - q0);
        }
    }
    points.last().map(|p| p.1).unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    #[test]
    fn lognormal_hits_median_and_p99() {
        let d = Dist::lognormal_from_median_p99(SimDuration(100_000), SimDuration(1_000_000));
        let mut rng = stream(3, "test", 0);
        let mut v: Vec<u64> = (0..200_000).map(|_| d.sample(&mut rng).0).collect();
        v.sort_unstable();
        let med = v[v.len() / 2] as f64;
        let p99 = v[v.len() * 99 / 100] as f64;
        assert!(
            (med / 100_000.0 - 1.0).abs() < 0.02,
            "median {med} (seed 3)"
        );
        assert!((p99 / 1_000_000.0 - 1.0).abs() < 0.05, "p99 {p99} (seed 3)");
    }

    #[test]
    fn empirical_interpolates_percentiles() {
        let d = Dist::Empirical {
            points: vec![(0.0, 10.0), (0.5, 20.0), (1.0, 100.0)],
        };
        assert_eq!(
            interpolate(
                match &d {
                    Dist::Empirical { points } => points,
                    _ => unreachable!(),
                },
                0.25
            ),
            15.0
        );
        assert!((d.mean_us() - (0.5 * 15.0 + 0.5 * 60.0)).abs() < 1e-9);
        let mut rng = stream(1, "test", 0);
        for _ in 0..1000 {
            let s = d.sample(&mut rng).0;
            assert!((10..=100).contains(&s));
        }
    }

    #[test]
    fn exponential_mean() {
        let d = Dist::Exponential { mean_us: 50_000.0 };
        let mut rng = stream(5, "test", 0);
        let n = 200_000;
        let sum: u64 = (0..n).map(|_| d.sample(&mut rng).0).sum();
        let mean = sum as f64 / n as f64;
        assert!((mean / 50_000.0 - 1.0).abs() < 0.01, "mean {mean} (seed 5)");
    }
}
