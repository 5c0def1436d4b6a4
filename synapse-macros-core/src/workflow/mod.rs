//! Layer: model (reader → **model** → check → expand). The model of `#[workflow]`: its arguments and the tuple struct listing the steps.
//!
//! ```text
//! #[workflow(context = MyState, normalize, crate = ::synapse)]
//! pub struct MyWorkflow(StepA, StepB);
//! ```
//!
//! The rules live in [`check`](mod@check).

pub mod check;

pub use check::check;

use crate::errors::Errors;
use crate::shape::{Listed, Listing};
use crate::symbol::{CONTEXT, CRATE, NORMALIZE, WORKFLOW_ARGS};
use proc_macro2::TokenStream;

/// What `#[workflow]` goes on, for messages.
pub const LISTING: Listing = Listing {
    kind: "workflow",
    member: "step",
    example: "StepA, StepB",
    shape: "listing the steps, like `pub struct MyWorkflow(StepA, StepB);`",
};

/// The parsed arguments of one `#[workflow(...)]` attribute (a wrong one is left out).
#[derive(Default)]
pub struct WorkflowArgs {
    /// `context = MyState`: the state the steps share.
    pub context: Option<syn::Type>,
    /// `normalize`: scale the weights instead of requiring that they sum to 1.
    pub normalize: bool,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
    /// The tokens inside the parentheses, where a rule about a missing key points.
    pub tokens: TokenStream,
}

impl WorkflowArgs {
    /// Parses the tokens inside `#[workflow(...)]`, recording every problem in `errors`.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, workflow::WorkflowArgs};
    /// let errors = Errors::new();
    /// let args = WorkflowArgs::parse(&errors, quote::quote!(context = State<A, B>, normalize));
    /// errors.check().unwrap();
    /// assert!(args.context.is_some() && args.normalize);
    /// ```
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = WorkflowArgs { tokens: tokens.clone(), ..WorkflowArgs::default() };
        WORKFLOW_ARGS.read(errors, tokens, |arg| match arg.symbol {
            CONTEXT => args.context = arg.ty(errors, "the type of the state the steps share", "context = MyState"),
            NORMALIZE => {
                args.normalize = arg.flag(errors, "write `#[workflow(context = …, normalize)]` to scale the weights")
            }
            CRATE => args.krate = arg.path(errors),
            _ => {}
        });
        args
    }
}

/// One `#[workflow]` and the struct it is on.
pub struct Workflow<'a> {
    /// What the attribute says.
    pub args: WorkflowArgs,
    /// The struct and its steps.
    pub listed: Listed<'a>,
}

impl<'a> Workflow<'a> {
    /// The workflow on `item`; `None` (with the problem recorded) when `item` is not a struct.
    pub fn new(errors: &Errors, args: WorkflowArgs, item: &'a syn::Item) -> Option<Self> {
        let listed = LISTING.read(errors, item)?;
        Some(Workflow { args, listed })
    }
}
