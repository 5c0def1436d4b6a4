//! The rules of a `#[data_type]` beyond its arguments: a data type is a unit struct without
//! generics, one name in `config.yaml`.
//!
//! Layer: check (reader → model → **check** → expand). It runs on a model once it is read, and
//! records every broken rule; the expansion in `synapse-macros` and source discovery read the
//! model only when it passed.

use super::DataType;
use crate::errors::Errors;
use quote::ToTokens;

/// Records in `errors` every way `data_type` breaks the rules.
///
/// ```
/// use synapse_macros_core::{Errors, data_type::{self, DataType, DataTypeArgs}};
/// let item: syn::Item = syn::parse_quote!(pub struct AcmeDataset<T>(T););
/// let errors = Errors::new();
/// data_type::check(&errors, &DataType::new(DataTypeArgs::default(), &item));
/// assert_eq!(errors.check().unwrap_err().into_iter().count(), 2);
/// ```
pub fn check(errors: &Errors, data_type: &DataType) {
    let strukt = match data_type.item {
        syn::Item::Struct(strukt) => strukt,
        other => {
            let (keyword, example) = match other {
                syn::Item::Enum(e) => (e.enum_token.to_token_stream(), format!("pub struct {};", e.ident)),
                syn::Item::Union(u) => (u.union_token.to_token_stream(), format!("pub struct {};", u.ident)),
                syn::Item::Type(t) => (t.type_token.to_token_stream(), format!("pub struct {};", t.ident)),
                other => (other.to_token_stream(), "pub struct AcmeDataset;".to_owned()),
            };
            errors.error_spanned(keyword, format!("`#[data_type]` goes on a unit struct, like `{example}`"));
            return;
        }
    };
    let unit = format!("pub struct {};", strukt.ident);
    if !strukt.generics.params.is_empty() {
        errors.error_spanned(
            &strukt.generics,
            format!("a data type cannot be generic: it is one name in `config.yaml`; declare it as `{unit}`"),
        );
    }
    if !matches!(strukt.fields, syn::Fields::Unit) {
        errors.error_spanned(
            strukt.fields.to_token_stream(),
            format!("a data type is a marker and has no fields; declare it as `{unit}`"),
        );
    }
}
