//! The signals that cancel a run from the command line: the first cancels it (its rollbacks
//! run), the second exits at once.

use crate::events::TerminalGuard;
use crate::executor::RunError;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The signals that cancel a run: Ctrl-C (SIGINT) and, on Unix, SIGTERM (what job schedulers
/// send to stop a job).
pub(in crate::cli) struct Interrupts {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Interrupts {
    #[cfg(unix)]
    pub(in crate::cli) fn register() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Interrupts { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
    }

    #[cfg(not(unix))]
    pub(in crate::cli) fn register() -> std::io::Result<Self> {
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
    pub(in crate::cli) async fn cancel_on_first(self, cancel: CancellationToken) {
        self.cancel_on_first_ending(cancel, None).await;
    }

    /// [`cancel_on_first`](Self::cancel_on_first), ending the run's stream (with `guard`) before
    /// leaving on the second signal: the run did not end by itself, and says so.
    pub(in crate::cli) async fn cancel_on_first_ending(
        mut self,
        cancel: CancellationToken,
        guard: Option<Arc<TerminalGuard>>,
    ) {
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
