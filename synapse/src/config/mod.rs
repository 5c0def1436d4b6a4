//! `config.yaml`: the plugin's manifest, generated from the registry.
//!
//! `plugin config --write` writes `config.yaml` plus one JSON Schema file per action's params
//! (and typed result) under `schemas/`; `plugin config --check` regenerates them in memory and
//! fails with a readable diff when the committed files are stale. Generation is deterministic:
//! the same code always gives byte-identical files.
//!
//! Loading a `config.yaml` (for discovery without building the plugin) validates it and reports
//! problems with their line and column; it needs the `discovery` feature.

mod generate;
#[cfg(feature = "discovery")]
mod load;
mod model;

pub use generate::{ConfigFiles, GeneratedFile, StaleFile};
#[cfg(feature = "discovery")]
pub use load::ConfigError;
pub use model::{ActionConfig, PipelineConfig, PluginConfig};

/// The file name of the manifest.
pub const CONFIG_FILE: &str = "config.yaml";

/// The directory (relative to the plugin) holding the generated JSON Schemas.
pub const SCHEMA_DIR: &str = "schemas";
