//! What `#[pipeline]` registers: the pipeline's name and its actions in order, and what follows
//! from them (the params a run starts with, the fingerprint checkpoints carry).
//!
//! It lives with the actions, below the registry that holds it; users reach it as
//! `synapse::pipeline::PipelineDescriptor`, next to what runs pipelines.

use super::chain;
use crate::action::{ActionDescriptor, SourceLocation};
use crate::params::{ParamsError, SchemaCell};
use serde_json::Value;

/// A pipeline type. Implemented by [`#[pipeline]`](macro@crate::pipeline).
///
/// ```
/// use synapse::prelude::*;
/// # #[params] pub struct P { pub n: u32 }
/// # #[action] pub struct Count;
/// # impl Action for Count { type Params = P; type Output = serde_json::Value;
/// #   async fn execute(&self, p: P, _: &Context) -> Result<serde_json::Value> { Ok(serde_json::json!({"total": p.n})) } }
/// /// Counts.
/// #[pipeline]
/// pub struct CountPipeline(Count);
///
/// let descriptor = CountPipeline::descriptor();
/// assert_eq!(descriptor.name, "count");
/// assert_eq!(descriptor.action_names(), ["count"]);
/// ```
pub trait Pipeline {
    /// The registry entry.
    fn descriptor() -> &'static PipelineDescriptor;
}

/// A registered pipeline: a name and an ordered chain of actions.
pub struct PipelineDescriptor {
    /// The name (`pipeline run <name>`).
    pub name: &'static str,
    /// One line saying what it does.
    pub description: &'static str,
    /// The actions, in order.
    #[doc(hidden)]
    pub actions: &'static [fn() -> &'static ActionDescriptor],
    /// The params a run starts with: what the actions need that no earlier action produces.
    #[doc(hidden)]
    pub params: &'static SchemaCell,
    /// The crate defining it.
    pub crate_name: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line.
    pub line: u32,
}

impl std::fmt::Debug for PipelineDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineDescriptor")
            .field("name", &self.name)
            .field("actions", &self.action_names())
            .field("location", &self.location())
            .finish()
    }
}

impl PipelineDescriptor {
    /// The actions, in order.
    pub fn actions(&self) -> Vec<&'static ActionDescriptor> {
        self.actions.iter().map(|descriptor| descriptor()).collect()
    }

    /// The action names, in order.
    pub fn action_names(&self) -> Vec<&'static str> {
        self.actions.iter().map(|descriptor| descriptor().name()).collect()
    }

    /// Where it is defined.
    pub fn location(&self) -> SourceLocation {
        SourceLocation { crate_name: self.crate_name, file: self.file, line: self.line }
    }

    /// The JSON Schema of the params a run starts with: every param an action takes that no
    /// earlier action's typed result provides, required when the action requires it.
    pub fn params_schema(&self) -> &'static Value {
        self.params.schema()
    }

    /// Checks a run's initial params against [`params_schema`](Self::params_schema): every
    /// missing or malformed value, and any field no action of the pipeline takes.
    pub fn validate_params(&self, params: &Value) -> Result<(), ParamsError> {
        self.params.validate(params).map_err(|violations| ParamsError { action: self.name.to_owned(), violations })
    }

    /// The fingerprint a run's checkpoints carry: the actions in order, with their crate
    /// versions and the hashes of their params and result schemas (with the `store` feature).
    #[cfg(feature = "store")]
    pub fn fingerprint(&self) -> chain::Fingerprint {
        chain::Fingerprint::of(self)
    }
}

/// The initial-params schema of `pipeline` (what `#[pipeline]`'s schema cell generates).
#[doc(hidden)]
pub fn pipeline_params_schema(actions: &[fn() -> &'static ActionDescriptor], name: &str) -> Value {
    let actions: Vec<&'static ActionDescriptor> = actions.iter().map(|descriptor| descriptor()).collect();
    chain::initial_params_schema(name, &actions)
}
