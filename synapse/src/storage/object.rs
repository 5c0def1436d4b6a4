//! [`ObjectStorage`]: S3 (and MinIO, DigitalOcean Spaces), Google Cloud Storage and Azure Blob
//! Storage through object_store, with presigned URLs from its `Signer`.

use super::key::{check_key, check_prefix};
use super::local::write_local;
use super::{ObjectInfo, Provider, Storage, StorageConfig, StorageError, StorageFuture, Url};
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::signer::{Method, Signer};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `describe`, followed by ` at <endpoint>` when the configuration names an endpoint.
#[cfg(any(feature = "s3", feature = "azure"))]
fn at_endpoint(describe: String, endpoint: Option<&str>) -> String {
    match endpoint {
        Some(endpoint) => format!("{describe} at {endpoint}"),
        None => describe,
    }
}

/// The size of the parts of a multipart upload (S3's smallest is 5 MiB); files up to it go up in
/// one `PUT`.
const PART_SIZE: usize = 8 * 1024 * 1024;

/// A bucket (or container) of an object store as a storage: `amazon_s3`, `minio` and
/// `digital_ocean` (feature `s3`), `gcp` (feature `gcs`), `azure` (feature `azure`).
///
/// Requests go to the configuration's `endpoint_url` when it has one (path-style, plain HTTP
/// allowed for `http://` endpoints, as MinIO and moto need), else to the provider's service.
/// `Debug` shows [`describe`](Storage::describe) only.
pub struct ObjectStorage {
    provider: Provider,
    store: Arc<dyn ObjectStore>,
    signer: Arc<dyn Signer>,
    describe: String,
    /// `s3://bucket`, `gs://bucket`, `az://container`: what [`Storage::url`] puts keys under.
    base: String,
}

impl fmt::Debug for ObjectStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStorage").field("provider", &self.provider).field("storage", &self.describe).finish()
    }
}

impl ObjectStorage {
    /// Opens the store `config` describes (its client is made here; nothing is sent until the
    /// first operation). A configuration the store refuses is [`StorageError::Config`]; a
    /// provider whose feature this build lacks, [`StorageError::FeatureDisabled`];
    /// `file_system`, [`StorageError::UnsupportedProvider`] (see
    /// [`LocalStorage`](super::LocalStorage)).
    pub fn open(config: StorageConfig) -> Result<ObjectStorage, StorageError> {
        super::install_tls_provider();
        let provider = config.provider();
        let refused = |error: object_store::Error| StorageError::Config {
            provider: provider.name().to_owned(),
            field: "configuration".into(),
            reason: error.to_string(),
        };
        match config {
            #[cfg(feature = "s3")]
            StorageConfig::S3(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket_name)
                    .with_access_key_id(&s3.access_key)
                    .with_secret_access_key(s3.secret_key.expose())
                    .with_region(&s3.region_name);
                if let Some(endpoint) = &s3.endpoint_url {
                    builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
                }
                let describe = at_endpoint(format!("{provider} bucket {}", s3.bucket_name), s3.endpoint_url.as_deref());
                let base = format!("s3://{}", s3.bucket_name);
                Ok(Self::signing(provider, builder.build().map_err(refused)?, describe, base))
            }
            #[cfg(feature = "gcs")]
            StorageConfig::Gcs(gcs) => {
                let builder = object_store::gcp::GoogleCloudStorageBuilder::new().with_bucket_name(&gcs.bucket_name);
                let builder = match &gcs.credentials {
                    super::GcsCredentials::Key(key) => builder.with_service_account_key(key.expose()),
                    super::GcsCredentials::Path(path) => {
                        builder.with_service_account_path(path.to_string_lossy().into_owned())
                    }
                };
                let describe = format!("{provider} bucket {}", gcs.bucket_name);
                let base = format!("gs://{}", gcs.bucket_name);
                Ok(Self::signing(provider, builder.build().map_err(refused)?, describe, base))
            }
            #[cfg(feature = "azure")]
            StorageConfig::Azure(azure) => {
                let mut builder = object_store::azure::MicrosoftAzureBuilder::new()
                    .with_account(&azure.account_name)
                    .with_access_key(azure.account_key.expose())
                    .with_container_name(&azure.container_name);
                if let Some(endpoint) = &azure.endpoint_url {
                    builder = builder.with_endpoint(endpoint.clone()).with_allow_http(endpoint.starts_with("http://"));
                }
                let describe = at_endpoint(
                    format!("{provider} container {} of account {}", azure.container_name, azure.account_name),
                    azure.endpoint_url.as_deref(),
                );
                let base = format!("az://{}", azure.container_name);
                Ok(Self::signing(provider, builder.build().map_err(refused)?, describe, base))
            }
            StorageConfig::FileSystem { .. } => {
                Err(StorageError::UnsupportedProvider { provider: format!("{provider} (as an object store)") })
            }
            #[allow(unreachable_patterns)]
            config => Err(config.feature_disabled()),
        }
    }

    /// A storage of `store`, which signs its own URLs.
    fn signing<S: ObjectStore + Signer>(provider: Provider, store: S, describe: String, base: String) -> Self {
        let store = Arc::new(store);
        ObjectStorage { provider, store: store.clone(), signer: store, describe, base }
    }

    /// The object store's path of `key`, after checking the key.
    fn path_of(&self, key: &str) -> Result<ObjectPath, StorageError> {
        let key = check_key(key)?;
        ObjectPath::parse(key).map_err(|error| StorageError::InvalidKey {
            key: key.to_owned(),
            reason: match error {
                object_store::path::Error::NonUnicode { .. } => "not valid UTF-8",
                _ => "not a valid object key",
            },
        })
    }

    /// `error` of `operation` on `key`, as a [`StorageError`].
    fn failed(&self, operation: &'static str, key: &str, error: object_store::Error) -> StorageError {
        match error {
            object_store::Error::NotFound { .. } => {
                StorageError::NotFound { storage: self.describe.clone(), key: key.to_owned() }
            }
            error => StorageError::Operation {
                storage: self.describe.clone(),
                operation,
                key: key.to_owned(),
                reason: error.to_string(),
            },
        }
    }

    async fn presign(&self, method: Method, key: &str, expires_in: Duration) -> Result<Url, StorageError> {
        let operation = if method == Method::PUT { "presign PUT" } else { "presign GET" };
        let path = self.path_of(key)?;
        self.signer.signed_url(method, &path, expires_in).await.map_err(|error| self.failed(operation, key, error))
    }
}

impl Storage for ObjectStorage {
    fn provider(&self) -> Provider {
        self.provider
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn url(&self, key: &str) -> Result<Url, StorageError> {
        let path = self.path_of(key)?;
        Url::parse(&format!("{}/{path}", self.base)).map_err(|error| StorageError::Operation {
            storage: self.describe.clone(),
            operation: "url of",
            key: key.to_owned(),
            reason: error.to_string(),
        })
    }

    fn put_bytes<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            self.store.put(&path, PutPayload::from(bytes)).await.map_err(|error| self.failed("put", key, error))?;
            Ok(())
        })
    }

    fn put_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            let location = self.path_of(key)?;
            let local = |source| StorageError::LocalFile { operation: "read", path: path.to_owned(), source };
            let mut file = tokio::fs::File::open(path).await.map_err(local)?;
            let mut writer = object_store::buffered::BufWriter::with_capacity(self.store.clone(), location, PART_SIZE);
            let mut buffer = vec![0; 1024 * 1024];
            let mut size = 0u64;
            let uploaded = loop {
                let read = match file.read(&mut buffer).await {
                    Ok(0) => break writer.shutdown().await,
                    Ok(read) => read,
                    Err(source) => {
                        let _ = writer.abort().await;
                        return Err(local(source));
                    }
                };
                size += read as u64;
                if let Err(error) = writer.write_all(&buffer[..read]).await {
                    break Err(error);
                }
            };
            if let Err(error) = uploaded {
                let _ = writer.abort().await;
                return Err(StorageError::Operation {
                    storage: self.describe.clone(),
                    operation: "put",
                    key: key.to_owned(),
                    reason: error.to_string(),
                });
            }
            Ok(size)
        })
    }

    fn get_bytes<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            let result = self.store.get(&path).await.map_err(|error| self.failed("get", key, error))?;
            let bytes = result.bytes().await.map_err(|error| self.failed("get", key, error))?;
            Ok(bytes.to_vec())
        })
    }

    fn get_to_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            let location = self.path_of(key)?;
            let result = self.store.get(&location).await.map_err(|error| self.failed("get", key, error))?;
            let mut stream = result.into_stream();
            let mut remote_error = None;
            let written = write_local(path, |part| {
                let remote_error = &mut remote_error;
                async move {
                    let mut file = tokio::fs::File::create(&part).await?;
                    let mut size = 0u64;
                    while let Some(chunk) = stream.next().await {
                        let chunk = match chunk {
                            Ok(chunk) => chunk,
                            Err(error) => {
                                *remote_error = Some(error);
                                return Err(std::io::Error::other("the download broke off"));
                            }
                        };
                        file.write_all(&chunk).await?;
                        size += chunk.len() as u64;
                    }
                    file.sync_all().await?;
                    Ok(size)
                }
            })
            .await;
            match (written, remote_error) {
                (Err(_), Some(error)) => Err(self.failed("get", key, error)),
                (written, _) => written,
            }
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            match self.store.head(&path).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(error) => Err(self.failed("head", key, error)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<ObjectInfo>> {
        Box::pin(async move {
            let prefix = check_prefix(prefix)?;
            let location = if prefix.is_empty() { None } else { Some(self.path_of(prefix)?) };
            let mut stream = self.store.list(location.as_ref());
            let mut found = Vec::new();
            while let Some(meta) = stream.next().await {
                let meta = meta.map_err(|error| self.failed("list", prefix, error))?;
                found.push(ObjectInfo { key: meta.location.to_string(), size: meta.size });
            }
            found.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(found)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            match self.store.delete(&path).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(error) => Err(self.failed("delete", key, error)),
            }
        })
    }

    fn supports_presign(&self) -> bool {
        true
    }

    fn presign_put<'a>(&'a self, key: &'a str, expires_in: Duration) -> StorageFuture<'a, Url> {
        Box::pin(self.presign(Method::PUT, key, expires_in))
    }

    fn presign_get<'a>(&'a self, key: &'a str, expires_in: Duration) -> StorageFuture<'a, Url> {
        Box::pin(self.presign(Method::GET, key, expires_in))
    }
}
