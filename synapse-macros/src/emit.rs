//! Helpers every expansion shares: re-emitting the user's item with the errors, and steering
//! where rustc reports an error in generated code.
//!
//! Each macro expands in the same three steps: read the attribute and item into a model and
//! check it (`synapse-macros-core`), then expand the checked model, or, when the check failed,
//! emit the item, the errors and placeholder impls (clap's dummies) so that one mistake is
//! reported once and code using the item still compiles (and the IDE keeps working).

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote};
use synapse_macros_core::Errors;

/// The user's item, followed by the errors recorded so far and `rest` (placeholders, or the
/// expansion of what was right).
pub fn with_errors(item: impl ToTokens, errors: Errors, rest: TokenStream) -> TokenStream {
    let errors = errors.check().err().map(|error| error.to_compile_error());
    quote!(#item #errors #rest)
}

/// The user's item followed by `expand()` when nothing was recorded in `errors`; otherwise by
/// the errors and `placeholder()`.
pub fn finish(
    item: impl ToTokens,
    errors: Errors,
    expand: impl FnOnce() -> TokenStream,
    placeholder: impl FnOnce() -> TokenStream,
) -> TokenStream {
    match errors.check() {
        Ok(()) => {
            let expansion = expand();
            quote!(#item #expansion)
        }
        Err(error) => {
            let (errors, placeholder) = (error.to_compile_error(), placeholder());
            quote!(#item #errors #placeholder)
        }
    }
}

/// The front of every attribute macro: reads the arguments with `parse` and the item, and
/// hands both to `expand` with the errors recorded so far. An item that does not parse (what an
/// IDE feeds while the user types) is emitted as it is, with the errors in the arguments: rustc
/// reports the item's syntax error itself, so the user sees every mistake at once.
pub fn attribute<A>(
    args: TokenStream,
    item: TokenStream,
    parse: impl FnOnce(&Errors, TokenStream) -> A,
    expand: impl FnOnce(Errors, A, &syn::Item) -> TokenStream,
) -> TokenStream {
    let errors = Errors::new();
    let args = parse(&errors, args);
    match syn::parse2::<syn::Item>(item.clone()) {
        Ok(item) => expand(errors, args, &item),
        Err(_) => with_errors(item, errors, TokenStream::new()),
    }
}

/// The spans of the first and last tokens of `tokens`: a span running from one to the other
/// covers exactly what the user wrote, on a stable compiler too.
pub fn edge_spans(tokens: &impl ToTokens) -> (Span, Span) {
    let mut trees = tokens.to_token_stream().into_iter();
    let first = trees.next().map_or_else(Span::call_site, |tree| tree.span());
    let last = trees.last().map_or(first, |tree| tree.span());
    (first, last)
}

/// `tokens` with every span set to `span`, so that rustc's notes on them point there.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut respanned = Group::new(group.delimiter(), respan(group.stream(), span));
                respanned.set_span(span);
                token = TokenTree::Group(respanned);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
