//! A 10,000-item ground-truth dataset version exported to COCO from the dev backend: items/s with
//! synapse's export (`synapse::export::run_export` with the data_ops example's `CocoExporter`:
//! DM v2 labels, the images, one `annotations.json`) and with the Python SDK's step-based export
//! (`DefaultExportAction` in process with a COCO exporter, `bench/peer/export_coco.py`), both
//! into storage 1 (`file_system`, the backend's media directory), interleaved against one dev
//! backend process.
//!
//! ```text
//! cargo build --release -p synapse-dev-backend --bins && cargo build --release -p synapse-bench --bin export_figures
//! target/release/export_figures [--runs 3] [--items 10000] [--width 64] [--height 64] [--workers 8]
//!     [--python /work/main/.venv/sdk/bin/python] [--backend path/to/synapse-dev-backend]
//! ```
//!
//! Both sides list the version's events, download every image, write one COCO file; items/s is
//! the items exported over the time of the run (the Python side times its `run()` only, not the
//! interpreter's start). Requests are the deltas of the backend's `/_dev/state` counters.

use data_ops::export::{COCO_FILE, CocoExporter};
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use synapse::backend::{BackendClient, BackendConfig};
use synapse::export::{ExportParams, run_export};
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};
use synapse_bench::child::median;

/// Every request the backend counted.
async fn requests(url: &str) -> u64 {
    let state = dev(url, reqwest::Method::GET, "_dev/state", None).await;
    state["requests"].as_object().map(|counts| counts.values().filter_map(Value::as_u64).sum()).unwrap_or(0)
}

/// Synapse's export into `path` of storage 1: its time, the items exported and failed, and the
/// export's directory.
async fn ours(client: &BackendClient, version: u64, workers: u64, path: &str) -> (Duration, u64, u64, PathBuf) {
    let mut params = ExportParams::ground_truth("coco", 1, path, version);
    let mut extra = serde_json::Map::new();
    extra.insert("export_download_workers".to_owned(), json!(workers));
    params.extra_params = Some(extra);
    let ctx = synapse::Context::builder("export_coco").backend(Some(client.clone())).build();
    let start = Instant::now();
    let result = run_export(&ctx, params, &CocoExporter::default()).await;
    let elapsed = start.elapsed();
    let result = result.unwrap_or_else(|e| fail("synapse's export", e));
    let dir = PathBuf::from(&result.output_path);
    if !dir.join(COCO_FILE).is_file() {
        fail("synapse's export", format!("no {COCO_FILE} in {}", dir.display()));
    }
    (elapsed, result.exported_count, result.failed_count, dir)
}

/// The Python SDK's export into `out`: its time, the items exported and failed.
fn python(python: &str, url: &str, version: u64, out: &Path) -> (Duration, u64, u64) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/export_coco.py");
    let output = Command::new(python)
        .arg(&script)
        .args([url, TOKEN, &version.to_string()])
        .arg(out)
        .arg("1")
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail("the Python SDK's export", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_else(|| fail("its output", &stdout));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| fail("its output", e));
    let seconds = result["seconds"].as_f64().unwrap_or_else(|| fail("its time", line));
    let count = |key: &str| result[key].as_u64().unwrap_or_else(|| fail(&format!("its `{key}`"), line));
    (Duration::from_secs_f64(seconds), count("exported"), count("failed"))
}

#[tokio::main]
async fn main() {
    let runs = number("--runs", 3);
    let items = number("--items", 10_000);
    let (width, height) = (number("--width", 64), number("--height", 64));
    let workers = number("--workers", synapse::export::DEFAULT_WORKERS as u64);
    let python_bin = arg("--python").unwrap_or_else(|| "/work/main/.venv/sdk/bin/python".to_owned());
    let dir = std::env::temp_dir().join(format!("export-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let (train, validation) = (items * 4 / 5, items - items * 4 / 5);
    let seed = json!({"seed": 1, "classes": ["car", "person", "dog"], "splits": {"train": train, "validation": validation},
                      "width": width, "height": height});
    let seeded = dev(&url, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(seed)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap_or_else(|| fail("the seed", &seeded));
    let config = BackendConfig::new(url.as_str(), TOKEN).unwrap_or_else(|e| fail("config", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("client", e));
    println!(
        "# {items} ground-truth items ({train} train, {validation} validation) of {width}×{height} to COCO, {runs} runs each, interleaved, one dev backend at {url}; synapse saves {workers} items at once"
    );
    println!("run | client | seconds | exported | failed | items/s | requests");
    let _ = std::io::stdout().flush();
    let (mut rust_rates, mut python_rates) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        for side in ["synapse", "python-sdk"] {
            let before = requests(&url).await;
            let (elapsed, exported, failed) = if side == "synapse" {
                let (elapsed, exported, failed, out) = ours(&client, version, workers, &format!("bench/{run}")).await;
                let _ = std::fs::remove_dir_all(&out);
                (elapsed, exported, failed)
            } else {
                let out = dir.join(format!("python-{run}"));
                let ran = python(&python_bin, &url, version, &out);
                let _ = std::fs::remove_dir_all(&out);
                ran
            };
            let after = requests(&url).await;
            if exported != items || failed != 0 {
                fail(&format!("{side} run {run}"), format!("{exported} exported, {failed} failed of {items}"));
            }
            let rate = exported as f64 / elapsed.as_secs_f64();
            println!(
                "{run} | {side} | {:.3} | {exported} | {failed} | {rate:.0} | {}",
                elapsed.as_secs_f64(),
                after - before
            );
            let _ = std::io::stdout().flush();
            if side == "synapse" { rust_rates.push(rate) } else { python_rates.push(rate) }
        }
    }
    let (rust, py) = (median(&rust_rates), median(&python_rates));
    println!("median items/s: synapse {rust:.0}, python-sdk {py:.0}; ratio {:.2}x", rust / py);
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
