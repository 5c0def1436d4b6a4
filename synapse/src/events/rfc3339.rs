//! Timestamps in JSON: RFC 3339 strings in UTC with microsecond precision
//! (`"2026-11-25T03:01:09.123456Z"`), as every event carries them and the run store's records
//! show them. `#[serde(with = "crate::events::rfc3339")]` for a `SystemTime`,
//! `#[serde(with = "crate::events::rfc3339::option")]` for an `Option<SystemTime>` (a string or
//! `null`).

use serde::{Deserialize, Deserializer, Serializer, de, ser};
use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

/// The first second that RFC 3339 cannot write (year 10000).
const END: u64 = 253_402_300_800;

/// Writes `time`; a time before 1970 or after 9999 is an error (RFC 3339 cannot write it).
pub(crate) fn serialize<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) if since.as_secs() < END => serializer.collect_str(&humantime::format_rfc3339_micros(*time)),
        _ => Err(ser::Error::custom("timestamp outside the years 1970 to 9999")),
    }
}

/// Reads an RFC 3339 timestamp (any precision, `Z` or `T`/space separated), naming the text
/// it could not read.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SystemTime, D::Error> {
    let text = Cow::<'de, str>::deserialize(deserializer)?;
    humantime::parse_rfc3339_weak(&text)
        .map_err(|error| de::Error::custom(format_args!("invalid RFC 3339 timestamp `{text}`: {error}")))
}

/// The same for an `Option<SystemTime>`: a timestamp or `null` (the run store's records).
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(crate) mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::SystemTime;

    pub(crate) fn serialize<S: Serializer>(time: &Option<SystemTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match time {
            Some(time) => super::serialize(time, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<SystemTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] SystemTime);
        Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(time)| time))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Stamped {
        #[serde(with = "super")]
        at: SystemTime,
        #[serde(with = "super::option")]
        ended: Option<SystemTime>,
    }

    #[test]
    fn times_round_trip_at_microsecond_precision_and_bad_text_is_named() {
        let at = UNIX_EPOCH + Duration::from_micros(1_764_000_000_123_456);
        let stamped = Stamped { at, ended: None };
        let text = serde_json::to_string(&stamped).unwrap();
        assert_eq!(text, r#"{"at":"2025-11-24T16:00:00.123456Z","ended":null}"#);
        assert_eq!(serde_json::from_str::<Stamped>(&text).unwrap(), stamped);
        let error = serde_json::from_str::<Stamped>(r#"{"at":"yesterday","ended":null}"#).unwrap_err();
        assert!(error.to_string().contains("invalid RFC 3339 timestamp `yesterday`"), "{error}");
        let before = Stamped { at: UNIX_EPOCH - Duration::from_secs(1), ended: None };
        assert!(serde_json::to_string(&before).is_err());
    }
}
