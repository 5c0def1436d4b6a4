//! `#[step(weight = 0.3, name = "…", retries = 3, timeout = "30s", backoff = "100ms")]`: a
//! workflow step's name, progress weight, retries and timeout, checked at compile time.
//!
//! On a mistake the step still gets its impls (with placeholder values), so one mistake is
//! reported once, on the offending token, instead of again at every workflow listing the step.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use synapse_macros_core::Errors;
use synapse_macros_core::errors::unknown_message;
use synapse_macros_core::names::{check_name, default_step_name};

const KEYS: &[&str] = &["weight", "name", "retries", "timeout", "backoff", "crate"];

/// The largest `retries` value.
const MAX_RETRIES: u32 = 100;

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
    let args_tokens = args.clone();
    let parsed = parse_args(args, &mut errors);
    let Ok(item_parsed) = syn::parse2::<syn::Item>(item.clone()) else {
        // rustc reports the item's own syntax error.
        return with_errors(item, errors);
    };
    // A misplaced `#[step]` on an enum, a union or an `impl Step<C> for T` block still gives its
    // type placeholder impls, so that type's `impl Step<C>` and the workflows listing it do not
    // report the same mistake again.
    let (ident, generics, fields) = match &item_parsed {
        syn::Item::Struct(strukt) => (&strukt.ident, &strukt.generics, Some(&strukt.fields)),
        syn::Item::Enum(syn::ItemEnum { ident, generics, .. })
        | syn::Item::Union(syn::ItemUnion { ident, generics, .. }) => {
            errors.error_spanned(item_keyword(&item_parsed), misplaced_message(&item_parsed));
            (ident, generics, None)
        }
        syn::Item::Impl(imp) => {
            errors.error_spanned(item_keyword(&item_parsed), misplaced_message(&item_parsed));
            let placeholders = misplaced_impl_placeholders(imp, &parsed).unwrap_or_default();
            let errors = errors.to_compile_errors();
            return quote!(#item #errors #placeholders);
        }
        other => {
            errors.error_spanned(item_keyword(other), misplaced_message(other));
            return with_errors(item, errors);
        }
    };
    if parsed.weight.is_none() && errors.is_empty() {
        let at = if args_tokens.is_empty() { ident.to_token_stream() } else { args_tokens };
        errors.error_spanned(
            at,
            "a step needs a progress weight, its share of the workflow's progress: `#[step(weight = 0.3)]`",
        );
    }
    if !generics.params.is_empty() {
        errors.error_spanned(generics, "a `#[step]` struct cannot be generic: a workflow lists concrete steps");
    }
    if parsed.name.is_none() && fields.is_some() {
        let derived = default_step_name(&ident.unraw().to_string());
        if let Err(problem) = check_name(&derived) {
            errors.error_spanned(
                ident,
                format!(
                    "the step name derived from `{ident}` is invalid: {problem}; give one with `#[step(name = \"…\")]`"
                ),
            );
        }
    }
    let p = private(parsed.krate.as_ref());
    let spec = if errors.is_empty() { spec(&p, &parsed, ident) } else { placeholder_spec(&p) };
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    // A struct with fields is built by `Default`; without it, the error says so at the struct's
    // name (and rustc suggests `#[derive(Default)]` when every field has a default).
    let by_default =
        generics.params.is_empty() && matches!(fields, Some(syn::Fields::Named(_) | syn::Fields::Unnamed(_)));
    let construct = match fields {
        Some(syn::Fields::Unit) if generics.params.is_empty() => quote!(Self),
        _ if by_default => quote_spanned!(ident.span()=> <#ident as __SynapseDefaultStep>::__synapse_default()),
        // Only in an expansion that also reports an error: the compile fails before this runs.
        _ => quote!(#p::core::unreachable!()),
    };
    let default_trait = if by_default {
        quote! {
            #[diagnostic::on_unimplemented(
                message = "`{Self}` has fields, so `#[step]` builds it with `Default::default()`",
                label = "`{Self}` does not implement `Default`",
                note = "derive or implement `Default` for `{Self}`, or make it a unit struct"
            )]
            trait __SynapseDefaultStep {
                fn __synapse_default() -> Self;
            }
            impl<T: #p::core::default::Default> __SynapseDefaultStep for T {
                #[inline]
                fn __synapse_default() -> T {
                    <T as #p::core::default::Default>::default()
                }
            }
        }
    } else {
        quote!()
    };
    let impls = quote! {
        impl #impl_generics #p::StepInfo for #ident #ty_generics #where_clause {
            const SPEC: #p::StepSpec = #spec;
        }
        const _: () = {
            #default_trait
            impl #impl_generics #p::ConstructStep for #ident #ty_generics #where_clause {
                #[inline]
                fn construct() -> Self { #construct }
            }
        };
    };
    let errors = errors.to_compile_errors();
    quote!(#item #errors #impls)
}

/// The `StepSpec` of the step `ident`: what the arguments say, with defaults for the rest.
fn spec(p: &TokenStream, parsed: &StepArgs, ident: &syn::Ident) -> TokenStream {
    let name = parsed.name.clone().unwrap_or_else(|| default_step_name(&ident.unraw().to_string()));
    let weight = parsed.weight.unwrap_or(1.0);
    let retries = parsed.retries.unwrap_or(0);
    let timeout = match parsed.timeout_ms {
        Some(ms) => quote!(#p::core::option::Option::Some(#p::Duration::from_millis(#ms))),
        None => quote!(#p::core::option::Option::None),
    };
    let backoff_ms = parsed.backoff_ms.unwrap_or(100);
    quote! {
        #p::StepSpec {
            name: #name,
            weight: #weight,
            retries: #retries,
            timeout: #timeout,
            backoff: #p::Duration::from_millis(#backoff_ms),
        }
    }
}

/// The `StepSpec` of a step whose attribute has a mistake (already reported): no name and a NaN
/// weight, which `#[workflow]` recognizes and leaves out of its checks, so the one mistake is not
/// reported again as a wrong weight sum or a repeated name.
fn placeholder_spec(p: &TokenStream) -> TokenStream {
    quote!(#p::StepSpec::new("", #p::core::primitive::f64::NAN))
}

/// Placeholder impls for the type of a misplaced `#[step]` on `impl Step<C> for T`, so that
/// `T` does not also get "not marked `#[step]`" errors; `None` for other impl blocks.
fn misplaced_impl_placeholders(imp: &syn::ItemImpl, parsed: &StepArgs) -> Option<TokenStream> {
    let (_, trait_path, _) = imp.trait_.as_ref()?;
    if trait_path.segments.last()?.ident != "Step" {
        return None;
    }
    let syn::Type::Path(target) = imp.self_ty.as_ref() else {
        return None;
    };
    let p = private(parsed.krate.as_ref());
    let spec = placeholder_spec(&p);
    let (impl_generics, _, where_clause) = imp.generics.split_for_impl();
    Some(quote! {
        impl #impl_generics #p::StepInfo for #target #where_clause {
            const SPEC: #p::StepSpec = #spec;
        }
        impl #impl_generics #p::ConstructStep for #target #where_clause {
            fn construct() -> Self {
                #p::core::unreachable!()
            }
        }
    })
}

/// The user's item, followed by the errors: the item stays usable (and IDE-visible).
fn with_errors(item: TokenStream, errors: Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    quote!(#item #errors)
}

fn misplaced_message(item: &syn::Item) -> String {
    let kind = match item {
        syn::Item::Enum(_) => "an enum",
        syn::Item::Union(_) => "a union",
        syn::Item::Fn(_) => "a fn (a step is a type: put the work in `Step::execute`)",
        syn::Item::Impl(_) => "an impl block (put it on the struct instead)",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) | syn::Item::Static(_) => "a constant",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "an import",
        _ => "this item",
    };
    format!("`#[step]` goes on a struct that implements `synapse::steps::Step<C>`, not on {kind}")
}

/// The keyword that names what kind of item this is: the place to point at when it is the
/// wrong kind.
pub(crate) fn item_keyword(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Enum(e) => e.enum_token.to_token_stream(),
        syn::Item::Union(u) => u.union_token.to_token_stream(),
        syn::Item::Fn(f) => f.sig.fn_token.to_token_stream(),
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Trait(t) => t.trait_token.to_token_stream(),
        syn::Item::Mod(m) => m.mod_token.to_token_stream(),
        syn::Item::Const(c) => c.const_token.to_token_stream(),
        syn::Item::Static(s) => s.static_token.to_token_stream(),
        syn::Item::Type(t) => t.type_token.to_token_stream(),
        syn::Item::Use(u) => u.use_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// An example value of each argument, for "needs a value" messages.
fn example(key: &str) -> &'static str {
    match key {
        "weight" => "weight = 0.3",
        "name" => "name = \"resize_images\"",
        "retries" => "retries = 3",
        "timeout" => "timeout = \"30s\"",
        "backoff" => "backoff = \"100ms\"",
        _ => "crate = ::synapse",
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
            } else if !input.peek(syn::Token![=]) {
                errors.error_spanned(&key, format!("`{key_text}` needs a value, like `{}`", example(&key_text)));
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
        if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) = literal
            && text.value().trim().parse::<f64>().is_ok()
        {
            let unquoted = text.value().trim().to_owned();
            errors.error_spanned(value, format!("a step weight is a number, not a string: `weight = {unquoted}`"));
            return None;
        }
        errors.error_spanned(
            value,
            "a step weight must be a number literal, like `weight = 0.3`, so workflows can check their weights at compile time",
        );
        return None;
    };
    let number = if negative { -number } else { number };
    if !number.is_finite() {
        errors.error_spanned(value, "a step weight must be a finite number, like `weight = 0.3`");
        return None;
    }
    if number <= 0.0 {
        errors.error_spanned(
            value,
            format!(
                "a step weight must be greater than 0, not {number}: it is the step's share of the workflow's progress"
            ),
        );
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
    let name = lit.value();
    match check_name(&name) {
        Ok(()) => Some(name),
        Err(problem) => {
            let suggestion = default_step_name(&name);
            let hint = if suggestion != name && check_name(&suggestion).is_ok() {
                format!("; did you mean `{suggestion}`?")
            } else {
                String::new()
            };
            errors.error_spanned(lit, format!("invalid step name: {problem}{hint}"));
            None
        }
    }
}

fn retries(value: &syn::Expr, errors: &mut Errors) -> Option<u32> {
    let range = format!("`retries` must be a whole number from 0 to {MAX_RETRIES}");
    match ungroup(value) {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(int), .. }) => match int.base10_parse::<u32>() {
            Ok(n) if n <= MAX_RETRIES => Some(n),
            _ => {
                errors.error_spanned(int, range);
                None
            }
        },
        negative @ syn::Expr::Unary(syn::ExprUnary { op: syn::UnOp::Neg(_), expr, .. })
            if matches!(ungroup(expr), syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Int(_), .. })) =>
        {
            errors.error_spanned(negative, range);
            None
        }
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
            errors.error_spanned(
                lit,
                format!("`{key}` is not a duration: {error}\nwrite it like \"30s\", \"500ms\", \"2m\" or \"1h 30m\""),
            );
            None
        }
    }
}
