//! A small RFC 3339 timestamp parser: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`
//! (a space may replace the `T`), to microseconds since the Unix epoch.

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

/// Parses an RFC 3339 date-time to µs since the epoch; `None` if malformed.
pub fn parse_us(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let year = digits(b, 0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) {
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
        assert_eq!(parse_us("2023-01-01T00:00:00"), None);
        assert_eq!(parse_us("2023-01-01"), None);
        assert_eq!(parse_us("abc"), None);
        assert_eq!(parse_us("1969-12-31T23:59:59Z"), Some(-1_000_000));
    }
}
