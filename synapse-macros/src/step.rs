//! `#[step(weight = 0.3, name = "…", retries = 3, timeout = "30s", backoff = "100ms")]`: a
//! workflow step's name, progress weight, retries and timeout, checked at compile time.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use synapse_macros_core::Errors;
use synapse_macros_core::errors::unknown_message;
use synapse_macros_core::names::check_name;

const KEYS: &[&str] = &["weight", "name", "retries", "timeout", "backoff", "crate"];

#[derive(Default)]
struct StepArgs {
    weight: Option<f64>,
    name: Option<String>,
    retries: Option<u32>,
    timeout_ms: Option<u64>,
    backoff_ms: Option<u64>,
    krate: Option<syn::Path>,
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args_span = args.clone();
    let parsed = parse_args(args, &mut errors);
    let strukt: syn::ItemStruct = match syn::parse2(item.clone()) {
        Ok(strukt) => strukt,
        Err(_) => {
            let error =
                syn::Error::new_spanned(&item, "`#[step]` goes on a struct that implements `synapse::steps::Step<C>`")
                    .to_compile_error();
            return quote!(#item #error);
        }
    };
    if parsed.weight.is_none() && errors.is_empty() {
        let at = if args_span.is_empty() { strukt.ident.to_token_stream() } else { args_span };
        errors.error_spanned(at, "a step needs a progress weight: `#[step(weight = 0.3)]`");
    }
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(&strukt.generics, "a `#[step]` struct cannot be generic: a workflow lists concrete steps");
    }
    // On error the step still gets its impls (with placeholder values), so the one mistake is
    // reported once instead of again at every use of the step.
    let errors = match errors.finish() {
        Ok(()) => quote!(),
        Err(error) if strukt.generics.params.is_empty() => error.to_compile_error(),
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#strukt #error);
        }
    };
    let p = private(parsed.krate.as_ref());
    let ident = &strukt.ident;
    let name = parsed.name.unwrap_or_else(|| synapse_macros_core::names::default_step_name(&ident.to_string()));
    let weight = parsed.weight.unwrap_or(1.0);
    let retries = parsed.retries.unwrap_or(0);
    let timeout = match parsed.timeout_ms {
        Some(ms) => quote!(#p::core::option::Option::Some(#p::Duration::from_millis(#ms))),
        None => quote!(#p::core::option::Option::None),
    };
    let backoff_ms = parsed.backoff_ms.unwrap_or(100);
    let construct = match &strukt.fields {
        syn::Fields::Unit => quote!(#ident),
        _ => quote!(<#ident as #p::core::default::Default>::default()),
    };
    quote! {
        #strukt
        #errors
        impl #p::StepInfo for #ident {
            const SPEC: #p::StepSpec = #p::StepSpec {
                name: #name,
                weight: #weight,
                retries: #retries,
                timeout: #timeout,
                backoff: #p::Duration::from_millis(#backoff_ms),
            };
        }
        impl #p::ConstructStep for #ident {
            #[inline]
            fn construct() -> Self { #construct }
        }
    }
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> StepArgs {
    let mut parsed = StepArgs::default();
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let key = input.call(syn::Ident::parse_any)?;
            let key_text = key.to_string();
            if !KEYS.contains(&key_text.as_str()) {
                errors.error_spanned(&key, unknown_message("`#[step]` argument", &key_text, KEYS));
                if input.parse::<syn::Token![=]>().is_ok() {
                    let _ = input.parse::<syn::Expr>();
                }
            } else {
                input.parse::<syn::Token![=]>()?;
                let value: syn::Expr = if key_text == "crate" {
                    syn::Expr::Path(syn::ExprPath {
                        attrs: Vec::new(),
                        qself: None,
                        path: input.call(syn::Path::parse_mod_style)?,
                    })
                } else {
                    input.parse()?
                };
                let duplicate = match key_text.as_str() {
                    "weight" => parsed.weight.replace(weight(&value, errors).unwrap_or(1.0)).is_some(),
                    "name" => parsed.name.replace(name(&value, errors).unwrap_or_default()).is_some(),
                    "retries" => parsed.retries.replace(retries(&value, errors).unwrap_or(0)).is_some(),
                    "timeout" => parsed.timeout_ms.replace(duration(&key_text, &value, errors).unwrap_or(1)).is_some(),
                    "backoff" => parsed.backoff_ms.replace(duration(&key_text, &value, errors).unwrap_or(1)).is_some(),
                    _ => match value {
                        syn::Expr::Path(path) => parsed.krate.replace(path.path).is_some(),
                        _ => false,
                    },
                };
                if duplicate {
                    errors.error_spanned(&key, format!("`{key_text}` is specified more than once"));
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

/// The expression inside the invisible groups `macro_rules!` wraps around `$x:literal`.
fn ungroup(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Group(group) => ungroup(&group.expr),
        other => other,
    }
}

/// The weight: a positive, finite number literal.
fn weight(value: &syn::Expr, errors: &mut Errors) -> Option<f64> {
    let value = ungroup(value);
    let (negative, literal) = match value {
        syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. }) => (true, ungroup(expr)),
        other => (false, other),
    };
    let number = match literal {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Float(float), .. }) => float.base10_parse::<f64>().ok(),
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => int.base10_parse::<f64>().ok(),
        _ => None,
    };
    let Some(number) = number else {
        errors.error_spanned(
            value,
            "a step weight must be a number literal, like `weight = 0.3`, so workflows can check their weights at compile time",
        );
        return None;
    };
    let number = if negative { -number } else { number };
    if !number.is_finite() || number <= 0.0 {
        errors.error_spanned(value, format!("a step weight must be positive and finite, not {number}"));
        return None;
    }
    Some(number)
}

fn name(value: &syn::Expr, errors: &mut Errors) -> Option<String> {
    let value = ungroup(value);
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = value else {
        errors.error_spanned(value, "`name` expects a string literal, like `name = \"resize_images\"`");
        return None;
    };
    match check_name(&lit.value()) {
        Ok(()) => Some(lit.value()),
        Err(problem) => {
            errors.error_spanned(lit, format!("invalid step name: {problem}"));
            None
        }
    }
}

fn retries(value: &syn::Expr, errors: &mut Errors) -> Option<u32> {
    match ungroup(value) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => match int.base10_parse::<u32>() {
            Ok(n) if n <= 100 => Some(n),
            _ => {
                errors.error_spanned(int, "`retries` must be a whole number from 0 to 100");
                None
            }
        },
        other => {
            errors.error_spanned(other, "`retries` expects an integer literal, like `retries = 3`");
            None
        }
    }
}

/// A duration literal like `"30s"`, `"500ms"` or `"2m"`, in milliseconds.
fn duration(key: &str, value: &syn::Expr, errors: &mut Errors) -> Option<u64> {
    let value = ungroup(value);
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = value else {
        errors.error_spanned(value, format!("`{key}` expects a duration string, like `{key} = \"30s\"`"));
        return None;
    };
    match humantime::parse_duration(&lit.value()) {
        Ok(duration) if !duration.is_zero() => {
            u64::try_from(duration.as_millis()).ok().filter(|ms| *ms > 0).or_else(|| {
                errors.error_spanned(lit, format!("`{key}` must be at least 1ms"));
                None
            })
        }
        Ok(_) => {
            errors.error_spanned(lit, format!("`{key}` must be longer than zero"));
            None
        }
        Err(error) => {
            errors.error_spanned(lit, format!("`{key}`: {error}; write a duration like \"30s\", \"500ms\" or \"2m\""));
            None
        }
    }
}
