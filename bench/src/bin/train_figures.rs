//! The detector example end to end (download → convert → train → model_upload): its `train`
//! action run from its command line (`detector run train --json --job-id J`), reporting to a job of
//! one dev backend process, locally and, given a Ray head, in job mode (`--mode job`).
//!
//! ```text
//! cargo build --release -p synapse-dev-backend -p detector --bins && cargo build --release -p synapse-bench --bin train_figures
//! target/release/train_figures [--runs 3] [--train 1000] [--valid 250] [--width 256] [--height 256]
//!     [--folds 5] [--trees 50] [--backend path/to/synapse-dev-backend] [--detector path/to/detector]
//!     [--ray-address URL]
//! ./scripts/ray.sh run -- target/release/train_figures     # with job mode (SYNAPSE_RAY_ADDRESS)
//! ```
//!
//! The dev backend is seeded with a ground-truth dataset version (`/_dev/seed/gt_dataset`, seed
//! 1, 3 classes, `--train` + `--valid` PNGs of `--width`×`--height`). Each run gets a backend job
//! (`POST /_dev/jobs`) and fresh dataset and model caches, so its download is really done; one
//! more local run reuses the last run's dataset cache (the warm row). Per run:
//!
//! - wall time, CPU time and peak RSS of the `detector` process (`wait4`; in job mode that process
//!   is the submitting client, the plugin runs in the Ray job);
//! - each step's seconds, from its `step_started` and `step_completed` events (`ts`, stamped where
//!   the action runs), the download's images/s (images over the `dataset` step), the result's
//!   `valid_accuracy`;
//! - the requests the backend counted (deltas of `/_dev/state` `requests`: all, media);
//! - job mode: spawn → Ray's submission time (`start_time` of the job whose `synapse.run_id`
//!   metadata is the run's: the client's start, the package check and the submit), submission →
//!   the run's first event (Ray scheduling the entrypoint and the plugin starting), and the last
//!   event → the client's exit (the log stream's tail). The first job uploads the package and is
//!   reported as a row of its own; then local and job-mode runs alternate.
//!
//! The Ray job reaches the backend on loopback: `scripts/ray.sh run` runs this binary inside the
//! head's network namespace, where the backend it starts listens too. The job's environment
//! (backend address and token, caches, `TMPDIR`) is given with `--env-file`.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};
use synapse::executor::ray::RayJobsClient;
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};
use synapse_bench::child::{median, reap};

/// The train workflow's steps, in order.
const STEPS: [&str; 4] = ["dataset", "convert", "train", "model_upload"];

/// The backend's request counters (every request, media), and the status of job `job`.
async fn state(url: &str, job: u64) -> ((u64, u64), String) {
    let state = dev(url, reqwest::Method::GET, "_dev/state", None).await;
    let requests = state["requests"].as_object().cloned().unwrap_or_default();
    let all = requests.values().filter_map(Value::as_u64).sum();
    let media = requests.get("GET /media/{*key}").and_then(Value::as_u64).unwrap_or(0);
    let jobs = state["jobs"].as_array().cloned().unwrap_or_default();
    let status = jobs.iter().find(|j| j["id"] == job).map(|j| j["status"].as_str().unwrap_or("").to_owned());
    ((all, media), status.unwrap_or_default())
}

/// A moment of an event (`ts`, RFC 3339).
fn at(event: &Value) -> SystemTime {
    let ts = event["ts"].as_str().unwrap_or_default();
    humantime::parse_rfc3339_weak(ts).unwrap_or_else(|e| fail(&format!("the time `{ts}` of {event}"), e))
}

fn seconds(from: SystemTime, to: SystemTime) -> f64 {
    match to.duration_since(from) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// One run's figures.
#[derive(Default)]
struct Row {
    wall: f64,
    cpu: f64,
    rss_mib: f64,
    /// Seconds per step of [`STEPS`] (NaN: no such step in the events).
    steps: [f64; 4],
    images_per_s: f64,
    accuracy: f64,
    requests: (u64, u64),
    /// Job mode: spawn → submitted, submitted → first event, last event → exit.
    job: Option<[f64; 3]>,
}

impl Row {
    fn print(&self, label: &str) {
        let steps: Vec<String> = self.steps.iter().map(|s| format!("{s:.3}")).collect();
        let job = self.job.map_or(String::new(), |[a, b, c]| format!(" | {a:.3} | {b:.3} | {c:.3}"));
        // No media requested: the dataset came from the cache.
        let rate = if self.requests.1 == 0 { "cached".to_owned() } else { format!("{:.0}", self.images_per_s) };
        println!(
            "{label} | {:.3} | {:.3} | {:.1} | {} | {rate} | {:.3} | {} ({}){job}",
            self.wall,
            self.cpu,
            self.rss_mib,
            steps.join(" | "),
            self.accuracy,
            self.requests.0,
            self.requests.1
        );
        let _ = std::io::stdout().flush();
    }
}

/// The median of each figure of `rows`.
fn medians(rows: &[Row]) -> Row {
    let of = |f: &dyn Fn(&Row) -> f64| median(&rows.iter().map(f).collect::<Vec<_>>());
    let job = rows
        .iter()
        .all(|r| r.job.is_some())
        .then(|| [0, 1, 2].map(|i| of(&|r: &Row| r.job.map_or(f64::NAN, |j| j[i]))));
    Row {
        wall: of(&|r| r.wall),
        cpu: of(&|r| r.cpu),
        rss_mib: of(&|r| r.rss_mib),
        steps: [0, 1, 2, 3].map(|i| of(&|r: &Row| r.steps[i])),
        images_per_s: of(&|r| r.images_per_s),
        accuracy: of(&|r| r.accuracy),
        requests: (of(&|r| r.requests.0 as f64) as u64, of(&|r| r.requests.1 as f64) as u64),
        job,
    }
}

/// What every run shares.
struct Bench {
    url: String,
    detector: PathBuf,
    dir: PathBuf,
    params: String,
    images: u64,
    ray: Option<String>,
}

/// What one run of the detector process gave.
struct Ran {
    row: Row,
    events: Vec<Value>,
    spawned: SystemTime,
    exited: SystemTime,
}

impl Bench {
    /// The environment of a run whose caches are under `caches`.
    fn env(&self, caches: &Path) -> Vec<(&'static str, String)> {
        let path = |name: &str| caches.join(name).to_string_lossy().into_owned();
        vec![
            ("SYNAPSE_HOST", self.url.clone()),
            ("SYNAPSE_ACCESS_TOKEN", TOKEN.to_owned()),
            ("SYNAPSE_DATASET_CACHE", path("datasets")),
            ("SYNAPSE_MODEL_CACHE", path("models")),
            // The train work directory (`<temp>/synapse-train/<run>`), removed with the run's.
            ("TMPDIR", path("tmp")),
        ]
    }

    /// Runs `detector run train --json --job-id J` with `extra` args, its caches under `caches`.
    async fn run(&self, caches: &Path, extra: &[&str]) -> Ran {
        std::fs::create_dir_all(caches.join("tmp")).unwrap_or_else(|e| fail("creating the caches", e));
        let job = dev(&self.url, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await["id"]
            .as_u64()
            .unwrap_or_else(|| fail("a backend job", "no id"));
        let (before, _) = state(&self.url, job).await;
        let (out, err) = (caches.join("events.jsonl"), caches.join("stderr.txt"));
        let file = |path: &Path| std::fs::File::create(path).unwrap_or_else(|e| fail("creating an output file", e));
        let mut command = Command::new(&self.detector);
        command.args(["run", "train", "--json", "--params", &self.params, "--job-id", &job.to_string()]);
        command.args(extra).envs(self.env(caches)).env_remove("SYNAPSE_JOB_ID");
        command.stdin(Stdio::null()).stdout(file(&out)).stderr(file(&err));
        let (spawned, started) = (SystemTime::now(), Instant::now());
        // Reaped by `wait4` (`reap`), which gives its CPU time and peak RSS.
        let pid = command.spawn().map(|child| child.id());
        let pid = pid.unwrap_or_else(|e| fail(&format!("starting {}", self.detector.display()), e));
        let (status, usage) = reap(pid).unwrap_or_else(|e| fail("waiting for the detector", e));
        let (wall, exited) = (started.elapsed().as_secs_f64(), SystemTime::now());
        let stderr = std::fs::read_to_string(&err).unwrap_or_default();
        if status != 0 {
            fail("the detector's train run", format!("wait status {status}: {stderr}"));
        }
        let (after, job_status) = state(&self.url, job).await;
        if job_status != "SUCCEEDED" {
            fail("the backend job", format!("{job} is {job_status:?}: {stderr}"));
        }
        let text = std::fs::read_to_string(&out).unwrap_or_else(|e| fail("reading the events", e));
        let events: Vec<Value> =
            text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| fail("an event line", e))).collect();
        let steps = STEPS.map(|step| {
            let find = |kind: &str| events.iter().find(|e| e["type"] == kind && e["step"] == step).map(at);
            match (find("step_started"), find("step_completed")) {
                (Some(from), Some(to)) => seconds(from, to),
                _ => f64::NAN,
            }
        });
        let result = events.iter().find(|e| e["type"] == "result").unwrap_or_else(|| fail("no result", &stderr));
        let row = Row {
            wall,
            cpu: usage.cpu.as_secs_f64(),
            rss_mib: usage.max_rss_kib as f64 / 1024.0,
            steps,
            images_per_s: self.images as f64 / steps[0],
            accuracy: result["value"]["metrics"]["valid_accuracy"].as_f64().unwrap_or(f64::NAN),
            requests: (after.0 - before.0, after.1 - before.1),
            job: None,
        };
        Ran { row, events, spawned, exited }
    }

    /// A local run, its caches in `caches`.
    async fn local(&self, caches: &Path) -> Row {
        self.run(caches, &[]).await.row
    }

    /// A run in Ray job mode, its caches (and the job's environment file) in `caches`.
    async fn job(&self, address: &str, caches: &Path) -> Row {
        std::fs::create_dir_all(caches).unwrap_or_else(|e| fail("creating the caches", e));
        let env_file = caches.join("env.toml");
        let toml: String = self.env(caches).iter().map(|(key, value)| format!("{key} = {}\n", json!(value))).collect();
        std::fs::write(&env_file, toml).unwrap_or_else(|e| fail("writing the env file", e));
        let env_file = env_file.to_string_lossy().into_owned();
        let extra = ["--mode", "job", "--ray-address", address, "--env-file", &env_file];
        let Ran { mut row, events, spawned, exited } = self.run(caches, &extra).await;
        let first = events.first().unwrap_or_else(|| fail("job mode", "no events"));
        let run_id = first["run"].as_str().unwrap_or_default();
        let client = RayJobsClient::new(address).unwrap_or_else(|e| fail("the Ray client", e));
        let jobs = client.list().await.unwrap_or_else(|e| fail("listing the Ray jobs", e));
        let ray_job = jobs
            .iter()
            .find(|j| j.metadata.get("synapse.run_id").map(String::as_str) == Some(run_id))
            .unwrap_or_else(|| fail("the Ray job of run", run_id));
        let submitted = SystemTime::UNIX_EPOCH + Duration::from_millis(ray_job.start_time.unwrap_or_default());
        let last = events.last().map_or(exited, at);
        row.job = Some([seconds(spawned, submitted), seconds(submitted, at(first)), seconds(last, exited)]);
        row
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = number("--runs", 3);
    let (train, valid) = (number("--train", 1000), number("--valid", 250));
    let (width, height) = (number("--width", 256), number("--height", 256));
    let (folds, trees) = (number("--folds", 5), number("--trees", 50));
    let exe = std::env::current_exe().unwrap_or_else(|e| fail("this binary's path", e));
    let detector = arg("--detector").map_or_else(|| exe.with_file_name("detector"), PathBuf::from);
    let ray = arg("--ray-address")
        .or_else(|| std::env::var("SYNAPSE_RAY_ADDRESS").ok())
        .or_else(|| std::env::var("RAY_ADDRESS").ok())
        .filter(|address| !address.is_empty());
    let dir = std::env::temp_dir().join(format!("train-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let seed = json!({"seed": 1, "classes": ["car", "person", "dog"], "splits": {"train": train, "validation": valid},
                      "width": width, "height": height});
    let seeded = dev(&url, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(seed)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap_or_else(|| fail("the seed", "no version"));
    let params = json!({"dataset": version, "splits": ["train", "valid"], "hyperparameters": [{"folds": folds, "trees": trees}]});
    let bench = Bench { url, detector, dir, params: params.to_string(), images: train + valid, ray };
    println!(
        "# {} images ({train} train, {valid} validation) of {width}×{height}, 3 classes; {folds} folds, {trees} trees; {runs} runs; backend at {}",
        bench.images, bench.url
    );
    println!(
        "run | wall s | CPU s | peak RSS MiB | dataset s | convert s | train s | model_upload s | images/s | valid acc | requests (media) [| spawn→submitted s | submitted→first event s | last event→exit s]"
    );
    let address = bench.ray.clone();
    if let Some(address) = &address {
        bench.job(address, &bench.dir.join("job-0")).await.print("job 0 (first: package upload)");
    }
    // Interleaved, so that both modes see the same machine (and Ray head) state.
    let (mut local, mut jobs) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        let row = bench.local(&bench.dir.join(format!("local-{run}"))).await;
        row.print(&format!("local {run}"));
        local.push(row);
        if let Some(address) = &address {
            let row = bench.job(address, &bench.dir.join(format!("job-{run}"))).await;
            row.print(&format!("job {run}"));
            jobs.push(row);
        }
    }
    bench.local(&bench.dir.join(format!("local-{runs}"))).await.print("local, warm cache");
    medians(&local).print("local, median");
    if address.is_some() {
        medians(&jobs).print("job, median");
    } else {
        println!("job mode: skipped (no Ray address: --ray-address, SYNAPSE_RAY_ADDRESS or RAY_ADDRESS)");
    }
    stop_backend();
    let _ = std::fs::remove_dir_all(&bench.dir);
}
