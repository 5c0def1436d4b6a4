//! `synapse-dev-backend`: the dev backend as a process, for manual plugin runs against it.
//!
//! Prints one line, `@synapse-dev-backend {"addr":"127.0.0.1:PORT","url":"http://127.0.0.1:PORT/"}`,
//! on stdout once it listens, then serves until SIGINT or SIGTERM.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::pin::Pin;
use std::process::ExitCode;
use synapse_dev_backend::{DevBackend, Error};

/// An embedded Synapse backend (the v1 API subset plugins use: jobs, logs, uploads, models, data,
/// storages, ground truth, projects and tasks, plugins, serve applications) for development and
/// tests.
#[derive(Debug, Parser)]
#[command(name = "synapse-dev-backend", version)]
struct Args {
    /// The loopback address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:0")]
    bind: String,
    /// The directory of the state (an SQLite file); without it the state lives in memory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// The access token clients must send (Synapse-Access-Token, or Authorization).
    #[arg(long, value_name = "TOKEN", env = "SYNAPSE_DEV_BACKEND_TOKEN", hide_env_values = true)]
    token: String,
    /// The plugin-run user token, accepted in Authorization too [default: the access token].
    #[arg(long, value_name = "TOKEN", env = "SYNAPSE_DEV_BACKEND_USER_TOKEN", hide_env_values = true)]
    user_token: Option<String>,
    /// A fixture file to load at start (plugin releases, ground-truth datasets, projects, data
    /// collections); may be given more than once.
    #[arg(long, value_name = "FILE.json")]
    fixture: Vec<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("synapse-dev-backend: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), Error> {
    let mut builder = DevBackend::builder().token(args.token).bind(args.bind);
    if let Some(user_token) = args.user_token {
        builder = builder.user_token(user_token);
    }
    // The S3 phase's bucket, listed as storage 2 (`SYNAPSE_TEST_S3_ENDPOINT` and the AWS variables).
    if let Some(bucket) = synapse_dev_backend::S3Storage::from_env() {
        builder = builder.s3_storage(bucket);
    }
    for file in args.fixture {
        builder = builder.fixture(file);
    }
    builder = match args.data {
        Some(dir) => builder.data_dir(dir),
        None => builder.in_memory(),
    };
    let backend = builder.start().await?;
    // Listening for the signals before the line that says the server is ready: a signal sent as
    // soon as it is read stops the server, not the process.
    let stop = stop_signal();
    let ready = serde_json::json!({ "addr": backend.addr().to_string(), "url": backend.url() });
    let mut stdout = std::io::stdout().lock();
    // A closed stdout must not stop the server: whoever started it may not read the line.
    let _ = writeln!(stdout, "@synapse-dev-backend {ready}").and_then(|()| stdout.flush());
    drop(stdout);
    stop.await;
    backend.shutdown().await
}

/// SIGINT or SIGTERM, listened for from this call on (the returned future only waits).
fn stop_signal() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let (Ok(mut interrupt), Ok(mut terminate)) =
            (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
        {
            return Box::pin(async move {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
        }
    }
    // Without the handlers, SIGINT alone; if even that fails, serve until killed.
    Box::pin(async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}
