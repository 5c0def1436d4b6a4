//! UTC timestamps as DRF writes them, and the ISO 8601 datetimes DRF reads.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Now, as DRF renders a `DateTimeField` in UTC: `2026-02-17T10:04:05.123456Z`.
pub(crate) fn now() -> String {
    format(SystemTime::now())
}

/// `seconds` from now, in the form of [`now`].
pub(crate) fn in_seconds(seconds: u64) -> String {
    format(SystemTime::now() + Duration::from_secs(seconds))
}

/// `at`, as [`now`] writes it.
pub(crate) fn format(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60,
        since.subsec_micros()
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `text` is a datetime Django's `parse_datetime` (DRF's ISO 8601 input) reads:
/// `YYYY-MM-DD[T ]hh:mm[:ss[.uuuuuu]][Z|±HH[[:]MM]]`, with a valid date and time.
pub(crate) fn is_iso8601(text: &str) -> bool {
    let mut cursor = Cursor { rest: text.as_bytes() };
    let Some(year) = cursor.digits(4, 4) else { return false };
    let Some(month) = cursor.eat(b'-').then(|| cursor.digits(1, 2)).flatten() else { return false };
    let Some(day) = cursor.eat(b'-').then(|| cursor.digits(1, 2)).flatten() else { return false };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    if !(cursor.eat(b'T') || cursor.eat(b' ')) {
        return false;
    }
    let Some(hour) = cursor.digits(1, 2) else { return false };
    let Some(minute) = cursor.eat(b':').then(|| cursor.digits(1, 2)).flatten() else { return false };
    if hour > 23 || minute > 59 {
        return false;
    }
    if cursor.eat(b':') {
        match cursor.digits(1, 2) {
            Some(second) if second <= 59 => {}
            _ => return false,
        }
        if (cursor.eat(b'.') || cursor.eat(b',')) && cursor.digits(1, 12).is_none() {
            return false;
        }
    }
    while cursor.eat(b' ') {}
    if cursor.rest.is_empty() || cursor.eat(b'Z') {
        return cursor.rest.is_empty();
    }
    if !(cursor.eat(b'+') || cursor.eat(b'-')) {
        return false;
    }
    match cursor.digits(2, 2) {
        Some(hours) if hours <= 23 => {}
        _ => return false,
    }
    if cursor.rest.is_empty() {
        return true;
    }
    cursor.eat(b':');
    matches!(cursor.digits(2, 2), Some(minutes) if minutes <= 59) && cursor.rest.is_empty()
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl Cursor<'_> {
    fn eat(&mut self, byte: u8) -> bool {
        match self.rest.split_first() {
            Some((&first, rest)) if first == byte => {
                self.rest = rest;
                true
            }
            _ => false,
        }
    }

    /// Between `min` and `max` ASCII digits, as a number (saturating: only ranges are checked).
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let count = self.rest.iter().take(max).take_while(|byte| byte.is_ascii_digit()).count();
        if count < min {
            return None;
        }
        let (digits, rest) = self.rest.split_at(count);
        self.rest = rest;
        Some(digits.iter().fold(0u32, |value, digit| value.saturating_mul(10).saturating_add(u32::from(digit - b'0'))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn now_is_read_back() {
        let now = now();
        assert!(is_iso8601(&now), "{now}");
        assert_eq!(now.len(), "2026-02-17T10:04:05.123456Z".len());
    }

    #[test]
    fn datetimes_django_reads() {
        for good in [
            "2026-02-17T10:04:05.123456+00:00",
            "2026-02-17T10:04:05Z",
            "2026-02-17 10:04",
            "2024-02-29T00:00:00-0530",
            "2026-2-7T1:4:5.1+09",
        ] {
            assert!(is_iso8601(good), "{good}");
        }
        for bad in [
            "",
            "2026-02-17",
            "yesterday",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-02-17T24:00:00Z",
            "2026-02-17T10:04:05.Z",
            "2026-02-17T10:04:05+5",
            "2026-02-17T10:04:05Zjunk",
            "1700000000",
        ] {
            assert!(!is_iso8601(bad), "{bad}");
        }
    }
}
