//! The subcommands, a file each (`run`; `list`, `schema`, `config` in `inspect`; `worker` and
//! `jobs` in `ray`), with what they share here: exit codes, the runtime, the registry, where
//! events go, and how a failed run ends its stream. `pipeline` has a module of its own.

#[cfg(feature = "serve")]
mod deploy;
mod inspect;
pub(super) mod interrupts;
pub(super) mod params_input;
#[cfg(feature = "ray")]
mod ray;
mod run;
#[cfg(feature = "serve")]
mod serve;

#[cfg(feature = "serve")]
pub(super) use deploy::{deploy, undeploy};
pub(super) use inspect::{config, list, schema};
#[cfg(feature = "ray")]
pub(super) use ray::{jobs, worker};
pub(super) use run::run;
#[cfg(feature = "serve")]
pub(super) use serve::{infer, serve};

use crate::events::sink::{ConsoleSink, JsonLinesSink};
use crate::events::{EventSink, TerminalGuard};
use crate::executor::RunError;
use crate::registry::{Registry, registry};
use serde_json::Value;
use std::sync::Arc;

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
