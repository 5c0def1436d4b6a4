//! The two-node figures, against the cluster of `SYNAPSE_RAY_NODES=2 scripts/ray.sh run` (the
//! head and a worker node in network namespaces of their own; `SYNAPSE_RAY_ADDRESS` and
//! `SYNAPSE_RAY_WORKER_NODE` set):
//!
//! - task mode, runs per second of the CPU-bound `spin` action (50 ms of CPU a run): one
//!   resident worker on the head, then one worker on each node with the runs shared between
//!   them (each worker serves one run at a time), the same number of runs;
//! - `--jobs` concurrent job-mode runs of `noop`, half placed on each node: submit all → all
//!   results, next to Ray's own floor measured in the same run, as many raw jobs of the same
//!   package running `/bin/true` with the same placement.
//!
//! Both nodes run on this one machine and share its CPUs (2 here): the task figure shows what
//! a second node gives a CPU-bound run when the cores are there, the job figure what Ray's
//! per-job cost is across nodes.
//!
//! ```text
//! cargo build --release -p synapse-bench
//! SYNAPSE_RAY_NODES=2 ./scripts/ray.sh run -- target/release/cluster_figures [--runs 40] [--jobs 100]
//! ```

use futures_util::future::join_all;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use synapse::executor::ray::{JobStatus, JobSubmission, RayJobExecutor, RayJobsClient, RayTaskExecutor, submission_id};
use synapse::executor::{Resources, RunOptions};

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

fn arg(name: &str, default: usize) -> usize {
    std::env::args().skip_while(|a| a != name).nth(1).and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// What places a run on the head, or on the worker node (the resource only it offers).
fn on_head() -> Resources {
    Resources::default().custom("node:__internal_head__", 0.01)
}
fn on_worker_node() -> Resources {
    Resources::default().custom("worker_node", 0.01)
}

/// Runs `runs` spins shared between `workers` (each serving one at a time); runs per second.
async fn spin_throughput(workers: &[Arc<RayTaskExecutor>], runs: usize, millis: u64) -> f64 {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    join_all(workers.iter().map(|worker| {
        let (worker, next) = (worker.clone(), next.clone());
        async move {
            while next.fetch_add(1, Ordering::SeqCst) < runs {
                let result = worker.execute("spin", json!({"millis": millis})).await;
                let result = result.unwrap_or_else(|e| fail("spin", e));
                if result["turns"].as_u64().unwrap_or_default() == 0 {
                    fail("spin", format!("a run that did not spin: {result}"));
                }
            }
        }
    }))
    .await;
    runs as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = arg("--runs", 40);
    let jobs = arg("--jobs", 100);
    let millis = 50;
    let (Ok(address), Ok(worker_ip)) = (std::env::var("SYNAPSE_RAY_ADDRESS"), std::env::var("SYNAPSE_RAY_WORKER_NODE"))
    else {
        fail("no two-node cluster", "run through SYNAPSE_RAY_NODES=2 ./scripts/ray.sh run -- …");
    };
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("peerplugin")))
        .unwrap_or_else(|| fail("no plugin", "peerplugin is not next to this binary"));
    let options = RunOptions::default().ray_address(address.clone()).binary(&binary).plugin_code("peer_plugin");

    let task = |resources: Resources| {
        Arc::new(
            RayTaskExecutor::from_options(options.clone().resources(resources)).unwrap_or_else(|e| fail("task", e)),
        )
    };
    let (head, worker) = (task(on_head()), task(on_worker_node()));
    for executor in [&head, &worker] {
        for _ in 0..3 {
            executor.execute("spin", json!({"millis": millis})).await.unwrap_or_else(|e| fail("warm-up", e));
        }
    }
    let placed = worker.worker().await.map(|w| w.addr.ip().to_string()).unwrap_or_default();
    if placed != worker_ip {
        fail("placement", format!("the worker-node worker listens on {placed}, not on {worker_ip}"));
    }
    let one = spin_throughput(std::slice::from_ref(&head), runs, millis).await;
    let two = spin_throughput(&[head.clone(), worker.clone()], runs, millis).await;
    println!("cluster.task.spin_{millis}ms.one_node: {one:.2} runs/s ({runs} runs, one worker on the head)");
    println!("cluster.task.spin_{millis}ms.two_nodes: {two:.2} runs/s ({runs} runs, one worker on each node)");
    println!("cluster.task.speedup: {:.2}x", two / one);
    for executor in [&head, &worker] {
        executor.shutdown().await.unwrap_or_else(|e| fail("shutdown", e));
    }

    job_figures(&options, jobs).await;
}

/// `jobs` concurrent job-mode runs, half on each node, then as many raw `/bin/true` jobs.
async fn job_figures(options: &RunOptions, jobs: usize) {
    let executors: Vec<RayJobExecutor> = [on_head(), on_worker_node()]
        .into_iter()
        .map(|resources| {
            RayJobExecutor::from_options(options.clone().resources(resources)).unwrap_or_else(|e| fail("job", e))
        })
        .collect();
    for executor in &executors {
        executor.execute("noop", json!({})).await.unwrap_or_else(|e| fail("job warm-up", e));
    }
    let started = Instant::now();
    let submitted = join_all((0..jobs).map(|i| executors[i % 2].submit("noop", json!({"value": 1})))).await;
    let submitted: Vec<_> = submitted.into_iter().map(|job| job.unwrap_or_else(|e| fail("submit", e))).collect();
    let results = join_all(submitted.iter().enumerate().map(|(i, job)| executors[i % 2].wait(job, None))).await;
    let ours = started.elapsed();
    for result in results {
        let result = result.unwrap_or_else(|e| fail("job", e));
        if result != json!({"ok": true, "value": 1}) {
            fail("job", format!("unexpected result {result}"));
        }
    }

    let client = executors[0].client();
    let package = executors[0].package().await.unwrap_or_else(|e| fail("package", e));
    let started = Instant::now();
    let ids = join_all((0..jobs).map(|i| {
        let resources = if i % 2 == 0 { on_head() } else { on_worker_node() };
        let id = submission_id("floor", "bin-true", &format!("{}-{i}", std::process::id()));
        let job = JobSubmission { entrypoint: "/bin/true".into(), ..package.job(&[]).with_submission_id(&id) }
            .with_resources(&resources);
        async move {
            client.submit(&job).await.unwrap_or_else(|e| fail("floor submit", e));
            id
        }
    }))
    .await;
    all_succeeded(client, &ids).await;
    let floor = started.elapsed();
    let secs = |d: Duration| format!("{:.1} s", d.as_secs_f64());
    println!("cluster.job.{jobs}_concurrent_noop: {} to all results ({jobs} runs, half on each node)", secs(ours));
    println!(
        "cluster.job.{jobs}_concurrent_bin_true_floor: {} to all SUCCEEDED (raw jobs, same placement)",
        secs(floor)
    );
    println!("cluster.job.ratio: {:.2} to Ray's floor", ours.as_secs_f64() / floor.as_secs_f64());
}

/// Polls every job of `ids` until all have ended; each must have SUCCEEDED.
async fn all_succeeded(client: &RayJobsClient, ids: &[String]) {
    let mut left: Vec<&String> = ids.iter().collect();
    while !left.is_empty() {
        let statuses = join_all(left.iter().map(|id| client.status(id))).await;
        let mut still = Vec::new();
        for (id, status) in left.into_iter().zip(statuses) {
            let details = status.unwrap_or_else(|e| fail("floor status", e));
            match details.status {
                JobStatus::Succeeded => {}
                status if status.is_terminal() => fail("floor", format!("{id} ended {status}")),
                _ => still.push(id),
            }
        }
        left = still;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
