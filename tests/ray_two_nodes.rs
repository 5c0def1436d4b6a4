//! Runs placed on another machine: a two-node Ray cluster (`SYNAPSE_RAY_NODES=2 scripts/ray.sh
//! run`, the head and a worker node in network namespaces of their own, joined by a link). A run
//! that asks for what only the worker node has lands there: its package is fetched by that node,
//! its events and result come back over the link, stopping and cancelling it work; a task-mode
//! worker there listens on the node's address, not loopback. When the node is lost mid-run, the
//! runs on it fail with a typed error naming the node, task mode starts its next worker on a node
//! that is still there, and a pipeline resumes from its last checkpoint in a job on another
//! node, without running a completed action again.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::events::RunId;
use synapse::events::sink::MemorySink;
use synapse::executor::ray::{JobStatus, JobSubmission, RayJobExecutor, RayJobsClient, RayTaskExecutor};
use synapse::executor::{ErrorKind, ExecutionMode, Resources, RunOptions, run_plugin_with};
use synapse::pipeline::RayPipelineExecutor;
use synapse::{CancellationToken, EventKind};
use synapse_tests::ray_nodes::{TwoNodes, WORKER_RESOURCE, kill_worker_node, start_worker_node};
use synapse_tests::{assert_same_events, assert_well_formed, require_two_nodes};

use faulty_plugin as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");
const STAGES: &str = env!("CARGO_BIN_EXE_stages-plugin");

/// The options of a run placed on the worker node: it asks for its custom resource.
fn on_the_worker_node(cluster: &TwoNodes, binary: &str, plugin: &str) -> RunOptions {
    RunOptions::default()
        .ray_address(&cluster.address)
        .binary(binary)
        .plugin_code(plugin)
        .resources(Resources::default().custom(WORKER_RESOURCE, 1.0))
}

/// Waits until `sink` holds a log event named `event`.
async fn until_logged(sink: &MemorySink, event: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while !sink.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event: name, .. } if name == event)) {
        assert!(Instant::now() < deadline, "no `{event}` event within 90 s: {:?}", sink.events());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A worker node is up (a test that lost it started another; this checks it).
fn worker_node_is_up(cluster: &TwoNodes) {
    if cluster.alive_workers() == 0 {
        start_worker_node();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_placed_on_the_worker_node_gives_the_local_result_and_events() {
    let cluster = require_two_nodes!();
    worker_node_is_up(&cluster);
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "verbose": true});
    let local = Arc::new(MemorySink::new());
    let expected = run_plugin_with(
        "quickstart",
        "process",
        params.clone(),
        ExecutionMode::Local,
        RunOptions::default().sink(local.clone()),
    )
    .await
    .expect("local run");
    let remote = Arc::new(MemorySink::new());
    let executor =
        RayJobExecutor::from_options(on_the_worker_node(&cluster, QUICKSTART, "quickstart").sink(remote.clone()))
            .expect("executor");
    let job = executor.submit("process", params).await.expect("submitted");
    let result = executor.wait(&job, Some(Duration::from_secs(120))).await.expect("the job's result");
    assert_eq!(cluster.node_ip_of_job(&job.id), cluster.worker_ip, "placed on the worker node");
    assert_eq!(result, expected);
    assert_well_formed(&remote.events());
    assert_same_events(&local.events(), &remote.events());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_on_the_worker_node_stopped_mid_run_is_cancelled_and_its_action_saw_it() {
    let cluster = require_two_nodes!();
    worker_node_is_up(&cluster);
    let memory = Arc::new(MemorySink::new());
    let executor = Arc::new(
        RayJobExecutor::from_options(on_the_worker_node(&cluster, FAULTY, "faulty-plugin").sink(memory.clone()))
            .expect("executor"),
    );
    let job = executor.submit("wait", json!({"millis": 120_000})).await.expect("submitted");
    let follower = {
        let (executor, job) = (executor.clone(), job.clone());
        tokio::spawn(async move { executor.wait(&job, None).await })
    };
    until_logged(&memory, "waiting").await;
    assert_eq!(cluster.node_ip_of_job(&job.id), cluster.worker_ip, "placed on the worker node");
    assert!(executor.stop(&job.id).await.expect("stop"));
    let error = follower.await.expect("join").expect_err("stopped");
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    until_logged(&memory, "cancellation_observed").await;
    assert_eq!(executor.status(&job.id).await.expect("status").status, JobStatus::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_mode_worker_on_the_worker_node_listens_on_its_address_and_runs_are_cancelled_there() {
    let cluster = require_two_nodes!();
    worker_node_is_up(&cluster);
    // The simulated GPU: only the worker node has one.
    let options = RunOptions::default()
        .ray_address(&cluster.address)
        .binary(FAULTY)
        .plugin_code("faulty-plugin")
        .resources(Resources::default().gpus(1.0));
    let executor = RayTaskExecutor::from_options(options).expect("executor");
    let result = executor.execute("wait", json!({"millis": 20})).await.expect("a short run");
    assert_eq!(result, json!({"waited": 20}));
    let worker = executor.worker().await.expect("a worker");
    assert_eq!(worker.addr.ip().to_string(), cluster.worker_ip, "the worker listens on its node's address");
    let job = executor.job_id().await.expect("its job");
    assert_eq!(cluster.node_ip_of_job(&job), cluster.worker_ip);

    let memory = Arc::new(MemorySink::new());
    let cancel = CancellationToken::new();
    let run = executor.execute_as(
        "wait",
        json!({"millis": 120_000}),
        RunId::random(),
        vec![memory.clone()],
        Some(cancel.clone()),
    );
    let (outcome, ()) = tokio::join!(run, async {
        until_logged(&memory, "waiting").await;
        cancel.cancel();
    });
    let error = outcome.expect_err("cancelled");
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    until_logged(&memory, "cancellation_observed").await;
    assert_eq!(executor.job_id().await.as_deref(), Some(job.as_str()), "the worker outlives a cancelled run");
    executor.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_node_fails_its_runs_naming_it_and_task_mode_starts_its_next_worker_elsewhere() {
    let cluster = require_two_nodes!();
    worker_node_is_up(&cluster);
    let client = RayJobsClient::new(&cluster.address).expect("client");
    // Every plugin slot of the head taken, so that the task-mode worker (one slot) lands on the
    // worker node; freed once it is there, for the worker that replaces it.
    let blocker = client
        .submit(
            &JobSubmission::new("exec sleep 300")
                .with_resource("plugin_slot", 4.0)
                .with_resource("node:__internal_head__", 0.01),
        )
        .await
        .expect("the blocker job");
    // Its slots are taken once it runs. (Should this test fail before it is stopped, it ends with
    // the cluster; the other tests ask for what only the worker node has.)
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.status(&blocker).await.expect("the blocker's status").status != JobStatus::Running {
        assert!(Instant::now() < deadline, "the blocker job never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let task = RayTaskExecutor::from_options(
        RunOptions::default()
            .ray_address(&cluster.address)
            .binary(FAULTY)
            .plugin_code("faulty-plugin")
            .resources(Resources::default().custom("plugin_slot", 1.0)),
    )
    .expect("task executor");
    task.start().await.expect("the worker starts");
    let first = task.worker().await.expect("a worker");
    assert_eq!(first.addr.ip().to_string(), cluster.worker_ip, "the first worker is on the worker node");
    assert!(client.stop(&blocker).await.expect("stop the blocker"));

    let job_events = Arc::new(MemorySink::new());
    let jobs = Arc::new(
        RayJobExecutor::from_options(on_the_worker_node(&cluster, FAULTY, "faulty-plugin").sink(job_events.clone()))
            .expect("job executor"),
    );
    let job = jobs.submit("wait", json!({"millis": 300_000})).await.expect("submitted");
    let job_outcome = {
        let (jobs, job) = (jobs.clone(), job.clone());
        tokio::spawn(async move { jobs.wait(&job, Some(Duration::from_secs(120))).await })
    };
    let task_events = Arc::new(MemorySink::new());
    let task = Arc::new(task);
    let task_outcome = {
        let (task, sink) = (task.clone(), task_events.clone());
        tokio::spawn(async move {
            task.execute_as("wait", json!({"millis": 300_000}), RunId::random(), vec![sink], None).await
        })
    };
    until_logged(&job_events, "waiting").await;
    until_logged(&task_events, "waiting").await;

    let killed = Instant::now();
    kill_worker_node();
    let job_error = job_outcome.await.expect("join").expect_err("the job's node was lost");
    let task_error = task_outcome.await.expect("join").expect_err("the worker's node was lost");
    eprintln!("node lost: both runs failed {:?} after the kill", killed.elapsed());
    for (mode, error) in [("job", &job_error), ("task", &task_error)] {
        let message = error.to_string();
        eprintln!("{mode} mode: {message}");
        assert_eq!(error.kind(), ErrorKind::Lost, "{mode}: {message}");
        assert!(message.contains(&format!("on node {}", cluster.worker_ip)), "{mode}: names the node: {message}");
        assert!(message.contains("Ray lost the node (DEAD"), "{mode}: says it was lost: {message}");
        assert!(message.contains("`wait`"), "{mode}: names the action: {message}");
    }

    // The next run starts a worker where there is room: the head.
    let result = task.execute("wait", json!({"millis": 20})).await.expect("a run on a new worker");
    assert_eq!(result, json!({"waited": 20}));
    let second = task.worker().await.expect("a new worker");
    assert_ne!(second.addr.ip().to_string(), cluster.worker_ip, "the new worker is not on the lost node");
    assert_eq!(cluster.node_ip_of_job(&task.job_id().await.expect("its job")), second.addr.ip().to_string());
    task.shutdown().await.expect("shutdown");
    start_worker_node();
    assert_eq!(cluster.alive_workers(), 1, "a new worker node replaced the lost one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipeline_on_a_lost_node_resumes_from_the_client_on_another_without_rerunning_an_action() {
    let cluster = require_two_nodes!();
    worker_node_is_up(&cluster);
    let temp = tempfile::tempdir().expect("temp dir");
    let journal = temp.path().join("journal");
    let hang = std::path::PathBuf::from(format!("{}.hang-5", journal.display()));
    std::fs::write(&hang, "").expect("stage 5 hangs");
    let store = temp.path().join("runs.db");
    let pipeline = |resources: Resources| {
        let options = RunOptions::default()
            .ray_address(&cluster.address)
            .binary(STAGES)
            .plugin_code("stages-plugin")
            .plugin_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stages"))
            .resources(resources);
        RayPipelineExecutor::from_options(options).expect("executor").with_store(&store)
    };
    let on_worker = pipeline(Resources::default().custom(WORKER_RESOURCE, 1.0));
    let job = on_worker.submit("stages", json!({"journal": journal})).await.expect("submitted");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !std::fs::read_to_string(&journal).unwrap_or_default().contains("start 5") {
        assert!(Instant::now() < deadline, "stage 5 never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(cluster.node_ip_of_job(&job.id), cluster.worker_ip, "the pipeline's job is on the worker node");
    kill_worker_node();
    let error = on_worker.wait(&job, Some(Duration::from_secs(60))).await.expect_err("its node was lost");
    assert_eq!(error.kind(), ErrorKind::Lost, "{error}");
    assert!(error.to_string().contains(&format!("on node {}", cluster.worker_ip)), "{error}");

    // From the client, in a job wherever Ray puts it (the worker node is gone: the head).
    std::fs::remove_file(&hang).expect("stage 5 no longer hangs");
    let anywhere = pipeline(Resources::default());
    let resumed = anywhere.resume_from(job.run_id.as_str()).await.expect("resume submitted");
    let result = anywhere.wait(&resumed, Some(Duration::from_secs(120))).await.expect("the resumed run completes");
    assert_eq!(result, json!({"total": 55, "last": 10}));
    assert_ne!(cluster.node_ip_of_job(&resumed.id), cluster.worker_ip, "resumed on another node");
    let text = std::fs::read_to_string(&journal).expect("journal");
    for number in 1..=10 {
        let starts = text.lines().filter(|line| *line == format!("start {number}")).count();
        assert_eq!(starts, if number == 5 { 2 } else { 1 }, "action {number}: {text}");
    }
    start_worker_node();
}
