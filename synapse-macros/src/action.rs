//! `#[action]`: on a struct (which implements `synapse::Action`) or on a plain or async fn.
//!
//! Both forms expand to the same thing: a `'static` `ActionDescriptor` in the link-time
//! registry, built by `ActionDescriptor::of::<A>()` so the type system checks the params,
//! output and data types, plus a module-level marker that turns two actions of the same name
//! in one module into a compile error.

use crate::paths::private;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::action::{ActionArgs, ResolvedAction};
use synapse_macros_core::names::doc_lines;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::new();
    let args = ActionArgs::parse(args, &mut errors);
    let item: syn::Item = match syn::parse2(item.clone()) {
        Ok(item) => item,
        Err(error) => return with_errors(item, error.to_compile_error()),
    };
    let expansion = match &item {
        syn::Item::Struct(strukt) => expand_struct(&args, strukt, &mut errors),
        syn::Item::Fn(function) => expand_fn(&args, function, &mut errors),
        other => {
            errors.error_spanned(
                item_keyword(other),
                "`#[action]` goes on a struct that implements `synapse::Action`, or on a fn",
            );
            None
        }
    };
    match (errors.finish(), expansion) {
        (Ok(()), Some(expansion)) => quote!(#item #expansion),
        (Err(error), _) => with_errors(quote!(#item), error.to_compile_error()),
        (Ok(()), None) => quote!(#item),
    }
}

/// The user's item, followed by the errors: the item stays usable (and IDE-visible).
fn with_errors(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#item #errors)
}

fn item_keyword(item: &syn::Item) -> TokenStream {
    match item {
        syn::Item::Enum(e) => e.enum_token.to_token_stream(),
        syn::Item::Union(u) => u.union_token.to_token_stream(),
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Trait(t) => t.trait_token.to_token_stream(),
        syn::Item::Mod(m) => m.mod_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

fn expand_struct(args: &ActionArgs, strukt: &syn::ItemStruct, errors: &mut Errors) -> Option<TokenStream> {
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(
            &strukt.generics,
            "an `#[action]` struct cannot be generic: the registry needs one concrete type per action",
        );
        return None;
    }
    let ident = &strukt.ident;
    let resolved = args.resolve(&ident.to_string(), &doc_lines(&strukt.attrs));
    let p = private(args.krate.as_ref());
    let construct = match &strukt.fields {
        syn::Fields::Unit => quote!(#ident),
        _ => quote!(<#ident as #p::core::default::Default>::default()),
    };
    let construct_impl = quote! {
        impl #p::ConstructAction for #ident {
            #[inline]
            fn construct() -> Self { #construct }
        }
    };
    let entrypoint = ident.to_string();
    let descriptor = descriptor(args, &resolved, &p, &quote_spanned!(ident.span()=> #ident), &entrypoint);
    let marker = name_marker(args, &resolved, ident.span());
    Some(quote! {
        #marker
        const _: () = {
            #construct_impl
            #descriptor
        };
    })
}

fn expand_fn(args: &ActionArgs, function: &syn::ItemFn, errors: &mut Errors) -> Option<TokenStream> {
    let sig = &function.sig;
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.error_spanned(
            &sig.generics,
            "an `#[action]` fn cannot be generic: the registry needs one concrete signature",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.error_spanned(variadic, "an `#[action]` fn cannot be variadic");
    }
    let mut params_ty: Option<&syn::Type> = None;
    let mut call_args = Vec::new();
    let mut has_ctx = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(receiver) => {
                errors.error_spanned(
                    receiver,
                    "an `#[action]` fn cannot take `self`; put `#[action]` on the struct and implement `synapse::Action` instead",
                );
            }
            syn::FnArg::Typed(arg) => match &*arg.ty {
                syn::Type::Reference(_) if !has_ctx => {
                    has_ctx = true;
                    call_args.push(quote!(ctx));
                }
                syn::Type::Reference(_) => {
                    errors.error_spanned(
                        &arg.ty,
                        "an `#[action]` fn takes at most one context argument (`ctx: &Context`)",
                    );
                }
                ty if params_ty.is_none() => {
                    params_ty = Some(ty);
                    call_args.push(quote!(params));
                }
                ty => {
                    errors.error_spanned(
                        ty,
                        "an `#[action]` fn takes its params (one `#[params]` struct) and optionally `ctx: &Context`; \
                         put every parameter in the params struct",
                    );
                }
            },
        }
    }
    let ret_ty = match &sig.output {
        syn::ReturnType::Type(_, ty) => ty.as_ref().clone(),
        syn::ReturnType::Default => {
            errors.error_spanned(
                &sig.ident,
                "an `#[action]` fn must return a `Result`, e.g. `-> synapse::Result<MyOutput>` (use `serde_json::Value` or `()` for an untyped result)",
            );
            return None;
        }
    };
    if !errors.is_empty() {
        return None;
    }
    let ident = &sig.ident;
    let resolved = args.resolve(&ident.to_string(), &doc_lines(&function.attrs));
    let p = private(args.krate.as_ref());
    let marker_ty = format_ident!("__SynapseFnAction_{}", ident);
    let params_ty = match params_ty {
        Some(ty) => quote!(#ty),
        None => quote!(#p::NoParams),
    };
    let params_binding =
        if call_args.iter().any(|a| a.to_string() == "params") { quote!(params) } else { quote!(_params) };
    let call = quote_spanned!(sig.ident.span()=> #ident(#(#call_args),*));
    let call = if sig.asyncness.is_some() { quote!(#call.await) } else { call };
    let ret_span = ret_ty.span();
    let output_ty = quote_spanned!(ret_span=> <#ret_ty as #p::FnReturn>::Output);
    let entrypoint = ident.to_string();
    let descriptor = descriptor(args, &resolved, &p, &quote!(#marker_ty), &entrypoint);
    let marker = name_marker(args, &resolved, ident.span());
    Some(quote! {
        #marker
        const _: () = {
            #[allow(non_camel_case_types)]
            struct #marker_ty;
            impl #p::ConstructAction for #marker_ty {
                #[inline]
                fn construct() -> Self { #marker_ty }
            }
            impl #p::Action for #marker_ty {
                type Params = #params_ty;
                type Output = #output_ty;
                fn execute(
                    &self,
                    #params_binding: Self::Params,
                    ctx: &#p::Context,
                ) -> impl #p::core::future::Future<Output = #p::Result<Self::Output>> + #p::core::marker::Send {
                    let _ = &ctx;
                    async move { #p::FnReturn::into_result(#call) }
                }
            }
            #descriptor
        };
    })
}

/// The registry element for action type `ty`.
fn descriptor(
    args: &ActionArgs,
    resolved: &ResolvedAction,
    p: &TokenStream,
    ty: &TokenStream,
    entrypoint: &str,
) -> TokenStream {
    let name = &resolved.name;
    let description = &resolved.description;
    let category = match &args.category {
        Some(category) => {
            let variant = syn::Ident::new(category.term.ident, category.span);
            quote!(#p::core::option::Option::Some(#p::Category::#variant))
        }
        None => quote!(#p::core::option::Option::None),
    };
    let method = syn::Ident::new(resolved.method.ident, args.method.as_ref().map_or(Span::call_site(), |m| m.span));
    let data_type = |ty: &Option<syn::Type>| match ty {
        Some(ty) => {
            let span = ty.span();
            quote_spanned!(span=> #p::core::option::Option::Some(&<#ty as #p::DataType>::INFO))
        }
        None => quote!(#p::core::option::Option::None),
    };
    let input_type = data_type(&args.input_type);
    let output_type = data_type(&args.output_type);
    let krate = args.krate.as_ref().map(|path| quote!(#path)).unwrap_or_else(|| quote!(::synapse));
    let linkme_crate = quote!(#krate::__private::linkme);
    quote! {
        #[#p::linkme::distributed_slice(#p::SYNAPSE_ACTIONS_V0)]
        #[linkme(crate = #linkme_crate)]
        static ACTION: #p::ActionDescriptor = #p::ActionDescriptor::of::<#ty>(#p::ActionMeta {
            name: #name,
            description: #description,
            category: #category,
            method: #p::RunMethod::#method,
            input_type: #input_type,
            output_type: #output_type,
            entrypoint: #p::core::concat!(#p::core::module_path!(), "::", #entrypoint),
            crate_name: #p::core::env!("CARGO_PKG_NAME"),
            file: #p::core::file!(),
            line: #p::core::line!(),
        });
    }
}

/// A module-level item named after the action: two actions of one name in one module collide
/// here, and rustc reports it at the second name.
fn name_marker(args: &ActionArgs, resolved: &ResolvedAction, fallback: Span) -> TokenStream {
    let span = args.name.as_ref().map_or(fallback, |lit| lit.span());
    let marker = syn::Ident::new(&format!("__synapse_action_named_{}", resolved.name.replace('-', "_")), span);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #marker: () = ();
    }
}
