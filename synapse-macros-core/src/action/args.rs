//! The `#[action(...)]` argument grammar, and what the arguments say once defaults apply.
//!
//! Layer: model (reader → **model** → check → expand). The grammar of the attribute, read with
//! [`crate::args`]; the rules relating several parts are in the sibling `check`, and the
//! expansion in `synapse-macros` reads the model only once the check has passed.
//!
//! ```text
//! #[action]
//! #[action(name = "process", category = Custom, method = Task,
//!          description = "…", input_type = YoloDataset, output_type = ModelWeights,
//!          workflow = MyWorkflow, crate = ::synapse)]
//! ```

use crate::args::{Arg, SpannedTerm};
use crate::errors::Errors;
use crate::names::{data_type_name, default_action_name, doc_summary};
use crate::symbol::{ACTION_ARGS, CATEGORY, CRATE, DESCRIPTION, INPUT_TYPE, METHOD, NAME, OUTPUT_TYPE, WORKFLOW};
use crate::vocabulary::{CATEGORIES, METHODS, Term, default_method};
use proc_macro2::TokenStream;

/// The parsed arguments of one `#[action(...)]` attribute (a wrong one is left out).
#[derive(Default)]
pub struct ActionArgs {
    /// `name = "…"`.
    pub name: Option<syn::LitStr>,
    /// `category = NeuralNet`.
    pub category: Option<SpannedTerm>,
    /// `description = "…"`.
    pub description: Option<syn::LitStr>,
    /// `method = Job`.
    pub method: Option<SpannedTerm>,
    /// `input_type = SomeDataType`.
    pub input_type: Option<syn::Type>,
    /// `output_type = SomeDataType`.
    pub output_type: Option<syn::Type>,
    /// `workflow = SomeWorkflow`: the step workflow the action runs, whose plan it publishes.
    pub workflow: Option<syn::Type>,
    /// `crate = path::to::synapse`.
    pub krate: Option<syn::Path>,
}

impl ActionArgs {
    /// Parses the tokens inside `#[action(...)]`, recording every problem in `errors`.
    pub fn parse(errors: &Errors, tokens: TokenStream) -> Self {
        let mut args = ActionArgs::default();
        ACTION_ARGS.read(errors, tokens, |arg| args.set(errors, &arg));
        args
    }

    fn set(&mut self, errors: &Errors, arg: &Arg) {
        match arg.symbol {
            NAME => self.name = arg.name(errors, "action", "name = \"process\""),
            DESCRIPTION => self.description = arg.lit_str(errors, "description = \"…\""),
            CATEGORY => self.category = arg.term(errors, CATEGORIES, "category"),
            METHOD => self.method = arg.term(errors, METHODS, "method"),
            INPUT_TYPE => self.input_type = arg.ty(errors, "a type", "input_type = YoloDataset"),
            OUTPUT_TYPE => self.output_type = arg.ty(errors, "a type", "output_type = ModelWeights"),
            WORKFLOW => self.workflow = arg.ty(errors, "a type", "workflow = MyWorkflow"),
            CRATE => self.krate = arg.path(errors),
            _ => {}
        }
    }

    /// Parses the arguments of an `#[action]` or `#[action(...)]` attribute.
    ///
    /// ```
    /// use synapse_macros_core::{Errors, action::ActionArgs};
    /// let attr: syn::Attribute = syn::parse_quote!(#[action(name = "train", method = Job)]);
    /// let errors = Errors::new();
    /// let args = ActionArgs::from_attribute(&errors, &attr);
    /// errors.check().unwrap();
    /// let resolved = args.resolve("TrainAction", &[]);
    /// assert_eq!((resolved.name.as_str(), resolved.method.value), ("train", "job"));
    /// ```
    pub fn from_attribute(errors: &Errors, attr: &syn::Attribute) -> Self {
        match &attr.meta {
            syn::Meta::Path(_) => ActionArgs::default(),
            syn::Meta::List(list) => ActionArgs::parse(errors, list.tokens.clone()),
            syn::Meta::NameValue(nv) => {
                errors.error_spanned(nv, "expected `#[action]` or `#[action(key = value, ...)]`");
                ActionArgs::default()
            }
        }
    }

    /// Applies the defaults to the arguments of the action on `ident` documented by `docs`.
    pub fn resolve(&self, ident: &str, docs: &[String]) -> ResolvedAction {
        let name = self.name.as_ref().map(syn::LitStr::value).unwrap_or_else(|| default_action_name(ident));
        let method = self.method.as_ref().map(|m| m.term).unwrap_or_else(|| default_method(&name));
        ResolvedAction {
            description: self
                .description
                .as_ref()
                .map(syn::LitStr::value)
                .unwrap_or_else(|| doc_summary(docs.iter().map(String::as_str))),
            category: self.category.as_ref().map(|c| c.term),
            method,
            input_type: self.input_type.as_ref().and_then(type_data_name),
            output_type: self.output_type.as_ref().and_then(type_data_name),
            name,
        }
    }
}

/// What an action's attribute says once defaults are applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedAction {
    /// The action name.
    pub name: String,
    /// Its category, when it declares one (otherwise the plugin's applies).
    pub category: Option<Term>,
    /// Its one-paragraph description.
    pub description: String,
    /// Its run method.
    pub method: Term,
    /// The data type name of its input, if declared.
    pub input_type: Option<String>,
    /// The data type name of its output, if declared.
    pub output_type: Option<String>,
}

/// The data type name a type path stands for (`types::YoloDataset` → `yolo_dataset`).
///
/// ```
/// use synapse_macros_core::action::type_data_name;
/// assert_eq!(type_data_name(&syn::parse_quote!(types::YoloDataset)).as_deref(), Some("yolo_dataset"));
/// ```
pub fn type_data_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|segment| data_type_name(&segment.ident.to_string())),
        syn::Type::Group(group) => type_data_name(&group.elem),
        syn::Type::Paren(paren) => type_data_name(&paren.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::messages;
    use quote::quote;

    fn parse(tokens: TokenStream) -> (ActionArgs, Vec<String>) {
        let errors = Errors::new();
        let args = ActionArgs::parse(&errors, tokens);
        (args, messages(errors))
    }

    #[test]
    fn parses_every_key() {
        let (args, errors) = parse(quote!(
            name = "train",
            category = NeuralNet,
            method = Job,
            description = "Train it",
            input_type = YoloDataset,
            output_type = types::ModelWeights,
            crate = ::synapse
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let resolved = args.resolve("TrainAction", &[]);
        assert_eq!(resolved.name, "train");
        assert_eq!(resolved.category.map(|c| c.value), Some("neural_net"));
        assert_eq!(resolved.method.value, "job");
        assert_eq!(resolved.input_type.as_deref(), Some("yolo_dataset"));
        assert_eq!(resolved.output_type.as_deref(), Some("model_weights"));
        assert!(args.krate.is_some());
    }

    #[test]
    fn defaults_come_from_ident_and_docs() {
        let (args, errors) = parse(quote!());
        assert!(errors.is_empty());
        let resolved = args.resolve("ProcessAction", &[" Process files.".into()]);
        assert_eq!(resolved.name, "process");
        assert_eq!(resolved.description, "Process files.");
        assert_eq!(resolved.method.value, "task");
        assert_eq!(resolved.category, None);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let (_, errors) = parse(quote!(catgory = Custom, name = 3, method = Jobb, name = "x", name = "y"));
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("did you mean `category`"));
        assert!(errors[1].contains("`name` expects a string literal"));
        assert!(errors[2].contains("unknown method `Jobb`; did you mean `Job`?"));
        assert!(errors[3].contains("`name` is specified more than once"));
        assert!(errors[4].contains("`name` is specified more than once"));
    }

    #[test]
    fn accepts_category_paths_and_strings() {
        let (args, errors) = parse(quote!(category = Category::SmartTool, method = "serve"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.category.map(|c| c.term.value), Some("smart_tool"));
        assert_eq!(args.method.map(|m| m.term.value), Some("serve"));
    }

    #[test]
    fn rejects_bad_names() {
        let (_, errors) = parse(quote!(name = "Bad Name"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].starts_with("invalid action name"), "{errors:?}");
    }
}
