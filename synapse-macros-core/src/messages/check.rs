//! The rules of a `#[messages]` enum: an enum without generics whose variants are unit or have
//! named fields, each with one `#[message(...)]` giving a level and an `en` template; each
//! template's placeholders name fields of its variant, each field is used by a template, and
//! no two variants share a key.
//!
//! Layer: check (reader → model → **check** → expand).

use super::{Message, Messages};
use crate::errors::{Errors, closest};
use crate::shape::check_not_generic;

/// Records in `errors` every way `messages` breaks the rules.
///
/// ```
/// use synapse_macros_core::{Errors, messages::{self, Messages, MessagesArgs}};
/// let item: syn::Item = syn::parse_quote!(pub enum M {
///     #[message(level = info, en = "Saved {nmae}")] Saved { name: String },
/// });
/// let errors = Errors::new();
/// messages::check(&errors, &Messages::new(&errors, MessagesArgs::default(), &item));
/// let message = errors.check().unwrap_err().to_string();
/// assert_eq!(message, "placeholder `{nmae}` names no field of `Saved`; did you mean `name`? (its fields: name)");
/// ```
pub fn check(errors: &Errors, messages: &Messages) {
    let syn::Item::Enum(enumeration) = messages.item else {
        errors.error_spanned(
            messages.item,
            "`#[messages]` goes on an enum: one variant per message code, like `enum UploadMessage { #[message(level = info, en = \"Started\")] Started }`",
        );
        return;
    };
    check_not_generic(errors, &enumeration.generics, "`#[messages]` enums cannot be generic");
    let mut keys: Vec<(String, &syn::Ident)> = Vec::new();
    for message in &messages.variants {
        check_message(errors, message);
        let key = message.key();
        let at = &message.variant.ident;
        if let Some((_, first)) = keys.iter().find(|(seen, _)| *seen == key) {
            errors
                .error_spanned(at, format!("`{at}` has the key `{key}` of `{first}`: give one of them `code = \"…\"`"));
        }
        keys.push((key, at));
    }
}

fn check_message(errors: &Errors, message: &Message) {
    let variant = &message.variant.ident;
    let fields: Vec<&syn::Ident> = match &message.variant.fields {
        syn::Fields::Named(named) => named.named.iter().filter_map(|field| field.ident.as_ref()).collect(),
        syn::Fields::Unit => Vec::new(),
        syn::Fields::Unnamed(unnamed) => {
            errors.error_spanned(
                unnamed,
                format!("`{variant}` needs named fields, which its templates name as placeholders: `{variant} {{ name: String }}`"),
            );
            return;
        }
    };
    let Some(attribute) = message.attribute else {
        errors.error_spanned(
            variant,
            format!("`{variant}` has no `#[message(level = …, en = \"…\")]`: every message code has a level and an English text"),
        );
        return;
    };
    if !message.level_written {
        errors.error_spanned(
            attribute,
            format!("`{variant}` has no `level`: give one of info, success, warning, danger, error"),
        );
    }
    if message.english().is_none() {
        errors.error_spanned(
            attribute,
            format!("`{variant}` has no `en` template: every code has the English text other languages fall back to"),
        );
    }
    let names: Vec<String> = fields.iter().map(ToString::to_string).collect();
    let mut used = vec![false; fields.len()];
    // A template in error may be what was meant to use a field: its fields are not reported too.
    let mut template_in_error = false;
    for (_, template) in &message.templates {
        match placeholders(&template.value()) {
            Err(problem) => {
                template_in_error = true;
                errors.error_spanned(template, problem);
            }
            Ok(found) => {
                for placeholder in found {
                    match names.iter().position(|name| *name == placeholder) {
                        Some(index) => used[index] = true,
                        None => {
                            template_in_error = true;
                            let hint = closest(&placeholder, names.iter().map(String::as_str))
                                .map(|fix| format!("; did you mean `{fix}`?"))
                                .unwrap_or_default();
                            let listed = if names.is_empty() {
                                "it has none".to_owned()
                            } else {
                                format!("its fields: {}", names.join(", "))
                            };
                            errors.error_spanned(
                                template,
                                format!(
                                    "placeholder `{{{placeholder}}}` names no field of `{variant}`{hint} ({listed})"
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
    for (field, used) in fields.iter().zip(used) {
        if !used && !message.templates.is_empty() && !template_in_error {
            errors.error_spanned(
                field,
                format!(
                    "field `{field}` appears in no template of `{variant}`: write `{{{field}}}` in one, or remove it"
                ),
            );
        }
    }
}

/// The names of the placeholders of `template` (`{name}`, `{name:>8}`), in order; `{{` and `}}`
/// are literal braces.
///
/// # Errors
/// A positional placeholder (`{}`, `{0}`) or an unclosed brace.
///
/// ```
/// use synapse_macros_core::messages::placeholders;
/// assert_eq!(placeholders("{count} files ({size:.1} MB), {{literal}}").unwrap(), ["count", "size"]);
/// assert!(placeholders("{} files").is_err());
/// ```
pub fn placeholders(template: &str) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
            }
            '{' => {
                let inner: String = chars.by_ref().take_while(|c| *c != '}').collect();
                let name = inner.split(':').next().unwrap_or_default().trim().to_owned();
                if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
                    return Err(format!(
                        "`{{{inner}}}` is positional: a placeholder names a field of the variant, like `{{count}}`"
                    ));
                }
                found.push(name);
            }
            '}' => return Err("a `}` without its `{`: write `}}` for a literal brace".to_owned()),
            _ => {}
        }
    }
    Ok(found)
}
