//! Injected faults: a status on the nth match, a delay, a response broken off after the request
//! was applied.

mod common;

use common::{authed, client, create_job, created_dev, entry, post_dev, start, state, status_and_json, url};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_status_on_the_second_matching_request_only() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    let fault = json!({"method": "POST", "path_glob": "logs/", "nth": 2, "status": 503});
    let (status, added) = post_dev(&client, &backend, "_dev/faults", &fault).await;
    assert_eq!((status, added["id"].clone(), added["path_glob"].clone()), (201, json!(1), json!("/logs/")));

    let mut statuses = Vec::new();
    for index in 0..3 {
        // Requests that do not match do not count.
        let response = authed(client.get(url(&backend, "jobs/"))).send().await.expect("GET jobs/");
        assert_eq!(response.status(), 200);
        let body = entry(&job, "message", json!({"content": index}));
        let response = authed(client.post(url(&backend, "logs/"))).json(&body).send().await.expect("POST logs/");
        let (status, body) = status_and_json(response).await;
        if status == 503 {
            assert_eq!(body, json!({"detail": "Injected fault."}));
        }
        statuses.push(status);
    }
    assert_eq!(statuses, [201, 503, 201]);

    let state = state(&client, &backend).await;
    let contents: Vec<&Value> =
        state["logs"].as_array().expect("logs").iter().map(|log| &log["data"]["content"]).collect();
    assert_eq!(contents, [&json!(0), &json!(2)], "the faulted request was not applied");
    assert_eq!(state["requests"]["POST /logs/"], 3, "the faulted request arrived, and is counted");
    assert_eq!((state["faults"][0]["matched"].clone(), state["faults"][0]["fired"].clone()), (json!(3), json!(1)));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_delay_holds_matching_requests() {
    let backend = start().await;
    let client = client();
    create_job(&client, &backend, json!({})).await;
    let fault = json!({"method": "get", "path_glob": "/jobs/*/", "delay_ms": 300});
    created_dev(&client, &backend, "_dev/faults", &fault).await;

    let started = Instant::now();
    let response = authed(client.get(url(&backend, "jobs/1/"))).send().await.expect("GET jobs/1/");
    let held = started.elapsed();
    assert_eq!(response.status(), 200, "a delay alone answers as usual");
    assert!(held >= Duration::from_millis(300), "{held:?}");

    let started = Instant::now();
    let response = authed(client.get(url(&backend, "jobs/"))).send().await.expect("GET jobs/");
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() < Duration::from_millis(300), "another route is not held");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_dropped_response_after_the_request_was_applied() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    for fault in [
        json!({"method": "PATCH", "path_glob": "jobs/*/", "drop_response": true}),
        json!({"method": "POST", "path_glob": "logs/", "drop_response": true}),
    ] {
        created_dev(&client, &backend, "_dev/faults", &fault).await;
    }

    // The client gets no whole response: an error at the latest when it reads the body.
    let patch = authed(client.patch(url(&backend, "jobs/1/"))).json(&json!({"status": "RUNNING"})).send().await;
    let outcome = match patch {
        Err(error) => Err(error),
        Ok(response) => response.bytes().await,
    };
    assert!(outcome.is_err(), "{outcome:?}");
    let logs =
        json!([entry(&job, "message", json!({"content": "a"})), entry(&job, "message", json!({"content": "b"}))]);
    let post = authed(client.post(url(&backend, "logs/"))).json(&logs).send().await;
    let outcome = match post {
        Err(error) => Err(error),
        Ok(response) => response.bytes().await,
    };
    assert!(outcome.is_err(), "{outcome:?}");

    // ...yet both requests were applied.
    let state = state(&client, &backend).await;
    assert_eq!(state["jobs"][0]["status"], "RUNNING");
    assert_eq!(state["jobs"][0]["patches"][0]["body"], json!({"status": "RUNNING"}));
    assert_eq!(state["logs"].as_array().map(Vec::len), Some(2));

    // Cleared, the next requests are answered.
    let (status, cleared) =
        status_and_json(client.delete(url(&backend, "_dev/faults")).send().await.expect("DELETE /_dev/faults")).await;
    assert_eq!((status, cleared), (200, json!({"cleared": 2})));
    let response = authed(client.patch(url(&backend, "jobs/1/"))).json(&json!({"status": "SUCCEEDED"})).send().await;
    let (status, job) = status_and_json(response.expect("PATCH jobs/1/")).await;
    assert_eq!((status, job["status"].clone()), (200, json!("SUCCEEDED")));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn fault_descriptions_are_validated() {
    let backend = start().await;
    let client = client();
    let cases = [
        (
            json!({"method": "GET", "path_glob": "jobs/"}),
            json!({"non_field_errors": ["Give status, body, drop_response or delay_ms."]}),
        ),
        (
            json!({"method": "GET", "path_glob": "jobs/", "nth": 0, "status": 500}),
            json!({"nth": ["Ensure this value is an integer from 1 to 18446744073709551615."]}),
        ),
        (
            json!({"path_glob": "jobs/", "status": "500"}),
            json!({"method": ["This field is required."], "status": ["A valid integer is required."]}),
        ),
    ];
    for (body, expected) in cases {
        let (status, errors) = post_dev(&client, &backend, "_dev/faults", &body).await;
        assert_eq!((status, errors), (400, expected), "{body}");
    }
    let (status, faults) =
        status_and_json(client.get(url(&backend, "_dev/faults")).send().await.expect("GET /_dev/faults")).await;
    assert_eq!((status, faults), (200, json!([])));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_body_fault_answers_raw_text_as_json() {
    let backend = start().await;
    let http = client();
    let fault = json!({"method": "GET", "path_glob": "/jobs/", "body": "<html>not json", "nth": 1});
    created_dev(&http, &backend, "_dev/faults", &fault).await;
    let response = authed(http.get(url(&backend, "jobs/"))).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(response.text().await.unwrap(), "<html>not json");
    let (status, page) = status_and_json(authed(http.get(url(&backend, "jobs/"))).send().await.unwrap()).await;
    assert_eq!((status, &page["count"]), (200, &json!(0)), "only the nth request");
}
