//! Model switch cost of a serving replica: a cache hit against a cold load, a reload from the
//! disk cache, and a working set larger than the cache (LRU thrash) against one that fits.
//!
//! ```text
//! cargo build --release -p synapse-dev-backend -p detector --bins && cargo build --release -p synapse-bench --bin serve_model_figures
//! target/release/serve_model_figures [--runs 3] [--hits 300] [--models 8] [--requests 60] [--trees 50]
//!     [--backend path/to/synapse-dev-backend] [--detector path/to/detector]
//! ```
//!
//! A dev backend is seeded with a ground-truth dataset version (`/_dev/seed/gt_dataset`, seed 11,
//! 3 classes, 200 train and 20 validation PNGs of 64×64); `detector run train` fits one model on
//! it (no folds, `--trees` trees) and registers it; its zip is registered again under
//! `--models` − 1 more model records, so the backend holds `--models` distinct models (each its
//! own file, its own cache entry). Every request is the same: the first validation image (base64)
//! with its true boxes, the model chosen by its plain id in `serve_multiplexed_model_id`, sent by
//! one keep-alive client over loopback to `detector serve --max-models 3`, the model cache
//! (`SYNAPSE_MODEL_CACHE`) empty at the start of each run. Per run, in order:
//!
//! - cold load: the first request for each of the `--models` models (access check, download,
//!   extract, `load_model`, infer); the first 3 loads evict nothing, the others one model each;
//! - cache hit: `--hits` requests to the model loaded last;
//! - reload from disk: a request for each model evicted from memory (its extracted directory in
//!   the model cache, its access answer still trusted): no download;
//! - reload after a restart: a new replica on the same model cache, a request for 3 models (the
//!   access check is asked of the backend again, the files come from the disk cache);
//! - working set of 6 > 3: a new replica, the 6 models asked once each, then `--requests`
//!   requests round robin over them (every request a miss: LRU thrash), against a working set
//!   of 3: a new replica, the 3 models asked once, then `--requests` requests round robin (every
//!   request a hit).
//!
//! Each figure is checked against the replica's `GET /-/models` stats (loads, evictions, hits)
//! and the backend's request counters (`/_dev/state`): a figure whose counts differ from what it
//! claims to measure stops the bench. Latencies are pooled over the runs; p50/p99 are nearest-rank.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;
use synapse::backend::{BackendClient, BackendConfig, ChunkedUploadOptions, ModelCreate};
use synapse::serve::{MODEL_HEADER, SERVE_LINE_MARKER, ServeAnnouncement};
use synapse_bench::backend_process::{TOKEN, arg, dev, fail, number, start_backend, stop_backend};

/// How many models each replica holds (`--max-models`; Ray Serve's default).
const MAX_MODELS: usize = 3;

/// A `detector serve` process; killed when dropped.
struct Replica {
    child: Child,
    /// `http://<addr>`.
    base: String,
}

impl Replica {
    /// Starts `detector serve` against the backend at `url` with the model cache `cache`.
    fn start(detector: &Path, url: &str, cache: &Path) -> Replica {
        let mut child = Command::new(detector)
            .args(["serve", "--bind", "127.0.0.1:0", "--max-models", &MAX_MODELS.to_string()])
            .env("SYNAPSE_HOST", url)
            .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
            .env("SYNAPSE_MODEL_CACHE", cache)
            .env_remove("SYNAPSE_PLUGIN_RUN_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| fail(&format!("starting {} serve", detector.display()), e));
        let stdout = child.stdout.take().unwrap_or_else(|| fail("the replica's stdout", "none"));
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        let announced = line.strip_prefix(SERVE_LINE_MARKER).and_then(|json| {
            serde_json::from_str::<ServeAnnouncement>(json.trim()).ok().filter(|_| matches!(read, Ok(n) if n > 0))
        });
        let Some(announcement) = announced else {
            let _ = child.kill();
            let _ = child.wait();
            fail("the replica's announcement (its first line)", format!("{line:?} ({read:?})"));
        };
        // Keep reading its stdout so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Replica { child, base: format!("http://{}", announcement.addr) }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The bench's shared state: the backend, the models, the request, the client.
struct Bench {
    url: String,
    detector: PathBuf,
    models: Vec<u64>,
    request: Value,
    http: reqwest::Client,
}

/// The `/-/models` stats counters this bench checks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Stats {
    hits: u64,
    loads: u64,
    evictions: u64,
}

/// One figure: its latencies (ms), its wall time (s), its counts.
#[derive(Default)]
struct Figure {
    ms: Vec<f64>,
    wall: f64,
    stats: Stats,
    /// Backend requests (all, media downloads).
    backend: (u64, u64),
}

impl Figure {
    fn add(&mut self, other: Figure) {
        self.ms.extend(other.ms);
        self.wall += other.wall;
        let (a, b) = (&mut self.stats, other.stats);
        (a.hits, a.loads, a.evictions) = (a.hits + b.hits, a.loads + b.loads, a.evictions + b.evictions);
        self.backend = (self.backend.0 + other.backend.0, self.backend.1 + other.backend.1);
    }
}

/// The nearest-rank `q` quantile of `values` (NaN for none).
fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

impl Bench {
    /// One request for `model`: its latency in ms (a status other than 200 stops the bench).
    async fn infer(&self, replica: &Replica, model: u64) -> f64 {
        let started = Instant::now();
        let response = self.http.post(format!("{}/", replica.base)).header(MODEL_HEADER, model.to_string());
        let response = response.json(&self.request).send().await.unwrap_or_else(|e| fail("POST / (infer)", e));
        let status = response.status();
        let body = response.bytes().await.unwrap_or_else(|e| fail("the answer of POST /", e));
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if status != reqwest::StatusCode::OK {
            fail(&format!("POST / for model {model}"), format!("{status}: {}", String::from_utf8_lossy(&body)));
        }
        ms
    }

    /// The replica's `/-/models` stats.
    async fn stats(&self, replica: &Replica) -> Stats {
        let url = format!("{}/-/models", replica.base);
        let response = self.http.get(&url).send().await.unwrap_or_else(|e| fail("GET /-/models", e));
        let body: Value = response.json().await.unwrap_or_else(|e| fail("GET /-/models (JSON)", e));
        let count = |name: &str| body["stats"][name].as_u64().unwrap_or_else(|| fail("/-/models stats", &body));
        Stats { hits: count("hits"), loads: count("loads"), evictions: count("evictions") }
    }

    /// The backend's request counters: all, and media (file downloads).
    async fn backend_requests(&self) -> (u64, u64) {
        let state = dev(&self.url, reqwest::Method::GET, "_dev/state", None).await;
        let requests = state["requests"].as_object().cloned().unwrap_or_default();
        let media = requests.get("GET /media/{*key}").and_then(Value::as_u64).unwrap_or(0);
        (requests.values().filter_map(Value::as_u64).sum(), media)
    }

    /// Requests for `models` in order; the figure with the stats' and the backend's deltas.
    async fn measure(&self, replica: &Replica, models: &[u64]) -> Figure {
        let (before, backend_before) = (self.stats(replica).await, self.backend_requests().await);
        let started = Instant::now();
        let mut ms = Vec::with_capacity(models.len());
        for &model in models {
            ms.push(self.infer(replica, model).await);
        }
        let wall = started.elapsed().as_secs_f64();
        let (after, backend_after) = (self.stats(replica).await, self.backend_requests().await);
        let stats = Stats {
            hits: after.hits - before.hits,
            loads: after.loads - before.loads,
            evictions: after.evictions - before.evictions,
        };
        // `/_dev/state` does not count itself.
        let backend = (backend_after.0 - backend_before.0, backend_after.1 - backend_before.1);
        Figure { ms, wall, stats, backend }
    }
}

/// Stops the bench unless `figure`'s counts are `expected`.
fn check(name: &str, figure: &Figure, expected: Stats) {
    if figure.stats != expected {
        fail(&format!("{name}: the replica's stats"), format!("{:?}, expected {expected:?}", figure.stats));
    }
}

/// Seeds the dataset, trains one model and registers its zip under `count` − 1 more records:
/// the model ids, and the request (the first validation image with its boxes).
async fn setup(url: &str, detector: &Path, dir: &Path, count: usize, trees: u64) -> (Vec<u64>, Value) {
    let body = json!({"seed": 11, "classes": ["car", "person", "tree"], "splits": {"train": 200, "validation": 20},
                      "width": 64, "height": 64});
    let seeded = dev(url, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap_or_else(|| fail("the seed", "no version"));
    let images = seeded["images"].as_array().cloned().unwrap_or_default();
    let image = images.iter().find(|i| i["category"] == "validation").unwrap_or_else(|| fail("the seed", "no image"));
    let boxes: Vec<Value> = seeded["boxes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["event"] == image["event"])
        .map(|b| json!({"x": b["x"], "y": b["y"], "width": b["width"], "height": b["height"]}))
        .collect();
    let image_url = image["url"].as_str().unwrap_or_else(|| fail("the seeded image", "no URL"));
    let png = async { reqwest::get(image_url).await?.error_for_status()?.bytes().await };
    let png = png.await.unwrap_or_else(|e| fail(&format!("GET {image_url}"), e));
    use base64::Engine as _;
    let request = json!({"image": base64::engine::general_purpose::STANDARD.encode(&png), "boxes": boxes});

    let params = json!({"dataset": version, "splits": ["train", "valid"], "folds": 0, "trees": trees}).to_string();
    let trained = Command::new(detector)
        .args(["run", "train", "--json", "--params", &params])
        .env("SYNAPSE_HOST", url)
        .env("SYNAPSE_ACCESS_TOKEN", TOKEN)
        .env("SYNAPSE_DATASET_CACHE", dir.join("datasets"))
        .env("SYNAPSE_MODEL_CACHE", dir.join("train-models"))
        .env("TMPDIR", dir)
        .env_remove("SYNAPSE_JOB_ID")
        .output()
        .unwrap_or_else(|e| fail(&format!("running {} run train", detector.display()), e));
    if !trained.status.success() {
        fail("detector run train", format!("{}: {}", trained.status, String::from_utf8_lossy(&trained.stderr)));
    }
    let stdout = String::from_utf8_lossy(&trained.stdout);
    let result = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|event| event["type"] == "result")
        .unwrap_or_else(|| fail("detector run train", "no result event"));
    let first = result["value"]["model_id"].as_u64().unwrap_or_else(|| fail("the train result's model_id", &result));

    let config = BackendConfig::new(url, TOKEN).unwrap_or_else(|e| fail("the backend's URL", e));
    let client = BackendClient::new(config).unwrap_or_else(|e| fail("the backend client", e));
    let record = client.get_model(first).await.unwrap_or_else(|e| fail(&format!("GET models/{first}/"), e));
    let zip = dir.join("model.zip");
    client.download_model_file(&record, &zip).await.unwrap_or_else(|e| fail("downloading the model's file", e));
    let mut models = vec![first];
    for copy in 1..count {
        let create =
            ModelCreate { configuration: record.configuration.clone(), ..ModelCreate::new(format!("copy {copy}")) };
        let model = client.create_model_from_file(&zip, create, &ChunkedUploadOptions::default()).await;
        models.push(model.unwrap_or_else(|e| fail("registering a copy of the model", e)).id);
    }
    (models, request)
}

/// The figures of one run, in [`NAMES`] order, its model cache under `cache`.
async fn run(bench: &Bench, cache: &Path, hits: usize, requests: usize) -> [Figure; 6] {
    let (k, models) = (bench.models.len(), &bench.models);
    let replica = Replica::start(&bench.detector, &bench.url, cache);
    bench.stats(&replica).await; // the connection opened
    let cold = bench.measure(&replica, models).await;
    check("cold load", &cold, Stats { hits: 0, loads: k as u64, evictions: (k - MAX_MODELS) as u64 });
    if cold.backend.1 != k as u64 {
        fail("cold load", format!("{} file downloads for {k} models", cold.backend.1));
    }
    let hit = bench.measure(&replica, &vec![models[k - 1]; hits]).await;
    check("cache hit", &hit, Stats { hits: hits as u64, loads: 0, evictions: 0 });
    let evicted = &models[..k - MAX_MODELS];
    let disk = bench.measure(&replica, evicted).await;
    check("reload from disk", &disk, Stats { hits: 0, loads: evicted.len() as u64, evictions: evicted.len() as u64 });
    drop(replica);

    let replica = Replica::start(&bench.detector, &bench.url, cache);
    bench.stats(&replica).await;
    let restart = bench.measure(&replica, &models[..MAX_MODELS]).await;
    check("reload after restart", &restart, Stats { hits: 0, loads: MAX_MODELS as u64, evictions: 0 });
    for figure in [&disk, &restart] {
        if figure.backend.1 != 0 {
            fail("a reload from disk", format!("{} file downloads", figure.backend.1));
        }
    }
    drop(replica);

    let mut thrash = [Figure::default(), Figure::default()];
    for (figure, set) in thrash.iter_mut().zip([2 * MAX_MODELS, MAX_MODELS]) {
        let replica = Replica::start(&bench.detector, &bench.url, cache);
        bench.measure(&replica, &models[..set]).await;
        let round: Vec<u64> = (0..requests).map(|i| models[i % set]).collect();
        *figure = bench.measure(&replica, &round).await;
        let n = requests as u64;
        let expected = if set > MAX_MODELS {
            Stats { hits: 0, loads: n, evictions: n }
        } else {
            Stats { hits: n, loads: 0, evictions: 0 }
        };
        check(&format!("working set of {set}"), figure, expected);
    }
    let [six, three] = thrash;
    [hit, cold, disk, restart, six, three]
}

/// The figures' names, in the order [`run`] gives them.
const NAMES: [&str; 6] = [
    "cache hit",
    "cold load (access check + download + extract + load + infer)",
    "reload from disk (evicted; access answer trusted)",
    "reload after restart (access check + disk)",
    "round robin over 6 models (LRU thrash)",
    "round robin over 3 models (all hits)",
];

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = number("--runs", 3);
    let hits = number("--hits", 300) as usize;
    let count = number("--models", 8) as usize;
    let requests = number("--requests", 60) as usize;
    let trees = number("--trees", 50);
    if count < 2 * MAX_MODELS {
        fail("--models", format!("{count}: at least {} are needed (the working set of 6)", 2 * MAX_MODELS));
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| fail("this binary's path", e));
    let detector = arg("--detector").map_or_else(|| exe.with_file_name("detector"), PathBuf::from);
    let dir = std::env::temp_dir().join(format!("serve-model-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail("creating the work directory", e));
    let url = start_backend(&dir.join("backend"));
    let (models, request) = setup(&url, &detector, &dir, count, trees).await;
    let zip_kib = std::fs::metadata(dir.join("model.zip")).map_or(0, |m| m.len()) / 1024;
    let http = reqwest::Client::new();
    let bench = Bench { url, detector, models, request, http };

    let mut figures: [Figure; 6] = Default::default();
    for n in 1..=runs {
        let cache = dir.join(format!("run-{n}"));
        for (total, figure) in figures.iter_mut().zip(run(&bench, &cache, hits, requests).await) {
            total.add(figure);
        }
        eprintln!("run {n} of {runs} done");
    }
    println!(
        "# detector serve --max-models {MAX_MODELS}; {count} models (one {zip_kib} KiB zip, {trees} trees); {runs} runs; one keep-alive client on loopback"
    );
    let header = "| figure | requests | p50 ms | p99 ms | requests/s | loads | evictions | hits | backend requests (downloads) |";
    let mut rows = vec![header.to_owned(), "|---|---:|---:|---:|---:|---:|---:|---:|---:|".to_owned()];
    for (name, figure) in NAMES.iter().zip(&figures) {
        let n = figure.ms.len();
        let s = figure.stats;
        rows.push(format!(
            "| {name} | {n} | {:.2} | {:.2} | {:.0} | {} | {} | {} | {} ({}) |",
            quantile(&figure.ms, 0.5),
            quantile(&figure.ms, 0.99),
            n as f64 / figure.wall,
            s.loads,
            s.evictions,
            s.hits,
            figure.backend.0,
            figure.backend.1
        ));
    }
    println!("{}", rows.join("\n"));
    stop_backend();
    let _ = std::fs::remove_dir_all(&dir);
}
