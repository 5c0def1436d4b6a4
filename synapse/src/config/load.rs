//! Loading and validating a `config.yaml`.

use super::CONFIG_FILE;
use super::model::PluginConfig;
use std::fmt;
use std::path::{Path, PathBuf};

/// Why a `config.yaml` could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither `config.yaml` nor `synapse.yaml` exists.
    #[error("no config.yaml (or synapse.yaml) in `{}`", dir.display())]
    NotFound {
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// The file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid YAML, or not a valid manifest.
    #[error("{}{}: {message}", path.display(), position(*line, *column))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line of the problem, when known.
        line: Option<u64>,
        /// The 1-based column of the problem, when known.
        column: Option<u64>,
        /// What is wrong.
        message: String,
    },
}

fn position(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

impl PluginConfig {
    /// Loads `config.yaml` from a plugin directory (or the given file), validating it.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("config.yaml"), "name: X\ncode: x\nversion: 1.0\nactions: {}\n").unwrap();
    /// let error = synapse::config::PluginConfig::from_path(dir.path()).unwrap_err();
    /// assert!(error.to_string().contains("config.yaml:3:10: "), "{error}");
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<PluginConfig, ConfigError> {
        let path = path.as_ref();
        let file = if path.is_dir() {
            [CONFIG_FILE, "synapse.yaml"]
                .iter()
                .map(|name| path.join(name))
                .find(|candidate| candidate.is_file())
                .ok_or_else(|| ConfigError::NotFound { dir: path.to_owned() })?
        } else {
            path.to_owned()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read { path: file.clone(), source })?;
        PluginConfig::from_yaml(&text, &file)
    }

    /// Parses and validates manifest text; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &Path) -> Result<PluginConfig, ConfigError> {
        serde_saphyr::from_str::<validated::Config>(text).map(Into::into).map_err(|error| {
            let location = error.location();
            ConfigError::Invalid {
                path: origin.to_owned(),
                line: location.map(|l| l.line()),
                column: location.map(|l| l.column()),
                message: first_line(&error.to_string()),
            }
        })
    }
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or(text).trim().to_owned()
}

impl fmt::Display for PluginConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} ({} actions)", self.code, self.version, self.actions.len())
    }
}

/// The manifest as read from YAML: the same fields, with every value checked while it is
/// parsed so the parser can say where a bad value is.
mod validated {
    use super::super::model::{ActionConfig, PipelineConfig, PluginConfig};
    use crate::action::Category;
    use crate::events::PlannedStep;
    use serde::Deserialize;
    use serde::de::{Deserializer, Error};
    use std::collections::BTreeMap;

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    pub(super) struct Config {
        name: NonEmpty,
        code: Name,
        version: Version,
        #[serde(default)]
        description: String,
        #[serde(default = "custom")]
        category: Category,
        #[serde(default)]
        tags: Vec<String>,
        actions: BTreeMap<Name, Action>,
        #[serde(default)]
        pipelines: BTreeMap<Name, Pipeline>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Pipeline {
        #[serde(default)]
        description: String,
        actions: Vec<Name>,
        params_schema: NonEmpty,
    }

    fn custom() -> Category {
        Category::Custom
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Action {
        #[serde(default)]
        description: String,
        entrypoint: NonEmpty,
        category: Category,
        method: crate::action::RunMethod,
        #[serde(default)]
        input_type: Option<Name>,
        #[serde(default)]
        output_type: Option<Name>,
        params_schema: NonEmpty,
        #[serde(default)]
        result_schema: Option<NonEmpty>,
        #[serde(default)]
        steps: Vec<Step>,
        #[serde(default)]
        ui_schemas: Vec<crate::params::FormItem>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Step {
        name: Name,
        weight: Share,
    }

    /// A step's share of the overall progress: a number in (0, 1].
    struct Share(f64);

    impl<'de> Deserialize<'de> for Share {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let share = f64::deserialize(deserializer)?;
            if !(share > 0.0 && share <= 1.0) {
                return Err(D::Error::custom(format!(
                    "a step's weight is its share of the progress, in (0, 1]; got {share}"
                )));
            }
            Ok(Share(share))
        }
    }

    impl From<Config> for PluginConfig {
        fn from(config: Config) -> Self {
            PluginConfig {
                name: config.name.0,
                code: config.code.0,
                version: config.version.0,
                description: config.description,
                category: config.category,
                tags: config.tags,
                actions: config
                    .actions
                    .into_iter()
                    .map(|(name, action)| {
                        (
                            name.0,
                            ActionConfig {
                                description: action.description,
                                entrypoint: action.entrypoint.0,
                                category: action.category,
                                method: action.method,
                                input_type: action.input_type.map(|n| n.0),
                                output_type: action.output_type.map(|n| n.0),
                                params_schema: action.params_schema.0,
                                result_schema: action.result_schema.map(|s| s.0),
                                steps: action
                                    .steps
                                    .into_iter()
                                    .map(|s| PlannedStep { name: s.name.0, weight: s.weight.0 })
                                    .collect(),
                                ui_schemas: action.ui_schemas,
                            },
                        )
                    })
                    .collect(),
                pipelines: config
                    .pipelines
                    .into_iter()
                    .map(|(name, pipeline)| {
                        (
                            name.0,
                            PipelineConfig {
                                description: pipeline.description,
                                actions: pipeline.actions.into_iter().map(|n| n.0).collect(),
                                params_schema: pipeline.params_schema.0,
                            },
                        )
                    })
                    .collect(),
            }
        }
    }

    /// A plugin, action or data type name.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Name(String);

    impl<'de> Deserialize<'de> for Name {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            synapse_macros_core::names::check_name(&text)
                .map_err(|problem| D::Error::custom(format!("invalid name: {problem}")))?;
            Ok(Name(text))
        }
    }

    struct NonEmpty(String);

    impl<'de> Deserialize<'de> for NonEmpty {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = String::deserialize(deserializer)?;
            if text.trim().is_empty() {
                return Err(D::Error::custom("must not be empty"));
            }
            Ok(NonEmpty(text))
        }
    }

    /// `MAJOR.MINOR.PATCH`, optionally with `-pre` and `+build`.
    struct Version(String);

    impl<'de> Deserialize<'de> for Version {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let text = match serde_json::Value::deserialize(deserializer)? {
                serde_json::Value::String(text) => text,
                serde_json::Value::Number(number) => number.to_string(),
                other => return Err(D::Error::custom(format!("a version must be text like \"1.2.3\", got {other}"))),
            };
            let core = text.split(['-', '+']).next().unwrap_or("");
            let parts: Vec<&str> = core.split('.').collect();
            if parts.len() != 3 || parts.iter().any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit())) {
                return Err(D::Error::custom(format!("version `{text}` is not MAJOR.MINOR.PATCH (like 1.2.3)")));
            }
            Ok(Version(text))
        }
    }
}
