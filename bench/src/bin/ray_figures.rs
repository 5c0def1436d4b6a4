//! The Ray figures, against a running head (`SYNAPSE_RAY_ADDRESS`):
//!
//! - job mode, submit → SUCCEEDED for the trivial action, next to Ray's own floor measured in the
//!   same run: a raw REST submit of the same package with the entrypoint `true`, and one with
//!   `/bin/true`. The shell runs `true` itself, so that job ends before Ray's job supervisor
//!   first looks at its child; an entrypoint that executes any program (`/bin/true`, a plugin)
//!   is seen ended one supervisor poll (100 ms) later. The second floor is the one a real
//!   entrypoint can reach;
//! - task mode: the first run (worker cold) and warm runs;
//! - a second submit of an unchanged plugin uploads 0 bytes;
//! - pipeline mode: the `dataset` pipeline of `examples/dataset_pipeline` as one Ray job,
//!   submit → result, next to running it locally (`pipeline run` as a process).
//!
//! ```text
//! cargo build --release -p synapse-bench -p dataset_pipeline
//! ./scripts/ray.sh run -- target/release/ray_figures [--runs 15]
//! ```

use serde_json::json;
use std::time::{Duration, Instant};
use synapse::executor::RunOptions;
use synapse::executor::ray::{
    JobDetails, JobStatus, JobSubmission, PluginPackage, RayJobExecutor, RayJobsClient, RayTaskExecutor, submission_id,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

/// Client-side (submit → seen ended) and Ray-side (start_time → end_time) durations.
#[derive(Default)]
struct Samples {
    client: Vec<Duration>,
    ray: Vec<Duration>,
}

impl Samples {
    fn push(&mut self, (client, ray): (Duration, Duration)) {
        self.client.push(client);
        self.ray.push(ray);
    }

    fn client_median(&self) -> f64 {
        median(self.client.clone()).as_secs_f64()
    }

    fn summary(&self, runs: usize) -> String {
        format!(
            "submit → ended {} (Ray's own start → end {}), median of {runs}",
            ms(median(self.client.clone())),
            ms(median(self.ray.clone()))
        )
    }
}

/// What Ray itself recorded: the job's start to its end.
fn ray_side(details: &JobDetails) -> Duration {
    let (start, end) = (details.start_time.unwrap_or_default(), details.end_time.unwrap_or_default());
    Duration::from_millis(end.saturating_sub(start))
}

/// A raw REST submit of the same package with `entrypoint`, polled every 50 ms until it ends
/// (the client's `wait` backs off up to 500 ms, which would inflate the floor; job mode checks
/// the status every 50 ms while it streams the log).
async fn raw_job(
    client: &RayJobsClient,
    package: &PluginPackage,
    entrypoint: &str,
    run: usize,
) -> (Duration, Duration) {
    let started = Instant::now();
    let id = submission_id("floor", "raw", &format!("{}-{run}-{}", std::process::id(), entrypoint.len()));
    let job = JobSubmission { entrypoint: entrypoint.to_owned(), ..package.job(&[]).with_submission_id(&id) };
    client.submit(&job).await.unwrap_or_else(|e| fail("floor submit", e));
    loop {
        let details = client.status(&id).await.unwrap_or_else(|e| fail("floor status", e));
        if details.status.is_terminal() {
            if details.status != JobStatus::Succeeded {
                fail("floor", format!("{id} ended {}", details.status));
            }
            return (started.elapsed(), ray_side(&details));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every measured run must have really run the action.
fn expect(result: &serde_json::Value, value: u32) {
    if *result != json!({"ok": true, "value": value}) {
        fail("unexpected result", result);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = std::env::args().skip_while(|a| a != "--runs").nth(1).and_then(|n| n.parse().ok()).unwrap_or(15usize);
    let Ok(address) = std::env::var("SYNAPSE_RAY_ADDRESS") else {
        fail("no Ray head", "set SYNAPSE_RAY_ADDRESS (or run through ./scripts/ray.sh run -- …)");
    };
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("peerplugin")))
        .unwrap_or_else(|| fail("no plugin", "peerplugin is not next to this binary"));
    let options = RunOptions::default().ray_address(address.clone()).binary(&binary).plugin_code("peer_plugin");
    let executor = RayJobExecutor::from_options(options.clone()).unwrap_or_else(|e| fail("executor", e));
    let package = executor.package().await.unwrap_or_else(|e| fail("package", e));
    let first = package.ensure_uploaded(executor.client()).await.unwrap_or_else(|e| fail("upload", e));
    let again = package.ensure_uploaded(executor.client()).await.unwrap_or_else(|e| fail("upload", e));
    println!(
        "ray.package: {} ({} bytes zipped); first upload {first} bytes, second upload {again} bytes",
        package.name(),
        package.len()
    );

    // Warm the cluster (first jobs start slower).
    for _ in 0..2 {
        executor.execute("noop", json!({})).await.unwrap_or_else(|e| fail("warm-up", e));
    }
    let client = executor.client();
    // Interleaved, so all three see the same cluster state.
    let mut floor = Samples::default();
    let mut floor_exec = Samples::default();
    let mut ours = Samples::default();
    for i in 0..runs {
        floor.push(raw_job(client, &package, "true", i).await);
        floor_exec.push(raw_job(client, &package, "/bin/true", i).await);

        let started = Instant::now();
        let job = executor.submit("noop", json!({"value": 1})).await.unwrap_or_else(|e| fail("job mode submit", e));
        let result = executor.wait(&job, None).await.unwrap_or_else(|e| fail("job mode", e));
        let client_side = started.elapsed();
        expect(&result, 1);
        let details = client.status(&job.id).await.unwrap_or_else(|e| fail("job mode status", e));
        ours.push((client_side, ray_side(&details)));
    }
    println!("ray.job.floor_true: {}", floor.summary(runs));
    println!("ray.job.floor_bin_true: {}", floor_exec.summary(runs));
    println!("ray.job.noop: {}", ours.summary(runs));
    println!(
        "ray.job.ratio: {:.3} to the `true` floor, {:.3} to the `/bin/true` floor",
        ours.client_median() / floor.client_median(),
        ours.client_median() / floor_exec.client_median()
    );

    let task = RayTaskExecutor::from_options(options).unwrap_or_else(|e| fail("task executor", e));
    let started = Instant::now();
    task.execute("noop", json!({})).await.unwrap_or_else(|e| fail("task cold", e));
    println!("ray.task.cold_first_run: {}", ms(started.elapsed()));
    let mut warm = Vec::new();
    for _ in 0..(runs * 10) {
        let started = Instant::now();
        let result = task.execute("noop", json!({"value": 2})).await.unwrap_or_else(|e| fail("task warm", e));
        warm.push(started.elapsed());
        expect(&result, 2);
    }
    let count = warm.len();
    let fastest = warm.iter().min().copied().unwrap_or_default();
    println!("ray.task.warm_round_trip: {} (median of {count}; fastest {})", ms(median(warm)), ms(fastest));
    task.shutdown().await.unwrap_or_else(|e| fail("task shutdown", e));

    pipeline_figures(&address, &binary, runs.min(10)).await;
}

/// The example pipeline on Ray (one job) and locally (a process), same params.
async fn pipeline_figures(address: &str, peer: &std::path::Path, runs: usize) {
    let Some(binary) = peer.parent().map(|dir| dir.join("dataset_pipeline")).filter(|path| path.exists()) else {
        println!("ray.pipeline: skipped (build it: cargo build --release -p dataset_pipeline)");
        return;
    };
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/dataset_pipeline");
    let dir = std::env::temp_dir().join(format!("ray-figures-{}", std::process::id()));
    let params = |name: &str| json!({"work_dir": dir.join(name), "rows": 2000});
    let options = RunOptions::default().ray_address(address).binary(&binary).plugin_dir(&example);
    let executor = synapse::pipeline::RayPipelineExecutor::from_options(options)
        .unwrap_or_else(|e| fail("pipeline executor", e))
        .with_store(dir.join("ray.db"));
    // The first job uploads the package.
    executor.execute("dataset", params("warm")).await.unwrap_or_else(|e| fail("pipeline warm-up", e));
    let (mut local, mut ray) = (Vec::new(), Vec::new());
    for i in 0..runs {
        let started = Instant::now();
        let ran = std::process::Command::new(&binary)
            .args(["pipeline", "run", "dataset", "--json", "--params"])
            .arg(params(&format!("local-{i}")).to_string())
            .arg("--store")
            .arg(dir.join("local.db"))
            .output()
            .unwrap_or_else(|e| fail("local pipeline", e));
        if !ran.status.success() {
            fail("local pipeline", String::from_utf8_lossy(&ran.stderr));
        }
        local.push(started.elapsed());

        let started = Instant::now();
        executor.execute("dataset", params(&format!("ray-{i}"))).await.unwrap_or_else(|e| fail("Ray pipeline", e));
        ray.push(started.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("ray.pipeline.local_process: {} (median of {runs})", ms(median(local)));
    println!("ray.pipeline.ray_job_submit_to_result: {} (median of {runs})", ms(median(ray)));
}
