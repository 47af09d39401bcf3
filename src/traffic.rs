//! Offered traffic: rate shapes and the lazy arrival generators built on them.
//!
//! A generator holds only its next arrival. Poisson arrivals of a time-varying
//! rate are drawn by thinning over short chunks that never straddle a shape
//! breakpoint, so within a chunk the rate is monotone and its bound is the
//! larger endpoint: the acceptance ratio stays high and the process is exact.

use crate::dist::unit_f64;
use crate::request::{Request, RequestStream, TraceError};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime, US_PER_S};
use rand_distr::{Distribution, Exp1};

/// An offered-rate curve [invocations/s] over time since its own start.
#[derive(Clone, Debug, PartialEq)]
pub enum RateShape {
    Constant {
        rate: f64,
    },
    /// Linear from `from` to `to` over `duration`, starting at `start`; flat outside.
    Ramp {
        from: f64,
        to: f64,
        start: SimDuration,
        duration: SimDuration,
    },
    /// `start_rate` doubling every `doubling` from `start` for `duration`; flat outside.
    Exponential {
        start_rate: f64,
        doubling: SimDuration,
        start: SimDuration,
        duration: SimDuration,
    },
    /// `base`, then a linear rise to `peak` over `rise` from `start`, `hold`, and a
    /// linear decay back to `base` over `decay`.
    Spike {
        base: f64,
        peak: f64,
        start: SimDuration,
        rise: SimDuration,
        hold: SimDuration,
        decay: SimDuration,
    },
    /// `mean + amplitude·cos(2π(t − peak_at)/period)`.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period: SimDuration,
        peak_at: SimDuration,
    },
    /// Segments in sequence, each with its own local clock; the last one lasts forever.
    Piecewise(Vec<Segment>),
}

/// One piece of a piecewise shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub duration: SimDuration,
    pub shape: RateShape,
}

/// How arrivals are placed for a given rate.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ArrivalProcess {
    /// Poisson arrivals (default).
    Poisson,
    /// Evenly spaced at 1/rate, first at t = 0: for exact, hand-checkable runs.
    Uniform,
}

/// A function's traffic.
#[derive(Clone, Debug, PartialEq)]
pub enum Traffic {
    Synthetic {
        shape: RateShape,
        process: ArrivalProcess,
        /// Multiplies the whole curve ("what if traffic grows 3×").
        rate_multiplier: f64,
    },
    /// Replayed from a trace file (see `crate::trace`).
    Trace(crate::trace::TraceSpec),
}

impl RequestStream for ArrivalGen {
    fn next_request(&mut self) -> Result<Option<Request>, TraceError> {
        Ok(self.next_arrival().map(|at| Request { at, work: None }))
    }
    fn initial_rate(&self) -> f64 {
        self.rate(0.0)
    }
}

fn us(d: SimDuration) -> f64 {
    d.0 as f64
}

impl RateShape {
    /// Rate at `t` µs since the shape's start [1/s].
    pub fn rate(&self, t: f64) -> f64 {
        match self {
            RateShape::Constant { rate } => *rate,
            RateShape::Ramp {
                from,
                to,
                start,
                duration,
            } => {
                let (s, d) = (us(*start), us(*duration));
                if t <= s {
                    *from
                } else if t >= s + d || d == 0.0 {
                    *to
                } else {
                    from + (to - from) * (t - s) / d
                }
            }
            RateShape::Exponential {
                start_rate,
                doubling,
                start,
                duration,
            } => {
                let x = (t - us(*start)).clamp(0.0, us(*duration));
                start_rate * (x / us(*doubling)).exp2()
            }
            RateShape::Spike {
                base,
                peak,
                start,
                rise,
                hold,
                decay,
            } => {
                let t0 = us(*start);
                let t1 = t0 + us(*rise);
                let t2 = t1 + us(*hold);
                let t3 = t2 + us(*decay);
                if t <= t0 || t >= t3 {
                    *base
                } else if t < t1 {
                    base + (peak - base) * (t - t0) / (t1 - t0)
                } else if t <= t2 {
                    *peak
                } else {
                    peak + (base - peak) * (t - t2) / (t3 - t2)
                }
            }
            RateShape::Diurnal {
                mean,
                amplitude,
                period,
                peak_at,
            } => {
                let phase = std::f64::consts::TAU * (t - us(*peak_at)) / us(*period);
                (mean + amplitude * phase.cos()).max(0.0)
            }
            RateShape::Piecewise(segs) => {
                let mut off = 0.0;
                for (i, s) in segs.iter().enumerate() {
                    let end = off + us(s.duration);
                    if t < end || i + 1 == segs.len() {
                        return s.shape.rate(t - off);
                    }
                    off = end;
                }
                0.0
            }
        }
    }

    /// The first point strictly after `t` where the curve's slope may change
    /// sign or jump (so that between breakpoints it is monotone).
    pub fn next_breakpoint(&self, t: f64) -> Option<f64> {
        let first_after = |pts: &[f64]| pts.iter().copied().find(|&p| p > t);
        match self {
            RateShape::Constant { .. } => None,
            RateShape::Ramp {
                start, duration, ..
            }
            | RateShape::Exponential {
                start, duration, ..
            } => first_after(&[us(*start), us(*start) + us(*duration)]),
            RateShape::Spike {
                start,
                rise,
                hold,
                decay,
                ..
            } => {
                let t0 = us(*start);
                let t1 = t0 + us(*rise);
                let t2 = t1 + us(*hold);
                first_after(&[t0, t1, t2, t2 + us(*decay)])
            }
            RateShape::Diurnal {
                period, peak_at, ..
            } => {
                // Peaks at peak_at + k·P, troughs half a period later.
                let half = us(*period) / 2.0;
                let k = ((t - us(*peak_at)) / half).floor() + 1.0;
                Some(us(*peak_at) + k * half)
            }
            RateShape::Piecewise(segs) => {
                let mut off = 0.0;
                for (i, s) in segs.iter().enumerate() {
                    let end = off + us(s.duration);
                    let last = i + 1 == segs.len();
                    if t < end || last {
                        let inner = s.shape.next_breakpoint(t - off).map(|b| b + off);
                        return match (inner, last) {
                            (Some(b), false) => Some(b.min(end)),
                            (None, false) => Some(end),
                            (b, true) => b,
                        };
                    }
                    off = end;
                }
                None
            }
        }
    }
}

/// Longest thinning chunk [µs]: bounds the rate ratio inside one chunk.
const CHUNK_US: f64 = 5.0 * US_PER_S as f64;

/// Lazily yields the arrival times of one synthetic source.
pub struct ArrivalGen {
    shape: RateShape,
    process: ArrivalProcess,
    mult: f64,
    rng: SimRng,
    /// Current time [µs].
    t: f64,
    chunk_end: f64,
    chunk_max: f64,
    horizon: f64,
    /// For a piecewise shape: each segment's end [µs], summed in order exactly
    /// as [`RateShape::rate`] sums them, so that looking a time up is a binary
    /// search rather than a scan (linear time in the arrivals, whatever the
    /// number of segments) and gives the same numbers.
    ends: Vec<f64>,
}

impl ArrivalGen {
    pub fn new(
        shape: RateShape,
        process: ArrivalProcess,
        mult: f64,
        rng: SimRng,
        horizon: SimTime,
    ) -> Self {
        let mut g = ArrivalGen {
            shape,
            process,
            mult,
            rng,
            t: 0.0,
            chunk_end: 0.0,
            chunk_max: 0.0,
            horizon: horizon.0 as f64,
            ends: Vec::new(),
        };
        if let RateShape::Piecewise(segs) = &g.shape {
            let mut off = 0.0;
            g.ends = segs
                .iter()
                .map(|s| {
                    off += us(s.duration);
                    off
                })
                .collect();
        }
        g.open_chunk();
        g
    }

    /// For a piecewise shape: the segment `t` falls in and its start [µs]
    /// (the first segment ending after `t`; the last one lasts forever).
    fn segment(&self, t: f64) -> Option<(usize, f64, &RateShape)> {
        let RateShape::Piecewise(segs) = &self.shape else {
            return None;
        };
        if segs.is_empty() {
            return None;
        }
        let i = self.ends.partition_point(|&e| e <= t).min(segs.len() - 1);
        let off = if i == 0 { 0.0 } else { self.ends[i - 1] };
        Some((i, off, &segs[i].shape))
    }

    fn shape_rate(&self, t: f64) -> f64 {
        match self.segment(t) {
            Some((_, off, s)) => s.rate(t - off),
            None => self.shape.rate(t),
        }
    }

    /// [`RateShape::next_breakpoint`] of the shape, in logarithmic time for a
    /// piecewise one.
    fn next_breakpoint(&self, t: f64) -> Option<f64> {
        match self.segment(t) {
            Some((i, off, s)) => {
                let inner = s.next_breakpoint(t - off).map(|b| b + off);
                if i + 1 == self.ends.len() {
                    inner
                } else {
                    let end = self.ends[i];
                    Some(inner.map_or(end, |b| b.min(end)))
                }
            }
            None => self.shape.next_breakpoint(t),
        }
    }

    fn rate(&self, t: f64) -> f64 {
        self.shape_rate(t) * self.mult
    }

    fn open_chunk(&mut self) {
        let mut end = self.t + CHUNK_US;
        if let Some(b) = self.next_breakpoint(self.t) {
            end = end.min(b);
        }
        self.chunk_end = end;
        self.chunk_max = self.rate(self.t).max(self.rate(end));
    }

    /// The next arrival before the horizon, or `None`.
    pub fn next_arrival(&mut self) -> Option<SimTime> {
        match self.process {
            ArrivalProcess::Poisson => self.next_poisson(),
            ArrivalProcess::Uniform => self.next_uniform(),
        }
    }

    fn next_poisson(&mut self) -> Option<SimTime> {
        loop {
            if self.t >= self.horizon {
                return None;
            }
            if self.chunk_max <= 0.0 {
                self.t = self.chunk_end;
                self.open_chunk();
                continue;
            }
            let e: f64 = Exp1.sample(&mut self.rng);
            let cand = self.t + e * US_PER_S as f64 / self.chunk_max;
            if cand >= self.chunk_end {
                // Memoryless: restart from the chunk end with the next bound.
                self.t = self.chunk_end;
                self.open_chunk();
                continue;
            }
            self.t = cand;
            let r = self.rate(cand);
            if r >= self.chunk_max || unit_f64(&mut self.rng) * self.chunk_max < r {
                if cand >= self.horizon {
                    return None;
                }
                return Some(SimTime(cand as u64));
            }
        }
    }

    fn next_uniform(&mut self) -> Option<SimTime> {
        loop {
            if self.t >= self.horizon {
                return None;
            }
            let r = self.rate(self.t);
            if r <= 0.0 {
                // Skip ahead to where the rate may turn positive.
                self.t = self
                    .next_breakpoint(self.t)
                    .unwrap_or(f64::INFINITY)
                    .min(self.t + CHUNK_US);
                continue;
            }
            let at = self.t;
            // Whole microseconds: no drift over millions of arrivals.
            self.t += (US_PER_S as f64 / r).round().max(1.0);
            return Some(SimTime(at as u64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::stream;

    fn count(shape: RateShape, horizon_s: u64, seed: u64) -> u64 {
        let mut g = ArrivalGen::new(
            shape,
            ArrivalProcess::Poisson,
            1.0,
            stream(seed, "arrivals", 0),
            SimTime(horizon_s * US_PER_S),
        );
        let mut n = 0;
        let mut last = SimTime(0);
        while let Some(t) = g.next_arrival() {
            assert!(t >= last);
            last = t;
            n += 1;
        }
        n
    }

    /// The segment index of a piecewise shape gives the same rates and
    /// breakpoints as the shape's own scan, and makes the cost per arrival
    /// independent of the number of segments.
    #[test]
    fn piecewise_index_matches_the_scan() {
        let mut segs = Vec::new();
        for i in 0..60u64 {
            let shape = match i % 4 {
                0 => RateShape::Constant { rate: i as f64 },
                1 => RateShape::Ramp {
                    from: 1.0,
                    to: 9.0,
                    start: SimDuration::from_secs(1),
                    duration: SimDuration::from_secs(3),
                },
                2 => RateShape::Constant { rate: 0.0 },
                _ => RateShape::Spike {
                    base: 1.0,
                    peak: 5.0,
                    start: SimDuration::ZERO,
                    rise: SimDuration::from_secs(1),
                    hold: SimDuration::from_secs(1),
                    decay: SimDuration::from_secs(1),
                },
            };
            // Some zero-length segments on purpose.
            let duration = SimDuration::from_secs(if i % 7 == 3 { 0 } else { 1 + i % 5 });
            segs.push(Segment { duration, shape });
        }
        let shape = RateShape::Piecewise(segs);
        let g = ArrivalGen::new(
            shape.clone(),
            ArrivalProcess::Poisson,
            1.0,
            stream(1, "arrivals", 0),
            SimTime(400 * US_PER_S),
        );
        let mut t = 0.0;
        while t < 400e6 {
            assert_eq!(g.shape_rate(t), shape.rate(t), "t = {t}");
            assert_eq!(g.next_breakpoint(t), shape.next_breakpoint(t), "t = {t}");
            t += 123_457.0;
        }
        for b in [0.0, 1e6, 2e6, 3e6] {
            assert_eq!(g.shape_rate(b), shape.rate(b), "t = {b}");
            assert_eq!(g.next_breakpoint(b), shape.next_breakpoint(b), "t = {b}");
        }
    }

    #[test]
    fn many_piecewise_segments_cost_little() {
        // 100,000 one-second segments at 0.01/s: about 1,000 arrivals. With a
        // scan per rate lookup this took tens of seconds.
        let segs: Vec<Segment> = (0..100_000)
            .map(|_| Segment {
                duration: SimDuration::from_secs(1),
                shape: RateShape::Constant { rate: 0.01 },
            })
            .collect();
        let t0 = std::time::Instant::now();
        let n = count(RateShape::Piecewise(segs), 100_000, 5);
        let s = t0.elapsed().as_secs_f64();
        assert!((700..1300).contains(&n), "n = {n} (seed 5)");
        assert!(s < 5.0, "{s:.2} s for 100,000 segments");
    }

    #[test]
    fn poisson_constant_rate_count() {
        let n = count(RateShape::Constant { rate: 100.0 }, 1000, 11) as f64;
        // 100k expected, sd 316: 4 sd.
        assert!((n - 100_000.0).abs() < 1300.0, "n = {n} (seed 11)");
    }

    #[test]
    fn spike_integral_matches() {
        let s = RateShape::Spike {
            base: 10.0,
            peak: 110.0,
            start: SimDuration::from_secs(100),
            rise: SimDuration::from_secs(100),
            hold: SimDuration::from_secs(100),
            decay: SimDuration::from_secs(100),
        };
        // ∫ = 10·500 + 100·(50 + 100 + 50) = 25_000 over 500 s.
        let n = count(s, 500, 12) as f64;
        assert!((n - 25_000.0).abs() < 650.0, "n = {n} (seed 12)");
    }

    #[test]
    fn exponential_and_piecewise_rates() {
        let e = RateShape::Exponential {
            start_rate: 10.0,
            doubling: SimDuration::from_secs(60),
            start: SimDuration::ZERO,
            duration: SimDuration::from_secs(300),
        };
        assert!((e.rate(60e6) - 20.0).abs() < 1e-9);
        assert!((e.rate(1e9) - 320.0).abs() < 1e-9);
        let p = RateShape::Piecewise(vec![
            Segment {
                duration: SimDuration::from_secs(10),
                shape: RateShape::Constant { rate: 1.0 },
            },
            Segment {
                duration: SimDuration::from_secs(10),
                shape: RateShape::Constant { rate: 3.0 },
            },
        ]);
        assert_eq!(p.rate(5e6), 1.0);
        assert_eq!(p.rate(15e6), 3.0);
        assert_eq!(p.rate(1e9), 3.0);
        assert_eq!(p.next_breakpoint(0.0), Some(10e6));
    }

    #[test]
    fn uniform_process_is_evenly_spaced() {
        let mut g = ArrivalGen::new(
            RateShape::Constant { rate: 2.0 },
            ArrivalProcess::Uniform,
            1.0,
            stream(1, "arrivals", 0),
            SimTime(10 * US_PER_S),
        );
        let v: Vec<u64> = std::iter::from_fn(|| g.next_arrival())
            .map(|t| t.0)
            .collect();
        assert_eq!(v.len(), 20);
        assert_eq!(v[1] - v[0], 500_000);
    }
}
