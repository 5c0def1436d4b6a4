//! `synapse::plugin!(name = "…", category = …, description = "…")`: the plugin's identity.
//! Its code and version come from the crate's `Cargo.toml`.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::quote;
use synapse_macros_core::Errors;
use synapse_macros_core::plugin::PluginArgs;

pub fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = PluginArgs::parse(input, &mut errors);
    if let Err(error) = errors.finish() {
        return error.to_compile_error();
    }
    let p = private(args.krate.as_ref());
    let krate = args.krate.as_ref().map(|path| quote!(#path)).unwrap_or_else(|| quote!(::synapse));
    let linkme_crate = quote!(#krate::__private::linkme);
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
            #[linkme(crate = #linkme_crate)]
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
