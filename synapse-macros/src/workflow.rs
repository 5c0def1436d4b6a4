//! `#[workflow(context = C)] pub struct W(StepA, StepB, …);`: an ordered list of steps over one
//! state type, checked at compile time.
//!
//! The attribute and struct are read into `synapse_macros_core::workflow::Workflow` and the rules
//! that need only tokens are checked there (concrete, a context, each step listed once); this
//! module expands, and the rules that need the steps' types become compile-time checks that land
//! on the offending step's token: a step that is not marked `#[step]`, a step that does not run
//! on `C`, a step whose name repeats an earlier one's, a weight that is not positive and finite;
//! and on the workflow, weights that do not sum to 1 (±1e-6) unless it says `normalize`. The plan
//! (names, shares, offsets) is computed at compile time.
//!
//! Each step is checked once, in one constant, so one mistake gives one error; when the
//! attribute itself is wrong the workflow still gets a placeholder `Workflow` impl (when its
//! context is known), so code using it does not report the same mistake again.

use crate::emit::{attribute, finish, respan, with_errors};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::shape::type_text;
use synapse_macros_core::workflow::{self, Workflow, WorkflowArgs};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, WorkflowArgs::parse, |errors, args, item| {
        let Some(workflow) = Workflow::new(&errors, args, item) else {
            return with_errors(item, errors, TokenStream::new());
        };
        workflow::check(&errors, &workflow);
        finish(item, errors, || expand_checked(&workflow), || placeholder(&workflow))
    })
}

/// The `Workflow` impl of a workflow whose attribute has a mistake (already reported): no
/// steps, so nothing more is checked and code using the workflow still compiles.
fn placeholder(workflow: &Workflow) -> TokenStream {
    let strukt = workflow.listed.strukt;
    let (Some(context), true) = (&workflow.args.context, strukt.generics.params.is_empty()) else {
        return TokenStream::new();
    };
    let p = private(workflow.args.krate.as_ref());
    let ident = &strukt.ident;
    quote! {
        impl #p::Workflow for #ident {
            type Context = #context;
            const PLAN: &'static [#p::PlanEntry] = &[];
            fn steps() -> #p::std::vec::Vec<#p::StepHandle<#context>> {
                #p::std::vec::Vec::new()
            }
        }
    }
}

fn expand_checked(workflow: &Workflow) -> TokenStream {
    let args = &workflow.args;
    let context = args.context.as_ref().expect("a checked workflow has a context");
    let strukt = workflow.listed.strukt;
    let steps = &workflow.listed.members;
    let p = private(args.krate.as_ref());
    let ident = &strukt.ident;
    let count = steps.len();
    let normalize = args.normalize;
    let workflow_name = ident.to_string();
    // Every requirement on a step is checked here, once, at the step's token. Being marked
    // `#[step]` is checked first where it reads best (without a "required by a bound" note);
    // `workflow_step` requires it again and rustc folds that repeat into the first error.
    let entries: Vec<TokenStream> = steps
        .iter()
        .map(|step| {
            quote_spanned! {step.span()=> {
                let _ = <#step as __SynapseMarkedStep>::__synapse_construct;
                workflow_step::<#step>()
            }}
        })
        .collect();
    // The context bound points at the workflow's `context = …`, which a step over another state
    // does not match.
    let runs_on_context = respan(quote!(#p::Step<#context>), context.span());
    let specs = (0..count).map(|i| quote!(__SYNAPSE_ENTRIES[#i].0));
    let fields = (0..count).map(syn::Index::from);
    // One check per step (the comparison of every pair runs in one `const fn`), so a workflow of
    // a thousand steps stays a thousand checks.
    let per_step: Vec<TokenStream> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let text = type_text(step);
            let duplicate = format!(
                "`{text}` has the same step name as an earlier step of `{workflow_name}`; step names must be unique: give one of them another `#[step(name = \"…\")]`"
            );
            let weight = format!("the weight of `{text}` is not a positive, finite number");
            // The panic is reported where its path says: at the step.
            let panic = respan(quote!(#p::core::panic), step.span());
            quote_spanned! {step.span()=>
                const _: () = if __SYNAPSE_REPEATED[#i] { #panic!(#duplicate) };
                const _: () = if !#p::is_placeholder(&__SYNAPSE_SPECS[#i])
                    && !(__SYNAPSE_SPECS[#i].weight > 0.0 && __SYNAPSE_SPECS[#i].weight.is_finite())
                {
                    #panic!(#weight)
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
        let panic = respan(quote!(#p::core::panic), ident.span());
        quote_spanned! {ident.span()=>
            const _: () = {
                let mut checkable = true;
                let mut i = 0;
                while i < #count {
                    checkable &= !#p::is_placeholder(&__SYNAPSE_SPECS[i]);
                    i += 1;
                }
                let deviation = #p::step_weights_sum(&__SYNAPSE_SPECS) - 1.0;
                if checkable && (deviation > 1e-6 || deviation < -1e-6) {
                    #panic!(#sum_message)
                }
            };
        }
    };
    quote! {
        const _: () = {
            #[diagnostic::on_unimplemented(
                message = "`{Self}` is not marked `#[step]`",
                label = "workflow steps need `#[step(weight = …)]`",
                note = "put `#[synapse::step(weight = 0.5)]` on the type"
            )]
            trait __SynapseMarkedStep {
                fn __synapse_construct() -> Self;
            }
            impl<S: #p::ConstructStep> __SynapseMarkedStep for S {
                #[inline]
                fn __synapse_construct() -> S {
                    <S as #p::ConstructStep>::construct()
                }
            }
            type __SynapseEntry = (#p::StepSpec, fn() -> #p::StepHandle<#context>);
            fn __synapse_handle<S: __SynapseMarkedStep + #runs_on_context>() -> #p::StepHandle<#context> {
                #p::StepHandle::new(<S as __SynapseMarkedStep>::__synapse_construct())
            }
            const fn workflow_step<S: __SynapseMarkedStep + #runs_on_context>() -> __SynapseEntry {
                (<S as #p::StepInfo>::SPEC, __synapse_handle::<S>)
            }
            const __SYNAPSE_ENTRIES: [__SynapseEntry; #count] = [#(#entries),*];
            const __SYNAPSE_SPECS: [#p::StepSpec; #count] = [#(#specs),*];
            // For each step, whether an earlier step has the same name.
            const __SYNAPSE_REPEATED: [bool; #count] = #p::repeated_names(&__SYNAPSE_SPECS);
            #(#per_step)*
            #sum_check
            // The fields only name the steps: read them here so that steps with fields do not
            // make rustc warn that the workflow's fields are never read.
            #[allow(dead_code)]
            fn __synapse_read_fields(workflow: &#ident) {
                let _ = (#(&workflow.#fields,)*);
            }
            impl #p::Workflow for #ident {
                type Context = #context;
                const PLAN: &'static [#p::PlanEntry] = &#p::plan_entries(__SYNAPSE_SPECS, #normalize);
                fn steps() -> #p::std::vec::Vec<#p::StepHandle<#context>> {
                    let mut steps = #p::std::vec::Vec::with_capacity(#count);
                    for (_, handle) in &__SYNAPSE_ENTRIES {
                        steps.push(handle());
                    }
                    steps
                }
            }
        };
    }
}
