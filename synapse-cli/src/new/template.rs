//! The files of a new plugin crate: the common ones and its category's (`templates/` in this
//! crate, embedded at build time), with their `{{placeholders}}` filled.

use synapse::Category;

/// A file of a template: its path in the new crate and its contents.
pub struct TemplateFile {
    /// Relative, `/`-separated.
    pub path: &'static str,
    /// Text with `{{placeholders}}`, or bytes written as they are (images).
    pub contents: Contents,
}

/// What a template file holds.
pub enum Contents {
    /// Filled in by [`render`].
    Text(&'static str),
    /// Written as it is.
    Bytes(&'static [u8]),
}

macro_rules! text {
    ($dir:literal, $path:literal) => {
        TemplateFile {
            path: $path,
            contents: Contents::Text(include_str!(concat!("../../templates/", $dir, "/", $path))),
        }
    };
}

macro_rules! bytes {
    ($dir:literal, $path:literal) => {
        TemplateFile {
            path: $path,
            contents: Contents::Bytes(include_bytes!(concat!("../../templates/", $dir, "/", $path))),
        }
    };
}

/// The files every plugin crate has.
pub fn common() -> Vec<TemplateFile> {
    vec![
        text!("common", "Cargo.toml"),
        text!("common", "src/main.rs"),
        text!("common", ".synapseignore"),
        text!("common", ".gitignore"),
        text!("common", "README.md"),
        text!("common", "tests/config.rs"),
        text!("common", "tests/support/mod.rs"),
        // The versions synapse is tested with (cargo drops those the plugin does not use).
        TemplateFile { path: "Cargo.lock", contents: Contents::Text(include_str!("../../../Cargo.lock")) },
        // The toolchain synapse is built and tested with.
        TemplateFile {
            path: "rust-toolchain.toml",
            contents: Contents::Text(include_str!("../../../rust-toolchain.toml")),
        },
    ]
}

/// What a category adds: its files, its README section, the synapse features it builds on and
/// why, and its actions (for the summary `synapse new` prints).
pub struct CategoryTemplate {
    /// Its files (`src/lib.rs` at least, and `tests/actions.rs`).
    pub files: Vec<TemplateFile>,
    /// The README's section: the actions and how to run them.
    pub readme: &'static str,
    /// synapse's features, beyond `ray` (which every plugin has: job and task modes).
    pub features: &'static [&'static str],
    /// Why those features, a comment in `Cargo.toml`.
    pub features_why: &'static str,
    /// The actions it gives.
    pub actions: &'static [&'static str],
}

/// The template of `category`: the actions the SDK's template gives it, on the matching base.
pub fn of(category: Category) -> CategoryTemplate {
    match category {
        Category::NeuralNet => CategoryTemplate {
            files: vec![
                text!("neural_net", "src/lib.rs"),
                text!("neural_net", "src/download.rs"),
                text!("neural_net", "src/convert.rs"),
                text!("neural_net", "src/model.rs"),
                text!("neural_net", "src/train.rs"),
                text!("neural_net", "src/test.rs"),
                text!("neural_net", "src/inference.rs"),
                text!("neural_net", "src/deployment.rs"),
                text!("neural_net", "tests/actions.rs"),
                text!("neural_net", "samples/yolo/dataset.yaml"),
                bytes!("neural_net", "samples/yolo/images/train/street_1.png"),
                bytes!("neural_net", "samples/yolo/images/train/street_2.png"),
                bytes!("neural_net", "samples/yolo/images/train/street_3.png"),
                bytes!("neural_net", "samples/yolo/images/val/street_4.png"),
                text!("neural_net", "samples/yolo/labels/train/street_1.txt"),
                text!("neural_net", "samples/yolo/labels/train/street_2.txt"),
                text!("neural_net", "samples/yolo/labels/train/street_3.txt"),
                text!("neural_net", "samples/yolo/labels/val/street_4.txt"),
            ],
            readme: include_str!("../../templates/neural_net/README.section.md"),
            features: &["dataset", "train", "serve", "store"],
            features_why: "`dataset`, `train`, `serve`: the dataset, train and serve bases; `store`: the pipeline's run store \
                           (checkpoints, resume); `ray`: `run --mode job|task`, deployments.",
            actions: &["download", "convert", "train", "test", "deployment", "the model server"],
        },
        Category::Export => CategoryTemplate {
            files: vec![
                text!("export", "src/lib.rs"),
                text!("export", "src/export.rs"),
                text!("export", "tests/actions.rs"),
            ],
            readme: include_str!("../../templates/export/README.section.md"),
            features: &["export"],
            features_why: "`export`: the export base; `ray`: `run --mode job|task`.",
            actions: &["export"],
        },
        Category::Upload => CategoryTemplate {
            files: vec![
                text!("upload", "src/lib.rs"),
                text!("upload", "src/upload.rs"),
                text!("upload", "tests/actions.rs"),
            ],
            readme: include_str!("../../templates/upload/README.section.md"),
            features: &["upload"],
            features_why: "`upload`: the upload base; `ray`: `run --mode job|task`.",
            actions: &["upload"],
        },
        Category::SmartTool => CategoryTemplate {
            files: vec![
                text!("smart_tool", "src/lib.rs"),
                text!("smart_tool", "src/auto_label.rs"),
                text!("smart_tool", "tests/actions.rs"),
            ],
            readme: include_str!("../../templates/smart_tool/README.section.md"),
            features: &[],
            features_why: "`ray`: `run --mode job|task`.",
            actions: &["auto_label"],
        },
        Category::PreAnnotation => CategoryTemplate {
            files: vec![
                text!("pre_annotation", "src/lib.rs"),
                text!("pre_annotation", "src/pre_annotate.rs"),
                text!("pre_annotation", "src/to_task.rs"),
                text!("pre_annotation", "tests/actions.rs"),
                bytes!("pre_annotation", "samples/street.png"),
            ],
            readme: include_str!("../../templates/pre_annotation/README.section.md"),
            features: &["to_task"],
            features_why: "`to_task`: the to-task base; `ray`: `run --mode job|task`.",
            actions: &["pre_annotate", "to_task"],
        },
        Category::PostAnnotation => CategoryTemplate {
            files: vec![
                text!("post_annotation", "src/lib.rs"),
                text!("post_annotation", "src/post_annotate.rs"),
                text!("post_annotation", "tests/actions.rs"),
            ],
            readme: include_str!("../../templates/post_annotation/README.section.md"),
            features: &[],
            features_why: "`ray`: `run --mode job|task`.",
            actions: &["post_annotate"],
        },
        Category::DataValidation => CategoryTemplate {
            files: vec![
                text!("data_validation", "src/lib.rs"),
                text!("data_validation", "src/validate.rs"),
                text!("data_validation", "tests/actions.rs"),
            ],
            readme: include_str!("../../templates/data_validation/README.section.md"),
            features: &[],
            features_why: "`ray`: `run --mode job|task`.",
            actions: &["validate"],
        },
        Category::Custom => CategoryTemplate {
            files: vec![text!("custom", "src/lib.rs"), text!("custom", "tests/actions.rs")],
            readme: include_str!("../../templates/custom/README.section.md"),
            features: &[],
            features_why: "`ray`: `run --mode job|task`.",
            actions: &["main"],
        },
    }
}

/// Fills `{{key}}` with each value of `values`.
pub fn render(text: &str, values: &[(&str, String)]) -> String {
    let mut out = text.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}
