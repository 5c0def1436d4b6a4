//! `#[step(weight = 0.3, name = "…", retries = 3, timeout = "30s", backoff = "100ms")]`: a
//! workflow step's name, progress weight, retries and timeout, checked at compile time.
//!
//! The attribute and item are read into `synapse_macros_core::step::Step` and checked there;
//! this module only expands. On a mistake the step still gets its impls (with a placeholder
//! spec), so one mistake is reported once, on the offending token, instead of again at every
//! workflow listing the step.

use crate::emit::{attribute, with_errors};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use synapse_macros_core::step::{self, Step, StepArgs, StepForm};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, StepArgs::parse, |errors, args, item| {
        let step = Step::new(args, item);
        step::check(&errors, &step);
        let p = private(step.args.krate.as_ref());
        // A checked step gets its spec; a step with a mistake a placeholder spec, which
        // `#[workflow]` recognizes and leaves out of its checks.
        let spec = if errors.is_empty() { spec(&p, &step) } else { placeholder_spec(&p) };
        let impls = match &step.form {
            StepForm::Struct(strukt) => impls(&p, &strukt.ident, &strukt.generics, Some(&strukt.fields), &spec),
            StepForm::OtherType { ident, generics } => impls(&p, ident, generics, None, &spec),
            StepForm::StepImpl { item, self_ty } => misplaced_impl_placeholders(&p, item, self_ty),
            StepForm::Misplaced => TokenStream::new(),
        };
        with_errors(item, errors, impls)
    })
}

/// The `StepSpec` of a checked step: what the arguments say, with defaults for the rest.
fn spec(p: &TokenStream, step: &Step) -> TokenStream {
    let args = &step.args;
    let name = step.name().unwrap_or_default();
    let weight = args.weight.unwrap_or(1.0);
    let retries = args.retries.unwrap_or(0);
    let timeout = match args.timeout_ms {
        Some(ms) => quote!(#p::core::option::Option::Some(#p::Duration::from_millis(#ms))),
        None => quote!(#p::core::option::Option::None),
    };
    let backoff_ms = args.backoff_ms.unwrap_or(100);
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

/// The `StepInfo` and `ConstructStep` impls of the type `ident` (with `fields` when it is a
/// struct).
fn impls(
    p: &TokenStream,
    ident: &syn::Ident,
    generics: &syn::Generics,
    fields: Option<&syn::Fields>,
    spec: &TokenStream,
) -> TokenStream {
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
    quote! {
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
    }
}

/// Placeholder impls for the type of a misplaced `#[step]` on `impl Step<C> for T`, so that
/// `T` does not also get "not marked `#[step]`" errors.
fn misplaced_impl_placeholders(p: &TokenStream, imp: &syn::ItemImpl, target: &syn::TypePath) -> TokenStream {
    let spec = placeholder_spec(p);
    let (impl_generics, _, where_clause) = imp.generics.split_for_impl();
    quote! {
        impl #impl_generics #p::StepInfo for #target #where_clause {
            const SPEC: #p::StepSpec = #spec;
        }
        impl #impl_generics #p::ConstructStep for #target #where_clause {
            fn construct() -> Self {
                #p::core::unreachable!()
            }
        }
    }
}
