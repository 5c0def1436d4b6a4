//! The S3 bucket of storage 2 as the presigned upload talks to it: reached once, at the first
//! presigned upload request, and kept for the backend's lifetime.
//!
//! | file | holds |
//! |---|---|
//! | `bucket.rs` | (feature `s3`) [`Bucket`]: the endpoint probed, URLs presigned with object_store's SigV4 signer, multipart uploads created and completed, objects read and removed |
//! | `disabled.rs` | (without `s3`) [`Bucket`] as a type with no values: presigned URLs always point at this backend |

#[cfg(feature = "s3")]
mod bucket;
#[cfg(not(feature = "s3"))]
mod disabled;

#[cfg(feature = "s3")]
pub(crate) use bucket::Bucket;
#[cfg(not(feature = "s3"))]
pub(crate) use disabled::Bucket;

use crate::routes::data::storages::S3Storage;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// Storage 2's bucket, reached lazily: [`Connector::bucket`] probes the record's endpoint the
/// first time it is asked, and answers the same for the rest of the backend's life.
pub(crate) struct Connector {
    record: Option<S3Storage>,
    bucket: OnceCell<Option<Arc<Bucket>>>,
}

impl Connector {
    /// The connector of `record` (none: there is never a bucket). With the `s3` feature, reqwest
    /// is built with rustls but no crypto provider of its own: this makes rustls's *ring*
    /// provider the process's default when there is none yet (as synapse's
    /// `storage::install_tls_provider` does), so that HTTP clients built after a backend starts
    /// work.
    pub(crate) fn new(record: Option<S3Storage>) -> Self {
        #[cfg(feature = "s3")]
        bucket::install_tls_provider();
        Self { record, bucket: OnceCell::new() }
    }

    /// The bucket presigned uploads go to: `None` without an S3 record, without the `s3` feature,
    /// or when the record's endpoint did not accept a TCP connection within two seconds the first
    /// time (then the backend's own `/_presigned/` URLs are handed out).
    pub(crate) async fn bucket(&self) -> Option<Arc<Bucket>> {
        let record = self.record.as_ref()?;
        self.bucket.get_or_init(|| async { Bucket::connect(record).await.map(Arc::new) }).await.clone()
    }
}
