//! The front end of synapse's procedural macros, shared by the macros (`synapse-macros`) and
//! source discovery (`synapse::discovery`), on serde_derive's model:
//!
//! - [`args`] is the one reader of attribute arguments, with the grammar of each attribute in
//!   [`symbol`] (names as constants) and the error collector in [`errors`], which has to be
//!   checked before it is dropped;
//! - each macro reads its attribute and item into a **model**: [`action::Action`],
//!   [`step::Step`], [`workflow::Workflow`], [`pipeline::Pipeline`], [`params::Params`] (with
//!   its [`params::Field`]s), [`data_type::DataType`] and [`plugin::PluginArgs`];
//! - a **check** pass per model (`action::check`, `step::check`, …) holds the rules that relate
//!   several parts of it;
//! - the **expansion**, in `synapse-macros`, only reads a checked model.
//!
//! [`shape`] describes items in messages, [`names`] and [`vocabulary`] hold the naming rules
//! and the closed vocabularies. Keeping all of it in a plain library means the rules are
//! unit-testable and that a plugin discovered from source reads exactly as the compiler reads
//! it.

pub mod action;
pub mod args;
pub mod data_type;
pub mod errors;
pub mod names;
pub mod params;
pub mod pipeline;
pub mod plugin;
pub mod shape;
pub mod step;
pub mod symbol;
pub mod vocabulary;
pub mod workflow;

pub use errors::Errors;
