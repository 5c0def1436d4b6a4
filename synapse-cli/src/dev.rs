//! `synapse dev`: the dev backend (`synapse-dev-backend`) in this process, with a seeded
//! workspace (a storage, a data collection, a ground-truth dataset version, a project with
//! tasks) and its web console, and the environment a plugin run needs to report to it, printed
//! as `export` lines on stdout; serves until Ctrl-C.

use crate::error::CliError;
use serde_json::{Value, json};
use std::path::PathBuf;
use synapse_dev_backend::{DevBackend, RunningDevBackend};

/// `synapse dev`'s arguments.
#[derive(Debug, clap::Args)]
pub struct DevArgs {
    /// The loopback address to listen on.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8000")]
    bind: String,
    /// Keep the state in this directory (an SQLite file and media) instead of in memory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The access token runs send (SYNAPSE_ACCESS_TOKEN).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SYNAPSE_DEV_BACKEND_TOKEN",
        default_value = "synapse-dev",
        hide_env_values = true
    )]
    token: String,
    /// Start with nothing seeded.
    #[arg(long)]
    no_seed: bool,
}

/// Starts the dev backend, seeds it, prints the environment, and serves until Ctrl-C.
///
/// # Errors
/// The backend cannot start (the address is taken, the data directory cannot be opened), or a
/// seed fails.
pub fn run(args: DevArgs) -> Result<(), CliError> {
    let runtime = tokio::runtime::Runtime::new().map_err(CliError::io("starting the runtime for", "synapse dev"))?;
    runtime.block_on(serve(args))
}

async fn serve(args: DevArgs) -> Result<(), CliError> {
    let mut builder = DevBackend::builder().token(args.token.clone()).bind(args.bind);
    builder = match args.data {
        Some(dir) => builder.data_dir(dir),
        None => builder.in_memory(),
    };
    let backend = builder.start().await?;
    let url = backend.url().to_owned();
    if !args.no_seed {
        let seeded = seed(&backend, &args.token).await?;
        eprintln!("seeded: {seeded}");
    }
    eprintln!("dev backend at {url}; its console: {url}console/");
    eprintln!("a job for a run to report to: `curl -X POST {url}_dev/jobs` (its id for `--job-id`)");
    eprintln!("the environment of a run that reports to it:");
    println!("export SYNAPSE_HOST={url}");
    println!("export SYNAPSE_ACCESS_TOKEN={}", args.token);
    eprintln!("serving until Ctrl-C (or SIGTERM)");
    stopped().await;
    backend.shutdown().await?;
    Ok(())
}

/// When Ctrl-C (SIGINT) or SIGTERM arrives: either stops the backend the same way, so that an
/// in-memory backend's temporary media directory is removed.
async fn stopped() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// `GET path` of the backend, as JSON.
async fn get(backend: &RunningDevBackend, token: &str, path: &str) -> Result<Value, CliError> {
    let failed =
        |reason: String| CliError::Command { command: format!("GET /{path}"), dir: ".".into(), outcome: reason };
    let response = reqwest::Client::new()
        .get(format!("{}{path}", backend.url()))
        .header("Synapse-Access-Token", token)
        .send()
        .await
        .map_err(|error| failed(error.to_string()))?;
    response
        .error_for_status()
        .map_err(|error| failed(error.to_string()))?
        .json()
        .await
        .map_err(|error| failed(error.to_string()))
}

/// The seeded workspace, said in one line.
async fn seed(backend: &RunningDevBackend, token: &str) -> Result<String, CliError> {
    let http = reqwest::Client::new();
    let post = |path: &'static str, body: Value| {
        let request = http.post(format!("{}{path}", backend.url())).header("Synapse-Access-Token", token).json(&body);
        async move {
            let failed = |reason: String| CliError::Command {
                command: format!("POST /{path}"),
                dir: ".".into(),
                outcome: reason,
            };
            let response = request.send().await.map_err(|error| failed(error.to_string()))?;
            let status = response.status();
            let text = response.text().await.map_err(|error| failed(error.to_string()))?;
            if !status.is_success() {
                return Err(failed(format!("answered {status}: {text}")));
            }
            serde_json::from_str::<Value>(&text).map_err(|error| failed(format!("answered no JSON: {error}")))
        }
    };
    let collection = post(
        "_dev/data_collections",
        json!({"name": "images", "file_specifications": [
            {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true},
            {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
        ]}),
    )
    .await?;
    let classes = json!(["car", "person"]);
    let dataset = post(
        "_dev/seed/gt_dataset",
        json!({"seed": 1, "classes": classes, "splits": {"train": 8, "validation": 4}, "name": "street scenes"}),
    )
    .await?;
    let project =
        post("_dev/seed/project", json!({"seed": 1, "classes": classes, "tasks": 6, "with_labels": true})).await?;
    let id = |value: &Value| value.as_u64().map_or_else(|| "?".to_owned(), |id| id.to_string());
    let storage = get(backend, token, "storages/1/").await?;
    let location = storage["configuration"]["location"].as_str().unwrap_or("?").to_owned();
    Ok(format!(
        "storage 1 (file_system at {location}: an upload's folder is read, and an export written, inside it); \
         data collection {} (image_1, data_meta_1); ground-truth dataset version {} (12 images of car, \
         person: train 8, validation 4); project {} ({} tasks, data collection {}, YOLO labels in label_1)",
        id(&collection["id"]),
        id(&dataset["ground_truth_dataset_version"]),
        id(&project["project"]),
        project["tasks"].as_array().map_or(0, Vec::len),
        id(&project["data_collection"]),
    ))
}
