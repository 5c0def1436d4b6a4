//! The S3 server the S3 storage tests (tests/storage_s3.rs) run against: moto_server, which
//! `scripts/moto.sh run` starts on loopback and describes in `SYNAPSE_TEST_S3_*` variables.
//!
//! Each such test begins with [`require_s3!`](crate::require_s3). Without a server
//! (`SYNAPSE_TEST_S3_ENDPOINT` unset) it fails in CI (`CI=true` or `CI=1`), and elsewhere prints
//! [`RUN_HINT`] on one line and passes without checking anything.

use crate::ray::in_ci;

/// The variable holding the server's address, e.g. `http://127.0.0.1:45123`.
pub const ENDPOINT_VAR: &str = "SYNAPSE_TEST_S3_ENDPOINT";

/// How to run the S3 tests against moto_server.
pub const RUN_HINT: &str = "scripts/moto.sh run -- cargo nextest run -p synapse-tests --features s3 --test storage_s3";

/// Where the S3 server is and the (fake) credentials it takes.
#[derive(Clone, Debug)]
pub struct S3Server {
    /// Its address, without a trailing `/`.
    pub endpoint: String,
    /// An access key id.
    pub access_key: String,
    /// A secret access key.
    pub secret_key: String,
    /// The region.
    pub region: String,
}

/// The server for an S3 test, or `None` when the test should return at once (see the module's
/// documentation). [`require_s3!`](crate::require_s3) wraps this.
pub fn s3_or_skip() -> Option<S3Server> {
    let var = |name: &str, default: &str| {
        std::env::var(name).ok().filter(|value| !value.trim().is_empty()).unwrap_or_else(|| default.to_owned())
    };
    let endpoint = var(ENDPOINT_VAR, "");
    if !endpoint.is_empty() {
        return Some(S3Server {
            endpoint: endpoint.trim().trim_end_matches('/').to_owned(),
            access_key: var("SYNAPSE_TEST_S3_ACCESS_KEY", "moto-access-key"),
            secret_key: var("SYNAPSE_TEST_S3_SECRET_KEY", "moto-secret-key"),
            region: var("SYNAPSE_TEST_S3_REGION", "us-east-1"),
        });
    }
    let test = std::thread::current().name().unwrap_or("this S3 test").to_owned();
    if in_ci() {
        panic!("{test} needs an S3 server, but {ENDPOINT_VAR} is unset in CI; run the S3 tests with: {RUN_HINT}");
    }
    eprintln!("skipped {test}: no S3 server ({ENDPOINT_VAR} is unset); run the S3 tests with: {RUN_HINT}");
    None
}

/// The S3 server for the test it begins, or an early `return` from that test (which must return
/// `()`): outside CI an S3 test without a server passes after printing how to run it; in CI it
/// fails.
#[macro_export]
macro_rules! require_s3 {
    () => {
        match $crate::s3::s3_or_skip() {
            Some(server) => server,
            None => return,
        }
    };
}

/// A new, empty bucket named `<prefix>-<pid>-<nanos>` on `server` (moto makes one on an unsigned
/// `PUT /<bucket>`), a dev backend listing it as storage 2 (`amazon_s3`), and the bucket opened
/// as a storage. Installs the process's TLS provider first: the test's own HTTP clients need it,
/// as synapse's do.
#[cfg(feature = "s3")]
pub async fn backend_with_bucket(
    server: &S3Server,
    prefix: &str,
) -> (synapse_dev_backend::RunningDevBackend, Box<dyn synapse::storage::Storage>) {
    use synapse::storage::{self, StorageRecord};
    storage::install_tls_provider();
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |since| since.subsec_nanos());
    let bucket = format!("{prefix}-{}-{nanos}", std::process::id());
    let response = reqwest::Client::new().put(format!("{}/{bucket}", server.endpoint)).send().await.expect("moto");
    assert!(response.status().is_success(), "creating bucket {bucket}: {}", response.status());
    let s3 = synapse_dev_backend::S3Storage {
        bucket_name: bucket.clone(),
        access_key: server.access_key.clone(),
        secret_key: server.secret_key.clone(),
        region_name: server.region.clone(),
        endpoint_url: server.endpoint.clone(),
    };
    let backend = synapse_dev_backend::DevBackend::builder()
        .token(crate::dev_backend::TOKEN)
        .in_memory()
        .s3_storage(s3)
        .bind("127.0.0.1:0")
        .start()
        .await
        .expect("dev backend");
    let record: StorageRecord = serde_json::from_value(serde_json::json!({
        "provider": "amazon_s3",
        "configuration": {"bucket_name": bucket, "access_key": server.access_key, "secret_key": server.secret_key,
                          "region_name": server.region, "endpoint_url": server.endpoint},
    }))
    .expect("a storage record");
    (backend, storage::open(&record).expect("the bucket"))
}
