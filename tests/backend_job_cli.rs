//! The job contract where a plugin's action runs: the plugin CLI in local and process mode and
//! a task-mode worker report each run to its backend job, and a run whose reports would all be
//! lost (wrong credentials) does not start.

use serde_json::json;
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{TOKEN, job_state, new_job, start};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");

/// Runs the quickstart plugin's `train` with `--job-id job` in `mode`, its backend the dev
/// backend (from the environment, as the platform gives it).
async fn train_from_the_cli(backend: &RunningDevBackend, job: u64, mode: &str) -> std::process::Output {
    let params = r#"{"epochs": 20, "samples": 50}"#;
    tokio::process::Command::new(QUICKSTART)
        .args(["run", "train", "--params", params, "--mode", mode, "--job-id", &job.to_string()])
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env_remove("SYNAPSE_PLUGIN_RUN_USER_TOKEN")
        .output()
        .await
        .expect("the plugin ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_cli_reports_a_run_with_a_job_id_where_its_action_runs() {
    let backend = start().await;
    for mode in ["local", "process"] {
        let job = new_job(&backend).await;
        let ran = train_from_the_cli(&backend, job, mode).await;
        let stderr = String::from_utf8_lossy(&ran.stderr);
        assert!(ran.status.success(), "{mode}: {stderr}");
        let (record, patches, logs) = job_state(&backend, job).await;
        assert_eq!(record["status"], "SUCCEEDED", "{mode}: {patches:#?}");
        let running = patches.iter().filter(|p| p["status"] == "RUNNING").count();
        assert_eq!(running, 1, "{mode}: reported once, by the process that ran the action: {patches:#?}");
        let last = patches.last().expect("patches");
        assert_eq!(last["metrics_record"]["record"]["steps"]["train"]["epoch"], 20, "{mode}: {last}");
        assert_eq!(last["result"]["epochs"], 20, "{mode}: {last}");
        assert!(
            logs.iter().any(|l| l["event"] == "message" && l["level"] == "success"),
            "{mode}: the final message arrived: {logs:#?}"
        );
    }
    // A backend configured half-way is said, and nothing runs.
    let ran = tokio::process::Command::new(QUICKSTART)
        .args(["run", "train", "--job-id", "7"])
        .env_remove("SYNAPSE_HOST")
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .output()
        .await
        .expect("the plugin ran");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("job `7` cannot be reported to the Synapse backend"), "{stderr}");
    assert!(!stderr.contains(TOKEN), "{stderr}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_whose_reports_would_all_be_lost_does_not_start() {
    let backend = start().await;
    let job = new_job(&backend).await;
    // A wrong token: said before anything runs, exit 2, the job untouched.
    let ran = tokio::process::Command::new(QUICKSTART)
        .args(["run", "train", "--params", r#"{"epochs": 2}"#, "--job-id", &job.to_string()])
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", "wrong")
        .env_remove("SYNAPSE_PLUGIN_RUN_USER_TOKEN")
        .output()
        .await
        .expect("the plugin ran");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert_eq!(ran.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("job `{job}` cannot be reported to the Synapse backend: GET jobs/{job}/: 401")),
        "{stderr}"
    );
    let (record, patches, _) = job_state(&backend, job).await;
    assert_eq!((record["status"].as_str(), patches.len()), (Some("PENDING"), 0));

    // A job the backend does not have: said, and the run goes on unreported.
    let ran = tokio::process::Command::new(QUICKSTART)
        .args(["run", "train", "--params", r#"{"epochs": 2}"#, "--job-id", "999"])
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env_remove("SYNAPSE_PLUGIN_RUN_USER_TOKEN")
        .output()
        .await
        .expect("the plugin ran");
    let stderr = String::from_utf8_lossy(&ran.stderr);
    assert!(ran.status.success(), "{stderr}");
    assert!(stderr.contains("warning: job `999` is not on the Synapse backend"), "{stderr}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_mode_worker_reports_each_run_to_its_job() {
    use synapse::executor::ray::worker::{WORKER_LINE_MARKER, WORKER_TOKEN_VAR, WorkerAnnouncement};
    use synapse::executor::ray::worker_client::{RunTags, WorkerClient};
    use tokio::io::AsyncBufReadExt;
    let backend = start().await;
    let secret = "a-test-token-of-32-characters-xx";
    let mut worker = tokio::process::Command::new(QUICKSTART)
        .args(["worker", "--bind", "127.0.0.1:0"])
        .env(WORKER_TOKEN_VAR, secret)
        .env("SYNAPSE_HOST", backend.url())
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the worker");
    let mut line = String::new();
    let stdout = worker.stdout.take().expect("stdout");
    tokio::io::BufReader::new(stdout).read_line(&mut line).await.expect("its announcement");
    let announcement: WorkerAnnouncement =
        serde_json::from_str(line.trim().trim_start_matches(WORKER_LINE_MARKER)).expect("announcement JSON");
    let client = WorkerClient::new(announcement.addr, secret);
    for _ in 0..2 {
        let job = new_job(&backend).await;
        let tags = RunTags::from(synapse::events::RunId::random()).with_job_id(Some(job.to_string()));
        let params = json!({"epochs": 10, "samples": 20});
        client.run("train", params, tags, vec![], None).await.expect("trained");
        let (record, patches, _) = job_state(&backend, job).await;
        assert_eq!(record["status"], "SUCCEEDED", "{patches:#?}");
        assert_eq!(patches.first(), Some(&json!({"status": "RUNNING"})));
    }
    let _ = worker.kill().await;
    backend.shutdown().await.expect("shutdown");
}
