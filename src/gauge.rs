//! Time-integrated gauges: a current value and its integral over time, updated
//! in O(1) whenever the value changes. The scaler's signals and the per-interval
//! utilisation figures are differences of these integrals.

use crate::time::SimTime;

/// A piecewise-constant quantity and its running integral [value·µs].
#[derive(Clone, Copy, Debug, Default)]
pub struct Gauge {
    value: f64,
    area: f64,
    last: u64,
}

impl Gauge {
    #[inline]
    fn settle(&mut self, now: SimTime) {
        if now.0 > self.last {
            // Via i64: a signed conversion is one instruction (µs < 2^63).
            self.area += self.value * (now.0 - self.last) as i64 as f64;
            self.last = now.0;
        }
    }
    /// Adds `delta` to the value from `now` on.
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: f64) {
        self.settle(now);
        self.value += delta;
        // Fractional values (prices) that cancel out leave float residue
        // (1e-17): snap it to zero so an empty fleet costs exactly nothing.
        if self.value.abs() < 1e-9 {
            self.value = 0.0;
        }
    }
    /// Adds a whole-number `delta` to a gauge that only ever holds whole
    /// numbers (counts): such a value is exact, so there is no residue to snap.
    #[inline]
    pub fn add_count(&mut self, now: SimTime, delta: f64) {
        debug_assert!(delta.fract() == 0.0 && self.value.fract() == 0.0);
        self.settle(now);
        self.value += delta;
    }
    /// Current value.
    #[inline]
    pub fn value(&self) -> f64 {
        self.value
    }
    /// Integral from the start up to `now`.
    #[inline]
    pub fn area_at(&self, now: SimTime) -> f64 {
        self.area + self.value * now.0.saturating_sub(self.last) as f64
    }
}

/// Reads a gauge's integral over successive windows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Window {
    mark: f64,
}

impl Window {
    /// Integral since the previous call (or the start), and moves the mark to `now`.
    pub fn take(&mut self, g: &Gauge, now: SimTime) -> f64 {
        let a = g.area_at(now);
        let d = a - self.mark;
        self.mark = a;
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_piecewise_constant() {
        let mut g = Gauge::default();
        g.add(SimTime(0), 2.0);
        g.add(SimTime(10), 1.0); // 2 for 10 µs, then 3
        assert_eq!(g.area_at(SimTime(20)), 20.0 + 30.0);
        let mut w = Window::default();
        assert_eq!(w.take(&g, SimTime(10)), 20.0);
        assert_eq!(w.take(&g, SimTime(20)), 30.0);
    }
}
