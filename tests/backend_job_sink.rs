//! The job contract against the dev backend: a run with a backend job reports itself through
//! `synapse::backend::JobSink` — RUNNING, its log entries in batches, its progress and metrics
//! records coalesced, its end (SUCCEEDED, FAILED or STOPPED) — and says exactly what it could not
//! deliver when the backend fails.

use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::LocalExecutor;
use synapse::backend::{BackendClient, JobSink, JobSinkLimits};
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse_dev_backend::{DevBackend, RunningDevBackend};
use synapse_tests::dev_backend::{TOKEN, client_of, dev, job_state, new_job, quick, start};

/// What `Train` is asked.
#[params]
pub struct TrainParams {
    /// Epochs to run.
    pub epochs: u64,
    /// Fail at this epoch.
    #[serde(default)]
    pub fail_at: Option<u64>,
    /// Pause between epochs, in milliseconds.
    #[serde(default)]
    pub pause_ms: u64,
}

/// Trains: a message, progress and metrics per epoch.
#[action]
pub struct Train;

impl Action for Train {
    type Params = TrainParams;
    type Output = Value;

    async fn execute(&self, params: TrainParams, ctx: &Context) -> Result<Value> {
        ctx.log_message("training", LogLevel::Info);
        for epoch in 1..=params.epochs {
            ctx.check_cancelled()?;
            if params.fail_at == Some(epoch) {
                return Err(synapse::Error::msg(format!("diverged at epoch {epoch}")));
            }
            ctx.logger().info(format!("epoch {epoch}"));
            ctx.set_metrics(
                json!({"loss": 1.0 / epoch as f64, "epoch": epoch}).as_object().cloned().unwrap_or_default(),
                "train",
            );
            ctx.set_progress(epoch, params.epochs);
            tokio::time::sleep(Duration::from_millis(params.pause_ms)).await;
        }
        Ok(json!({"epochs": params.epochs}))
    }
}

fn client(backend: &RunningDevBackend) -> BackendClient {
    client_of(backend.url(), quick(2, 10, 20))
}

fn quick_limits() -> JobSinkLimits {
    JobSinkLimits {
        log_interval: Duration::from_millis(50),
        record_interval: Duration::from_millis(50),
        finish_timeout: Duration::from_secs(10),
        ..JobSinkLimits::default()
    }
}

/// Runs `Train` with `params` reporting to job `job`; the sink and the outcome.
async fn train(
    client: BackendClient,
    job: u64,
    limits: JobSinkLimits,
    params: Value,
) -> (Arc<JobSink>, Result<Value, synapse::RunError>) {
    let sink = Arc::new(JobSink::with_limits(client, job, limits));
    let executor = LocalExecutor::from_options(RunOptions::default().job_id(job.to_string()).sink(sink.clone()));
    let outcome = executor.execute_action(Train::descriptor(), params).await;
    (sink, outcome)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_reports_its_start_its_records_its_logs_and_its_result() {
    let backend = start().await;
    let job = new_job(&backend).await;
    let (sink, outcome) = train(client(&backend), job, quick_limits(), json!({"epochs": 5})).await;
    assert_eq!(outcome.expect("trained"), json!({"epochs": 5}));
    assert!(sink.loss().is_empty(), "{:?}", sink.loss());
    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED");
    assert_eq!(patches.first(), Some(&json!({"status": "RUNNING"})), "{patches:#?}");
    let last = patches.last().expect("patches");
    assert_eq!((&last["status"], &last["result"]), (&json!("SUCCEEDED"), &json!({"epochs": 5})), "{last}");
    assert_eq!(last["progress_record"]["current_progress"]["overall"], 100.0, "{last}");
    assert!(last["progress_record"]["current_progress"]["time_elapsed"].is_number(), "{last}");
    assert_eq!(last["metrics_record"]["record"]["steps"]["train"], json!({"loss": 0.2, "epoch": 5}), "{last}");
    let contents: Vec<&str> = logs.iter().filter_map(|l| l["data"]["content"].as_str()).collect();
    let expected: Vec<String> =
        std::iter::once("training".to_owned()).chain((1..=5).map(|e| format!("epoch {e}"))).collect();
    assert_eq!(contents, expected, "in order, none lost");
    assert!(logs.iter().all(|l| l["event"] == "message" && l["level"] == "info"), "{logs:#?}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_run_is_failed_with_its_error_and_a_cancelled_one_stopped() {
    let backend = start().await;
    let job = new_job(&backend).await;
    let (_, outcome) = train(client(&backend), job, quick_limits(), json!({"epochs": 5, "fail_at": 3})).await;
    outcome.expect_err("diverged");
    let (record, patches, _) = job_state(&backend, job).await;
    assert_eq!(record["status"], "FAILED");
    let error = patches.last().expect("patches")["result"]["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("diverged at epoch 3"), "{error}");

    let job = new_job(&backend).await;
    let token = synapse::CancellationToken::new();
    let sink = Arc::new(JobSink::with_limits(client(&backend), job, quick_limits()));
    let executor = LocalExecutor::from_options(RunOptions::default().sink(sink.clone()).cancel(token.clone()));
    let run = tokio::spawn(async move {
        executor.execute_action(Train::descriptor(), json!({"epochs": 1000, "pause_ms": 5})).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    token.cancel();
    run.await.expect("joined").expect_err("cancelled");
    let (record, _, _) = job_state(&backend, job).await;
    assert_eq!(record["status"], "STOPPED");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_coalesced_to_one_patch_per_interval() {
    let backend = start().await;
    let job = new_job(&backend).await;
    let limits = JobSinkLimits { record_interval: Duration::from_millis(200), ..quick_limits() };
    let started = Instant::now();
    let (_, outcome) = train(client(&backend), job, limits, json!({"epochs": 200, "pause_ms": 5})).await;
    outcome.expect("trained");
    let elapsed = started.elapsed().as_secs_f64();
    let (_, patches, logs) = job_state(&backend, job).await;
    let records = patches.iter().filter(|p| p.get("status").is_none()).count();
    // One PATCH per 200 ms at most (and the RUNNING and final ones).
    assert!(records as f64 <= elapsed / 0.2 + 2.0, "{records} record PATCHes in {elapsed:.2} s");
    assert!(records >= 1, "progress was reported while running");
    assert_eq!(logs.len(), 201, "every entry arrived");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_mid_run_loses_nothing_and_a_lost_response_is_counted_not_resent() {
    let backend = start().await;
    // The backend refuses every POST of log entries for a while: they wait and are resent.
    let job = new_job(&backend).await;
    dev(
        &backend,
        reqwest::Method::POST,
        "_dev/faults",
        Some(json!({"method": "POST", "path_glob": "/logs/", "status": 503})),
    )
    .await;
    let client = client(&backend);
    let run = tokio::spawn(train(client.clone(), job, quick_limits(), json!({"epochs": 40, "pause_ms": 10})));
    tokio::time::sleep(Duration::from_millis(200)).await;
    dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    let (sink, outcome) = run.await.expect("joined");
    outcome.expect("trained");
    assert!(sink.loss().is_empty(), "{:?}", sink.loss());
    let (record, _, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED");
    assert_eq!(logs.len(), 41, "nothing lost");

    // A POST whose response is lost is not sent again: its entries are counted, and said.
    let job = new_job(&backend).await;
    dev(
        &backend,
        reqwest::Method::POST,
        "_dev/faults",
        Some(json!({"method": "POST", "path_glob": "/logs/", "nth": 1, "drop_response": true})),
    )
    .await;
    let (sink, outcome) = train(client, job, quick_limits(), json!({"epochs": 3})).await;
    outcome.expect("trained");
    let loss = sink.loss();
    assert!(loss.unconfirmed >= 1 && loss.dropped == 0 && loss.unsent == 0, "{loss:?}");
    let (_, patches, logs) = job_state(&backend, job).await;
    assert_eq!(
        patches.last().expect("patches")["meta"]["joblog_loss"]["unconfirmed"],
        loss.unconfirmed,
        "{patches:#?}"
    );
    assert!(logs.iter().any(|l| l["event"] == "joblog_loss"), "the loss is in the job's log");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_percent_of_requests_failing_lose_nothing() {
    let backend = start().await;
    let job = new_job(&backend).await;
    // Every 20th API request, whatever it is, fails with a 503.
    let fault = json!({"method": "*", "path_glob": "/**", "every": 20, "status": 503});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let limits = JobSinkLimits { batch_trigger: 5, ..quick_limits() };
    let (sink, outcome) = train(client(&backend), job, limits, json!({"epochs": 300, "pause_ms": 1})).await;
    outcome.expect("trained");
    assert!(sink.loss().is_empty(), "{:?}", sink.loss());
    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED");
    assert_eq!(logs.len(), 301, "every entry arrived once");
    let epochs: Vec<_> = logs.iter().filter_map(|l| l["data"]["content"].as_str()).collect();
    for epoch in 1..=300 {
        assert_eq!(epochs.iter().filter(|m| **m == format!("epoch {epoch}")).count(), 1, "epoch {epoch}");
    }
    assert!(patches.iter().any(|p| p.get("metrics_record").is_some()), "{patches:#?}");
    let faults = dev(&backend, reqwest::Method::GET, "_dev/faults", None).await;
    let fired = faults[0]["fired"].as_u64().expect("fired");
    assert!(fired >= 3, "the fault fired {fired} times: {faults}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_runs_reporting_at_once_lose_nothing() {
    let dir = tempfile::tempdir().expect("a data directory");
    let backend = DevBackend::builder()
        .token(TOKEN)
        .data_dir(dir.path())
        .start()
        .await
        .expect("a backend with its state on disk");
    let mut jobs = Vec::new();
    for _ in 0..50 {
        jobs.push(new_job(&backend).await);
    }
    let runs: Vec<_> = jobs
        .iter()
        .map(|job| tokio::spawn(train(client(&backend), *job, quick_limits(), json!({"epochs": 20, "pause_ms": 5}))))
        .collect();
    for run in runs {
        let (sink, outcome) = run.await.expect("joined");
        outcome.expect("trained");
        assert!(sink.loss().is_empty(), "job {}: {:?}", sink.job(), sink.loss());
    }
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    for job in jobs {
        let record = state["jobs"].as_array().and_then(|all| all.iter().find(|j| j["id"] == job)).expect("the job");
        assert_eq!(record["status"], "SUCCEEDED", "job {job}");
        assert_eq!(record["metrics_record"]["record"]["steps"]["train"]["epoch"], 20, "job {job}");
        let logs = state["logs"].as_array().expect("logs").iter().filter(|l| l["job"] == job).count();
        assert_eq!(logs, 21, "job {job}: every entry once");
    }
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_update_is_counted_once_and_a_slow_backend_cannot_hold_the_end() {
    let backend = start().await;
    // RUNNING is refused (403): said, counted, not sent again; the run goes on.
    let job = new_job(&backend).await;
    let fault = json!({"method": "PATCH", "path_glob": "/jobs/*/", "nth": 1, "status": 403});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let (sink, outcome) = train(client(&backend), job, quick_limits(), json!({"epochs": 3})).await;
    outcome.expect("trained");
    assert_eq!(sink.loss().updates, 1, "{:?}", sink.loss());
    let (record, patches, _) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED", "the final status still went: {patches:#?}");
    assert!(patches.iter().all(|p| p.get("status") != Some(&json!("RUNNING"))), "{patches:#?}");
    let faults = dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    assert_eq!(faults["cleared"], 1);

    // Every PATCH held for 20 s: the end waits for its finish timeout (1 s), not the client's
    // 60 s request timeout, and counts what it could not deliver.
    let job = new_job(&backend).await;
    let fault = json!({"method": "PATCH", "path_glob": "/jobs/*/", "delay_ms": 20_000});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let limits = JobSinkLimits { finish_timeout: Duration::from_secs(1), ..quick_limits() };
    let started = Instant::now();
    let (sink, outcome) = train(client(&backend), job, limits, json!({"epochs": 2})).await;
    outcome.expect("trained");
    let loss = sink.loss();
    assert!(loss.updates >= 1, "{loss:?}");
    assert!(started.elapsed() < Duration::from_secs(15), "the end waited {:?}", started.elapsed());
    dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_update_the_backend_refuses_is_sent_again_after_a_backoff() {
    let backend = start().await;
    let job = new_job(&backend).await;
    // The first three PATCHes are refused: RUNNING fails twice over (the client's two tries),
    // then again, then gets through after the sink's backoff.
    for nth in 1..=3 {
        let fault = json!({"method": "PATCH", "path_glob": "/jobs/*/", "nth": nth, "status": 503});
        dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    }
    let (sink, outcome) = train(client(&backend), job, quick_limits(), json!({"epochs": 30, "pause_ms": 20})).await;
    outcome.expect("trained");
    assert!(sink.loss().is_empty(), "{:?}", sink.loss());
    let (record, patches, _) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED");
    assert_eq!(patches.first(), Some(&json!({"status": "RUNNING"})), "{patches:#?}");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let tried = state["requests"]["PATCH /jobs/{id}/"].as_u64().unwrap_or_default();
    assert!(tried <= patches.len() as u64 + 3, "no busy retrying: {tried} PATCHes for {} applied", patches.len());
    backend.shutdown().await.expect("shutdown");
}
