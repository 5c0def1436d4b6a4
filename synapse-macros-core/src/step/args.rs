//! The `#[step(...)]` argument grammar: a step's progress weight, name, retries, timeout and
//! backoff, each checked when read.
//!
//! Layer: model (reader → **model** → check → expand). The grammar of the attribute, read with
//! [`crate::args`]; the rules relating several parts are in the sibling `check`, and the
//! expansion in `synapse-macros` reads the model only once the check has passed.
//!
//! ```text
//! #[step(weight = 0.3, name = "resize_images", retries = 3, timeout = "30s", backoff = "100ms", crate = ::synapse)]
//! ```

use crate::args::Arg;
use crate::errors::Errors;
use crate::names::{check_name, default_step_name};
use crate::shape::ungroup;
use crate::symbol::{BACKOFF, CRATE, NAME, RETRIES, STEP_ARGS, TIMEOUT, WEIGHT};
use proc_macro2::TokenStream;

/// The largest `retries` value.
pub const MAX_RETRIES: u32 = 100;

/// The parsed arguments of one `#[step(...)]` attribute (a wrong one is left out).
#[derive(Default)]
pub struct StepArgs {
    /// `weight = 0.3`: a positive, finite number.
    pub weight: Option<f64>,
    /// `name = "…"`: a valid step name.
    pub name: Option<String>,
    /// `retries = 3`: at most [`MAX_RETRIES`].
    pub retries: Option<u32>,
    /// `timeout = "30s"`, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// `backoff = "100ms"`, in milliseconds.
    pub backoff_ms: Option<u64>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
    /// The tokens inside the parentheses, where a rule about a missing key points.
    pub tokens: TokenStream,
}

impl StepArgs {
    /// Parses the tokens inside `#[step(...)]`, recording every problem in `errors`.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, step::StepArgs};
    /// let errors = Errors::new();
    /// let args = StepArgs::parse(&errors, quote::quote!(weight = 0.5, retries = 3, timeout = "1m"));
    /// errors.check().unwrap();
    /// assert_eq!((args.weight, args.retries, args.timeout_ms), (Some(0.5), Some(3), Some(60_000)));
    /// ```
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = StepArgs { tokens: tokens.clone(), ..StepArgs::default() };
        STEP_ARGS.read(errors, tokens, |arg| match arg.symbol {
            WEIGHT => args.weight = expr(errors, &arg, "weight = 0.3").and_then(|value| weight(errors, &value)),
            NAME => args.name = expr(errors, &arg, "name = \"resize_images\"").and_then(|value| name(errors, &value)),
            RETRIES => args.retries = expr(errors, &arg, "retries = 3").and_then(|value| retries(errors, &value)),
            TIMEOUT => args.timeout_ms = duration(errors, &arg, "timeout = \"30s\""),
            BACKOFF => args.backoff_ms = duration(errors, &arg, "backoff = \"100ms\""),
            CRATE => args.krate = arg.path(errors),
            _ => {}
        });
        args
    }
}

/// The value as an expression, whatever it is: each key says itself what is wrong with it.
fn expr(errors: &Errors, arg: &Arg, example: &str) -> Option<syn::Expr> {
    let value = arg.value(errors, example)?;
    match syn::parse2::<syn::Expr>(value.clone()) {
        Ok(expr) => Some(expr),
        Err(_) => {
            errors.error_spanned(value, format!("`{}` expects a literal, like `{example}`", arg.key));
            None
        }
    }
}

/// The weight: a positive, finite number literal.
fn weight(errors: &Errors, value: &syn::Expr) -> Option<f64> {
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

fn name(errors: &Errors, value: &syn::Expr) -> Option<String> {
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

fn retries(errors: &Errors, value: &syn::Expr) -> Option<u32> {
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
fn duration(errors: &Errors, arg: &Arg, example: &str) -> Option<u64> {
    let key = &arg.key;
    let value = expr(errors, arg, example)?;
    let value = ungroup(&value);
    let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. }) = value else {
        errors.error_spanned(value, format!("`{key}` expects a duration string, like `{example}`"));
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

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn messages(tokens: TokenStream) -> Vec<String> {
        let errors = Errors::new();
        StepArgs::parse(&errors, tokens);
        crate::errors::messages(errors)
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errors = messages(quote!(weight = -1, retries = 1000, timeout = 30, wieght = 1, backoff = "0s"));
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].starts_with("a step weight must be greater than 0, not -1"));
        assert_eq!(errors[1], "`retries` must be a whole number from 0 to 100");
        assert_eq!(errors[2], "`timeout` expects a duration string, like `timeout = \"30s\"`");
        assert!(errors[3].starts_with("unknown `#[step]` argument `wieght`; did you mean `weight`?"));
        assert_eq!(errors[4], "`backoff` must be longer than zero");
    }

    #[test]
    fn suggests_a_valid_name() {
        assert_eq!(
            messages(quote!(name = "ResizeImages")),
            [
                "invalid step name: `ResizeImages` must start with a lowercase ASCII letter; did you mean `resize_images`?"
            ]
        );
    }
}
