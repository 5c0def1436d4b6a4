//! `#[workflow(context = C)] pub struct W(StepA, StepB, …);`: an ordered list of steps over one
//! state type, checked at compile time.
//!
//! The checks land on the offending step's token: a step that does not run on `C`, a step
//! listed twice, a step whose name repeats an earlier one's, a weight that is not positive and
//! finite; and on the workflow, weights that do not sum to 1 (±1e-6) unless it says
//! `normalize`. The plan (names, shares, offsets) is computed at compile time.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::errors::unknown_message;

const KEYS: &[&str] = &["context", "normalize", "crate"];

#[derive(Default)]
struct WorkflowArgs {
    context: Option<syn::Type>,
    normalize: bool,
    krate: Option<syn::Path>,
}

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args_tokens = args.clone();
    let parsed = parse_args(args, &mut errors);
    let strukt: syn::ItemStruct = match syn::parse2(item.clone()) {
        Ok(strukt) => strukt,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &item,
                "`#[workflow]` goes on a tuple struct listing the steps: `pub struct MyWorkflow(StepA, StepB);`",
            )
            .to_compile_error();
            return quote!(#item #error);
        }
    };
    let steps: Vec<syn::Type> = match &strukt.fields {
        syn::Fields::Unnamed(fields) if !fields.unnamed.is_empty() => {
            fields.unnamed.iter().map(|f| f.ty.clone()).collect()
        }
        _ => {
            errors.error_spanned(
                &strukt.ident,
                "list the workflow's steps as the fields of a tuple struct: `pub struct MyWorkflow(StepA, StepB);`",
            );
            Vec::new()
        }
    };
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(&strukt.generics, "a `#[workflow]` cannot be generic");
    }
    if parsed.context.is_none() && errors.is_empty() {
        let at = if args_tokens.is_empty() { strukt.ident.to_token_stream() } else { args_tokens };
        errors.error_spanned(at, "say which state the steps share: `#[workflow(context = MyContext)]`");
    }
    for (i, step) in steps.iter().enumerate() {
        let text = step.to_token_stream().to_string();
        if steps[..i].iter().any(|earlier| earlier.to_token_stream().to_string() == text) {
            errors.error_spanned(
                step,
                format!("`{text}` is listed twice in this workflow; a step runs once per workflow"),
            );
        }
    }
    match (errors.finish(), &parsed.context) {
        (Ok(()), Some(context)) => {
            let expansion = expand_checked(&strukt, context, &steps, &parsed);
            quote!(#strukt #expansion)
        }
        (Err(error), _) => {
            let error = error.to_compile_error();
            quote!(#strukt #error)
        }
        (Ok(()), None) => quote!(#strukt),
    }
}

fn expand_checked(
    strukt: &syn::ItemStruct,
    context: &syn::Type,
    steps: &[syn::Type],
    args: &WorkflowArgs,
) -> TokenStream {
    let p = private(args.krate.as_ref());
    let ident = &strukt.ident;
    let count = steps.len();
    let normalize = args.normalize;
    let specs: Vec<TokenStream> =
        steps.iter().map(|step| quote_spanned!(step.span()=> <#step as #p::StepInfo>::SPEC)).collect();
    let handles: Vec<TokenStream> = steps
        .iter()
        .map(|step| quote_spanned!(step.span()=> #p::StepHandle::new(<#step as #p::ConstructStep>::construct())))
        .collect();
    let context_checks: Vec<TokenStream> =
        steps.iter().map(|step| quote_spanned!(step.span()=> __synapse_step_runs_on::<#step>();)).collect();
    let workflow_name = ident.to_string();
    let per_step: Vec<TokenStream> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let duplicate = format!(
                "this step's name is already used by an earlier step of `{workflow_name}`; give one of them another `#[step(name = \"…\")]`"
            );
            let weight = "this step's weight is not a positive, finite number".to_string();
            quote_spanned! {step.span()=>
                const _: () = if __SYNAPSE_DUPLICATES[#i] { ::core::panic!(#duplicate) };
                const _: () = if !(__SYNAPSE_SPECS[#i].weight > 0.0 && __SYNAPSE_SPECS[#i].weight.is_finite()) {
                    ::core::panic!(#weight)
                };
            }
        })
        .collect();
    let sum_message = format!(
        "the step weights of `{workflow_name}` do not sum to 1.0 (±1e-6): fix the `#[step(weight = …)]` values, or write `#[workflow(context = …, normalize)]` to scale them"
    );
    let sum_check = if normalize {
        quote!()
    } else {
        quote_spanned! {ident.span()=>
            const _: () = {
                let deviation = #p::step_weights_sum(&__SYNAPSE_SPECS) - 1.0;
                if deviation > 1e-6 || deviation < -1e-6 {
                    ::core::panic!(#sum_message)
                }
            };
        }
    };
    quote! {
        const _: () = {
            const __SYNAPSE_SPECS: [#p::StepSpec; #count] = [#(#specs),*];
            const __SYNAPSE_DUPLICATES: [bool; #count] = #p::duplicate_names(&__SYNAPSE_SPECS);
            #(#per_step)*
            #sum_check
            #[allow(dead_code)]
            fn __synapse_check_context() {
                fn __synapse_step_runs_on<S: #p::Step<#context>>() {}
                #(#context_checks)*
            }
            impl #p::Workflow for #ident {
                type Context = #context;
                const PLAN: &'static [#p::PlanEntry] = &#p::plan_entries(__SYNAPSE_SPECS, #normalize);
                fn steps() -> #p::std::vec::Vec<#p::StepHandle<#context>> {
                    #p::std::vec![#(#handles),*]
                }
            }
        };
    }
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> WorkflowArgs {
    let mut parsed = WorkflowArgs::default();
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let key = input.call(syn::Ident::parse_any)?;
            match key.to_string().as_str() {
                "context" => {
                    input.parse::<syn::Token![=]>()?;
                    parsed.context = Some(input.parse()?);
                }
                "normalize" => parsed.normalize = true,
                "crate" => {
                    input.parse::<syn::Token![=]>()?;
                    parsed.krate = Some(input.call(syn::Path::parse_mod_style)?);
                }
                other => {
                    errors.error_spanned(&key, unknown_message("`#[workflow]` argument", other, KEYS));
                    if input.parse::<syn::Token![=]>().is_ok() {
                        let _ = input.parse::<syn::Type>();
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
