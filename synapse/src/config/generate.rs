//! Generating `config.yaml` and the schema files from the registry; writing and checking them.

use super::model::{ActionConfig, PipelineConfig, PluginConfig};
use super::{CONFIG_FILE, SCHEMA_DIR};
use crate::events::PlannedStep;
use crate::registry::Registry;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Its path, relative to the plugin directory.
    pub path: PathBuf,
    /// Its exact contents.
    pub contents: String,
}

/// A committed file that differs from what the code generates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleFile {
    /// The file.
    pub path: PathBuf,
    /// Whether there is no such file at all (never written, or deleted), rather than one that
    /// differs.
    pub missing: bool,
    /// A unified diff from the committed file to the expected one.
    pub diff: String,
}

impl fmt::Display for StaleFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.diff)
    }
}

/// Everything `config --write` writes: `config.yaml` and the schema files.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFiles {
    /// The manifest model.
    pub config: PluginConfig,
    /// The files, `config.yaml` first, then schemas by name.
    pub files: Vec<GeneratedFile>,
}

impl ConfigFiles {
    /// Generates the files for the plugin `registry` describes.
    pub fn generate(registry: &Registry) -> ConfigFiles {
        let plugin = registry.plugin();
        let mut actions = BTreeMap::new();
        let mut schemas = Vec::new();
        for action in registry.actions() {
            let meta = action.meta();
            let params_path = format!("{SCHEMA_DIR}/{}.params.json", meta.name);
            schemas.push(GeneratedFile { path: params_path.clone().into(), contents: pretty(action.params_schema()) });
            let result_schema = action.result_schema().map(|schema| {
                let path = format!("{SCHEMA_DIR}/{}.result.json", meta.name);
                schemas.push(GeneratedFile { path: path.clone().into(), contents: pretty(schema) });
                path
            });
            actions.insert(
                meta.name.to_owned(),
                ActionConfig {
                    description: meta.description.to_owned(),
                    entrypoint: meta.entrypoint.to_owned(),
                    category: registry.category_of(action),
                    method: meta.method,
                    input_type: meta.input_type.map(|t| t.name.to_owned()),
                    output_type: meta.output_type.map(|t| t.name.to_owned()),
                    params_schema: params_path,
                    result_schema,
                    steps: meta.steps.unwrap_or_default().iter().map(PlannedStep::from).collect(),
                    ui_schemas: crate::params::form_items(action.params_schema()),
                },
            );
        }
        let mut pipelines = BTreeMap::new();
        for pipeline in registry.pipelines() {
            let params_path = format!("{SCHEMA_DIR}/{}.pipeline.json", pipeline.name);
            schemas
                .push(GeneratedFile { path: params_path.clone().into(), contents: pretty(pipeline.params_schema()) });
            pipelines.insert(
                pipeline.name.to_owned(),
                PipelineConfig {
                    description: pipeline.description.to_owned(),
                    actions: pipeline.action_names().into_iter().map(str::to_owned).collect(),
                    params_schema: params_path,
                },
            );
        }
        let config = PluginConfig {
            name: plugin.name,
            code: plugin.code,
            version: plugin.version,
            description: plugin.description,
            category: plugin.category,
            tags: Vec::new(),
            actions,
            pipelines,
        };
        let mut files = vec![GeneratedFile { path: CONFIG_FILE.into(), contents: render_yaml(&config) }];
        files.extend(schemas);
        ConfigFiles { config, files }
    }

    /// The generated `config.yaml` text.
    pub fn yaml(&self) -> &str {
        &self.files[0].contents
    }

    /// Writes every file under `dir`, creating `schemas/`; returns the files that changed.
    pub fn write(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        let mut changed = Vec::new();
        for file in &self.files {
            let target = dir.join(&file.path);
            if std::fs::read_to_string(&target).ok().as_deref() == Some(file.contents.as_str()) {
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&target, &file.contents)?;
            changed.push(file.path.clone());
        }
        Ok(changed)
    }

    /// The committed files under `dir` that differ from the generated ones (missing files
    /// included), each with a unified diff.
    pub fn check(&self, dir: &Path) -> Vec<StaleFile> {
        let mut stale = Vec::new();
        for file in &self.files {
            let committed = std::fs::read_to_string(dir.join(&file.path));
            let committed_text = committed.as_deref().unwrap_or("");
            if committed.is_ok() && committed_text == file.contents {
                continue;
            }
            let label = file.path.display().to_string();
            let old_label =
                if committed.is_ok() { format!("{label} (committed)") } else { format!("{label} (missing)") };
            let diff = similar::TextDiff::from_lines(committed_text, &file.contents)
                .unified_diff()
                .context_radius(2)
                .header(&old_label, &format!("{label} (generated from code)"))
                .to_string();
            stale.push(StaleFile { path: file.path.clone(), missing: committed.is_err(), diff });
        }
        stale
    }
}

fn pretty(schema: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_else(|_| schema.to_string());
    text.push('\n');
    text
}

fn render_yaml(config: &PluginConfig) -> String {
    let body = serde_saphyr::to_string(config).unwrap_or_else(|error| format!("# could not render: {error}\n"));
    format!(
        "# The manifest of the `{code}` plugin, generated from its code: run `{code} config --write`\n\
         # after changing an action. `{code} config --check` fails while this file is stale.\n{body}",
        code = config.code
    )
}
