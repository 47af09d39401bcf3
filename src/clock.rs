//! The report clock: how the horizon is cut into report intervals, used alike by
//! the driver (offered counts), the event sources and both platform models
//! (interval rows). Intervals are `[k·Δ, (k+1)·Δ)`; the last one is cut at the
//! horizon and also holds events at the horizon itself.

use crate::time::{SimDuration, SimTime};

/// The report intervals of a run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct ReportClock {
    every: SimDuration,
    horizon: SimTime,
    count: usize,
}

impl ReportClock {
    /// Intervals of `every` (at least 1 µs) over `[0, horizon)`.
    pub fn new(horizon: SimDuration, every: SimDuration) -> Self {
        let every = SimDuration(every.0.max(1));
        ReportClock {
            every,
            horizon: SimTime::ZERO + horizon,
            count: horizon.0.div_ceil(every.0) as usize,
        }
    }

    /// How many intervals the horizon holds.
    #[inline]
    pub fn count(&self) -> usize {
        self.count
    }

    /// The interval length.
    #[inline]
    pub fn every(&self) -> SimDuration {
        self.every
    }

    #[inline]
    pub fn horizon(&self) -> SimTime {
        self.horizon
    }

    /// The interval that holds `t` (times at or after the horizon: the last).
    #[inline]
    pub fn index(&self, t: SimTime) -> usize {
        ((t.0 / self.every.0) as usize).min(self.count.saturating_sub(1))
    }

    /// The interval that a boundary at `t` (> 0) closes.
    #[inline]
    pub fn closed_by(&self, t: SimTime) -> usize {
        ((t.0 - 1) / self.every.0) as usize
    }

    /// `[start, end)` of every interval, in order.
    pub fn bounds(&self) -> Vec<(SimTime, SimTime)> {
        (0..self.count as u64)
            .map(|k| {
                let s = k * self.every.0;
                (SimTime(s), SimTime((s + self.every.0).min(self.horizon.0)))
            })
            .collect()
    }

    /// Whether the last interval ends before a whole `every` (a partial one,
    /// closed at the horizon rather than at a boundary).
    #[inline]
    pub fn last_is_partial(&self) -> bool {
        !self.horizon.0.is_multiple_of(self.every.0)
    }

    /// A cursor at the first boundary.
    pub fn boundaries(&self) -> Boundaries {
        Boundaries {
            next: SimTime::ZERO + self.every,
            every: self.every,
        }
    }
}

/// The next interval boundary a model has to close.
#[derive(Copy, Clone, Debug)]
pub struct Boundaries {
    next: SimTime,
    every: SimDuration,
}

impl Boundaries {
    /// The next boundary to close, if it is at or before `t`.
    #[inline]
    pub fn due(&self, t: SimTime) -> Option<SimTime> {
        (self.next <= t).then_some(self.next)
    }

    /// The next boundary.
    #[inline]
    pub fn next(&self) -> SimTime {
        self.next
    }

    /// Moves past the boundary just closed.
    #[inline]
    pub fn pass(&mut self) {
        self.next += self.every;
    }

    /// Whether events after the last boundary closed remain to be closed at
    /// `horizon` (a last partial interval).
    #[inline]
    pub fn open_at(&self, horizon: SimTime) -> bool {
        horizon.0 > self.next.0 - self.every.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_cover_the_horizon_and_the_last_holds_it() {
        let c = ReportClock::new(SimDuration::from_secs(150), SimDuration::from_secs(60));
        assert_eq!(c.count(), 3);
        assert_eq!(
            c.bounds().last(),
            Some(&(SimTime(120_000_000), SimTime(150_000_000)))
        );
        assert!(c.last_is_partial());
        assert_eq!(c.index(SimTime(59_999_999)), 0);
        assert_eq!(c.index(SimTime(60_000_000)), 1);
        assert_eq!(c.index(SimTime(150_000_000)), 2);
        assert_eq!(c.closed_by(SimTime(60_000_000)), 0);
        let mut b = c.boundaries();
        assert_eq!(b.due(SimTime(59_999_999)), None);
        assert_eq!(b.due(SimTime(60_000_000)), Some(SimTime(60_000_000)));
        b.pass();
        b.pass();
        assert!(b.open_at(SimTime(150_000_000)));
        let whole = ReportClock::new(SimDuration::from_secs(120), SimDuration::from_secs(60));
        assert!(!whole.last_is_partial());
        assert_eq!(whole.count(), 2);
    }
}
