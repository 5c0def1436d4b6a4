//! The job contract's figures: one event sequence reported to a backend job by synapse's
//! `JobSink` and by the Python SDK's `JobLogger`, against the same dev backend in the same run.
//!
//! The sequence (both sides, `bench/peer/job_logger.py` for Python): N iterations of
//! `set_progress(i, N)` and one log entry `iteration {i, loss}`, with `set_metrics` every tenth
//! of the run, then the end of the run (the sink's final delivery; the logger's `finish()`).
//! Each side runs as a child process of this harness (reaped with `wait4(2)` for its CPU time and
//! peak memory) against a dev backend served by this process on loopback, its state in a
//! temporary SQLite file. Four scenarios:
//!
//! 1. **steady**: flat out; events/s over the sequence (2 events an iteration), the PATCHes and
//!    POSTs it took, the CPU time of the sequence (each side measures its own) and of the whole
//!    process (Python's includes starting the interpreter and importing the SDK);
//! 2. **sustained**: paced at 2,000 iterations/s for 10 s; the PATCHes it took (at most one a
//!    second for the records, plus RUNNING and the final status);
//! 3. **5 % failing**: every 20th API request answered 503; entries delivered;
//! 4. **10 s outage**: paced at 500 iterations/s for 20 s, the backend shut down 5 s in and started
//!    again (same port, same state) 10 s later; entries delivered, the job's loss report, memory.
//!
//! ```text
//! cargo build --release -p synapse-bench --bin job_sink_figures
//! target/release/job_sink_figures [--iterations 20000] [--runs 3] [--python .venv/sdk/bin/python]
//! ```

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::LocalExecutor;
use synapse::backend::{BackendClient, BackendConfig, JobSink};
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse_bench::child::{median, own_cpu, own_peak_rss_kib, reap, stats};
use synapse_dev_backend::{DevBackend, RunningDevBackend};

const TOKEN: &str = "bench-token";
/// Iterations per second of the sustained scenario, and how many (10 s).
const SUSTAINED_PACE: f64 = 2000.0;
const SUSTAINED_ITERATIONS: u64 = 20_000;
/// Iterations per second in the outage scenario, and how many (20 s).
const OUTAGE_PACE: f64 = 500.0;
const OUTAGE_ITERATIONS: u64 = 10_000;

/// What the emitting action is asked.
#[params]
pub struct EmitParams {
    /// Iterations.
    pub iterations: u64,
    /// Iterations per second; 0 for flat out.
    #[serde(default)]
    pub pace: f64,
}

/// The sequence, as an action.
#[action]
pub struct Emit;

impl Action for Emit {
    type Params = EmitParams;
    type Output = Value;

    async fn execute(&self, params: EmitParams, ctx: &Context) -> Result<Value> {
        let every = (params.iterations / 10).max(1);
        let start = tokio::time::Instant::now();
        for i in 1..=params.iterations {
            ctx.set_progress(i, params.iterations);
            ctx.log("iteration", json!({"i": i, "loss": 1.0 / i as f64}));
            if i % every == 0 {
                ctx.set_metrics(metrics! { loss: 1.0 / i as f64, iteration: i }, "train");
            }
            if params.pace > 0.0 {
                tokio::time::sleep_until(start + Duration::from_secs_f64(i as f64 / params.pace)).await;
            }
        }
        Ok(json!({}))
    }
}

/// The Rust side, in the child: `job_sink_figures client URL JOB ITERATIONS PACE`.
fn client(args: &[String]) -> Result<(), String> {
    let [url, job, iterations, pace] = args else { return Err("client URL JOB ITERATIONS PACE".into()) };
    let iterations: u64 = iterations.parse().map_err(|_| format!("iterations: {iterations}"))?;
    let pace: f64 = pace.parse().map_err(|_| format!("pace: {pace}"))?;
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let config = BackendConfig::new(url, TOKEN).map_err(|error| error.to_string())?;
        let backend = BackendClient::new(config).map_err(|error| error.to_string())?;
        let sink = Arc::new(JobSink::new(backend, job.clone()));
        let executor = LocalExecutor::from_options(RunOptions::default().job_id(job.clone()).sink(sink.clone()));
        let cpu = own_cpu().map_err(|error| error.to_string())?;
        let start = Instant::now();
        executor
            .execute_action(Emit::descriptor(), json!({"iterations": iterations, "pace": pace}))
            .await
            .map_err(|error| error.to_string())?;
        let sequence = start.elapsed().as_secs_f64();
        let cpu = (own_cpu().map_err(|error| error.to_string())? - cpu).as_secs_f64();
        let peak = own_peak_rss_kib();
        eprintln!("{}", json!({"sequence_s": sequence, "cpu_s": cpu, "peak_rss_kib": peak, "loss": sink.loss()}));
        Ok(())
    })
}

/// One side's run, as the harness saw it.
struct Run {
    /// The sequence, from its first event to its last delivery, as the child measured it.
    sequence_s: f64,
    /// The CPU time of the sequence, as the child measured it.
    sequence_cpu_s: f64,
    /// The whole child process.
    process_cpu_s: f64,
    /// Its peak memory, as it measured it (`VmHWM`: `wait4`'s figure would count this
    /// harness's own image, which the child started as).
    peak_rss_mib: f64,
    /// Entries of the sequence the backend holds for the job.
    delivered: u64,
    patches: u64,
    log_posts: u64,
    /// The job's `meta.joblog_loss`, if it reported one.
    reported_loss: Value,
}

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Synapse,
    Python,
}

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Synapse => "synapse JobSink",
            Side::Python => "Python JobLogger",
        }
    }
}

struct Harness {
    http: reqwest::Client,
    python: PathBuf,
    script: PathBuf,
    scratch: tempfile::TempDir,
}

impl Harness {
    async fn dev(
        &self,
        backend_url: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{backend_url}{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|error| format!("{path}: {error}"))?;
        response.json().await.map_err(|error| format!("{path}: {error}"))
    }

    /// Runs `side` on a new job; `during` runs meanwhile (the outage).
    async fn run<F: std::future::Future<Output = Result<(), String>>>(
        &self,
        url: &str,
        side: Side,
        iterations: u64,
        pace: f64,
        during: impl FnOnce() -> F,
    ) -> Result<Run, String> {
        let job_id = self.dev(url, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await?["id"].as_u64();
        let job_id = job_id.ok_or("the new job has no id")?;
        let job = job_id.to_string();
        let before = self.dev(url, reqwest::Method::GET, "_dev/state", None).await?;
        let stderr_path = self.scratch.path().join("stderr");
        let stderr = std::fs::File::create(&stderr_path).map_err(|error| error.to_string())?;
        let mut command = match side {
            Side::Synapse => {
                let mut command = Command::new(std::env::current_exe().map_err(|error| error.to_string())?);
                command.arg("client").arg(url).arg(&job);
                command
            }
            Side::Python => {
                let mut command = Command::new(&self.python);
                command.arg(&self.script).arg(url).arg(TOKEN).arg(&job);
                command.env("PYTHONWARNINGS", "ignore");
                command
            }
        };
        command.arg(iterations.to_string()).arg(pace.to_string());
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|error| format!("starting {}: {error}", side.name()))?;
        let pid = child.id();
        let reaper = tokio::task::spawn_blocking(move || reap(pid));
        during().await?;
        let (status, usage) =
            reaper.await.map_err(|error| error.to_string())?.map_err(|error| format!("wait4: {error}"))?;
        let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        if status != 0 {
            return Err(format!("{} exited with wait status {status}: {said}", side.name()));
        }
        let line = said
            .lines()
            .rev()
            .find(|line| line.starts_with('{'))
            .ok_or(format!("{}: no figures: {said}", side.name()))?;
        let figures: Value = serde_json::from_str(line).map_err(|error| format!("{line}: {error}"))?;
        let after = self.dev(url, reqwest::Method::GET, "_dev/state", None).await?;
        let count = |state: &Value, route: &str| state["requests"][route].as_u64().unwrap_or(0);
        let record = after["jobs"].as_array().and_then(|jobs| jobs.iter().find(|j| j["id"] == job_id));
        let record = record.ok_or(format!("job {job} is not in the state"))?;
        let delivered = after["logs"]
            .as_array()
            .map(|logs| logs.iter().filter(|l| l["job"] == job_id && l["event"] == "iteration").count())
            .unwrap_or(0);
        Ok(Run {
            sequence_s: figures["sequence_s"].as_f64().unwrap_or(f64::NAN),
            sequence_cpu_s: figures["cpu_s"].as_f64().unwrap_or(f64::NAN),
            process_cpu_s: usage.cpu.as_secs_f64(),
            peak_rss_mib: figures["peak_rss_kib"].as_f64().unwrap_or(f64::NAN) / 1024.0,
            delivered: delivered as u64,
            patches: record["patches"].as_array().map_or(0, |p| p.len() as u64),
            log_posts: count(&after, "POST /logs/") - count(&before, "POST /logs/"),
            reported_loss: record["meta"]["joblog_loss"].clone(),
        })
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

async fn start(data: &Path, bind: &str) -> Result<RunningDevBackend, String> {
    DevBackend::builder().token(TOKEN).data_dir(data).bind(bind).start().await.map_err(|error| error.to_string())
}

fn summary(side: Side, runs: &[Run], iterations: u64) {
    let events = (2 * iterations + 10) as f64;
    let rates: Vec<f64> = runs.iter().map(|r| events / r.sequence_s).collect();
    let cpu: Vec<f64> = runs.iter().map(|r| r.sequence_cpu_s * 1e3).collect();
    let process: Vec<f64> = runs.iter().map(|r| r.process_cpu_s * 1e3).collect();
    let rss: Vec<f64> = runs.iter().map(|r| r.peak_rss_mib).collect();
    let patch_rate: Vec<f64> = runs.iter().map(|r| r.patches as f64 / r.sequence_s).collect();
    println!("{}.events_per_s: {}", side.name(), stats(&rates, "events/s", 0));
    println!("{}.sequence_cpu: {}", side.name(), stats(&cpu, "ms", 1));
    println!("{}.process_cpu: {}", side.name(), stats(&process, "ms", 1));
    println!("{}.peak_rss: {}", side.name(), stats(&rss, "MiB", 1));
    println!("{}.patches_per_s: {}", side.name(), stats(&patch_rate, "PATCH/s", 2));
    for run in runs {
        println!(
            "{}.run: {:.3} s, delivered {}/{iterations}, {} PATCHes, {} POST logs/",
            side.name(),
            run.sequence_s,
            run.delivered,
            run.patches,
            run.log_posts
        );
    }
}

async fn harness(args: &[String]) -> Result<(), String> {
    let iterations: u64 = arg(args, "--iterations").map_or(Ok(20_000), |n| n.parse()).map_err(|_| "--iterations")?;
    let runs: usize = arg(args, "--runs").map_or(Ok(3), |n| n.parse()).map_err(|_| "--runs")?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = arg(args, "--python").map_or_else(|| root.join(".venv/sdk/bin/python"), PathBuf::from);
    if !python.exists() {
        return Err(format!("{} is missing: `scripts/python-sdk.sh install` makes it", python.display()));
    }
    let harness = Harness {
        http: reqwest::Client::builder().no_proxy().build().map_err(|error| error.to_string())?,
        python,
        script: root.join("bench/peer/job_logger.py"),
        scratch: tempfile::tempdir().map_err(|error| error.to_string())?,
    };
    let data = harness.scratch.path().join("backend");
    let backend = start(&data, "127.0.0.1:0").await?;
    let url = backend.url().to_owned();
    let addr = backend.addr().to_string();
    println!(
        "# {} iterations a run ({} events), {runs} runs a side, dev backend at {url}",
        iterations,
        2 * iterations + 10
    );

    println!("## steady");
    let mut medians = Vec::new();
    for side in [Side::Synapse, Side::Python] {
        let mut results = Vec::new();
        for _ in 0..runs {
            results.push(harness.run(&url, side, iterations, 0.0, || async { Ok(()) }).await?);
        }
        summary(side, &results, iterations);
        let rate = median(&results.iter().map(|r| (2 * iterations + 10) as f64 / r.sequence_s).collect::<Vec<_>>());
        let cpu = median(&results.iter().map(|r| r.sequence_cpu_s).collect::<Vec<_>>());
        medians.push((rate, cpu));
    }
    println!(
        "ratio.events_per_s (synapse / Python): {:.1}x; ratio.sequence_cpu (Python / synapse): {:.1}x",
        medians[0].0 / medians[1].0,
        medians[1].1 / medians[0].1
    );

    println!("## sustained: {SUSTAINED_ITERATIONS} iterations at {SUSTAINED_PACE} a second (10 s)");
    for side in [Side::Synapse, Side::Python] {
        let run = harness.run(&url, side, SUSTAINED_ITERATIONS, SUSTAINED_PACE, || async { Ok(()) }).await?;
        println!(
            "{}: {} PATCHes in {:.1} s ({:.2} a second, RUNNING and the final status included), {} POST logs/, \
             delivered {}/{SUSTAINED_ITERATIONS}, sequence CPU {:.0} ms",
            side.name(),
            run.patches,
            run.sequence_s,
            run.patches as f64 / run.sequence_s,
            run.log_posts,
            run.delivered,
            run.sequence_cpu_s * 1e3
        );
    }

    println!("## 5 % of requests failing (every 20th API request answered 503)");
    let fault = json!({"method": "*", "path_glob": "/**", "every": 20, "status": 503});
    for side in [Side::Synapse, Side::Python] {
        harness.dev(&url, reqwest::Method::POST, "_dev/faults", Some(fault.clone())).await?;
        let run = harness.run(&url, side, iterations, 0.0, || async { Ok(()) }).await?;
        let faults = harness.dev(&url, reqwest::Method::DELETE, "_dev/faults", None).await?;
        println!(
            "{}: delivered {}/{iterations} ({} lost), {:.3} s, job's loss report {}; {faults}",
            side.name(),
            run.delivered,
            iterations - run.delivered,
            run.sequence_s,
            run.reported_loss
        );
    }

    println!("## a 10 s outage (backend stopped 5 s into a 20 s run at {OUTAGE_PACE} iterations/s)");
    let mut backend = Some(backend);
    for side in [Side::Synapse, Side::Python] {
        let slot = &mut backend;
        let (data, addr) = (&data, &addr);
        let run = harness
            .run(&url, side, OUTAGE_ITERATIONS, OUTAGE_PACE, || async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                if let Some(running) = slot.take() {
                    running.shutdown().await.map_err(|error| error.to_string())?;
                }
                tokio::time::sleep(Duration::from_secs(10)).await;
                *slot = Some(start(data, addr).await?);
                Ok(())
            })
            .await?;
        let loss = &run.reported_loss;
        let accounted = ["dropped", "rejected", "unsent"].iter().map(|k| loss[*k].as_u64().unwrap_or(0)).sum::<u64>();
        let unconfirmed = loss["unconfirmed"].as_u64().unwrap_or(0);
        let missing = OUTAGE_ITERATIONS - run.delivered;
        let exact = missing >= accounted && missing <= accounted + unconfirmed;
        println!(
            "{}: delivered {}/{OUTAGE_ITERATIONS} ({missing} missing), the job's loss report {loss} ({}), \
             sequence {:.1} s, {} PATCHes, peak RSS {:.1} MiB",
            side.name(),
            run.delivered,
            if loss.is_null() {
                "none".to_owned()
            } else if exact {
                "exact".to_owned()
            } else {
                "NOT exact".to_owned()
            },
            run.sequence_s,
            run.patches,
            run.peak_rss_mib
        );
    }
    if let Some(backend) = backend {
        backend.shutdown().await.map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = if args.first().map(String::as_str) == Some("client") {
        client(&args[1..])
    } else {
        match tokio::runtime::Runtime::new() {
            Ok(runtime) => runtime.block_on(harness(&args)),
            Err(error) => Err(error.to_string()),
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("job_sink_figures: {error}");
            ExitCode::FAILURE
        }
    }
}
