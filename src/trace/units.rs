//! Units and plausible ranges of the values read from trace files, and the
//! checks that turn a value outside them into an error with the fix.
//!
//! Every number a trace file gives is bounded before it reaches the model, so
//! no later arithmetic can overflow and no misread unit silently becomes a
//! confident wrong answer:
//! - timestamps within ±10¹¹ s of 0 (the Unix epoch for date-times; about
//!   ±3,170 years), so trace times fit an `i64` of µs with room to subtract;
//! - traced durations within 0..=86,400 s (one day: far above Lambda's 900 s
//!   timeout and LMI's 90-minute limit for asynchronous invocations);
//! - arrival rates within the synthetic cap ([`MAX_RATE`], 10⁹/s) after
//!   `rate_multiplier`.

use crate::scenario::validate::MAX_RATE;

/// Largest |timestamp| accepted [s].
pub const MAX_TIMESTAMP_S: f64 = 1e11;
/// Longest traced duration [s] (one day).
pub const MAX_TRACE_DURATION_S: f64 = 86_400.0;
/// Longest duration read with no `duration_unit` given [s]: Lambda's maximum
/// timeout. A longer value is more likely milliseconds read as seconds.
pub const IMPLICIT_SECONDS_MAX: f64 = 900.0;
/// Largest arrival rate of a trace interval [1/s], as for synthetic shapes.
pub const MAX_TRACE_RATE: f64 = MAX_RATE;

/// The unit of a numeric timestamp or duration column.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    S,
    Ms,
    Us,
}

impl TimeUnit {
    /// Microseconds per unit.
    pub fn us(self) -> f64 {
        match self {
            TimeUnit::S => 1e6,
            TimeUnit::Ms => 1e3,
            TimeUnit::Us => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::S => "s",
            TimeUnit::Ms => "ms",
            TimeUnit::Us => "us",
        }
    }

    pub fn parse(s: &str) -> Option<TimeUnit> {
        match s {
            "s" => Some(TimeUnit::S),
            "ms" => Some(TimeUnit::Ms),
            "us" => Some(TimeUnit::Us),
            _ => None,
        }
    }
}

/// What a timestamp column accepts, for messages.
pub fn timestamp_forms(unit: TimeUnit) -> String {
    format!(
        "a timestamp: a number in {} (timestamp_unit = \"{}\"), an RFC 3339 date-time like 2025-11-27T06:00:00Z, `2025-11-27 06:00:00` (UTC) or an access-log time like 27/Nov/2025:06:00:00 +0000",
        unit_words(unit),
        unit.name()
    )
}

fn unit_words(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::S => "seconds",
        TimeUnit::Ms => "milliseconds",
        TimeUnit::Us => "microseconds",
    }
}

/// A numeric timestamp in `unit` as µs, or the reason it is refused (to
/// follow the value in a message). `key` is the unit key that would fix a
/// misread unit (`None` when the format has no such key).
pub fn timestamp_number(x: f64, unit: TimeUnit, key: Option<&str>) -> Result<i64, String> {
    if !x.is_finite() {
        return Err(format!("is not {}", timestamp_forms(unit)));
    }
    let secs = x * unit.us() / 1e6;
    if secs.abs() < MAX_TIMESTAMP_S {
        return Ok((x * unit.us()).round() as i64);
    }
    // Too large for its unit: name the unit it looks like.
    let finer: &[TimeUnit] = match unit {
        TimeUnit::S => &[TimeUnit::Ms, TimeUnit::Us],
        TimeUnit::Ms => &[TimeUnit::Us],
        TimeUnit::Us => &[],
    };
    for &u in finer {
        let s = x * u.us() / 1e6;
        if s.abs() < MAX_TIMESTAMP_S {
            let date = super::rfc3339::format_us((x * u.us()).round() as i64);
            let fix = match key {
                Some(k) => format!("set {k} = \"{}\" in [functions.traffic]", u.name()),
                None => format!("convert the column to {}", unit_words(unit)),
            };
            return Err(format!(
                "looks like epoch {} ({date} if read so), not {}: {} s is beyond the ±{MAX_TIMESTAMP_S:e} s allowed; {fix}",
                unit_words(u),
                unit_words(unit),
                fmt_num(secs)
            ));
        }
    }
    Err(format!(
        "is out of range: {} s; timestamps must be within ±{MAX_TIMESTAMP_S:e} s of 0 (nanoseconds are not supported: divide by 1000 and use microseconds)",
        fmt_num(secs)
    ))
}

/// A timestamp cell: a number in `unit` or a date-time, as µs.
pub fn timestamp(text: &str, unit: TimeUnit, key: Option<&str>) -> Result<i64, String> {
    if let Ok(x) = text.parse::<f64>() {
        return timestamp_number(x, unit, key);
    }
    match super::rfc3339::parse_us(text) {
        Some(us) if (us as f64 / 1e6).abs() < MAX_TIMESTAMP_S => Ok(us),
        Some(_) => Err(format!(
            "is out of range: date-times must be within ±{MAX_TIMESTAMP_S:e} s of 1970 (years 0000 to 5138)"
        )),
        None => Err(format!("is not {}", timestamp_forms(unit))),
    }
}

/// A duration number in `unit` (`None`: seconds, not given explicitly) as µs,
/// or the reason it is refused. `key`: the unit key, if the format has one.
pub fn duration(x: f64, unit: Option<TimeUnit>, key: Option<&str>) -> Result<u64, String> {
    if !x.is_finite() {
        return Err("is not a number".into());
    }
    if x < 0.0 {
        return Err(format!(
            "is a negative duration; durations are {} >= 0",
            unit_words(unit.unwrap_or(TimeUnit::S))
        ));
    }
    let u = unit.unwrap_or(TimeUnit::S);
    let secs = x * u.us() / 1e6;
    let ms_hint = |k: &str| {
        if u == TimeUnit::S && x / 1e3 <= MAX_TRACE_DURATION_S {
            format!("; if the column is in milliseconds, set {k} = \"ms\"")
        } else {
            String::new()
        }
    };
    if secs > MAX_TRACE_DURATION_S {
        return Err(format!(
            "is {} s ({}), beyond the {MAX_TRACE_DURATION_S} s (one day) allowed for a traced duration{}",
            fmt_num(secs),
            unit_words(u),
            key.map(ms_hint).unwrap_or_default()
        ));
    }
    if unit.is_none()
        && secs > IMPLICIT_SECONDS_MAX
        && let Some(k) = key
    {
        return Err(format!(
            "read as {} s is longer than Lambda's {IMPLICIT_SECONDS_MAX} s maximum timeout{}; if it really is seconds, set {k} = \"s\" (up to {MAX_TRACE_DURATION_S} s)",
            fmt_num(secs),
            ms_hint(k)
        ));
    }
    Ok((x * u.us()).round() as u64)
}

/// Whether `count` arrivals in `len_us` of trace time, × `mult`, stay within
/// [`MAX_TRACE_RATE`]; the reason if not.
pub fn count_rate(count: u64, len_us: u64, mult: f64) -> Result<(), String> {
    let len_s = len_us.max(1) as f64 / 1e6;
    let rate = count as f64 * mult / len_s;
    if rate <= MAX_TRACE_RATE {
        return Ok(());
    }
    let m = if mult == 1.0 {
        String::new()
    } else {
        format!(" × rate_multiplier {mult}")
    };
    Err(format!(
        "arrivals in a {} s interval{m} is {} arrivals/s, beyond the {MAX_TRACE_RATE:e}/s allowed (the cap on synthetic rates); at most {:.0} per interval",
        fmt_num(len_s),
        fmt_num(rate),
        (MAX_TRACE_RATE * len_s / mult).floor()
    ))
}

/// A trace time [µs in the trace's units] for a message: a UTC date-time
/// when it is one since the epoch (2000 or later), else seconds.
pub fn show_time(us: i64) -> String {
    if us >= 946_684_800_000_000 {
        super::rfc3339::format_us(us)
    } else {
        format!("{} s", fmt_num(us as f64 / 1e6))
    }
}

/// A number for a message: plain when moderate, else scientific.
pub fn fmt_num(x: f64) -> String {
    if x != 0.0 && !(1e-3..1e9).contains(&x.abs()) {
        format!("{x:.3e}")
    } else {
        let s = format!("{x:.3}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_milliseconds_and_microseconds_are_named() {
        // 2025-11-27T06:00:00Z in s, ms, us.
        let s = 1_764_223_200.0;
        assert_eq!(
            timestamp_number(s, TimeUnit::S, None),
            Ok(1_764_223_200_000_000)
        );
        let e = timestamp_number(s * 1e3, TimeUnit::S, Some("timestamp_unit")).unwrap_err();
        assert!(e.contains("epoch milliseconds"), "{e}");
        assert!(e.contains("2025-11-27T06:00:00Z"), "{e}");
        assert!(e.contains("timestamp_unit = \"ms\""), "{e}");
        let e = timestamp_number(s * 1e6, TimeUnit::S, Some("timestamp_unit")).unwrap_err();
        assert!(e.contains("epoch microseconds"), "{e}");
        assert!(e.contains("timestamp_unit = \"us\""), "{e}");
        let e = timestamp_number(s * 1e6, TimeUnit::Ms, Some("timestamp_unit")).unwrap_err();
        assert!(e.contains("timestamp_unit = \"us\""), "{e}");
        assert_eq!(
            timestamp_number(s * 1e3, TimeUnit::Ms, None),
            Ok(1_764_223_200_000_000)
        );
        let e = timestamp_number(s * 1e9, TimeUnit::S, Some("timestamp_unit")).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
        let e = timestamp_number(-9.2e18, TimeUnit::Us, None).unwrap_err();
        assert!(e.contains("out of range"), "{e}");
    }

    #[test]
    fn durations_are_bounded_and_misread_units_named() {
        assert_eq!(duration(0.25, None, Some("duration_unit")), Ok(250_000));
        assert_eq!(
            duration(55.0, Some(TimeUnit::Ms), Some("duration_unit")),
            Ok(55_000)
        );
        let e = duration(1200.0, None, Some("duration_unit")).unwrap_err();
        assert!(e.contains("900 s maximum timeout"), "{e}");
        assert!(e.contains("duration_unit = \"ms\""), "{e}");
        assert_eq!(
            duration(1200.0, Some(TimeUnit::S), Some("duration_unit")),
            Ok(1_200_000_000)
        );
        let e = duration(1e30, Some(TimeUnit::Ms), None).unwrap_err();
        assert!(e.contains("86400 s"), "{e}");
        assert!(duration(-1.0, None, None).is_err());
        assert!(duration(86_400.0, None, None).is_ok());
    }

    #[test]
    fn count_rate_cap() {
        assert!(count_rate(60_000_000_000, 60_000_000, 1.0).is_ok());
        let e = count_rate(1_000_000_000_000, 60_000_000, 1.0).unwrap_err();
        assert!(e.contains("1.667e10 arrivals/s"), "{e}");
        assert!(e.contains("at most 60000000000"), "{e}");
        assert!(count_rate(60_000_000_000, 60_000_000, 2.0).is_err());
    }
}
