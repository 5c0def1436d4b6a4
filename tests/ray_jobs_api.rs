//! The Ray Jobs REST API client against a real head: job statuses and their details, typed
//! errors with Ray's messages, incremental logs, stop and delete, and resource requests that
//! no node can satisfy.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use synapse::executor::ray::{JobStatus, JobSubmission, RayError, RayJobsClient, UNREACHABLE_HINT, submission_id};
use synapse_tests::require_ray;

const WAIT: Duration = Duration::from_secs(120);

/// A submission id no earlier run of these tests used.
fn unique(case: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    submission_id("synapse-tests", case, &format!("{}-{nanos}", std::process::id()))
}

fn client(address: &str) -> RayJobsClient {
    RayJobsClient::new(address).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn ray_version_and_nodes() {
    let address = require_ray!();
    let client = client(&address);
    let version = client.version().await.unwrap();
    assert!(!version.ray_version.is_empty(), "{version:?}");
    let nodes = client.nodes().await.unwrap();
    assert!(nodes.iter().any(|n| n.is_alive() && n.resource("CPU") >= 1.0), "{nodes:?}");
}

#[tokio::test]
async fn ray_true_succeeds_and_deletes_without_a_ghost() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("true");
    let job = JobSubmission::new("true").with_submission_id(&id).with_metadata("case", "true");
    let started = Instant::now();
    assert_eq!(client.submit(&job).await.unwrap(), id);
    let details = client.wait(&id, WAIT).await.unwrap();
    eprintln!("submit -> SUCCEEDED for `true`: {:?} (on Ray's clock: {:?})", started.elapsed(), details.duration());
    assert_eq!(details.status, JobStatus::Succeeded, "{details:?}");
    assert_eq!(details.driver_exit_code, Some(0));
    assert_eq!(details.message.as_deref(), Some("Job finished successfully."));
    assert_eq!(details.error_type, None);
    assert_eq!(details.submission_id.as_deref(), Some(id.as_str()));
    assert_eq!(details.metadata.get("case").map(String::as_str), Some("true"));
    assert!(details.started_at().is_some() && details.ended_at() >= details.started_at());
    assert!(details.driver_node_id.is_some());

    let listed = client.list().await.unwrap();
    assert!(listed.iter().any(|job| job.submission_id.as_deref() == Some(id.as_str())));

    // Deleting right after the end waits out Ray's job monitor: no record comes back.
    assert!(client.delete(&id).await.unwrap());
    for _ in 0..3 {
        let error = client.status(&id).await.unwrap_err();
        assert!(error.is_not_found(), "a deleted job must stay deleted: {error:?}");
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
}

#[tokio::test]
async fn ray_failing_entrypoint_reports_exit_code_and_logs() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("exit3");
    let job = JobSubmission::new("echo out-line; echo err-line >&2; echo VAR=$MY_VAR; exit 3")
        .with_submission_id(&id)
        .with_env("MY_VAR", "42");
    client.submit(&job).await.unwrap();
    let details = client.wait(&id, WAIT).await.unwrap();
    assert_eq!(details.status, JobStatus::Failed, "{details:?}");
    assert_eq!(details.driver_exit_code, Some(3));
    assert_eq!(details.error_type.as_deref(), Some("JOB_ENTRYPOINT_COMMAND_ERROR"));
    let message = details.message.unwrap_or_default();
    assert!(message.starts_with("Job entrypoint command failed with exit code 3"), "{message}");
    let logs = client.logs(&id).await.unwrap();
    for line in ["out-line\n", "err-line\n", "VAR=42\n"] {
        assert!(logs.contains(line), "{line:?} missing from {logs:?}");
    }
}

#[tokio::test]
async fn ray_unknown_job_is_a_typed_error() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("never-submitted");
    let expected = format!("Ray job `{id}` does not exist");
    let errors = [
        client.status(&id).await.map(|_| ()).unwrap_err(),
        client.logs(&id).await.map(|_| ()).unwrap_err(),
        client.stop(&id).await.map(|_| ()).unwrap_err(),
        client.delete(&id).await.map(|_| ()).unwrap_err(),
    ];
    for error in errors {
        assert!(matches!(&error, RayError::JobNotFound { id: missing } if *missing == id), "{error:?}");
        assert_eq!(error.to_string(), expected);
    }
}

#[tokio::test]
async fn ray_duplicate_submission_id_is_rejected_with_rays_message() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("twice");
    let job = JobSubmission::new("true").with_submission_id(&id);
    client.submit(&job).await.unwrap();
    let error = client.submit(&job).await.unwrap_err();
    assert!(matches!(&error, RayError::AlreadyExists { id: taken, .. } if *taken == id), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "Ray rejected the job submission: Job with submission_id {id} already exists. Please use a different submission_id."
        )
    );
    client.wait(&id, WAIT).await.unwrap();
}

#[tokio::test]
async fn ray_dead_dashboard_is_unreachable_at_its_address() {
    // Needs no head: a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let address = format!("http://127.0.0.1:{port}");
    let client = client(&address);
    let error = client.submit(&JobSubmission::new("true")).await.unwrap_err();
    assert!(error.is_unreachable(), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("Ray dashboard unreachable at {address}: connection refused ({UNREACHABLE_HINT})")
    );
    let error = client.status("x").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("Ray dashboard unreachable at {address}: connection refused ({UNREACHABLE_HINT})")
    );
}

#[tokio::test]
async fn ray_infeasible_requests_are_refused_before_submission() {
    let address = require_ray!();
    let client = client(&address);
    let nodes = client.nodes().await.unwrap();
    let gpus = nodes.iter().filter(|n| n.is_alive()).map(|n| n.resource("GPU")).fold(0.0, f64::max);

    let id = unique("64gpus");
    let error =
        client.submit(&JobSubmission::new("true").with_submission_id(&id).with_num_gpus(64.0)).await.unwrap_err();
    assert!(
        matches!(&error, RayError::Infeasible { resource, requested, available, .. }
            if resource == "GPU" && *requested == 64.0 && *available == gpus),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with(&format!(
            "no Ray node can satisfy the job's GPU request: asked for 64, the most any node has is {gpus}"
        )),
        "{error}"
    );
    assert!(client.status(&id).await.unwrap_err().is_not_found(), "nothing may have been submitted");

    let id = unique("unknown-resource");
    let job = JobSubmission::new("true").with_submission_id(&id).with_resource("no_such_accelerator", 1.0);
    let error = client.submit(&job).await.unwrap_err();
    assert!(
        error.to_string().starts_with(
            "no Ray node can satisfy the job's no_such_accelerator request: asked for 1, the most any node has is 0"
        ),
        "{error}"
    );
    assert!(client.status(&id).await.unwrap_err().is_not_found(), "nothing may have been submitted");

    let error = client.submit(&JobSubmission::new("true").with_memory(1 << 50)).await.unwrap_err();
    assert!(
        error.to_string().starts_with("no Ray node can satisfy the job's memory request: asked for 1 PiB"),
        "{error}"
    );
}

#[tokio::test]
async fn ray_logs_arrive_incrementally() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("ticks");
    let script = "for i in 1 2 3 4 5 6; do echo tick-$i; sleep 0.5; done; printf 'd\\303\\251j\\303\\240 vu'";
    client.submit(&JobSubmission::new(script).with_submission_id(&id)).await.unwrap();
    let mut follower = client.follow_logs(&id).unwrap().with_poll_interval(Duration::from_millis(200));
    let mut chunks: Vec<(Duration, String)> = Vec::new();
    let started = Instant::now();
    let mut streamed = false;
    while let Some(text) = follower.next().await.unwrap() {
        streamed |= follower.is_streaming();
        chunks.push((started.elapsed(), text));
    }
    assert!(streamed, "the log must come from Ray's log stream, not from polling the whole log");
    let followed: String = chunks.iter().map(|(_, text)| text.as_str()).collect();
    let whole = client.logs(&id).await.unwrap();
    assert_eq!(followed, whole, "the followed text must be exactly the whole log");
    assert!(whole.contains("tick-1\n") && whole.ends_with("déjà vu"), "{whole:?}");
    assert_eq!(follower.details().map(|d| d.status), Some(JobStatus::Succeeded));
    assert!(follower.is_done());
    // The ticks came over time, not all at the end.
    let first_tick = chunks.iter().find(|(_, text)| text.contains("tick-1")).map(|(at, _)| *at);
    let last_tick = chunks.iter().find(|(_, text)| text.contains("tick-6")).map(|(at, _)| *at);
    match (first_tick, last_tick) {
        (Some(first), Some(last)) => assert!(last - first >= Duration::from_secs(1), "{chunks:?}"),
        _ => panic!("ticks missing: {chunks:?}"),
    }
    eprintln!("followed {} chunks: {:?}", chunks.len(), chunks.iter().map(|(at, t)| (at, t.len())).collect::<Vec<_>>());

    // The stateless variant gives the same text in two parts.
    let head = client.logs_since(&id, 0).await.unwrap();
    assert_eq!(head.text, whole);
    let middle = whole.find("tick-4").unwrap_or(0);
    let rest = client.logs_since(&id, middle).await.unwrap();
    assert_eq!(rest.text, whole[middle..]);
    assert_eq!(rest.next_offset, whole.len());
    assert_eq!(client.logs_since(&id, rest.next_offset).await.unwrap().text, "");
}

#[tokio::test]
async fn ray_stop_ends_a_running_job_and_delete_waits_for_the_end() {
    let address = require_ray!();
    let client = client(&address);
    let id = unique("sleeper");
    client.submit(&JobSubmission::new("exec sleep 60").with_submission_id(&id)).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let status = client.status(&id).await.unwrap().status;
        if status == JobStatus::Running {
            break;
        }
        assert!(!status.is_terminal() && Instant::now() < deadline, "never RUNNING: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let error = client.delete(&id).await.unwrap_err();
    assert!(matches!(error, RayError::JobNotTerminal { status: JobStatus::Running, .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("Ray job `{id}` is still RUNNING; only finished jobs can be deleted (stop it first)")
    );

    let stopping = Instant::now();
    assert!(client.stop(&id).await.unwrap());
    let details = client.wait(&id, WAIT).await.unwrap();
    eprintln!("stop -> STOPPED: {:?}", stopping.elapsed());
    assert_eq!(details.status, JobStatus::Stopped, "{details:?}");
    assert!(!client.stop(&id).await.unwrap(), "stopping a stopped job stops nothing");
    assert!(client.delete(&id).await.unwrap());
}
