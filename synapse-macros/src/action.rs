//! `#[action]`: on a struct (which implements `synapse::Action`) or on a plain or async fn.
//!
//! Both forms expand to the same thing: a `'static` `ActionDescriptor` in the link-time
//! registry, built by `ActionDescriptor::of::<A>()` so the type system checks the params,
//! output and data types, plus a module-level marker that turns two actions of the same name
//! in one module into a compile error.

use crate::paths::private;
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::action::{ActionArgs, ResolvedAction};
use synapse_macros_core::names::{check_name, doc_lines};

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
                format!(
                    "`#[action]` goes on a struct that implements `synapse::Action`, or on a fn; not on {}",
                    item_kind(other)
                ),
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

fn item_kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Enum(_) => "an enum",
        syn::Item::Union(_) => "a union",
        syn::Item::Impl(_) => "an impl block (put it on the struct instead)",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) | syn::Item::Static(_) => "a constant",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "an import",
        _ => "this item",
    }
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
    if !check_default_name(args, &resolved, ident, errors) {
        return None;
    }
    let p = private(args.krate.as_ref());
    // A struct with fields is built by `Default`; without it, rustc says so at the struct's name
    // and suggests `#[derive(Default)]`.
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
    let descriptor =
        descriptor(args, &resolved, &p, &quote_spanned!(ident.span()=> #ident), &TokenStream::new(), &entrypoint);
    let marker = name_marker(args, &resolved, ident.span());
    let name = &resolved.name;
    let data_type = |ty: &Option<syn::Type>| match ty {
        Some(ty) => quote!(#p::core::option::Option::Some(&<#ty as #p::DataType>::INFO)),
        None => quote!(#p::core::option::Option::None),
    };
    let (input_type, output_type) = (data_type(&args.input_type), data_type(&args.output_type));
    Some(quote! {
        #marker
        const _: () = {
            #construct_impl
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
    if !check_default_name(args, &resolved, ident, errors) {
        return None;
    }
    let p = private(args.krate.as_ref());
    // The action type is named after the fn, so notes read "required for `process<…>` to
    // implement `Action`"; a braced struct has no constructor, so the fn stays callable here.
    let marker_ty = ident.clone();
    let params_ty = match params_ty {
        Some(ty) => quote!(#ty),
        None => quote!(#p::NoParams),
    };
    let params_binding =
        if call_args.iter().any(|a| a.to_string() == "params") { quote!(params) } else { quote!(_params) };
    let call = quote_spanned!(sig.ident.span()=> #ident(#(#call_args),*));
    let call = if sig.asyncness.is_some() { quote!(#call.await) } else { call };
    // The action type is generic over the fn's return type `R` and implements `Action` when
    // `R: FnReturn`, so its items never mention a projection that may fail to normalize (each
    // such mention would be one more error). The descriptor's initializer first requires
    // `R: FnReturn` directly, then names `#marker_ty<R>`, both spanning exactly the written return
    // type: a return type that is not a `Result` (or whose `Ok` type is not an output) is one
    // error there, with `FnReturn`'s (or `ActionOutput`'s) message, which rustc does not repeat
    // for the `Action` bound.
    let (first, last) = edge_spans(&ret_ty);
    let mut marker_head = marker_ty.clone();
    marker_head.set_span(first);
    let marker_tail = quote_spanned!(last=> >);
    let action_ty = quote!(#marker_head < #ret_ty #marker_tail);
    let entrypoint = ident.to_string();
    let check = quote!(returns::<#ret_ty>(););
    // A future that is not `Send` is reported at the fn's name.
    let invoke_body = quote_spanned!(sig.ident.span()=> async move { #call });
    let invoke_future =
        quote_spanned!(sig.ident.span()=> impl #p::core::future::Future<Output = #ret_ty> + #p::core::marker::Send);
    let descriptor = descriptor(args, &resolved, &p, &action_ty, &check, &entrypoint);
    let marker = name_marker(args, &resolved, ident.span());
    Some(quote! {
        #marker
        const _: () = {
            #[allow(non_camel_case_types)]
            struct #marker_ty<R> {
                returns: #p::core::marker::PhantomData<fn() -> R>,
            }
            impl<R> #p::ConstructAction for #marker_ty<R> {
                #[inline]
                fn construct() -> Self { #marker_ty { returns: #p::core::marker::PhantomData } }
            }
            trait Invoke<R> {
                fn invoke(
                    params: #params_ty,
                    ctx: &#p::Context,
                ) -> impl #p::core::future::Future<Output = R> + #p::core::marker::Send;
            }
            impl Invoke<#ret_ty> for #marker_ty<#ret_ty> {
                #[inline]
                fn invoke(
                    #params_binding: #params_ty,
                    ctx: &#p::Context,
                ) -> #invoke_future {
                    let _ = &ctx;
                    #invoke_body
                }
            }
            const fn returns<R: #p::FnReturn>() {}
            impl<R: #p::FnReturn + 'static> #p::Action for #marker_ty<R>
            where
                Self: Invoke<R>,
            {
                type Params = #params_ty;
                type Output = <R as #p::FnReturn>::Output;
                fn execute(
                    &self,
                    params: Self::Params,
                    ctx: &#p::Context,
                ) -> impl #p::core::future::Future<Output = #p::Result<Self::Output>> + #p::core::marker::Send {
                    async move { #p::FnReturn::into_result(<Self as Invoke<R>>::invoke(params, ctx).await) }
                }
            }
            #descriptor
        };
    })
}

/// A name given with `name = "…"` was checked when parsed; one derived from the ident is checked
/// here, at the ident. True when the name is valid.
fn check_default_name(args: &ActionArgs, resolved: &ResolvedAction, ident: &syn::Ident, errors: &mut Errors) -> bool {
    if args.name.is_some() {
        return true;
    }
    match check_name(&resolved.name) {
        Ok(()) => true,
        Err(problem) => {
            errors.error_spanned(
                ident,
                format!("the action name derived from `{ident}` is invalid: {problem}; give one with `name = \"…\"`"),
            );
            false
        }
    }
}

/// The spans of the first and last tokens of `tokens`: a span running from one to the other
/// covers exactly what the user wrote, on a stable compiler too.
fn edge_spans(tokens: &impl ToTokens) -> (Span, Span) {
    let mut trees = tokens.to_token_stream().into_iter();
    let first = trees.next().map_or_else(Span::call_site, |tree| tree.span());
    let last = trees.last().map_or(first, |tree| tree.span());
    (first, last)
}

/// The registry element for action type `ty`.
fn descriptor(
    args: &ActionArgs,
    resolved: &ResolvedAction,
    p: &TokenStream,
    ty: &TokenStream,
    check: &TokenStream,
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
    let steps = match &args.workflow {
        Some(workflow) => {
            let span = workflow.span();
            quote_spanned!(span=> #p::core::option::Option::Some(<#workflow as #p::Workflow>::PLAN))
        }
        None => quote!(#p::core::option::Option::None),
    };
    let krate = args.krate.as_ref().map(|path| quote!(#path)).unwrap_or_else(|| quote!(::synapse));
    let linkme_crate = quote!(#krate::__private::linkme);
    quote! {
        #[#p::linkme::distributed_slice(#p::SYNAPSE_ACTIONS_V0)]
        #[linkme(crate = #linkme_crate)]
        static ACTION: #p::ActionDescriptor = { #check #p::ActionDescriptor::of::<#ty>(#p::ActionMeta {
            name: #name,
            description: #description,
            category: #category,
            method: #p::RunMethod::#method,
            input_type: #input_type,
            output_type: #output_type,
            steps: #steps,
            entrypoint: #p::core::concat!(#p::core::module_path!(), "::", #entrypoint),
            crate_name: #p::core::env!("CARGO_PKG_NAME"),
            crate_version: #p::core::env!("CARGO_PKG_VERSION"),
            file: #p::core::file!(),
            line: #p::core::line!(),
        }) };
    }
}

/// A module-level item named after the action: two actions of one name in one module collide
/// here, and rustc reports "the name `__synapse_action_named_process` is defined multiple
/// times" at the second name (the `name = "…"` literal, or the ident it defaults from).
fn name_marker(args: &ActionArgs, resolved: &ResolvedAction, fallback: Span) -> TokenStream {
    let span = args.name.as_ref().map_or(fallback, |lit| lit.span());
    let Ok(mut marker) =
        syn::parse_str::<syn::Ident>(&format!("__synapse_action_named_{}", resolved.name.replace('-', "_")))
    else {
        return TokenStream::new();
    };
    marker.set_span(span);
    quote_spanned! {span=>
        #[doc(hidden)]
        #[allow(non_upper_case_globals, dead_code)]
        const #marker: () = ();
    }
}
