//! `run`: one action, in any mode, with its params from the command line, its events on the
//! console or as JSON lines, Ctrl-C cancelling it; `--detach` submits a Ray job and returns.

use super::interrupts::Interrupts;
use super::params_input::{ParamsInputError, ParamsSource, read_params};
use super::{OK, fail, output_sink, registry_or_error, runtime};
use crate::cli::RunArgs;
use crate::events::{RunId, TerminalGuard};
use crate::executor::{ExecutionMode, RunError, RunOptions};
use crate::params::ParamsError;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(in crate::cli) fn run(args: RunArgs) -> u8 {
    let sink = output_sink(args.json, args.marked, args.verbose);
    let run_id = args.run_id.as_deref().map(RunId::from).unwrap_or_else(RunId::random);
    let guard = TerminalGuard::new(run_id.clone(), vec![sink]);
    match run_command(args, &guard, run_id) {
        Ok(code) => code,
        Err(error) => fail(&guard, error),
    }
}

fn run_command(args: RunArgs, guard: &Arc<TerminalGuard>, run_id: RunId) -> Result<u8, RunError> {
    let registry = registry_or_error()?;
    let params =
        read_params(ParamsSource::of(args.params_env.as_deref(), &args.params)).map_err(|error| match error {
            ParamsInputError::Unreadable(message) => RunError::Usage(message),
            ParamsInputError::Malformed(violations) => {
                RunError::InvalidParams(ParamsError { action: args.action.clone(), violations })
            }
        })?;
    let descriptor = crate::executor::lookup(registry, &args.action)?;
    if let Some(dir) = args.plugin_dir.as_deref().filter(|dir| !dir.is_dir()) {
        return Err(RunError::Usage(format!(
            "the plugin directory `{}` given with --plugin-dir is not a directory",
            dir.display()
        )));
    }
    let runtime = runtime().map_err(|_| RunError::Infrastructure("cannot start the async runtime".into()))?;
    let plugin = registry.plugin_code_of(descriptor).to_owned();
    // Every setting of the run, from the command line; a detached job takes no sinks.
    let cancel = CancellationToken::new();
    let mut options = RunOptions {
        job_id: args.job_id.clone(),
        run_id: Some(run_id),
        sinks: vec![guard.sink()],
        cancel: Some(cancel.clone()),
        ray_address: args.ray_address.clone(),
        ray_token: args.ray_token.clone(),
        plugin_dir: args.plugin_dir.clone(),
        action_thread: true,
        grace: Some(args.cancel_grace),
        resources: args.resources.resources(),
        worker_bind: args.worker_bind,
        ..RunOptions::default()
    };
    if let Some(path) = &args.env_file {
        options = options.env_file(path).map_err(|error| RunError::Usage(error.to_string()))?;
    }
    // A run with a backend job reports itself to it where its action runs: here in local
    // mode (a child process, a Ray job or worker reports from there).
    #[cfg(feature = "backend")]
    if args.mode == ExecutionMode::Local {
        options = runtime.block_on(options.report_to_job())?;
    }
    #[cfg(not(feature = "backend"))]
    if args.mode == ExecutionMode::Local
        && let Some(job) = &args.job_id
        && std::env::var_os("SYNAPSE_HOST").is_some()
    {
        eprintln!(
            "warning: job `{job}` is not reported to the Synapse backend at $SYNAPSE_HOST: {}",
            crate::features::missing(&["backend"], "to report runs to their backend jobs")
        );
    }
    // A run elsewhere captures what this one would.
    if args.mode != ExecutionMode::Local
        && let Some(filter) = crate::events::capture::installed_filter()
    {
        options = options.env_var("RUST_LOG", filter);
    }
    if args.detach {
        if args.mode != ExecutionMode::Job {
            let mut message =
                format!("--detach is for `--mode job` (a run in `{}` mode ends with this command)", args.mode);
            if cfg!(not(feature = "ray")) {
                message.push_str(&format!("; {}", crate::features::missing(&["ray"], "to use `--mode job`")));
            }
            return Err(RunError::Usage(message));
        }
        #[cfg(not(feature = "ray"))]
        return Err(RunError::mode_without_ray(args.mode));
        #[cfg(feature = "ray")]
        {
            let job = runtime.block_on(crate::executor::submit_plugin(&plugin, descriptor.name(), params, options))?;
            println!("{}", job.id);
            eprintln!("submitted; follow it with `jobs wait {}`, stop it with `jobs stop {}`", job.id, job.id);
            return Ok(OK);
        }
    }
    let outcome = runtime.block_on(async {
        // Registered before the action starts, so an interrupt can never find the default
        // handler (which would kill the process without rollback or a final event).
        match Interrupts::register() {
            Ok(interrupts) => drop(tokio::spawn(interrupts.cancel_on_first_ending(cancel, Some(guard.clone())))),
            Err(error) => eprintln!("warning: Ctrl-C will not cancel this run gracefully: {error}"),
        }
        let outcome = crate::executor::run_plugin_with(&plugin, descriptor.name(), params, args.mode, options).await;
        // A one-shot command has no later runs to keep a resident worker for.
        if let Err(error) = crate::executor::shutdown_workers().await {
            eprintln!("warning: the resident worker could not be stopped: {error}");
        }
        outcome
    });
    runtime.shutdown_background();
    let result = outcome?;
    if !args.json && !args.marked {
        println!("{}", serde_json::to_string_pretty(&result).unwrap_or_else(|_| result.to_string()));
    }
    Ok(OK)
}
