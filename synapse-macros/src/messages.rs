//! `#[messages]` on an enum: each variant a user-facing message code with a level and a
//! template per language, implementing `synapse::events::MessageCode`. The templates are
//! `format!` strings whose placeholders name the variant's fields, so a field that does not
//! implement `Display` is reported on the template.
//!
//! The enum is read into `synapse_macros_core::messages::Messages` and checked there; this
//! module only expands. The `#[message(...)]` attributes are removed from the re-emitted enum;
//! on a mistake the impl is a placeholder (English key and text of nothing), so uses still
//! compile and only the mistake is reported.

use crate::emit::{attribute, finish};
use crate::paths::private;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use synapse_macros_core::Errors;
use synapse_macros_core::messages::{self, Messages, MessagesArgs};
use synapse_macros_core::symbol::MESSAGE;

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(args, item, MessagesArgs::parse, expand_model)
}

fn expand_model(errors: Errors, args: MessagesArgs, item: &syn::Item) -> TokenStream {
    let model = Messages::new(&errors, args, item);
    messages::check(&errors, &model);
    let p = private(model.args.krate.as_ref());
    let mut cleaned = item.clone();
    if let syn::Item::Enum(enumeration) = &mut cleaned {
        for variant in &mut enumeration.variants {
            variant.attrs.retain(|attr| attr.path() != &MESSAGE);
        }
    }
    let syn::Item::Enum(enumeration) = &cleaned else {
        return finish(item, errors, TokenStream::new, TokenStream::new);
    };
    let ident = &enumeration.ident;
    let placeholder = || {
        if !enumeration.generics.params.is_empty() {
            return TokenStream::new();
        }
        quote! {
            impl #p::MessageCode for #ident {
                fn key(&self) -> &'static str { "" }
                fn level(&self) -> #p::LogLevel { #p::LogLevel::Info }
                fn languages(&self) -> &'static [&'static str] { &["en"] }
                fn text(&self, _: &str) -> #p::std::string::String { #p::std::string::String::new() }
            }
        }
    };
    let expansion = || {
        let arms = model.variants.iter().map(|message| {
            let variant = &message.variant.ident;
            let fields: Vec<&syn::Ident> = message.variant.fields.iter().filter_map(|f| f.ident.as_ref()).collect();
            let any = quote!(Self::#variant { .. });
            let bound = if fields.is_empty() { any.clone() } else { quote!(Self::#variant { #(#fields),* }) };
            let key = message.key();
            let level = format_ident!("{}", message.level.as_ref().map_or("Info", |level| level.term.value));
            let languages: Vec<&str> = message.templates.iter().map(|(language, _)| *language).collect();
            let english = message.english();
            let others: Vec<TokenStream> = message
                .templates
                .iter()
                .filter(|(language, _)| *language != "en")
                .map(|(language, template)| quote!(#language => #p::std::format!(#template),))
                .collect();
            let text = if others.is_empty() {
                quote!(#p::std::format!(#english))
            } else {
                quote!(match language { #(#others)* _ => #p::std::format!(#english), })
            };
            (
                quote!(#any => #key,),
                quote!(#any => #p::LogLevel::#level,),
                quote!(#any => &[#(#languages),*],),
                quote!(#bound => #text,),
            )
        });
        let (mut keys, mut levels, mut languages, mut texts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (key, level, language, text) in arms {
            keys.push(key);
            levels.push(level);
            languages.push(language);
            texts.push(text);
        }
        // An enum without variants has no value to match on by reference.
        let subject = if model.variants.is_empty() { quote!(*self) } else { quote!(self) };
        quote! {
            impl #p::MessageCode for #ident {
                fn key(&self) -> &'static str {
                    match #subject { #(#keys)* }
                }
                fn level(&self) -> #p::LogLevel {
                    match #subject { #(#levels)* }
                }
                fn languages(&self) -> &'static [&'static str] {
                    match #subject { #(#languages)* }
                }
                // `language` is unused when no code has a template beyond `en`.
                #[allow(unused_variables)]
                fn text(&self, language: &str) -> #p::std::string::String {
                    match #subject { #(#texts)* }
                }
            }
        }
    };
    finish(cleaned.clone(), errors, expansion, placeholder)
}
