//! The Jobs REST API's data: what is submitted and what Ray reports back.
//!
//! Files: `submission.rs` ([`JobSubmission`] and its [`RuntimeEnv`]: what is submitted),
//! `status.rs` ([`JobStatus`]), `details.rs` ([`JobDetails`]: what Ray reports about a job) and
//! `cluster.rs` ([`NodeInfo`], [`RayVersion`]: what it reports about itself). This one holds the
//! lenient deserializers the records share.

mod cluster;
mod details;
mod status;
mod submission;

pub use cluster::{NodeInfo, RayVersion};
pub use details::JobDetails;
pub use status::JobStatus;
pub use submission::{JobSubmission, RuntimeEnv};

use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_json::Value;
use std::collections::BTreeMap;

fn lenient_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Some(Value::Null) | None => None,
        Some(other) => return Err(de::Error::custom(format!("expected milliseconds, got {other}"))),
    })
}

/// Metadata values should be strings; anything else is kept as its JSON text rather than
/// failing the whole answer (a job list holds records written by other clients).
fn lenient_metadata<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => (key, s),
            other => (key, other.to_string()),
        })
        .collect())
}
