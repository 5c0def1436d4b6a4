//! The rules of a `#[params]` or `#[output]` type beyond its settings: a concrete struct with
//! named fields or an enum (its JSON form is an object), and literal bounds that leave room for
//! a value.
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::{Param, Params};
use crate::errors::Errors;
use crate::errors::unknown_message;
use crate::shape::check_not_generic;
use crate::symbol::{EXCLUSIVE_MAX, EXCLUSIVE_MIN, FORMKIT, FORMKIT_INPUTS, MAX, MIN};
use quote::ToTokens;

/// Records in `errors` every way `params` breaks the rules.
///
/// ```
/// use synapse_macros_core::{Errors, params::{self, ContainerArgs, Params, Role}};
/// let item: syn::Item = syn::parse_quote!(pub struct P { #[param(range(min = 10, max = 1))] pub n: u32 });
/// let errors = Errors::new();
/// params::check(&errors, &Params::new(&errors, Role::Params, ContainerArgs::default(), &item));
/// let message = errors.check().unwrap_err().to_string();
/// assert_eq!(message, "the lower bound (10) is greater than the upper bound (1), so no value is valid");
/// ```
pub fn check(errors: &Errors, params: &Params) {
    let attribute = params.role.attribute();
    let Some((ident, generics)) = params.ty() else {
        errors.error_spanned(params.item, format!("`{attribute}` goes on a struct with named fields or on an enum"));
        return;
    };
    check_not_generic(
        errors,
        generics,
        &format!("`{attribute}` types cannot be generic: each one publishes one concrete JSON Schema"),
    );
    if let syn::Item::Struct(strukt) = params.item {
        match &strukt.fields {
            syn::Fields::Named(_) => {}
            syn::Fields::Unit => errors.error_spanned(
                ident,
                format!("`{attribute}` needs named fields, because its JSON form is an object; write `struct {ident} {{}}` for none"),
            ),
            syn::Fields::Unnamed(fields) => errors.error_spanned(
                fields,
                format!("`{attribute}` needs named fields, because its JSON form is an object; name them, like `struct {ident} {{ field: Type }}`"),
            ),
        }
    }
    for field in &params.fields {
        let has_default = field.params.iter().any(|param| matches!(param, Param::Default(_)));
        for param in &field.params {
            match param {
                Param::Range(bounds) | Param::Length(bounds) => check_bounds(errors, bounds),
                Param::Form(form) => check_form(errors, form, has_default || is_option(&field.field.ty)),
                _ => {}
            }
        }
    }
}

/// A form override: `exclude` alone, on a field the params can do without (a default, or an
/// `Option`); a `formkit` input FormKit has.
fn check_form(errors: &Errors, form: &super::FormOverride, optional: bool) {
    if let Some(exclude) = &form.exclude {
        if let Some((key, _)) = form.entries.first() {
            errors.error_spanned(
                exclude,
                format!(
                    "`exclude` leaves the field out of the form, so `{}` has nothing to apply to; remove one",
                    key.as_str()
                ),
            );
        }
        if !optional {
            errors.error_spanned(
                exclude,
                "a field left out of the form needs a value without it: give it `default` (or make it an `Option`)",
            );
        }
    }
    for (key, value) in &form.entries {
        if *key == FORMKIT && !FORMKIT_INPUTS.contains(&value.value().as_str()) {
            errors.error_spanned(value, unknown_message("FormKit input", &value.value(), FORMKIT_INPUTS));
        }
    }
}

/// Whether `ty` is written `Option<…>` (its field may be missing).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().is_some_and(|segment| segment.ident == "Option"),
        syn::Type::Group(group) => is_option(&group.elem),
        _ => false,
    }
}

/// Literal bounds must leave room for a value: `min <= max`, and `min < max` when either is
/// exclusive.
fn check_bounds(errors: &Errors, bounds: &super::Bounds) {
    let number = |bound| bounds.get(bound).and_then(literal_number);
    let (low, low_exclusive) = match number(MIN) {
        Some(min) => (Some(min), false),
        None => (number(EXCLUSIVE_MIN), true),
    };
    let (high, high_exclusive) = match number(MAX) {
        Some(max) => (Some(max), false),
        None => (number(EXCLUSIVE_MAX), true),
    };
    let (Some(low), Some(high)) = (low, high) else {
        return;
    };
    let key = bounds.key.to_token_stream();
    if low > high {
        errors.error_spanned(
            key,
            format!("the lower bound ({low}) is greater than the upper bound ({high}), so no value is valid"),
        );
    } else if low == high && (low_exclusive || high_exclusive) {
        errors
            .error_spanned(key, format!("the bounds exclude {low}, the only value between them, so no value is valid"));
    }
}

fn literal_number(expr: &syn::Expr) -> Option<f64> {
    match crate::shape::ungroup(expr) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => int.base10_parse::<f64>().ok(),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(float), .. }) => float.base10_parse::<f64>().ok(),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => literal_number(expr).map(|n| -n),
        _ => None,
    }
}
