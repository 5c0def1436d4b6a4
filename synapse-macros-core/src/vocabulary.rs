//! The closed vocabularies the macros check at compile time.
//!
//! The models of the front end (reader → model → check) read `category = …` and `method = …`
//! against them with [`crate::args`]; the runtime's own enums are tested to say exactly the same.

/// A variant of a closed vocabulary: its Rust identifier and its wire value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Term {
    /// The variant name a user writes: `NeuralNet`.
    pub ident: &'static str,
    /// The value in `config.yaml`, JSON and the CLI: `neural_net`.
    pub value: &'static str,
}

/// The eight plugin categories.
pub const CATEGORIES: &[Term] = &[
    Term { ident: "NeuralNet", value: "neural_net" },
    Term { ident: "Export", value: "export" },
    Term { ident: "Upload", value: "upload" },
    Term { ident: "SmartTool", value: "smart_tool" },
    Term { ident: "PreAnnotation", value: "pre_annotation" },
    Term { ident: "PostAnnotation", value: "post_annotation" },
    Term { ident: "DataValidation", value: "data_validation" },
    Term { ident: "Custom", value: "custom" },
];

/// How an action is meant to be run by the platform.
pub const METHODS: &[Term] = &[
    Term { ident: "Job", value: "job" },
    Term { ident: "Task", value: "task" },
    Term { ident: "Serve", value: "serve" },
    Term { ident: "RestApi", value: "restapi" },
];

/// The levels of a message code (`#[message(level = info)]`): the user-facing ones of the
/// event model's `LogLevel`, as the platform shows them.
pub const LEVELS: &[Term] = &[
    Term { ident: "info", value: "Info" },
    Term { ident: "success", value: "Success" },
    Term { ident: "warning", value: "Warning" },
    Term { ident: "danger", value: "Danger" },
    Term { ident: "error", value: "Error" },
];

/// Looks a term up by identifier or by wire value.
///
/// ```
/// use synapse_macros_core::vocabulary::{lookup, CATEGORIES};
/// assert_eq!(lookup(CATEGORIES, "NeuralNet").unwrap().value, "neural_net");
/// assert_eq!(lookup(CATEGORIES, "neural_net").unwrap().ident, "NeuralNet");
/// assert!(lookup(CATEGORIES, "Training").is_none());
/// ```
pub fn lookup(terms: &'static [Term], word: &str) -> Option<Term> {
    terms.iter().copied().find(|term| term.ident == word || term.value == word)
}

/// The run method an action gets when it does not say: well-known heavy actions run as
/// jobs, `inference` is served, everything else is a task.
///
/// ```
/// use synapse_macros_core::vocabulary::default_method;
/// assert_eq!(default_method("train").ident, "Job");
/// assert_eq!(default_method("inference").ident, "Serve");
/// assert_eq!(default_method("process").ident, "Task");
/// ```
pub fn default_method(action_name: &str) -> Term {
    let ident = match action_name {
        "upload" | "export" | "download" | "convert" | "train" | "test" | "deployment" | "to_task" => "Job",
        "inference" => "Serve",
        _ => "Task",
    };
    METHODS.iter().copied().find(|m| m.ident == ident).unwrap_or(METHODS[1])
}

/// The identifiers of `terms`, for error messages.
pub fn idents(terms: &[Term]) -> Vec<&'static str> {
    terms.iter().map(|t| t.ident).collect()
}
