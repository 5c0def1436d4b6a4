//! The state under a data directory survives a restart; the binary serves it until SIGTERM.

mod common;

use common::{TOKEN, authed, client, create_job, entry, state, status_and_json, url};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use synapse_dev_backend::DevBackend;

#[tokio::test]
async fn state_survives_a_restart_on_the_same_data_dir() {
    let dir = tempfile::tempdir().expect("a data directory");
    let data = dir.path().join("state");
    let client = client();

    let backend = DevBackend::builder().token(TOKEN).data_dir(&data).start().await.expect("the backend starts");
    let job = create_job(&client, &backend, json!({"meta": {"origin": "first run"}})).await;
    create_job(&client, &backend, json!({})).await;
    let response = authed(client.patch(url(&backend, "jobs/1/"))).json(&json!({"status": "RUNNING"})).send().await;
    assert_eq!(response.expect("PATCH").status(), 200);
    let response = authed(client.post(url(&backend, "logs/"))).json(&entry(&job, "message", json!({}))).send().await;
    assert_eq!(response.expect("POST logs/").status(), 201);
    let before = state(&client, &backend).await;
    backend.shutdown().await.expect("a clean shutdown");

    let backend = DevBackend::builder().token(TOKEN).data_dir(&data).start().await.expect("the backend restarts");
    let after = state(&client, &backend).await;
    assert_eq!(after, before);
    assert_eq!(after["jobs"][0]["status"], "RUNNING");
    assert_eq!(after["jobs"][0]["meta"], json!({"origin": "first run"}));
    // Ids go on from where they were.
    let third = create_job(&client, &backend, json!({})).await;
    assert_eq!(third["id"], 3);
    let (status, page) = status_and_json(authed(client.get(url(&backend, "jobs/"))).send().await.expect("GET")).await;
    assert_eq!((status, page["count"].clone()), (200, json!(3)));
    backend.shutdown().await.expect("a clean shutdown");
}

#[tokio::test]
async fn the_binary_prints_its_address_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("a data directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_synapse-dev-backend"))
        .args(["--bind", "127.0.0.1:0", "--token", TOKEN, "--data"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("its stdout");
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .expect("the reader")
    .expect("a line");
    let ready: Value = serde_json::from_str(line.strip_prefix("@synapse-dev-backend ").expect("the prefix").trim())
        .expect("JSON after the prefix");
    let addr = ready["addr"].as_str().expect("addr");
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    assert_eq!(ready["url"], format!("http://{addr}/"));
    assert_eq!(
        ready.as_object().map(|ready| ready.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["addr".into(), "url".into()])
    );

    let client = client();
    let response = client.get(format!("http://{addr}/jobs/")).header("Authorization", format!("Token {TOKEN}")).send();
    let (status, page) = status_and_json(response.await.expect("GET jobs/")).await;
    assert_eq!((status, page), (200, json!({"count": 0, "next": null, "previous": null, "results": []})));

    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, rustix::process::Signal::TERM).expect("SIGTERM");
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(status) = child.try_wait().expect("its status") {
            break status;
        }
        assert!(Instant::now() < deadline, "still running 5 s after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status}");
    assert!(dir.path().join("dev-backend.sqlite3").is_file());
}
