//! Times and durations as the query API and the CLI accept them: RFC 3339 timestamps, dates,
//! unix milliseconds, `now`, and relative durations like `7d`, `24h`, `90m`.

use std::time::Duration;

/// A duration like `30s`, `15m`, `1h`, `7d`, `2w` (a number and one unit; `ms` too).
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{s}`: a duration needs a unit (s, m, h, d, w)"))?;
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}`: expected a number then a unit, like 24h"))?;
    let ms_per = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "w" => 604_800_000,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (s, m, h, d, w)")),
    };
    n.checked_mul(ms_per)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{s}`: too long"))
}

/// A point in time as unix ms: `now`, a relative duration before `now_ms` (`7d` = seven days
/// ago), unix milliseconds, an RFC 3339 timestamp (`2025-08-15T10:00:00Z`,
/// `2025-08-15T12:00:00.5+02:00`) or a date (`2025-08-15`, midnight UTC).
pub fn parse_time(s: &str, now_ms: i64) -> Result<i64, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now_ms);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().map_err(|_| format!("`{s}`: number out of range"));
    }
    if s.len() >= 10 && s.as_bytes().get(4) == Some(&b'-') {
        return parse_rfc3339(s);
    }
    let d = parse_duration(s).map_err(|_| {
        format!("`{s}`: expected RFC 3339 (2025-08-15T10:00:00Z), a date, unix ms, or a relative time like 7d or 24h")
    })?;
    Ok(now_ms.saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)))
}

fn num(s: &str, range: std::ops::Range<usize>, what: &str) -> Result<i64, String> {
    s.get(range)
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("`{s}`: bad {what}"))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Unix ms as `YYYY-MM-DDTHH:MM:SSZ` (UTC, seconds precision).
pub fn format_rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let t = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

fn parse_rfc3339(s: &str) -> Result<i64, String> {
    let bytes = s.as_bytes();
    let (year, month, day) = (
        num(s, 0..4, "year")?,
        num(s, 5..7, "month")?,
        num(s, 8..10, "day")?,
    );
    if bytes.get(7) != Some(&b'-') || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(format!("`{s}`: bad date"));
    }
    let days = days_from_civil(year, month, day);
    if s.len() == 10 {
        return Ok(days * 86_400_000);
    }
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) || bytes.get(13) != Some(&b':') {
        return Err(format!("`{s}`: expected `T` and a time after the date"));
    }
    let (hour, minute) = (num(s, 11..13, "hour")?, num(s, 14..16, "minute")?);
    let mut i = 16;
    let mut second = 0;
    let mut millis = 0;
    if bytes.get(16) == Some(&b':') {
        second = num(s, 17..19, "second")?;
        i = 19;
        if bytes.get(19) == Some(&b'.') {
            let frac_len = s[20..].bytes().take_while(u8::is_ascii_digit).count();
            if frac_len == 0 {
                return Err(format!("`{s}`: bad fraction"));
            }
            let digits = &s[20..20 + frac_len.min(3)];
            millis = digits.parse::<i64>().unwrap_or(0) * 10_i64.pow(3 - digits.len() as u32);
            i = 20 + frac_len;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(format!("`{s}`: bad time"));
    }
    let offset_min = match &s[i..] {
        "Z" | "z" | "" => 0,
        tz => {
            let sign = match tz.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return Err(format!("`{s}`: bad time zone")),
            };
            if tz.len() != 6 || tz.as_bytes().get(3) != Some(&b':') {
                return Err(format!("`{s}`: bad time zone"));
            }
            sign * (num(tz, 1..3, "zone hour")? * 60 + num(tz, 4..6, "zone minute")?)
        }
    };
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Ok(secs * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5y").is_err());
        assert!(parse_duration("-5h").is_err());
    }

    #[test]
    fn relative_and_absolute_times() {
        let now = 1_755_252_000_000; // 2025-08-15T10:00:00Z
        assert_eq!(parse_time("now", now), Ok(now));
        assert_eq!(parse_time("24h", now), Ok(now - 86_400_000));
        assert_eq!(parse_time("1700000000000", now), Ok(1_700_000_000_000));
        assert_eq!(parse_time("2025-08-15T10:00:00Z", now), Ok(now));
        assert_eq!(parse_time("2025-08-15T12:00:00+02:00", now), Ok(now));
        assert_eq!(parse_time("2025-08-15T09:30:00-00:30", now), Ok(now));
        assert_eq!(parse_time("2025-08-15t10:00:00.25z", now), Ok(now + 250));
        assert_eq!(
            parse_time("2025-08-15T10:00:00.123456Z", now),
            Ok(now + 123)
        );
        assert_eq!(parse_time("2025-08-15 10:00Z", now), Ok(now));
        assert_eq!(parse_time("2025-08-15", now), Ok(now - 10 * 3_600_000));
        assert_eq!(parse_time("1970-01-01T00:00:00Z", now), Ok(0));
        assert_eq!(parse_time("2000-03-01", now), Ok(951_868_800_000));
        for ms in [0, now, 951_868_800_000, -86_400_000, 4_102_444_800_123] {
            assert_eq!(
                parse_time(&format_rfc3339(ms), now),
                Ok(ms - ms.rem_euclid(1000))
            );
        }
        assert_eq!(format_rfc3339(now), "2025-08-15T10:00:00Z");
        for bad in [
            "2025-13-01",
            "2025-08-15T25:00:00Z",
            "2025-08-15T10:00:00+2",
            "yesterday",
            "",
            "2025-08-15X",
        ] {
            assert!(parse_time(bad, now).is_err(), "{bad}");
        }
    }
}
