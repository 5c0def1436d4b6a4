//! `#[params]` and `#[output]`: one type, one source of truth for its JSON Schema, its
//! validation and its (de)serialization.
//!
//! The attribute adds serde's and schemars' derives (reached through `__private`, so the user
//! crate needs neither dependency), turns the `#[param(...)]` field vocabulary into the
//! serde/schemars attributes that express it, and implements `Params` / `ActionOutput`. Because
//! the validator is compiled from the very schema that is published, the two cannot disagree.

use crate::paths::{private, private_string};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use synapse_macros_core::Errors;
use synapse_macros_core::errors::unknown_message;

/// Which attribute is being expanded.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `#[params]`: deserialized from user input, unknown fields rejected by default.
    Params,
    /// `#[output]`: an action's typed result.
    Output,
}

impl Role {
    fn attribute(self) -> &'static str {
        match self {
            Role::Params => "#[params]",
            Role::Output => "#[output]",
        }
    }

    fn keys(self) -> &'static [&'static str] {
        match self {
            Role::Params => &["allow_unknown_fields", "crate"],
            Role::Output => &["crate"],
        }
    }
}

/// The keys `#[param(...)]` accepts on a field.
const PARAM_KEYS: &[&str] = &["default", "range", "length", "pattern", "rename", "description", "example"];
const RANGE_KEYS: &[&str] = &["min", "max", "exclusive_min", "exclusive_max"];
const LENGTH_KEYS: &[&str] = &["min", "max"];

#[derive(Default)]
struct ContainerArgs {
    allow_unknown_fields: bool,
    krate: Option<syn::Path>,
}

pub fn expand(role: Role, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let container = parse_container_args(role, args, &mut errors);
    let mut item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let expansion = match &mut item {
        syn::Item::Struct(strukt) => expand_struct(role, &container, strukt, &mut errors),
        syn::Item::Enum(enumeration) => expand_enum(role, &container, enumeration, &mut errors),
        other => {
            errors.error_spanned(
                other.to_token_stream(),
                format!("`{}` goes on a struct with named fields or on an enum", role.attribute()),
            );
            None
        }
    };
    match (errors.finish(), expansion) {
        (Ok(()), Some(expansion)) => expansion,
        (Err(error), _) => {
            strip_param_attrs(&mut item);
            let errors = error.to_compile_error();
            quote!(#item #errors)
        }
        (Ok(()), None) => quote!(#item),
    }
}

fn parse_container_args(role: Role, args: TokenStream, errors: &mut Errors) -> ContainerArgs {
    let mut parsed = ContainerArgs::default();
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let key = input.call(syn::Ident::parse_any)?;
            match key.to_string().as_str() {
                "allow_unknown_fields" if role == Role::Params => parsed.allow_unknown_fields = true,
                "crate" => {
                    input.parse::<syn::Token![=]>()?;
                    parsed.krate = Some(input.call(syn::Path::parse_mod_style)?);
                }
                other => {
                    errors.error_spanned(
                        &key,
                        unknown_message(&format!("`{}` argument", role.attribute()), other, role.keys()),
                    );
                    if input.parse::<syn::Token![=]>().is_ok() {
                        let _ = input.parse::<syn::Expr>();
                    }
                }
            }
            if !input.is_empty() {
                input.parse::<syn::Token![,]>()?;
            }
        }
        Ok(())
    };
    if let Err(error) = parser.parse2(args) {
        errors.push(error);
    }
    parsed
}

fn expand_struct(
    role: Role,
    container: &ContainerArgs,
    strukt: &mut syn::ItemStruct,
    errors: &mut Errors,
) -> Option<TokenStream> {
    reject_generics(role, &strukt.generics, errors);
    if !matches!(strukt.fields, syn::Fields::Named(_)) {
        let fields_span = match &strukt.fields {
            syn::Fields::Unit => strukt.ident.to_token_stream(),
            other => other.to_token_stream(),
        };
        errors.error_spanned(
            fields_span,
            format!(
                "`{}` needs named fields, because its JSON form is an object; write `struct {} {{}}` for none",
                role.attribute(),
                strukt.ident
            ),
        );
        return None;
    }
    let ident = strukt.ident.clone();
    let mut defaults = Vec::new();
    for field in strukt.fields.iter_mut() {
        rewrite_field(role, container, &ident, None, field, &mut defaults, errors);
    }
    let derives = container_attrs(role, container, false, &strukt.attrs);
    strukt.attrs.splice(0..0, derives);
    Some(finish(role, container, &ident, strukt.to_token_stream(), defaults))
}

fn expand_enum(
    role: Role,
    container: &ContainerArgs,
    enumeration: &mut syn::ItemEnum,
    errors: &mut Errors,
) -> Option<TokenStream> {
    reject_generics(role, &enumeration.generics, errors);
    let ident = enumeration.ident.clone();
    let mut defaults = Vec::new();
    for variant in enumeration.variants.iter_mut() {
        let variant_ident = variant.ident.clone();
        for field in variant.fields.iter_mut() {
            rewrite_field(role, container, &ident, Some(&variant_ident), field, &mut defaults, errors);
        }
    }
    let derives = container_attrs(role, container, true, &enumeration.attrs);
    enumeration.attrs.splice(0..0, derives);
    Some(finish(role, container, &ident, enumeration.to_token_stream(), defaults))
}

fn reject_generics(role: Role, generics: &syn::Generics, errors: &mut Errors) {
    if !generics.params.is_empty() {
        errors.error_spanned(
            generics,
            format!("`{}` types cannot be generic: each one publishes one concrete JSON Schema", role.attribute()),
        );
    }
}

/// The derives and container attributes, placed before the user's own attributes.
fn container_attrs(
    role: Role,
    container: &ContainerArgs,
    is_enum: bool,
    existing: &[syn::Attribute],
) -> Vec<syn::Attribute> {
    let p = private(container.krate.as_ref());
    let serde_crate = private_string(container.krate.as_ref(), "serde");
    let schemars_crate = private_string(container.krate.as_ref(), "schemars");
    let mut attrs: Vec<syn::Attribute> = vec![
        syn::parse_quote!(#[derive(#p::serde::Serialize, #p::serde::Deserialize, #p::schemars::JsonSchema)]),
        syn::parse_quote!(#[serde(crate = #serde_crate)]),
        syn::parse_quote!(#[schemars(crate = #schemars_crate)]),
    ];
    if role == Role::Params && !container.allow_unknown_fields {
        attrs.push(syn::parse_quote!(#[serde(deny_unknown_fields)]));
    }
    let user_renames = existing
        .iter()
        .any(|attr| attr.path().is_ident("serde") && attr.to_token_stream().to_string().contains("rename_all"));
    if is_enum && !user_renames {
        attrs.push(syn::parse_quote!(#[serde(rename_all = "snake_case")]));
    }
    attrs
}

fn finish(
    role: Role,
    container: &ContainerArgs,
    ident: &syn::Ident,
    item: TokenStream,
    defaults: Vec<TokenStream>,
) -> TokenStream {
    let p = private(container.krate.as_ref());
    let role_trait = match role {
        Role::Params => quote!(#p::Params),
        Role::Output => quote!(#p::ActionOutput),
    };
    let defaults = if defaults.is_empty() {
        quote!()
    } else {
        quote! {
            #[doc(hidden)]
            impl #ident { #(#defaults)* }
        }
    };
    let name = ident.to_string();
    quote! {
        #item
        #defaults
        const _: () = {
            impl #p::HasSchema for #ident {
                fn schema_cell() -> &'static #p::SchemaCell {
                    static CELL: #p::SchemaCell = #p::SchemaCell::new(#name, #p::schema_of::<#ident>);
                    &CELL
                }
            }
            impl #role_trait for #ident {}
        };
    }
}

/// Replaces the `#[param(...)]` attributes of `field` with the serde/schemars attributes they mean.
fn rewrite_field(
    role: Role,
    container: &ContainerArgs,
    owner: &syn::Ident,
    variant: Option<&syn::Ident>,
    field: &mut syn::Field,
    defaults: &mut Vec<TokenStream>,
    errors: &mut Errors,
) {
    let (params, mut kept): (Vec<_>, Vec<_>) = field.attrs.drain(..).partition(|attr| attr.path().is_ident("param"));
    let _ = role;
    for attr in params {
        let added = translate_param(container, owner, variant, field, &attr, defaults, errors);
        kept.extend(added);
    }
    field.attrs = kept;
}

fn translate_param(
    container: &ContainerArgs,
    owner: &syn::Ident,
    variant: Option<&syn::Ident>,
    field: &syn::Field,
    attr: &syn::Attribute,
    defaults: &mut Vec<TokenStream>,
    errors: &mut Errors,
) -> Vec<syn::Attribute> {
    let mut out: Vec<syn::Attribute> = Vec::new();
    let field_name = field.ident.as_ref().map(|i| i.unraw().to_string()).unwrap_or_else(|| "field".into());
    let ty = &field.ty;
    let _ = container;
    let result = attr.parse_nested_meta(|meta| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        match key.as_str() {
            "default" => {
                if meta.input.peek(syn::Token![=]) {
                    let value: syn::Expr = meta.value()?.parse()?;
                    let fn_name = match variant {
                        Some(v) => format_ident!("__synapse_default_{}_{}", v, field_name),
                        None => format_ident!("__synapse_default_{}", field_name),
                    };
                    let body = match &value {
                        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }) => {
                            quote!(::core::convert::From::from(#value))
                        }
                        _ => quote!(#value),
                    };
                    defaults.push(quote! {
                        #[doc(hidden)]
                        #[allow(non_snake_case)]
                        fn #fn_name() -> #ty { #body }
                    });
                    let path = format!("{owner}::{fn_name}");
                    out.push(syn::parse_quote!(#[serde(default = #path)]));
                } else {
                    out.push(syn::parse_quote!(#[serde(default)]));
                }
            }
            "range" => {
                let mut bounds: Vec<(String, syn::Expr)> = Vec::new();
                meta.parse_nested_meta(|inner| {
                    let bound = inner.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                    if !RANGE_KEYS.contains(&bound.as_str()) {
                        errors.error_spanned(&inner.path, unknown_message("`range` bound", &bound, RANGE_KEYS));
                        let _ = inner.value().and_then(|v| v.parse::<syn::Expr>());
                        return Ok(());
                    }
                    let value: syn::Expr = inner.value()?.parse()?;
                    bounds.push((bound, value));
                    Ok(())
                })?;
                check_bounds(&meta.path, &bounds, errors);
                let min = bounds.iter().find(|(k, _)| k == "min").map(|(_, v)| quote!(min = #v));
                let max = bounds.iter().find(|(k, _)| k == "max").map(|(_, v)| quote!(max = #v));
                let inclusive: Vec<_> = min.into_iter().chain(max).collect();
                if !inclusive.is_empty() {
                    out.push(syn::parse_quote!(#[schemars(range(#(#inclusive),*))]));
                }
                for (bound, value) in &bounds {
                    let keyword = match bound.as_str() {
                        "exclusive_min" => "exclusiveMinimum",
                        "exclusive_max" => "exclusiveMaximum",
                        _ => continue,
                    };
                    out.push(syn::parse_quote!(#[schemars(extend(#keyword = #value))]));
                }
            }
            "length" => {
                let mut bounds: Vec<(String, syn::Expr)> = Vec::new();
                meta.parse_nested_meta(|inner| {
                    let bound = inner.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
                    if !LENGTH_KEYS.contains(&bound.as_str()) {
                        errors.error_spanned(&inner.path, unknown_message("`length` bound", &bound, LENGTH_KEYS));
                        let _ = inner.value().and_then(|v| v.parse::<syn::Expr>());
                        return Ok(());
                    }
                    let value: syn::Expr = inner.value()?.parse()?;
                    bounds.push((bound, value));
                    Ok(())
                })?;
                check_bounds(&meta.path, &bounds, errors);
                let parts: Vec<_> = bounds
                    .iter()
                    .map(|(k, v)| {
                        let k = format_ident!("{}", k);
                        quote!(#k = #v)
                    })
                    .collect();
                if !parts.is_empty() {
                    out.push(syn::parse_quote!(#[schemars(length(#(#parts),*))]));
                }
            }
            "pattern" => {
                let pattern: syn::LitStr = meta.value()?.parse()?;
                out.push(syn::parse_quote!(#[schemars(regex(pattern = #pattern))]));
            }
            "rename" => {
                let name: syn::LitStr = meta.value()?.parse()?;
                out.push(syn::parse_quote!(#[serde(rename = #name)]));
            }
            "description" => {
                let text: syn::LitStr = meta.value()?.parse()?;
                out.push(syn::parse_quote!(#[schemars(description = #text)]));
            }
            "example" => {
                let value: syn::Expr = meta.value()?.parse()?;
                out.push(syn::parse_quote!(#[schemars(example = #value)]));
            }
            _ => {
                let shown = if key.is_empty() { meta.path.to_token_stream().to_string() } else { key.clone() };
                errors.error_spanned(&meta.path, unknown_message("`#[param]` key", &shown, PARAM_KEYS));
                if meta.input.peek(syn::Token![=]) {
                    let _ = meta.value()?.parse::<syn::Expr>();
                } else if meta.input.peek(syn::token::Paren) {
                    let _ = meta.parse_nested_meta(|inner| {
                        if inner.input.peek(syn::Token![=]) {
                            let _ = inner.value()?.parse::<syn::Expr>();
                        }
                        Ok(())
                    });
                }
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push(error);
    }
    out
}

/// Literal bounds must be ordered: `min <= max`.
fn check_bounds(path: &syn::Path, bounds: &[(String, syn::Expr)], errors: &mut Errors) {
    let number = |key: &str| bounds.iter().find(|(k, _)| k == key).and_then(|(_, value)| literal_number(value));
    let low = number("min").or_else(|| number("exclusive_min"));
    let high = number("max").or_else(|| number("exclusive_max"));
    if let (Some(low), Some(high)) = (low, high)
        && low > high
    {
        errors.error_spanned(path, format!("the lower bound ({low}) is greater than the upper bound ({high})"));
    }
    if bounds.is_empty() {
        errors.error_spanned(path, "give at least one bound, e.g. `(min = 1, max = 10)`");
    }
}

fn literal_number(expr: &syn::Expr) -> Option<f64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => int.base10_parse::<f64>().ok(),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(float), .. }) => float.base10_parse::<f64>().ok(),
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => literal_number(expr).map(|n| -n),
        _ => None,
    }
}

/// On error, the item is still emitted (so the crate keeps type-checking), minus our attributes.
fn strip_param_attrs(item: &mut syn::Item) {
    let strip = |fields: &mut syn::Fields| {
        for field in fields.iter_mut() {
            field.attrs.retain(|attr| !attr.path().is_ident("param"));
        }
    };
    match item {
        syn::Item::Struct(strukt) => strip(&mut strukt.fields),
        syn::Item::Enum(enumeration) => enumeration.variants.iter_mut().for_each(|v| strip(&mut v.fields)),
        _ => {}
    }
}
