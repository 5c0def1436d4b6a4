//! The front end of synapse's procedural macros: attribute grammar, naming rules and the
//! vocabulary (categories, run methods, built-in data types) that both the macros
//! (`synapse-macros`) and source discovery (`synapse::discovery`) rely on.
//!
//! Keeping it in a plain library crate means the rules are unit-testable and that a plugin
//! discovered from source without building it reads exactly as the compiler would read it.

pub mod action;
pub mod args;
pub mod errors;
pub mod names;
pub mod plugin;
pub mod vocabulary;

pub use errors::Errors;
