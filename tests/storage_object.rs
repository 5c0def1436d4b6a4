//! The GCS and Azure providers of `synapse::storage`, opened from backend records without a
//! server: what they are, their URLs, Azure's presigned URLs (signed here with the account key),
//! and configurations their clients refuse. Built with synapse-tests' `s3` feature (the S3 phase
//! of scripts/test.sh).

use serde_json::json;
use std::time::Duration;
use synapse::storage::{self, Provider, StorageError, StorageRecord};

fn record(provider: &str, configuration: serde_json::Value) -> StorageRecord {
    serde_json::from_value(json!({"provider": provider, "configuration": configuration})).unwrap()
}

/// An account key as the Azure portal shows it (base64).
const AZURE_KEY: &str = "c3luYXBzZS10ZXN0LWFjY291bnQta2V5LW5vdC1hLXJlYWwtb25lLTAxMjM0NTY3ODk=";

#[tokio::test]
async fn azure_opens_from_its_record_and_presigns_locally() {
    let config = json!({"account_name": "acct", "account_key": AZURE_KEY, "container_name": "media"});
    let storage = storage::open(&record("azure", config)).unwrap();
    assert_eq!(storage.provider(), Provider::Azure);
    assert_eq!(storage.describe(), "azure container media of account acct");
    assert_eq!(storage.url("a/b.png").unwrap().as_str(), "az://media/a/b.png");
    assert!(storage.supports_presign());
    let url = storage.presign_get("a/b.png", Duration::from_secs(600)).await.unwrap();
    assert_eq!(url.host_str(), Some("acct.blob.core.windows.net"), "{url}");
    assert!(url.path().ends_with("/media/a/b.png"), "{url}");
    assert!(url.query_pairs().any(|(key, _)| key == "sig"), "a SAS signature: {url}");
    assert!(!url.as_str().contains(AZURE_KEY) && !format!("{storage:?}").contains(AZURE_KEY));
}

#[test]
fn gcs_refuses_a_broken_key_and_a_missing_key_file() {
    let key =
        json!({"bucket_name": "b", "credentials": "{\"type\": \"service_account\", \"private_key\": \"-----BEGIN"});
    let error = storage::open(&record("gcp", key)).unwrap_err();
    assert!(matches!(&error, StorageError::Config { provider, .. } if provider == "gcp"), "{error:?}");
    assert!(!error.to_string().contains("BEGIN"), "{error}");

    let missing = json!({"bucket_name": "b", "credentials": "/nonexistent/key.json"});
    let error = storage::open(&record("gs", missing)).unwrap_err();
    assert!(matches!(&error, StorageError::Config { provider, .. } if provider == "gcp"), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/key.json"), "{error}");
}
