//! `pipeline run|resume`: the run driven in this process (recording into the run store, Ctrl-C
//! cancelling the action in flight), or handed to `on_ray` for `--mode job`.

use super::super::commands::interrupts::Interrupts;
use super::super::commands::params_input::{ParamsInputError, ParamsSource, read_params};
use super::super::commands::{OK, fail, runtime};
use super::on_ray::{Submit, on_ray};
use super::{OutputArgs, PipelineMode};
use crate::context::PluginEnvironment;
use crate::events::{RunId, TerminalGuard};
use crate::executor::{RunError, RunOptions};
use crate::params::ParamsError;
use crate::pipeline::store::{RunStore, StoreError};
use crate::pipeline::{PipelineError, PipelineOutcome, PipelineRunner};
use crate::registry::Registry;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The run store at `path` (default: [`RunStore::open_default`]), opened to record a run.
fn open(path: Option<&Path>) -> Result<Arc<RunStore>, StoreError> {
    path.map_or_else(RunStore::open_default, RunStore::open).map(Arc::new)
}

/// `pipeline run`.
pub(super) fn run(
    registry: &Registry,
    store: Option<&Path>,
    pipeline: &str,
    params: ParamsSource<'_>,
    run_id: Option<String>,
    env_file: Option<PathBuf>,
    output: &OutputArgs,
) -> u8 {
    let run_id = run_id.map(RunId::from).unwrap_or_else(RunId::random);
    let guard = TerminalGuard::new(run_id.clone(), vec![output.sink()]);
    let Some(descriptor) = registry.pipeline(pipeline) else {
        let available = registry.pipelines().map(|p| p.name.to_owned()).collect();
        return fail_pipeline(&guard, PipelineError::UnknownPipeline { name: pipeline.to_owned(), available });
    };
    let params = match read_params(params) {
        Ok(params) => params,
        Err(ParamsInputError::Unreadable(message)) => return fail(&guard, RunError::Usage(message)),
        Err(ParamsInputError::Malformed(violations)) => {
            let error = ParamsError { action: descriptor.name.to_owned(), violations };
            return fail_pipeline(&guard, PipelineError::InvalidParams(error));
        }
    };
    // The file's values: over this process's environment here, as variables on Ray.
    let with_file = match &env_file {
        Some(path) => RunOptions::default().env_file(path),
        None => Ok(RunOptions::default()),
    };
    let RunOptions { env, env_vars, .. } = match with_file {
        Ok(options) => options,
        Err(error) => return fail(&guard, RunError::Usage(error.to_string())),
    };
    if output.mode == PipelineMode::Job {
        // Checked here: a typo must not cost a Ray job.
        if let Err(error) = descriptor.validate_params(&params) {
            return fail_pipeline(&guard, PipelineError::InvalidParams(error));
        }
        let submit = Submit::Run { pipeline: descriptor.name, params, run_id, env_vars };
        return on_ray(output, store, submit, &guard);
    }
    let here = Here { store, output, guard: &guard, env, take_over: false };
    here.drive(move |runner| async move { runner.run_as(descriptor, params, run_id).await })
}

/// `pipeline resume`.
pub(super) fn resume(store: Option<&Path>, run_id: String, take_over: bool, output: &OutputArgs) -> u8 {
    let guard = TerminalGuard::new(RunId::from(run_id.as_str()), vec![output.sink()]);
    if output.mode == PipelineMode::Job {
        return on_ray(output, store, Submit::Resume { run_id, take_over }, &guard);
    }
    let here = Here { store, output, guard: &guard, env: None, take_over };
    here.drive(move |runner| async move { runner.resume(&run_id).await })
}

/// Ends the pipeline run's stream with `error` (unless it already ended: then it was shown)
/// and returns its exit code.
fn fail_pipeline(guard: &TerminalGuard, error: PipelineError) -> u8 {
    guard.fail(error.report());
    error.exit_code()
}

/// A run in this process: where its store is, how it shows its events, its actions'
/// environment (default: this process's), whether it may take the run over.
struct Here<'a> {
    store: Option<&'a Path>,
    output: &'a OutputArgs,
    guard: &'a Arc<TerminalGuard>,
    env: Option<PluginEnvironment>,
    take_over: bool,
}

impl Here<'_> {
    /// Runs `start` with the runner on a current-thread runtime, Ctrl-C/SIGTERM cancelling the
    /// action in flight (the run stays resumable), and prints the outcome.
    fn drive<F, Fut>(self, start: F) -> u8
    where
        F: FnOnce(PipelineRunner) -> Fut,
        Fut: Future<Output = Result<PipelineOutcome, PipelineError>>,
    {
        let Here { store, output, guard, env, take_over } = self;
        if let Some(error) = output.refuse_resources_here() {
            return fail(guard, error);
        }
        let store = match open(store) {
            Ok(store) => store,
            Err(error) => return fail_pipeline(guard, error.into()),
        };
        let cancel = CancellationToken::new();
        let mut options = RunOptions::default().sink(guard.sink()).action_thread(true).cancel(cancel.clone());
        options.env = env;
        let mut runner = PipelineRunner::from_options(store, options);
        if take_over {
            runner = runner.with_take_over();
        }
        let runtime = match runtime() {
            Ok(runtime) => runtime,
            Err(code) => return code,
        };
        let outcome = runtime.block_on(async {
            match Interrupts::register() {
                Ok(interrupts) => drop(tokio::spawn(interrupts.cancel_on_first_ending(cancel, Some(guard.clone())))),
                Err(error) => eprintln!("warning: Ctrl-C will not cancel this run gracefully: {error}"),
            }
            start(runner).await
        });
        runtime.shutdown_background();
        match outcome {
            Ok(outcome) => {
                if !output.json && !output.marked {
                    println!("{}", serde_json::to_string_pretty(&outcome.result).unwrap_or_default());
                }
                OK
            }
            // The runner ends the run's stream itself; the guard covers what it could not.
            Err(error) => fail_pipeline(guard, error),
        }
    }
}
