//! `#[params]` and `#[output]`: one type, one source of truth for its JSON Schema, its
//! validation and its (de)serialization.
//!
//! The attribute adds serde's and schemars' derives (reached through `__private`, so the user
//! crate needs neither dependency), turns the `#[param(...)]` field vocabulary into the
//! serde/schemars attributes that express it, and implements `Params` / `ActionOutput`. Because
//! the validator is compiled from the very schema that is published, the two cannot disagree.

use crate::paths::{private, private_string};
use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use synapse_macros_core::Errors;
use synapse_macros_core::args::parse_args;
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
    // A mistake inside a `#[param(...)]` leaves the type whole (the bad key is dropped), so it is
    // still expanded: the errors are reported once, here, not again wherever the type is used.
    match (errors.finish(), expansion) {
        (Ok(()), Some(expansion)) => expansion,
        (Err(error), Some(expansion)) => {
            let errors = error.to_compile_error();
            quote!(#expansion #errors)
        }
        (Err(error), None) => {
            strip_param_attrs(&mut item);
            let errors = error.to_compile_error();
            quote!(#item #errors)
        }
        (Ok(()), None) => quote!(#item),
    }
}

fn parse_container_args(role: Role, args: TokenStream, errors: &mut Errors) -> ContainerArgs {
    let mut parsed = ContainerArgs::default();
    let what = format!("`{}` argument", role.attribute());
    parse_args(args, &what, role.keys(), errors, |arg, errors| match arg.key.to_string().as_str() {
        "allow_unknown_fields" => parsed.allow_unknown_fields = arg.flag(errors),
        "crate" => parsed.krate = arg.path(errors),
        _ => {}
    });
    parsed
}

fn expand_struct(
    role: Role,
    container: &ContainerArgs,
    strukt: &mut syn::ItemStruct,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let generic = reject_generics(role, &strukt.generics, errors);
    let attribute = role.attribute();
    let ident = &strukt.ident;
    match &strukt.fields {
        syn::Fields::Named(_) => {}
        syn::Fields::Unit => {
            errors.error_spanned(
                ident,
                format!("`{attribute}` needs named fields, because its JSON form is an object; write `struct {ident} {{}}` for none"),
            );
            return None;
        }
        syn::Fields::Unnamed(fields) => {
            errors.error_spanned(
                fields,
                format!("`{attribute}` needs named fields, because its JSON form is an object; name them, like `struct {ident} {{ field: Type }}`"),
            );
            return None;
        }
    }
    if generic {
        return None;
    }
    let ident = strukt.ident.clone();
    let mut defaults = Vec::new();
    for field in strukt.fields.iter_mut() {
        rewrite_field(&ident, None, field, &mut defaults, errors);
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
    if reject_generics(role, &enumeration.generics, errors) {
        return None;
    }
    let ident = enumeration.ident.clone();
    let mut defaults = Vec::new();
    for variant in enumeration.variants.iter_mut() {
        let variant_ident = variant.ident.clone();
        for field in variant.fields.iter_mut() {
            rewrite_field(&ident, Some(&variant_ident), field, &mut defaults, errors);
        }
    }
    let derives = container_attrs(role, container, true, &enumeration.attrs);
    enumeration.attrs.splice(0..0, derives);
    Some(finish(role, container, &ident, enumeration.to_token_stream(), defaults))
}

/// Records an error and returns true when the type is generic.
fn reject_generics(role: Role, generics: &syn::Generics, errors: &mut Errors) -> bool {
    if generics.params.is_empty() {
        return false;
    }
    errors.error_spanned(
        generics,
        format!("`{}` types cannot be generic: each one publishes one concrete JSON Schema", role.attribute()),
    );
    true
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
    // Spanned at the type's name, so "the trait is implemented for …" hints point at the type.
    let role_impl = quote_spanned!(ident.span()=> impl #role_trait for #ident {});
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
            #role_impl
        };
    }
}

/// Replaces the `#[param(...)]` attributes of `field` with the serde/schemars attributes they mean.
fn rewrite_field(
    owner: &syn::Ident,
    variant: Option<&syn::Ident>,
    field: &mut syn::Field,
    defaults: &mut Vec<TokenStream>,
    errors: &mut Errors,
) {
    let (params, mut kept): (Vec<_>, Vec<_>) = field.attrs.drain(..).partition(|attr| attr.path().is_ident("param"));
    let mut seen = Vec::new();
    for attr in params {
        let added = translate_param(owner, variant, field, &attr, defaults, &mut seen, errors);
        kept.extend(added);
    }
    field.attrs = kept;
}

fn translate_param(
    owner: &syn::Ident,
    variant: Option<&syn::Ident>,
    field: &syn::Field,
    attr: &syn::Attribute,
    defaults: &mut Vec<TokenStream>,
    seen: &mut Vec<String>,
    errors: &mut Errors,
) -> Vec<syn::Attribute> {
    let mut out: Vec<syn::Attribute> = Vec::new();
    let field_name = field.ident.as_ref().map(|i| i.unraw().to_string()).unwrap_or_else(|| "field".into());
    let ty = &field.ty;
    let result = attr.parse_nested_meta(|meta| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        if PARAM_KEYS.contains(&key.as_str()) {
            if seen.contains(&key) {
                errors.error_spanned(&meta.path, format!("`{key}` is specified more than once"));
                return skip_value(&meta);
            }
            seen.push(key.clone());
        }
        match key.as_str() {
            "default" => {
                if meta.input.peek(syn::Token![=]) {
                    let value: syn::Expr = meta.value()?.parse()?;
                    let fn_name = match variant {
                        Some(v) => format_ident!("__synapse_default_{}_{}", v, field_name),
                        None => format_ident!("__synapse_default_{}", field_name),
                    };
                    // `default = "fast"` fills a `String` (or any `From<&str>` type); a primitive
                    // field keeps the literal as written, so a quoted number reads as the plain
                    // "expected `u32`, found `&str`" rather than a missing `From` impl.
                    let body = match &value {
                        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }) if !is_primitive(ty) => {
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
                let Some(bounds) = parse_bounds(&meta, RANGE_KEYS, errors)? else {
                    return Ok(());
                };
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
                let Some(bounds) = parse_bounds(&meta, LENGTH_KEYS, errors)? else {
                    return Ok(());
                };
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
                let Some(pattern) = string_value(&meta, "pattern = \"^[a-z0-9_]+$\"", errors)? else {
                    return Ok(());
                };
                out.push(syn::parse_quote!(#[schemars(regex(pattern = #pattern))]));
            }
            "rename" => {
                let Some(name) = string_value(&meta, "rename = \"batchSize\"", errors)? else {
                    return Ok(());
                };
                out.push(syn::parse_quote!(#[serde(rename = #name)]));
            }
            "description" => {
                let Some(text) = string_value(&meta, "description = \"…\"", errors)? else {
                    return Ok(());
                };
                out.push(syn::parse_quote!(#[schemars(description = #text)]));
            }
            "example" => {
                let value: syn::Expr = meta.value()?.parse()?;
                out.push(syn::parse_quote!(#[schemars(example = #value)]));
            }
            _ => {
                let shown = if key.is_empty() { meta.path.to_token_stream().to_string() } else { key.clone() };
                errors.error_spanned(&meta.path, unknown_message("`#[param]` key", &shown, PARAM_KEYS));
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(error) = result {
        errors.push(error);
    }
    out
}

/// The bounds of `range(...)` or `length(...)`: `None` (with the problem recorded) when they
/// are missing altogether. Unknown and repeated bounds are recorded and left out.
fn parse_bounds(
    meta: &ParseNestedMeta,
    keys: &[&str],
    errors: &mut Errors,
) -> syn::Result<Option<Vec<(String, syn::Expr)>>> {
    let name = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
    let example = if name == "range" { "range(min = 1, max = 10)" } else { "length(min = 1, max = 64)" };
    if !meta.input.peek(syn::token::Paren) {
        errors.error_spanned(&meta.path, format!("`{name}` takes its bounds in parentheses, like `{example}`"));
        if meta.input.peek(syn::Token![=]) {
            let _ = meta.value()?.parse::<syn::Expr>()?;
        }
        return Ok(None);
    }
    let content;
    syn::parenthesized!(content in meta.input);
    let tokens: TokenStream = content.parse()?;
    if tokens.is_empty() {
        errors.error_spanned(&meta.path, format!("`{name}()` has no bounds; give at least one, like `{example}`"));
        return Ok(None);
    }
    let what = format!("`{name}` bound");
    let mut bounds: Vec<(String, syn::Expr)> = Vec::new();
    syn::meta::parser(|inner| {
        let bound = inner.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        if !keys.contains(&bound.as_str()) {
            let shown = if bound.is_empty() { inner.path.to_token_stream().to_string() } else { bound };
            errors.error_spanned(&inner.path, unknown_message(&what, &shown, keys));
            if inner.input.peek(syn::Token![=]) {
                let _ = inner.value()?.parse::<syn::Expr>()?;
            }
            return Ok(());
        }
        let value: syn::Expr = inner.value()?.parse()?;
        if bounds.iter().any(|(k, _)| *k == bound) {
            errors.error_spanned(&inner.path, format!("`{bound}` is specified more than once"));
        } else {
            bounds.push((bound, value));
        }
        Ok(())
    })
    .parse2(tokens)?;
    Ok(Some(bounds))
}

/// Literal bounds must leave room for a value: `min <= max`, and `min < max` when either is
/// exclusive.
fn check_bounds(path: &syn::Path, bounds: &[(String, syn::Expr)], errors: &mut Errors) {
    let number = |key: &str| bounds.iter().find(|(k, _)| k == key).and_then(|(_, value)| literal_number(value));
    let (low, low_exclusive) = match number("min") {
        Some(min) => (Some(min), false),
        None => (number("exclusive_min"), true),
    };
    let (high, high_exclusive) = match number("max") {
        Some(max) => (Some(max), false),
        None => (number("exclusive_max"), true),
    };
    let (Some(low), Some(high)) = (low, high) else {
        return;
    };
    if low > high {
        errors.error_spanned(
            path,
            format!("the lower bound ({low}) is greater than the upper bound ({high}), so no value is valid"),
        );
    } else if low == high && (low_exclusive || high_exclusive) {
        errors.error_spanned(
            path,
            format!("the bounds exclude {low}, the only value between them, so no value is valid"),
        );
    }
}

/// Consumes what follows a key that is not used: `= expr` or a parenthesized list.
fn skip_value(meta: &ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.input.parse::<proc_macro2::TokenTree>()?;
    }
    Ok(())
}

/// The string literal after `key =`, or `None` with a message showing `example`.
fn string_value(meta: &ParseNestedMeta, example: &str, errors: &mut Errors) -> syn::Result<Option<syn::LitStr>> {
    let value: syn::Expr = meta.value()?.parse()?;
    match value {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) => Ok(Some(lit)),
        other => {
            let key = meta.path.to_token_stream();
            errors.error_spanned(other, format!("`{key}` expects a string literal, like `{example}`"));
            Ok(None)
        }
    }
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
