//! Timestamps: integer microseconds since the Unix epoch in the database, RFC 3339 strings (UTC,
//! microsecond precision) in JSON.

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

/// `#[serde(with = "rfc3339")]` for a `SystemTime`: `"2026-11-25T03:01:09.123456Z"`.
pub(super) mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer, de, ser};
    use std::time::{SystemTime, UNIX_EPOCH};

    /// The first second that RFC 3339 cannot write (year 10000).
    const END: u64 = 253_402_300_800;

    pub(crate) fn serialize<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
        match time.duration_since(UNIX_EPOCH) {
            Ok(since) if since.as_secs() < END => serializer.collect_str(&humantime::format_rfc3339_micros(*time)),
            _ => Err(ser::Error::custom("timestamp outside the years 1970 to 9999")),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_rfc3339_weak(&text)
            .map_err(|error| de::Error::custom(format_args!("invalid RFC 3339 timestamp `{text}`: {error}")))
    }
}

/// `#[serde(with = "rfc3339_opt")]` for an `Option<SystemTime>`: a string or `null`.
pub(super) mod rfc3339_opt {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(time: &Option<SystemTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => super::rfc3339::serialize(time, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SystemTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super::rfc3339")] SystemTime);
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(time)| time))
    }
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
