//! `#[data_type(parent = Dataset, description = "…")]` on a unit struct: a semantic data type
//! an action declares as its input or output. Its name is the snake_case of the type name.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use synapse_macros_core::Errors;
use synapse_macros_core::errors::unknown_message;
use synapse_macros_core::names::{data_type_name, doc_lines, doc_summary};

const KEYS: &[&str] = &["parent", "description", "crate"];

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let mut parent: Option<syn::Type> = None;
    let mut description: Option<syn::LitStr> = None;
    let mut krate: Option<syn::Path> = None;
    let parser = |input: ParseStream| {
        while !input.is_empty() {
            let key = input.call(syn::Ident::parse_any)?;
            input.parse::<syn::Token![=]>()?;
            match key.to_string().as_str() {
                "parent" => parent = Some(input.parse()?),
                "description" => description = Some(input.parse()?),
                "crate" => krate = Some(input.call(syn::Path::parse_mod_style)?),
                other => {
                    errors.error_spanned(&key, unknown_message("`#[data_type]` argument", other, KEYS));
                    let _ = input.parse::<syn::Expr>();
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
    let strukt: syn::ItemStruct = match syn::parse2(item.clone()) {
        Ok(strukt) => strukt,
        Err(_) => {
            let error =
                syn::Error::new_spanned(&item, "`#[data_type]` goes on a unit struct, like `pub struct YoloDataset;`")
                    .to_compile_error();
            return quote!(#item #error);
        }
    };
    if !matches!(strukt.fields, syn::Fields::Unit) || !strukt.generics.params.is_empty() {
        errors.error_spanned(
            strukt.fields.to_token_stream(),
            "a data type is a marker: declare it as a unit struct, like `pub struct YoloDataset;`",
        );
    }
    if let Err(error) = errors.finish() {
        let error = error.to_compile_error();
        return quote!(#strukt #error);
    }
    let p = private(krate.as_ref());
    let ident = &strukt.ident;
    let name = data_type_name(&ident.to_string());
    let description = description
        .map(|lit| lit.value())
        .unwrap_or_else(|| doc_summary(doc_lines(&strukt.attrs).iter().map(String::as_str)));
    let parent = match parent {
        Some(parent) => quote!(#p::core::option::Option::Some(&<#parent as #p::DataType>::INFO)),
        None => quote!(#p::core::option::Option::None),
    };
    quote! {
        #strukt
        impl #p::DataType for #ident {
            const INFO: #p::DataTypeInfo = #p::DataTypeInfo {
                name: #name,
                description: #description,
                parent: #parent,
            };
        }
    }
}
