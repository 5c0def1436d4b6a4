//! Naming rules shared by the macros and source discovery.
//!
//! Used by the models (a name derived from an ident) and the checks (a name is valid) of the
//! front end (reader → model → check), by the expansion in `synapse-macros` and by the runtime
//! when it reads `config.yaml`.

use heck::ToSnakeCase;

/// The default action name for a type or function: snake_case, with a trailing `Action`
/// dropped from type names (`TrainAction` → `train`, `ProcessImages` → `process_images`).
///
/// ```
/// use synapse_macros_core::names::default_action_name;
/// assert_eq!(default_action_name("TrainAction"), "train");
/// assert_eq!(default_action_name("ProcessImages"), "process_images");
/// assert_eq!(default_action_name("convert_file"), "convert_file");
/// assert_eq!(default_action_name("Action"), "action");
/// ```
pub fn default_action_name(ident: &str) -> String {
    let trimmed = ident.strip_suffix("Action").filter(|rest| !rest.is_empty()).unwrap_or(ident);
    trimmed.to_snake_case()
}

/// The default step name for a step type: its snake_case, with a trailing `Step` dropped
/// (`ResizeImages` → `resize_images`, `UploadStep` → `upload`).
///
/// ```
/// use synapse_macros_core::names::default_step_name;
/// assert_eq!(default_step_name("ResizeImages"), "resize_images");
/// assert_eq!(default_step_name("UploadStep"), "upload");
/// ```
pub fn default_step_name(ident: &str) -> String {
    let trimmed = ident.strip_suffix("Step").filter(|rest| !rest.is_empty()).unwrap_or(ident);
    trimmed.to_snake_case()
}

/// The default pipeline name for a pipeline type: its snake_case, with a trailing `Pipeline`
/// dropped (`DatasetPipeline` → `dataset`, `TrainChain` → `train_chain`).
///
/// ```
/// use synapse_macros_core::names::default_pipeline_name;
/// assert_eq!(default_pipeline_name("DatasetPipeline"), "dataset");
/// assert_eq!(default_pipeline_name("TrainChain"), "train_chain");
/// ```
pub fn default_pipeline_name(ident: &str) -> String {
    let trimmed = ident.strip_suffix("Pipeline").filter(|rest| !rest.is_empty()).unwrap_or(ident);
    trimmed.to_snake_case()
}

/// The name of a semantic data type: the snake_case of its type name
/// (`YoloDataset` → `yolo_dataset`, `ONNXModel` → `onnx_model`).
///
/// ```
/// use synapse_macros_core::names::data_type_name;
/// assert_eq!(data_type_name("YoloDataset"), "yolo_dataset");
/// assert_eq!(data_type_name("DmV2Dataset"), "dm_v2_dataset");
/// ```
pub fn data_type_name(ident: &str) -> String {
    ident.to_snake_case()
}

/// Why `name` cannot be an action (or plugin) name, if it cannot.
///
/// Names travel as CLI arguments, YAML keys, file names and Ray metadata, so they are kept to
/// lowercase ASCII letters, digits, `_` and `-`, start with a letter, and are at most 64 long.
///
/// ```
/// use synapse_macros_core::names::check_name;
/// assert!(check_name("process_images").is_ok());
/// assert!(check_name("Process").is_err());
/// assert!(check_name("").is_err());
/// ```
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if name.len() > 64 {
        return Err(format!("`{name}` is {} characters long; the limit is 64", name.len()));
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(format!("`{name}` must start with a lowercase ASCII letter"));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Err(format!("`{name}` contains `{bad}`; use lowercase ASCII letters, digits, `_` and `-`"));
    }
    Ok(())
}

/// The summary of a doc comment: its first paragraph, lines joined by spaces.
///
/// `lines` are the `#[doc = "…"]` strings in order, as rustc stores `///` comments.
///
/// ```
/// use synapse_macros_core::names::doc_summary;
/// let lines = [" Process files", " with progress.", "", " More detail."];
/// assert_eq!(doc_summary(lines.iter().copied()), "Process files with progress.");
/// ```
pub fn doc_summary<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut summary = String::new();
    for raw in lines {
        // `split`, not `lines`: an empty `///` line is an empty string, and it ends the paragraph.
        for line in raw.split('\n') {
            let line = line.trim();
            if line.is_empty() {
                if !summary.is_empty() {
                    return summary;
                }
                continue;
            }
            if !summary.is_empty() {
                summary.push(' ');
            }
            summary.push_str(line);
        }
    }
    summary
}

/// The `#[doc = "…"]` strings of `attrs`, in order.
#[cfg(feature = "syntax")]
pub fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}
