//! [`ExecutionMode`]: where a run happens, by the names the command line and config use.

use std::fmt;
use std::str::FromStr;

/// Where a run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
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
    /// Every mode, in the order of this enum.
    pub const ALL: [ExecutionMode; 4] =
        [ExecutionMode::Local, ExecutionMode::Process, ExecutionMode::Task, ExecutionMode::Job];

    /// One line saying where a run in this mode happens (the plugin CLI's `--mode` help).
    pub const fn description(self) -> &'static str {
        match self {
            ExecutionMode::Local => "In this process",
            ExecutionMode::Process => "The plugin binary as a child process speaking JSON lines",
            ExecutionMode::Task => "A resident Ray worker (the plugin binary as a long-running Ray job)",
            ExecutionMode::Job => "One Ray job per run, over the Ray Jobs REST API",
        }
    }

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
        ExecutionMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| format!("unknown execution mode `{s}`; expected local, process, task or job"))
    }
}
