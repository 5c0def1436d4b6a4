//! Chunked uploads: chunks PUT with `Content-Range` as the SDK sends them, appended in order and
//! refused out of order (with the offset to resume from), the finalize's MD5 checked, the file
//! served from the media once complete, and everything shown in `/_dev/state`.

mod common;

use common::{TOKEN, authed, client, start, state, status_and_json, url};
use md5::{Digest, Md5};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use synapse_dev_backend::RunningDevBackend;

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

/// A chunk PUT as the SDK makes it: `filename` field, `file` part, `Content-Range` (when given).
async fn put_chunk(http: &Client, target: &str, chunk: &[u8], range: Option<String>) -> (u16, Value) {
    let form = Form::new().text("filename", "model.zip").part("file", Part::bytes(chunk.to_vec()).file_name("file"));
    let mut request = authed(http.put(target)).multipart(form);
    if let Some(range) = range {
        request = request.header("Content-Range", range);
    }
    status_and_json(request.send().await.expect("a chunk PUT")).await
}

/// Uploads `data` in chunks of `chunk` bytes; the last answer.
async fn upload(http: &Client, backend: &RunningDevBackend, data: &[u8], chunk: usize) -> Value {
    let mut target = url(backend, "chunked_upload/");
    let mut last = Value::Null;
    for (index, piece) in data.chunks(chunk).enumerate() {
        let start = index * chunk;
        let range = format!("bytes {start}-{}/{}", start + piece.len() - 1, data.len());
        let (status, body) = put_chunk(http, &target, piece, Some(range)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["offset"], start + piece.len(), "{body}");
        target = body["url"].as_str().expect("a url").to_owned();
        last = body;
    }
    last
}

async fn finalize(http: &Client, target: &str, md5: &str) -> (u16, Value) {
    status_and_json(authed(http.post(target)).json(&json!({ "md5": md5 })).send().await.expect("finalize")).await
}

#[tokio::test]
async fn chunks_are_assembled_and_finalized_with_their_md5() {
    let backend = start().await;
    let http = client();
    let data = bytes(25_000);
    let last = upload(&http, &backend, &data, 10_000).await;
    let id = last["id"].as_str().expect("an id").to_owned();
    assert_eq!(id.len(), 32, "django-chunked-upload's ids are 32 hex digits: {id}");
    assert_eq!(last["url"], url(&backend, &format!("chunked_upload/{id}/")));
    assert_eq!(last["filename"], "model.zip");
    assert!(last["expires"].as_str().is_some_and(|expires| expires.ends_with('Z')), "{last}");

    let (status, got) = status_and_json(authed(http.get(last["url"].as_str().unwrap())).send().await.unwrap()).await;
    assert_eq!((status, &got["completed_at"], &got["offset"]), (200, &Value::Null, &json!(25_000)), "{got}");

    let (status, done) = finalize(&http, last["url"].as_str().unwrap(), &md5_hex(&data)).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["checksum"].as_str(), done["size"].as_u64(), done["status"].as_i64()),
        (Some(md5_hex(&data).as_str()), Some(25_000), Some(2))
    );
    assert!(done["completed_at"].is_string(), "{done}");
    let file = done["file"].as_str().expect("a file URL");
    assert_eq!(file, url(&backend, &format!("media/chunked_uploads/{id}/model.zip")));
    assert_eq!(http.get(file).send().await.unwrap().bytes().await.unwrap().as_ref(), data.as_slice());

    let (_, got) = status_and_json(authed(http.get(last["url"].as_str().unwrap())).send().await.unwrap()).await;
    assert_eq!(got["completed_at"], done["completed_at"], "GET shows the completion: {got}");

    let state = state(&http, &backend).await;
    let shown = &state["chunked_uploads"][0];
    assert_eq!(
        (shown["md5"].as_str(), shown["size"].as_u64(), shown["offset"].as_u64()),
        (Some(md5_hex(&data).as_str()), Some(25_000), Some(25_000)),
        "{shown}"
    );
    assert_eq!(state["requests"]["PUT /chunked_upload/"], 1);
    assert_eq!(state["requests"]["PUT /chunked_upload/{id}/"], 2);
    assert_eq!(state["requests"]["POST /chunked_upload/{id}/"], 1);
    // A completed upload takes no more chunks and no second finalize.
    let (status, body) =
        put_chunk(&http, last["url"].as_str().unwrap(), b"x", Some("bytes 25000-25000/25001".into())).await;
    assert_eq!((status, &body["detail"]), (400, &json!("Upload has already been completed")));
    let (status, body) = finalize(&http, last["url"].as_str().unwrap(), &md5_hex(&data)).await;
    assert_eq!((status, &body["detail"]), (400, &json!("Upload has already been completed")));
}

#[tokio::test]
async fn chunks_out_of_order_are_refused_with_the_offset_to_resume_from() {
    let backend = start().await;
    let http = client();
    let (status, first) =
        put_chunk(&http, &url(&backend, "chunked_upload/"), &[1; 10], Some("bytes 0-9/30".into())).await;
    assert_eq!(status, 200, "{first}");
    let target = first["url"].as_str().unwrap().to_owned();
    // The same chunk again (a retry whose first try was applied): refused, offset 10.
    let (status, body) = put_chunk(&http, &target, &[1; 10], Some("bytes 0-9/30".into())).await;
    assert_eq!((status, body), (400, json!({"detail": "Offsets do not match", "offset": 10})));
    let (status, body) = put_chunk(&http, &target, &[2; 10], Some("bytes 10-19/31".into())).await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().unwrap().contains("does not match the upload's total of 30 bytes"), "{body}");
    let (status, body) = put_chunk(&http, &target, &[2; 9], Some("bytes 10-19/30".into())).await;
    assert_eq!((status, &body["detail"]), (400, &json!("File size doesn't match headers")));
    let (status, body) = put_chunk(&http, &target, &[2; 10], Some("bytes 10-30/30".into())).await;
    assert_eq!(status, 400, "{body}");
    let no_file = authed(http.put(&target)).header("Content-Range", "bytes 10-19/30");
    let no_file = no_file.multipart(Form::new().text("filename", "x")).send().await.unwrap();
    let (status, body) = status_and_json(no_file).await;
    assert_eq!((status, &body["detail"]), (400, &json!("No chunk file was submitted")));
    let (status, body) =
        put_chunk(&http, &url(&backend, "chunked_upload/"), &[1; 10], Some("bytes 5-14/30".into())).await;
    assert_eq!((status, body), (400, json!({"detail": "Offsets do not match", "offset": 0})));

    // None of the refused chunks moved the offset; the right one does.
    let (status, body) = put_chunk(&http, &target, &[2; 10], Some("bytes 10-19/30".into())).await;
    assert_eq!((status, &body["offset"]), (200, &json!(20)), "{body}");
    let state = state(&http, &backend).await;
    assert_eq!(state["chunked_uploads"].as_array().unwrap().len(), 1, "refused first chunks create nothing");
}

#[tokio::test]
async fn a_wrong_md5_is_refused_and_a_right_one_then_completes() {
    let backend = start().await;
    let http = client();
    let data = bytes(1000);
    let last = upload(&http, &backend, &data, 400).await;
    let target = last["url"].as_str().unwrap();
    let (status, body) = finalize(&http, target, &md5_hex(b"other")).await;
    assert_eq!((status, body), (400, json!({"detail": "md5 checksum does not match"})));
    let state_after = state(&http, &backend).await;
    assert_eq!(state_after["chunked_uploads"][0]["status"], 3, "failed");
    assert_eq!(state_after["chunked_uploads"][0]["completed_at"], Value::Null);

    let missing = status_and_json(authed(http.post(target)).json(&json!({})).send().await.unwrap()).await;
    assert_eq!(missing, (400, json!({"md5": ["This field is required."]})));
    // A form works as well as the SDK's JSON.
    let form = authed(http.post(target))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(format!("md5={}", md5_hex(&data).to_uppercase()));
    let (status, body) = status_and_json(form.send().await.unwrap()).await;
    assert_eq!((status, body["checksum"].as_str()), (200, Some(md5_hex(&data).as_str())), "{body}");
}

#[tokio::test]
async fn a_chunk_without_a_range_is_the_whole_file_even_empty() {
    let backend = start().await;
    let http = client();
    let (status, body) = put_chunk(&http, &url(&backend, "chunked_upload/"), b"", None).await;
    assert_eq!((status, &body["offset"]), (200, &json!(0)), "{body}");
    let (status, done) = finalize(&http, body["url"].as_str().unwrap(), &md5_hex(b"")).await;
    assert_eq!((status, &done["size"]), (200, &json!(0)), "{done}");
    let file = http.get(done["file"].as_str().unwrap()).send().await.unwrap();
    assert!(file.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn unknown_uploads_and_missing_credentials() {
    let backend = start().await;
    let http = client();
    for id in ["0123456789abcdef0123456789abcdef", "nothex", "1"] {
        let response = authed(http.get(url(&backend, &format!("chunked_upload/{id}/")))).send().await.unwrap();
        assert_eq!(status_and_json(response).await, (404, json!({"detail": "Not found."})), "{id}");
    }
    let form = Form::new().part("file", Part::bytes(vec![1]));
    let response = http.put(url(&backend, "chunked_upload/")).multipart(form).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let form = Form::new().part("file", Part::bytes(vec![1]));
    let wrong = http.put(url(&backend, "chunked_upload/")).header("Synapse-Access-Token", format!("Token {TOKEN}x"));
    assert_eq!(wrong.multipart(form).send().await.unwrap().status(), 401);
}
