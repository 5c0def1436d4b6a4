//! Storage 2's bucket through object_store (feature `s3`): the endpoint probed, SigV4 presigned
//! `PUT` URLs for whole objects and for the parts of a multipart upload (signed with the record's
//! credentials), multipart uploads created and completed, objects read and removed.

use crate::drf::ApiError;
use crate::routes::data::storages::S3Storage;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::signer::{Method, SignedUrlOptions, Signer, Url};
use object_store::{ObjectStoreExt, RetryConfig};
use std::time::Duration;

/// How long the probe of the endpoint waits for a TCP connection.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Storage 2's bucket, reached.
#[derive(Debug)]
pub(crate) struct Bucket {
    name: String,
    store: AmazonS3,
}

/// Makes rustls's *ring* provider the process's default when there is none: reqwest is built with
/// rustls but no provider of its own (`rustls-no-provider`), as synapse's `s3` feature builds it.
pub(super) fn install_tls_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Another thread may have installed one in between: then that one stays.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

impl Bucket {
    /// The bucket of `record` when its endpoint accepts a TCP connection within
    /// [`PROBE_TIMEOUT`] and object_store takes its configuration; `None` otherwise.
    pub(crate) async fn connect(record: &S3Storage) -> Option<Self> {
        let endpoint = Url::parse(&record.endpoint_url).ok()?;
        let host = endpoint.host_str()?.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = endpoint.port_or_known_default()?;
        let probe = tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await;
        if !matches!(probe, Ok(Ok(_))) {
            return None;
        }
        // A few quick retries: a confirmation waits on these requests.
        let retry = RetryConfig { max_retries: 2, retry_timeout: Duration::from_secs(30), ..RetryConfig::default() };
        let store = AmazonS3Builder::new()
            .with_bucket_name(&record.bucket_name)
            .with_access_key_id(&record.access_key)
            .with_secret_access_key(&record.secret_key)
            .with_region(&record.region_name)
            .with_endpoint(&record.endpoint_url)
            .with_allow_http(endpoint.scheme() == "http")
            .with_retry(retry)
            .build()
            .ok()?;
        Some(Self { name: record.bucket_name.clone(), store })
    }

    /// The bucket's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn failed(&self, what: &str, key: &str, error: &object_store::Error) -> ApiError {
        ApiError::Internal(format!("{what} `{key}` in bucket {}: {error}", self.name))
    }

    /// A presigned `PUT` of the whole object `key`, valid for `expires`.
    pub(crate) async fn sign_put(&self, key: &str, expires: Duration) -> Result<String, ApiError> {
        self.store
            .signed_url(Method::PUT, &Path::from(key), expires)
            .await
            .map(String::from)
            .map_err(|error| self.failed("presigning a PUT of", key, &error))
    }

    /// Starts a multipart upload of `key`: S3's upload id.
    pub(crate) async fn create_multipart(&self, key: &str) -> Result<String, ApiError> {
        self.store
            .create_multipart(&Path::from(key))
            .await
            .map_err(|error| self.failed("starting a multipart upload of", key, &error))
    }

    /// A presigned `UploadPart` (`PUT ?partNumber=<number>&uploadId=<upload_id>`, both signed) of
    /// part `number` (1-based) of `key`, valid for `expires`.
    pub(crate) async fn sign_part(
        &self,
        key: &str,
        upload_id: &str,
        number: u64,
        expires: Duration,
    ) -> Result<String, ApiError> {
        let options = SignedUrlOptions::default()
            .with_query([("partNumber", number.to_string()), ("uploadId", upload_id.into())]);
        self.store
            .signed_url_opts(Method::PUT, &Path::from(key), expires, &options)
            .await
            .map(String::from)
            .map_err(|error| self.failed(&format!("presigning part {number} of"), key, &error))
    }

    /// Completes multipart upload `upload_id` of `key` from its parts' ETags, in part order; S3's
    /// refusal (a wrong ETag, a part too small, an unknown upload) as its message.
    pub(crate) async fn complete(&self, key: &str, upload_id: &str, etags: Vec<String>) -> Result<(), String> {
        let parts = etags.into_iter().map(|content_id| PartId { content_id }).collect();
        self.store
            .complete_multipart(&Path::from(key), &upload_id.to_owned(), parts)
            .await
            .map(drop)
            .map_err(|error| format!("bucket {} did not complete the multipart upload of `{key}`: {error}", self.name))
    }

    /// The content of object `key`; `None` when there is none.
    pub(crate) async fn fetch(&self, key: &str) -> Result<Option<Vec<u8>>, ApiError> {
        let read = async { self.store.get(&Path::from(key)).await?.bytes().await };
        match read.await {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(error) => Err(self.failed("reading", key, &error)),
        }
    }

    /// Removes object `key` (one already gone is no error).
    pub(crate) async fn remove(&self, key: &str) -> Result<(), ApiError> {
        match self.store.delete(&Path::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(self.failed("removing", key, &error)),
        }
    }
}
