//! A storage's record as the backend returns it (`GET storages/{id}/`), its secrets kept out of
//! `Debug`.

use serde_json::Value;
use std::fmt;

/// The configuration keys whose values are secrets (any key containing one of these, in any
/// case): shown as `***` by [`StorageRecord`]'s `Debug` and
/// [`StorageRecord::redacted_configuration`].
pub const SECRET_KEYS: [&str; 7] =
    ["secret", "access_key", "password", "private_key", "credentials", "token", "account_key"];

/// A storage as the backend's `GET storages/{id}/` returns it (the Python SDK's
/// `clients/backend/models.py` `Storage`; unknown fields ignored). Only `provider` and
/// `configuration` are needed to open it ([`open`](super::open)). `Debug` shows the
/// configuration with its secrets (see [`SECRET_KEYS`]) as `***`; the record itself keeps them
/// for the storage client.
///
/// ```
/// use synapse::storage::StorageRecord;
/// let record: StorageRecord = serde_json::from_value(serde_json::json!({
///     "id": 2, "name": "media", "category": "internal", "provider": "amazon_s3", "is_default": true,
///     "configuration": {"bucket_name": "media", "access_key": "AKIA1", "secret_key": "s3cr3t"},
/// })).unwrap();
/// assert_eq!(record.provider, "amazon_s3");
/// let shown = format!("{record:?}");
/// assert!(shown.contains("\"bucket_name\": String(\"media\")") && !shown.contains("s3cr3t") && !shown.contains("AKIA1"));
/// assert_eq!(record.configuration["secret_key"], "s3cr3t");
/// ```
#[derive(Clone, PartialEq, serde::Deserialize)]
pub struct StorageRecord {
    /// The storage's id, when the record came from the backend.
    #[serde(default)]
    pub id: Option<u64>,
    /// Its display name.
    #[serde(default)]
    pub name: String,
    /// `internal` or `external`.
    #[serde(default)]
    pub category: String,
    /// The provider: a backend name or an SDK alias (see [`Provider::parse`](super::Provider::parse)).
    pub provider: String,
    /// The provider's configuration (keys per provider: see [`StorageConfig`](super::StorageConfig)). Holds secrets.
    #[serde(default)]
    pub configuration: Value,
    /// Whether it is the tenant's default storage.
    #[serde(default)]
    pub is_default: bool,
}

impl StorageRecord {
    /// A record of `provider` with `configuration`, as code that has no backend makes one.
    pub fn new(provider: impl Into<String>, configuration: Value) -> Self {
        StorageRecord {
            id: None,
            name: String::new(),
            category: String::new(),
            provider: provider.into(),
            configuration,
            is_default: false,
        }
    }

    /// The configuration with every secret value (see [`SECRET_KEYS`]) replaced by `"***"`, at
    /// any depth.
    pub fn redacted_configuration(&self) -> Value {
        redact(&self.configuration)
    }
}

fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let lower = key.to_ascii_lowercase();
                    let secret = SECRET_KEYS.iter().any(|name| lower.contains(name));
                    (key.clone(), if secret && !value.is_null() { Value::from("***") } else { redact(value) })
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        other => other.clone(),
    }
}

impl fmt::Debug for StorageRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StorageRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("category", &self.category)
            .field("provider", &self.provider)
            .field("configuration", &self.redacted_configuration())
            .field("is_default", &self.is_default)
            .finish()
    }
}
