//! What kind of item an attribute was put on, and the tuple-struct listings of `#[workflow]`
//! and `#[pipeline]`: the helpers every model uses to describe the item in its messages.
//!
//! Used by every layer of the front end (reader → model → check) to name the item in messages;
//! the expansion reads the same models and never describes items itself.

use crate::errors::Errors;
use quote::ToTokens;

/// What `item` is, for "goes on a struct, not on …" messages.
///
/// ```
/// use synapse_macros_core::shape::item_kind;
/// let item: syn::Item = syn::parse_quote!(enum E { A });
/// assert_eq!(item_kind(&item), "an enum");
/// ```
pub fn item_kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Enum(_) => "an enum",
        syn::Item::Union(_) => "a union",
        syn::Item::Struct(_) => "a struct",
        syn::Item::Fn(_) => "a fn",
        syn::Item::Impl(_) => "an impl block (put it on the struct instead)",
        syn::Item::Trait(_) => "a trait",
        syn::Item::Mod(_) => "a module",
        syn::Item::Const(_) | syn::Item::Static(_) => "a constant",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "an import",
        _ => "this item",
    }
}

/// The keyword that says what kind of item this is: the place to point at when it is the
/// wrong kind (the whole item when it has none).
pub fn item_keyword(item: &syn::Item) -> proc_macro2::TokenStream {
    match item {
        syn::Item::Enum(e) => e.enum_token.to_token_stream(),
        syn::Item::Union(u) => u.union_token.to_token_stream(),
        syn::Item::Struct(s) => s.struct_token.to_token_stream(),
        syn::Item::Fn(f) => f.sig.fn_token.to_token_stream(),
        syn::Item::Impl(i) => i.impl_token.to_token_stream(),
        syn::Item::Trait(t) => t.trait_token.to_token_stream(),
        syn::Item::Mod(m) => m.mod_token.to_token_stream(),
        syn::Item::Const(c) => c.const_token.to_token_stream(),
        syn::Item::Static(s) => s.static_token.to_token_stream(),
        syn::Item::Type(t) => t.type_token.to_token_stream(),
        syn::Item::Use(u) => u.use_token.to_token_stream(),
        other => other.to_token_stream(),
    }
}

/// A type as the user wrote it, without the spaces token printing adds (`a::B<C, D>`).
///
/// ```
/// use synapse_macros_core::shape::type_text;
/// assert_eq!(type_text(&syn::parse_quote!(a::B<C,D>)), "a::B<C, D>");
/// ```
pub fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "").replace(',', ", ")
}

/// What a tuple struct lists: `#[workflow]` its steps, `#[pipeline]` its actions.
#[derive(Clone, Copy, Debug)]
pub struct Listing {
    /// `workflow`.
    pub kind: &'static str,
    /// `step`.
    pub member: &'static str,
    /// `StepA, StepB`.
    pub example: &'static str,
    /// What the struct looks like, for an attribute put on another item:
    /// "listing the steps, like `pub struct MyWorkflow(StepA, StepB);`".
    pub shape: &'static str,
}

/// A tuple struct and the types it lists, in order.
pub struct Listed<'a> {
    /// The struct.
    pub strukt: &'a syn::ItemStruct,
    /// Its field types (empty when its shape is wrong, which is reported).
    pub members: Vec<&'a syn::Type>,
}

impl Listing {
    /// The tuple struct `item` and the types it lists as its fields, with an error for any
    /// other item or shape; `None` when `item` is not a struct at all.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, shape::Listing};
    /// let listing = Listing { kind: "workflow", member: "step", example: "A, B", shape: "listing the steps" };
    /// let errors = Errors::new();
    /// let item: syn::Item = syn::parse_quote!(pub struct W { a: A });
    /// let listed = listing.read(&errors, &item).unwrap();
    /// assert!(listed.members.is_empty());
    /// let message = errors.check().unwrap_err().to_string();
    /// assert_eq!(message, "a workflow lists its steps as the fields of a tuple struct, without names: `pub struct W(A);`");
    /// ```
    pub fn read<'a>(&self, errors: &Errors, item: &'a syn::Item) -> Option<Listed<'a>> {
        let Listing { kind, member, example, shape } = *self;
        let strukt = match item {
            syn::Item::Struct(strukt) => strukt,
            other => {
                errors.error_spanned(
                    item_keyword(other),
                    format!("`#[{kind}]` goes on a tuple struct {shape}, not on {}", item_kind(other)),
                );
                return None;
            }
        };
        let ident = &strukt.ident;
        let members = match &strukt.fields {
            syn::Fields::Unnamed(fields) if !fields.unnamed.is_empty() => {
                fields.unnamed.iter().map(|f| &f.ty).collect()
            }
            syn::Fields::Unnamed(fields) => {
                errors.error_spanned(
                    fields,
                    format!("a {kind} needs at least one {member}: `pub struct {ident}({example});`"),
                );
                Vec::new()
            }
            syn::Fields::Named(fields) => {
                let types: Vec<String> = fields.named.iter().map(|f| type_text(&f.ty)).collect();
                errors.error_spanned(
                    fields,
                    format!(
                        "a {kind} lists its {member}s as the fields of a tuple struct, without names: `pub struct {ident}({});`",
                        types.join(", ")
                    ),
                );
                Vec::new()
            }
            syn::Fields::Unit => {
                errors.error_spanned(
                    ident,
                    format!(
                        "list the {kind}'s {member}s as the fields of a tuple struct: `pub struct {ident}({example});`"
                    ),
                );
                Vec::new()
            }
        };
        Some(Listed { strukt, members })
    }
}

/// Reports each member listed a second time, at its token, with `message(member_text)`.
pub fn check_listed_once(errors: &Errors, members: &[&syn::Type], message: impl Fn(&str) -> String) {
    for (i, member) in members.iter().enumerate() {
        let text = type_text(member);
        if members[..i].iter().any(|earlier| type_text(earlier) == text) {
            errors.error_spanned(member, message(&text));
        }
    }
}

/// Reports generics on an item that must be concrete, at the generics, with `message`; true
/// when there are some.
pub fn check_not_generic(errors: &Errors, generics: &syn::Generics, message: &str) -> bool {
    if generics.params.is_empty() {
        return false;
    }
    errors.error_spanned(generics, message);
    true
}

/// The expression inside the invisible groups `macro_rules!` wraps around `$x:literal`.
pub fn ungroup(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Group(group) => ungroup(&group.expr),
        other => other,
    }
}
