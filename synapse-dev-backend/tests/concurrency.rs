//! Many clients at once: nothing is lost.

mod common;

use common::{TOKEN, authed, client, create_job, entry, state, url};
use serde_json::{Value, json};
use synapse_dev_backend::DevBackend;

const CLIENTS: usize = 50;
const ROUNDS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_posting_logs_and_patches_lose_nothing() {
    let dir = tempfile::tempdir().expect("a data directory");
    let backend = DevBackend::builder().token(TOKEN).data_dir(dir.path()).start().await.expect("the backend starts");
    let setup = client();
    let mut jobs = Vec::new();
    for _ in 0..CLIENTS {
        jobs.push(create_job(&setup, &backend, json!({"status": "RUNNING"})).await);
    }

    let tasks: Vec<_> = jobs
        .iter()
        .map(|job| {
            let job = job.clone();
            let logs_url = url(&backend, "logs/");
            let job_url = url(&backend, &format!("jobs/{}/", job["id"]));
            tokio::spawn(async move {
                // A client of its own: its own connections, as separate plugin processes have.
                let client = client();
                for round in 0..ROUNDS {
                    let log = entry(&job, "message", json!({"round": round}));
                    let response = authed(client.post(&logs_url)).json(&log).send().await.expect("POST logs/");
                    assert_eq!(response.status(), 201);
                    let progress = json!({"progress_record": {"current_progress": {"overall": round}}});
                    let response = authed(client.patch(&job_url)).json(&progress).send().await.expect("PATCH");
                    assert_eq!(response.status(), 200);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a client finished");
    }

    let state = state(&setup, &backend).await;
    let logs = state["logs"].as_array().expect("logs");
    assert_eq!(logs.len(), CLIENTS * ROUNDS);
    let rounds: Vec<Value> = (0..ROUNDS).map(|round| json!(round)).collect();
    for job in state["jobs"].as_array().expect("jobs") {
        let of_job: Vec<Value> =
            logs.iter().filter(|log| log["job"] == job["id"]).map(|log| log["data"]["round"].clone()).collect();
        assert_eq!(of_job, rounds, "job {}: every entry, in order", job["id"]);
        let patches: Vec<Value> = job["patches"]
            .as_array()
            .expect("patches")
            .iter()
            .map(|patch| patch["body"]["progress_record"]["current_progress"]["overall"].clone())
            .collect();
        assert_eq!(patches, rounds, "job {}: every PATCH, in order", job["id"]);
        assert_eq!(job["progress_record"]["current_progress"]["overall"], ROUNDS - 1);
    }
    let expected = (CLIENTS * ROUNDS) as u64;
    assert_eq!(state["requests"]["POST /logs/"].as_u64(), Some(expected));
    assert_eq!(state["requests"]["PATCH /jobs/{id}/"].as_u64(), Some(expected));
    assert_eq!(state["auth"].as_array().map(Vec::len), Some(2 * CLIENTS * ROUNDS));
    backend.shutdown().await.expect("a clean shutdown");
}
