//! The `config.yaml` model.

use crate::action::{Category, RunMethod};
use crate::events::PlannedStep;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plugin's manifest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PluginConfig {
    /// Display name.
    pub name: String,
    /// Unique code (the crate's package name).
    pub code: String,
    /// Version, `MAJOR.MINOR.PATCH` (from `Cargo.toml`).
    pub version: String,
    /// What the plugin does.
    #[serde(default)]
    pub description: String,
    /// The plugin's category.
    #[serde(default = "custom")]
    pub category: Category,
    /// Free-form tags for the platform.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The actions, by name.
    pub actions: BTreeMap<String, ActionConfig>,
    /// The pipelines (chains of actions), by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pipelines: BTreeMap<String, PipelineConfig>,
}

/// One pipeline's entry in `config.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// What the pipeline does.
    #[serde(default)]
    pub description: String,
    /// Its actions, in the order they run (each a key of `actions`).
    pub actions: Vec<String>,
    /// The JSON Schema file of the params a run starts with, relative to the plugin directory.
    pub params_schema: String,
}

fn custom() -> Category {
    Category::Custom
}

/// One action's entry in `config.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// What the action does.
    #[serde(default)]
    pub description: String,
    /// The Rust path of the action: `quickstart::ProcessAction`.
    pub entrypoint: String,
    /// Its category (the plugin's, unless it declares its own).
    pub category: Category,
    /// How the platform runs it.
    pub method: RunMethod,
    /// The semantic type it consumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_type: Option<String>,
    /// The semantic type it produces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_type: Option<String>,
    /// The params JSON Schema file, relative to the plugin directory.
    pub params_schema: String,
    /// The result JSON Schema file, when the result is typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_schema: Option<String>,
    /// The steps of the workflow the action runs, with their shares of the overall progress (as
    /// its `workflow_started` event announces them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<PlannedStep>,
    /// The platform's form for its params: one FormKit input per field, from the params schema
    /// ([`form_items`](crate::params::form_items)), as the SDK's `get_action_ui_schema` gives it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ui_schemas: Vec<crate::params::FormItem>,
}
