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

    // A job id as a string is a primary key too; a file is kept as sent (a base64 data: URI).
    let mut with_file = entry(&job, "visualization", json!({"index": 0}));
    with_file["job"] = json!(job["id"].to_string());
    with_file["file"] = json!("data:image/png;base64,iVBORw0KGgo=");
    let (status, created) = status_and_json(post(with_file).await.expect("POST logs/")).await;
    assert_eq!((status, created["job"].clone()), (201, job["id"].clone()));
    assert_eq!(created["file"], "data:image/png;base64,iVBORw0KGgo=");

    let (status, empty) = status_and_json(post(json!([])).await.expect("POST logs/")).await;
    assert_eq!((status, empty), (201, json!([])));

    let state = state(&client, &backend).await;
    assert_eq!(state["logs"].as_array().map(Vec::len), Some(5));
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
