//! The `'static` registry entry every `#[action]` emits.

use super::non_finite::{NonFinite, non_finite_floats};
use super::{Action, ActionOutput, Category, ConstructAction, DataTypeInfo, RunMethod};
use crate::context::{Context, Logger};
use crate::error::Error;
use crate::params::{HasSchema, Params, ParamsError, SchemaCell, Violation, Violations};
use crate::steps::PlanEntry;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::fmt;

/// What `#[action]` knows about an action at compile time: the one representation of an
/// action's metadata. Its views derive from it: [`ActionConfig`](crate::config::ActionConfig)
/// (its entry in `config.yaml`), `discovery::DiscoveredAction` (with the `discovery` feature:
/// what any discovery — registry, `config.yaml` or source — reports, for comparing them) and
/// [`ActionPrint`](crate::pipeline::ActionPrint) (what a pipeline's checkpoints remember of it).
#[derive(Debug, Clone, Copy)]
pub struct ActionMeta {
    /// The action name (`process`).
    pub name: &'static str,
    /// One paragraph saying what it does (defaults to the doc comment's first paragraph).
    pub description: &'static str,
    /// Its category, when it declares one; otherwise the plugin's applies.
    pub category: Option<Category>,
    /// How the platform runs it.
    pub method: RunMethod,
    /// The semantic type it consumes.
    pub input_type: Option<&'static DataTypeInfo>,
    /// The semantic type it produces.
    pub output_type: Option<&'static DataTypeInfo>,
    /// The plan of the step workflow it runs (`#[action(workflow = …)]`): step names and their
    /// shares of the overall progress.
    pub steps: Option<&'static [PlanEntry]>,
    /// The Rust path of the action: `quickstart::ProcessAction`.
    pub entrypoint: &'static str,
    /// The crate (package) that defines it.
    pub crate_name: &'static str,
    /// That crate's version.
    pub crate_version: &'static str,
    /// The source file of the definition.
    pub file: &'static str,
    /// The line of the definition.
    pub line: u32,
}

/// Where an action is defined, for messages about the plugin itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLocation {
    /// The crate (package) name.
    pub crate_name: &'static str,
    /// The source file.
    pub file: &'static str,
    /// The line.
    pub line: u32,
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{} (crate `{}`)", self.file, self.line, self.crate_name)
    }
}

type RunFn = fn(Value, Context) -> BoxFuture<'static, Result<Produced, Failure>>;

/// A registered action: its metadata plus type-erased entry points for its schemas,
/// validation and execution. Built at compile time by `#[action]`.
pub struct ActionDescriptor {
    meta: ActionMeta,
    params: fn() -> &'static SchemaCell,
    validate: fn(&Value) -> Result<(), Violations>,
    output: fn() -> &'static SchemaCell,
    typed_output: bool,
    run: RunFn,
}

/// How an erased run ended, before the executor adds what it knows (the action name, panics,
/// cancellation).
pub(crate) enum Failure {
    Params(Violations),
    Action(Error),
}

/// What an action returned: its result as JSON, and the NaN or infinite floats the typed
/// result held (JSON has no form for them: they became `null`).
pub(crate) struct Produced {
    pub(crate) value: Value,
    pub(crate) non_finite: Vec<NonFinite>,
}

impl ActionDescriptor {
    /// The descriptor of action type `A`.
    pub const fn of<A: Action + ConstructAction>(meta: ActionMeta) -> Self {
        ActionDescriptor {
            meta,
            params: <A::Params as HasSchema>::schema_cell,
            validate: <A::Params as Params>::validate,
            output: <A::Output as HasSchema>::schema_cell,
            typed_output: <A::Output as ActionOutput>::TYPED,
            run: run_erased::<A>,
        }
    }

    /// The compile-time metadata.
    pub fn meta(&self) -> &ActionMeta {
        &self.meta
    }

    /// The action name.
    pub fn name(&self) -> &'static str {
        self.meta.name
    }

    /// Where it is defined.
    pub fn location(&self) -> SourceLocation {
        SourceLocation { crate_name: self.meta.crate_name, file: self.meta.file, line: self.meta.line }
    }

    /// The params JSON Schema.
    pub fn params_schema(&self) -> &'static Value {
        (self.params)().schema()
    }

    /// The result JSON Schema, when the action has a typed result.
    pub fn result_schema(&self) -> Option<&'static Value> {
        self.typed_output.then(|| (self.output)().schema())
    }

    /// The defaults the action's params publish that their own schema refuses, each at its
    /// field (see [`SchemaCell::broken_defaults`]); empty for sound params.
    /// [`registry::check_defaults`](crate::registry::check_defaults) turns them into the error
    /// that refuses the action's runs.
    pub fn broken_defaults(&self) -> &'static [Violation] {
        (self.params)().broken_defaults()
    }

    /// The Rust name of the params type (for messages about the plugin, never about input).
    pub fn params_type_name(&self) -> &'static str {
        (self.params)().type_name()
    }

    /// Checks params against the published schema.
    pub fn validate_params(&self, params: &Value) -> Result<(), ParamsError> {
        (self.validate)(params).map_err(|violations| ParamsError { action: self.meta.name.to_owned(), violations })
    }

    /// Checks a result against the published result schema (untyped results always pass).
    pub fn validate_result(&self, result: &Value) -> Result<(), Violations> {
        if self.typed_output { (self.output)().validate(result) } else { Ok(()) }
    }

    /// Deserializes the (validated) params and runs the action on `ctx`.
    pub(crate) fn run(&self, params: Value, ctx: Context) -> BoxFuture<'static, Result<Produced, Failure>> {
        (self.run)(params, ctx)
    }

    /// Checks what the action produced against its own result schema. A NaN or infinite float
    /// where the schema refuses the `null` it became is reported as just that, at its field; one
    /// where the schema allows `null` (an `Option<f64>`) is returned as `null`, with a warning
    /// on `logger`.
    #[inline]
    pub(crate) fn check_result(&self, produced: Produced, logger: &Logger) -> Result<Value, Violations> {
        let Produced { value, non_finite } = produced;
        if non_finite.is_empty() {
            return self.validate_result(&value).map(|()| value);
        }
        let mut violations: Vec<Violation> =
            self.validate_result(&value).err().map(|v| v.iter().cloned().collect()).unwrap_or_default();
        for found in non_finite {
            let refused = violations.iter().any(|v| v.path == found.path);
            let message = format!("is {}, which JSON cannot carry", found.what());
            if refused {
                violations.retain(|v| v.path != found.path);
                violations.push(Violation { path: found.path, constraint: "finite".into(), message });
            } else {
                logger.warn(format!("result field `{}` {message}; it is returned as null", found.path));
            }
        }
        if violations.is_empty() { Ok(value) } else { Err(Violations::from(violations)) }
    }
}

impl fmt::Debug for ActionDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionDescriptor").field("meta", &self.meta).field("typed_output", &self.typed_output).finish()
    }
}

fn run_erased<A: Action + ConstructAction>(
    params: Value,
    ctx: Context,
) -> BoxFuture<'static, Result<Produced, Failure>> {
    Box::pin(async move {
        let params = <A::Params as Params>::from_validated(params).map_err(Failure::Params)?;
        let action = A::construct();
        let output = action.execute(params, &ctx).await.map_err(Failure::Action)?;
        let value = serde_json::to_value(&output).map_err(|error| {
            Failure::Action(Error::new(error).context("the result could not be serialized to JSON"))
        })?;
        // A NaN or infinity became `null`: only a result that can hold floats, and holds a
        // `null`, needs looking through.
        let floats = <A::Output as HasSchema>::schema_cell().holds_floats();
        let non_finite = if floats && holds_null(&value) { non_finite_floats(&output) } else { Vec::new() };
        Ok(Produced { value, non_finite })
    })
}

fn holds_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(holds_null),
        Value::Object(map) => map.values().any(holds_null),
        _ => false,
    }
}
