//! Layer: model (reader → **model** → check → expand). The model of `#[pipeline]`: its arguments and the tuple struct listing the actions.
//!
//! ```text
//! #[pipeline(name = "dataset_to_model", description = "…", crate = ::synapse)]
//! pub struct DatasetToModel(Download, Convert, Train);
//! ```
//!
//! The rules live in [`check`](mod@check).

pub mod check;

pub use check::check;

use crate::errors::Errors;
use crate::names::{default_pipeline_name, doc_lines, doc_summary};
use crate::shape::{Listed, Listing};
use crate::symbol::{CRATE, DESCRIPTION, NAME, PIPELINE_ARGS};
use proc_macro2::TokenStream;

/// What `#[pipeline]` goes on, for messages.
pub const LISTING: Listing = Listing {
    kind: "pipeline",
    member: "action",
    example: "Download, Train",
    shape: "listing the actions in order, like `pub struct MyPipeline(Download, Convert, Train);`",
};

/// The parsed arguments of one `#[pipeline(...)]` attribute (a wrong one is left out).
#[derive(Default)]
pub struct PipelineArgs {
    /// `name = "…"`: a valid pipeline name.
    pub name: Option<syn::LitStr>,
    /// `description = "…"`.
    pub description: Option<syn::LitStr>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl PipelineArgs {
    /// Parses the tokens inside `#[pipeline(...)]`, recording every problem in `errors`.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, pipeline::PipelineArgs};
    /// let errors = Errors::new();
    /// PipelineArgs::parse(&errors, quote::quote!(name = "Dataset To Model"));
    /// let message = errors.check().unwrap_err().to_string();
    /// assert_eq!(message, "invalid pipeline name: `Dataset To Model` must start with a lowercase ASCII letter");
    /// ```
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = PipelineArgs::default();
        PIPELINE_ARGS.read(errors, tokens, |arg| match arg.symbol {
            NAME => args.name = arg.name(errors, "pipeline", "name = \"dataset_to_model\""),
            DESCRIPTION => args.description = arg.lit_str(errors, "description = \"…\""),
            CRATE => args.krate = arg.path(errors),
            _ => {}
        });
        args
    }
}

/// One `#[pipeline]` and the struct it is on.
pub struct Pipeline<'a> {
    /// What the attribute says.
    pub args: PipelineArgs,
    /// The struct and its actions.
    pub listed: Listed<'a>,
}

impl<'a> Pipeline<'a> {
    /// The pipeline on `item`; `None` (with the problem recorded) when `item` is not a struct.
    pub fn new(errors: &Errors, args: PipelineArgs, item: &'a syn::Item) -> Option<Self> {
        let listed = LISTING.read(errors, item)?;
        Some(Pipeline { args, listed })
    }

    /// The pipeline's name: the one given, or the one derived from the struct's name.
    pub fn name(&self) -> String {
        match &self.args.name {
            Some(lit) => lit.value(),
            None => default_pipeline_name(&self.listed.strukt.ident.to_string()),
        }
    }

    /// Its description: the one given, or the summary of its doc comment.
    pub fn description(&self) -> String {
        match &self.args.description {
            Some(lit) => lit.value(),
            None => doc_summary(doc_lines(&self.listed.strukt.attrs).iter().map(String::as_str)),
        }
    }
}
