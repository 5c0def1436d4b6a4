//! `plugin pipeline list|run|resume|status|runs`: pipelines and their recorded runs. The command
//! line and `list` are here; a run in this process is in `local`, a run on Ray in `on_ray`, the
//! store's records in `records` (all three need the `store` feature).

#[cfg(feature = "store")]
mod local;
#[cfg(feature = "store")]
mod on_ray;
#[cfg(feature = "store")]
mod records;

#[cfg(feature = "store")]
use super::commands::params_input::ParamsSource;
use super::commands::{OK, load_registry};
use crate::events::EventSink;
use crate::events::sink::{ConsoleSink, JsonLinesSink};
#[cfg(feature = "store")]
use crate::executor::RunError;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// As one Ray job (the run store, SQLite on a local disk, must be on the machine of the node
    /// the job runs on: a cluster on this machine, or `--resource node:<ip>=0.01`).
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
    /// The token of a Ray cluster that runs Ray's token authentication.
    #[arg(long, env = "SYNAPSE_RAY_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    ray_token: Option<String>,
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
    #[cfg(feature = "store")]
    let store = args.store.as_deref();
    match args.command {
        PipelineCommand::List { json } => list(registry, json),
        #[cfg(not(feature = "store"))]
        command => without_store(&command),
        #[cfg(feature = "store")]
        PipelineCommand::Run { pipeline, params, params_env, run_id, env_file, output } => {
            let params = ParamsSource::of(params_env.as_deref(), &params);
            local::run(registry, store, &pipeline, params, run_id, env_file, &output)
        }
        #[cfg(feature = "store")]
        PipelineCommand::Resume { run_id, take_over, output } => local::resume(store, run_id, take_over, &output),
        #[cfg(feature = "store")]
        PipelineCommand::Status { run_id, events } => records::status(store, run_id, events),
        #[cfg(feature = "store")]
        PipelineCommand::Runs { pipeline, limit, json } => records::runs(store, pipeline.as_deref(), limit, json),
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
