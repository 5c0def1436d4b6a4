//! The web console at `/console/`: its pages, its JSON and its live updates (Server-Sent Events).

mod common;

use common::{authed, client, create_job, start, status_and_json, url};
use reqwest::{Client, Response};
use serde_json::{Value, json};
use std::time::Duration;
use synapse_dev_backend::RunningDevBackend;

/// `PATCH jobs/{id}/` with `body`, as a plugin run does.
async fn patch(client: &Client, backend: &RunningDevBackend, id: &Value, body: Value) {
    let response = authed(client.patch(url(backend, &format!("jobs/{id}/")))).json(&body).send().await.expect("PATCH");
    assert_eq!(response.status(), 200);
}

/// A progress record at `percent` of step `train`.
fn progress(percent: f64) -> Value {
    json!({
        "record": {"steps": {"train": {"percent": percent}}},
        "current_progress": {"overall": percent, "step": "train", "percent": percent},
    })
}

/// The status, content type and text of `GET path`, without credentials.
async fn page(client: &Client, backend: &RunningDevBackend, path: &str) -> (u16, String, String) {
    let response = client.get(url(backend, path)).send().await.expect(path);
    let status = response.status().as_u16();
    let kind = response.headers().get("content-type").and_then(|kind| kind.to_str().ok()).unwrap_or("").to_owned();
    (status, kind, response.text().await.expect("a body"))
}

/// The data of the next event named `name` of an event stream (within 10 s).
async fn next_event(stream: &mut Response, buffer: &mut String, name: &str) -> Value {
    let wanted = format!("event: {name}\ndata: ");
    loop {
        if let Some(start) = buffer.find(&wanted)
            && let Some(length) = buffer[start + wanted.len()..].find("\n\n")
        {
            let data = buffer[start + wanted.len()..start + wanted.len() + length].to_owned();
            buffer.replace_range(..start + wanted.len() + length + 2, "");
            return serde_json::from_str(&data).expect("an event's data is JSON");
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("an event within 10 s")
            .expect("the stream goes on")
            .expect("the stream is not over");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test]
async fn the_runs_page_lists_jobs_with_their_progress_without_credentials() {
    let backend = start().await;
    let client = client();
    let job =
        create_job(&client, &backend, json!({"meta": {"plugin_run": {"action": "train", "plugin": "<b>q</b>"}}})).await;
    patch(&client, &backend, &job["id"], json!({"status": "RUNNING", "progress_record": progress(42.5)})).await;

    let (status, kind, html) = page(&client, &backend, "console/").await;
    assert_eq!((status, kind.as_str()), (200, "text/html; charset=utf-8"));
    assert!(html.contains(r#"<tr data-job="1"><td><a href="/console/jobs/1">#1</a></td>"#), "{html}");
    assert!(html.contains(r#"<progress class="overall" max="100" value="42.5">"#), "{html}");
    assert!(html.contains(r#"<span class="status running">RUNNING</span>"#), "{html}");
    assert!(html.contains("&lt;b&gt;q&lt;/b&gt; · train"), "the plugin's name is escaped: {html}");
    assert!(html.contains(r#"data-stream="/console/events?page=1""#), "{html}");

    assert!(html.contains("new EventSource(stream)"), "the script is inline: {html}");
    let (status, _, _) = page(&client, &backend, "console/jobs/7").await;
    assert_eq!(status, 404);
    let (status, _, _) = page(&client, &backend, "console/jobs/x").await;
    assert_eq!(status, 404);
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn runs_are_paged_newest_first_and_any_page_is_one_there_is() {
    let backend = start().await;
    let client = client();
    for _ in 0..205 {
        create_job(&client, &backend, json!({})).await;
    }
    let get = |query: &'static str| {
        let client = client.clone();
        let url = url(&backend, &format!("console/api/jobs{query}"));
        async move { status_and_json(client.get(url).send().await.expect("a page")).await.1 }
    };
    let ids = |page: &Value| page["results"].as_array().expect("results").iter().map(|job| job["id"].clone()).collect();
    let first = get("").await;
    assert_eq!(
        (first["count"].clone(), first["page"].clone(), first["pages"].clone()),
        (json!(205), json!(1), json!(3))
    );
    let first_ids: Vec<Value> = ids(&first);
    assert_eq!((first_ids.len(), first_ids[0].clone(), first_ids[99].clone()), (100, json!(205), json!(106)));
    let last: Vec<Value> = ids(&get("?page=3").await);
    assert_eq!(last, (1..=5).rev().map(|id| json!(id)).collect::<Vec<_>>());
    assert_eq!(get("?page=abc").await["page"], 1);
    assert_eq!(get("?page=99").await["page"], 3);

    let (_, _, html) = page(&client, &backend, "console/?page=2").await;
    assert_eq!(html.matches("<tr data-job=").count(), 100);
    assert!(html.contains(r#"<a rel="prev" href="/console/?page=1">"#) && html.contains("page 2 of 3"), "{html}");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn a_job_shows_its_steps_metrics_per_epoch_images_error_and_rollbacks() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    let id = job["id"].clone();
    let steps = json!({"record": {"steps": {
        "fetch": {"proportion": 30.0, "order": 1, "percent": 100.0},
        "fit": {"proportion": 70.0, "order": 2, "percent": 40.0},
    }}, "current_progress": {"overall": 58.0, "step": "fit", "percent": 40.0, "order": 2}});
    let record = |epoch: u64, loss: f64| json!({"record": {"steps": {"train": {"epoch": epoch, "loss": loss}}}});
    patch(
        &client,
        &backend,
        &id,
        json!({"status": "RUNNING", "progress_record": steps, "metrics_record": record(1, 0.9)}),
    )
    .await;
    patch(&client, &backend, &id, json!({"metrics_record": record(3, 0.3)})).await;
    let entry = |event: &str, step: &str, data: Value| json!({"event": event, "data": data, "datetime": "2026-02-17T10:04:05Z", "job": id, "step": step, "level": "info"});
    let metric = |epoch: u64, map50: f64| json!({"category": "validation", "key": "epoch", "value": epoch, "metrics": {"map50": map50, "loss": 0.5}});
    let entries = json!([
        entry("metric", "fit", metric(1, 0.2)),
        entry("metric", "fit", metric(2, 0.4)),
        {"event": "visualization", "data": {"category": "validation", "group": "predictions", "index": 0},
         "datetime": "2026-02-17T10:04:06Z", "job": id, "file": "data:image/png;base64,iVBORw0KGgo="},
        entry("rollback_started", "fit", json!({})),
        entry("rollback_completed", "fit", json!({"elapsed_ms": 2.0})),
        entry("rollback_started", "fetch", json!({})),
        entry("rollback_failed", "fetch", json!({"error": "the <cache> is gone"})),
    ]);
    let response = authed(client.post(url(&backend, "logs/"))).json(&entries).send().await.expect("POST logs/");
    assert_eq!(response.status(), 201);
    let failed = json!({"error": "step `fit` failed: out of memory", "kind": "failed"});
    patch(&client, &backend, &id, json!({"status": "FAILED", "result": failed})).await;

    let (status, detail) =
        status_and_json(client.get(url(&backend, "console/api/jobs/1")).send().await.expect("GET")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["steps"][1], json!({"name": "fit", "order": 2, "proportion": 70.0, "percent": 40.0}));
    assert_eq!(detail["overall"], 58.0);
    let loss = &detail["metrics"][0];
    assert_eq!((loss["name"].clone(), loss["x"].clone()), (json!("loss"), json!("epoch")));
    assert_eq!(loss["series"][0], json!({"category": "train", "points": [[1.0, 0.9], [3.0, 0.3]]}));
    assert_eq!(loss["series"][1], json!({"category": "validation", "points": [[1.0, 0.5], [2.0, 0.5]]}));
    assert_eq!(detail["metrics"][1]["series"][0]["points"], json!([[1.0, 0.2], [2.0, 0.4]]));
    assert_eq!(detail["error"], json!({"message": "step `fit` failed: out of memory", "kind": "failed"}));
    assert_eq!(
        detail["rollbacks"],
        json!([{"step": "fit", "outcome": "rolled back", "error": null},
               {"step": "fetch", "outcome": "failed", "error": "the <cache> is gone"}])
    );
    let image = detail["images"][0]["url"].as_str().expect("the image's URL");
    assert!(image.starts_with("/media/logs/1/") && image.ends_with(".png"), "{image}");
    let (status, _, _) = page(&client, &backend, image.trim_start_matches('/')).await;
    assert_eq!(status, 200, "the image is served");

    let (status, _, html) = page(&client, &backend, "console/jobs/1").await;
    assert_eq!(status, 200);
    assert_eq!(html.matches(r#"<circle class="point" data-category="train""#).count(), 2, "{html}");
    assert!(
        html.contains(
            r#"<tr data-step="fit"><td>fit</td><td class="bar"><progress class="step" max="100" value="40">"#
        )
    );
    assert!(
        html.contains(r#"<li data-step="fetch" class="failed"><b>fetch</b> failed: the &lt;cache&gt; is gone</li>"#)
    );
    assert!(html.contains(r#"<p id="error" class="error"><span class="kind">failed</span> step `fit` failed"#));
    assert_eq!(html.matches("<tr data-log=").count(), 7, "every entry is a row of the logs");
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn the_event_streams_carry_each_change_of_progress() {
    let backend = start().await;
    let client = client();
    let job = create_job(&client, &backend, json!({})).await;
    patch(&client, &backend, &job["id"], json!({"status": "RUNNING", "progress_record": progress(10.0)})).await;

    let mut stream = client.get(url(&backend, "console/jobs/1/events?after=0")).send().await.expect("the stream");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let first = next_event(&mut stream, &mut buffer, "job").await;
    assert_eq!((first["status"].clone(), first["finished"].clone()), (json!("RUNNING"), json!(false)));
    assert!(first["sections"]["head"].as_str().is_some_and(|head| head.contains(r#"value="10""#)), "{first}");

    patch(&client, &backend, &job["id"], json!({"progress_record": progress(55.0)})).await;
    let entry = json!({"event": "message", "data": {"content": "halfway"}, "datetime": "2026-02-17T10:04:05Z",
                       "job": 1, "level": "info"});
    authed(client.post(url(&backend, "logs/"))).json(&entry).send().await.expect("POST logs/");
    let mut update = next_event(&mut stream, &mut buffer, "job").await;
    // The PATCH and the entry may come as one update or two.
    if update["last_log"] == 0 {
        update = next_event(&mut stream, &mut buffer, "job").await;
    }
    assert!(update["sections"]["head"].as_str().is_some_and(|head| head.contains(r#"value="55""#)), "{update}");
    assert!(update["logs"].as_str().is_some_and(|logs| logs.contains("halfway")), "{update}");
    assert_eq!(update["last_log"], 1);

    let mut runs = client.get(url(&backend, "console/events?page=1")).send().await.expect("the runs stream");
    let mut buffer = String::new();
    let rows = next_event(&mut runs, &mut buffer, "runs").await;
    assert_eq!(rows["count"], 1);
    assert!(rows["rows"].as_str().is_some_and(|rows| rows.contains(r#"value="55""#)), "{rows}");
    patch(&client, &backend, &job["id"], json!({"status": "SUCCEEDED"})).await;
    let rows = next_event(&mut runs, &mut buffer, "runs").await;
    assert!(rows["rows"].as_str().is_some_and(|rows| rows.contains("SUCCEEDED") && rows.contains(r#"value="100""#)));
    backend.shutdown().await.expect("a clean shutdown");
}
