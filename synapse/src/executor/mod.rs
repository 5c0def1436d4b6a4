//! Executors: where an action runs. `run_plugin` is the one front door; the mode decides the
//! place, and the same params give the same result and the same event stream in every mode.
//!
//! `task` and `job` modes run on Ray, which needs the `ray` feature; without it they are
//! [`RunError::ModeUnavailable`], saying so.
//!
//! | file | holds |
//! |---|---|
//! | `mode.rs` | [`ExecutionMode`]: where a run happens |
//! | `options.rs` | [`RunOptions`]: the one settings struct of every mode; each executor is made from it (`from_options`) |
//! | `contract.rs` | the [`Executor`] trait every mode implements, [`RunRequest`], [`RunHandle`]; the one place a run's terminal event is owned |
//! | `plugin_run.rs` | [`run_plugin`], [`run_plugin_with`], `submit_plugin`: the front door, and task mode's resident workers |
//! | `local/` | [`LocalExecutor`], and how an action's body is driven (grace, abandonment, its own thread, panics) |
//! | `process.rs` | [`ProcessExecutor`]: the plugin binary as a child process |
//! | `ray/` | the Ray Jobs API client, plugin packages, job mode, task mode and its worker |
//! | `remote.rs` | reading a remote run's event stream back (marked lines, order, its outcome) |
//! | `resources.rs` | [`Resources`]: what a run asks Ray for |
//! | `error.rs` | [`RunError`] |

pub(crate) mod contract;
mod error;
mod listen;
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
pub use listen::{ListenAddress, ListenAddressError};
pub use local::LocalExecutor;
pub(crate) use local::lookup;
pub use mode::ExecutionMode;
pub use options::RunOptions;
#[cfg(feature = "ray")]
pub use plugin_run::submit_plugin;
pub use plugin_run::{run_plugin, run_plugin_with, shutdown_workers};
pub use process::ProcessExecutor;
#[cfg(feature = "ray")]
pub use ray::{RayJobExecutor, RayTaskExecutor};
pub use resources::{Amount, ByteCount, CustomResource, Resources};
