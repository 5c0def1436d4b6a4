//! Storages: where plugins read and write files — a directory, an S3 bucket (MinIO, DigitalOcean
//! Spaces), a Google Cloud Storage bucket, an Azure Blob Storage container — behind one
//! [`Storage`] trait, opened from the backend's storage records (`GET storages/{id}/`, the Python
//! SDK's `utils/storage`) with [`open`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use synapse::storage::{self, StorageRecord};
//! let root = tempfile::tempdir().unwrap();
//! let record: StorageRecord = serde_json::from_value(serde_json::json!({
//!     "provider": "file_system", "configuration": {"location": root.path()},
//! })).unwrap();
//! let storage = storage::open(&record).unwrap();
//! storage.put_bytes("a/b.txt", b"hello".to_vec()).await.unwrap();
//! assert_eq!(storage.get_bytes("a/b.txt").await.unwrap(), b"hello");
//! assert_eq!(storage.list("a").await.unwrap()[0].key, "a/b.txt");
//! # });
//! ```
//!
//! Keys are relative, `/`-separated paths (`a/b/c.png`); an empty, absolute or `..` key is refused
//! with [`StorageError::InvalidKey`] before any provider sees it. Credentials are [`Secret`]s:
//! the `Debug` output of records, configurations and storages, and every error, carry none.
//!
//! Needs the `storage` feature (the trait and the local file system); `s3`, `gcs` and `azure`
//! add those providers (with object_store). Their HTTPS uses rustls with the *ring* crypto
//! provider (not aws-lc-rs, whose C library takes minutes to build), which reqwest then needs
//! installed as the process's default: see `install_tls_provider` (with `s3`, `gcs` or `azure`).
//!
//! | file | holds |
//! |---|---|
//! | `error.rs` | [`StorageError`] |
//! | `key.rs` | the checks of keys and listing prefixes |
//! | `provider.rs` | [`Provider`] (names and aliases), [`StorageConfig`] per provider |
//! | `record.rs` | [`StorageRecord`], a storage as the backend returns it, its secrets out of `Debug` |
//! | `local.rs` | [`LocalStorage`]: a directory |
//! | `object.rs` | `ObjectStorage` (with `s3`, `gcs` or `azure`): S3, GCS and Azure through object_store |

mod error;
mod key;
mod local;
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
mod object;
mod provider;
mod record;

pub use crate::secret::Secret;
pub use error::StorageError;
#[cfg(feature = "export")]
pub(crate) use key::check_key;
#[cfg(any(feature = "upload", feature = "export"))]
pub(crate) use key::relative_path;
pub use local::LocalStorage;
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
pub use object::ObjectStorage;
pub use provider::{AzureConfig, GcsConfig, GcsCredentials, Provider, S3Config, StorageConfig};
pub use record::{SECRET_KEYS, StorageRecord};
/// URLs: of keys ([`Storage::url`]) and presigned requests.
pub use url::Url;

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

/// What a [`Storage`] method returns: a boxed, `Send` future, so that `dyn Storage` works.
pub type StorageFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StorageError>> + Send + 'a>>;

/// An object in a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Its key, relative to the storage's root (`a/b/c.png`).
    pub key: String,
    /// Its size in bytes.
    pub size: u64,
}

/// A place to put and get objects by key. Implemented by [`LocalStorage`] and
/// `ObjectStorage`; [`open`] gives the one a storage record names.
///
/// Every method checks its key first ([`StorageError::InvalidKey`]); a missing object is
/// [`StorageError::NotFound`], naming the key and the storage ([`Storage::describe`]).
pub trait Storage: Send + Sync + fmt::Debug {
    /// The provider (`file_system`, `amazon_s3`, …).
    fn provider(&self) -> Provider;

    /// The storage for messages, without credentials: `file_system at /data`, `amazon_s3 bucket
    /// media at http://127.0.0.1:9000`.
    fn describe(&self) -> String;

    /// The URL of `key`, as the Python SDK's `get_url` gives it: `file:///data/a/b.png`,
    /// `s3://media/a/b.png`, `gs://…`, `az://…`. Not fetchable over HTTP (see
    /// [`presign_get`](Storage::presign_get)).
    fn url(&self, key: &str) -> Result<Url, StorageError>;

    /// Stores `bytes` at `key`, replacing what was there.
    fn put_bytes<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()>;

    /// Stores the local file at `path` at `key` without holding it in memory (object stores: a
    /// multipart upload past 8 MiB); returns its size in bytes. A file that cannot be read is
    /// [`StorageError::LocalFile`].
    fn put_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64>;

    /// The bytes stored at `key`.
    fn get_bytes<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>>;

    /// Writes the object at `key` to the local file `path` (creating its directory; the file
    /// appears whole, by a rename); returns its size in bytes.
    fn get_to_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64>;

    /// Whether an object is stored at `key` (a directory of the local file system is not one).
    fn exists<'a>(&'a self, key: &'a str) -> StorageFuture<'a, bool>;

    /// Every object under `prefix`, sorted by key. The prefix is a directory: `a/b` (or `a/b/`)
    /// lists `a/b/c` and `a/b/d/e`, not `a/bc`; `""` lists everything.
    fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<ObjectInfo>>;

    /// Removes the object at `key`. Removing a missing object succeeds (as S3 does).
    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()>;

    /// Whether [`presign_put`](Storage::presign_put) and [`presign_get`](Storage::presign_get)
    /// can work here.
    fn supports_presign(&self) -> bool {
        false
    }

    /// A URL that lets anyone `PUT` the object at `key` for `expires_in`, without credentials
    /// (send `Content-Type: application/octet-stream`). Providers without presigned URLs give
    /// [`StorageError::PresignUnsupported`].
    fn presign_put<'a>(&'a self, key: &'a str, expires_in: Duration) -> StorageFuture<'a, Url> {
        let _ = (key, expires_in);
        Box::pin(async move {
            Err(StorageError::PresignUnsupported { storage: self.describe(), provider: self.provider().name() })
        })
    }

    /// A URL that lets anyone `GET` the object at `key` for `expires_in`. Providers without
    /// presigned URLs give [`StorageError::PresignUnsupported`].
    fn presign_get<'a>(&'a self, key: &'a str, expires_in: Duration) -> StorageFuture<'a, Url> {
        let _ = (key, expires_in);
        Box::pin(async move {
            Err(StorageError::PresignUnsupported { storage: self.describe(), provider: self.provider().name() })
        })
    }
}

/// Makes rustls's *ring* crypto provider the process's default, when there is none yet.
///
/// With `s3`, `gcs` or `azure`, reqwest is built with rustls but without a crypto provider of its
/// own (`rustls-no-provider`, to leave aws-lc-rs out), and building a reqwest client panics while
/// the process has no default provider. Opening an object store and building synapse's own clients
/// (the backend's, Ray's) call this first; call it before building other reqwest clients in such
/// a build. Cheap after the first call.
#[cfg(feature = "_rustls")]
pub fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may have installed one in between: then that one stays.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

/// Opens the storage a backend record names (`{provider, configuration}`, as `GET
/// storages/{id}/` returns it). Errors: those of [`StorageConfig::from_record`], and
/// [`StorageError::FeatureDisabled`] for a provider this build has no client for.
pub fn open(record: &StorageRecord) -> Result<Box<dyn Storage>, StorageError> {
    open_config(StorageConfig::from_record(record)?)
}

/// Opens the storage `config` describes (see [`open`]).
pub fn open_config(config: StorageConfig) -> Result<Box<dyn Storage>, StorageError> {
    match config {
        StorageConfig::FileSystem { location } => Ok(Box::new(LocalStorage::new(location))),
        #[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
        config => Ok(Box::new(ObjectStorage::open(config)?)),
        #[cfg(not(any(feature = "s3", feature = "gcs", feature = "azure")))]
        config => Err(config.feature_disabled()),
    }
}

#[cfg(all(test, not(any(feature = "s3", feature = "gcs", feature = "azure"))))]
mod tests {
    use super::*;

    #[test]
    fn object_stores_name_the_feature_they_need() {
        for (provider, configuration, feature) in [
            ("minio", serde_json::json!({"bucket_name": "b", "access_key": "a", "secret_key": "s"}), "s3"),
            ("gcs", serde_json::json!({"bucket_name": "b", "credentials": "/k.json"}), "gcs"),
            ("azure", serde_json::json!({"account_name": "a", "account_key": "k", "container_name": "c"}), "azure"),
        ] {
            let record = StorageRecord::new(provider, configuration);
            let error = open(&record).unwrap_err();
            assert!(
                matches!(&error, StorageError::FeatureDisabled { provider: p, feature: f } if *f == feature && !p.is_empty()),
                "{provider}: {error}"
            );
            assert!(error.to_string().contains(&format!("`{feature}` feature")), "{error}");
        }
    }
}
