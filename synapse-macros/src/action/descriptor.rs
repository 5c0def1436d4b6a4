//! What both forms of `#[action]` register: the `ActionDescriptor` element of the link-time
//! registry, and the module-level marker that makes two actions of one name collide.
//!
//! Layer: expand (reader → model → check → **expand**); it reads a model checked by
//! `synapse-macros-core`.

use crate::paths::{linkme_crate, private};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::action::{ActionArgs, ResolvedAction};

/// `Some(&<ty as DataType>::INFO)` or `None`; `spanned` puts a type that is not a data type's
/// error on the user's type.
pub fn data_type_info(p: &TokenStream, ty: Option<&syn::Type>, spanned: bool) -> TokenStream {
    match ty {
        Some(ty) if spanned => {
            quote_spanned!(ty.span()=> #p::core::option::Option::Some(&<#ty as #p::DataType>::INFO))
        }
        Some(ty) => quote!(#p::core::option::Option::Some(&<#ty as #p::DataType>::INFO)),
        None => quote!(#p::core::option::Option::None),
    }
}

/// The registry element for action type `ty`; `check` runs first in its initializer.
pub fn descriptor(
    args: &ActionArgs,
    resolved: &ResolvedAction,
    ty: &TokenStream,
    check: &TokenStream,
    entrypoint: &str,
) -> TokenStream {
    let p = private(args.krate.as_ref());
    let name = &resolved.name;
    let description = &resolved.description;
    let category = match &args.category {
        Some(category) => {
            let variant = syn::Ident::new(category.term.ident, category.span);
            quote!(#p::core::option::Option::Some(#p::Category::#variant))
        }
        None => quote!(#p::core::option::Option::None),
    };
    let method = syn::Ident::new(resolved.method.ident, args.method.as_ref().map_or(Span::call_site(), |m| m.span));
    let input_type = data_type_info(&p, args.input_type.as_ref(), true);
    let output_type = data_type_info(&p, args.output_type.as_ref(), true);
    let steps = match &args.workflow {
        Some(workflow) => {
            let span = workflow.span();
            quote_spanned!(span=> #p::core::option::Option::Some(<#workflow as #p::Workflow>::PLAN))
        }
        None => quote!(#p::core::option::Option::None),
    };
    let linkme_crate = linkme_crate(args.krate.as_ref());
    quote! {
        #[#p::linkme::distributed_slice(#p::SYNAPSE_ACTIONS_V0)]
        #linkme_crate
        static ACTION: #p::ActionDescriptor = { #check #p::ActionDescriptor::of::<#ty>(#p::ActionMeta {
            name: #name,
            description: #description,
            category: #category,
            method: #p::RunMethod::#method,
            input_type: #input_type,
            output_type: #output_type,
            steps: #steps,
            entrypoint: #p::core::concat!(#p::core::module_path!(), "::", #entrypoint),
            crate_name: #p::core::env!("CARGO_PKG_NAME"),
            crate_version: #p::core::env!("CARGO_PKG_VERSION"),
            file: #p::core::file!(),
            line: #p::core::line!(),
        }) };
    }
}

/// A module-level item named after the action: two actions of one name in one module collide
/// here, and rustc reports "the name `__synapse_action_named_process` is defined multiple
/// times" at the second name (the `name = "…"` literal, or the ident it defaults from).
pub fn name_marker(args: &ActionArgs, resolved: &ResolvedAction, fallback: Span) -> TokenStream {
    let span = args.name.as_ref().map_or(fallback, |lit| lit.span());
    let Ok(mut marker) =
        syn::parse_str::<syn::Ident>(&format!("__synapse_action_named_{}", resolved.name.replace('-', "_")))
    else {
        return TokenStream::new();
    };
    marker.set_span(span);
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #marker: () = ();
    }
}
