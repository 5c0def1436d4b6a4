//! Timestamps in the database: integer microseconds since the Unix epoch. (In JSON they are
//! RFC 3339 strings, as in events: see `events::rfc3339`.)

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `time` as microseconds since the epoch (negative before it), saturating at the ends of `i64`
/// (±292,000 years).
pub(super) fn to_micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |micros| -micros),
    }
}

/// The time `micros` microseconds after the epoch (before it if negative); `None` if the
/// platform's `SystemTime` cannot represent it.
pub(super) fn from_micros(micros: i64) -> Option<SystemTime> {
    let offset = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 { UNIX_EPOCH.checked_add(offset) } else { UNIX_EPOCH.checked_sub(offset) }
}

/// The current time, as stored.
pub(super) fn now_micros() -> i64 {
    to_micros(SystemTime::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip_on_both_sides_of_the_epoch() {
        for micros in [0, 1, -1, 1_764_000_000_123_456, -86_400_000_000] {
            let time = from_micros(micros).expect("representable");
            assert_eq!(to_micros(time), micros);
        }
    }
}
