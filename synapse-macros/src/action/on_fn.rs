//! The expansion of a checked `#[action]` fn: a hidden action type named after the fn whose
//! `Action::execute` calls it, and its registry element.
//!
//! Type errors land on the user's tokens: the return type's on the written return type, a
//! future that is not `Send` on the fn's name, and a reference argument that is not the run
//! context (`p: &MyParams`) on that argument's type, saying what to write instead.

use super::descriptor::{descriptor, name_marker};
use crate::emit::edge_spans;
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use synapse_macros_core::action::check::by_value;
use synapse_macros_core::action::{ActionArgs, ActionFn, Input, ResolvedAction, names_context};

pub fn expand(args: &ActionArgs, resolved: &ResolvedAction, function: &ActionFn) -> TokenStream {
    let sig = &function.item.sig;
    let ident = &sig.ident;
    let p = private(args.krate.as_ref());
    let syn::ReturnType::Type(_, ret_ty) = &sig.output else {
        unreachable!("a checked `#[action]` fn returns a type");
    };
    let params_ty = match function.params() {
        Some(arg) => {
            let ty = &arg.ty;
            quote!(#ty)
        }
        None => quote!(#p::NoParams),
    };
    let params_binding = if function.params().is_some() { quote!(params) } else { quote!(_params) };
    let call_args = function.inputs.iter().map(|input| match input {
        Input::Context(arg) => {
            let ty = &arg.ty;
            quote!(<#ty as RunContext<'_>>::run_context(ctx))
        }
        _ => quote!(params),
    });
    let run_context = run_context_trait(&p, function);
    let call = quote_spanned!(ident.span()=> #ident(#(#call_args),*));
    let call = if sig.asyncness.is_some() { quote!(#call.await) } else { call };
    // The action type is named after the fn, so notes read "required for `process<…>` to
    // implement `Action`"; a braced struct has no constructor, so the fn stays callable here.
    // It is generic over the fn's return type `R` and implements `Action` when `R: FnReturn`,
    // so its items never mention a projection that may fail to normalize (each such mention
    // would be one more error). The descriptor's initializer first requires `R: FnReturn`
    // directly, then names `#ident<R>`, both spanning exactly the written return type: a return
    // type that is not a `Result` (or whose `Ok` type is not an output) is one error there, with
    // `FnReturn`'s (or `ActionOutput`'s) message, which rustc does not repeat for the `Action`
    // bound.
    let (first, last) = edge_spans(ret_ty);
    let mut marker_head = ident.clone();
    marker_head.set_span(first);
    let marker_tail = quote_spanned!(last=> >);
    let action_ty = quote!(#marker_head < #ret_ty #marker_tail);
    let check = quote!(returns::<#ret_ty>(););
    // A future that is not `Send` is reported at the fn's name.
    let invoke_body = quote_spanned!(ident.span()=> async move { #call });
    let invoke_future =
        quote_spanned!(ident.span()=> impl #p::core::future::Future<Output = #ret_ty> + #p::core::marker::Send);
    let descriptor = descriptor(args, resolved, &action_ty, &check, &ident.to_string());
    let marker = name_marker(args, resolved, ident.span());
    quote! {
        #marker
        const _: () = {
            #[allow(non_camel_case_types)]
            struct #ident<R> {
                returns: #p::core::marker::PhantomData<fn() -> R>,
            }
            impl<R> #p::ConstructAction for #ident<R> {
                #[inline]
                fn construct() -> Self { #ident { returns: #p::core::marker::PhantomData } }
            }
            #run_context
            trait Invoke<R> {
                fn invoke(
                    params: #params_ty,
                    ctx: &#p::Context,
                ) -> impl #p::core::future::Future<Output = R> + #p::core::marker::Send;
            }
            impl Invoke<#ret_ty> for #ident<#ret_ty> {
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
            impl<R: #p::FnReturn + 'static> #p::Action for #ident<R>
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
    }
}

/// The fn's reference argument is the run context: it is passed through `RunContext`, which
/// only `&Context` implements, so any other type is one error on that argument's type, saying
/// what to write (`p: &MyParams` → `p: MyParams`).
fn run_context_trait(p: &TokenStream, function: &ActionFn) -> TokenStream {
    let Some(arg) = function.context() else {
        return TokenStream::new();
    };
    let (pat, referent) = by_value(arg);
    let written = format!("{pat}: {}", synapse_macros_core::shape::type_text(&arg.ty));
    let (message, label, note) = if names_context(&arg.ty) {
        (
            format!("`{written}` is not the run context an `#[action]` fn takes"),
            format!("write `{pat}: &Context`"),
            "the run context is `&synapse::Context`, a shared reference".to_owned(),
        )
    } else {
        (
            format!("`{written}` takes the params by reference, but an `#[action]` fn takes them by value"),
            format!("write `{pat}: {referent}`"),
            "the only argument an `#[action]` fn takes by reference is the run context, `ctx: &Context`".to_owned(),
        )
    };
    let [message, label, note] = [message, label, note].map(|text| text.replace('{', "{{").replace('}', "}}"));
    quote! {
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait RunContext<'a> {
            fn run_context(ctx: &'a #p::Context) -> Self;
        }
        #[diagnostic::do_not_recommend]
        impl<'a> RunContext<'a> for &'a #p::Context {
            #[inline]
            fn run_context(ctx: &'a #p::Context) -> Self {
                ctx
            }
        }
    }
}
