//! What a field's `#[param(...)]` settings become: the serde and schemars attributes that
//! express them, in the order written, and the default-value fns they name.
//!
//! Layer: expand (reader → model → check → **expand**); it reads a model checked by
//! `synapse-macros-core`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use synapse_macros_core::params::{Field, Param};
use synapse_macros_core::symbol::{EXCLUSIVE_MAX, EXCLUSIVE_MIN, FORMKIT, MAX, MIN};

/// The attributes replacing `#[param(...)]` on `field` of the type `owner`; the fns giving
/// default values are added to `defaults`. `p` is the `__private` path.
pub fn attrs(
    p: &TokenStream,
    owner: &syn::Ident,
    field: &Field,
    defaults: &mut Vec<TokenStream>,
) -> Vec<syn::Attribute> {
    let mut out: Vec<syn::Attribute> = Vec::new();
    for param in &field.params {
        match param {
            Param::Default(None) => out.push(syn::parse_quote!(#[serde(default)])),
            Param::Default(Some(value)) => {
                let fn_name = default_fn(p, field, value, defaults);
                let path = format!("{owner}::{fn_name}");
                out.push(syn::parse_quote!(#[serde(default = #path)]));
            }
            Param::Range(bounds) => {
                let min = bounds.get(MIN).map(|v| quote!(min = #v));
                let max = bounds.get(MAX).map(|v| quote!(max = #v));
                let inclusive: Vec<_> = min.into_iter().chain(max).collect();
                if !inclusive.is_empty() {
                    out.push(syn::parse_quote!(#[schemars(range(#(#inclusive),*))]));
                }
                for (bound, value) in &bounds.bounds {
                    let keyword = match *bound {
                        EXCLUSIVE_MIN => "exclusiveMinimum",
                        EXCLUSIVE_MAX => "exclusiveMaximum",
                        _ => continue,
                    };
                    out.push(syn::parse_quote!(#[schemars(extend(#keyword = #value))]));
                }
            }
            Param::Length(bounds) => {
                let parts: Vec<_> = bounds
                    .bounds
                    .iter()
                    .map(|(bound, value)| {
                        let bound = format_ident!("{}", bound.as_str());
                        quote!(#bound = #value)
                    })
                    .collect();
                if !parts.is_empty() {
                    out.push(syn::parse_quote!(#[schemars(length(#(#parts),*))]));
                }
            }
            Param::Pattern(pattern) => out.push(syn::parse_quote!(#[schemars(regex(pattern = #pattern))])),
            Param::Rename(name) => out.push(syn::parse_quote!(#[serde(rename = #name)])),
            Param::Description(text) => out.push(syn::parse_quote!(#[schemars(description = #text)])),
            Param::Example(value) => out.push(syn::parse_quote!(#[schemars(example = #value)])),
            Param::Form(form) if form.exclude.is_some() => {
                out.push(syn::parse_quote!(#[schemars(extend("x-form" = false))]));
            }
            Param::Form(form) => {
                // FormKit's own key for the input is `$formkit`; the others are its props.
                let entries = form.entries.iter().map(|(key, value)| {
                    let key = if *key == FORMKIT { "$formkit" } else { key.as_str() };
                    quote!(#key: #value)
                });
                out.push(syn::parse_quote!(#[schemars(extend("x-form" = { #(#entries),* }))]));
            }
        }
    }
    out
}

/// Adds the fn that gives `field` its default `value` and returns its name.
fn default_fn(p: &TokenStream, field: &Field, value: &syn::Expr, defaults: &mut Vec<TokenStream>) -> syn::Ident {
    let field_name = field.field.ident.as_ref().map(|i| i.unraw().to_string()).unwrap_or_else(|| "field".into());
    let fn_name = match field.variant {
        Some(v) => format_ident!("__synapse_default_{}_{}", v, field_name),
        None => format_ident!("__synapse_default_{}", field_name),
    };
    let ty = &field.field.ty;
    // `default = "fast"` fills a `String` (or any `From<&str>` type); a primitive field keeps the
    // literal as written, so a quoted number reads as the plain "expected `u32`, found `&str`"
    // rather than a missing `From` impl.
    let body = match value {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }) if !is_primitive(ty) => {
            quote!(#p::core::convert::From::from(#value))
        }
        _ => quote!(#value),
    };
    defaults.push(quote! {
        #[doc(hidden)]
        #[allow(non_snake_case)]
        fn #fn_name() -> #ty { #body }
    });
    fn_name
}

/// Whether `ty` is a primitive number, `bool` or `char`, which no string literal can fill.
fn is_primitive(ty: &syn::Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64", "bool",
        "char",
    ];
    match ty {
        syn::Type::Path(path) if path.qself.is_none() => {
            path.path.get_ident().is_some_and(|ident| PRIMITIVES.contains(&ident.to_string().as_str()))
        }
        syn::Type::Group(group) => is_primitive(&group.elem),
        syn::Type::Paren(paren) => is_primitive(&paren.elem),
        _ => false,
    }
}
