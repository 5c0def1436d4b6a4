//! The attributes and macros the walk over a file's items looks at: `#[action]` and `plugin!`
//! however they are spelled, `#[cfg(test)]`, and `#[path]`.

use synapse_macros_core::symbol::Symbol;

/// `action`, `synapse::action`, `::synapse::action` (and the same for `plugin`).
pub(super) fn is_synapse_path(path: &syn::Path, name: Symbol) -> bool {
    let mut segments = path.segments.iter().map(|segment| &segment.ident);
    match (segments.next(), segments.next_back()) {
        (Some(only), None) => path.leading_colon.is_none() && *only == name,
        (Some(first), Some(last)) => first == "synapse" && *last == name,
        _ => false,
    }
}

pub(super) fn is_cfg_test(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg") && matches!(&attr.meta, syn::Meta::List(list) if list.tokens.to_string() == "test")
}

/// The value of a `#[path = "…"]` attribute.
pub(super) fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().filter(|attr| attr.path().is_ident("path")).find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(path), .. }),
            ..
        }) => Some(path.value()),
        _ => None,
    })
}

pub(super) fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synapse_macros_core::symbol::ACTION;

    #[test]
    fn recognizes_synapse_paths() {
        let path = |text: &str| syn::parse_str::<syn::Path>(text).unwrap();
        assert!(is_synapse_path(&path("action"), ACTION));
        assert!(is_synapse_path(&path("synapse::action"), ACTION));
        assert!(is_synapse_path(&path("::synapse::action"), ACTION));
        assert!(!is_synapse_path(&path("other::action"), ACTION));
        assert!(!is_synapse_path(&path("::action"), ACTION));
        assert!(!is_synapse_path(&path("actions"), ACTION));
    }
}
