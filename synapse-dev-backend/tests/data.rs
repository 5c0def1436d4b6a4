//! Data collections, data files (multipart, presigned single and multipart, from a chunked
//! upload), checksums, data units, their deletion, and storages, as the SDK calls them.

mod common;

use common::{authed, client, created_dev, post_dev, start, state, status_and_json, url};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use synapse_dev_backend::{DevBackend, RunningDevBackend, S3Storage};

/// The SHA-1 of `abc`.
const ABC_SHA1: &str = "a9993e364706816aba3e25717850c26c9cd0d89d";

async fn seed(http: &Client, backend: &RunningDevBackend) -> Value {
    let body = json!({
        "name": "pets",
        "file_specifications": [
            {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true},
            {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
        ],
    });
    created_dev(http, backend, "_dev/data_collections", &body).await
}

async fn upload(http: &Client, backend: &RunningDevBackend, name: &str, bytes: &[u8]) -> (u16, Value) {
    let form = Form::new().part("file", Part::bytes(bytes.to_vec()).file_name(name.to_owned()));
    status_and_json(authed(http.post(url(backend, "data_files/"))).multipart(form).send().await.unwrap()).await
}

async fn post(http: &Client, backend: &RunningDevBackend, path: &str, body: Value) -> (u16, Value) {
    status_and_json(authed(http.post(url(backend, path))).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn collections_are_seeded_and_expanded() {
    let backend = start().await;
    let http = client();
    let collection = seed(&http, &backend).await;
    let id = collection["id"].as_i64().unwrap();
    let (status, expanded) = status_and_json(
        authed(http.get(url(&backend, &format!("data_collections/{id}/?expand=file_specifications"))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let image = &expanded["file_specifications"][0];
    assert_eq!(
        (
            image["name"].as_str(),
            image["is_primary"].as_bool(),
            image["index"].as_i64(),
            image["function_type"].as_str()
        ),
        (Some("image_1"), Some(true), Some(1), Some("main")),
        "{expanded}"
    );
    assert_eq!(expanded["file_specifications"][1]["function_type"], "meta");
    let (_, plain) =
        status_and_json(authed(http.get(url(&backend, &format!("data_collections/{id}/")))).send().await.unwrap())
            .await;
    assert!(plain["file_specifications"][0].is_i64(), "unexpanded specifications are ids: {plain}");
    let missing = authed(http.get(url(&backend, "data_collections/99/"))).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let bad = json!({"name": "x", "file_specifications": [{"name": "a", "file_type": "hologram"}, {"name": "b", "file_type": "image"}]});
    let (status, body) = post_dev(&http, &backend, "_dev/data_collections", &bad).await;
    assert_eq!(status, 400);
    assert_eq!(body, json!({"file_specifications": [{"file_type": ["\"hologram\" is not a valid choice."]}, {}]}));
}

#[tokio::test]
async fn multipart_files_get_their_sha1_and_size() {
    let backend = start().await;
    let http = client();
    let (status, file) = upload(&http, &backend, "cat.png", b"abc").await;
    assert_eq!(status, 201, "{file}");
    assert_eq!((file["checksum"].as_str(), file["size"].as_i64()), (Some(ABC_SHA1), Some(3)));
    let media = http.get(file["file"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(media.bytes().await.unwrap().as_ref(), b"abc");

    let (status, body) = status_and_json(
        authed(http.post(url(&backend, "data_files/"))).multipart(Form::new().text("other", "x")).send().await.unwrap(),
    )
    .await;
    assert_eq!((status, body), (400, json!({"file": ["No file was submitted."]})));

    let (status, body) = post(&http, &backend, "data_files/", json!({"chunked_upload": "3f2a"})).await;
    assert_eq!((status, body), (400, json!({"chunked_upload": ["Chunked upload \"3f2a\" does not exist."]})));

    let (status, body) =
        post(&http, &backend, "data_files/verify_checksums/", json!({"checksums": [ABC_SHA1, "0000", ABC_SHA1]})).await;
    assert_eq!((status, body), (200, json!({"existing_checksums": [ABC_SHA1]})));
    let too_many: Vec<String> = (0..1001).map(|n| format!("{n:040}")).collect();
    let (status, body) = post(&http, &backend, "data_files/verify_checksums/", json!({"checksums": too_many})).await;
    assert_eq!((status, body), (400, json!({"checksums": ["Ensure this field has no more than 1000 elements."]})));

    let state = state(&http, &backend).await;
    assert_eq!(state["data_files"][0]["checksum"], ABC_SHA1, "{state}");
    assert_eq!(state["data_files"][0]["origin"], "multipart");
}

#[tokio::test]
async fn presigned_single_uploads_are_checked_by_sha1() {
    let backend = start().await;
    let http = client();
    let files =
        json!({"files": [{"filename": "a.txt", "size": 3}, {"filename": "b.txt", "size": 3}], "expiration": 60});
    let (status, handed) = post(&http, &backend, "data_files/presigned_upload/upload/", files).await;
    assert_eq!(status, 201, "{handed}");
    let [a, b] = [&handed["files"][0], &handed["files"][1]];
    let a_url = a["presigned_url"].as_str().unwrap();
    let forged = a_url.split("signature=").next().unwrap().to_owned() + "signature=guess";
    assert_eq!(http.put(&forged).body("abc").send().await.unwrap().status(), 403);
    let put = http.put(a_url).body("abc").send().await.unwrap();
    assert_eq!(put.status(), 200);
    assert_eq!(put.headers()["etag"], format!("\"{ABC_SHA1}\""));
    // b's bytes are not what its client hashed: a corrupted upload.
    assert_eq!(http.put(b["presigned_url"].as_str().unwrap()).body("abd").send().await.unwrap().status(), 200);

    let confirm = json!({"files": [
        {"file_key": a["file_key"], "checksum": ABC_SHA1, "size": 3},
        {"file_key": b["file_key"], "checksum": ABC_SHA1, "size": 3},
        {"file_key": "files/no/such/key.txt", "checksum": ABC_SHA1, "size": 3},
    ]});
    let (status, confirmed) = post(&http, &backend, "data_files/presigned_upload/confirm_upload/", confirm).await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!((confirmed["created_count"].as_i64(), confirmed["failed_count"].as_i64()), (Some(1), Some(2)));
    assert_eq!(confirmed["results"][0]["success"], true);
    assert!(confirmed["results"][0]["data_file_id"].is_i64());
    assert_eq!(confirmed["results"][1]["success"], false);
    assert!(confirmed["results"][1]["error"].as_str().unwrap().contains("Checksum mismatch"), "{confirmed}");
    assert!(confirmed["results"][2]["error"].as_str().unwrap().contains("Unknown file key"), "{confirmed}");

    let state = state(&http, &backend).await;
    let files = state["data_files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{state}");
    assert_eq!((files[0]["origin"].as_str(), files[0]["key"].clone()), (Some("presigned"), a["file_key"].clone()));
    assert_eq!(state["requests"]["PUT /_presigned/{*key}"], 3);
}

#[tokio::test]
async fn presigned_multipart_uploads_check_every_parts_etag() {
    let backend = start().await;
    let http = client();
    let bytes: Vec<u8> = (0..6 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let files =
        json!({"files": [{"filename": "big.bin", "size": bytes.len()}, {"filename": "big2.bin", "size": bytes.len()}]});
    let (_, handed) = post(&http, &backend, "data_files/presigned_upload/upload/", files).await;
    let mut confirmations = Vec::new();
    for (n, target) in handed["files"].as_array().unwrap().iter().enumerate() {
        let multipart = &target["multipart"];
        assert_eq!(multipart["parts"].as_array().map(Vec::len), Some(2), "{handed}");
        let part_size = multipart["part_size"].as_u64().unwrap() as usize;
        let mut parts = Vec::new();
        for (index, part) in multipart["parts"].as_array().unwrap().iter().enumerate() {
            let chunk = bytes[index * part_size..((index + 1) * part_size).min(bytes.len())].to_vec();
            let response = http.put(part["presigned_url"].as_str().unwrap()).body(chunk).send().await.unwrap();
            assert_eq!(response.status(), 200);
            let etag = response.headers()["etag"].to_str().unwrap().to_owned();
            // The second file confirms a wrong ETag for its last part.
            let etag = if n == 1 && index == 1 { "\"0\"".to_owned() } else { etag };
            parts.push(json!({"part_number": part["part_number"], "etag": etag}));
        }
        confirmations.push(json!({
            "file_key": target["file_key"],
            "checksum": "8a6d4c5f0fa5f1c0ca3d2b6e1d6a7c1a5b7e9d3f",
            "size": bytes.len(),
            "multipart": {"upload_id": multipart["upload_id"], "parts": parts},
        }));
    }
    // The right checksum for the first, from the data-file route's own computation.
    let (_, reference) = upload(&http, &backend, "ref.bin", &bytes).await;
    confirmations[0]["checksum"] = reference["checksum"].clone();
    let (_, confirmed) =
        post(&http, &backend, "data_files/presigned_upload/confirm_upload/", json!({"files": confirmations})).await;
    assert_eq!(confirmed["results"][0]["success"], true, "{confirmed}");
    assert_eq!(confirmed["results"][0]["checksum"], reference["checksum"]);
    assert!(confirmed["results"][1]["error"].as_str().unwrap().contains("Part 2: the ETag"), "{confirmed}");
    let state = state(&http, &backend).await;
    let presigned: Vec<&Value> =
        state["data_files"].as_array().unwrap().iter().filter(|f| f["origin"] == "presigned").collect();
    assert_eq!(presigned.len(), 1);
    assert_eq!(presigned[0]["size"], bytes.len());
}

#[tokio::test]
async fn units_bind_files_by_checksum_and_are_deleted_through_v2() {
    let backend = start().await;
    let http = client();
    let collection = seed(&http, &backend).await["id"].clone();
    let (_, image) = upload(&http, &backend, "cat.png", b"abc").await;
    let (_, meta) = upload(&http, &backend, "cat.json", b"{}").await;
    let good = json!({"data_collection": collection, "files": {
        "image_1": {"checksum": image["checksum"], "path": "image_1/cat.png"},
        "data_meta_1": {"checksum": meta["checksum"], "path": "data_meta_1/cat.json"},
    }, "meta": {"origin_file_stem": "cat"}});
    let bad = json!({"data_collection": collection, "files": {"data_meta_1": {"checksum": "feed"}, "label_1": {"checksum": "x"}}});
    let (status, body) =
        post(&http, &backend, "data_units/", json!([good, bad, {"data_collection": 99, "files": {}}])).await;
    assert_eq!(status, 400);
    assert_eq!(body[0], json!({}));
    let messages = body[1]["files"].as_array().unwrap();
    assert!(messages.contains(&json!("data_meta_1: no data file has the checksum feed.")), "{body}");
    assert!(messages.contains(&json!("label_1: no such file specification in data collection 1.")), "{body}");
    assert!(messages.contains(&json!("image_1: this file specification is required.")), "{body}");
    assert_eq!(body[2], json!({"data_collection": ["Invalid pk \"99\" - object does not exist."]}));
    assert!(state(&http, &backend).await["data_units"].as_array().unwrap().is_empty(), "all or nothing");

    let (status, created) = post(&http, &backend, "data_units/", json!([good])).await;
    assert_eq!(status, 201, "{created}");
    let unit = created[0]["id"].as_i64().unwrap();
    // The answer is the unit as it reads back, its files in the same order.
    let plain = authed(http.get(url(&backend, &format!("data_units/{unit}/")))).send().await.unwrap();
    let plain: Value = serde_json::from_str(&plain.text().await.unwrap()).unwrap();
    assert_eq!(created[0].to_string(), plain.to_string());
    assert_eq!(plain["files"], json!({"data_meta_1": meta["id"], "image_1": image["id"]}));
    let (_, got) = status_and_json(
        authed(http.get(url(&backend, &format!("data_units/{unit}/?expand=files")))).send().await.unwrap(),
    )
    .await;
    let file = &got["files"]["image_1"];
    assert_eq!(
        (file["checksum"].clone(), file["is_primary"].clone(), file["file_type"].clone()),
        (image["checksum"].clone(), json!(true), json!("image"))
    );
    assert_eq!(file["url"], image["file"]);
    assert_eq!(got["meta"], json!({"origin_file_stem": "cat"}));

    let image_id = image["id"].as_i64().unwrap();
    let (status, body) =
        status_and_json(authed(http.delete(url(&backend, &format!("data_files/{image_id}/")))).send().await.unwrap())
            .await;
    assert_eq!(status, 400, "a bound file stays: {body}");
    let deleted = authed(http.delete(url(&backend, &format!("v2/data-units/{unit}/")))).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    let (status, again) =
        status_and_json(authed(http.delete(url(&backend, &format!("v2/data-units/{unit}/")))).send().await.unwrap())
            .await;
    assert_eq!((status, again["error"]["code"].as_str()), (404, Some("NOT_FOUND")), "{again}");
    let gone = authed(http.delete(url(&backend, &format!("data_files/{image_id}/")))).send().await.unwrap();
    assert_eq!(gone.status(), 204);
    assert_eq!(http.get(image["file"].as_str().unwrap()).send().await.unwrap().status(), 404, "its media is gone");
    let state = state(&http, &backend).await;
    assert!(state["data_units"].as_array().unwrap().is_empty());
    assert_eq!(state["data_files"].as_array().unwrap().len(), 1, "{state}");
}

#[tokio::test]
async fn storages_list_the_media_directory_and_an_s3_record() {
    let backend = start().await;
    let http = client();
    let (status, local) = status_and_json(authed(http.get(url(&backend, "storages/1/"))).send().await.unwrap()).await;
    assert_eq!(
        (status, local["provider"].as_str(), local["is_default"].as_bool()),
        (200, Some("file_system"), Some(true))
    );
    assert!(std::path::Path::new(local["configuration"]["location"].as_str().unwrap()).is_dir(), "{local}");
    assert_eq!(authed(http.get(url(&backend, "storages/2/"))).send().await.unwrap().status(), 404);

    let bucket = S3Storage {
        bucket_name: "synapse-test".into(),
        access_key: "AKIA".into(),
        secret_key: "s3cr3t".into(),
        region_name: "us-east-1".into(),
        endpoint_url: "http://127.0.0.1:9".into(),
    };
    assert!(!format!("{bucket:?}").contains("s3cr3t"));
    let with_s3 = DevBackend::builder().token(common::TOKEN).s3_storage(bucket).start().await.unwrap();
    let (_, s3) = status_and_json(authed(http.get(url(&with_s3, "storages/2/"))).send().await.unwrap()).await;
    assert_eq!(
        (s3["provider"].as_str(), s3["configuration"]["bucket_name"].as_str()),
        (Some("amazon_s3"), Some("synapse-test"))
    );
    let (_, page) =
        status_and_json(authed(http.get(url(&with_s3, "storages/?category=internal"))).send().await.unwrap()).await;
    assert_eq!(page["count"], 2, "{page}");
}
