//! `pipeline run|resume --mode job`: the whole pipeline as one Ray job, its events followed
//! until it ends (without the `ray` feature: the error saying so).

use super::super::commands::fail;
#[cfg(feature = "ray")]
use super::super::commands::{OK, interrupts::Interrupts, runtime};
use super::OutputArgs;
use crate::events::{RunId, TerminalGuard};
use crate::executor::RunError;
#[cfg(feature = "ray")]
use crate::executor::RunOptions;
use std::sync::Arc;
#[cfg(feature = "ray")]
use tokio_util::sync::CancellationToken;

/// What to submit to Ray.
#[cfg_attr(not(feature = "ray"), allow(dead_code))]
pub(super) enum Submit {
    Run { pipeline: &'static str, params: serde_json::Value, run_id: RunId, env_vars: Vec<(String, String)> },
    Resume { run_id: String, take_over: bool },
}

/// Runs or resumes a pipeline as one Ray job: without the `ray` feature, says it cannot.
#[cfg(not(feature = "ray"))]
pub(super) fn on_ray(_: &OutputArgs, _: Option<&std::path::Path>, _: Submit, guard: &Arc<TerminalGuard>) -> u8 {
    fail(guard, RunError::pipeline_job_without_ray())
}

/// Runs or resumes a pipeline as one Ray job, following its events until it ends.
#[cfg(feature = "ray")]
pub(super) fn on_ray(
    output: &OutputArgs,
    store: Option<&std::path::Path>,
    submit: Submit,
    guard: &Arc<TerminalGuard>,
) -> u8 {
    use crate::pipeline::RayPipelineExecutor;
    let Some(address) = output.ray_address.as_deref() else {
        return fail(
            guard,
            RunError::ModeUnavailable {
                mode: crate::executor::ExecutionMode::Job,
                reason: "no Ray cluster given: pass `--ray-address URL` or set SYNAPSE_RAY_ADDRESS".to_owned(),
            },
        );
    };
    let binary = match std::env::current_exe() {
        Ok(binary) => binary,
        Err(error) => {
            return fail(guard, RunError::Infrastructure(format!("cannot locate the running plugin binary: {error}")));
        }
    };
    // Every setting of the run, from the command line.
    let cancel = CancellationToken::new();
    let mut options = RunOptions {
        ray_address: Some(address.to_owned()),
        ray_token: output.ray_token.clone(),
        binary: Some(binary),
        plugin_dir: output.plugin_dir.clone(),
        plugin_code: crate::registry::registry().ok().map(|registry| registry.plugin().code.to_owned()),
        resources: output.resources.resources(),
        sinks: vec![guard.sink()],
        cancel: Some(cancel.clone()),
        ..RunOptions::default()
    };
    if let Submit::Run { env_vars, .. } = &submit {
        options.env_vars.clone_from(env_vars);
    }
    let mut executor = match RayPipelineExecutor::from_options(options) {
        Ok(executor) => executor,
        Err(error) => return fail(guard, error),
    };
    if let Some(store) = store {
        match std::path::absolute(store) {
            Ok(store) => executor = executor.with_store(store),
            Err(error) => {
                let message = format!("cannot resolve the run store path `{}`: {error}", store.display());
                return fail(guard, RunError::Usage(message));
            }
        }
    }
    if let Submit::Resume { take_over: true, .. } = &submit {
        executor = executor.with_take_over();
    }
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = runtime.block_on(async {
        if let Ok(interrupts) = Interrupts::register() {
            drop(tokio::spawn(interrupts.cancel_on_first_ending(cancel, Some(guard.clone()))));
        }
        let job = match submit {
            Submit::Run { pipeline, params, run_id, .. } => executor.submit_as(pipeline, params, run_id).await?,
            Submit::Resume { run_id, .. } => executor.resume_from(&run_id).await?,
        };
        eprintln!("Ray job `{}`, run `{}`, run store `{}`", job.id, job.run_id, executor.store().display());
        executor.follow(&job).await
    });
    runtime.shutdown_background();
    match outcome {
        Ok(result) => {
            if !output.json && !output.marked {
                println!("{}", serde_json::to_string_pretty(&result).unwrap_or_default());
            }
            OK
        }
        Err(error) => fail(guard, error),
    }
}
