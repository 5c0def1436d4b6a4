//! The upload workflow's presigned path against a real S3 API (moto_server, `scripts/moto.sh run`,
//! the S3 phase of scripts/test.sh): the dev backend lists the bucket as storage 2 (`amazon_s3`)
//! and hands out S3's own presigned URLs (a multipart upload for the file above 5 MiB), the
//! default uploader puts the files straight into the bucket, and the confirmation checks each
//! object there; an object that is not what the client reports is refused, naming the file. The
//! Python SDK's wire (a PUT with the file's MIME type, parts with their ETags) is sent by hand, and
//! parts confirmed with the wrong ETags are refused, naming the file.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;
use synapse::backend::checksum_of;
use synapse::upload::{DefaultUploader, UploadParams, run_upload};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{TOKEN, client_of, fault, quick, state};
use synapse_tests::require_s3;
use synapse_tests::s3::backend_with_bucket;
use synapse_tests::upload::{collection, context, image_bytes, write_pairs};

/// The size of the large image: above the 5 MiB a single presigned PUT takes here.
const LARGE: usize = 5 * 1024 * 1024 + 70_000;

/// Params uploading `dir` into collection `id` through storage 2, the bucket.
fn params(dir: &Path, id: u64) -> UploadParams {
    UploadParams { creating_data_unit_batch_size: 2, ..UploadParams::new("pets", dir.display().to_string(), 2, id) }
}

/// The routes the backend counted requests on, none of them its own presigned target.
fn assert_no_own_presigned(state: &Value) {
    let requests = state["requests"].as_object().expect("requests");
    assert!(requests.keys().all(|route| !route.contains("/_presigned/")), "{requests:?}");
    assert!(state["unmatched"].as_array().is_none_or(Vec::is_empty), "{}", state["unmatched"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_goes_into_the_bucket_through_s3s_presigned_urls() {
    let server = require_s3!();
    let (backend, bucket) = backend_with_bucket(&server, "upload-pairs").await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 3);
    let large: Vec<u8> = (0..LARGE).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.path().join("image_1/large.png"), &large).expect("a large image");
    std::fs::write(dir.path().join("data_meta_1/large.json"), b"{\"large\": true}").expect("its JSON");
    let (ctx, _) = context(&backend);

    let result = run_upload(&ctx, params(dir.path(), id), &DefaultUploader).await.expect("the upload");
    assert_eq!((result.uploaded_files, result.data_units), (8, 4), "{result:#?}");
    assert!(result.failed_files.is_empty() && !result.partial_failure, "{result:#?}");

    let state = state(&backend).await;
    assert_no_own_presigned(&state);
    assert_eq!(state["requests"]["POST /data_files/presigned_upload/upload/"], 1, "{}", state["requests"]);
    assert!(state["requests"].get("POST /data_files/").is_none(), "{}", state["requests"]);
    // Every data file is an object of the bucket, under its key, with the local file's bytes.
    let mut local: BTreeMap<String, Vec<u8>> = (0..3)
        .flat_map(|i| {
            [
                (format!("img_{i:04}.png"), image_bytes(i)),
                (format!("img_{i:04}.json"), format!("{{\"index\": {i}}}").into_bytes()),
            ]
        })
        .collect();
    local.insert("large.png".into(), large.clone());
    local.insert("large.json".into(), b"{\"large\": true}".to_vec());
    let files = state["data_files"].as_array().expect("data files");
    assert_eq!(files.len(), 8, "{files:#?}");
    let mut keys = Vec::new();
    for file in files {
        let (name, key) = (file["filename"].as_str().unwrap(), file["key"].as_str().unwrap());
        let object = bucket.get_bytes(key).await.unwrap_or_else(|error| panic!("{name} in the bucket: {error}"));
        assert!(object == local[name], "{name}: the object {key} is not the file ({} bytes)", object.len());
        assert_eq!(file["checksum"], json!(checksum_of(&local[name])), "{name}");
        assert_eq!(
            (file["size"].as_u64(), file["origin"].as_str()),
            (Some(local[name].len() as u64), Some("presigned"))
        );
        keys.push(key.to_owned());
    }
    let mut listed: Vec<String> = bucket.list("").await.unwrap().into_iter().map(|object| object.key).collect();
    keys.sort();
    listed.sort();
    assert_eq!(listed, keys, "the bucket holds the data files and nothing else");

    // The units bind the files; their URLs serve the content (the backend's copy of the object).
    let units = state["data_units"].as_array().expect("units");
    assert_eq!(units.len(), 4);
    let large_file = files.iter().find(|file| file["filename"] == "large.png").expect("the large image's file");
    let large_unit = units.iter().find(|unit| unit["files"]["image_1"] == large_file["id"]).expect("its unit");
    let client = client_of(backend.url(), quick(2, 5, 20));
    let unit = client.get_data_unit(large_unit["id"].as_u64().expect("an id")).await.expect("the unit");
    let image = &unit.files["image_1"];
    assert_eq!(image.file_name(), Some("large.png"));
    // The large image went in two presigned parts: its object's ETag is a multipart upload's.
    let key = large_file["key"].as_str().unwrap();
    let url = bucket.presign_get(key, Duration::from_secs(60)).await.expect("a GET URL");
    let response = reqwest::get(url.as_str()).await.unwrap();
    let etag = response.headers().get("etag").and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    assert!(etag.trim_matches('"').ends_with("-2"), "{key}: ETag {etag:?}");
    let served = reqwest::get(image.url.as_deref().expect("a URL")).await.unwrap().bytes().await.unwrap();
    assert!(served.as_ref() == large.as_slice(), "the large image's URL serves {} bytes", served.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_changed_before_the_confirmation_is_refused_naming_its_file() {
    let server = require_s3!();
    let (backend, bucket) = backend_with_bucket(&server, "upload-changed").await;
    let id = collection(&backend, None).await;
    let dir = tempfile::tempdir().expect("a folder");
    write_pairs(dir.path(), 2);
    // The confirmation waits; meanwhile, once all four objects are in, img_0001.png's is changed.
    fault(
        &backend,
        json!({"method": "POST", "path_glob": "/data_files/presigned_upload/confirm_upload/", "nth": 1, "delay_ms": 3000}),
    )
    .await;
    let changer = tokio::spawn(async move {
        for _ in 0..250 {
            let objects = bucket.list("").await.expect("the listing");
            if objects.len() == 4 {
                for object in objects {
                    if bucket.get_bytes(&object.key).await.expect("an object") == image_bytes(1) {
                        bucket.put_bytes(&object.key, b"not the image".to_vec()).await.expect("overwritten");
                        return (bucket, object.key);
                    }
                }
                panic!("no object holds img_0001.png");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the four objects never arrived");
    });
    let (ctx, _) = context(&backend);
    let result = run_upload(&ctx, params(dir.path(), id), &DefaultUploader).await.expect("the upload");
    let (bucket, changed) = changer.await.expect("the object changed");

    assert_eq!((result.uploaded_files, result.data_units), (2, 1), "{result:#?}");
    let refused = result.failed_files.iter().find(|f| f.path.ends_with("img_0001.png")).expect("img_0001.png refused");
    for part in ["img_0001.png: checksum mismatch", changed.as_str(), &checksum_of(&image_bytes(1))] {
        assert!(refused.reason.contains(part), "{:?} lacks {part:?}", refused.reason);
    }
    assert!(result.failed_files.iter().any(|f| f.path.ends_with("img_0001.json")), "{result:#?}");
    // The refused object is gone from the bucket; no data file was made of it.
    assert!(!bucket.exists(&changed).await.expect("exists"), "{changed} is still in the bucket");
    let state = state(&backend).await;
    assert_no_own_presigned(&state);
    let files = state["data_files"].as_array().expect("data files");
    assert!(files.iter().all(|file| file["key"] != json!(changed)), "{files:#?}");
}

/// `POST` of `body` to the API path `path` of `backend`, with the token: the JSON answer.
async fn api(backend: &RunningDevBackend, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", backend.url()))
        .header("Synapse-Access-Token", format!("Token {TOKEN}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    response.json().await.unwrap()
}

/// A `PUT` of `bytes` to a presigned URL, with `content_type` when given: the ETag answered.
async fn put(url: &str, bytes: Vec<u8>, content_type: Option<&str>) -> String {
    let mut request = reqwest::Client::new().put(url).body(bytes);
    if let Some(content_type) = content_type {
        request = request.header("content-type", content_type);
    }
    let response = request.send().await.unwrap();
    assert!(response.status().is_success(), "PUT {}: {}", url.split('?').next().unwrap(), response.status());
    response.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_wire_works_and_parts_confirmed_with_wrong_etags_are_refused() {
    let server = require_s3!();
    let (backend, bucket) = backend_with_bucket(&server, "upload-wire").await;
    let cat = image_bytes(7);
    let big: Vec<u8> = (0..LARGE).map(|i| (i % 241) as u8).collect();
    let files = json!([
        {"filename": "cat.png", "size": cat.len(), "content_type": "image/png"},
        {"filename": "big.bin", "size": big.len(), "content_type": null},
        {"filename": "bad.bin", "size": big.len()},
    ]);
    let handed = api(&backend, "data_files/presigned_upload/upload/", json!({"files": files, "expiration": 600})).await;
    let handed = handed["files"].as_array().unwrap();
    // S3's own URLs: SigV4 query signatures, path-style under the endpoint.
    let single = handed[0]["presigned_url"].as_str().expect("a single PUT for the small file");
    assert!(single.starts_with(&server.endpoint) && single.contains("X-Amz-Signature="), "{single}");
    // As the SDK puts a file: with its MIME type.
    put(single, cat.clone(), Some("image/png")).await;
    let mut confirm =
        vec![json!({"file_key": handed[0]["file_key"], "checksum": checksum_of(&cat), "size": cat.len()})];
    for (entry, swap) in [(&handed[1], false), (&handed[2], true)] {
        let multipart = &entry["multipart"];
        assert_eq!(multipart["part_size"], 5 * 1024 * 1024, "{entry}");
        let mut parts = Vec::new();
        for (part, chunk) in multipart["parts"].as_array().unwrap().iter().zip(big.chunks(5 * 1024 * 1024)) {
            let url = part["presigned_url"].as_str().unwrap();
            assert!(url.contains("partNumber=") && url.contains("uploadId="), "{url}");
            parts.push(json!({"part_number": part["part_number"], "etag": put(url, chunk.to_vec(), None).await}));
        }
        assert_eq!(parts.len(), 2);
        if swap {
            let first = parts[0]["etag"].clone();
            parts[0]["etag"] = parts[1]["etag"].clone();
            parts[1]["etag"] = first;
        }
        confirm.push(json!({"file_key": entry["file_key"], "checksum": checksum_of(&big), "size": big.len(),
                            "multipart": {"upload_id": multipart["upload_id"], "parts": parts}}));
    }
    let confirmed = api(&backend, "data_files/presigned_upload/confirm_upload/", json!({"files": confirm})).await;
    assert_eq!((confirmed["created_count"].clone(), confirmed["failed_count"].clone()), (json!(2), json!(1)));
    let results = confirmed["results"].as_array().unwrap();
    assert!(results[0]["success"] == true && results[1]["success"] == true, "{confirmed}");
    let error = results[2]["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("bad.bin: bucket ") && error.contains("multipart upload"), "{error}");

    let key = |i: usize| handed[i]["file_key"].as_str().unwrap().to_owned();
    assert!(bucket.get_bytes(&key(0)).await.unwrap() == cat, "cat.png in the bucket");
    assert!(bucket.get_bytes(&key(1)).await.unwrap() == big, "big.bin in the bucket");
    assert!(!bucket.exists(&key(2)).await.unwrap(), "bad.bin never became an object");
    assert_no_own_presigned(&state(&backend).await);
}
