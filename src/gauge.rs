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

/// A whole-number gauge (in-flight invocations, busy vCPUs): integer
/// arithmetic on the hot path, and an exact integral [count·µs].
#[derive(Clone, Copy, Debug, Default)]
pub struct Count {
    value: i64,
    area: i128,
    last: u64,
}

impl Count {
    /// Adds `delta` to the value from `now` on.
    #[inline]
    pub fn add(&mut self, now: SimTime, delta: i64) {
        if now.0 > self.last {
            self.area += self.value as i128 * (now.0 - self.last) as i128;
            self.last = now.0;
        }
        self.value += delta;
    }
    /// Current value.
    #[inline]
    pub fn value(&self) -> i64 {
        self.value
    }
    /// Integral from the start up to `now`, exactly: the integrals of counts
    /// add up to the integral of their sum.
    #[inline]
    pub fn exact_area_at(&self, now: SimTime) -> i128 {
        self.area + self.value as i128 * now.0.saturating_sub(self.last) as i128
    }
}

/// A gauge's integral, for [`Window`].
pub trait Integral {
    /// Integral from the start up to `now`.
    fn area_at(&self, now: SimTime) -> f64;
}

impl Integral for Gauge {
    fn area_at(&self, now: SimTime) -> f64 {
        Gauge::area_at(self, now)
    }
}

impl Integral for Count {
    fn area_at(&self, now: SimTime) -> f64 {
        self.exact_area_at(now) as f64
    }
}

/// Reads a gauge's integral over successive windows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Window {
    mark: f64,
}

impl Window {
    /// Integral since the previous call (or the start), and moves the mark to `now`.
    pub fn take(&mut self, g: &impl Integral, now: SimTime) -> f64 {
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

    #[test]
    fn count_integrates_exactly() {
        let mut c = Count::default();
        c.add(SimTime(0), 2);
        c.add(SimTime(10), 1);
        c.add(SimTime(10), -3);
        c.add(SimTime(15), 4);
        assert_eq!(c.value(), 4);
        assert_eq!(c.area_at(SimTime(20)), 20.0 + 0.0 + 20.0);
        let mut w = Window::default();
        assert_eq!(w.take(&c, SimTime(10)), 20.0);
        assert_eq!(w.take(&c, SimTime(20)), 20.0);
    }
}
