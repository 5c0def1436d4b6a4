//! Procedural macros of [synapse](https://docs.rs/synapse). Use them through the `synapse`
//! crate (`synapse::action`, `synapse::params`, …), which documents each one; generated code
//! reaches the runtime only through the hidden `::synapse::__private` module, so a plugin crate
//! depends on `synapse` alone.
//!
//! The front end lives in `synapse-macros-core` (shared with source discovery): each macro reads
//! its attribute and item into a model there and checks it (reader → model → check). The
//! modules here are the back end (expand): each one only expands a checked model. On a mistake
//! a macro reports every problem at once, on the offending tokens, and still emits the user's
//! item and placeholder impls (the `emit` module), so that the rest of the crate (and the IDE)
//! keeps working.

use proc_macro::TokenStream;
use synapse_macros_core::params::Role;

mod action;
mod data_type;
mod emit;
mod messages;
mod params;
mod paths;
mod pipeline;
mod plugin;
mod step;
mod workflow;

/// Registers an action. See `synapse::action` for the full reference.
#[proc_macro_attribute]
pub fn action(args: TokenStream, item: TokenStream) -> TokenStream {
    action::expand(args.into(), item.into()).into()
}

/// Makes a struct or enum an action's params. See `synapse::params`.
#[proc_macro_attribute]
pub fn params(args: TokenStream, item: TokenStream) -> TokenStream {
    params::expand(Role::Params, args.into(), item.into()).into()
}

/// Makes a struct or enum an action's typed result. See `synapse::output`.
#[proc_macro_attribute]
pub fn output(args: TokenStream, item: TokenStream) -> TokenStream {
    params::expand(Role::Output, args.into(), item.into()).into()
}

/// Declares a semantic data type. See `synapse::data_type`.
#[proc_macro_attribute]
pub fn data_type(args: TokenStream, item: TokenStream) -> TokenStream {
    data_type::expand(args.into(), item.into()).into()
}

/// Makes an enum a set of user-facing message codes. See `synapse::messages`.
#[proc_macro_attribute]
pub fn messages(args: TokenStream, item: TokenStream) -> TokenStream {
    messages::expand(args.into(), item.into()).into()
}

/// Declares the plugin's display name, category and description. See `synapse::plugin!`.
#[proc_macro]
pub fn plugin(input: TokenStream) -> TokenStream {
    plugin::expand(input.into()).into()
}

/// Marks a workflow step. See `synapse::step`.
#[proc_macro_attribute]
pub fn step(args: TokenStream, item: TokenStream) -> TokenStream {
    step::expand(args.into(), item.into()).into()
}

/// Declares a pipeline: an ordered chain of actions. See `synapse::pipeline`.
#[proc_macro_attribute]
pub fn pipeline(args: TokenStream, item: TokenStream) -> TokenStream {
    pipeline::expand(args.into(), item.into()).into()
}

/// Declares a workflow: an ordered list of steps over one state type. See `synapse::workflow`.
#[proc_macro_attribute]
pub fn workflow(args: TokenStream, item: TokenStream) -> TokenStream {
    workflow::expand(args.into(), item.into()).into()
}
