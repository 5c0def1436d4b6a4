//! The serving figures: the trivial model (its answer `{"model": id, "sum": sum(values)}`)
//! behind Ray Serve and behind a plugin binary's `serve`, loaded in turn with the same `wrk`
//! settings from a second process on loopback. Every request carries the SDK's signed model
//! token in `serve_multiplexed_model_id` (HS256, the backend's URL as the secret, as
//! `create_serve_multiplexed_model_id` makes it), verified by the server on every request.
//!
//! - Ray Serve: `bench/serve/ray_serve_app.py` (PyJWT, `@serve.multiplexed`), one replica,
//!   deployed through Serve's REST API on the head `scripts/ray.sh run` starts, which needs
//!   `ray[serve]` (`SYNAPSE_RAY_SERVE=1`) and must run inside that script's namespace, since
//!   Serve's replicas listen on `[::]`;
//! - synapse: `<plugin> serve --bind 127.0.0.1:0 --signed-only --models-dir DIR` (when `--plugin`
//!   is given), with `SYNAPSE_PLUGIN_RUN_HOST` set to the tokens' backend URL, so that it checks
//!   the SDK's tokens. Without `--models-dir`, DIR is a temporary directory holding model 7 as
//!   `7/model.json` = `{"scale": 1.0}`: the model of the `models-plugin` test fixture
//!   (`tests/fixtures/models`), whose answer is `{"model": 7, "sum": 6.0, ...}`.
//!
//! `RAY_SERVE_THROUGHPUT_OPTIMIZED=1` before `scripts/ray.sh run` puts the whole head in Serve's
//! throughput-optimized mode; the table says so.
//!
//! Each side gets a warm-up run, then `--runs` measured runs; the figures are the medians. wrk
//! comes from Debian (`apt-get install -y wrk`; `bench/serve/setup.sh` installs it and Serve).
//!
//! ```text
//! bench/serve/setup.sh
//! cargo build --release -p synapse-bench --bin serve_figures -p synapse-tests --bin models-plugin
//! SYNAPSE_RAY_SERVE=1 ./scripts/ray.sh run -- target/release/serve_figures \
//!     [--plugin target/release/models-plugin [--models-dir DIR] [--plugin-arg ARG]...] [--duration 10s] [--warmup 3s] [--connections 32] \
//!     [--threads 1] [--runs 3] [--serve-port 8000] [--serve-max-ongoing N (default: --connections)] \
//!     [--serve-cpus 1] [--backend-url http://127.0.0.1:8080]
//! ```

use std::path::PathBuf;
use std::time::Duration;
use synapse::serve::{ModelClaims, TokenPolicy};
use synapse_bench::serve::wrk::{self, Load, LoadFigures};
use synapse_bench::serve::{BODY, RayServeApp, Replica, ServeError, probe};

/// The model every request selects.
const MODEL_ID: &str = "7";
/// How long a server may take to answer its first request.
const PROBE_WITHIN: Duration = Duration::from_secs(30);

fn fail(what: &str, error: impl std::fmt::Display) -> ! {
    eprintln!("error: {what}: {error}");
    std::process::exit(1);
}

struct Options {
    plugin: Option<PathBuf>,
    plugin_args: Vec<String>,
    models_dir: Option<PathBuf>,
    duration: Duration,
    warmup: Duration,
    connections: u32,
    threads: u32,
    runs: usize,
    serve_port: u16,
    serve_max_ongoing: Option<u32>,
    serve_cpus: f64,
    backend_url: String,
}

fn parse_options() -> Options {
    let mut options = Options {
        plugin: None,
        plugin_args: Vec::new(),
        models_dir: None,
        duration: Duration::from_secs(10),
        warmup: Duration::from_secs(3),
        connections: 32,
        threads: 1,
        runs: 3,
        serve_port: 8000,
        serve_max_ongoing: None,
        serve_cpus: 1.0,
        backend_url: "http://127.0.0.1:8080".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            fail(&flag, "expects a value (see the doc at the top of serve_figures.rs)")
        };
        fn number<T: std::str::FromStr>(flag: &str, value: &str) -> T {
            value.parse().unwrap_or_else(|_| fail(flag, format!("{value:?} is not a valid number")))
        }
        let duration = |value: &str| {
            humantime::parse_duration(value).unwrap_or_else(|e| fail(&flag, format!("{value:?}: {e} (e.g. 10s)")))
        };
        match flag.as_str() {
            "--plugin" => options.plugin = Some(PathBuf::from(value)),
            "--plugin-arg" => options.plugin_args.push(value),
            "--models-dir" => options.models_dir = Some(PathBuf::from(value)),
            "--duration" => options.duration = duration(&value),
            "--warmup" => options.warmup = duration(&value),
            "--connections" => options.connections = number(&flag, &value),
            "--threads" => options.threads = number(&flag, &value),
            "--runs" => options.runs = number(&flag, &value),
            "--serve-port" => options.serve_port = number(&flag, &value),
            "--serve-max-ongoing" => options.serve_max_ongoing = Some(number(&flag, &value)),
            "--serve-cpus" => options.serve_cpus = number(&flag, &value),
            "--backend-url" => options.backend_url = value,
            _ => fail(&flag, "unknown option (see the doc at the top of serve_figures.rs)"),
        }
    }
    if options.runs == 0 || options.connections == 0 || options.threads == 0 {
        fail("options", "--runs, --connections and --threads must be at least 1");
    }
    if options.duration < Duration::from_secs(1) {
        fail("--duration", "must be at least 1s (wrk counts whole seconds)");
    }
    if let Some(plugin) = &options.plugin
        && !plugin.is_file()
    {
        fail("--plugin", format!("{} is not a file", plugin.display()));
    }
    options
}

/// A warm-up run, then `runs` measured runs; their figures and the medians.
fn measure(side: &str, load: &Load, warmup: Duration, runs: usize) -> (LoadFigures, Vec<LoadFigures>) {
    if !warmup.is_zero() {
        let warm = Load { duration: warmup.max(Duration::from_secs(1)), ..load.clone() };
        wrk::run(&warm).unwrap_or_else(|e| fail(&format!("{side}: warm-up load on {}", load.url), e));
    }
    let figures: Vec<LoadFigures> = (0..runs)
        .map(|run| wrk::run(load).unwrap_or_else(|e| fail(&format!("{side}: load run {} on {}", run + 1, load.url), e)))
        .collect();
    let median = wrk::median(&figures).unwrap_or_else(|| fail(side, "no run"));
    if median.requests == 0 {
        fail(side, format!("no request completed under load on {}", load.url));
    }
    (median, figures)
}

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1e3)
}

fn line(name: &str, median: &LoadFigures, runs: &[LoadFigures]) {
    let each: Vec<String> = runs.iter().map(|r| format!("{:.0}", r.rps)).collect();
    println!(
        "{name}: {:.1} req/s, p50 {}, p90 {}, p99 {}; non-2xx {}, socket errors/timeouts {} (req/s of each run: {})",
        median.rps,
        ms(median.p50_us),
        ms(median.p90_us),
        ms(median.p99_us),
        median.status_errors,
        median.socket_errors,
        each.join(", ")
    );
}

fn row(name: &str, f: &LoadFigures) -> String {
    format!("| {name} | {:.0} | {} | {} | {} |", f.rps, ms(f.p50_us), ms(f.p99_us), f.status_errors + f.socket_errors)
}

#[tokio::main]
async fn main() {
    let options = parse_options();
    let wrk_version = wrk::version().unwrap_or_else(|e| fail("wrk", e));
    let claims = ModelClaims { model: MODEL_ID.into(), token: "bench-user-token".into(), tenant: None, exp: None };
    let header = TokenPolicy::sdk(&options.backend_url).sign(&claims);
    let client =
        reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap_or_else(|e| fail("HTTP client", e));
    let load = |url: String| Load {
        url,
        header: header.clone(),
        body: BODY.into(),
        connections: options.connections,
        threads: options.threads,
        duration: options.duration,
    };
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("serve: {wrk_version}; POST / {BODY} with the SDK's signed serve_multiplexed_model_id (model {MODEL_ID})");
    println!(
        "serve: {} wrk thread(s), {} connections, {} s × {} run(s) after a {} s warm-up, medians; {cpus} CPUs, load average {}",
        options.threads,
        options.connections,
        options.duration.as_secs(),
        options.runs,
        options.warmup.as_secs(),
        loadavg.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );

    // Ray Serve.
    let dashboard = std::env::var("SYNAPSE_RAY_ADDRESS").unwrap_or_else(|_| {
        fail("SYNAPSE_RAY_ADDRESS", "not set: run this inside SYNAPSE_RAY_SERVE=1 scripts/ray.sh run -- ...")
    });
    let ray_version = ray_version(&client, &dashboard).await;
    let app = RayServeApp {
        dashboard,
        port: options.serve_port,
        backend_url: options.backend_url.clone(),
        max_ongoing_requests: options.serve_max_ongoing.unwrap_or(options.connections),
        num_cpus: options.serve_cpus,
    };
    let deployed = async {
        let took = app.deploy(&client).await?;
        let answer = probe(&client, &app.url(), &header, PROBE_WITHIN).await?;
        Ok::<_, ServeError>((took, answer))
    }
    .await;
    let (took, answer) = match deployed {
        Ok(deployed) => deployed,
        Err(error) => {
            let _ = app.shutdown(&client).await;
            fail("Ray Serve", error)
        }
    };
    println!("serve.ray_serve.deploy: PUT → RUNNING {:.1} s; answer {answer}", took.as_secs_f64());
    let (ray, ray_runs) = measure("Ray Serve", &load(app.url()), options.warmup, options.runs);
    line("serve.ray_serve", &ray, &ray_runs);
    app.shutdown(&client).await.unwrap_or_else(|e| fail("Ray Serve shutdown", e));
    // Serve's throughput-optimized mode (no separate user-code thread, gRPC between proxy and
    // replica, direct ingress) is chosen for the whole cluster by its environment.
    let optimized = std::env::var("RAY_SERVE_THROUGHPUT_OPTIMIZED").is_ok_and(|v| v == "1");
    let ray_label = format!(
        "Ray Serve {ray_version} (1 replica, num_cpus {}, max_ongoing_requests {}{})",
        app.num_cpus,
        app.max_ongoing_requests,
        if optimized { ", RAY_SERVE_THROUGHPUT_OPTIMIZED=1" } else { "" }
    );

    // The plugin's server.
    let ours = match &options.plugin {
        None => {
            println!("serve.synapse: skipped (no --plugin)");
            None
        }
        Some(plugin) => {
            let stderr = std::env::temp_dir().join(format!("serve_figures-{}.stderr", std::process::id()));
            // Model 7 of the models fixture, unless the plugin's own models are given.
            let models = tempfile::tempdir().unwrap_or_else(|e| fail("a temporary models directory", e));
            let models_dir = options.models_dir.clone().unwrap_or_else(|| {
                let model = models.path().join(MODEL_ID);
                std::fs::create_dir_all(&model)
                    .and_then(|()| std::fs::write(model.join("model.json"), r#"{"scale": 1.0}"#))
                    .unwrap_or_else(|e| fail(&format!("writing {}", model.display()), e));
                models.path().to_owned()
            });
            let mut args = vec!["--signed-only".to_owned(), "--models-dir".into(), models_dir.display().to_string()];
            args.extend(options.plugin_args.iter().cloned());
            let env = [("SYNAPSE_PLUGIN_RUN_HOST", options.backend_url.as_str())];
            let mut replica = Replica::start(plugin, &args, &env, stderr).unwrap_or_else(|e| fail("synapse serve", e));
            let ready = async {
                let healthz = replica.healthz();
                let response = client.get(&healthz).send().await.map_err(|error| ServeError::Http {
                    method: "GET",
                    url: healthz.clone(),
                    error,
                })?;
                let status = response.status().as_u16();
                if status != 200 {
                    let body = response.text().await.unwrap_or_default();
                    return Err(ServeError::Status { method: "GET", url: healthz, status, body });
                }
                probe(&client, &replica.url(), &header, PROBE_WITHIN).await
            }
            .await;
            let answer = ready.unwrap_or_else(|e| fail("synapse serve", replica.failure(e.to_string())));
            println!("serve.synapse.ready: {} answer {answer}", replica.addr);
            let measured = measure("synapse serve", &load(replica.url()), options.warmup, options.runs);
            line("serve.synapse", &measured.0, &measured.1);
            replica.stop();
            let name = plugin.file_name().map_or_else(|| plugin.display().to_string(), |n| n.to_string_lossy().into());
            Some((name, measured.0))
        }
    };

    println!();
    println!("| server | requests/s | p50 | p99 | errors |");
    println!("|---|---|---|---|---|");
    println!("{}", row(&ray_label, &ray));
    if let Some((name, ours)) = ours {
        println!("{}", row(&format!("synapse serve ({name})"), &ours));
        let p = |ours: u64, ray: u64| ours as f64 / ray.max(1) as f64;
        println!(
            "| synapse ÷ Ray Serve | {:.1}× (goal ≥ 10×) | {:.3}× | {:.3}× (goal ≤ 0.1×) | |",
            ours.rps / ray.rps,
            p(ours.p50_us, ray.p50_us),
            p(ours.p99_us, ray.p99_us)
        );
    }
}

/// The head's Ray version (`GET /api/version`), for the table; `?` when it does not say.
async fn ray_version(client: &reqwest::Client, dashboard: &str) -> String {
    let url = format!("{}/api/version", dashboard.trim_end_matches('/'));
    let version = async { client.get(&url).send().await.ok()?.json::<serde_json::Value>().await.ok() }.await;
    version.and_then(|v| v["ray_version"].as_str().map(str::to_owned)).unwrap_or_else(|| "?".into())
}
