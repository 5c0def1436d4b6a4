//! Layer: model (reader → **model** → check → expand). The model of `#[action]`: its arguments ([`ActionArgs`]) and the item they sit on, a struct
//! or a fn whose arguments are sorted into params, run context and surplus by how they are
//! written.
//!
//! The macro and source discovery both build an [`Action`] from the item, run [`check()`] on it
//! (the rules of [`check`](mod@check)) and only then read it: the macro to expand it, discovery
//! to list it. They cannot disagree on what is a valid action.

mod args;
pub mod check;

pub use args::{ActionArgs, ResolvedAction, type_data_name};
pub use check::check;

use crate::names::doc_lines;

/// One `#[action]` and the item it is on.
pub struct Action<'a> {
    /// What the attribute says.
    pub args: ActionArgs,
    /// The item the attribute is on.
    pub item: &'a syn::Item,
    /// The item, as an action.
    pub form: Form<'a>,
}

/// What an `#[action]` is on.
pub enum Form<'a> {
    /// A struct that implements `synapse::Action`.
    Struct(&'a syn::ItemStruct),
    /// A plain or async fn.
    Fn(ActionFn<'a>),
    /// Anything else (reported by the check).
    Misplaced,
}

/// An `#[action]` fn and its arguments, sorted.
pub struct ActionFn<'a> {
    /// The fn.
    pub item: &'a syn::ItemFn,
    /// Its arguments, in order.
    pub inputs: Vec<Input<'a>>,
}

/// An argument of an `#[action]` fn, by the part it plays.
pub enum Input<'a> {
    /// `self` in any form: an action fn is not a method (reported).
    Receiver(&'a syn::Receiver),
    /// The params: the first argument taken by value.
    Params(&'a syn::PatType),
    /// The run context: the argument taken by reference (the one whose type is named
    /// `Context` when there are several).
    Context(&'a syn::PatType),
    /// An argument beyond those (reported).
    Surplus(&'a syn::PatType, Surplus),
}

/// Why an argument is one too many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surplus {
    /// A second reference named like the context (`other: &Context`).
    Context,
    /// Another reference: params taken by reference.
    Reference,
    /// A second argument taken by value.
    Value,
}

impl<'a> Action<'a> {
    /// The action on `item`.
    ///
    /// ```
    /// use synapse_macros_core::action::{Action, ActionArgs, Form, Input};
    /// let item: syn::Item = syn::parse_quote!(async fn process(p: P, ctx: &Context) -> Result<()> { Ok(()) });
    /// let action = Action::new(ActionArgs::default(), &item);
    /// let Form::Fn(function) = &action.form else { panic!() };
    /// assert!(matches!(function.inputs[..], [Input::Params(_), Input::Context(_)]));
    /// ```
    pub fn new(args: ActionArgs, item: &'a syn::Item) -> Self {
        let form = match item {
            syn::Item::Struct(strukt) => Form::Struct(strukt),
            syn::Item::Fn(function) => Form::Fn(ActionFn::new(function)),
            _ => Form::Misplaced,
        };
        Action { args, item, form }
    }

    /// The name of the struct or fn.
    ///
    /// ```
    /// use synapse_macros_core::action::{Action, ActionArgs};
    /// let item: syn::Item = syn::parse_quote!(pub enum Wrong { A });
    /// assert!(Action::new(ActionArgs::default(), &item).ident().is_none());
    /// ```
    pub fn ident(&self) -> Option<&'a syn::Ident> {
        match &self.form {
            Form::Struct(strukt) => Some(&strukt.ident),
            Form::Fn(function) => Some(&function.item.sig.ident),
            Form::Misplaced => None,
        }
    }

    /// What the action is, once defaults apply (`None` on an item that cannot be an action).
    ///
    /// ```
    /// use synapse_macros_core::action::{Action, ActionArgs};
    /// let item: syn::Item = syn::parse_quote! {
    ///     /// Trains a model.
    ///     pub struct TrainAction;
    /// };
    /// let resolved = Action::new(ActionArgs::default(), &item).resolve().unwrap();
    /// assert_eq!((resolved.name.as_str(), resolved.method.value), ("train", "job"));
    /// assert_eq!(resolved.description, "Trains a model.");
    /// ```
    pub fn resolve(&self) -> Option<ResolvedAction> {
        let (ident, attrs) = match &self.form {
            Form::Struct(strukt) => (&strukt.ident, &strukt.attrs),
            Form::Fn(function) => (&function.item.sig.ident, &function.item.attrs),
            Form::Misplaced => return None,
        };
        Some(self.args.resolve(&ident.to_string(), &doc_lines(attrs)))
    }
}

impl<'a> ActionFn<'a> {
    fn new(item: &'a syn::ItemFn) -> Self {
        let typed = || {
            item.sig.inputs.iter().filter_map(|input| match input {
                syn::FnArg::Typed(arg) => Some(arg),
                syn::FnArg::Receiver(_) => None,
            })
        };
        let context = typed()
            .find(|arg| names_context(&arg.ty))
            .or_else(|| typed().find(|arg| matches!(*arg.ty, syn::Type::Reference(_))));
        let mut has_params = false;
        let inputs = item
            .sig
            .inputs
            .iter()
            .map(|input| match input {
                syn::FnArg::Receiver(receiver) => Input::Receiver(receiver),
                syn::FnArg::Typed(arg) if context.is_some_and(|context| std::ptr::eq(context, arg)) => {
                    Input::Context(arg)
                }
                syn::FnArg::Typed(arg) if names_context(&arg.ty) => Input::Surplus(arg, Surplus::Context),
                syn::FnArg::Typed(arg) if matches!(*arg.ty, syn::Type::Reference(_)) => {
                    Input::Surplus(arg, Surplus::Reference)
                }
                syn::FnArg::Typed(arg) if !has_params => {
                    has_params = true;
                    Input::Params(arg)
                }
                syn::FnArg::Typed(arg) => Input::Surplus(arg, Surplus::Value),
            })
            .collect();
        ActionFn { item, inputs }
    }

    /// The params argument, if there is one.
    pub fn params(&self) -> Option<&'a syn::PatType> {
        self.inputs.iter().find_map(|input| match input {
            Input::Params(arg) => Some(*arg),
            _ => None,
        })
    }

    /// The run context argument, if there is one.
    pub fn context(&self) -> Option<&'a syn::PatType> {
        self.inputs.iter().find_map(|input| match input {
            Input::Context(arg) => Some(*arg),
            _ => None,
        })
    }
}

/// Whether `ty` is written as a reference to a type named `Context` (`&Context`,
/// `&synapse::Context`).
///
/// ```
/// use synapse_macros_core::action::names_context;
/// assert!(names_context(&syn::parse_quote!(&synapse::Context)));
/// assert!(!names_context(&syn::parse_quote!(&MyParams)));
/// ```
pub fn names_context(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(reference) => match &*reference.elem {
            syn::Type::Path(path) => path.path.segments.last().is_some_and(|segment| segment.ident == "Context"),
            _ => false,
        },
        _ => false,
    }
}
