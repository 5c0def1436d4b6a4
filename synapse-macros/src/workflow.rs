//! `#[workflow(context = C)] pub struct W(StepA, StepB, …);`: an ordered list of steps over one
//! state type, checked at compile time.
//!
//! The checks land on the offending step's token: a step that is not marked `#[step]`, a step
//! that does not run on `C`, a step listed twice, a step whose name repeats an earlier one's, a
//! weight that is not positive and finite; and on the workflow, weights that do not sum to 1
//! (±1e-6) unless it says `normalize`. The plan (names, shares, offsets) is computed at compile
//! time.
//!
//! Each step is checked once, in one constant, so one mistake gives one error; when the
//! attribute itself is wrong the workflow still gets a placeholder `Workflow` impl (when its
//! context is known), so code using it does not report the same mistake again.

use crate::paths::private;
use crate::step::item_keyword;
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
    let listing = Listing {
        kind: "workflow",
        member: "step",
        example: "StepA, StepB",
        shape: "listing the steps, like `pub struct MyWorkflow(StepA, StepB);`",
    };
    let Some((strukt, steps)) = listed_struct(&item, listing, &mut errors) else {
        return with_errors(item, errors);
    };
    let ident = &strukt.ident;
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(
            &strukt.generics,
            "a `#[workflow]` cannot be generic: it lists concrete steps over one context type",
        );
    }
    if parsed.context.is_none() && errors.is_empty() {
        let at = if args_tokens.is_empty() { ident.to_token_stream() } else { args_tokens };
        errors.error_spanned(at, "a workflow needs the state its steps share: `#[workflow(context = MyState)]`");
    }
    for (i, step) in steps.iter().enumerate() {
        let text = type_text(step);
        if steps[..i].iter().any(|earlier| type_text(earlier) == text) {
            errors.error_spanned(
                step,
                format!("`{text}` is listed twice in this workflow; a step runs once per workflow"),
            );
        }
    }
    let expansion = match (errors.is_empty(), &parsed.context) {
        (true, Some(context)) => expand_checked(&strukt, context, &steps, &parsed),
        (false, Some(context)) if strukt.generics.params.is_empty() => placeholder(&strukt, context, &parsed),
        _ => quote!(),
    };
    let errors = errors.to_compile_errors();
    quote!(#item #errors #expansion)
}

/// What a tuple struct lists: `#[workflow]` its steps, `#[pipeline]` its actions.
pub(crate) struct Listing {
    /// `workflow`.
    pub kind: &'static str,
    /// `step`.
    pub member: &'static str,
    /// `StepA, StepB`.
    pub example: &'static str,
    /// What the struct looks like, for an attribute put on another item:
    /// "listing the steps, like `pub struct MyWorkflow(StepA, StepB);`".
    pub shape: &'static str,
}

/// The tuple struct `item` and the types it lists as its fields, with an error for any other
/// item or shape; `None` when `item` is not a struct (rustc reports a syntax error itself).
pub(crate) fn listed_struct(
    item: &TokenStream,
    listing: Listing,
    errors: &mut Errors,
) -> Option<(syn::ItemStruct, Vec<syn::Type>)> {
    let Listing { kind, member, example, shape } = listing;
    let strukt = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(strukt)) => strukt,
        Ok(other) => {
            errors.error_spanned(
                item_keyword(&other),
                format!("`#[{kind}]` goes on a tuple struct {shape}, not on {}", item_kind(&other)),
            );
            return None;
        }
        Err(_) => return None,
    };
    let ident = &strukt.ident;
    let types = match &strukt.fields {
        syn::Fields::Unnamed(fields) if !fields.unnamed.is_empty() => {
            fields.unnamed.iter().map(|f| f.ty.clone()).collect()
        }
        syn::Fields::Unnamed(fields) => {
            errors.error_spanned(
                fields,
                format!("a {kind} needs at least one {member}: `pub struct {ident}({example});`"),
            );
            Vec::new()
        }
        syn::Fields::Named(fields) => {
            let types: Vec<String> = fields.named.iter().map(|f| type_text(&f.ty)).collect();
            errors.error_spanned(
                fields,
                format!(
                    "a {kind} lists its {member}s as the fields of a tuple struct, without names: `pub struct {ident}({});`",
                    types.join(", ")
                ),
            );
            Vec::new()
        }
        syn::Fields::Unit => {
            errors.error_spanned(
                ident,
                format!(
                    "list the {kind}'s {member}s as the fields of a tuple struct: `pub struct {ident}({example});`"
                ),
            );
            Vec::new()
        }
    };
    Some((strukt, types))
}

/// The user's item, followed by the errors: the item stays usable (and IDE-visible).
pub(crate) fn with_errors(item: TokenStream, errors: Errors) -> TokenStream {
    let errors = errors.to_compile_errors();
    quote!(#item #errors)
}

pub(crate) fn item_kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Enum(_) => "an enum",
        syn::Item::Union(_) => "a union",
        syn::Item::Fn(_) => "a fn",
        syn::Item::Impl(_) => "an impl block (put it on the struct instead)",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) | syn::Item::Static(_) => "a constant",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "an import",
        _ => "this item",
    }
}

/// A type as the user wrote it, without the spaces token printing adds (`a::B<C, D>`).
pub(crate) fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "").replace(',', ", ")
}

/// The `Workflow` impl of a workflow whose attribute has a mistake (already reported): no
/// steps, so nothing more is checked and code using the workflow still compiles.
fn placeholder(strukt: &syn::ItemStruct, context: &syn::Type, args: &WorkflowArgs) -> TokenStream {
    let p = private(args.krate.as_ref());
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
            quote_spanned! {step.span()=>
                const _: () = if __SYNAPSE_REPEATED[#i] { ::core::panic!(#duplicate) };
                const _: () = if !#p::is_placeholder(&__SYNAPSE_SPECS[#i])
                    && !(__SYNAPSE_SPECS[#i].weight > 0.0 && __SYNAPSE_SPECS[#i].weight.is_finite())
                {
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
                let mut checkable = true;
                let mut i = 0;
                while i < #count {
                    checkable &= !#p::is_placeholder(&__SYNAPSE_SPECS[i]);
                    i += 1;
                }
                let deviation = #p::step_weights_sum(&__SYNAPSE_SPECS) - 1.0;
                if checkable && (deviation > 1e-6 || deviation < -1e-6) {
                    ::core::panic!(#sum_message)
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

/// `tokens` with every span set to `span`, so that rustc's notes on them point there.
fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut respanned = proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = proc_macro2::TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// An example of each argument, for "needs a value" messages.
fn example(key: &str) -> &'static str {
    match key {
        "context" => "context = MyState",
        _ => "crate = ::synapse",
    }
}

fn parse_args(args: TokenStream, errors: &mut Errors) -> WorkflowArgs {
    let mut parsed = WorkflowArgs::default();
    let mut seen: Vec<String> = Vec::new();
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let key = input.call(syn::Ident::parse_any)?;
            let key_text = key.to_string();
            if seen.contains(&key_text) && KEYS.contains(&key_text.as_str()) {
                errors.error_spanned(&key, format!("`{key_text}` is specified more than once"));
            }
            seen.push(key_text.clone());
            match key_text.as_str() {
                "context" | "crate" if !input.peek(syn::Token![=]) => {
                    errors.error_spanned(&key, format!("`{key_text}` needs a value, like `{}`", example(&key_text)));
                }
                "context" => {
                    input.parse::<syn::Token![=]>()?;
                    let fork = input.fork();
                    match fork.parse::<syn::Type>() {
                        Ok(ty) if fork.is_empty() || fork.peek(syn::Token![,]) => {
                            syn::parse::discouraged::Speculative::advance_to(input, &fork);
                            parsed.context.get_or_insert(ty);
                        }
                        _ => {
                            let value = skip_value(input)?;
                            errors.error_spanned(
                                value,
                                "`context` expects the type of the state the steps share, like `context = MyState`",
                            );
                        }
                    }
                }
                "normalize" => {
                    parsed.normalize = true;
                    if input.peek(syn::Token![=]) {
                        let value = skip_value(input)?;
                        errors.error_spanned(
                            value,
                            "`normalize` takes no value: write `#[workflow(context = …, normalize)]` to scale the weights",
                        );
                    }
                }
                "crate" => {
                    input.parse::<syn::Token![=]>()?;
                    parsed.krate = Some(input.call(syn::Path::parse_mod_style)?);
                }
                other => {
                    errors.error_spanned(&key, unknown_message("`#[workflow]` argument", other, KEYS));
                    if input.peek(syn::Token![=]) {
                        skip_value(input)?;
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

/// Consumes the tokens up to the next top-level `,` (or the end) and returns them, to report
/// a value that does not parse and go on with the next argument.
fn skip_value(input: ParseStream) -> syn::Result<TokenStream> {
    let mut value = TokenStream::new();
    let mut depth = 0usize;
    loop {
        let at_end = input.is_empty() || (depth == 0 && input.peek(syn::Token![,]));
        if at_end {
            break;
        }
        if input.peek(syn::Token![<]) {
            depth += 1;
        } else if input.peek(syn::Token![>]) {
            depth = depth.saturating_sub(1);
        }
        value.extend([input.parse::<proc_macro2::TokenTree>()?]);
    }
    Ok(value)
}
