//! `POST logs/`: one entry or a list, validated like DRF's serializers, all or nothing.

mod common;

use common::{authed, client, create_job, entry, start, state, status_and_json, url};
use serde_json::{Value, json};

#[tokio::test]
async fn a_single_entry_and_a_list() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({"status": "RUNNING"})).await;
    let post = |body: Value| authed(client.post(url(&backend, "logs/"))).json(&body).send();

    let single = entry(&job, "message", json!({"content": "Dataset downloaded"}));
    let (status, created) = status_and_json(post(single.clone()).await.expect("POST logs/")).await;
    assert_eq!(status, 201, "{created}");
    let mut expected = single.clone();
    expected["id"] = json!(1);
    expected["file"] = Value::Null;
    assert_eq!(created, expected);

    // Optional fields may be left out; a legacy event has no level.
    let legacy = json!({"event": "metric", "data": {"category": "train", "key": "loss", "value": 0.5},
        "datetime": "2026-02-17T10:04:06Z", "job": job["id"]});
    let list = json!([
        entry(&job, "step_start", json!({"step": "train"})),
        legacy,
        entry(&job, "visualization", json!({"category": "validation"})),
    ]);
    let (status, created) = status_and_json(post(list).await.expect("POST logs/")).await;
    assert_eq!(status, 201, "{created}");
    let created = created.as_array().expect("a list back for a list");
    assert_eq!(created.iter().map(|entry| entry["id"].as_i64()).collect::<Vec<_>>(), [Some(2), Some(3), Some(4)]);
    assert_eq!((created[1]["level"].clone(), created[1]["step"].clone()), (Value::Null, Value::Null));

    // A job id as a string is a primary key too; a file (a base64 data: URI) is kept decoded as a
    // media file and shown as its URL.
    let mut with_file = entry(&job, "visualization", json!({"index": 0}));
    with_file["job"] = json!(job["id"].to_string());
    with_file["file"] = json!("data:image/png;base64,iVBORw0KGgo=");
    let (status, created) = status_and_json(post(with_file).await.expect("POST logs/")).await;
    assert_eq!((status, created["job"].clone()), (201, job["id"].clone()));
    let file_url = created["file"].as_str().expect("a URL").to_owned();
    let prefix = url(&backend, &format!("media/logs/{}/", job["id"]));
    assert!(file_url.starts_with(&prefix) && file_url.ends_with(".png"), "{file_url}");
    let served = client.get(&file_url).send().await.expect("GET the file");
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("its bytes").as_ref(), b"\x89PNG\r\n\x1a\n");

    let (status, empty) = status_and_json(post(json!([])).await.expect("POST logs/")).await;
    assert_eq!((status, empty), (201, json!([])));

    let state = state(&client, &backend).await;
    assert_eq!(state["logs"].as_array().map(Vec::len), Some(5));
    assert_eq!(state["logs"][4]["file"], json!(file_url), "the state shows the file's URL");
    let (_, console) = status_and_json(
        authed(client.get(url(&backend, &format!("jobs/{}/console_logs/", job["id"]))))
            .send()
            .await
            .expect("GET console_logs"),
    )
    .await;
    assert_eq!(console[4]["file"], json!(file_url));
    assert_eq!(state["requests"]["POST /logs/"], 4);
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn errors_name_the_entry_and_nothing_is_created() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    let post = |body: Value| authed(client.post(url(&backend, "logs/"))).json(&body).send();

    let mut loud = entry(&job, "message", json!({}));
    loud["level"] = json!("loud");
    let mut nameless = entry(&job, "message", json!({}));
    nameless.as_object_mut().expect("an entry").remove("event");
    let mut elsewhere = entry(&job, "message", json!({}));
    elsewhere["job"] = json!(99);
    let list = json!([entry(&job, "message", json!({})), loud, nameless, elsewhere, "text"]);
    let (status, errors) = status_and_json(post(list).await.expect("POST logs/")).await;
    assert_eq!(status, 400);
    assert_eq!(
        errors,
        json!([
            {},
            {"level": ["\"loud\" is not a valid choice."]},
            {"event": ["This field is required."]},
            {"job": ["Invalid pk \"99\" - object does not exist."]},
            {"non_field_errors": ["Invalid data. Expected a dictionary, but got str."]},
        ])
    );

    let cases = [
        (
            json!({"event": "", "data": null, "datetime": "yesterday", "job": "one", "step": {}}),
            json!({
                "event": ["This field may not be blank."],
                "data": ["This field may not be null."],
                "datetime": ["Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."],
                "job": ["Incorrect type. Expected pk value, received str."],
                "step": ["Not a valid string."],
            }),
        ),
        (
            json!({}),
            json!({
                "event": ["This field is required."],
                "data": ["This field is required."],
                "datetime": ["This field is required."],
                "job": ["This field is required."],
            }),
        ),
    ];
    for (body, expected) in cases {
        let (status, errors) = status_and_json(post(body.clone()).await.expect("POST logs/")).await;
        assert_eq!((status, errors), (400, expected), "{body}");
    }

    let response = authed(client.post(url(&backend, "logs/")))
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .expect("POST logs/");
    let (status, body) = status_and_json(response).await;
    assert_eq!((status, body), (415, json!({"detail": "Unsupported media type \"text/plain\" in request."})));

    let state = state(&client, &backend).await;
    assert_eq!(state["logs"], json!([]), "a refused list creates none of its entries");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_file_must_be_a_base64_data_uri() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    let post = |body: Value| authed(client.post(url(&backend, "logs/"))).json(&body).send();
    let not_a_data_uri = "Please upload a valid file: a base64 data: URI (data:<media type>;base64,<content>).";
    let cases = [
        (json!("/tmp/plot.png"), json!([not_a_data_uri])),
        (json!("data:image/png,iVBORw0KGgo="), json!([not_a_data_uri])),
        (json!("data:image/png;base64,not base64!"), json!([not_a_data_uri])),
        (json!("data:image/png;base64,"), json!(["The submitted file is empty."])),
        (json!(12), json!(["Invalid type. This is not an base64 string: <class 'int'>"])),
    ];
    for (file, expected) in cases {
        let mut body = entry(&job, "visualization", json!({}));
        body["file"] = file.clone();
        let (status, errors) = status_and_json(post(body).await.expect("POST logs/")).await;
        assert_eq!((status, errors), (400, json!({"file": expected})), "{file}");
    }
    // Absent, null and blank are no file.
    for file in [Value::Null, json!("")] {
        let mut body = entry(&job, "visualization", json!({}));
        body["file"] = file;
        let (status, created) = status_and_json(post(body).await.expect("POST logs/")).await;
        assert_eq!((status, created["file"].clone()), (201, Value::Null));
    }
    backend.shutdown().await.expect("a clean shutdown");
}
