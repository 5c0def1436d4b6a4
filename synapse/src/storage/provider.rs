//! Provider names with the Python SDK's aliases ([`Provider`]), and each provider's
//! configuration, typed from a storage record ([`StorageConfig`]).

use super::StorageError;
use super::record::StorageRecord;
use crate::secret::Secret;
use serde_json::{Map, Value};
use std::fmt;
use std::path::PathBuf;

/// A storage provider, by the backend's names (`amazon_s3 azure digital_ocean file_system ftp
/// sftp minio gcp`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Provider {
    /// `file_system` (SDK alias `local`): a directory.
    FileSystem,
    /// `amazon_s3` (SDK alias `s3`).
    AmazonS3,
    /// `minio`: S3-compatible, at its `endpoint_url`.
    Minio,
    /// `digital_ocean`: DigitalOcean Spaces, S3-compatible.
    DigitalOcean,
    /// `gcp` (SDK aliases `gcs`, `gs`): Google Cloud Storage.
    Gcp,
    /// `azure`: Azure Blob Storage.
    Azure,
    /// `ftp`: no client here.
    Ftp,
    /// `sftp`: no client here.
    Sftp,
}

impl Provider {
    /// Every provider, in the backend's order.
    pub const ALL: [Provider; 8] = [
        Provider::AmazonS3,
        Provider::Azure,
        Provider::DigitalOcean,
        Provider::FileSystem,
        Provider::Ftp,
        Provider::Sftp,
        Provider::Minio,
        Provider::Gcp,
    ];

    /// The provider named `name`: a backend name, or one of the Python SDK's aliases
    /// (`utils/storage/registry.py`: `local` = `file_system`, `s3` = `amazon_s3`, `gcs` and `gs` =
    /// `gcp`). Errors with [`StorageError::UnknownProvider`].
    ///
    /// ```
    /// use synapse::storage::Provider;
    /// assert_eq!(Provider::parse("s3").unwrap(), Provider::AmazonS3);
    /// assert_eq!(Provider::parse("gs").unwrap().name(), "gcp");
    /// assert!(Provider::parse("dropbox").is_err());
    /// ```
    pub fn parse(name: &str) -> Result<Provider, StorageError> {
        Ok(match name {
            "file_system" | "local" => Provider::FileSystem,
            "amazon_s3" | "s3" => Provider::AmazonS3,
            "minio" => Provider::Minio,
            "digital_ocean" => Provider::DigitalOcean,
            "gcp" | "gcs" | "gs" => Provider::Gcp,
            "azure" => Provider::Azure,
            "ftp" => Provider::Ftp,
            "sftp" => Provider::Sftp,
            _ => {
                let known: Vec<&str> = Provider::ALL.iter().map(|provider| provider.name()).collect();
                return Err(StorageError::UnknownProvider {
                    provider: name.to_owned(),
                    known: format!("{}; aliases local, s3, gcs, gs", known.join(", ")),
                });
            }
        })
    }

    /// The backend's name of the provider.
    pub fn name(self) -> &'static str {
        match self {
            Provider::FileSystem => "file_system",
            Provider::AmazonS3 => "amazon_s3",
            Provider::Minio => "minio",
            Provider::DigitalOcean => "digital_ocean",
            Provider::Gcp => "gcp",
            Provider::Azure => "azure",
            Provider::Ftp => "ftp",
            Provider::Sftp => "sftp",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A storage's configuration, typed by provider, with the keys of the Python SDK's
/// `utils/storage/config.py` (Azure's are this crate's: the SDK has no Azure provider).
/// Credentials are [`Secret`]s, so `Debug` never shows them.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum StorageConfig {
    /// `file_system`: `{location}`, a non-empty directory path.
    FileSystem {
        /// The directory the keys are relative to.
        location: PathBuf,
    },
    /// `amazon_s3`, `minio`, `digital_ocean`: `{bucket_name, access_key, secret_key,
    /// region_name?, endpoint_url?}`.
    S3(S3Config),
    /// `gcp`: `{bucket_name, credentials, project?}`.
    Gcs(GcsConfig),
    /// `azure`: `{account_name, account_key, container_name, endpoint_url?}`.
    Azure(AzureConfig),
}

/// An S3 bucket's configuration (`S3StorageConfig` of the Python SDK).
#[derive(Clone, Debug)]
pub struct S3Config {
    /// Which S3 provider the record named (`amazon_s3`, `minio`, `digital_ocean`).
    pub provider: Provider,
    /// `bucket_name`.
    pub bucket_name: String,
    /// `access_key`: the access key id.
    pub access_key: String,
    /// `secret_key`: the secret access key.
    pub secret_key: Secret,
    /// `region_name`; `us-east-1` when absent, as in the SDK.
    pub region_name: String,
    /// `endpoint_url`, for S3-compatible services (`http://127.0.0.1:9000`); for
    /// `digital_ocean` without one, `https://{region_name}.digitaloceanspaces.com`.
    pub endpoint_url: Option<String>,
}

/// A Google Cloud Storage bucket's configuration (`GCSStorageConfig` of the Python SDK).
#[derive(Clone, Debug)]
pub struct GcsConfig {
    /// `bucket_name`.
    pub bucket_name: String,
    /// `credentials`: a service account's JSON key (an object, or a string holding one), or the
    /// path of a file holding it.
    pub credentials: GcsCredentials,
    /// `project`, when given.
    pub project: Option<String>,
}

/// Where a GCS service account's key is.
#[derive(Clone, Debug)]
pub enum GcsCredentials {
    /// The key itself (JSON text).
    Key(Secret),
    /// The path of a JSON key file.
    Path(PathBuf),
}

/// An Azure Blob Storage container's configuration.
#[derive(Clone, Debug)]
pub struct AzureConfig {
    /// `account_name`: the storage account.
    pub account_name: String,
    /// `account_key`: its access key (base64, as the Azure portal shows it).
    pub account_key: Secret,
    /// `container_name`.
    pub container_name: String,
    /// `endpoint_url`, for an emulator or a sovereign cloud.
    pub endpoint_url: Option<String>,
}

impl StorageConfig {
    /// The typed configuration of `record`, checking its keys for its provider. Errors:
    /// [`StorageError::UnknownProvider`], [`StorageError::UnsupportedProvider`] (`ftp`, `sftp`),
    /// [`StorageError::Config`] naming the missing or wrong key.
    ///
    /// ```
    /// use synapse::storage::{StorageConfig, StorageRecord};
    /// let record: StorageRecord = serde_json::from_value(serde_json::json!({
    ///     "provider": "local", "configuration": {"location": "/data"},
    /// })).unwrap();
    /// assert!(matches!(StorageConfig::from_record(&record).unwrap(), StorageConfig::FileSystem { .. }));
    /// ```
    pub fn from_record(record: &StorageRecord) -> Result<StorageConfig, StorageError> {
        let provider = Provider::parse(&record.provider)?;
        let name = record.provider.as_str();
        let config = Fields::new(name, &record.configuration)?;
        Ok(match provider {
            Provider::FileSystem => StorageConfig::FileSystem { location: PathBuf::from(config.string("location")?) },
            Provider::AmazonS3 | Provider::Minio | Provider::DigitalOcean => {
                let region_name = config.optional("region_name")?.unwrap_or_else(|| "us-east-1".to_owned());
                let mut endpoint_url = config.optional("endpoint_url")?;
                if provider == Provider::DigitalOcean && endpoint_url.is_none() {
                    endpoint_url = Some(format!("https://{region_name}.digitaloceanspaces.com"));
                }
                if let Some(url) = &endpoint_url {
                    check_url(name, "endpoint_url", url)?;
                }
                StorageConfig::S3(S3Config {
                    provider,
                    bucket_name: config.string("bucket_name")?,
                    access_key: config.string("access_key")?,
                    secret_key: Secret::new(config.string("secret_key")?),
                    region_name,
                    endpoint_url,
                })
            }
            Provider::Gcp => StorageConfig::Gcs(GcsConfig {
                bucket_name: config.string("bucket_name")?,
                credentials: match config.get("credentials") {
                    Some(Value::Object(key)) => {
                        GcsCredentials::Key(Secret::new(Value::Object(key.clone()).to_string()))
                    }
                    Some(Value::String(text)) if text.trim_start().starts_with('{') => {
                        GcsCredentials::Key(Secret::new(text.clone()))
                    }
                    Some(Value::String(path)) if !path.is_empty() => GcsCredentials::Path(PathBuf::from(path)),
                    Some(_) => {
                        return Err(config.error(
                            "credentials",
                            "must be a service account's JSON key (an object) or the path of a key file",
                        ));
                    }
                    None => return Err(config.error("credentials", "missing")),
                },
                project: config.optional("project")?,
            }),
            Provider::Azure => {
                let endpoint_url = config.optional("endpoint_url")?;
                if let Some(url) = &endpoint_url {
                    check_url(name, "endpoint_url", url)?;
                }
                StorageConfig::Azure(AzureConfig {
                    account_name: config.string("account_name")?,
                    account_key: Secret::new(config.string("account_key")?),
                    container_name: config.string("container_name")?,
                    endpoint_url,
                })
            }
            Provider::Ftp | Provider::Sftp => {
                return Err(StorageError::UnsupportedProvider { provider: record.provider.clone() });
            }
        })
    }

    /// The provider the configuration is for.
    pub fn provider(&self) -> Provider {
        match self {
            StorageConfig::FileSystem { .. } => Provider::FileSystem,
            StorageConfig::S3(config) => config.provider,
            StorageConfig::Gcs(_) => Provider::Gcp,
            StorageConfig::Azure(_) => Provider::Azure,
        }
    }
}

impl StorageConfig {
    /// The error for a configuration whose provider's feature this build lacks.
    #[cfg_attr(all(feature = "s3", feature = "gcs", feature = "azure"), allow(dead_code))]
    pub(crate) fn feature_disabled(&self) -> StorageError {
        let feature = match self {
            StorageConfig::Gcs(_) => "gcs",
            StorageConfig::Azure(_) => "azure",
            _ => "s3",
        };
        StorageError::FeatureDisabled { provider: self.provider().name().to_owned(), feature }
    }
}

/// The `configuration` object of a record, read key by key with errors naming the key.
struct Fields<'a> {
    provider: &'a str,
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    fn new(provider: &'a str, configuration: &'a Value) -> Result<Self, StorageError> {
        static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
        match configuration {
            Value::Object(map) => Ok(Fields { provider, map }),
            Value::Null => Ok(Fields { provider, map: &EMPTY }),
            _ => Err(StorageError::Config {
                provider: provider.to_owned(),
                field: "configuration".into(),
                reason: "must be a JSON object".into(),
            }),
        }
    }

    fn error(&self, field: &str, reason: &str) -> StorageError {
        StorageError::Config { provider: self.provider.to_owned(), field: field.to_owned(), reason: reason.to_owned() }
    }

    fn get(&self, field: &str) -> Option<&Value> {
        self.map.get(field).filter(|value| !value.is_null())
    }

    /// A string key that must be present and non-empty.
    fn string(&self, field: &str) -> Result<String, StorageError> {
        self.optional(field)?.ok_or_else(|| self.error(field, "missing"))
    }

    /// A string key that may be absent (or null, or empty).
    fn optional(&self, field: &str) -> Result<Option<String>, StorageError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => Err(self.error(field, "must be a string")),
        }
    }
}

fn check_url(provider: &str, field: &str, url: &str) -> Result<(), StorageError> {
    match url::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") => Ok(()),
        Ok(parsed) => Err(StorageError::Config {
            provider: provider.to_owned(),
            field: field.to_owned(),
            reason: format!("`{url}` is not an http(s) URL (scheme `{}`)", parsed.scheme()),
        }),
        Err(error) => Err(StorageError::Config {
            provider: provider.to_owned(),
            field: field.to_owned(),
            reason: format!("`{url}` is not a URL: {error}"),
        }),
    }
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
