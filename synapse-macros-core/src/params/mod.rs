//! Layer: model (reader → **model** → check → expand). The model of `#[params]` and `#[output]`: the container's arguments, the struct or enum,
//! and each field with its `#[param(...)]` settings.
//!
//! ```text
//! #[params(allow_unknown_fields, crate = ::synapse)]
//! pub struct ProcessParams {
//!     #[param(default = 32, range(min = 1, max = 512), description = "…")]
//!     pub batch_size: u32,
//! }
//! ```
//!
//! The field grammar lives in [`field`], the rules in [`check`](mod@check).

pub mod check;
pub mod field;

pub use check::check;
pub use field::{Bounds, FormOverride, Param};

use crate::args::Grammar;
use crate::errors::Errors;
use crate::symbol::{ALLOW_UNKNOWN_FIELDS, CRATE, OUTPUT_ARGS, PARAMS_ARGS};
use proc_macro2::TokenStream;

/// Which attribute is being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `#[params]`: deserialized from user input, unknown fields rejected by default.
    Params,
    /// `#[output]`: an action's typed result.
    Output,
}

impl Role {
    /// The attribute as written: `#[params]`.
    pub fn attribute(self) -> &'static str {
        match self {
            Role::Params => "#[params]",
            Role::Output => "#[output]",
        }
    }

    fn grammar(self) -> Grammar {
        match self {
            Role::Params => PARAMS_ARGS,
            Role::Output => OUTPUT_ARGS,
        }
    }
}

/// The parsed arguments of `#[params(...)]` or `#[output(...)]` (a wrong one is left out).
#[derive(Default)]
pub struct ContainerArgs {
    /// `allow_unknown_fields` (`#[params]` only).
    pub allow_unknown_fields: bool,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl ContainerArgs {
    /// Parses the tokens inside the attribute, recording every problem in `errors`.
    pub fn parse(errors: &Errors, role: Role, tokens: TokenStream) -> Self {
        let mut args = ContainerArgs::default();
        role.grammar().read(errors, tokens, |arg| match arg.symbol {
            ALLOW_UNKNOWN_FIELDS => {
                args.allow_unknown_fields = arg.flag(errors, "write `#[params(allow_unknown_fields)]`")
            }
            CRATE => args.krate = arg.path(errors),
            _ => {}
        });
        args
    }
}

/// One `#[params]` or `#[output]` and the item it is on.
pub struct Params<'a> {
    /// Which attribute it is.
    pub role: Role,
    /// What the attribute says.
    pub args: ContainerArgs,
    /// The item the attribute is on.
    pub item: &'a syn::Item,
    /// Its fields, in order (variant by variant for an enum), each with its settings. A
    /// struct's fields are read only when they are named.
    pub fields: Vec<Field<'a>>,
}

/// A field and what its `#[param(...)]` attributes say.
pub struct Field<'a> {
    /// The enum variant it belongs to.
    pub variant: Option<&'a syn::Ident>,
    /// The field.
    pub field: &'a syn::Field,
    /// Its settings, in the order written.
    pub params: Vec<Param>,
}

impl<'a> Params<'a> {
    /// The model of `item`, reading every field's `#[param(...)]` into `errors`.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, params::{ContainerArgs, Param, Params, Role}};
    /// let item: syn::Item = syn::parse_quote!(pub struct P { #[param(default = 3, pattern = "^a")] pub n: String });
    /// let errors = Errors::new();
    /// let params = Params::new(&errors, Role::Params, ContainerArgs::default(), &item);
    /// errors.check().unwrap();
    /// assert!(matches!(params.fields[0].params[..], [Param::Default(Some(_)), Param::Pattern(_)]));
    /// ```
    pub fn new(errors: &Errors, role: Role, args: ContainerArgs, item: &'a syn::Item) -> Self {
        let fields = match item {
            syn::Item::Struct(strukt) if matches!(strukt.fields, syn::Fields::Named(_)) => {
                strukt.fields.iter().map(|field| Field::new(errors, None, field)).collect()
            }
            syn::Item::Enum(enumeration) => enumeration
                .variants
                .iter()
                .flat_map(|variant| variant.fields.iter().map(|field| Field::new(errors, Some(&variant.ident), field)))
                .collect(),
            _ => Vec::new(),
        };
        Params { role, args, item, fields }
    }

    /// The type's name and generics, when the item is a struct or an enum.
    pub fn ty(&self) -> Option<(&'a syn::Ident, &'a syn::Generics)> {
        match self.item {
            syn::Item::Struct(strukt) => Some((&strukt.ident, &strukt.generics)),
            syn::Item::Enum(enumeration) => Some((&enumeration.ident, &enumeration.generics)),
            _ => None,
        }
    }

    /// True when the item has the shape the expansion needs: a struct with named fields or an
    /// enum, without generics. Mistakes in the settings leave it expandable (the wrong setting
    /// is left out).
    pub fn is_expandable(&self) -> bool {
        match self.item {
            syn::Item::Struct(strukt) => {
                strukt.generics.params.is_empty() && matches!(strukt.fields, syn::Fields::Named(_))
            }
            syn::Item::Enum(enumeration) => enumeration.generics.params.is_empty(),
            _ => false,
        }
    }
}
