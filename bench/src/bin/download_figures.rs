//! A 1,000-image ground-truth dataset downloaded from the dev backend: MB/s and requests with
//! synapse's engine (`synapse::dataset::download`, into an output directory, so without the
//! cache; 8 files at once) and with the Python SDK's (`DatasetAction.download`,
//! `bench/peer/dataset_download.py`, also with an output directory), interleaved against one dev
//! backend process. Requests are the deltas of the backend's `/_dev/state` counters.
//!
//! ```text
//! cargo build --release -p synapse-dev-backend --bins && cargo build --release -p synapse-bench --bin download_figures
//! target/release/download_figures [--runs 3] [--images 1000] [--width 640] [--height 480]
//!     [--concurrency 8] [--python /work/main/.venv/sdk/bin/python] [--backend path/to/synapse-dev-backend]
//! ```
//!
//! MB are 10^6 bytes: the bytes of the files the version's events point at (its images and their
//! `data_meta_1` JSON), the same numerator for both sides. The dev backend is
//! `synapse-dev-backend` from the directory of this binary, with its data in a temporary directory.

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use synapse::backend::{BackendClient, BackendConfig, Split};
use synapse::dataset::{self, DownloadRequest, Observer, Phase};
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};
use synapse_bench::child::median;

/// The backend's request counters: every request, and those for media.
async fn counters(url: &str) -> (u64, u64) {
    let state = dev(url, reqwest::Method::GET, "_dev/state", None).await;
    let requests = state["requests"].as_object().cloned().unwrap_or_default();
    let all = requests.values().filter_map(Value::as_u64).sum();
    let media = requests.get("GET /media/{*key}").and_then(Value::as_u64).unwrap_or(0);
    (all, media)
}

/// When the last event was listed (the end of the fetch phase).
struct FetchTimer {
    start: Instant,
    fetched: Mutex<Option<Duration>>,
}

impl Observer for FetchTimer {
    fn progress(&self, phase: Phase, done: u64, total: u64) {
        if phase == Phase::Fetch && total > 0 && done == total {
            *self.fetched.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(self.start.elapsed());
        }
    }
}

/// Synapse's download: its time, the time its fetch phase took, the events written, the bytes
/// downloaded.
async fn ours(client: &BackendClient, version: u64, concurrency: usize, out: &Path) -> (Duration, Duration, u64, u64) {
    let request = DownloadRequest::new(version)
        .splits([Split::Train, Split::Validation])
        .concurrency(concurrency)
        .output_dir(out);
    let timer = FetchTimer { start: Instant::now(), fetched: Mutex::new(None) };
    let downloaded = dataset::download(client, &request, &timer).await;
    let elapsed = timer.start.elapsed();
    let downloaded = downloaded.unwrap_or_else(|e| fail("synapse's dataset download", e));
    let fetched = timer.fetched.lock().unwrap_or_else(std::sync::PoisonError::into_inner).unwrap_or_default();
    (elapsed, fetched, downloaded.images(), downloaded.bytes)
}

fn python(python: &str, url: &str, version: u64, out: &Path) -> (Duration, u64) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/dataset_download.py");
    let output = Command::new(python)
        .arg(&script)
        .args([url, TOKEN, &version.to_string()])
        .arg(out)
        .args(["train", "valid"])
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail("the Python SDK's dataset download", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_else(|| fail("its output", &stdout));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| fail("its output", e));
    let seconds = result["seconds"].as_f64().unwrap_or_else(|| fail("its time", line));
    (Duration::from_secs_f64(seconds), result["count"].as_u64().unwrap_or(0))
}

#[tokio::main]
async fn main() {
    let runs = number("--runs", 3);
    let images = number("--images", 1000);
    let (width, height) = (number("--width", 640), number("--height", 480));
    let concurrency = number("--concurrency", dataset::DEFAULT_CONCURRENCY as u64) as usize;
    let python_bin = arg("--python").unwrap_or_else(|| "/work/main/.venv/sdk/bin/python".to_owned());
    let dir = std::env::temp_dir().join(format!("download-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let (train, validation) = (images * 4 / 5, images - images * 4 / 5);
    let seed = json!({"seed": 1, "classes": ["car", "person", "dog"], "splits": {"train": train, "validation": validation},
                      "width": width, "height": height});
    let seeded = dev(&url, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(seed)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap_or_else(|| fail("the seed", &seeded));
    let config = BackendConfig::new(url.as_str(), TOKEN).unwrap_or_else(|e| fail("config", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("client", e));
    println!(
        "# {images} images ({train} train, {validation} validation) of {width}×{height}, {runs} runs each, interleaved, one dev backend at {url}"
    );
    println!("run | client | seconds | MB | MB/s | requests (media)");
    let _ = std::io::stdout().flush();
    let (mut rust_rates, mut python_rates, mut media_bytes) = (Vec::new(), Vec::new(), 0);
    let (mut rust_requests, mut python_requests) = ((0, 0), (0, 0));
    for run in 1..=runs {
        for side in ["synapse", "python-sdk"] {
            let out = dir.join(format!("{side}-{run}"));
            let before = counters(&url).await;
            let mut fetch = String::new();
            let (elapsed, count) = if side == "synapse" {
                let (elapsed, fetched, count, bytes) = ours(&client, version, concurrency, &out).await;
                media_bytes = bytes;
                fetch = format!(" | fetch phase {:.3} s", fetched.as_secs_f64());
                (elapsed, count)
            } else {
                python(&python_bin, &url, version, &out)
            };
            let after = counters(&url).await;
            if count != images {
                fail(&format!("{side} run {run}"), format!("{count} events written of {images}"));
            }
            let requests = (after.0 - before.0, after.1 - before.1);
            if side == "synapse" {
                rust_requests = requests
            } else {
                python_requests = requests
            }
            let megabytes = media_bytes as f64 / 1e6;
            let rate = megabytes / elapsed.as_secs_f64();
            println!(
                "{run} | {side} | {:.3} | {megabytes:.1} | {rate:.1} | {} ({}){fetch}",
                elapsed.as_secs_f64(),
                requests.0,
                requests.1
            );
            let _ = std::io::stdout().flush();
            if side == "synapse" {
                rust_rates.push(rate)
            } else {
                python_rates.push(rate)
            }
            let _ = std::fs::remove_dir_all(&out);
        }
    }
    let (rust, py) = (median(&rust_rates), median(&python_rates));
    println!(
        "median MB/s: synapse {rust:.1}, python-sdk {py:.1}; ratio {:.2}x; requests per download: synapse {} ({} media), python-sdk {} ({} media)",
        rust / py,
        rust_requests.0,
        rust_requests.1,
        python_requests.0,
        python_requests.1
    );
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
