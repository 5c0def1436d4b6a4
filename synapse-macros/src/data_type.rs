//! `#[data_type(parent = Dataset, description = "…")]` on a unit struct: a semantic data type
//! an action declares as its input or output. Its name is the snake_case of the type name.
//!
//! The attribute and item are read into `synapse_macros_core::data_type::DataType` and checked
//! there; this module only expands. A mistake in the arguments leaves a well-formed data type
//! (minus the bad argument), which is still implemented; a mistake in the item (fields, an
//! enum) still gets a placeholder impl when the item is a type without generics. Either way
//! its uses as an `input_type` or `parent` report nothing more.

use crate::emit::{attribute, with_errors};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::quote;
use synapse_macros_core::Errors;
use synapse_macros_core::data_type::{self, DataType, DataTypeArgs};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, DataTypeArgs::parse, expand_model)
}

fn expand_model(errors: Errors, args: DataTypeArgs, item: &syn::Item) -> TokenStream {
    let data_type = DataType::new(args, item);
    data_type::check(&errors, &data_type);
    let p = private(data_type.args.krate.as_ref());
    // A generic type cannot be a data type, nor be named as one without its parameters.
    let Some((ident, generics)) = data_type.ty.filter(|(_, generics)| generics.params.is_empty()) else {
        return with_errors(item, errors, TokenStream::new());
    };
    let info = if data_type.is_unit_struct() {
        let name = data_type.name();
        let description = data_type.description();
        let parent = match &data_type.args.parent {
            Some(parent) => quote!(#p::core::option::Option::Some(&<#parent as #p::DataType>::INFO)),
            None => quote!(#p::core::option::Option::None),
        };
        quote! {
            #p::DataTypeInfo {
                name: #name,
                description: #description,
                parent: #parent,
            }
        }
    } else {
        // The placeholder of a type that cannot be a data type (already reported).
        quote!(#p::DataTypeInfo { name: "", description: "", parent: #p::core::option::Option::None })
    };
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let data_type_impl = quote! {
        impl #impl_generics #p::DataType for #ident #ty_generics #where_clause {
            const INFO: #p::DataTypeInfo = #info;
        }
    };
    with_errors(item, errors, data_type_impl)
}
