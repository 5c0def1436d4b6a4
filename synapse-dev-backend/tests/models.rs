//! Models: created from a completed chunked upload with exactly the SDK's `ModelCreateRequest`
//! fields, read back with the file's absolute media URL, listed in pages, refused with DRF's
//! field messages.

mod common;

use common::{authed, client, start, state, status_and_json, url};
use md5::{Digest, Md5};
use reqwest::Client;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use synapse_dev_backend::RunningDevBackend;

/// A one-chunk upload of `data`, finalized when `complete`; its id.
async fn uploaded(http: &Client, backend: &RunningDevBackend, data: &[u8], complete: bool) -> String {
    let form = Form::new().text("filename", "model.zip").part("file", Part::bytes(data.to_vec()));
    let range = format!("bytes 0-{}/{}", data.len() - 1, data.len());
    let request = authed(http.put(url(backend, "chunked_upload/"))).header("Content-Range", range).multipart(form);
    let (status, body) = status_and_json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    if complete {
        let md5: String = Md5::digest(data).iter().map(|byte| format!("{byte:02x}")).collect();
        let finalize = authed(http.post(body["url"].as_str().unwrap())).json(&json!({ "md5": md5 }));
        assert_eq!(finalize.send().await.unwrap().status(), 200);
    }
    body["id"].as_str().unwrap().to_owned()
}

async fn create(http: &Client, backend: &RunningDevBackend, body: Value) -> (u16, Value) {
    status_and_json(authed(http.post(url(backend, "models/"))).json(&body).send().await.unwrap()).await
}

#[tokio::test]
async fn a_model_is_made_from_a_completed_upload_and_serves_its_file() {
    let backend = start().await;
    let http = client();
    let data = b"PK\x03\x04 a model archive".to_vec();
    let upload = uploaded(&http, &backend, &data, true).await;
    let body = json!({
        "name": "detector", "plugin": "yolo", "version": "1.0.0", "chunked_upload": upload,
        "configuration": {"classes": ["car"]}, "description": "first",
    });
    let (status, model) = create(&http, &backend, body).await;
    assert_eq!(status, 201, "{model}");
    assert_eq!(
        (&model["name"], &model["plugin"], &model["version"], &model["checkpoint"], &model["description"]),
        (&json!("detector"), &json!("yolo"), &json!("1.0.0"), &Value::Null, &json!("first"))
    );
    assert_eq!(model["configuration"], json!({"classes": ["car"]}));
    let file = model["file"].as_str().unwrap();
    assert!(file.starts_with(backend.url()) && file.ends_with("/model.zip"), "{file}");
    assert_eq!(http.get(file).send().await.unwrap().bytes().await.unwrap().as_ref(), data.as_slice());

    // A fine-tuned one names its parent.
    let child = json!({"name": "detector-ft", "chunked_upload": upload, "checkpoint": model["id"]});
    let (status, child) = create(&http, &backend, child).await;
    assert_eq!((status, &child["checkpoint"]), (201, &model["id"]), "{child}");

    let got = authed(http.get(url(&backend, &format!("models/{}/", model["id"])))).send().await.unwrap();
    assert_eq!(status_and_json(got).await, (200, model.clone()));
    let page = authed(http.get(url(&backend, "models/?page_size=1"))).send().await.unwrap();
    let (status, page) = status_and_json(page).await;
    assert_eq!((status, &page["count"], &page["results"][0]["id"]), (200, &json!(2), &model["id"]), "{page}");
    assert!(page["next"].as_str().is_some_and(|next| next.contains("page=2")), "{page}");
    let missing = authed(http.get(url(&backend, "models/99/"))).send().await.unwrap();
    assert_eq!(missing.status(), 404);

    let state = state(&http, &backend).await;
    assert_eq!(state["models"][0]["chunked_upload"], json!(upload), "{state}");
    assert_eq!(state["models"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bodies_outside_the_sdks_request_model_are_refused_field_by_field() {
    let backend = start().await;
    let http = client();
    let incomplete = uploaded(&http, &backend, b"abc", false).await;
    let cases = [
        (
            json!({"name": "m", "chunked_upload": "0123456789abcdef0123456789abcdef", "file": "x"}),
            "file",
            "This field is not allowed.",
        ),
        (json!({"chunked_upload": incomplete}), "name", "This field is required."),
        (json!({"name": "m"}), "chunked_upload", "This field is required."),
        (json!({"name": "m", "chunked_upload": incomplete}), "chunked_upload", "is not completed."),
        (
            json!({"name": "m", "chunked_upload": "0123456789abcdef0123456789abcdef"}),
            "chunked_upload",
            "object does not exist.",
        ),
        (
            json!({"name": "m", "chunked_upload": incomplete, "configuration": [1]}),
            "configuration",
            "Expected a dictionary of items but got type \"list\".",
        ),
        (json!({"name": "", "chunked_upload": incomplete}), "name", "This field may not be blank."),
        (
            json!({"name": "m", "chunked_upload": [1]}),
            "chunked_upload",
            "Incorrect type. Expected pk value, received list.",
        ),
    ];
    for (body, field, message) in cases {
        let (status, errors) = create(&http, &backend, body.clone()).await;
        assert_eq!(status, 400, "{body} → {errors}");
        let said = errors[field][0].as_str().unwrap_or_default();
        assert!(said.ends_with(message), "{body}: {field} said {errors}");
    }
    let complete = uploaded(&http, &backend, b"abc", true).await;
    let (status, errors) =
        create(&http, &backend, json!({"name": "m", "chunked_upload": complete, "checkpoint": 42})).await;
    assert_eq!((status, errors), (400, json!({"checkpoint": ["Invalid pk \"42\" - object does not exist."]})));
    assert_eq!(state(&http, &backend).await["models"], json!([]), "nothing was created");
}
