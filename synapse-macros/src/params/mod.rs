//! `#[params]` and `#[output]`: one type, one source of truth for its JSON Schema, its
//! validation and its (de)serialization.
//!
//! The attribute, the type and each field's `#[param(...)]` are read into
//! `synapse_macros_core::params::Params` and checked there; this module only expands. It adds
//! serde's and schemars' derives (reached through `__private`, so the user crate needs neither
//! dependency), turns each field's settings into the serde/schemars attributes that express them
//! ([`field`]), and implements `Params` / `ActionOutput`. Because the validator is compiled from
//! the very schema that is published, the two cannot disagree.
//!
//! A mistake in a setting leaves the type whole (the setting is left out), so it is still
//! expanded; a type of the wrong shape gets placeholder impls instead. Either way the errors are
//! reported once, here, not again wherever the type is used.

mod field;

use crate::emit::{attribute, with_errors};
use crate::paths::{private, private_string};
use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use synapse_macros_core::Errors;
use synapse_macros_core::params::{self, ContainerArgs, Params, Role};
use synapse_macros_core::symbol::PARAM;

pub fn expand(role: Role, args: TokenStream, item: TokenStream) -> TokenStream {
    let parse = |errors: &Errors, tokens| ContainerArgs::parse(errors, role, tokens);
    attribute(args, item, parse, |errors, args, item| {
        let params = Params::new(&errors, role, args, item);
        params::check(&errors, &params);
        if params.is_expandable() {
            return with_errors(expand_type(&params), errors, TokenStream::new());
        }
        let mut stripped = item.clone();
        for field in fields_mut(&mut stripped) {
            field.attrs.retain(|attr| attr.path() != &PARAM);
        }
        with_errors(stripped, errors, placeholder(&params))
    })
}

/// The fields of `item`, in the order the model lists them.
fn fields_mut(item: &mut syn::Item) -> Vec<&mut syn::Field> {
    match item {
        syn::Item::Struct(strukt) => strukt.fields.iter_mut().collect(),
        syn::Item::Enum(enumeration) => {
            enumeration.variants.iter_mut().flat_map(|variant| variant.fields.iter_mut()).collect()
        }
        _ => Vec::new(),
    }
}

/// The type with its derives and its fields' attributes, and its impls.
fn expand_type(params: &Params) -> TokenStream {
    let mut item = params.item.clone();
    let (ident, _) = params.ty().expect("an expandable type is a struct or an enum");
    let p = private(params.args.krate.as_ref());
    let mut defaults = Vec::new();
    for (field, model) in fields_mut(&mut item).into_iter().zip(&params.fields) {
        field.attrs.retain(|attr| attr.path() != &PARAM);
        field.attrs.extend(field::attrs(&p, ident, model, &mut defaults));
    }
    let is_enum = matches!(item, syn::Item::Enum(_));
    let attrs = match &mut item {
        syn::Item::Struct(strukt) => &mut strukt.attrs,
        syn::Item::Enum(enumeration) => &mut enumeration.attrs,
        _ => unreachable!("an expandable type is a struct or an enum"),
    };
    let derives = container_attrs(params, is_enum, attrs);
    attrs.splice(0..0, derives);
    let role_trait = role_trait(&p, params.role);
    let defaults = if defaults.is_empty() {
        quote!()
    } else {
        quote! {
            #[doc(hidden)]
            impl #ident { #(#defaults)* }
        }
    };
    let name = ident.to_string();
    // Spanned at the type's name, so "the trait is implemented for …" hints point at the type.
    let role_impl = quote_spanned!(ident.span()=> impl #role_trait for #ident {});
    quote! {
        #item
        #defaults
        const _: () = {
            impl #p::HasSchema for #ident {
                fn schema_cell() -> &'static #p::SchemaCell {
                    static CELL: #p::SchemaCell = #p::SchemaCell::new(#name, #p::schema_of::<#ident>);
                    &CELL
                }
            }
            #role_impl
        };
    }
}

fn role_trait(p: &TokenStream, role: Role) -> TokenStream {
    match role {
        Role::Params => quote!(#p::Params),
        Role::Output => quote!(#p::ActionOutput),
    }
}

/// The derives and container attributes, placed before the user's own attributes.
fn container_attrs(params: &Params, is_enum: bool, existing: &[syn::Attribute]) -> Vec<syn::Attribute> {
    let krate = params.args.krate.as_ref();
    let p = private(krate);
    let serde_crate = private_string(krate, "serde");
    let schemars_crate = private_string(krate, "schemars");
    let mut attrs: Vec<syn::Attribute> = vec![
        syn::parse_quote!(#[derive(#p::serde::Serialize, #p::serde::Deserialize, #p::schemars::JsonSchema)]),
        syn::parse_quote!(#[serde(crate = #serde_crate)]),
        syn::parse_quote!(#[schemars(crate = #schemars_crate)]),
    ];
    if params.role == Role::Params && !params.args.allow_unknown_fields {
        attrs.push(syn::parse_quote!(#[serde(deny_unknown_fields)]));
    }
    let user_renames = existing
        .iter()
        .any(|attr| attr.path().is_ident("serde") && attr.to_token_stream().to_string().contains("rename_all"));
    if is_enum && !user_renames {
        attrs.push(syn::parse_quote!(#[serde(rename_all = "snake_case")]));
    }
    attrs
}

/// What a type of the wrong shape (already reported) still gets when it has no generics:
/// the traits its uses as params or output need, so they report nothing more.
fn placeholder(params: &Params) -> TokenStream {
    let Some((ident, generics)) = params.ty() else {
        return TokenStream::new();
    };
    if !generics.params.is_empty() {
        return TokenStream::new();
    }
    let p = private(params.args.krate.as_ref());
    let role_trait = role_trait(&p, params.role);
    quote! {
        const _: () = {
            impl #p::HasSchema for #ident {
                fn schema_cell() -> &'static #p::SchemaCell {
                    #p::core::unreachable!()
                }
            }
            impl #p::serde::Serialize for #ident {
                fn serialize<S: #p::serde::Serializer>(&self, _: S) -> #p::core::result::Result<S::Ok, S::Error> {
                    #p::core::unreachable!()
                }
            }
            impl<'de> #p::serde::Deserialize<'de> for #ident {
                fn deserialize<D: #p::serde::Deserializer<'de>>(_: D) -> #p::core::result::Result<Self, D::Error> {
                    #p::core::unreachable!()
                }
            }
            impl #role_trait for #ident {}
        };
    }
}
