//! Layer: model (reader → **model** → check → expand). The model of `#[step]`: its arguments ([`StepArgs`]) and the item they sit on.
//!
//! A misplaced `#[step]` on a type (an enum, a union, or the `impl Step<C> for T` block) still
//! names the type that should have been marked, so the expansion can give it placeholder impls
//! and the one mistake is reported once. The rules live in [`check`](mod@check).

mod args;
pub mod check;

pub use args::{MAX_RETRIES, StepArgs};
pub use check::check;

use crate::names::default_step_name;
use syn::ext::IdentExt;

/// One `#[step]` and the item it is on.
pub struct Step<'a> {
    /// What the attribute says.
    pub args: StepArgs,
    /// The item the attribute is on.
    pub item: &'a syn::Item,
    /// The item, as a step.
    pub form: StepForm<'a>,
}

/// What a `#[step]` is on.
pub enum StepForm<'a> {
    /// A struct: the right place.
    Struct(&'a syn::ItemStruct),
    /// An enum or a union: misplaced, but a type that can still get placeholder impls.
    OtherType {
        /// The type's name.
        ident: &'a syn::Ident,
        /// Its generics.
        generics: &'a syn::Generics,
    },
    /// `impl Step<C> for T`: misplaced; `T` can still get placeholder impls.
    StepImpl {
        /// The impl block.
        item: &'a syn::ItemImpl,
        /// `T`.
        self_ty: &'a syn::TypePath,
    },
    /// Anything else.
    Misplaced,
}

impl<'a> Step<'a> {
    /// The step on `item`.
    pub fn new(args: StepArgs, item: &'a syn::Item) -> Self {
        let form = match item {
            syn::Item::Struct(strukt) => StepForm::Struct(strukt),
            syn::Item::Enum(syn::ItemEnum { ident, generics, .. })
            | syn::Item::Union(syn::ItemUnion { ident, generics, .. }) => StepForm::OtherType { ident, generics },
            syn::Item::Impl(imp) => match (&imp.trait_, &*imp.self_ty) {
                (Some((_, path, _)), syn::Type::Path(self_ty))
                    if path.segments.last().is_some_and(|segment| segment.ident == "Step") =>
                {
                    StepForm::StepImpl { item: imp, self_ty }
                }
                _ => StepForm::Misplaced,
            },
            _ => StepForm::Misplaced,
        };
        Step { args, item, form }
    }

    /// The step's name: the one given, or the one derived from its struct's name.
    pub fn name(&self) -> Option<String> {
        match (&self.args.name, &self.form) {
            (Some(name), _) => Some(name.clone()),
            (None, StepForm::Struct(strukt)) => Some(default_step_name(&strukt.ident.unraw().to_string())),
            _ => None,
        }
    }
}
