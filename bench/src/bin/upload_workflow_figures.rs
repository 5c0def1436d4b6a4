//! A folder of small PNG + JSON pairs uploaded into a data collection of one dev backend
//! process: files per second with synapse's upload workflow (`synapse::upload::run_upload`
//! with the default uploader and params) and with the Python SDK's default upload
//! (`DefaultUploadAction`, `bench/peer/upload_workflow.py`), interleaved. Both go through the
//! backend's `file_system` storage 1, so files go as multipart `POST data_files/` (10 at once
//! on both sides) and units in batches of 200.
//!
//! ```text
//! cargo build --release -p synapse-dev-backend --bins && cargo build --release -p synapse-bench --bin upload_workflow_figures
//! target/release/upload_workflow_figures [--runs 3] [--pairs 5000] [--python /work/main/.venv/sdk/bin/python]
//!     [--backend path/to/synapse-dev-backend]
//! ```
//!
//! Each run of each side uploads pairs of its own content (the backend already holding a
//! file's content would spare it the upload), written inside the storage's directory (where
//! the SDK reads its `path`). Files per second count files (a pair is two) over the run's
//! time: from the workflow's start to its result (the Python side times `action.run()` only,
//! without the interpreter's start).

use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use synapse::Context;
use synapse::backend::{BackendClient, BackendConfig};
use synapse::upload::{DefaultUploader, UploadParams, run_upload};
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};
use synapse_bench::child::median;

/// Writes `pairs` pairs into `dir` (`image_1/<i>.png`, 16×16 with a colour of its own, and
/// `data_meta_1/<i>.json`), their content salted with `salt`.
fn write_pairs(dir: &Path, pairs: u64, salt: u64) {
    for folder in ["image_1", "data_meta_1"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap_or_else(|e| fail("creating the source folder", e));
    }
    for index in 0..pairs {
        let mut png = std::io::Cursor::new(Vec::new());
        let shade = (index * 7919 + salt * 104_729) as u32;
        let image = image::RgbImage::from_fn(16, 16, |x, y| {
            let value = shade.wrapping_add(x * 31 + y * 17);
            image::Rgb([value as u8, (value >> 8) as u8, (salt as u8).wrapping_add(value as u8)])
        });
        image.write_to(&mut png, image::ImageFormat::Png).unwrap_or_else(|e| fail("a PNG", e));
        let name = format!("{index:05}");
        std::fs::write(dir.join(format!("image_1/{name}.png")), png.into_inner()).unwrap_or_else(|e| fail("a PNG", e));
        let label = ["car", "person", "dog"][index as usize % 3];
        let meta = json!({"index": index, "salt": salt, "label": label});
        std::fs::write(dir.join(format!("data_meta_1/{name}.json")), meta.to_string())
            .unwrap_or_else(|e| fail("a JSON", e));
    }
}

/// Synapse's upload of `source` (`path`, relative to storage 1's root, as the SDK's): its time,
/// the files and the units it made.
async fn ours(client: &BackendClient, source: &str, collection: u64) -> (Duration, u64, u64) {
    let ctx = Context::builder("upload").backend(Some(client.clone())).build();
    let params = UploadParams::new("upload_workflow", source, 1, collection);
    let start = Instant::now();
    let result = run_upload(&ctx, params, &DefaultUploader).await.unwrap_or_else(|e| fail("synapse's upload", e));
    let elapsed = start.elapsed();
    if result.partial_failure {
        fail("synapse's upload", format!("files left out: {:?}", result.failed_files.first()));
    }
    (elapsed, result.uploaded_files + result.already_on_backend, result.data_units)
}

/// The Python SDK's upload of `source`: its time, the files and the units it made.
fn python(python: &str, url: &str, source: &Path, collection: u64) -> (Duration, u64, u64) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/upload_workflow.py");
    let output = Command::new(python)
        .arg(&script)
        .args([url, TOKEN])
        .arg(source)
        .args(["1", &collection.to_string()])
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail("the Python SDK's upload", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_else(|| fail("its output", &stdout));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| fail("its output", e));
    let seconds = result["seconds"].as_f64().unwrap_or_else(|| fail("its time", line));
    (
        Duration::from_secs_f64(seconds),
        result["files"].as_u64().unwrap_or(0),
        result["data_units"].as_u64().unwrap_or(0),
    )
}

#[tokio::main]
async fn main() {
    let runs = number("--runs", 3);
    let pairs = number("--pairs", 5000);
    let python_bin = arg("--python").unwrap_or_else(|| "/work/main/.venv/sdk/bin/python".to_owned());
    let dir = std::env::temp_dir().join(format!("upload-workflow-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let config = BackendConfig::new(url.as_str(), TOKEN).unwrap_or_else(|e| fail("config", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("client", e));
    let storage = client.get_storage(1).await.unwrap_or_else(|e| fail("storage 1", e));
    let location =
        storage.configuration["location"].as_str().unwrap_or_else(|| fail("storage 1's location", &storage.name));
    let sources = PathBuf::from(location).join("upload-sources");
    let body = json!({"name": "pairs", "file_specifications": [
        {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true},
        {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
    ]});
    let seeded = dev(&url, reqwest::Method::POST, "_dev/data_collections", Some(body)).await;
    let collection = seeded["id"].as_u64().unwrap_or_else(|| fail("the collection", &seeded));
    println!(
        "# {pairs} PNG + JSON pairs ({} files), {runs} runs each, interleaved, one dev backend at {url}",
        pairs * 2
    );
    println!("run | client | seconds | files | data units | files/s");
    let _ = std::io::stdout().flush();
    let (mut rust_rates, mut python_rates) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        for (side, salt) in [("synapse", run * 2), ("python-sdk", run * 2 + 1)] {
            let source = sources.join(format!("{side}-{run}"));
            write_pairs(&source, pairs, salt);
            let (elapsed, files, units) = if side == "synapse" {
                ours(&client, &format!("upload-sources/{side}-{run}"), collection).await
            } else {
                python(&python_bin, &url, &source, collection)
            };
            if files != pairs * 2 || units != pairs {
                fail(
                    &format!("{side} run {run}"),
                    format!("{files} files and {units} units of {} and {pairs}", pairs * 2),
                );
            }
            let rate = files as f64 / elapsed.as_secs_f64();
            println!("{run} | {side} | {:.3} | {files} | {units} | {rate:.0}", elapsed.as_secs_f64());
            let _ = std::io::stdout().flush();
            if side == "synapse" {
                rust_rates.push(rate)
            } else {
                python_rates.push(rate)
            }
            let _ = std::fs::remove_dir_all(&source);
        }
    }
    let (rust, py) = (median(&rust_rates), median(&python_rates));
    println!("median files/s: synapse {rust:.0}, python-sdk {py:.0}; ratio {:.2}x", rust / py);
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
