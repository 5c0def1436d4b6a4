//! Chunked upload and models (`synapse::backend`) against the dev backend: files sent in
//! `Content-Range` chunks arrive whole with their MD5, a lost finalize is rechecked and never
//! sent twice, an interrupted upload resumes or fails naming the upload, the offset and the file,
//! and a model made from a file downloads back byte for byte.

use md5::{Digest, Md5};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use synapse::backend::{BackendClient, BackendError, ChunkedUploadOptions, ModelCreate, RecheckPolicy, TransferError};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{client_of, dev, fault, quick, start, state};

const CHUNK: u64 = 64 * 1024;

fn client(backend: &RunningDevBackend) -> BackendClient {
    client_of(backend.url(), quick(3, 5, 20))
}

fn options() -> ChunkedUploadOptions {
    let recheck = RecheckPolicy { attempts: 3, base: Duration::from_millis(5), budget: Duration::from_secs(2) };
    ChunkedUploadOptions::default().chunk_size(CHUNK).recheck(recheck)
}

/// A file of `len` bytes (not periodic at the chunk size) in `dir`.
fn file(dir: &Path, name: &str, len: usize) -> (PathBuf, Vec<u8>) {
    let bytes: Vec<u8> = (0..len).map(|i| ((i * 31 + i / 7) % 253) as u8).collect();
    let path = dir.join(name);
    std::fs::write(&path, &bytes).expect("write the file");
    (path, bytes)
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn count(state: &Value, route: &str) -> u64 {
    state["requests"][route].as_u64().unwrap_or(0)
}

#[tokio::test]
async fn a_file_arrives_in_chunks_with_its_md5() {
    let backend = start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (path, bytes) = file(dir.path(), "model.zip", 300_000);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let progress = seen.clone();
    let options = options().on_progress(move |sent, total| progress.lock().expect("lock").push((sent, total)));
    let upload = client(&backend).chunked_upload(&path, &options).await.expect("uploaded");
    assert_eq!((upload.checksum.as_deref(), upload.size), (Some(md5_hex(&bytes).as_str()), Some(300_000)));
    assert!(upload.completed_at.is_some(), "{upload:?}");

    let state = state(&backend).await;
    let stored = &state["chunked_uploads"][0];
    assert_eq!(stored["md5"], md5_hex(&bytes), "{stored}");
    assert_eq!((stored["size"].as_u64(), stored["filename"].as_str()), (Some(300_000), Some("model.zip")));
    assert_eq!(stored["id"], json!(upload.id.to_string()));
    // 5 chunks of 64 KiB at most: the first creates the upload.
    assert_eq!((count(&state, "PUT /chunked_upload/"), count(&state, "PUT /chunked_upload/{id}/")), (1, 4));
    assert_eq!(count(&state, "POST /chunked_upload/{id}/"), 1);
    let sent: Vec<u64> = seen.lock().expect("lock").iter().map(|(sent, _)| *sent).collect();
    assert_eq!(sent, [65_536, 131_072, 196_608, 262_144, 300_000]);
    let served = reqwest::get(upload.file.expect("a file URL")).await.expect("GET").bytes().await.expect("bytes");
    assert_eq!(served.as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn empty_files_and_exact_multiples_of_the_chunk() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("dir");
    let (empty, _) = file(dir.path(), "empty.bin", 0);
    let upload = client.chunked_upload(&empty, &options()).await.expect("an empty file uploads");
    assert_eq!((upload.checksum.as_deref(), upload.size), (Some(md5_hex(b"").as_str()), Some(0)));
    let (exact, bytes) = file(dir.path(), "exact.bin", 2 * CHUNK as usize);
    let upload = client.chunked_upload(&exact, &options()).await.expect("uploaded");
    assert_eq!(upload.checksum, Some(md5_hex(&bytes)));
    let state = state(&backend).await;
    assert_eq!(state["chunked_uploads"][0]["md5"], md5_hex(b""));
    assert_eq!(state["chunked_uploads"][1]["md5"], md5_hex(&bytes));
    // One empty chunk, then two full ones: no empty chunk at the end.
    assert_eq!((count(&state, "PUT /chunked_upload/"), count(&state, "PUT /chunked_upload/{id}/")), (2, 1));
}

#[tokio::test]
async fn a_lost_finalize_is_rechecked_not_sent_twice() {
    let backend = start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (path, bytes) = file(dir.path(), "model.zip", 150_000);
    fault(&backend, json!({"method": "POST", "path_glob": "/chunked_upload/*/", "nth": 1, "drop_response": true}))
        .await;
    let upload = client(&backend).chunked_upload(&path, &options()).await.expect("recovered by GET");
    assert_eq!(upload.checksum, Some(md5_hex(&bytes)));
    assert!(upload.completed_at.is_some());
    let state = state(&backend).await;
    assert_eq!(count(&state, "POST /chunked_upload/{id}/"), 1, "the finalize was not sent again");
    assert!(count(&state, "GET /chunked_upload/{id}/") >= 1, "the client asked");
    assert_eq!(state["faults"][0]["fired"], 1);
}

#[tokio::test]
async fn a_finalize_the_backend_shows_not_applied_is_sent_again() {
    let backend = start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (path, bytes) = file(dir.path(), "model.zip", 70_000);
    // A 502 from a proxy: the request never reached the backend.
    fault(&backend, json!({"method": "POST", "path_glob": "/chunked_upload/*/", "nth": 1, "status": 502})).await;
    let upload = client(&backend).chunked_upload(&path, &options()).await.expect("finalized the second time");
    assert_eq!(upload.checksum, Some(md5_hex(&bytes)));
    let state = state(&backend).await;
    assert_eq!(count(&state, "POST /chunked_upload/{id}/"), 2);
    assert_eq!(count(&state, "GET /chunked_upload/{id}/"), 3, "every recheck said: not completed");
}

#[tokio::test]
async fn a_failed_chunk_is_sent_again_and_a_lost_one_resumes_at_the_backends_offset() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("dir");
    let (path, bytes) = file(dir.path(), "a.bin", 300_000);
    // The 3rd chunk (`**`: the first chunk's path and the others').
    fault(&backend, json!({"method": "PUT", "path_glob": "/chunked_upload/**", "nth": 3, "status": 500})).await;
    let upload = client.chunked_upload(&path, &options()).await.expect("uploaded despite the 500");
    assert_eq!(upload.checksum, Some(md5_hex(&bytes)));
    let first = state(&backend).await;
    assert_eq!(count(&first, "PUT /chunked_upload/{id}/"), 5, "4 chunks and the one sent again");

    dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    // The 2nd chunk is applied, its answer lost: sent again, refused ("Offsets do not match"),
    // resumed from the backend's offset.
    fault(&backend, json!({"method": "PUT", "path_glob": "/chunked_upload/*/", "nth": 1, "drop_response": true})).await;
    let upload = client.chunked_upload(&path, &options()).await.expect("resumed");
    assert_eq!(upload.checksum, Some(md5_hex(&bytes)));
    let second = state(&backend).await;
    assert_eq!(second["chunked_uploads"][1]["md5"], md5_hex(&bytes));
    assert_eq!(count(&second, "PUT /chunked_upload/{id}/") - 5, 5, "4 chunks and the refused repeat");
}

#[tokio::test]
async fn an_upload_that_keeps_failing_names_the_upload_the_offset_and_the_file() {
    let backend = start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (path, _) = file(dir.path(), "model.zip", 300_000);
    fault(&backend, json!({"method": "PUT", "path_glob": "/chunked_upload/*/", "status": 500})).await;
    let error = client(&backend).chunked_upload(&path, &options()).await.expect_err("it keeps failing");
    let message = error.to_string();
    let TransferError::Interrupted { file, id, offset, total, source } = error else { panic!("{message}") };
    let id = id.expect("the first chunk created the upload");
    assert_eq!((file, offset, total, source.status()), (path.clone(), CHUNK, 300_000, Some(500)));
    assert!(message.contains(&id.to_string()) && message.contains("model.zip"), "{message}");
    assert!(message.contains("stopped at byte 65536 of 300000"), "{message}");
    let state = state(&backend).await;
    assert_eq!(count(&state, "PUT /chunked_upload/{id}/"), 3, "tried as the retry policy says");
    assert_eq!(count(&state, "POST /chunked_upload/{id}/"), 0, "never finalized");

    let missing = client(&backend).chunked_upload(dir.path().join("nope.zip"), &options()).await;
    let Err(TransferError::File { file, action, .. }) = missing else { panic!("{missing:?}") };
    assert_eq!((file, action), (dir.path().join("nope.zip"), "opening"));
}

#[tokio::test]
async fn a_model_made_from_a_file_downloads_back_byte_for_byte() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("dir");
    let (path, bytes) = file(dir.path(), "model.zip", 200_000);
    let request = ModelCreate {
        plugin: Some("detector".to_owned()),
        version: Some("0.1.0".to_owned()),
        configuration: Some(json!({"classes": ["car", "person"]})),
        ..ModelCreate::new("detector-1")
    };
    let model = client.create_model_from_file(&path, request, &options()).await.expect("created");
    assert_eq!((model.name.as_str(), model.version.as_deref()), ("detector-1", Some("0.1.0")));
    let got = client.get_model(model.id).await.expect("GET models/{id}/");
    assert_eq!(got, model);
    let dest = dir.path().join("downloaded.zip");
    let size = client.download_model_file(&got, &dest).await.expect("downloaded");
    assert_eq!((size, std::fs::read(&dest).expect("read")), (200_000, bytes));

    let state = state(&backend).await;
    let stored = &state["models"][0];
    assert_eq!(stored["chunked_upload"], state["chunked_uploads"][0]["id"], "{stored}");
    assert_eq!(stored["configuration"], json!({"classes": ["car", "person"]}));
    assert_eq!(count(&state, "GET /media/{*key}"), 1);
}

#[tokio::test]
async fn the_servers_field_message_surfaces() {
    let backend = start().await;
    let client = client(&backend);
    let request =
        ModelCreate { chunked_upload: Some("0123456789abcdef0123456789abcdef".into()), ..ModelCreate::new("m") };
    let error = client.create_model(&request).await.expect_err("no such upload");
    let BackendError::Status { status, ref message, ref path, .. } = error else { panic!("{error}") };
    assert_eq!((status, path.as_str()), (400, "models/"));
    assert_eq!(message, "chunked_upload: Invalid pk \"0123456789abcdef0123456789abcdef\" - object does not exist.");
    let missing = client.get_model(7).await.expect_err("no model 7");
    assert_eq!(missing.status(), Some(404));
}

#[tokio::test]
async fn a_finalize_that_keeps_failing_is_sent_once_more_then_named() {
    let backend = start().await;
    let dir = tempfile::tempdir().expect("dir");
    let (path, _) = file(dir.path(), "model.zip", 70_000);
    fault(&backend, json!({"method": "POST", "path_glob": "/chunked_upload/*/", "status": 500})).await;
    let error = client(&backend).chunked_upload(&path, &options()).await.expect_err("never finalized");
    let message = error.to_string();
    let TransferError::Finalize { file, id, source } = error else { panic!("{message}") };
    assert_eq!((file, source.status()), (path, Some(500)));
    assert!(message.starts_with(&format!("finalizing chunked upload {id} of ")), "{message}");
    let state = state(&backend).await;
    assert_eq!(count(&state, "POST /chunked_upload/{id}/"), 2, "once, then once more after the rechecks");
    assert_eq!(state["chunked_uploads"][0]["completed_at"], Value::Null);
}

#[tokio::test]
async fn bad_options_and_a_model_without_a_file() {
    let backend = start().await;
    let client = client(&backend);
    let dir = tempfile::tempdir().expect("dir");
    let (path, _) = file(dir.path(), "a.bin", 10);
    let error = client.chunked_upload(&path, &options().chunk_size(0)).await.expect_err("no chunk size");
    assert!(matches!(error, TransferError::Backend(BackendError::Config(_))), "{error}");
    let model: synapse::backend::Model =
        serde_json::from_value(json!({"id": 3, "name": "m", "file": null})).expect("a model");
    let error = client.download_model_file(&model, dir.path().join("m.zip")).await.expect_err("no file");
    assert_eq!(error.to_string(), "model 3 has no file");
    let gone = synapse::backend::Model { file: Some(format!("{}media/nope.zip", backend.url())), ..model };
    let error = client.download_model_file(&gone, dir.path().join("m.zip")).await.expect_err("404");
    let TransferError::Backend(BackendError::Status { status: 404, ref path, .. }) = error else { panic!("{error}") };
    assert_eq!(path, "media/nope.zip");
    assert!(!dir.path().join("m.zip").exists());
}
