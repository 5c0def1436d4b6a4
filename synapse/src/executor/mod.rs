//! Executors: where an action runs. `run_plugin` is the one front door; the mode decides the
//! place, and the same params give the same result and the same event stream in every mode.
//!
//! `task` and `job` modes run on Ray, which needs the `ray` feature; without it they are
//! [`RunError::ModeUnavailable`], saying so.

pub(crate) mod contract;
mod error;
mod local;
mod mode;
mod options;
mod plugin_run;
mod process;
#[cfg(feature = "ray")]
pub mod ray;
pub mod remote;
mod resources;

pub use crate::context::CANCEL_GRACE;
pub use crate::error::panic::install_panic_hook;
pub use crate::events::{ErrorKind, ErrorReport};
pub use contract::{ActionRef, Executor, RunHandle, RunRequest};
pub use error::RunError;
pub use local::LocalExecutor;
pub(crate) use local::lookup;
pub use mode::ExecutionMode;
pub use options::RunOptions;
#[cfg(feature = "ray")]
pub use plugin_run::submit_plugin;
pub use plugin_run::{run_plugin, run_plugin_with, shutdown_workers};
pub use process::ProcessExecutor;
#[cfg(feature = "ray")]
pub use ray::{RayActorExecutor, RayJobExecutor};
pub use resources::{Amount, ByteCount, CustomResource, Resources};
