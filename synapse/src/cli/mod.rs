//! The plugin binary's command line, from `synapse::main!()`.
//!
//! ```text
//! plugin run <ACTION> [--params <JSON | @FILE | ->] [--json] [--job-id ID] [--env-file FILE] [-v]
//! plugin list [--json]
//! plugin schema <ACTION> [--result | --plan] | plugin schema --events
//! plugin config [--check | --write] [--dir DIR]
//! plugin worker [--bind ADDR]          (token in SYNAPSE_WORKER_TOKEN)
//! plugin serve [--bind ADDR] [--models-dir DIR] [--max-models N] [--batch-size N] [--signed-only]
//! plugin infer --model ID --input <JSON | @FILE | -> [--url HOST:PORT] [--models-dir DIR]
//! plugin deploy [--replicas N] [--ray-address URL] [--cpus N …] [--job-id ID]   (replicas on Ray)
//! plugin undeploy [--ray-address URL]
//! plugin jobs list|status|logs|wait|stop [ID] [--ray-address URL]
//! plugin pipeline list|run|resume|status|runs [--store PATH]
//! ```
//!
//! Every run (`run`, `pipeline run|resume`, `jobs wait`) ends with exactly one `result` or
//! `error` event, whatever failed and wherever: the last line with `--json`, a `✖` line on the
//! console. Exit codes: 0 success; 2 nothing ran (invalid params, an unknown action, a mode that
//! cannot run, a bad option or file); 1 the action failed, or what runs it did; 130 cancelled
//! (Ctrl-C or SIGTERM cancels the run's token; an action that does not stop within the grace is
//! abandoned; a second Ctrl-C exits at once). `--log-level` (or `RUST_LOG`) sets which
//! `tracing`/`log` records become the run's `log_line` events.

mod commands;
mod mode;
mod pipeline;
mod resources;
mod serve_args;

use crate::registry::{BinaryInfo, set_binary_info};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use serve_args::{DeployArgs, InferArgs, ServeArgs, UndeployArgs};
use std::path::PathBuf;
use std::process::ExitCode;

/// The plugin's command line.
#[derive(Parser, Debug)]
#[command(version, about, propagate_version = true)]
pub struct Cli {
    /// What Rust code logs with `tracing` or `log` (the plugin's and its libraries') becomes
    /// `log_line` events of the run: this level or more, or `target=level` pairs like
    /// `my_plugin=debug,info` [default: RUST_LOG, else info].
    #[arg(long, value_name = "FILTER", global = true)]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run an action.
    Run(RunArgs),
    /// List the actions.
    List(ListArgs),
    /// Print an action's params (or result) JSON Schema, its workflow plan, a pipeline's params
    /// schema, or the event-stream schema.
    Schema(SchemaArgs),
    /// Print, write or check config.yaml and the schema files.
    Config(ConfigArgs),
    /// Serve runs over HTTP as a resident worker (what task mode starts on Ray).
    Worker(WorkerArgs),
    /// Look after this plugin's Ray jobs: list, status, logs, wait, stop.
    Jobs(JobsArgs),
    /// Serve the plugin's serve deployment over HTTP: one replica, here.
    Serve(ServeArgs),
    /// Infer over one input with a model: here, or with a running replica (`--url`).
    Infer(InferArgs),
    /// Start (or update) the serve deployment's replicas on Ray, and register the serve
    /// application on the backend.
    Deploy(DeployArgs),
    /// Stop the serve deployment's replicas on Ray.
    Undeploy(UndeployArgs),
    /// Run, resume and inspect pipelines (chains of actions) and their recorded runs.
    Pipeline(pipeline::PipelineArgs),
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "ray"), allow(dead_code))]
struct JobsArgs {
    /// The Ray dashboard.
    #[arg(long, env = "SYNAPSE_RAY_ADDRESS", value_name = "URL", global = true)]
    ray_address: Option<String>,
    /// The token of a Ray cluster that runs Ray's token authentication.
    #[arg(long, env = "SYNAPSE_RAY_TOKEN", value_name = "TOKEN", hide_env_values = true, global = true)]
    ray_token: Option<String>,
    #[command(subcommand)]
    command: JobsCommand,
}

#[derive(Subcommand, Debug)]
#[cfg_attr(not(feature = "ray"), allow(dead_code))]
enum JobsCommand {
    /// The jobs of this plugin (newest last).
    List {
        /// Every job of the cluster, not only this plugin's.
        #[arg(long)]
        all: bool,
    },
    /// A job's status and details, as JSON.
    Status {
        /// The submission id.
        id: String,
    },
    /// A job's log.
    Logs {
        /// The submission id.
        id: String,
    },
    /// Follows a job's events until it ends; exits as the run did (0, 1, 2 or 130).
    Wait {
        /// The submission id.
        id: String,
        /// Print events as JSON lines instead of for a person.
        #[arg(long)]
        json: bool,
    },
    /// Stops a job (its run is cancelled; a workflow rolls back).
    Stop {
        /// The submission id.
        id: String,
    },
}

#[derive(Args, Debug)]
#[cfg_attr(not(feature = "ray"), allow(dead_code))]
struct WorkerArgs {
    /// The address to listen on: IP:PORT, or node:PORT for this Ray node's address (found from
    /// RAY_ADDRESS; 127.0.0.1 off Ray), which task mode passes. Port 0: any free port; the chosen
    /// address is printed.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: crate::executor::ListenAddress,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The action to run.
    action: String,
    /// The params: inline JSON, `@path/to/file.json`, or `-` for standard input.
    #[arg(long, short, default_value = "{}", conflicts_with = "params_env")]
    params: String,
    /// Read the params (JSON) from this environment variable instead.
    #[arg(long, value_name = "VAR")]
    params_env: Option<String>,
    /// Write events as JSON lines on standard output (the last line is the result or error).
    #[arg(long)]
    json: bool,
    /// Like `--json`, with every line prefixed by a marker (for output shared with other
    /// programs, like Ray job logs).
    #[arg(long)]
    marked: bool,
    /// Where to run: here (`local`), in a child process (`process`), on a resident Ray worker
    /// (`task`) or as a Ray job (`job`).
    #[arg(long, value_enum, default_value_t = crate::executor::ExecutionMode::Local)]
    mode: crate::executor::ExecutionMode,
    /// The Ray dashboard, for `task` and `job` modes.
    #[arg(long, env = "SYNAPSE_RAY_ADDRESS", value_name = "URL")]
    ray_address: Option<String>,
    /// The token of a Ray cluster that runs Ray's token authentication.
    #[arg(long, env = "SYNAPSE_RAY_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    ray_token: Option<String>,
    /// Where a `task`-mode worker listens on the node Ray places it on: IP:PORT, or node:PORT
    /// for that node's address [default: node:0, a free port there].
    #[arg(long, value_name = "ADDR")]
    worker_bind: Option<crate::executor::ListenAddress>,
    /// The plugin directory shipped to Ray with the binary in `task` and `job` modes
    /// (config.yaml, data; default: the crate directory the binary was built from).
    #[arg(long, value_name = "DIR")]
    plugin_dir: Option<PathBuf>,
    /// With `--mode job`: validate the params, submit the job, print its id and return; follow
    /// it later with `jobs wait <ID>`.
    #[arg(long, conflicts_with_all = ["json", "marked"])]
    detach: bool,
    /// The run id (default: a fresh one).
    #[arg(long, value_name = "ID")]
    run_id: Option<String>,
    /// The run's backend job: with the `backend` feature and a backend configured (SYNAPSE_HOST
    /// and SYNAPSE_ACCESS_TOKEN), the run reports its status, logs, progress and metrics to it;
    /// the action sees it as its job id either way.
    #[arg(long, env = "SYNAPSE_JOB_ID")]
    job_id: Option<String>,
    /// A TOML file whose values are added to the action's environment.
    #[arg(long)]
    env_file: Option<PathBuf>,
    /// Also show debug lines and developer events.
    #[arg(long, short)]
    verbose: bool,
    /// How long a cancelled action (Ctrl-C, SIGTERM, a stopped job) may take to stop before it
    /// is abandoned; a workflow's rollbacks are never cut short by it.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, default_value = "5s")]
    cancel_grace: std::time::Duration,
    #[command(flatten)]
    resources: resources::ResourceArgs,
}

#[derive(Args, Debug)]
struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct SchemaArgs {
    /// The action.
    #[arg(required_unless_present = "events")]
    action: Option<String>,
    /// The result schema instead of the params schema.
    #[arg(long, conflicts_with = "plan")]
    result: bool,
    /// The plan of the action's step workflow: step names and their shares of the progress.
    #[arg(long)]
    plan: bool,
    /// The JSON Schema of one JSON-lines event.
    #[arg(long, conflicts_with_all = ["action", "result", "plan"])]
    events: bool,
}

#[derive(Args, Debug)]
struct ConfigArgs {
    /// Fail (exit 1, with a diff) when the committed files differ from the code.
    #[arg(long, conflicts_with = "write")]
    check: bool,
    /// Write config.yaml and the schema files.
    #[arg(long)]
    write: bool,
    /// The plugin directory (default: the crate the binary was built from).
    #[arg(long)]
    dir: Option<PathBuf>,
}

/// Runs the plugin CLI over the registry of this binary. Called by `synapse::main!()`.
pub fn main(info: BinaryInfo) -> ExitCode {
    set_binary_info(info);
    crate::executor::install_panic_hook(true);
    let cli = match parse(&info) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            if !error.use_stderr() {
                return ExitCode::SUCCESS; // --help, --version
            }
            // A run asked for its events on stdout ends with its error event even when its
            // command line could not be read.
            let text = error.render().to_string();
            let message = text.lines().next().unwrap_or("invalid command line").trim_start_matches("error: ");
            usage_event(message);
            return ExitCode::from(commands::USAGE);
        }
    };
    if let Err(error) = crate::events::capture::install(cli.log_level.as_deref()) {
        eprintln!("error: {error}");
        usage_event(&error.to_string());
        return ExitCode::from(commands::USAGE);
    }
    let code = match cli.command {
        Command::Run(args) => commands::run(args),
        Command::List(args) => commands::list(args),
        Command::Schema(args) => commands::schema(args),
        Command::Config(args) => commands::config(args, info),
        #[cfg(feature = "ray")]
        Command::Worker(args) => commands::worker(args),
        #[cfg(feature = "ray")]
        Command::Jobs(args) => commands::jobs(args),
        #[cfg(not(feature = "ray"))]
        Command::Worker(_) => without(&["ray"], "to use `worker` (what task mode starts on Ray)"),
        #[cfg(not(feature = "ray"))]
        Command::Jobs(_) => without(&["ray"], "to use `jobs`"),
        #[cfg(feature = "serve")]
        Command::Serve(args) => commands::serve(args),
        #[cfg(feature = "serve")]
        Command::Infer(args) => commands::infer(args),
        #[cfg(feature = "serve")]
        Command::Deploy(args) => commands::deploy(args),
        #[cfg(feature = "serve")]
        Command::Undeploy(args) => commands::undeploy(args),
        #[cfg(not(feature = "serve"))]
        Command::Deploy(_) => without(&["serve"], "to use `deploy`"),
        #[cfg(not(feature = "serve"))]
        Command::Undeploy(_) => without(&["serve"], "to use `undeploy`"),
        #[cfg(not(feature = "serve"))]
        Command::Serve(_) => without(&["serve"], "to use `serve`"),
        #[cfg(not(feature = "serve"))]
        Command::Infer(_) => without(&["serve"], "to use `infer`"),
        Command::Pipeline(args) => pipeline::command(args),
    };
    ExitCode::from(code)
}

/// A command this build cannot serve: says which features of synapse it needs (on stderr, and as
/// the run's `error` event with `--json`), and returns the exit code of a usage error.
#[cfg_attr(all(feature = "ray", feature = "store"), allow(dead_code))]
fn without(features: &[&str], to: &str) -> u8 {
    let message = crate::features::missing(features, to);
    eprintln!("error: {message}");
    usage_event(&message);
    commands::USAGE
}

/// When the command line asks for events on stdout (`--json`, `--marked`), writes a run's one
/// `error` event there, of kind `usage`, saying `message`: a run that could not even start
/// still ends its stream.
fn usage_event(message: &str) {
    let args: Vec<String> = std::env::args().collect();
    let marked = args.iter().any(|a| a == "--marked");
    if !marked && !args.iter().any(|a| a == "--json") {
        return;
    }
    let run_id = args
        .iter()
        .position(|a| a == "--run-id")
        .and_then(|at| args.get(at + 1))
        .map(|id| crate::events::RunId::from(id.as_str()))
        .unwrap_or_else(crate::events::RunId::random);
    let sink = commands::output_sink(true, marked, false);
    let guard = crate::events::TerminalGuard::new(run_id, vec![sink]);
    guard.fail(crate::executor::RunError::Usage(message.to_owned()).report());
}

/// Parses the command line, presenting the binary as the plugin (its name, version and
/// description), not as synapse.
fn parse(info: &BinaryInfo) -> Result<Cli, clap::Error> {
    let plugin = crate::registry::registry().ok().map(|registry| registry.plugin());
    let version = plugin.as_ref().map_or_else(|| info.version.to_owned(), |p| p.version.clone());
    let about = plugin.as_ref().map_or_else(|| info.description.to_owned(), |p| p.description.clone());
    let mut command = Cli::command().name(info.bin).bin_name(info.bin).version(version);
    if !about.is_empty() {
        command = command.about(about);
    }
    // `--help` says which commands this build cannot serve, and what they need.
    if cfg!(not(feature = "ray")) {
        command = needs(command, "worker", "needs the `ray` feature");
        command = needs(command, "jobs", "needs the `ray` feature");
    }
    if cfg!(not(feature = "serve")) {
        command = needs(command, "serve", "needs the `serve` feature");
        command = needs(command, "infer", "needs the `serve` feature");
        command = needs(command, "deploy", "needs the `serve` feature");
        command = needs(command, "undeploy", "needs the `serve` feature");
    }
    if cfg!(not(feature = "store")) {
        command = needs(command, "pipeline", "all but `list` need the `store` feature");
    }
    let matches = command.try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

/// `command` with its subcommand `name`'s one-line help followed by `[note]`.
fn needs(command: clap::Command, name: &str, note: &str) -> clap::Command {
    command.mut_subcommand(name, |sub| {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        sub.about(format!("{about} [{note}]"))
    })
}
