//! The expansion of a checked `#[action]` struct: how the registry builds it (`Default`, or the
//! unit value), its registry element and its `RegisteredAction` impl (what `#[pipeline]` reads).
//!
//! Layer: expand (reader → model → check → **expand**); it reads a model checked by
//! `synapse-macros-core`.

use super::descriptor::{data_type_info, descriptor, name_marker};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use synapse_macros_core::action::{ActionArgs, ResolvedAction};

pub fn expand(args: &ActionArgs, resolved: &ResolvedAction, strukt: &syn::ItemStruct) -> TokenStream {
    let ident = &strukt.ident;
    let p = private(args.krate.as_ref());
    // A struct with fields is built by `Default`; without it, rustc says so at the struct's name
    // and suggests `#[derive(Default)]`.
    let construct = match &strukt.fields {
        syn::Fields::Unit => quote!(#ident),
        _ => quote!(<#ident as #p::core::default::Default>::default()),
    };
    let descriptor =
        descriptor(args, resolved, &quote_spanned!(ident.span()=> #ident), &TokenStream::new(), &ident.to_string());
    let marker = name_marker(args, resolved, ident.span());
    let name = &resolved.name;
    let input_type = data_type_info(&p, args.input_type.as_ref(), false);
    let output_type = data_type_info(&p, args.output_type.as_ref(), false);
    quote! {
        #marker
        const _: () = {
            impl #p::ConstructAction for #ident {
                #[inline]
                fn construct() -> Self { #construct }
            }
            #descriptor
            impl #p::RegisteredAction for #ident {
                const NAME: &'static str = #name;
                const INPUT_TYPE: #p::core::option::Option<&'static #p::DataTypeInfo> = #input_type;
                const OUTPUT_TYPE: #p::core::option::Option<&'static #p::DataTypeInfo> = #output_type;
                #[inline]
                fn descriptor() -> &'static #p::ActionDescriptor {
                    &ACTION
                }
            }
        };
    }
}
