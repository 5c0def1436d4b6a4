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

/// The texts of `error` and its causes, outermost first, each left out when the text before it
/// already says it (an error whose message embeds its source: `cannot read x: No such file`
/// followed by `No such file`).
pub(crate) fn distinct_chain(error: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut texts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(error) = current {
        let text = error.to_string();
        if !texts.iter().any(|said| said.contains(&text)) {
            texts.push(text);
        }
        current = error.source();
    }
    texts
}

/// `error` and its causes in one line, joined by `: ` as `{:#}` joins them, without the causes
/// its own text already says.
pub(crate) fn chain_line(error: &Error) -> String {
    distinct_chain(error.as_ref()).join(": ")
}

#[cfg(test)]
mod chain_tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read the file a.png: {source}")]
    struct Read {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn a_cause_the_message_already_says_is_said_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory");
        let error = Error::new(Read { source: io }).context("step `train` failed");
        assert_eq!(chain_line(&error), "step `train` failed: cannot read the file a.png: No such file or directory");
        assert_eq!(format!("{error:#}").matches("No such file").count(), 2, "`{{:#}}` says it twice");
    }
}
