//! Executors: where an action runs. `run_plugin` is the one front door; the mode decides the
//! place, and the same params give the same result and the same event stream in every mode.

mod error;
mod local;
pub(crate) mod panic;

pub use error::{ErrorKind, ErrorReport, RunError};
pub(crate) use local::lookup;
pub use local::{CANCEL_GRACE, LocalExecutor, RunHandle};
pub use panic::install_panic_hook;

use crate::registry::registry;
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

/// Where a run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    /// In this process, on the caller's tokio runtime.
    #[default]
    Local,
    /// The plugin binary as a child process speaking JSON lines.
    Process,
    /// A resident Ray worker (the plugin binary as a long-running Ray job).
    Task,
    /// One Ray job per run, over the Ray Jobs REST API.
    Job,
}

impl ExecutionMode {
    /// The name on the command line and in config.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExecutionMode::Local => "local",
            ExecutionMode::Process => "process",
            ExecutionMode::Task => "task",
            ExecutionMode::Job => "job",
        }
    }
}

impl fmt::Display for ExecutionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExecutionMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "local" => Ok(ExecutionMode::Local),
            "process" => Ok(ExecutionMode::Process),
            "task" => Ok(ExecutionMode::Task),
            "job" => Ok(ExecutionMode::Job),
            other => Err(format!("unknown execution mode `{other}`; expected local, process, task or job")),
        }
    }
}

/// Runs `action` of the plugin `plugin_code` with `params` in `mode`, and returns its result.
///
/// `plugin_code` names this binary's plugin (its `plugin!` code, its package, or a crate that
/// defines actions). Params are validated against the action's published schema first; every
/// violation is reported at once.
///
/// ```
/// use synapse::prelude::*;
///
/// #[params]
/// pub struct AddParams { pub a: i64, pub b: i64 }
///
/// #[action]
/// async fn add(params: AddParams) -> Result<serde_json::Value> {
///     Ok(serde_json::json!({ "sum": params.a + params.b }))
/// }
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let code = env!("CARGO_CRATE_NAME"); // a doctest is its own crate
/// let sum = run_plugin(code, "add", serde_json::json!({"a": 2, "b": 3}), ExecutionMode::Local).await.unwrap();
/// assert_eq!(sum["sum"], 5);
///
/// let error = run_plugin(code, "add", serde_json::json!({"a": "2"}), ExecutionMode::Local).await.unwrap_err();
/// assert_eq!(error.exit_code(), 2);
/// assert_eq!(error.to_string(), "invalid params for action `add`: 2 problems
///   - $.a: must be an integer (got string \"2\")
///   - $.b: is required but missing");
/// # });
/// ```
pub async fn run_plugin(
    plugin_code: &str,
    action: &str,
    params: Value,
    mode: ExecutionMode,
) -> Result<Value, RunError> {
    match mode {
        ExecutionMode::Local => {
            let registry = registry()?;
            let Some(plugin) = registry.for_plugin(plugin_code) else {
                return Err(RunError::PluginNotFound {
                    code: plugin_code.to_owned(),
                    available: registry.plugin_codes(),
                });
            };
            let descriptor = local::lookup(&plugin, action)?;
            LocalExecutor::new().run(&plugin, descriptor, params, crate::events::RunId::random()).await
        }
        other => Err(RunError::ModeUnavailable {
            mode: other,
            reason: "only local execution is implemented so far".to_owned(),
        }),
    }
}
