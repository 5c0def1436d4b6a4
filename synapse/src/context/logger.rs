//! The action's developer log: lines go into the event stream and to `tracing`.

use crate::events::{Emitter, EventKind, LogLevel};
use std::fmt::Display;

/// Writes developer log lines: each becomes a `log_line` event and a `tracing` event (target
/// `synapse::action`, with the action name and run id as fields), so a host application's
/// subscriber sees them too.
#[derive(Clone)]
pub struct Logger {
    emitter: Emitter,
    action: std::sync::Arc<str>,
    step: Option<std::sync::Arc<str>>,
}

impl Logger {
    pub(crate) fn new(emitter: Emitter, action: std::sync::Arc<str>) -> Self {
        Logger { emitter, action, step: None }
    }

    pub(crate) fn in_step(mut self, step: std::sync::Arc<str>) -> Self {
        self.step = Some(step);
        self
    }

    /// Logs at `level`.
    pub fn log(&self, level: LogLevel, message: impl Display) {
        let message = message.to_string();
        let run = self.emitter.run_id().as_str();
        let action = &*self.action;
        let step = self.step.as_deref().unwrap_or("");
        match level {
            LogLevel::Debug => tracing::debug!(target: "synapse::action", action, step, run, "{message}"),
            LogLevel::Info | LogLevel::Success => {
                tracing::info!(target: "synapse::action", action, step, run, "{message}")
            }
            LogLevel::Warning => tracing::warn!(target: "synapse::action", action, step, run, "{message}"),
            LogLevel::Danger | LogLevel::Error | LogLevel::Critical => {
                tracing::error!(target: "synapse::action", action, step, run, "{message}")
            }
        }
        self.emitter.emit_in_step(self.step.as_deref(), EventKind::log_line(level, message));
    }

    /// Logs a debug line.
    pub fn debug(&self, message: impl Display) {
        self.log(LogLevel::Debug, message);
    }

    /// Logs an info line.
    pub fn info(&self, message: impl Display) {
        self.log(LogLevel::Info, message);
    }

    /// Logs a warning.
    pub fn warn(&self, message: impl Display) {
        self.log(LogLevel::Warning, message);
    }

    /// Logs an error.
    pub fn error(&self, message: impl Display) {
        self.log(LogLevel::Error, message);
    }
}
