//! A 200 MB chunked upload to the dev backend: MB/s with synapse's client
//! (`BackendClient::chunked_upload`, default 50 MiB chunks) and with the Python SDK's
//! (`create_chunked_upload`, `bench/peer/chunked_upload.py`), interleaved against one dev backend
//! process, each upload's MD5 checked in the backend's `/_dev/state`.
//!
//! ```text
//! cargo build --release -p synapse-bench --bin upload_figures -p synapse-dev-backend
//! target/release/upload_figures [--runs 3] [--python /work/main/.venv/sdk/bin/python] [--mb 200]
//!     [--backend path/to/synapse-dev-backend]
//! ```
//!
//! MB are 10^6 bytes. The dev backend is `synapse-dev-backend` from the directory of this binary,
//! with its data in a temporary directory.

use md5::{Digest, Md5};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use synapse::backend::{BackendClient, BackendConfig, ChunkedUploadOptions};
use synapse_bench::backend_process::{TOKEN, arg, fail, start_backend, stop_backend};
use synapse_bench::child::median;

/// A file of `len` pseudo-random bytes, and its MD5.
fn make_file(path: &Path, len: u64) -> String {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| fail("creating", e)));
    let (mut state, mut hasher, mut left) = (0x9E37_79B9_7F4A_7C15u64, Md5::new(), len);
    let mut block = vec![0u8; 1 << 20];
    while left > 0 {
        for byte in block.iter_mut() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            *byte = state as u8;
        }
        let take = left.min(block.len() as u64) as usize;
        hasher.update(&block[..take]);
        out.write_all(&block[..take]).unwrap_or_else(|e| fail("writing", e));
        left -= take as u64;
    }
    out.flush().unwrap_or_else(|e| fail("writing", e));
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The MD5 the backend stored for upload `id`.
async fn stored_md5(url: &str, id: &str) -> String {
    let state: Value = reqwest::get(format!("{url}_dev/state"))
        .await
        .and_then(|response| response.error_for_status())
        .unwrap_or_else(|e| fail("GET /_dev/state", e))
        .json()
        .await
        .unwrap_or_else(|e| fail("reading /_dev/state", e));
    let uploads = state["chunked_uploads"].as_array().cloned().unwrap_or_default();
    let upload = uploads.iter().find(|upload| upload["id"] == id).unwrap_or_else(|| fail("upload in state", id));
    upload["md5"].as_str().unwrap_or_default().to_owned()
}

async fn ours(client: &BackendClient, file: &Path) -> (Duration, String) {
    let start = Instant::now();
    let upload = client.chunked_upload(file, &ChunkedUploadOptions::default()).await;
    let elapsed = start.elapsed();
    let upload = upload.unwrap_or_else(|e| fail("synapse's chunked upload", e));
    (elapsed, upload.id.to_string())
}

fn python(python: &str, url: &str, file: &Path) -> (Duration, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("peer/chunked_upload.py");
    let output = Command::new(python)
        .arg(&script)
        .args([url, TOKEN])
        .arg(file)
        .env("PYTHONWARNINGS", "ignore")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {python}"), e));
    if !output.status.success() {
        fail("the Python SDK's chunked upload", String::from_utf8_lossy(&output.stderr));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().rev().find(|line| line.starts_with('{')).unwrap_or_else(|| fail("its output", &stdout));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| fail("its output", e));
    let seconds = result["seconds"].as_f64().unwrap_or_else(|| fail("its time", line));
    let id = match &result["id"] {
        Value::String(id) => id.clone(),
        other => other.to_string(),
    };
    (Duration::from_secs_f64(seconds), id)
}

#[tokio::main]
async fn main() {
    let runs: usize = arg("--runs").and_then(|runs| runs.parse().ok()).unwrap_or(3);
    let megabytes: u64 = arg("--mb").and_then(|mb| mb.parse().ok()).unwrap_or(200);
    let python_bin = arg("--python").unwrap_or_else(|| "/work/main/.venv/sdk/bin/python".to_owned());
    let dir = std::env::temp_dir().join(format!("upload-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let file = dir.join("model.bin");
    let size = megabytes * 1_000_000;
    let md5 = make_file(&file, size);
    let url = start_backend(&dir.join("backend"));
    let config = BackendConfig::new(url.as_str(), TOKEN).unwrap_or_else(|e| fail("config", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("client", e));
    println!("# {} MB file, {runs} runs each, interleaved, one dev backend at {url}", megabytes);
    println!("run | client | seconds | MB/s");
    let _ = std::io::stdout().flush();
    let (mut rust_rates, mut python_rates) = (Vec::new(), Vec::new());
    for run in 1..=runs {
        for side in ["synapse", "python-sdk"] {
            let (elapsed, id) =
                if side == "synapse" { ours(&client, &file).await } else { python(&python_bin, &url, &file) };
            let stored = stored_md5(&url, &id).await;
            if stored != md5 {
                fail(&format!("{side} run {run}: the stored MD5"), format!("{stored}, the file's is {md5}"));
            }
            let rate = size as f64 / 1e6 / elapsed.as_secs_f64();
            println!("{run} | {side} | {:.3} | {rate:.1}", elapsed.as_secs_f64());
            if side == "synapse" { rust_rates.push(rate) } else { python_rates.push(rate) }
        }
    }
    let (rust, py) = (median(&rust_rates), median(&python_rates));
    println!("median MB/s: synapse {rust:.1}, python-sdk {py:.1}; ratio {:.2}x", rust / py);
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
