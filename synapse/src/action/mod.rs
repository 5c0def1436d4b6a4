//! Actions: the units of work a plugin offers.
//!
//! The recommended form is a struct marked [`#[action]`](macro@crate::action) that implements
//! [`Action`]; a plain or async fn marked `#[action]` is sugar for the same thing. Either way the
//! action lands in the link-time registry with its params schema, result schema, category,
//! run method and semantic input/output types, and runs unchanged through every executor.
//!
//! ```
//! use synapse::prelude::*;
//!
//! #[params]
//! pub struct GreetParams {
//!     /// Who to greet.
//!     pub name: String,
//! }
//!
//! #[output]
//! pub struct Greeting {
//!     pub text: String,
//! }
//!
//! /// Greets someone.
//! #[action(category = Custom)]
//! pub struct Greet;
//!
//! impl Action for Greet {
//!     type Params = GreetParams;
//!     type Output = Greeting;
//!
//!     async fn execute(&self, params: GreetParams, ctx: &Context) -> Result<Greeting> {
//!         ctx.log_message(format!("greeting {}", params.name), LogLevel::Info);
//!         Ok(Greeting { text: format!("Hello, {}!", params.name) })
//!     }
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # use synapse::LocalExecutor;
//! let result = rt.block_on(LocalExecutor::new().execute("greet", serde_json::json!({"name": "Ada"}))).unwrap();
//! assert_eq!(result["text"], "Hello, Ada!");
//! ```

mod category;
pub(crate) mod chain;
mod data_type;
mod descriptor;
mod non_finite;
mod output;
pub(crate) mod pipeline;

pub use category::{Category, RunMethod};
pub use data_type::{DataType, DataTypeInfo, types};
pub use descriptor::{ActionDescriptor, ActionMeta, SourceLocation};
pub use output::ActionOutput;

pub(crate) use descriptor::{Failure, Produced};

use crate::context::Context;
use crate::error::Result;
use crate::params::Params;
use std::future::Future;

/// An action: typed params in, a typed result out, with a [`Context`] for progress, logs,
/// metrics, environment and cancellation.
///
/// Put [`#[action]`](macro@crate::action) on the implementing struct to register it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is marked `#[action]` but does not implement `synapse::Action`",
    label = "this type needs `impl Action for {Self}`",
    note = "add `impl synapse::Action for {Self} {{ type Params = …; type Output = …; async fn execute(&self, params: Self::Params, ctx: &Context) -> Result<Self::Output> {{ … }} }}`"
)]
pub trait Action: Send + Sync + 'static {
    /// The validated input, a [`#[params]`](macro@crate::params) type ([`NoParams`](crate::NoParams) for none).
    type Params: Params;
    /// The result, an [`#[output]`](crate::output) type, or `serde_json::Value` / `()` for an
    /// untyped one.
    type Output: ActionOutput;

    /// Runs the action. Params have already been validated against their published schema.
    fn execute(&self, params: Self::Params, ctx: &Context) -> impl Future<Output = Result<Self::Output>> + Send;
}

/// An `#[action]` struct, as a type: what a pipeline needs to check and run it. Implemented by
/// `#[action]` on a struct.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `#[action]` struct",
    label = "a pipeline lists `#[action]` structs",
    note = "put `#[synapse::action]` on the struct; an `#[action]` fn has no type a pipeline can name, so write that action as a struct with `impl Action`"
)]
pub trait RegisteredAction {
    /// The action's name.
    const NAME: &'static str;
    /// Its semantic input type.
    const INPUT_TYPE: Option<&'static crate::DataTypeInfo>;
    /// Its semantic output type.
    const OUTPUT_TYPE: Option<&'static crate::DataTypeInfo>;
    /// Its registry entry.
    fn descriptor() -> &'static ActionDescriptor;
}

/// How the registry builds an action value for a run. Implemented by `#[action]`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `#[action]` struct",
    label = "an action's type needs `#[action]`",
    note = "put `#[synapse::action]` on the struct, so the action is registered and can be built for a run"
)]
pub trait ConstructAction {
    /// A fresh action value.
    fn construct() -> Self;
}

/// What an `#[action]` fn may return: `Result<T, E>` for any error `E` convertible into
/// [`synapse::Error`](crate::Error).
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "an `#[action]` fn must return `Result<T, E>`, not `{Self}`",
    label = "return `synapse::Result<YourOutput>` here",
    note = "use `serde_json::Value` or `()` as the output type for an untyped result"
)]
pub trait FnReturn {
    /// The success type.
    type Output: ActionOutput;
    /// Converts into the action's result.
    fn into_result(self) -> Result<Self::Output>;
}

impl<T: ActionOutput, E: Into<crate::Error>> FnReturn for std::result::Result<T, E> {
    type Output = T;
    #[inline]
    fn into_result(self) -> Result<T> {
        self.map_err(Into::into)
    }
}
