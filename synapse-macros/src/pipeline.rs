//! `#[pipeline(name = "…")] pub struct P(ActionA, ActionB, …);`: an ordered chain of actions,
//! each one's result merged into the next one's params, checked at compile time.
//!
//! The checks land on the offending action's token: a type that is not an `#[action]` struct,
//! an action listed twice, and an action whose `input_type` does not accept the previous
//! action's `output_type` (the same data type, or one specializing the other; an undeclared
//! type on either side is not checked). The pipeline is registered in the link-time registry,
//! so `list`, `schema`, `config.yaml` and `pipeline run` find it.

use crate::paths::private;
use crate::workflow::{Listing, listed_struct, type_text, with_errors};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::args::parse_args;
use synapse_macros_core::names::{check_name, default_pipeline_name, doc_lines, doc_summary};

const KEYS: &[&str] = &["name", "description", "crate"];

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let mut name: Option<syn::LitStr> = None;
    let mut description: Option<syn::LitStr> = None;
    let mut krate: Option<syn::Path> = None;
    parse_args(args, "`#[pipeline]` argument", KEYS, &mut errors, |arg, errors| match arg.key.to_string().as_str() {
        "name" => name = arg.lit_str("name = \"dataset_to_model\"", errors),
        "description" => description = arg.lit_str("description = \"…\"", errors),
        "crate" => krate = arg.path(errors),
        _ => {}
    });
    let listing = Listing {
        kind: "pipeline",
        member: "action",
        example: "Download, Train",
        shape: "listing the actions in order, like `pub struct MyPipeline(Download, Convert, Train);`",
    };
    let Some((strukt, actions)) = listed_struct(&item, listing, &mut errors) else {
        return with_errors(item, errors);
    };
    let ident = &strukt.ident;
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(&strukt.generics, "a `#[pipeline]` cannot be generic: it lists concrete actions");
    }
    for (i, action) in actions.iter().enumerate() {
        let text = type_text(action);
        if actions[..i].iter().any(|earlier| type_text(earlier) == text) {
            errors.error_spanned(
                action,
                format!(
                    "`{text}` is listed twice in this pipeline; an action runs once per pipeline run (its result fields would overwrite the first run's)"
                ),
            );
        }
    }
    let pipeline_name = match &name {
        Some(lit) => {
            if let Err(problem) = check_name(&lit.value()) {
                errors.error_spanned(lit, format!("invalid pipeline name: {problem}"));
            }
            lit.value()
        }
        None => default_pipeline_name(&ident.to_string()),
    };
    if !errors.is_empty() {
        return with_errors(item, errors);
    }
    let description = description
        .map(|lit| lit.value())
        .unwrap_or_else(|| doc_summary(doc_lines(&strukt.attrs).iter().map(String::as_str)));
    let expansion = expand_checked(&strukt, &actions, &pipeline_name, &description, krate.as_ref());
    quote!(#item #expansion)
}

fn expand_checked(
    strukt: &syn::ItemStruct,
    actions: &[syn::Type],
    name: &str,
    description: &str,
    krate: Option<&syn::Path>,
) -> TokenStream {
    let p = private(krate);
    let ident = &strukt.ident;
    let registered: Vec<TokenStream> =
        actions.iter().map(|action| quote_spanned!(action.span()=> <#action as #p::RegisteredAction>)).collect();
    let descriptors = registered.iter().map(|action| quote!(#action::descriptor));
    // Each action's type check sits at its own token; the pair check at the later action's.
    let pair_checks = actions.windows(2).zip(registered.windows(2)).map(|(types, registered)| {
        let (before, after) = (type_text(&types[0]), type_text(&types[1]));
        let (source, target) = (&registered[0], &registered[1]);
        let message = format!(
            "`{after}` cannot follow `{before}` in pipeline `{name}`: the `input_type` of `{after}` does not accept the `output_type` of `{before}` (they must be the same data type, or one must specialize the other)"
        );
        quote_spanned! {types[1].span()=>
            const _: () = if !#p::DataTypeInfo::feeds(#source::OUTPUT_TYPE, #target::INPUT_TYPE) {
                ::core::panic!(#message)
            };
        }
    });
    let fields = (0..actions.len()).map(syn::Index::from);
    let krate_path = krate.map(|path| quote!(#path)).unwrap_or_else(|| quote!(::synapse));
    let linkme_crate = quote!(#krate_path::__private::linkme);
    quote! {
        const _: () = {
            #(#pair_checks)*
            const __SYNAPSE_ACTIONS: &[fn() -> &'static #p::ActionDescriptor] = &[#(#descriptors),*];
            fn __synapse_params_schema() -> #p::serde_json::Value {
                #p::pipeline_params_schema(__SYNAPSE_ACTIONS, #name)
            }
            static PARAMS: #p::SchemaCell = #p::SchemaCell::new(#name, __synapse_params_schema);
            #[#p::linkme::distributed_slice(#p::SYNAPSE_PIPELINES_V0)]
            #[linkme(crate = #linkme_crate)]
            static PIPELINE: #p::PipelineDescriptor = #p::PipelineDescriptor {
                name: #name,
                description: #description,
                actions: __SYNAPSE_ACTIONS,
                params: &PARAMS,
                crate_name: #p::core::env!("CARGO_PKG_NAME"),
                file: #p::core::file!(),
                line: #p::core::line!(),
            };
            // The fields only name the actions: read them so rustc does not warn about them.
            #[allow(dead_code)]
            fn __synapse_read_fields(pipeline: &#ident) {
                let _ = (#(&pipeline.#fields,)*);
            }
            impl #p::Pipeline for #ident {
                #[inline]
                fn descriptor() -> &'static #p::PipelineDescriptor {
                    &PIPELINE
                }
            }
        };
    }
}
