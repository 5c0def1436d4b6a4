//! Pre-annotation of 1,000 seeded tasks from their YOLO labels (`method: file`) on the dev
//! backend: tasks per second with synapse's `to_task` (`synapse::to_task::run_to_task`, its
//! default annotator; `--concurrency` tasks at once, and one at a time) and with the Python SDK's
//! (`ToTaskAction`, one task at a time, its YOLO → DM v2 → DM v1 converters in the plugin's hook:
//! `bench/peer/to_task_file.py`), interleaved against one dev backend process. Requests are the
//! deltas of the backend's `/_dev/state` counters.
//!
//! ```text
//! cargo build --release -p synapse-dev-backend --bins && cargo build --release -p synapse-bench --bin to_task_figures
//! target/release/to_task_figures [--runs 3] [--tasks 1000] [--width 640] [--height 480]
//!     [--concurrency 8] [--python /work/main/.venv/sdk/bin/python] [--backend path/to/synapse-dev-backend]
//! ```
//!
//! Every run annotates every task again (a submission replaces a task's annotation). Each side
//! downloads each task's image (for its size) and its label, and submits one `PUT`. The dev
//! backend is `synapse-dev-backend` from the directory of this binary, with its data in a
//! temporary directory.

use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use synapse::backend::{BackendClient, BackendConfig};
use synapse::params::Params;
use synapse::prelude::*;
use synapse::to_task::{DefaultAnnotator, ToTaskParams, run_to_task};
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};
use synapse_bench::child::median;

const CLASSES: [&str; 3] = ["car", "person", "dog"];

/// Every request the backend counted so far.
async fn requests(url: &str) -> u64 {
    let state = dev(url, reqwest::Method::GET, "_dev/state", None).await;
    state["requests"].as_object().map_or(0, |counts| counts.values().filter_map(Value::as_u64).sum())
}

/// Synapse's run with `concurrency` tasks at once: its time, the tasks annotated and failed.
async fn ours(client: &BackendClient, project: u64, concurrency: u64) -> (Duration, u64, u64) {
    let ctx = Context::builder("pre_annotate").backend(Some(client.clone())).build();
    let params = ToTaskParams::parse(json!({
        "name": "to_task", "project": project, "target_specification_name": "label_1",
        "pre_processor_params": {"class_names": CLASSES}, "concurrency": concurrency,
    }))
    .unwrap_or_else(|e| fail("the params", e));
    let start = Instant::now();
    let result = run_to_task(&ctx, params, &DefaultAnnotator).await;
    let elapsed = start.elapsed();
    let result = result.unwrap_or_else(|e| fail("synapse's to_task", e));
    (elapsed, result.success_count, result.failed_count)
}

fn python(python: &str, url: &str, project: u64) -> (Duration, u64, u64) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/to_task_file.py");
    let output = Command::new(python)
        .arg(&script)
        .args([url, TOKEN, &project.to_string(), "label_1", &CLASSES.join(",")])
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail("the Python SDK's to_task", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_else(|| fail("its output", &stdout));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| fail("its output", e));
    let seconds = result["seconds"].as_f64().unwrap_or_else(|| fail("its time", line));
    let count = |key: &str| result[key].as_u64().unwrap_or_else(|| fail(&format!("its `{key}`"), line));
    (Duration::from_secs_f64(seconds), count("success"), count("failed"))
}

#[tokio::main]
async fn main() {
    let runs = number("--runs", 3);
    let tasks = number("--tasks", 1000);
    let (width, height) = (number("--width", 640), number("--height", 480));
    let concurrency = number("--concurrency", 8);
    let python_bin = arg("--python").unwrap_or_else(|| "/work/main/.venv/sdk/bin/python".to_owned());
    let dir = std::env::temp_dir().join(format!("to-task-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let seed =
        json!({"seed": 1, "classes": CLASSES, "tasks": tasks, "with_labels": true, "width": width, "height": height});
    let seeded = dev(&url, reqwest::Method::POST, "_dev/seed/project", Some(seed)).await;
    let project = seeded["project"].as_u64().unwrap_or_else(|| fail("the seed", &seeded));
    let config = BackendConfig::new(url.as_str(), TOKEN).unwrap_or_else(|e| fail("config", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("client", e));
    println!(
        "# {tasks} tasks with YOLO labels, images {width}×{height}, {runs} runs each, interleaved, one dev backend at {url}"
    );
    println!("run | client | seconds | tasks/s | annotated | failed | requests");
    let _ = std::io::stdout().flush();
    let sides = [format!("synapse ({concurrency} at once)"), "synapse (1 at once)".to_owned(), "python-sdk".to_owned()];
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); sides.len()];
    let mut per_run_requests = vec![0; sides.len()];
    for run in 1..=runs {
        for (index, side) in sides.iter().enumerate() {
            let before = requests(&url).await;
            let (elapsed, annotated, failed) = match index {
                0 => ours(&client, project, concurrency).await,
                1 => ours(&client, project, 1).await,
                _ => python(&python_bin, &url, project),
            };
            let after = requests(&url).await;
            if annotated != tasks {
                fail(&format!("{side} run {run}"), format!("{annotated} tasks annotated of {tasks}, {failed} failed"));
            }
            let rate = annotated as f64 / elapsed.as_secs_f64();
            per_run_requests[index] = after - before;
            println!(
                "{run} | {side} | {:.3} | {rate:.1} | {annotated} | {failed} | {}",
                elapsed.as_secs_f64(),
                after - before
            );
            let _ = std::io::stdout().flush();
            rates[index].push(rate);
        }
    }
    let medians: Vec<f64> = rates.iter().map(|side| median(side)).collect();
    println!(
        "median tasks/s: {} {:.1}, {} {:.1}, {} {:.1}; ratios to python-sdk {:.2}x and {:.2}x; requests per run: {} / {} / {}",
        sides[0],
        medians[0],
        sides[1],
        medians[1],
        sides[2],
        medians[2],
        medians[0] / medians[2],
        medians[1] / medians[2],
        per_run_requests[0],
        per_run_requests[1],
        per_run_requests[2]
    );
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
