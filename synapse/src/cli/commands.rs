//! The subcommands.

use super::{ConfigArgs, ListArgs, RunArgs, SchemaArgs};
#[cfg(feature = "ray")]
use super::{JobsArgs, JobsCommand, WorkerArgs};
use crate::config::ConfigFiles;
use crate::context::PluginEnvironment;
use crate::events::sink::{ConsoleSink, JsonLinesSink};
use crate::events::{EventSink, RunId, TerminalGuard};
use crate::executor::{ExecutionMode, LocalExecutor, RunError, RunOptions};
use crate::params::{ParamsError, Violations};
use crate::registry::{BinaryInfo, Registry, registry};
use serde_json::Value;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub(super) const OK: u8 = 0;
pub(super) const FAILED: u8 = 1;
pub(super) const USAGE: u8 = 2;

/// The single-threaded runtime a command runs on, or the exit code saying it could not start.
pub(super) fn runtime() -> Result<tokio::runtime::Runtime, u8> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|error| {
        eprintln!("error: cannot start the async runtime: {error}");
        FAILED
    })
}

pub(super) fn load_registry() -> Result<&'static Registry, u8> {
    registry_or_error().map_err(|error| {
        eprintln!("error: {error}");
        FAILED
    })
}

/// The registry, or why this binary cannot run anything.
pub(super) fn registry_or_error() -> Result<&'static Registry, RunError> {
    match registry() {
        Ok(registry) if registry.actions().len() == 0 => Err(RunError::Usage(
            "this plugin binary registers no actions. If they live in a library crate, name it in \
             `synapse::main!(that_crate)` so it is linked in."
                .to_owned(),
        )),
        Ok(registry) => Ok(registry),
        Err(error) => Err(error.into()),
    }
}

/// Where a run command's events go: JSON lines on stdout (`--json`, `--marked`), or the
/// console on stderr.
pub(super) fn output_sink(json: bool, marked: bool, verbose: bool) -> Arc<dyn EventSink> {
    if marked {
        Arc::new(JsonLinesSink::stdout().marked())
    } else if json {
        Arc::new(JsonLinesSink::stdout())
    } else {
        Arc::new(ConsoleSink::stderr().verbose(verbose))
    }
}

/// Ends the run's stream with `error` (unless its terminal event already passed: then it was
/// shown) and returns the exit code it calls for.
pub(super) fn fail(guard: &TerminalGuard, error: RunError) -> u8 {
    guard.close(&Err::<Value, _>(&error));
    error.exit_code()
}

pub(super) fn run(args: RunArgs) -> u8 {
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
    let mut env = LocalExecutor::new().env().clone();
    // A remote run gets the file's values as environment variables (and never this process's
    // whole environment, which may hold credentials).
    let mut env_vars = Vec::new();
    if let Some(path) = &args.env_file {
        let file_env = PluginEnvironment::from_file(path).map_err(|error| RunError::Usage(error.to_string()))?;
        env = env.merge(&file_env);
        env_vars = file_env.to_vars();
    }
    // A run elsewhere captures what this one would.
    if args.mode != ExecutionMode::Local
        && let Some(filter) = crate::events::capture::installed_filter()
    {
        env_vars.push(("RUST_LOG".to_owned(), filter.to_owned()));
    }
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
    let options = RunOptions {
        job_id: args.job_id.clone(),
        run_id: Some(run_id),
        sinks: vec![guard.sink()],
        cancel: Some(cancel.clone()),
        env: Some(env),
        env_vars,
        ray_address: args.ray_address.clone(),
        plugin_dir: args.plugin_dir.clone(),
        action_thread: true,
        grace: Some(args.cancel_grace),
        resources: args.resources.resources(),
        ..RunOptions::default()
    };
    if args.detach {
        if args.mode != ExecutionMode::Job {
            return Err(RunError::Usage(format!(
                "--detach is for `--mode job` (a run in `{}` mode ends with this command)",
                args.mode
            )));
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

/// The signals that cancel a run: Ctrl-C (SIGINT) and, on Unix, SIGTERM (what job schedulers
/// send to stop a job).
pub(super) struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    #[cfg(unix)]
    pub(super) fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Interrupts { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    #[cfg(not(unix))]
    pub(super) fn register() -> std::io::Result<Self> {
        Ok(Interrupts {})
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }

    /// First signal: cancel the run (the action sees its token; rollbacks run). Second: leave.
    #[cfg(feature = "ray")]
    pub(super) async fn cancel_on_first(self, cancel: CancellationToken) {
        self.cancel_on_first_ending(cancel, None).await;
    }

    /// [`cancel_on_first`](Self::cancel_on_first), ending the run's stream (with `guard`) before
    /// leaving on the second signal: the run did not end by itself, and says so.
    pub(super) async fn cancel_on_first_ending(mut self, cancel: CancellationToken, guard: Option<Arc<TerminalGuard>>) {
        self.next().await;
        eprintln!("\ncancelling… (interrupt again to exit at once, without waiting for the action or its rollbacks)");
        cancel.cancel();
        self.next().await;
        if let Some(guard) = guard {
            let error = RunError::Cancelled {
                action: String::new(),
                detail: Some(crate::error::Error::msg(
                    "interrupted twice: exited at once, without waiting for the action or its rollbacks",
                )),
            };
            let mut report = error.report();
            report.message = "the run was interrupted twice and exited at once, without waiting for the action \
                              or its rollbacks"
                .to_owned();
            report.action = None;
            guard.fail(report);
        }
        std::process::exit(130);
    }
}

pub(super) enum ParamsSource<'a> {
    Arg(&'a str),
    Env(&'a str),
}

impl<'a> ParamsSource<'a> {
    /// The params as the command line gives them: `--params-env VAR` if set, else `--params`.
    pub(super) fn of(params_env: Option<&'a str>, params: &'a str) -> Self {
        params_env.map_or(ParamsSource::Arg(params), ParamsSource::Env)
    }
}

pub(super) enum ParamsInputError {
    Unreadable(String),
    Malformed(Violations),
}

/// The params the command line gives, read with [`crate::params::from_text`] wherever they
/// come from: inline, a file (`@path`), standard input (`-`) or an environment variable.
pub(super) fn read_params(source: ParamsSource<'_>) -> Result<Value, ParamsInputError> {
    let text = match source {
        ParamsSource::Env(var) => std::env::var(var).map_err(|_| {
            ParamsInputError::Unreadable(format!("the params variable `{var}` is not set (or not UTF-8)"))
        })?,
        ParamsSource::Arg("-") => {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text).map_err(|error| {
                ParamsInputError::Unreadable(format!("cannot read params from standard input: {error}"))
            })?;
            text
        }
        ParamsSource::Arg(source) => match source.strip_prefix('@') {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|error| ParamsInputError::Unreadable(format!("cannot read params file `{path}`: {error}")))?,
            None => source.to_owned(),
        },
    };
    crate::params::from_text(&text).map_err(ParamsInputError::Malformed)
}

pub(super) fn list(args: ListArgs) -> u8 {
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let plugin = registry.plugin();
    if args.json {
        let actions: Vec<Value> = registry
            .actions()
            .map(|action| {
                let meta = action.meta();
                serde_json::json!({
                    "name": meta.name,
                    "description": meta.description,
                    "category": registry.category_of(action),
                    "method": meta.method,
                    "input_type": meta.input_type.map(|t| t.name),
                    "output_type": meta.output_type.map(|t| t.name),
                    "entrypoint": meta.entrypoint,
                    "typed_result": action.result_schema().is_some(),
                    "steps": meta.steps.unwrap_or_default(),
                })
            })
            .collect();
        let listing = serde_json::json!({
            "plugin": { "name": plugin.name, "code": plugin.code, "version": plugin.version, "category": plugin.category },
            "actions": actions,
            "pipelines": registry.pipelines().map(|p| serde_json::json!({
                "name": p.name,
                "description": p.description,
                "actions": p.action_names(),
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&listing).unwrap_or_default());
        return OK;
    }
    println!("{} {} — {} ({})", plugin.code, plugin.version, plugin.name, plugin.category);
    let width = registry.names().iter().map(|n| n.len()).max().unwrap_or(0);
    for action in registry.actions() {
        let meta = action.meta();
        let types = match (meta.input_type, meta.output_type) {
            (None, None) => String::new(),
            (input, output) => format!("  [{} → {}]", input.map_or("-", |t| t.name), output.map_or("-", |t| t.name)),
        };
        println!(
            "  {:width$}  {:<15}  {:<7}  {}{types}",
            meta.name,
            registry.category_of(action).as_str(),
            meta.method.as_str(),
            meta.description
        );
        if let Some(steps) = meta.steps {
            let plan: Vec<String> = steps.iter().map(|s| format!("{} {:.0}%", s.name, s.weight * 100.0)).collect();
            println!("  {:width$}  steps: {}", "", plan.join(" → "));
        }
    }
    if registry.pipelines().len() > 0 {
        println!("pipelines:");
        for pipeline in registry.pipelines() {
            println!("  {}  {}  {}", pipeline.name, pipeline.action_names().join(" → "), pipeline.description);
        }
    }
    OK
}

pub(super) fn schema(args: SchemaArgs) -> u8 {
    if args.events {
        println!("{}", serde_json::to_string_pretty(&crate::events::event_schema()).unwrap_or_default());
        return OK;
    }
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let name = args.action.unwrap_or_default();
    // A pipeline's schema is that of the params its runs start with.
    if let Some(pipeline) = registry.pipeline(&name).filter(|_| !args.result && !args.plan)
        && registry.action(&name).is_none()
    {
        println!("{}", serde_json::to_string_pretty(pipeline.params_schema()).unwrap_or_default());
        return OK;
    }
    let action = match crate::executor::lookup(registry, &name) {
        Ok(action) => action,
        Err(error) => {
            eprintln!("error: {error}");
            return USAGE;
        }
    };
    if args.plan {
        let Some(steps) = action.meta().steps else {
            eprintln!("error: action `{}` does not run a step workflow; it has no plan", action.name());
            return USAGE;
        };
        println!("{}", serde_json::to_string_pretty(steps).unwrap_or_default());
        return OK;
    }
    let schema = if args.result {
        match action.result_schema() {
            Some(schema) => schema,
            None => {
                eprintln!(
                    "error: action `{}` has an untyped result (it returns serde_json::Value); it publishes no result schema",
                    action.name()
                );
                return USAGE;
            }
        }
    } else {
        action.params_schema()
    };
    println!("{}", serde_json::to_string_pretty(schema).unwrap_or_default());
    OK
}

pub(super) fn config(args: ConfigArgs, info: BinaryInfo) -> u8 {
    let registry = match load_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    // A default the schema refuses would be published as the form's default: refuse it here.
    let broken: Vec<_> =
        registry.actions().filter_map(|action| crate::registry::check_defaults(action).err()).collect();
    if !broken.is_empty() {
        for error in &broken {
            eprintln!("error: {error}");
        }
        return FAILED;
    }
    let files = ConfigFiles::generate(registry);
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(info.manifest_dir));
    if args.check {
        let stale = files.check(&dir);
        if stale.is_empty() {
            eprintln!("config.yaml and {} schema files in {} are up to date", files.files.len() - 1, dir.display());
            return OK;
        }
        for file in &stale {
            eprintln!("{file}");
        }
        eprintln!(
            "error: {} generated file(s) in {} are stale; run `{} config --write` and commit the result",
            stale.len(),
            dir.display(),
            registry.plugin().code
        );
        return FAILED;
    }
    if args.write {
        return match files.write(&dir) {
            Ok(changed) if changed.is_empty() => {
                eprintln!("{} is up to date", dir.display());
                OK
            }
            Ok(changed) => {
                for path in changed {
                    eprintln!("wrote {}", dir.join(path).display());
                }
                OK
            }
            Err(error) => {
                eprintln!("error: cannot write into {}: {error}", dir.display());
                FAILED
            }
        };
    }
    print!("{}", files.yaml());
    OK
}

#[cfg(feature = "ray")]
pub(super) fn worker(args: WorkerArgs) -> u8 {
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
        crate::executor::ray::worker::serve(args.bind, token, stop).await
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
pub(super) fn jobs(args: JobsArgs) -> u8 {
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
                let options = RunOptions::default().ray_address(address.clone()).binary(binary).sink(guard.sink());
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
