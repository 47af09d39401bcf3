//! Date-time parsing and printing, to and from microseconds since the Unix
//! epoch. Accepted forms:
//! - RFC 3339: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (a space may replace the `T`);
//! - `YYYY-MM-DD HH:MM:SS[.frac]` with a space and no zone: UTC (the form of
//!   CloudWatch Logs Insights and SQL exports);
//! - the access-log form `27/Nov/2025:06:00:00 +0000`, optionally in brackets
//!   (Apache and nginx `%t`, API Gateway `$context.requestTime`).

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(b: &[u8], from: usize, n: usize) -> Option<i64> {
    let s = b.get(from..from + n)?;
    let mut v = 0i64;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as i64;
    }
    Some(v)
}

/// Parses a date-time in any accepted form to µs since the epoch; `None` if
/// malformed.
pub fn parse_us(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.as_bytes().get(2) == Some(&b'/') || s.starts_with('[') {
        return parse_access_log(s);
    }
    parse_rfc3339(s)
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, or with a space and no zone (UTC).
fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let space = b.get(10) == Some(&b' ');
    if !space && !matches!(b.get(10), Some(b'T' | b't')) {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') || b.get(16) != Some(&b':') {
        return None;
    }
    let min = digits(b, 14, 2)?;
    let sec = digits(b, 17, 2)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
    {
        return None;
    }
    let mut i = 19;
    let mut frac_us = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        let mut scale = 100_000i64;
        while let Some(&c) = b.get(i) {
            if !c.is_ascii_digit() {
                break;
            }
            frac_us += (c - b'0') as i64 * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_s = match b.get(i) {
        None if space => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) if i + 6 == b.len() => {
            let oh = digits(b, i + 1, 2)?;
            if b[i + 3] != b':' {
                return None;
            }
            let om = digits(b, i + 4, 2)?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if c == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset_s;
    Some(secs * 1_000_000 + frac_us)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `DD/Mon/YYYY:HH:MM:SS ±HHMM`, optionally in brackets.
fn parse_access_log(s: &str) -> Option<i64> {
    let s = match s.strip_prefix('[') {
        Some(r) => r.strip_suffix(']')?,
        None => s,
    };
    let b = s.as_bytes();
    if b.len() != 26 || b[2] != b'/' || b[6] != b'/' || b[11] != b':' || b[20] != b' ' {
        return None;
    }
    let day = digits(b, 0, 2)?;
    let mon = std::str::from_utf8(&b[3..6]).ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i64 + 1;
    let year = digits(b, 7, 4)?;
    let hour = digits(b, 12, 2)?;
    if b[14] != b':' || b[17] != b':' {
        return None;
    }
    let min = digits(b, 15, 2)?;
    let sec = digits(b, 18, 2)?;
    let sign = match b[21] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let oh = digits(b, 22, 2)?;
    let om = digits(b, 24, 2)?;
    if day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || min > 59
        || sec > 60
        || oh > 23
        || om > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - sign * (oh * 3600 + om * 60);
    Some(secs * 1_000_000)
}

/// Civil date (year, month, day) of a day count from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// µs since the epoch as RFC 3339 UTC, to the second unless a fraction is
/// present (`2025-11-27T06:00:00Z`, `2025-11-27T06:00:00.250Z`).
pub fn format_us(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let frac = us.rem_euclid(1_000_000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    let base = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        t / 3600,
        t / 60 % 60,
        t % 60
    );
    if frac == 0 {
        format!("{base}Z")
    } else {
        let f = format!("{frac:06}");
        format!("{base}.{}Z", f.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_us;

    #[test]
    fn parses_rfc3339() {
        assert_eq!(parse_us("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_us("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(
            parse_us("2024-02-29T12:00:00+02:00"),
            Some(1_709_200_800_000_000)
        );
        assert_eq!(
            parse_us("2021-01-31 23:59:59.000001z"),
            Some(1_612_137_599_000_001)
        );
        assert_eq!(parse_us("2023-02-29T00:00:00Z"), None);
        // No zone: only the space form, read as UTC.
        assert_eq!(parse_us("2023-01-01T00:00:00"), None);
        assert_eq!(
            parse_us("2025-11-27 06:00:00"),
            parse_us("2025-11-27T06:00:00Z")
        );
        assert_eq!(
            parse_us("2025-11-27 06:00:00.125"),
            Some(1_764_223_200_125_000)
        );
        assert_eq!(parse_us("2023-01-01"), None);
        assert_eq!(parse_us("abc"), None);
        assert_eq!(parse_us("1969-12-31T23:59:59Z"), Some(-1_000_000));
    }

    #[test]
    fn parses_access_log_times() {
        let want = parse_us("2025-11-27T06:00:00Z");
        assert_eq!(want, Some(1_764_223_200_000_000));
        assert_eq!(parse_us("27/Nov/2025:06:00:00 +0000"), want);
        assert_eq!(parse_us("[27/Nov/2025:06:00:00 +0000]"), want);
        assert_eq!(parse_us("27/Nov/2025:07:30:00 +0130"), want);
        assert_eq!(parse_us("27/nov/2025:01:00:00 -0500"), want);
        assert_eq!(parse_us("29/Feb/2025:06:00:00 +0000"), None);
        assert_eq!(parse_us("27/Foo/2025:06:00:00 +0000"), None);
        assert_eq!(parse_us("27/Nov/2025:06:00:00"), None);
        assert_eq!(parse_us("[27/Nov/2025:06:00:00 +0000"), None);
    }

    #[test]
    fn formats_what_it_parses() {
        for s in [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2024-02-29T12:00:00.25Z",
            "2025-11-27T06:00:00.000001Z",
            "0001-01-01T00:00:00Z",
            "4999-12-31T23:59:59Z",
        ] {
            let us = parse_us(s).unwrap();
            assert_eq!(super::format_us(us), s);
        }
    }
}
