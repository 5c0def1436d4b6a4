//! `#[action]`: on a struct (which implements `synapse::Action`) or on a plain or async fn.
//!
//! The attribute and item are read into `synapse_macros_core::action::Action` and checked there
//! (the same model and check source discovery uses); this module only expands a checked model.
//! Both forms expand to the same thing: a `'static` `ActionDescriptor` in the link-time
//! registry, built by `ActionDescriptor::of::<A>()` so the type system checks the params,
//! output and data types ([`descriptor`]), plus a module-level marker that turns two actions of
//! the same name in one module into a compile error. On a mistake a struct still gets a
//! placeholder `RegisteredAction` impl, so a `#[pipeline]` listing it reports nothing more.

mod descriptor;
mod on_fn;
mod on_struct;

use crate::emit::{attribute, finish};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::quote;
use synapse_macros_core::action::{self, Action, ActionArgs, Form};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, ActionArgs::parse, |errors, args, item| {
        let action = Action::new(args, item);
        action::check(&errors, &action);
        finish(item, errors, || expand_checked(&action), || placeholder(&action))
    })
}

fn expand_checked(action: &Action) -> TokenStream {
    let resolved = action.resolve().expect("a checked action is a struct or a fn");
    match &action.form {
        Form::Struct(strukt) => on_struct::expand(&action.args, &resolved, strukt),
        Form::Fn(function) => on_fn::expand(&action.args, &resolved, function),
        Form::Misplaced => TokenStream::new(),
    }
}

/// What a struct with a mistake still gets: a `RegisteredAction` impl with no data types, so
/// the pipelines listing it report nothing more. A fn has no type anything else can name.
fn placeholder(action: &Action) -> TokenStream {
    let Form::Struct(strukt) = &action.form else {
        return TokenStream::new();
    };
    let p = private(action.args.krate.as_ref());
    let ident = &strukt.ident;
    let (impl_generics, ty_generics, where_clause) = strukt.generics.split_for_impl();
    quote! {
        impl #impl_generics #p::RegisteredAction for #ident #ty_generics #where_clause {
            const NAME: &'static str = "";
            const INPUT_TYPE: #p::core::option::Option<&'static #p::DataTypeInfo> = #p::core::option::Option::None;
            const OUTPUT_TYPE: #p::core::option::Option<&'static #p::DataTypeInfo> = #p::core::option::Option::None;
            fn descriptor() -> &'static #p::ActionDescriptor {
                #p::core::unreachable!()
            }
        }
    }
}
