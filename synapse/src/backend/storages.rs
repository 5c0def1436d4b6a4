//! Storages: `GET storages/{id}/?with_configuration=true`, a storage's record with its provider
//! configuration (the SDK's `Storage` model), whose secrets never show in `Debug`.

use super::{BackendClient, BackendError};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;

/// The configuration keys whose values are secrets (any key containing one of these, in any
/// case): shown as `***` by [`StorageRecord`]'s `Debug` and [`StorageRecord::redacted_configuration`].
pub const SECRET_KEYS: [&str; 7] =
    ["secret", "access_key", "password", "private_key", "credentials", "token", "account_key"];

/// A storage as the backend records it (unknown fields ignored). `Debug` redacts the secrets
/// of `configuration`.
///
/// ```
/// use synapse::backend::StorageRecord;
/// let record: StorageRecord = serde_json::from_value(serde_json::json!({
///     "id": 2, "name": "s3", "category": "internal", "provider": "amazon_s3", "is_default": false,
///     "configuration": {"bucket_name": "b", "access_key": "AKIA1", "secret_key": "s3cr3t"},
/// })).unwrap();
/// let shown = format!("{record:?}");
/// assert!(shown.contains("\"bucket_name\": String(\"b\")") && !shown.contains("s3cr3t") && !shown.contains("AKIA1"));
/// assert_eq!(record.configuration["secret_key"], "s3cr3t", "the record itself keeps them");
/// ```
#[derive(Clone, Deserialize, PartialEq)]
pub struct StorageRecord {
    /// Its id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `internal` or `external`.
    #[serde(default)]
    pub category: String,
    /// The provider code: `amazon_s3`, `file_system`, `gcp`, `sftp`, `minio`, … (not checked
    /// here: the backend may know more than this client).
    pub provider: String,
    /// The provider's settings: `{location}` for `file_system`; `{bucket_name, access_key,
    /// secret_key, region_name, endpoint_url?}` for S3; … Holds secrets.
    #[serde(default)]
    pub configuration: Value,
    /// Whether it is the tenant's default storage.
    #[serde(default)]
    pub is_default: bool,
}

impl StorageRecord {
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

impl BackendClient {
    /// `GET storages/{id}/?with_configuration=true`, as the SDK's `get_storage`.
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 names the storage's path.
    pub async fn get_storage(&self, id: u64) -> Result<StorageRecord, BackendError> {
        self.get(&format!("storages/{id}/"), &[("with_configuration", "true")]).await
    }
}
