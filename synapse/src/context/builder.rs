//! Building a [`Context`]: [`Context::builder`] and the [`ContextBuilder`] it returns, as
//! executors, tests and tools do.

use super::{Context, Inner, Logger, PluginEnvironment, RunControl};
use crate::events::{Emitter, EventSink, RunId};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

impl Context {
    /// Starts building a context for `action` (executors do this; tests and tools may too).
    pub fn builder(action: impl Into<String>) -> ContextBuilder {
        ContextBuilder {
            action: action.into(),
            plugin: String::new(),
            run_id: None,
            job_id: None,
            env: PluginEnvironment::new(),
            sinks: Vec::new(),
            cancel: None,
            #[cfg(feature = "backend")]
            backend: None,
        }
    }
}

/// Builds a [`Context`].
pub struct ContextBuilder {
    action: String,
    plugin: String,
    run_id: Option<RunId>,
    job_id: Option<String>,
    env: PluginEnvironment,
    sinks: Vec<Arc<dyn EventSink>>,
    cancel: Option<CancellationToken>,
    #[cfg(feature = "backend")]
    backend: Option<crate::backend::BackendClient>,
}

impl ContextBuilder {
    /// The plugin code.
    pub fn plugin(mut self, plugin: impl Into<String>) -> Self {
        self.plugin = plugin.into();
        self
    }

    /// The run id (a random one otherwise).
    pub fn run_id(mut self, run_id: RunId) -> Self {
        self.run_id = Some(run_id);
        self
    }

    /// The job id.
    pub fn job_id(mut self, job_id: Option<String>) -> Self {
        self.job_id = job_id;
        self
    }

    /// The environment.
    pub fn env(mut self, env: PluginEnvironment) -> Self {
        self.env = env;
        self
    }

    /// Adds a sink.
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Adds sinks.
    pub fn sinks(mut self, sinks: impl IntoIterator<Item = Arc<dyn EventSink>>) -> Self {
        self.sinks.extend(sinks);
        self
    }

    /// The cancellation token (a fresh one otherwise).
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The backend client (without one, [`Context::client`] makes the one the environment
    /// configures).
    #[cfg(feature = "backend")]
    pub fn backend(mut self, client: Option<crate::backend::BackendClient>) -> Self {
        self.backend = client;
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        let emitter = Emitter::new(self.run_id.unwrap_or_else(RunId::random), self.sinks);
        let action: Arc<str> = Arc::from(self.action);
        Context {
            scope: None,
            inner: Arc::new(Inner {
                logger: Logger::new(emitter.clone(), action.clone()),
                action,
                plugin: self.plugin,
                job_id: self.job_id,
                env: self.env,
                emitter,
                cancel: self.cancel.unwrap_or_default(),
                #[cfg(feature = "backend")]
                backend: std::sync::OnceLock::new(),
                #[cfg(feature = "backend")]
                given_backend: self.backend,
                control: RunControl::default(),
                other_categories: Default::default(),
            }),
        }
    }
}
