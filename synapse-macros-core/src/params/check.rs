//! The rules of a `#[params]` or `#[output]` type beyond its settings: a concrete struct with
//! named fields or an enum (its JSON form is an object), and literal bounds that leave room for
//! a value.
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::{Param, Params};
use crate::errors::Errors;
use crate::shape::check_not_generic;
use crate::symbol::{EXCLUSIVE_MAX, EXCLUSIVE_MIN, MAX, MIN};
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
        for param in &field.params {
            if let Param::Range(bounds) | Param::Length(bounds) = param {
                check_bounds(errors, bounds);
            }
        }
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
