//! The rules of an `#[action]` beyond its arguments: what it may be put on, the signature of
//! an action fn, and a name derived from the item (one given with `name = "…"` is checked when
//! read).
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::{Action, Form, Input, Surplus};
use crate::errors::Errors;
use crate::names::{check_name, default_action_name};
use crate::shape::{check_not_generic, item_keyword, item_kind};
use quote::ToTokens;

/// Records in `errors` every way `action` breaks the rules.
///
/// ```
/// use synapse_macros_core::{Errors, action::{self, Action, ActionArgs}};
/// let item: syn::Item = syn::parse_quote!(fn process<P>(&self, p: &P) {});
/// let errors = Errors::new();
/// action::check(&errors, &Action::new(ActionArgs::default(), &item));
/// let messages: Vec<String> = errors.check().unwrap_err().into_iter().map(|e| e.to_string()).collect();
/// assert_eq!(messages.len(), 3);
/// assert!(messages[0].starts_with("an `#[action]` fn cannot be generic"));
/// assert!(messages[1].starts_with("an `#[action]` fn cannot take `self`"));
/// assert!(messages[2].starts_with("an `#[action]` fn must return a `Result`"));
/// ```
pub fn check(errors: &Errors, action: &Action) {
    match &action.form {
        Form::Misplaced => errors.error_spanned(
            item_keyword(action.item),
            format!(
                "`#[action]` goes on a struct that implements `synapse::Action`, or on a fn; not on {}",
                item_kind(action.item)
            ),
        ),
        Form::Struct(strukt) => {
            check_not_generic(
                errors,
                &strukt.generics,
                "an `#[action]` struct cannot be generic: the registry needs one concrete type per action",
            );
        }
        Form::Fn(function) => {
            let sig = &function.item.sig;
            if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
                errors.error_spanned(
                    &sig.generics,
                    "an `#[action]` fn cannot be generic: the registry needs one concrete signature",
                );
            }
            if let Some(variadic) = &sig.variadic {
                errors.error_spanned(variadic, "an `#[action]` fn cannot be variadic");
            }
            for input in &function.inputs {
                check_input(errors, input);
            }
            if matches!(sig.output, syn::ReturnType::Default) {
                errors.error_spanned(
                    &sig.ident,
                    "an `#[action]` fn must return a `Result`, e.g. `-> synapse::Result<MyOutput>` (use `serde_json::Value` or `()` for an untyped result)",
                );
            }
        }
    }
    check_derived_name(errors, action);
}

fn check_input(errors: &Errors, input: &Input) {
    match input {
        Input::Receiver(receiver) => errors.error_spanned(
            receiver,
            "an `#[action]` fn cannot take `self`; put `#[action]` on the struct and implement `synapse::Action` instead",
        ),
        Input::Surplus(arg, Surplus::Context) => {
            errors.error_spanned(&arg.ty, "an `#[action]` fn takes at most one context argument (`ctx: &Context`)")
        }
        Input::Surplus(arg, Surplus::Reference) => {
            let (pat, referent) = by_value(arg);
            errors.error_spanned(
                &arg.ty,
                format!(
                    "an `#[action]` fn takes its params by value: write `{pat}: {referent}`; the only argument it takes by reference is the run context, `ctx: &Context`"
                ),
            );
        }
        Input::Surplus(arg, Surplus::Value) => errors.error_spanned(
            &arg.ty,
            "an `#[action]` fn takes its params (one `#[params]` struct) and optionally `ctx: &Context`; \
             put every parameter in the params struct",
        ),
        Input::Params(_) | Input::Context(_) => {}
    }
}

/// The argument's pattern and the type its reference points to, as written (`p`, `MyParams`),
/// for "write `p: MyParams`" suggestions.
///
/// ```
/// use synapse_macros_core::action::check::by_value;
/// let arg: syn::PatType = syn::parse_quote!(p: &my::Params<T>);
/// assert_eq!(by_value(&arg), ("p".to_owned(), "my::Params<T>".to_owned()));
/// ```
pub fn by_value(arg: &syn::PatType) -> (String, String) {
    let pat = arg.pat.to_token_stream().to_string().replace(' ', "");
    let referent = match &*arg.ty {
        syn::Type::Reference(reference) => crate::shape::type_text(&reference.elem),
        other => crate::shape::type_text(other),
    };
    (pat, referent)
}

/// A name given with `name = "…"` was checked when read; one derived from the ident is checked
/// here, at the ident.
fn check_derived_name(errors: &Errors, action: &Action) {
    let Some(ident) = action.ident() else {
        return;
    };
    if action.args.name.is_some() {
        return;
    }
    if let Err(problem) = check_name(&default_action_name(&ident.to_string())) {
        errors.error_spanned(
            ident,
            format!("the action name derived from `{ident}` is invalid: {problem}; give one with `name = \"…\"`"),
        );
    }
}
