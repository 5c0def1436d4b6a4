//! Layer: model (reader → **model** → check → expand). The model of `#[data_type]`: its arguments and the unit struct they sit on.
//!
//! ```text
//! #[data_type(parent = Dataset, description = "…", crate = ::synapse)]
//! pub struct YoloDataset;
//! ```
//!
//! The rules live in [`check`](mod@check).

pub mod check;

pub use check::check;

use crate::errors::Errors;
use crate::names::{data_type_name, doc_lines, doc_summary};
use crate::symbol::{CRATE, DATA_TYPE_ARGS, DESCRIPTION, PARENT};
use proc_macro2::TokenStream;

/// The parsed arguments of one `#[data_type(...)]` attribute (a wrong one is left out).
#[derive(Default)]
pub struct DataTypeArgs {
    /// `parent = Dataset`: the data type this one specializes.
    pub parent: Option<syn::Type>,
    /// `description = "…"`.
    pub description: Option<syn::LitStr>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl DataTypeArgs {
    /// Parses the tokens inside `#[data_type(...)]`, recording every problem in `errors`.
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = DataTypeArgs::default();
        DATA_TYPE_ARGS.read(errors, tokens, |arg| match arg.symbol {
            PARENT => args.parent = arg.ty(errors, "a type", "parent = Dataset"),
            DESCRIPTION => args.description = arg.lit_str(errors, "description = \"…\""),
            CRATE => args.krate = arg.path(errors),
            _ => {}
        });
        args
    }
}

/// One `#[data_type]` and the item it is on.
pub struct DataType<'a> {
    /// What the attribute says.
    pub args: DataTypeArgs,
    /// The item the attribute is on.
    pub item: &'a syn::Item,
    /// The type declared, when the item is one that can implement `DataType` (a struct, an
    /// enum or a union): its name and generics.
    pub ty: Option<(&'a syn::Ident, &'a syn::Generics)>,
}

impl<'a> DataType<'a> {
    /// The data type on `item`.
    pub fn new(args: DataTypeArgs, item: &'a syn::Item) -> Self {
        let ty = match item {
            syn::Item::Struct(syn::ItemStruct { ident, generics, .. })
            | syn::Item::Enum(syn::ItemEnum { ident, generics, .. })
            | syn::Item::Union(syn::ItemUnion { ident, generics, .. }) => Some((ident, generics)),
            _ => None,
        };
        DataType { args, item, ty }
    }

    /// True for what a data type must be: a unit struct without generics.
    pub fn is_unit_struct(&self) -> bool {
        matches!(self.item, syn::Item::Struct(strukt)
            if strukt.generics.params.is_empty() && matches!(strukt.fields, syn::Fields::Unit))
    }

    /// The name written to `config.yaml`: the snake_case of the type name.
    pub fn name(&self) -> Option<String> {
        self.ty.map(|(ident, _)| data_type_name(&ident.to_string()))
    }

    /// Its description: the one given, or the summary of its doc comment.
    pub fn description(&self) -> String {
        let attrs: &[syn::Attribute] = match self.item {
            syn::Item::Struct(strukt) => &strukt.attrs,
            _ => &[],
        };
        match &self.args.description {
            Some(lit) => lit.value(),
            None => doc_summary(doc_lines(attrs).iter().map(String::as_str)),
        }
    }
}
