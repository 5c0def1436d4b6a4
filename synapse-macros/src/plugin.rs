//! `synapse::plugin!(name = "…", category = …, description = "…")`: the plugin's identity.
//! Its code and version come from the crate's `Cargo.toml`.
//!
//! The arguments are read into `synapse_macros_core::plugin::PluginArgs`; this module only
//! expands them. Nothing names what `plugin!` emits, so a mistake needs no placeholder.

use crate::paths::{linkme_crate, private};
use proc_macro2::TokenStream;
use quote::quote;
use synapse_macros_core::Errors;
use synapse_macros_core::plugin::PluginArgs;

pub fn expand(input: TokenStream) -> TokenStream {
    let errors = Errors::new();
    let args = PluginArgs::parse(&errors, input);
    if let Err(error) = errors.check() {
        return error.to_compile_error();
    }
    let p = private(args.krate.as_ref());
    let linkme_crate = linkme_crate(args.krate.as_ref());
    let name = match &args.name {
        Some(name) => quote!(#name),
        None => quote!(#p::core::env!("CARGO_PKG_NAME")),
    };
    let description = match &args.description {
        Some(description) => quote!(#description),
        None => quote!(#p::core::env!("CARGO_PKG_DESCRIPTION")),
    };
    let category = syn::Ident::new(args.category.map_or("Custom", |c| c.ident), proc_macro2::Span::call_site());
    quote! {
        const _: () = {
            #[#p::linkme::distributed_slice(#p::SYNAPSE_PLUGINS_V0)]
            #linkme_crate
            static PLUGIN: #p::PluginDescriptor = #p::PluginDescriptor {
                name: #name,
                code: #p::core::env!("CARGO_PKG_NAME"),
                version: #p::core::env!("CARGO_PKG_VERSION"),
                description: #description,
                category: #p::Category::#category,
                file: #p::core::file!(),
                line: #p::core::line!(),
            };
        };
    }
}
