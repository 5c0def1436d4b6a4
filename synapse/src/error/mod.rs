//! The error type actions return, the cancellation marker, and how panics become errors
//! (`error::panic`): the bottom of the crate, imported by every layer above.

pub(crate) mod panic;

/// The error an action returns: any error, with its cause chain kept intact (it is
/// [`anyhow::Error`], so `?` works on every `std::error::Error` and `.context(...)` adds detail).
pub type Error = anyhow::Error;

/// `Result<T, synapse::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error a run ends with when it was cancelled (Ctrl-C in the plugin CLI, or a
/// cancellation token). Actions return it from [`Context::check_cancelled`](crate::Context::check_cancelled).
///
/// ```
/// let error: synapse::Error = synapse::Cancelled.into();
/// assert!(error.is::<synapse::Cancelled>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the run was cancelled")]
pub struct Cancelled;
