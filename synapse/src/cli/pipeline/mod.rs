//! `plugin pipeline list|run|resume|status|runs`: pipelines and their recorded runs. A local
//! run is driven here; a run on Ray is in `on_ray`, the store's records in `records`.

#[cfg(feature = "store")]
mod on_ray;
#[cfg(feature = "store")]
mod records;

#[cfg(feature = "store")]
use on_ray::{Submit, on_ray};
#[cfg(feature = "store")]
use records::{runs, status};

#[cfg(feature = "store")]
use super::commands::interrupts::Interrupts;
#[cfg(feature = "store")]
use super::commands::params_input::{ParamsInputError, ParamsSource, read_params};
#[cfg(feature = "store")]
use super::commands::{FAILED, fail, runtime};
use super::commands::{OK, load_registry};
#[cfg(feature = "store")]
use crate::context::PluginEnvironment;
use crate::events::EventSink;
use crate::events::sink::{ConsoleSink, JsonLinesSink};
#[cfg(feature = "store")]
use crate::events::{RunId, TerminalGuard};
#[cfg(feature = "store")]
use crate::executor::{RunError, RunOptions};
#[cfg(feature = "store")]
use crate::params::ParamsError;
#[cfg(feature = "store")]
use crate::pipeline::store::{RunStore, StoreError};
#[cfg(feature = "store")]
use crate::pipeline::{PipelineError, PipelineOutcome, PipelineRunner};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;
#[cfg(feature = "store")]
use tokio_util::sync::CancellationToken;

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "store"), allow(dead_code))]
pub(super) struct PipelineArgs {
    /// The run store (SQLite) [default: .synapse/runs.db].
    #[arg(long, env = "SYNAPSE_RUN_STORE", value_name = "PATH", global = true)]
    store: Option<PathBuf>,
    #[command(subcommand)]
    command: PipelineCommand,
}

#[derive(Subcommand, Debug)]
#[cfg_attr(not(feature = "store"), allow(dead_code))]
enum PipelineCommand {
    /// The pipelines: their actions in order, and the params a run starts with.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Start a run of a pipeline.
    Run {
        /// The pipeline.
        pipeline: String,
        /// The initial params: inline JSON, `@path/to/file.json`, or `-` for standard input.
        #[arg(long, short, default_value = "{}", conflicts_with = "params_env")]
        params: String,
        /// Read the params (JSON) from this environment variable instead.
        #[arg(long, value_name = "VAR")]
        params_env: Option<String>,
        /// The run id (default: a fresh one).
        #[arg(long, value_name = "ID")]
        run_id: Option<String>,
        /// A TOML file whose values are added to the actions' environment.
        #[arg(long)]
        env_file: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Continue an interrupted run from its last checkpoint (completed actions are skipped).
    Resume {
        /// The run id.
        run_id: String,
        /// Take the run over even though another process claims it. A holder on this host that
        /// died is taken over without this, and one on another host 30 s after its last
        /// heartbeat; use this only when you know the holder is dead.
        #[arg(long)]
        take_over: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// A run's state: its status and each action's, with results, as JSON.
    Status {
        /// The run id.
        run_id: String,
        /// Also print the run's recorded events.
        #[arg(long)]
        events: bool,
    },
    /// The recorded runs, newest first.
    Runs {
        /// Only this pipeline's runs.
        #[arg(long)]
        pipeline: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Where a pipeline run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum PipelineMode {
    /// In this process.
    Local,
    /// As one Ray job (the run store must be at a path the cluster shares).
    Job,
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "store"), allow(dead_code))]
struct OutputArgs {
    /// Where to run: here (`local`) or as one Ray job (`job`).
    #[arg(long, value_enum, default_value_t = PipelineMode::Local)]
    mode: PipelineMode,
    /// The Ray dashboard, for `--mode job`.
    #[arg(long, env = "SYNAPSE_RAY_ADDRESS", value_name = "URL")]
    ray_address: Option<String>,
    /// The plugin directory shipped to Ray with the binary (default: the crate directory the
    /// binary was built from).
    #[arg(long, value_name = "DIR")]
    plugin_dir: Option<PathBuf>,
    /// Write events as JSON lines on standard output (the last line is the result or error).
    #[arg(long)]
    json: bool,
    /// Like `--json`, with every line prefixed by a marker (for output shared with other
    /// programs, like Ray job logs).
    #[arg(long)]
    marked: bool,
    /// Also show debug lines and developer events.
    #[arg(long, short)]
    verbose: bool,
    #[command(flatten)]
    resources: super::resources::ResourceArgs,
}

#[cfg_attr(not(feature = "store"), allow(dead_code))]
impl OutputArgs {
    /// A local run asks Ray for nothing: resources given with `--mode local` are a usage error.
    #[cfg(feature = "store")]
    fn refuse_resources_here(&self) -> Option<RunError> {
        let resources = self.resources.resources();
        (self.mode == PipelineMode::Local && !resources.is_empty())
            .then(|| RunError::resources_off_ray(&resources, "local", "`--mode job`"))
    }

    fn sink(&self) -> Arc<dyn EventSink> {
        if self.marked {
            Arc::new(JsonLinesSink::stdout().marked())
        } else if self.json {
            Arc::new(JsonLinesSink::stdout())
        } else {
            Arc::new(ConsoleSink::stderr().verbose(self.verbose))
        }
    }
}

pub(super) fn command(args: PipelineArgs) -> u8 {
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    // Opened only by the commands that read or write it here (a Ray job opens its own).
    #[cfg(feature = "store")]
    let open_store = || args.store.as_deref().map_or_else(RunStore::open_default, RunStore::open).map(Arc::new);
    // The store's file, when it does not exist.
    #[cfg(feature = "store")]
    let missing_store = || {
        let path = args.store.clone().unwrap_or_else(RunStore::default_path);
        (!path.exists()).then_some(path)
    };
    #[cfg(feature = "store")]
    let store = || {
        open_store().map_err(|error| {
            eprintln!("error: {error}");
            FAILED
        })
    };
    match args.command {
        PipelineCommand::List { json } => list(registry, json),
        #[cfg(not(feature = "store"))]
        command => without_store(&command),
        #[cfg(feature = "store")]
        PipelineCommand::Run { pipeline, params, params_env, run_id, env_file, output } => {
            let run_id = run_id.map(RunId::from).unwrap_or_else(RunId::random);
            let guard = TerminalGuard::new(run_id.clone(), vec![output.sink()]);
            let Some(descriptor) = registry.pipeline(&pipeline) else {
                let available = registry.pipelines().map(|p| p.name.to_owned()).collect();
                return fail_pipeline(&guard, PipelineError::UnknownPipeline { name: pipeline, available });
            };
            let params = match read_params(ParamsSource::of(params_env.as_deref(), &params)) {
                Ok(params) => params,
                Err(ParamsInputError::Unreadable(message)) => return fail(&guard, RunError::Usage(message)),
                Err(ParamsInputError::Malformed(violations)) => {
                    let error = ParamsError { action: descriptor.name.to_owned(), violations };
                    return fail_pipeline(&guard, PipelineError::InvalidParams(error));
                }
            };
            let file_env = match env_file.map(PluginEnvironment::from_file).transpose() {
                Ok(file_env) => file_env,
                Err(error) => return fail(&guard, RunError::Usage(error.to_string())),
            };
            if output.mode == PipelineMode::Job {
                // Checked here: a typo must not cost a Ray job.
                if let Err(error) = descriptor.validate_params(&params) {
                    return fail_pipeline(&guard, PipelineError::InvalidParams(error));
                }
                let env_vars = file_env.map(|env| env.to_vars()).unwrap_or_default();
                let submit = Submit::Run { pipeline: descriptor.name, params, run_id, env_vars };
                return on_ray(&output, args.store.as_deref(), submit, &guard);
            }
            if let Some(error) = output.refuse_resources_here() {
                return fail(&guard, error);
            }
            let store = match open_store() {
                Ok(store) => store,
                Err(error) => return fail_pipeline(&guard, error.into()),
            };
            let cancel = CancellationToken::new();
            let mut options = RunOptions::default().sink(guard.sink()).action_thread(true).cancel(cancel.clone());
            if let Some(file_env) = file_env {
                options = options.env(crate::executor::LocalExecutor::new().env().merge(&file_env));
            }
            let runner = PipelineRunner::from_options(store, options);
            drive(runner, cancel, &guard, output.json || output.marked, move |runner| async move {
                runner.run_as(descriptor, params, run_id).await
            })
        }
        #[cfg(feature = "store")]
        PipelineCommand::Resume { run_id, take_over, output } => {
            let guard = TerminalGuard::new(RunId::from(run_id.as_str()), vec![output.sink()]);
            if output.mode == PipelineMode::Job {
                return on_ray(&output, args.store.as_deref(), Submit::Resume { run_id, take_over }, &guard);
            }
            if let Some(error) = output.refuse_resources_here() {
                return fail(&guard, error);
            }
            let store = match open_store() {
                Ok(store) => store,
                Err(error) => return fail_pipeline(&guard, error.into()),
            };
            let cancel = CancellationToken::new();
            let options = RunOptions::default().sink(guard.sink()).action_thread(true).cancel(cancel.clone());
            let mut runner = PipelineRunner::from_options(store, options);
            if take_over {
                runner = runner.with_take_over();
            }
            drive(runner, cancel, &guard, output.json || output.marked, move |runner| async move {
                runner.resume(&run_id).await
            })
        }
        #[cfg(feature = "store")]
        PipelineCommand::Status { run_id, events } => {
            // Reading never creates a store.
            if let Some(path) = missing_store() {
                eprintln!("error: {}", StoreError::UnknownRun { run_id, store: Some(path) });
                return FAILED;
            }
            let store = match store() {
                Ok(store) => store,
                Err(code) => return code,
            };
            status(&store, run_id, events)
        }
        #[cfg(feature = "store")]
        PipelineCommand::Runs { pipeline, limit, json } => {
            // Reading never creates a store: without one, nothing was recorded.
            if let Some(path) = missing_store() {
                if json {
                    println!("[]");
                } else {
                    eprintln!("no runs recorded: there is no run store at `{}`", path.display());
                }
                return OK;
            }
            let store = match store() {
                Ok(store) => store,
                Err(code) => return code,
            };
            runs(&store, pipeline.as_deref(), limit, json)
        }
    }
}

/// A pipeline command that needs the run store, in a build without it: names what is missing
/// (`ray` too, for a run on Ray without it).
#[cfg(not(feature = "store"))]
fn without_store(command: &PipelineCommand) -> u8 {
    let on_ray = matches!(
        command,
        PipelineCommand::Run { output, .. } | PipelineCommand::Resume { output, .. } if output.mode == PipelineMode::Job
    );
    if on_ray && cfg!(not(feature = "ray")) {
        return super::without(&["store", "ray"], "to use `pipeline run|resume --mode job`");
    }
    super::without(&["store"], "to run pipelines and read their recorded runs (`pipeline run|resume|status|runs`)")
}

/// Ends the pipeline run's stream with `error` (unless it already ended: then it was shown)
/// and returns its exit code.
#[cfg(feature = "store")]
fn fail_pipeline(guard: &TerminalGuard, error: PipelineError) -> u8 {
    guard.fail(error.report());
    error.exit_code()
}

/// Runs `start` on a current-thread runtime with Ctrl-C/SIGTERM firing `cancel` (the
/// runner's token: the action in flight is cancelled, the run stays resumable), and prints the
/// outcome.
#[cfg(feature = "store")]
fn drive<F, Fut>(
    runner: PipelineRunner,
    cancel: CancellationToken,
    guard: &Arc<TerminalGuard>,
    json: bool,
    start: F,
) -> u8
where
    F: FnOnce(PipelineRunner) -> Fut,
    Fut: Future<Output = Result<PipelineOutcome, PipelineError>>,
{
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
            if !json {
                println!("{}", serde_json::to_string_pretty(&outcome.result).unwrap_or_default());
            }
            OK
        }
        // The runner ends the run's stream itself; the guard covers what it could not.
        Err(error) => fail_pipeline(guard, error),
    }
}

fn list(registry: &crate::registry::Registry, json: bool) -> u8 {
    if json {
        let pipelines: Vec<serde_json::Value> = registry
            .pipelines()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "description": p.description,
                    "actions": p.action_names(),
                    "params": p.params_schema(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&pipelines).unwrap_or_default());
        return OK;
    }
    if registry.pipelines().len() == 0 {
        println!("no pipelines in {}", registry.plugin().code);
    }
    for pipeline in registry.pipelines() {
        println!("  {}  {}  {}", pipeline.name, pipeline.action_names().join(" → "), pipeline.description);
    }
    OK
}
