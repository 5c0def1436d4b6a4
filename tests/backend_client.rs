//! The backend client (`synapse::backend`) against the dev backend (`synapse-dev-backend`), which
//! serves the Synapse v1 API in this process: the SDK's headers, jobs, log entries, paged
//! listings, and what the client does when the backend fails — retried where that cannot apply
//! a request twice, typed errors naming the method, the path, the status and the server's words.

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};
use synapse::backend::{BackendClient, BackendConfig, BackendError, JobStatus, JobUpdate, LogEntry, RetryPolicy};
use synapse::events::LogLevel;
use synapse_dev_backend::{DevBackend, RunningDevBackend};

const TOKEN: &str = "dev-token";

async fn backend() -> RunningDevBackend {
    DevBackend::builder().token(TOKEN).in_memory().bind("127.0.0.1:0").start().await.expect("dev backend")
}

fn client(backend: &RunningDevBackend) -> BackendClient {
    let mut config = BackendConfig::new(backend.url(), TOKEN).expect("config");
    config.tenant = Some("acme".to_owned());
    config.url_host = Some("files.example".to_owned());
    let quick = RetryPolicy { attempts: 3, base: Duration::from_millis(10), max: Duration::from_millis(50) };
    BackendClient::new(config).expect("client").with_retry(quick)
}

async fn dev(backend: &RunningDevBackend, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let http = reqwest::Client::new();
    let mut request = http.request(method, format!("{}{path}", backend.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("dev route").json().await.expect("JSON")
}

async fn new_job(backend: &RunningDevBackend) -> u64 {
    dev(backend, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await["id"].as_u64().expect("id")
}

async fn fault(backend: &RunningDevBackend, fault: Value) {
    dev(backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
}

fn entry(job: u64, n: usize) -> LogEntry {
    let job = job.into();
    LogEntry {
        event: "message".to_owned(),
        data: json!({"content": format!("line {n}")}),
        datetime: SystemTime::now(),
        job,
        file: None,
        step: Some("train".to_owned()),
        level: Some(LogLevel::Info),
    }
}

#[tokio::test]
async fn a_job_moves_through_its_states_with_the_sdks_headers() {
    let backend = backend().await;
    let client = client(&backend);
    let id = new_job(&backend).await;
    assert_eq!(client.get_job(id).await.expect("job").status, JobStatus::Pending);
    let running = JobUpdate { status: Some(JobStatus::Running), ..JobUpdate::default() };
    assert_eq!(client.update_job(id, &running).await.expect("patched").status, JobStatus::Running);
    assert_eq!(client.get_job(id.to_string().as_str()).await.expect("by its text").id, id.into());
    let done = JobUpdate { status: Some(JobStatus::Succeeded), result: Some(json!({"ok": 1})), ..JobUpdate::default() };
    let job = client.update_job(id, &done).await.expect("patched");
    assert_eq!((job.status, job.result), (JobStatus::Succeeded, Some(json!({"ok": 1}))));

    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let bodies: Vec<&Value> =
        state["jobs"][0]["patches"].as_array().expect("patches").iter().map(|p| &p["body"]).collect();
    assert_eq!(bodies, [&json!({"status": "RUNNING"}), &json!({"status": "SUCCEEDED", "result": {"ok": 1}})]);
    let auth = &state["auth"][0];
    assert_eq!((auth["variant"].as_str(), auth["tenant"].as_str()), (Some("access_token"), Some("acme")), "{auth}");
    assert_eq!(auth["url_host"], "files.example", "every request carries url_host: {auth}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn log_entries_go_one_as_an_object_and_many_as_a_list() {
    let backend = backend().await;
    let client = client(&backend);
    let id = new_job(&backend).await;
    client.create_logs(&[entry(id, 0)]).await.expect("one");
    client.create_logs(&(1..5).map(|n| entry(id, n)).collect::<Vec<_>>()).await.expect("four");
    client.create_logs(&[]).await.expect("none");
    let logs = client.job_console_logs(id).await.expect("logs");
    let lines: Vec<&str> =
        logs.as_array().expect("list").iter().filter_map(|l| l["data"]["content"].as_str()).collect();
    assert_eq!(lines, ["line 0", "line 1", "line 2", "line 3", "line 4"]);
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["POST /logs/"], 2, "nothing is sent for no entries: {}", state["requests"]);
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_listing_is_read_to_its_end_across_pages() {
    let backend = backend().await;
    let client = client(&backend);
    for _ in 0..7 {
        new_job(&backend).await;
    }
    let jobs: Vec<Value> = client.list("jobs/", &[("page_size", "3")]).try_collect().await.expect("listing");
    let ids: Vec<u64> = jobs.iter().filter_map(|job| job["id"].as_u64()).collect();
    assert_eq!(ids, (1..=7).collect::<Vec<_>>());
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["GET /jobs/"], 3, "three pages: {}", state["requests"]);
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn transient_failures_are_retried_and_the_rest_are_typed_errors() {
    let backend = backend().await;
    let client = client(&backend);
    let id = new_job(&backend).await;
    // A 503 then a success: the GET is tried again.
    fault(&backend, json!({"method": "GET", "path_glob": "/jobs/*/", "nth": 1, "status": 503})).await;
    assert_eq!(client.get_job(id).await.expect("retried").id, id.into());

    // A 404 names the method, the path, the status and the server's words.
    let error = client.get_job(999).await.expect_err("no such job");
    assert_eq!(error.to_string(), "GET jobs/999/: 404 Not Found: Not found.");
    assert_eq!(error.status(), Some(404));

    // A field the backend forbids: its own message.
    let error = client.patch::<_, Value>(&format!("jobs/{id}/"), &json!({"bogus": 1})).await.expect_err("forbidden");
    assert_eq!(error.to_string(), format!("PATCH jobs/{id}/: 400 Bad Request: bogus: This field is not allowed."));
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_post_whose_answer_was_lost_is_never_sent_again() {
    let backend = backend().await;
    let client = client(&backend);
    let id = new_job(&backend).await;
    fault(&backend, json!({"method": "POST", "path_glob": "/logs/", "nth": 1, "drop_response": true})).await;
    let error = client.create_logs(&[entry(id, 0), entry(id, 1)]).await.expect_err("lost");
    assert!(matches!(error, BackendError::ResponseLost { .. }), "{error:?}");
    assert!(error.to_string().starts_with("POST logs/: the response was lost"), "{error}");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["POST /logs/"], 1, "not sent twice");
    assert_eq!(state["logs"].as_array().map(Vec::len), Some(2), "stored once");

    // A 503 is a refusal: the POST was not applied, so it is sent again.
    fault(&backend, json!({"method": "POST", "path_glob": "/logs/", "nth": 1, "status": 503})).await;
    client.create_logs(&[entry(id, 2)]).await.expect("retried after a refusal");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["logs"].as_array().map(Vec::len), Some(3));
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn a_wrong_token_and_a_dead_backend_are_said_as_such() {
    let backend = backend().await;
    let wrong = BackendClient::new(BackendConfig::new(backend.url(), "nope").expect("config")).expect("client");
    let error = wrong.get_job(1).await.expect_err("refused");
    assert_eq!(error.to_string(), "GET jobs/1/: 401 Unauthorized: Invalid token.");
    let url = backend.url().to_owned();
    backend.shutdown().await.expect("shutdown");
    let gone = BackendClient::new(BackendConfig::new(&url, TOKEN).expect("config"))
        .expect("client")
        .with_retry(RetryPolicy::NONE);
    let error = gone.get_job(1).await.expect_err("unreachable");
    assert!(matches!(error, BackendError::Unreachable { .. }), "{error:?}");
    assert!(error.to_string().ends_with("is unreachable: connection refused"), "{error}");
    assert!(!format!("{error:?}{error}").contains(TOKEN), "no token in errors");
}

#[tokio::test]
async fn a_forbidden_request_and_a_proxys_html_page_are_typed_errors_with_their_words() {
    let backend = backend().await;
    let client = client(&backend);
    let id = new_job(&backend).await;
    // 403 is final: said once, with the server's words, never retried.
    fault(&backend, json!({"method": "GET", "path_glob": "/jobs/*/", "nth": 1, "status": 403})).await;
    let error = client.get_job(id).await.expect_err("forbidden");
    assert_eq!(error.to_string(), format!("GET jobs/{id}/: 403 Forbidden: Injected fault."));
    assert_eq!(error.status(), Some(403));
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["GET /jobs/{id}/"], 1, "not retried");

    // A gateway's HTML page on every try: the page's title, not its markup.
    let page = "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>";
    fault(&backend, json!({"method": "GET", "path_glob": "/jobs/*/", "status": 502, "body": page})).await;
    let error = client.get_job(id).await.expect_err("bad gateway");
    assert_eq!(error.to_string(), format!("GET jobs/{id}/: 502 Bad Gateway: 502 Bad Gateway"));
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn an_https_backend_in_a_build_without_tls_is_said_at_once() {
    // The tests' build has no `tls` feature: the client says what to add, instead of failing
    // every request with "scheme is not http".
    let error = BackendClient::new(BackendConfig::new("https://synapse.example.com", TOKEN).expect("config"))
        .err()
        .expect("refused");
    assert_eq!(
        error.to_string(),
        "backend configuration: the Synapse backend at https://synapse.example.com/ is HTTPS: this plugin was built \
         without the `tls` feature of synapse; add it (`synapse = { …, features = [\"tls\"] }` in its Cargo.toml) \
         to speak HTTPS"
    );
}
