//! Source discovery reads a crate the way the compiler and the macros do: actions in every kind
//! of module and in every crate of the package, their names, descriptions, categories and
//! methods, the plugin's identity from `plugin!` and `Cargo.toml`, and errors that name the file,
//! line and column. (The registry, `config.yaml` and the sources agreeing: `tests/discovery.rs`.)

use std::path::PathBuf;
use synapse::discovery::{DiscoveryError, Origin, PluginDiscovery};
use synapse::{Category, RunMethod};
use synapse_tests::discovery::{discover, discover_err, package};

#[test]
fn finds_fn_actions() {
    let discovery = discover(&[(
        "src/lib.rs",
        r#"
use synapse::prelude::*;

/// Convert files.
#[action]
pub async fn convert(params: ConvertParams, ctx: &Context) -> Result<Value> {
    Ok(json!({}))
}

/// Check one thing.
#[action(category = DataValidation, output_type = types::ModelWeights)]
fn check(params: NoParams) -> Result<()> {
    Ok(())
}
"#,
    )]);
    assert_eq!(discovery.action_names(), ["check", "convert"]);
    let convert = discovery.action("convert").unwrap();
    assert_eq!(convert.entrypoint, "demo_plugin::convert");
    assert_eq!(convert.description, "Convert files.");
    assert_eq!(convert.method, RunMethod::Job, "`convert` runs as a job by default");
    assert_eq!(convert.category, Category::Custom, "the plugin's category, Custom without `plugin!`");
    let check = discovery.action("check").unwrap();
    assert_eq!(check.category, Category::DataValidation);
    assert_eq!(check.method, RunMethod::Task);
    assert_eq!(check.input_type, None);
    assert_eq!(check.output_type.as_deref(), Some("model_weights"));
}

#[test]
fn finds_actions_in_inline_and_file_modules() {
    let discovery = discover(&[
        (
            "src/lib.rs",
            r#"
pub mod inline {
    pub mod nested {
        #[synapse::action]
        pub struct DeepAction;
    }
}
mod flat;
mod dir;
#[path = "elsewhere/custom.rs"]
mod renamed;
#[cfg(test)]
mod tests {
    #[action]
    pub struct OnlyInTests;
}
"#,
        ),
        (
            "src/flat.rs",
            "mod child;\nmod block {\n    mod grandchild;\n}\n#[::synapse::action]\npub struct FlatAction;\n",
        ),
        ("src/flat/child.rs", "#[action]\npub struct ChildAction;\n"),
        ("src/flat/block/grandchild.rs", "#[action]\npub fn grand(ctx: &Context) -> Result<()> { Ok(()) }\n"),
        ("src/dir/mod.rs", "mod leaf;\n#[action]\npub struct DirAction;\n"),
        ("src/dir/leaf.rs", "#[action]\npub struct LeafAction;\n"),
        ("src/elsewhere/custom.rs", "mod sibling;\n#[action]\npub struct RenamedAction;\n"),
        ("src/elsewhere/sibling.rs", "#[action]\npub struct SiblingAction;\n"),
        ("src/orphan.rs", "#[action]\npub struct OrphanAction;\n"),
    ]);
    let entrypoints: Vec<(&str, &str)> =
        discovery.actions().iter().map(|a| (a.name.as_str(), a.entrypoint.as_str())).collect();
    assert_eq!(
        entrypoints,
        [
            ("child", "demo_plugin::flat::child::ChildAction"),
            ("deep", "demo_plugin::inline::nested::DeepAction"),
            ("dir", "demo_plugin::dir::DirAction"),
            ("flat", "demo_plugin::flat::FlatAction"),
            ("grand", "demo_plugin::flat::block::grandchild::grand"),
            ("leaf", "demo_plugin::dir::leaf::LeafAction"),
            ("renamed", "demo_plugin::renamed::RenamedAction"),
            ("sibling", "demo_plugin::renamed::sibling::SiblingAction"),
        ]
    );
    let Origin::Source { files, unreached, .. } = discovery.origin() else { panic!("{:?}", discovery.origin()) };
    assert_eq!(files.len(), 8, "{files:?}");
    assert_eq!(unreached, &[PathBuf::from("src/orphan.rs")]);
}

#[test]
fn binaries_are_crates_of_their_own() {
    let discovery = discover(&[
        ("src/main.rs", "mod cli;\n#[action]\nfn serve_it(ctx: &Context) -> Result<()> { Ok(()) }\n"),
        ("src/cli.rs", "#[action]\npub struct CliAction;\n"),
        ("src/bin/extra-tool.rs", "#[action]\npub struct ExtraAction;\n"),
    ]);
    let entrypoints: Vec<&str> = discovery.actions().iter().map(|a| a.entrypoint.as_str()).collect();
    assert_eq!(entrypoints, ["demo_plugin::cli::CliAction", "extra_tool::ExtraAction", "demo_plugin::serve_it"]);
}

#[test]
fn honors_explicit_names_and_derives_default_ones() {
    let discovery = discover(&[(
        "src/lib.rs",
        r#"
#[action(name = "resize-images", method = Serve)]
pub struct Whatever;

#[action]
pub struct TrainAction;

#[action]
pub struct ProcessImages;

#[action]
pub struct Action;
"#,
    )]);
    assert_eq!(discovery.action_names(), ["action", "process_images", "resize-images", "train"]);
    assert_eq!(discovery.action("resize-images").unwrap().entrypoint, "demo_plugin::Whatever");
    assert_eq!(discovery.action("resize-images").unwrap().method, RunMethod::Serve);
    assert_eq!(discovery.action("train").unwrap().entrypoint, "demo_plugin::TrainAction");
    assert_eq!(discovery.action("train").unwrap().method, RunMethod::Job);
    assert_eq!(discovery.action("process_images").unwrap().method, RunMethod::Task);
}

#[test]
fn descriptions_are_the_first_paragraph_of_the_doc_comment() {
    let discovery = discover(&[(
        "src/lib.rs",
        r#"
/// Train a detector
/// on a YOLO dataset.
///
/// More detail that is not part of the description.
#[action]
pub struct TrainAction;

/** Export the model. */
#[action]
pub struct ExportAction;

/// Ignored: the attribute says otherwise.
#[action(description = "Upload the results.")]
pub struct UploadAction;

#[action]
pub struct UndocumentedAction;
"#,
    )]);
    let description = |name: &str| discovery.action(name).unwrap().description.clone();
    assert_eq!(description("train"), "Train a detector on a YOLO dataset.");
    assert_eq!(description("export"), "Export the model.");
    assert_eq!(description("upload"), "Upload the results.");
    assert_eq!(description("undocumented"), "");
}

#[test]
fn plugin_identity_comes_from_plugin_and_cargo_toml() {
    let discovery = discover(&[(
        "src/lib.rs",
        "use synapse::plugin;\nplugin!(name = \"Demo Plugin\", category = NeuralNet);\n\
         #[action]\npub struct InferenceAction;\n#[action(category = Export)]\npub struct OnnxAction;\n",
    )]);
    let plugin = discovery.plugin();
    assert_eq!(
        (plugin.name.as_str(), plugin.code.as_str(), plugin.version.as_str(), plugin.description.as_str()),
        ("Demo Plugin", "demo-plugin", "0.4.2", "A demo.")
    );
    assert_eq!(plugin.category, Category::NeuralNet);
    let inference = discovery.action("inference").unwrap();
    assert_eq!((inference.category, inference.method), (Category::NeuralNet, RunMethod::Serve));
    assert_eq!(discovery.action("onnx").unwrap().category, Category::Export);

    let bare = discover(&[("src/lib.rs", "")]);
    let plugin = bare.plugin();
    assert_eq!((plugin.name.as_str(), plugin.category), ("demo-plugin", Category::Custom));
    assert!(bare.actions().is_empty());
}

#[test]
fn workspace_inherited_fields_are_resolved() {
    let root = package(&[
        (
            "Cargo.toml",
            "[workspace]\nmembers = [\"p\"]\n[workspace.package]\nversion = \"3.1.4\"\ndescription = \"Shared.\"\n",
        ),
        ("p/Cargo.toml", "[package]\nname = \"p\"\nversion.workspace = true\ndescription.workspace = true\n"),
        ("p/src/lib.rs", "synapse::plugin!(description = \"Own.\");\n"),
    ]);
    let discovery = PluginDiscovery::from_source(root.path().join("p")).unwrap();
    assert_eq!(discovery.plugin().version, "3.1.4");
    assert_eq!(discovery.plugin().description, "Own.");
}

#[test]
fn syntax_errors_name_the_file_line_and_column() {
    let (error, dir) = discover_err(&[
        ("src/lib.rs", "mod models;\n"),
        ("src/models.rs", "mod broken;\n"),
        (
            "src/models/broken.rs",
            "use synapse::prelude::*;\n\n#[action]\npub struct Fine;\n\nfn oops() {\n    let x = ;\n}\n",
        ),
    ]);
    let file = dir.path().join("src/models/broken.rs");
    match &error {
        DiscoveryError::Syntax { path, line, column, .. } => {
            assert_eq!((path.as_path(), *line, *column), (file.as_path(), 7, 13), "{error}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(error.to_string().starts_with(&format!("{}:7:13: syntax error: ", file.display())), "{error}");
    assert_eq!((error.file(), error.line()), (Some(file.as_path()), Some(7)));

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action]\npub struct Unfinished\n")]);
    assert!(matches!(error, DiscoveryError::Syntax { line: 2, .. }), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "fn f() {\n    (1;\n}\n")]);
    assert!(matches!(error, DiscoveryError::Syntax { line: 3, .. }), "{error}");
}

#[test]
fn attribute_errors_are_reported_as_the_macro_reports_them() {
    let (error, _dir) =
        discover_err(&[("src/lib.rs", "\n/// Docs.\n#[action(catgory = Custom)]\npub struct TrainAction;\n")]);
    assert!(matches!(error, DiscoveryError::InvalidAttribute { line: 3, column: 10, .. }), "{error:?}");
    assert!(error.to_string().contains("did you mean `category`?"), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action(name = \"Bad Name\")]\npub struct X;\n")]);
    assert!(error.to_string().contains("invalid action name"), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action]\npub enum Wrong { A }\n")]);
    assert!(error.to_string().contains("`#[action]` goes on a struct"), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action]\npub struct Wrapper<T>(T);\n")]);
    assert!(matches!(error, DiscoveryError::InvalidAttribute { line: 2, column: 19, .. }), "{error:?}");
    assert!(error.to_string().contains("an `#[action]` struct cannot be generic"), "{error}");

    // An action fn is read with the macro's own rules, messages and places.
    let (error, _dir) = discover_err(&[(
        "src/lib.rs",
        "#[action]\nasync fn process(params: P, batch_size: u32) -> Result<()> {\n    Ok(())\n}\n",
    )]);
    assert!(matches!(error, DiscoveryError::InvalidAttribute { line: 2, column: 41, .. }), "{error:?}");
    assert!(error.to_string().contains("put every parameter in the params struct"), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action]\nfn process(params: &P, ctx: &Context) {}\n")]);
    let message = error.to_string();
    assert!(message.contains("takes its params by value: write `params: P`"), "{message}");
    assert!(message.contains("must return a `Result`, e.g. `-> synapse::Result<MyOutput>` (use `serde_json::Value`"));

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[action]\npub struct Größe;\n")]);
    assert!(error.to_string().contains("the action name derived from `Größe` is invalid"), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "synapse::plugin!(category = Training);\n")]);
    assert!(matches!(error, DiscoveryError::InvalidAttribute { line: 1, .. }), "{error:?}");
    assert!(error.to_string().contains("unknown category `Training`"), "{error}");
}

#[test]
fn module_and_duplicate_problems_are_errors() {
    let (error, dir) = discover_err(&[("src/lib.rs", "\nmod missing;\n")]);
    assert!(matches!(error, DiscoveryError::Module { line: 2, column: 5, .. }), "{error:?}");
    assert!(error.to_string().contains(&dir.path().join("src/missing.rs").display().to_string()), "{error}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "#[path = \"nowhere.rs\"]\nmod m;\n")]);
    assert!(error.to_string().contains("does not exist"), "{error}");

    let (error, _dir) = discover_err(&[
        ("src/lib.rs", "mod a;\n#[action]\npub struct SameAction;\n"),
        ("src/a.rs", "#[action(name = \"same\")]\npub struct Other;\n"),
    ]);
    assert!(matches!(error, DiscoveryError::DuplicateAction { ref name, .. } if name == "same"), "{error:?}");

    let (error, _dir) = discover_err(&[("src/lib.rs", "synapse::plugin!();\nmod a { synapse::plugin!(); }\n")]);
    assert!(matches!(error, DiscoveryError::DuplicatePlugin { .. }), "{error:?}");

    let (error, _dir) = discover_err(&[("Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\n")]);
    assert!(matches!(error, DiscoveryError::NoTargets { .. }), "{error:?}");
}
