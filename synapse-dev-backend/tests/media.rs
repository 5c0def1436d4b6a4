//! Media: files put through `/_dev/media/…` are served under `/media/…`, unauthenticated but
//! counted and faulted like the API, with their bytes and content type; keys cannot leave the
//! media directory.

mod common;

use common::{client, created_dev, start, state, url};
use serde_json::{Value, json};

#[tokio::test]
async fn media_put_through_dev_routes_is_served_back() {
    let backend = start().await;
    let http = client();
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let put: Value = http
        .put(url(&backend, "_dev/media/models/1/model.zip"))
        .body(bytes.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(put["size"], 200_000);
    let media = put["url"].as_str().unwrap();
    assert_eq!(media, url(&backend, "media/models/1/model.zip"));

    // No credentials, as for a storage's URL.
    let got = http.get(media).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/zip");
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());

    let missing = http.get(url(&backend, "media/models/2/model.zip")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    let state = state(&http, &backend).await;
    assert_eq!(state["requests"]["GET /media/{*key}"], 2, "{state}");
}

#[tokio::test]
async fn media_keys_cannot_leave_the_media_directory() {
    let backend = start().await;
    let http = client();
    // (`..` segments are resolved by every HTTP client before they are sent; the unit tests of
    // `media` check those keys.)
    for key in ["a//b.txt", "a/b/"] {
        let response = http.put(url(&backend, &format!("_dev/media/{key}"))).body("x").send().await.unwrap();
        assert_eq!(response.status(), 400, "{key}");
        let body: Value = response.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains("is not a media key"), "{body}");
    }
}

#[tokio::test]
async fn media_faults_apply_like_the_api() {
    let backend = start().await;
    let http = client();
    http.put(url(&backend, "_dev/media/a.png")).body("png").send().await.unwrap();
    let fault = json!({ "method": "GET", "path_glob": "/media/*", "status": 503, "nth": 1 });
    created_dev(&http, &backend, "_dev/faults", &fault).await;
    assert_eq!(http.get(url(&backend, "media/a.png")).send().await.unwrap().status(), 503);
    let second = http.get(url(&backend, "media/a.png")).send().await.unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.bytes().await.unwrap().as_ref(), b"png");
}

#[tokio::test]
async fn media_past_a_mebibyte_is_streamed_with_its_length() {
    let backend = start().await;
    let http = client();
    // Either side of the size read whole (1 MiB): both come back whole, with their length.
    for size in [1024 * 1024, 3 * 1024 * 1024 + 17] {
        let bytes: Vec<u8> = (0..size).map(|i: u32| (i % 253) as u8).collect();
        let key = format!("big/{size}.bin");
        let put = http.put(url(&backend, &format!("_dev/media/{key}"))).body(bytes.clone()).send().await.unwrap();
        assert_eq!(put.status(), 201);
        let got = http.get(url(&backend, &format!("media/{key}"))).send().await.unwrap();
        assert_eq!(got.status(), 200);
        assert_eq!(got.headers()["content-length"], size.to_string().as_str());
        assert_eq!(got.headers()["content-type"], "application/octet-stream");
        assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice(), "{size} bytes");
    }
}
