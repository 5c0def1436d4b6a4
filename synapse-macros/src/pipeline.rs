//! `#[pipeline(name = "…")] pub struct P(ActionA, ActionB, …);`: an ordered chain of actions,
//! each one's result merged into the next one's params, checked at compile time.
//!
//! The attribute and struct are read into `synapse_macros_core::pipeline::Pipeline` and the rules
//! that need only tokens are checked there (a valid name, concrete, each action listed once);
//! this module expands, and the rules that need the actions' types become compile-time checks
//! that land on the offending action's token: a type that is not an `#[action]` struct, and an
//! action whose `input_type` does not accept the previous action's `output_type` (the same data
//! type, or one specializing the other; an undeclared type on either side is not checked). The
//! pipeline is registered in the link-time registry, so `list`, `schema`, `config.yaml` and
//! `pipeline run` find it. On a mistake it still gets a placeholder `Pipeline` impl, so code
//! calling `descriptor()` reports nothing more.

use crate::emit::{attribute, finish, respan, with_errors};
use crate::paths::{linkme_crate, private};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::pipeline::{self, Pipeline, PipelineArgs};
use synapse_macros_core::shape::type_text;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, PipelineArgs::parse, |errors, args, item| {
        let Some(pipeline) = Pipeline::new(&errors, args, item) else {
            return with_errors(item, errors, TokenStream::new());
        };
        pipeline::check(&errors, &pipeline);
        finish(item, errors, || expand_checked(&pipeline), || placeholder(&pipeline))
    })
}

/// The `Pipeline` impl of a pipeline with a mistake (already reported), so code calling
/// `MyPipeline::descriptor()` still compiles.
fn placeholder(pipeline: &Pipeline) -> TokenStream {
    let p = private(pipeline.args.krate.as_ref());
    let strukt = pipeline.listed.strukt;
    let ident = &strukt.ident;
    let (impl_generics, ty_generics, where_clause) = strukt.generics.split_for_impl();
    quote! {
        impl #impl_generics #p::Pipeline for #ident #ty_generics #where_clause {
            fn descriptor() -> &'static #p::PipelineDescriptor {
                #p::core::unreachable!()
            }
        }
    }
}

fn expand_checked(pipeline: &Pipeline) -> TokenStream {
    let (name, description) = (pipeline.name(), pipeline.description());
    let strukt = pipeline.listed.strukt;
    let actions = &pipeline.listed.members;
    let krate = pipeline.args.krate.as_ref();
    let p = private(krate);
    let ident = &strukt.ident;
    let registered: Vec<TokenStream> =
        actions.iter().map(|action| quote_spanned!(action.span()=> <#action as #p::RegisteredAction>)).collect();
    let descriptors = registered.iter().map(|action| quote!(#action::descriptor));
    // Each action's type check sits at its own token; the pair check at the later action's.
    let pair_checks = actions.windows(2).zip(registered.windows(2)).map(|(types, registered)| {
        let (before, after) = (type_text(types[0]), type_text(types[1]));
        let (source, target) = (&registered[0], &registered[1]);
        let message = format!(
            "`{after}` cannot follow `{before}` in pipeline `{name}`: the `input_type` of `{after}` does not accept the `output_type` of `{before}` (they must be the same data type, or one must specialize the other)"
        );
        // The panic is reported where its path says: at the later action.
        let panic = respan(quote!(#p::core::panic), types[1].span());
        quote_spanned! {types[1].span()=>
            const _: () = if !#p::DataTypeInfo::feeds(#source::OUTPUT_TYPE, #target::INPUT_TYPE) {
                #panic!(#message)
            };
        }
    });
    let fields = (0..actions.len()).map(syn::Index::from);
    let linkme_crate = linkme_crate(krate);
    quote! {
        const _: () = {
            #(#pair_checks)*
            const __SYNAPSE_ACTIONS: &[fn() -> &'static #p::ActionDescriptor] = &[#(#descriptors),*];
            fn __synapse_params_schema() -> #p::serde_json::Value {
                #p::pipeline_params_schema(__SYNAPSE_ACTIONS, #name)
            }
            static PARAMS: #p::SchemaCell = #p::SchemaCell::new(#name, __synapse_params_schema);
            #[#p::linkme::distributed_slice(#p::SYNAPSE_PIPELINES_V0)]
            #linkme_crate
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
