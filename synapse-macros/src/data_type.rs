//! `#[data_type(parent = Dataset, description = "…")]` on a unit struct: a semantic data type
//! an action declares as its input or output. Its name is the snake_case of the type name.

use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use synapse_macros_core::Errors;
use synapse_macros_core::args::parse_args;
use synapse_macros_core::names::{data_type_name, doc_lines, doc_summary};

const KEYS: &[&str] = &["parent", "description", "crate"];

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let mut parent: Option<syn::Type> = None;
    let mut description: Option<syn::LitStr> = None;
    let mut krate: Option<syn::Path> = None;
    parse_args(args, "`#[data_type]` argument", KEYS, &mut errors, |arg, errors| match arg.key.to_string().as_str() {
        "parent" => parent = arg.ty("parent = Dataset", errors),
        "description" => description = arg.lit_str("description = \"…\"", errors),
        "crate" => krate = arg.path(errors),
        _ => {}
    });
    let item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#item #error);
        }
    };
    let strukt = match item {
        syn::Item::Struct(strukt) => strukt,
        other => {
            let (keyword, example) = match &other {
                syn::Item::Enum(e) => (e.enum_token.to_token_stream(), format!("pub struct {};", e.ident)),
                syn::Item::Union(u) => (u.union_token.to_token_stream(), format!("pub struct {};", u.ident)),
                syn::Item::Type(t) => (t.type_token.to_token_stream(), format!("pub struct {};", t.ident)),
                other => (other.to_token_stream(), "pub struct AcmeDataset;".to_owned()),
            };
            errors.error_spanned(keyword, format!("`#[data_type]` goes on a unit struct, like `{example}`"));
            let error = errors.to_compile_errors();
            return quote!(#other #error);
        }
    };
    let unit = format!("pub struct {};", strukt.ident);
    let generic = !strukt.generics.params.is_empty();
    let unit_fields = matches!(strukt.fields, syn::Fields::Unit);
    if generic {
        errors.error_spanned(
            &strukt.generics,
            format!("a data type cannot be generic: it is one name in `config.yaml`; declare it as `{unit}`"),
        );
    }
    if !unit_fields {
        errors.error_spanned(
            strukt.fields.to_token_stream(),
            format!("a data type is a marker and has no fields; declare it as `{unit}`"),
        );
    }
    // A mistake in the arguments leaves a well-formed data type (minus the bad argument), so it
    // is still implemented: its uses as an `input_type` or `parent` report nothing more.
    let errors = errors.finish().err().map(|error| error.to_compile_error());
    if generic || !unit_fields {
        return quote!(#strukt #errors);
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
        #errors
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
