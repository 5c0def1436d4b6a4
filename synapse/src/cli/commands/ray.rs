//! The Ray commands: `worker` (the resident worker of task mode, started by Ray) and `jobs`
//! (status, logs, stop and wait of a submitted job).

use super::interrupts::Interrupts;
use super::{FAILED, OK, USAGE, fail, load_registry, output_sink, runtime};
use crate::cli::{JobsArgs, JobsCommand, WorkerArgs};
use crate::events::{RunId, TerminalGuard};
use crate::executor::{RunError, RunOptions};
use crate::registry::registry;
use tokio_util::sync::CancellationToken;

#[cfg(feature = "ray")]
pub(in crate::cli) fn worker(args: WorkerArgs) -> u8 {
    if let Err(code) = load_registry() {
        return code;
    }
    let var = crate::executor::ray::worker::WORKER_TOKEN_VAR;
    let Ok(token) = std::env::var(var) else {
        eprintln!("error: a worker needs its secret token in the environment variable {var}");
        return USAGE;
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let stop = CancellationToken::new();
    let serving = runtime.block_on(async {
        // Ray stops the worker's job with SIGTERM: the run in flight is cancelled (and rolled
        // back) and its outcome sent before the worker exits.
        match Interrupts::register() {
            Ok(interrupts) => drop(tokio::spawn(interrupts.cancel_on_first(stop.clone()))),
            Err(error) => eprintln!("warning: stopping will not cancel runs gracefully: {error}"),
        }
        crate::executor::ray::worker::serve(args.bind.resolve()?, token, stop).await
    });
    match serving {
        Ok(()) => OK,
        Err(error) => {
            eprintln!("error: {error}");
            FAILED
        }
    }
}

#[cfg(feature = "ray")]
pub(in crate::cli) fn jobs(args: JobsArgs) -> u8 {
    use crate::executor::ray::{RayJob, RayJobExecutor, RayJobsClient};
    let Some(address) = args.ray_address else {
        eprintln!("error: no Ray cluster given: pass --ray-address or set SYNAPSE_RAY_ADDRESS");
        return USAGE;
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let client = match RayJobsClient::new(&address) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return USAGE;
        }
    };
    let client = match &args.ray_token {
        Some(token) => client.with_token(token),
        None => client,
    };
    let plugin = registry().ok().map(|registry| registry.plugin().code);
    let outcome: Result<u8, RunError> = runtime.block_on(async {
        match args.command {
            JobsCommand::List { all } => {
                let mut jobs = client.list().await?;
                // Newest last: by start time, jobs not started yet after all of them.
                jobs.sort_by_key(|job| (job.start_time.is_none(), job.start_time));
                for job in jobs {
                    let ours = job.metadata.get("synapse.plugin").map(String::as_str) == plugin.as_deref();
                    if all || ours {
                        let action = job.metadata.get("synapse.action").map(String::as_str).unwrap_or("-");
                        println!(
                            "{:<10} {:<12} {}",
                            job.status.as_str(),
                            action,
                            job.submission_id.as_deref().unwrap_or("-")
                        );
                    }
                }
                Ok(OK)
            }
            JobsCommand::Status { id } => {
                let details = client.status(&id).await?;
                println!("{}", serde_json::to_string_pretty(&details).unwrap_or_default());
                Ok(OK)
            }
            JobsCommand::Logs { id } => {
                print!("{}", client.logs(&id).await?);
                Ok(OK)
            }
            JobsCommand::Stop { id } => {
                let stopped = client.stop(&id).await?;
                eprintln!("{}", if stopped { "stopped" } else { "the job had already ended" });
                Ok(OK)
            }
            JobsCommand::Wait { id, json } => {
                let details = client.status(&id).await?;
                let action = details.metadata.get("synapse.action").cloned().unwrap_or_default();
                let run_id =
                    details.metadata.get("synapse.run_id").cloned().map(RunId::from).unwrap_or_else(RunId::random);
                let guard = TerminalGuard::new(run_id.clone(), vec![output_sink(json, false, false)]);
                let binary = std::env::current_exe().unwrap_or_default();
                let mut options = RunOptions::default().ray_address(address.clone()).binary(binary).sink(guard.sink());
                options.ray_token.clone_from(&args.ray_token);
                let executor = RayJobExecutor::from_options(options)?;
                let job = RayJob { id, action, run_id };
                match executor.wait(&job, None).await {
                    Ok(result) => {
                        if !json {
                            println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
                        }
                        Ok(OK)
                    }
                    Err(error) => Ok(fail(&guard, error)),
                }
            }
        }
    });
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            FAILED
        }
    }
}
