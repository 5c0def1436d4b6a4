//! The front end of synapse's procedural macros, shared by the macros (`synapse-macros`) and
//! source discovery (`synapse::discovery`), on serde_derive's model:
//!
//! - [`args`] is the one reader of attribute arguments, with the grammar of each attribute in
//!   [`symbol`] (names as constants) and the error collector in [`errors`], which has to be
//!   checked before it is dropped;
//! - each macro reads its attribute and item into a **model**: [`action::Action`],
//!   [`step::Step`], [`workflow::Workflow`], [`pipeline::Pipeline`], [`params::Params`] (with
//!   its [`params::Field`]s), [`data_type::DataType`], [`messages::Messages`] and
//!   [`plugin::PluginArgs`];
//! - a **check** pass per model (`action::check`, `step::check`, …) holds the rules that relate
//!   several parts of it;
//! - the **expansion**, in `synapse-macros`, only reads a checked model.
//!
//! [`shape`] describes items in messages, [`names`] and [`vocabulary`] hold the naming rules
//! and the closed vocabularies. Keeping all of it in a plain library means the rules are
//! unit-testable and that a plugin discovered from source reads exactly as the compiler reads
//! it.
//!
//! Everything that reads syntax is behind the `syntax` feature (on by default). Without it the
//! crate has no syn: [`names`] (but `doc_lines`), [`vocabulary`] and the message helpers of
//! [`errors`] (`closest`, `unknown_message`, `plural`), which synapse's runtime shares with the
//! macros so that both say "did you mean" alike.

#[cfg(feature = "syntax")]
pub mod action;
#[cfg(feature = "syntax")]
pub mod args;
#[cfg(feature = "syntax")]
pub mod data_type;
pub mod errors;
#[cfg(feature = "syntax")]
pub mod messages;
pub mod names;
#[cfg(feature = "syntax")]
pub mod params;
#[cfg(feature = "syntax")]
pub mod pipeline;
#[cfg(feature = "syntax")]
pub mod plugin;
#[cfg(feature = "syntax")]
pub mod shape;
#[cfg(feature = "syntax")]
pub mod step;
#[cfg(feature = "syntax")]
pub mod symbol;
pub mod vocabulary;
#[cfg(feature = "syntax")]
pub mod workflow;

#[cfg(feature = "syntax")]
pub use errors::Errors;
