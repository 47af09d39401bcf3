//! Simulated time: integer microseconds since the start of a run.
//!
//! Owns the `SimTime`/`SimDuration` newtypes and the parsing of human duration
//! strings (`"45s"`, `"1.5m"`, `"14d"`). Floats appear only at the edges
//! (parsing, reporting); the engine compares and adds integers.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Microseconds per second.
pub const US_PER_S: u64 = 1_000_000;

/// An instant, in microseconds since the start of the run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A length of simulated time, in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    /// Seconds since the start, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    pub fn micros(self) -> u64 {
        self.0
    }
    /// Time elapsed since `earlier` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * US_PER_S)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1000)
    }
    /// Rounds to the nearest microsecond; negative and NaN inputs give zero.
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            SimDuration(0)
        } else {
            SimDuration((s * US_PER_S as f64).round() as u64)
        }
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    pub fn micros(self) -> u64 {
        self.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}
impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}
impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, o: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(o.0))
    }
}
impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, o: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(o.0))
    }
}

impl fmt::Display for SimDuration {
    /// Shortest exact form: `45s`, `10m`, `14d`, `250ms`, `7us`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        for (unit, name) in [
            (86_400 * US_PER_S, "d"),
            (3_600 * US_PER_S, "h"),
            (60 * US_PER_S, "m"),
            (US_PER_S, "s"),
            (1_000, "ms"),
        ] {
            if us >= unit && us.is_multiple_of(unit) {
                return write!(f, "{}{}", us / unit, name);
            }
        }
        write!(f, "{us}us")
    }
}

/// Parses a duration: a bare number is seconds; a string is a number followed by
/// one of `us`, `ms`, `s`, `m`, `h`, `d` (e.g. `"45s"`, `"1.5m"`, `"14d"`).
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+' || c == 'e'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim();
    let value: f64 = num.parse().map_err(|_| {
        format!("`{text}` is not a duration; write a number with a unit: us, ms, s, m, h or d (e.g. \"45s\")")
    })?;
    let scale = match unit {
        "us" => 1e-6,
        "ms" => 1e-3,
        "s" | "" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(format!(
                "unknown unit `{other}` in `{text}`; allowed units: us, ms, s, m, h, d"
            ));
        }
    };
    if !value.is_finite() || value < 0.0 {
        return Err(format!("`{text}` must be a non-negative duration"));
    }
    Ok(SimDuration::from_secs_f64(value * scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("45s").unwrap(), SimDuration::from_secs(45));
        assert_eq!(parse_duration("1.5m").unwrap(), SimDuration::from_secs(90));
        assert_eq!(
            parse_duration("14d").unwrap(),
            SimDuration::from_secs(14 * 86_400)
        );
        assert_eq!(parse_duration("250ms").unwrap(), SimDuration(250_000));
        assert_eq!(parse_duration("7us").unwrap(), SimDuration(7));
        assert_eq!(parse_duration("2").unwrap(), SimDuration::from_secs(2));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("abc").is_err());
    }

    #[test]
    fn displays_shortest_exact_form() {
        assert_eq!(SimDuration::from_secs(90).to_string(), "90s");
        assert_eq!(SimDuration::from_secs(600).to_string(), "10m");
        assert_eq!(SimDuration(1_500).to_string(), "1500us");
    }
}
