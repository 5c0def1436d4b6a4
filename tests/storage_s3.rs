//! The S3 provider of `synapse::storage` against moto_server (`scripts/moto.sh run`, the S3
//! phase of scripts/test.sh): every operation on a bucket of its own per test, a multipart
//! upload, presigned PUT and GET, errors, and credentials kept out of every message.

use serde_json::json;
use std::time::Duration;
use synapse::storage::{self, ObjectInfo, Provider, Storage, StorageError, StorageRecord};
use synapse_tests::require_s3;
use synapse_tests::s3::S3Server;

/// The record the backend would return for `bucket` on `server`.
fn record(server: &S3Server, bucket: &str) -> StorageRecord {
    serde_json::from_value(json!({
        "id": 2, "name": "s3", "category": "internal", "is_default": false, "provider": "amazon_s3",
        "configuration": {
            "bucket_name": bucket, "access_key": server.access_key, "secret_key": server.secret_key,
            "region_name": server.region, "endpoint_url": server.endpoint,
        },
    }))
    .unwrap()
}

/// A new, empty bucket (moto creates one on an unsigned `PUT /<bucket>`), opened as a storage.
async fn new_bucket(server: &S3Server, name: &str) -> (String, Box<dyn Storage>) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    let bucket = format!("{name}-{}-{nanos}", std::process::id());
    let storage = storage::open(&record(server, &bucket)).unwrap();
    let response = reqwest::Client::new().put(format!("{}/{bucket}", server.endpoint)).send().await.unwrap();
    assert!(response.status().is_success(), "creating bucket {bucket}: {}", response.status());
    (bucket, storage)
}

#[tokio::test]
async fn bytes_go_in_and_come_out() {
    let server = require_s3!();
    let (bucket, storage) = new_bucket(&server, "bytes").await;
    assert_eq!(storage.provider(), Provider::AmazonS3);
    assert_eq!(storage.describe(), format!("amazon_s3 bucket {bucket} at {}", server.endpoint));
    assert_eq!(storage.url("a/b c.png").unwrap().as_str(), format!("s3://{bucket}/a/b%20c.png"));

    assert!(!storage.exists("a/b.txt").await.unwrap());
    storage.put_bytes("a/b.txt", b"first".to_vec()).await.unwrap();
    storage.put_bytes("a/b.txt", b"second".to_vec()).await.unwrap();
    assert!(storage.exists("a/b.txt").await.unwrap());
    assert!(!storage.exists("a").await.unwrap(), "a prefix is not an object");
    assert_eq!(storage.get_bytes("a/b.txt").await.unwrap(), b"second");
    storage.put_bytes("empty", Vec::new()).await.unwrap();
    assert_eq!(storage.get_bytes("empty").await.unwrap(), b"");
}

#[tokio::test]
async fn a_multi_megabyte_file_goes_up_in_parts_and_comes_back() {
    let server = require_s3!();
    let (_, storage) = new_bucket(&server, "multipart").await;
    let scratch = tempfile::tempdir().unwrap();
    let source = scratch.path().join("weights.bin");
    // 20 MiB and a bit: three parts of the 8 MiB multipart upload.
    let content: Vec<u8> =
        (0..20 * 1024 * 1024 + 4321u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    std::fs::write(&source, &content).unwrap();
    assert_eq!(storage.put_file("models/7/weights.bin", &source).await.unwrap(), content.len() as u64);
    let listed = storage.list("models").await.unwrap();
    assert_eq!(listed, [ObjectInfo { key: "models/7/weights.bin".into(), size: content.len() as u64 }]);

    let target = scratch.path().join("down/loaded.bin");
    assert_eq!(storage.get_to_file("models/7/weights.bin", &target).await.unwrap(), content.len() as u64);
    assert!(std::fs::read(&target).unwrap() == content, "the file came back changed");

    let small = scratch.path().join("small.txt");
    std::fs::write(&small, b"one request").unwrap();
    assert_eq!(storage.put_file("small.txt", &small).await.unwrap(), 11);
    assert_eq!(storage.get_bytes("small.txt").await.unwrap(), b"one request");
}

#[tokio::test]
async fn listings_take_prefixes_as_directories_and_delete_is_idempotent() {
    let server = require_s3!();
    let (_, storage) = new_bucket(&server, "list").await;
    assert_eq!(storage.list("").await.unwrap(), []);
    for (key, size) in [("a/x.txt", 1), ("a/b/y.txt", 2), ("a/b/z/w.txt", 3), ("ab/no.txt", 4), ("top.txt", 5)] {
        storage.put_bytes(key, vec![7; size]).await.unwrap();
    }
    let info = |key: &str, size: u64| ObjectInfo { key: key.to_owned(), size };
    assert_eq!(storage.list("a").await.unwrap(), [info("a/b/y.txt", 2), info("a/b/z/w.txt", 3), info("a/x.txt", 1)]);
    assert_eq!(storage.list("a/b/").await.unwrap(), [info("a/b/y.txt", 2), info("a/b/z/w.txt", 3)]);
    assert_eq!(storage.list("").await.unwrap().len(), 5);

    storage.delete("a/b/y.txt").await.unwrap();
    assert!(!storage.exists("a/b/y.txt").await.unwrap());
    assert_eq!(storage.list("a/b").await.unwrap(), [info("a/b/z/w.txt", 3)]);
    storage.delete("a/b/y.txt").await.unwrap();
    storage.delete("never/was").await.unwrap();
}

#[tokio::test]
async fn a_missing_object_names_the_key_and_the_bucket() {
    let server = require_s3!();
    let (bucket, storage) = new_bucket(&server, "missing").await;
    let scratch = tempfile::tempdir().unwrap();
    let error = storage.get_bytes("no/such.txt").await.unwrap_err();
    assert!(matches!(&error, StorageError::NotFound { key, .. } if key == "no/such.txt"), "{error:?}");
    assert!(error.to_string().contains(&bucket), "{error}");
    let target = scratch.path().join("out.bin");
    assert!(storage.get_to_file("no/such.txt", &target).await.unwrap_err().is_not_found());
    assert!(!target.exists());

    let error = storage.put_file("k", &scratch.path().join("absent.bin")).await.unwrap_err();
    assert!(matches!(error, StorageError::LocalFile { .. }), "{error}");
    for key in ["", "/abs", "../up", "a//b"] {
        let error = storage.put_bytes(key, b"x".to_vec()).await.unwrap_err();
        assert!(matches!(error, StorageError::InvalidKey { .. }), "{key:?}: {error}");
    }
}

#[tokio::test]
async fn presigned_put_then_get_work_without_credentials() {
    let server = require_s3!();
    let (_, storage) = new_bucket(&server, "presign").await;
    assert!(storage.supports_presign());
    let put = storage.presign_put("up/loaded.bin", Duration::from_secs(300)).await.unwrap();
    assert!(!put.as_str().contains(&server.secret_key), "{put}");
    let http = reqwest::Client::new();
    // moto stores the body of a PUT sent as a form (curl's default) empty: send octet-stream.
    let response = http
        .put(put)
        .header("Content-Type", "application/octet-stream")
        .body(b"sent by anyone".to_vec())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "presigned PUT: {}", response.status());
    assert_eq!(storage.get_bytes("up/loaded.bin").await.unwrap(), b"sent by anyone");

    let get = storage.presign_get("up/loaded.bin", Duration::from_secs(300)).await.unwrap();
    let response = http.get(get.clone()).send().await.unwrap();
    assert!(response.status().is_success(), "presigned GET: {}", response.status());
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"sent by anyone");

    // A SigV4 query signature, for the access key (not the secret) and the time asked for.
    let query: std::collections::HashMap<_, _> = get.query_pairs().into_owned().collect();
    assert_eq!(query.get("X-Amz-Algorithm").map(String::as_str), Some("AWS4-HMAC-SHA256"), "{get}");
    assert_eq!(query.get("X-Amz-Expires").map(String::as_str), Some("300"), "{get}");
    assert!(query["X-Amz-Credential"].starts_with(&format!("{}/", server.access_key)), "{get}");
    assert_eq!(query["X-Amz-Signature"].len(), 64, "{get}");
}

#[tokio::test]
async fn credentials_reach_no_message() {
    let server = require_s3!();
    let (bucket, storage) = new_bucket(&server, "secrets").await;
    let record = record(&server, &bucket);
    let config = storage::StorageConfig::from_record(&record).unwrap();
    let mut texts = vec![format!("{record:?}"), format!("{config:?}"), format!("{storage:?}"), storage.describe()];

    // Errors from the server: a bucket that does not exist.
    let gone = storage::open(&self::record(&server, "no-such-bucket-here")).unwrap();
    for error in [
        gone.list("").await.unwrap_err(),
        gone.put_bytes("a", b"x".to_vec()).await.unwrap_err(),
        gone.get_bytes("a").await.unwrap_err(),
    ] {
        assert!(error.to_string().contains("no-such-bucket-here"), "{error}");
        texts.push(format!("{error} {error:?}"));
    }
    // An error from the network: nothing listens there.
    let mut unreachable = record.clone();
    unreachable.configuration["endpoint_url"] = json!("http://127.0.0.1:9");
    let error = storage::open(&unreachable).unwrap().get_bytes("a").await.unwrap_err();
    assert!(matches!(error, StorageError::Operation { operation: "get", .. }), "{error:?}");
    texts.push(format!("{error} {error:?}"));

    for text in texts {
        assert!(!text.contains(&server.secret_key), "the secret key leaked: {text}");
    }
}

#[test]
fn clients_build_before_any_storage_is_opened() {
    // With `s3`, reqwest has rustls without a crypto provider of its own: synapse's clients
    // install one first (this test's process has opened no storage).
    let config = synapse::backend::BackendConfig::from_lookup(|name| match name {
        "SYNAPSE_HOST" => Some("https://backend.example".to_owned()),
        "SYNAPSE_ACCESS_TOKEN" => Some("token".to_owned()),
        _ => None,
    })
    .unwrap()
    .unwrap();
    assert!(synapse::backend::BackendClient::new(config).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backends_storage_record_opens_as_its_bucket() {
    use synapse::backend::{BackendClient, BackendConfig};
    use synapse_dev_backend::{DevBackend, S3Storage};
    let server = require_s3!();
    let (bucket, _) = new_bucket(&server, "backend").await;
    let backend = DevBackend::builder()
        .token("t")
        .s3_storage(S3Storage {
            bucket_name: bucket.clone(),
            access_key: server.access_key.clone(),
            secret_key: server.secret_key.clone(),
            region_name: server.region.clone(),
            endpoint_url: server.endpoint.clone(),
        })
        .start()
        .await
        .unwrap();
    let client = BackendClient::new(BackendConfig::new(backend.url(), "t").unwrap()).unwrap();
    // Storage 2 is the bucket, as the backend's record names it: written through it, read
    // straight from the bucket.
    let storage = client.open_storage(2).await.unwrap();
    assert_eq!(storage.describe(), format!("amazon_s3 bucket {bucket} at {}", server.endpoint));
    storage.put_bytes("exports/1/result.json", b"{}".to_vec()).await.unwrap();
    let direct = storage::open(&record(&server, &bucket)).unwrap();
    assert_eq!(direct.get_bytes("exports/1/result.json").await.unwrap(), b"{}");
    backend.shutdown().await.unwrap();
}
