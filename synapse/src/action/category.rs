//! The plugin categories and the run methods.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of work a plugin (or one of its actions) does; drives how the platform shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Model training (YOLO training, classification).
    NeuralNet,
    /// Model conversion/export (ONNX, TensorRT).
    Export,
    /// Data/model uploads.
    Upload,
    /// Interactive annotation (auto-labeling, SAM).
    SmartTool,
    /// Before annotation (data preprocessing).
    PreAnnotation,
    /// After annotation (QA checks, format conversion).
    PostAnnotation,
    /// Data quality checks.
    DataValidation,
    /// Anything else.
    Custom,
}

/// How the platform runs an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RunMethod {
    /// One isolated job per run (heavy work: train, export, upload…).
    Job,
    /// A light task on a resident worker.
    Task,
    /// A long-running model server.
    Serve,
    /// Called over a REST API.
    RestApi,
}

macro_rules! wire_names {
    ($ty:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            /// The wire name, as in `config.yaml` and JSON.
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                $ty::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let valid: Vec<&str> = $ty::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown {} `{s}`; expected one of: {}", stringify!($ty), valid.join(", "))
                })
            }
        }
    };
}

wire_names!(Category {
    NeuralNet => "neural_net",
    Export => "export",
    Upload => "upload",
    SmartTool => "smart_tool",
    PreAnnotation => "pre_annotation",
    PostAnnotation => "post_annotation",
    DataValidation => "data_validation",
    Custom => "custom",
});

wire_names!(RunMethod {
    Job => "job",
    Task => "task",
    Serve => "serve",
    RestApi => "restapi",
});

#[cfg(test)]
mod tests {
    use super::*;
    use synapse_macros_core::vocabulary::{CATEGORIES, METHODS};

    /// The macros check categories and methods against `synapse-macros-core`'s vocabulary;
    /// the runtime enums must say exactly the same.
    #[test]
    fn runtime_enums_match_the_macro_vocabulary() {
        let categories: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        let expected: Vec<&str> = CATEGORIES.iter().map(|t| t.value).collect();
        assert_eq!(categories, expected);
        let methods: Vec<&str> = RunMethod::ALL.iter().map(|m| m.as_str()).collect();
        let expected: Vec<&str> = METHODS.iter().map(|t| t.value).collect();
        assert_eq!(methods, expected);
        for category in Category::ALL {
            assert_eq!(serde_json::to_value(category).unwrap(), category.as_str());
        }
    }
}
