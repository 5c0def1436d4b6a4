//! The one door generated code goes through: `::synapse::__private` (or `<crate>::__private`
//! when a user renamed the dependency and says `crate = path`). Every expansion names the
//! runtime, `core` and `std` only through it.
//!
//! A helper of the expansion (reader → model → check → **expand**): every path an expansion
//! writes comes from here.

use proc_macro2::TokenStream;
use quote::quote;

/// The `__private` module path for the given `crate = …` override.
pub fn private(krate: Option<&syn::Path>) -> TokenStream {
    match krate {
        Some(path) => quote!(#path::__private),
        None => quote!(::synapse::__private),
    }
}

/// The same path as a string, for `#[serde(crate = "…")]`-style attributes.
pub fn private_string(krate: Option<&syn::Path>, tail: &str) -> String {
    let base = match krate {
        Some(path) => quote!(#path).to_string().replace(' ', ""),
        None => "::synapse".to_owned(),
    };
    format!("{base}::__private::{tail}")
}

/// The `#[linkme(crate = …)]` attribute of a registry element.
pub fn linkme_crate(krate: Option<&syn::Path>) -> TokenStream {
    let p = private(krate);
    quote!(#[linkme(crate = #p::linkme)])
}
