//! `jobs/`: DRF pages, a job, PATCH and its recorded transitions, console logs.

mod common;

use common::{authed, client, create_job, entry, start, state, status_and_json, url};
use serde_json::{Value, json};

#[tokio::test]
async fn pagination_follows_next_to_the_end() {
    let backend = start().await;
    let client = client();
    for _ in 0..7 {
        create_job(&client, &backend, json!({})).await;
    }

    let mut next = Some(url(&backend, "jobs/?page_size=3&url_host=http%3A%2F%2Fminio%3A9000"));
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    while let Some(page_url) = next {
        let (status, page) = status_and_json(authed(client.get(&page_url)).send().await.expect("a page")).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["count"], 7, "{page}");
        ids.extend(page["results"].as_array().expect("results").iter().map(|job| job["id"].as_i64().expect("an id")));
        next = page["next"].as_str().map(str::to_owned);
        pages.push(page);
    }
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    assert_eq!(pages.len(), 3);
    let origin = backend.url().trim_end_matches('/');
    // DRF's links: the other parameters kept, keys sorted; page 1 without `page`.
    assert_eq!(pages[0]["previous"], Value::Null);
    assert_eq!(pages[0]["next"], format!("{origin}/jobs/?page=2&page_size=3&url_host=http%3A%2F%2Fminio%3A9000"));
    assert_eq!(pages[1]["previous"], format!("{origin}/jobs/?page_size=3&url_host=http%3A%2F%2Fminio%3A9000"));
    assert_eq!(pages[2]["previous"], format!("{origin}/jobs/?page=2&page_size=3&url_host=http%3A%2F%2Fminio%3A9000"));
    assert_eq!(pages[2]["next"], Value::Null);
    assert_eq!(pages[2]["results"].as_array().map(Vec::len), Some(1));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn pages_are_bounded_and_linked_from_the_host_header() {
    let backend = start().await;
    let client = client();
    for _ in 0..3 {
        create_job(&client, &backend, json!({})).await;
    }
    let get = |query: &str| authed(client.get(url(&backend, &format!("jobs/{query}")))).send();

    let (status, page) = status_and_json(get("").await.expect("the default page")).await;
    assert_eq!((status, page["count"].clone(), page["next"].clone()), (200, json!(3), Value::Null));
    assert_eq!(page["results"].as_array().map(Vec::len), Some(3));

    let (status, page) = status_and_json(get("?page=last&page_size=2").await.expect("the last page")).await;
    assert_eq!((status, page["results"][0]["id"].clone()), (200, json!(3)));

    for query in ["?page=2", "?page=0", "?page=x", "?page=3&page_size=1000000"] {
        let (status, body) = status_and_json(get(query).await.expect("a page past the end")).await;
        assert_eq!((status, body), (404, json!({"detail": "Invalid page."})), "{query}");
    }

    let response = authed(client.get(url(&backend, "jobs/?page_size=1")))
        .header("Host", "backend.test:8000")
        .send()
        .await
        .expect("a page");
    let (_, page) = status_and_json(response).await;
    assert_eq!(page["next"], "http://backend.test:8000/jobs/?page=2&page_size=1");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_job_and_the_ones_that_are_not() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({"status": "RUNNING", "meta": {"queue": {"position": 2}}})).await;
    let keys: Vec<&str> = job.as_object().expect("a job").keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["id", "status", "progress_record", "metrics_record", "console_logs", "result", "meta", "created", "modified"]
    );

    let (status, got) = status_and_json(authed(client.get(url(&backend, "jobs/1/"))).send().await.expect("GET")).await;
    assert_eq!(
        (status, got["status"].clone(), got["meta"]["queue"]["position"].clone()),
        (200, json!("RUNNING"), json!(2))
    );
    for path in ["jobs/2/", "jobs/abc/", "jobs/0/", "jobs/2/console_logs/"] {
        let (status, body) = status_and_json(authed(client.get(url(&backend, path))).send().await.expect("GET")).await;
        assert_eq!((status, body), (404, json!({"detail": "Not found."})), "{path}");
    }
    // The v1 paths end with a slash; without it there is no route.
    let (status, body) = status_and_json(authed(client.get(url(&backend, "jobs/1"))).send().await.expect("GET")).await;
    assert_eq!((status, body), (404, json!({"detail": "Not found."})));
    let state = state(&client, &backend).await;
    assert_eq!(state["unmatched"], json!({"GET /jobs/1": 1}));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn patches_change_the_job_and_are_recorded_in_order() {
    let backend = start().await;
    let client = client();
    create_job(&client, &backend, json!({})).await;
    let progress = json!({"record": {"steps": {"train": {"proportion": 75, "percent": 50.0, "time_remaining": 3.5}}},
        "current_progress": {"overall": 37.5, "step": "train", "percent": 50.0, "time_remaining": 3.5}});
    let metrics = json!({"record": {"steps": {"validation": {"accuracy": 0.93}}}});
    let bodies = [
        json!({"status": "RUNNING"}),
        json!({"progress_record": progress, "metrics_record": metrics}),
        json!({"status": "SUCCEEDED", "result": {"weights": "model.bin"}, "console_logs": "done\n"}),
        json!({}),
    ];
    for body in &bodies {
        let response = authed(client.patch(url(&backend, "jobs/1/"))).json(body).send().await.expect("PATCH");
        let (status, job) = status_and_json(response).await;
        assert_eq!(status, 200, "{job}");
    }

    let (_, job) = status_and_json(authed(client.get(url(&backend, "jobs/1/"))).send().await.expect("GET")).await;
    assert_eq!(job["status"], "SUCCEEDED");
    assert_eq!(job["progress_record"], progress);
    assert_eq!(job["metrics_record"], metrics);
    assert_eq!(job["result"], json!({"weights": "model.bin"}));
    assert_eq!(job["console_logs"], "done\n");
    assert_ne!(job["modified"], job["created"]);

    let state = state(&client, &backend).await;
    let patches = state["jobs"][0]["patches"].as_array().expect("the patches");
    assert_eq!(patches.iter().map(|patch| patch["body"].clone()).collect::<Vec<_>>(), bodies);
    assert!(patches.iter().all(|patch| patch["at"].as_str().is_some_and(|at| at.ends_with('Z'))));
    assert_eq!(state["requests"]["PATCH /jobs/{id}/"], 4);
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn patches_outside_the_request_model_are_refused() {
    let backend = start().await;
    let client = client();
    create_job(&client, &backend, json!({})).await;
    let patch = |body: Value| authed(client.patch(url(&backend, "jobs/1/"))).json(&body).send();

    let cases = [
        (json!({"status": "RUNNING", "progress": 5}), json!({"progress": ["This field is not allowed."]})),
        (json!({"status": "running"}), json!({"status": ["\"running\" is not a valid choice."]})),
        (
            json!({"status": "DONE", "id": 3}),
            json!({"status": ["\"DONE\" is not a valid choice."], "id": ["This field is not allowed."]}),
        ),
        (json!({"status": null}), json!({"status": ["This field may not be null."]})),
        (
            json!([{"status": "RUNNING"}]),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
        ),
    ];
    for (body, errors) in cases {
        let (status, got) = status_and_json(patch(body.clone()).await.expect("PATCH")).await;
        assert_eq!((status, got), (400, errors), "{body}");
    }
    let response = authed(client.patch(url(&backend, "jobs/1/"))).body("{\"status\":").send().await.expect("PATCH");
    assert_eq!(response.status(), 415, "a body that does not say it is JSON");
    let response = authed(client.patch(url(&backend, "jobs/1/")))
        .header("Content-Type", "application/json")
        .body("{\"status\":")
        .send()
        .await
        .expect("PATCH");
    let (status, body) = status_and_json(response).await;
    assert_eq!(status, 400);
    assert!(body["detail"].as_str().is_some_and(|detail| detail.starts_with("JSON parse error - ")), "{body}");
    // DRF finds the job before it reads the body.
    for body in [json!({"nope": 1}), json!({"status": "RUNNING"})] {
        let response = authed(client.patch(url(&backend, "jobs/9/"))).json(&body).send().await.expect("PATCH");
        let (status, got) = status_and_json(response).await;
        assert_eq!((status, got), (404, json!({"detail": "Not found."})), "{body}");
    }

    let state = state(&client, &backend).await;
    assert_eq!(state["jobs"][0]["status"], "PENDING", "refused PATCHes change nothing");
    assert_eq!(state["jobs"][0]["patches"], json!([]), "refused PATCHes are not recorded");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn console_logs_are_the_jobs_own_entries() {
    let backend = start().await;
    let client = client();
    let first = create_job(&client, &backend, json!({})).await;
    let second = create_job(&client, &backend, json!({})).await;
    let entries = json!([
        entry(&first, "message", json!({"content": "one"})),
        entry(&second, "message", json!({"content": "elsewhere"})),
        entry(&first, "message", json!({"content": "two"})),
    ]);
    let response = authed(client.post(url(&backend, "logs/"))).json(&entries).send().await.expect("POST logs/");
    assert_eq!(response.status(), 201);

    let response = authed(client.get(url(&backend, "jobs/1/console_logs/"))).send().await.expect("GET");
    let (status, logs) = status_and_json(response).await;
    assert_eq!(status, 200);
    let contents: Vec<&Value> = logs.as_array().expect("a list").iter().map(|log| &log["data"]["content"]).collect();
    assert_eq!(contents, [&json!("one"), &json!("two")]);
    backend.shutdown().await.expect("a clean shutdown");
}
