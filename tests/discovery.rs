//! Plugin discovery: for every example plugin, the link-time registry, the committed
//! `config.yaml` and the sources agree on everything; and source discovery reads a crate the
//! way the compiler and the macros do.

use std::path::{Path, PathBuf};
use synapse::config::ConfigFiles;
use synapse::discovery::{DiscoveryError, Origin, PluginDiscovery};
use synapse::registry::Registry;
use synapse::{Category, RunMethod};

/// The example plugins: the crate (linked into this test so its actions are in the registry)
/// and its directory. A new example goes here; `every_example_is_covered` fails until it does.
macro_rules! examples {
    ($($krate:ident => $dir:literal),* $(,)?) => {
        $( use $krate as _; )*
        const EXAMPLES: &[(&str, &str)] = &[$((stringify!($krate), $dir)),*];
    };
}

examples! {
    dataset_pipeline => "examples/dataset_pipeline",
    image_pipeline => "examples/image_pipeline",
    quickstart => "examples/quickstart",
}

/// A plugin built for this test, with actions in every kind of module.
use discovery_fixture as _;

const FIXTURE: (&str, &str) = ("discovery-fixture", "tests/fixtures/discovery");

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `-` and `_` are the same in a package name and its crate name.
fn same_code(a: &str, b: &str) -> bool {
    a.replace('-', "_") == b.replace('-', "_")
}

/// Every way `a` and `b` disagree, from `diff` and, without trusting it, field by field.
fn disagreements(a: &PluginDiscovery, b: &PluginDiscovery) -> Vec<String> {
    let mut problems = a.diff(b);
    if problems.is_empty() && (a.plugin() != b.plugin() || a.actions() != b.actions()) {
        problems.push(format!("{a:?}\nis not\n{b:?}"));
    }
    problems
}

fn assert_agree(a: &PluginDiscovery, b: &PluginDiscovery) {
    let problems = disagreements(a, b);
    assert!(problems.is_empty(), "{} and {} disagree:\n  {}", a.origin(), b.origin(), problems.join("\n  "));
}

/// What is wrong with one example: its registry entry, committed `config.yaml` and source
/// must describe the same plugin.
fn check_example(registry: &Registry, code: &str, dir: &Path) -> Result<(), String> {
    let plugin = registry.for_plugin(code).ok_or_else(|| format!("`{code}` is not in the registry"))?;
    let from_registry = PluginDiscovery::from_registry(&plugin);
    let from_config = PluginDiscovery::from_config(dir).map_err(|error| {
        format!("`{code}`: {error}\n(write it with `cargo run -p {code} -- config --write --dir {}`)", dir.display())
    })?;
    let from_source = PluginDiscovery::from_source(dir).map_err(|error| format!("`{code}`: {error}"))?;
    let mut problems = Vec::new();
    if from_registry.actions().is_empty() {
        problems.push("it registers no action".to_owned());
    }
    if !same_code(&from_registry.plugin().code, code) {
        problems.push(format!("the registry names another plugin: {:?}", from_registry.plugin()));
    }
    for (a, b) in [(&from_registry, &from_config), (&from_registry, &from_source), (&from_config, &from_source)] {
        problems.extend(disagreements(a, b));
    }
    if let Origin::Source { unreached, .. } = from_source.origin()
        && !unreached.is_empty()
    {
        problems.push(format!("files no `mod` reaches: {unreached:?}"));
    }
    if problems.is_empty() { Ok(()) } else { Err(format!("`{code}`:\n  {}", problems.join("\n  "))) }
}

#[test]
fn registry_config_and_source_agree_for_every_example() {
    let registry = synapse::registry::registry().unwrap_or_else(|error| panic!("registry: {error}"));
    let problems: Vec<String> =
        EXAMPLES.iter().filter_map(|(code, dir)| check_example(registry, code, &repo().join(dir)).err()).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn source_discovery_reads_modules_as_the_compiler_does() {
    let (code, dir) = FIXTURE;
    let registry = synapse::registry::registry().unwrap_or_else(|error| panic!("registry: {error}"));
    let plugin = registry.for_plugin(code).unwrap_or_else(|| panic!("`{code}` is not in the registry"));
    let from_registry = PluginDiscovery::from_registry(&plugin);
    let from_source = PluginDiscovery::from_source(repo().join(dir)).unwrap_or_else(|e| panic!("{e}"));
    let generated = tempfile::tempdir().unwrap();
    ConfigFiles::generate(&plugin).write(generated.path()).unwrap();
    let from_config = PluginDiscovery::from_config(generated.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_agree(&from_registry, &from_source);
    assert_agree(&from_registry, &from_config);

    // What the fixture is there to cover, as the compiler and the macros see it.
    let actions: Vec<(&str, &str)> =
        from_registry.actions().iter().map(|a| (a.name.as_str(), a.entrypoint.as_str())).collect();
    assert_eq!(
        actions,
        [
            ("convert", "discovery_fixture::convert"),
            ("described", "discovery_fixture::nested::DescribedAction"),
            ("flat-export", "discovery_fixture::flat::export"),
            ("inference", "discovery_fixture::nested::leaf::inference"),
            ("poll", "discovery_fixture::r#async::poll"),
            ("sibling", "discovery_fixture::renamed::sibling::sibling"),
            ("train", "discovery_fixture::inline::deeper::TrainAction"),
            ("undocumented", "discovery_fixture::renamed::undocumented"),
            ("upload", "discovery_fixture::flat::child::UploadAction"),
            ("validate_dataset", "discovery_fixture::flat::block::grandchild::validate_dataset"),
        ]
    );
    let action = |name: &str| from_registry.action(name).unwrap();
    assert_eq!(action("convert").description, "Convert the input to the output format.");
    assert_eq!(action("described").description, "Described by its attribute.");
    assert_eq!(action("sibling").description, "Block doc comment.");
    assert_eq!(action("undocumented").description, "");
    assert_eq!(action("convert").category, Category::PreAnnotation);
    assert_eq!(action("flat-export").category, Category::Export);
    assert_eq!(action("convert").method, RunMethod::Job);
    assert_eq!(action("inference").method, RunMethod::Serve);
    assert_eq!(action("poll").method, RunMethod::RestApi);
    assert_eq!(from_registry.plugin().version, env!("CARGO_PKG_VERSION"), "inherited from the workspace");
}

#[test]
fn quickstart_is_discovered_in_full() {
    let discovery = PluginDiscovery::from_source(repo().join("examples/quickstart")).unwrap();
    assert_eq!(discovery.plugin().name, "Quickstart");
    assert_eq!(discovery.action_names(), ["process", "train"]);
    let train = discovery.action("train").unwrap();
    assert_eq!(train.entrypoint, "quickstart::TrainAction");
    assert_eq!(train.category, Category::NeuralNet);
    assert_eq!(train.method, RunMethod::Job);
    assert_eq!(train.input_type.as_deref(), Some("yolo_dataset"));
    assert_eq!(train.output_type.as_deref(), Some("model_weights"));
    assert!(discovery.has_action("process"));
    assert!(!discovery.has_action("export"));
}

#[test]
fn every_example_is_covered() {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(repo().join("examples")).unwrap().flatten() {
        if entry.path().join("Cargo.toml").is_file() {
            let discovery = PluginDiscovery::from_source(entry.path()).unwrap_or_else(|e| panic!("{e}"));
            found.push((discovery.plugin().code.clone(), entry.path()));
        }
    }
    assert!(!found.is_empty(), "no example plugins found");
    for (code, dir) in found {
        assert!(
            EXAMPLES.iter().any(|(known, _)| same_code(known, &code)),
            "the example `{code}` ({}) is not in this test's `examples!` table (and maybe not a dependency \
             of the root package)",
            dir.display()
        );
    }
}

/// A package in a temporary directory: `Cargo.toml` (unless given) and `files`.
fn package(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    if !files.iter().any(|(path, _)| *path == "Cargo.toml") {
        let manifest = "[package]\nname = \"demo-plugin\"\nversion = \"0.4.2\"\ndescription = \"A demo.\"\n";
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
    }
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn discover(files: &[(&str, &str)]) -> PluginDiscovery {
    let dir = package(files);
    PluginDiscovery::from_source(dir.path()).unwrap_or_else(|error| panic!("{error}"))
}

fn discover_err(files: &[(&str, &str)]) -> (DiscoveryError, tempfile::TempDir) {
    let dir = package(files);
    match PluginDiscovery::from_source(dir.path()) {
        Ok(discovery) => panic!("expected an error, found {discovery}"),
        Err(error) => (error, dir),
    }
}

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

#[test]
fn diff_reports_every_difference_readably() {
    let dir = repo().join("examples/quickstart");
    let source = PluginDiscovery::from_source(&dir).unwrap();
    let edited = package(&[]);
    let yaml = std::fs::read_to_string(dir.join("config.yaml"))
        .unwrap()
        .replace("method: job", "method: task")
        .replace("  process:\n", "  processing:\n")
        .replace("version: \"0.1.0\"", "version: \"0.2.0\"");
    std::fs::write(edited.path().join("config.yaml"), yaml).unwrap();
    let config = PluginDiscovery::from_config(edited.path()).unwrap();
    let config_file = format!("`{}`", edited.path().join("config.yaml").display());
    let source_name = format!("the source of `{}`", dir.display());
    assert_eq!(
        source.diff(&config),
        [
            format!("plugin version is `0.1.0` in {source_name} but `0.2.0` in {config_file}"),
            format!("action `process`: only in {source_name}"),
            format!("action `processing`: only in {config_file}"),
            format!("action `train`: method is `job` in {source_name} but `task` in {config_file}"),
        ]
    );
    assert!(!source.agrees_with(&config));
}

#[test]
fn config_errors_keep_their_position() {
    let dir = package(&[("config.yaml", "name: X\ncode: x\nversion: \"1.0.0\"\nactions:\n  Bad: {}\n")]);
    let error = PluginDiscovery::from_config(dir.path()).unwrap_err();
    assert!(matches!(error, DiscoveryError::Config(_)), "{error:?}");
    assert_eq!(error.line(), Some(5), "{error}");
    assert_eq!(error.file(), Some(dir.path().join("config.yaml").as_path()));
}

#[test]
fn origin_names_where_a_discovery_comes_from() {
    let dir: &Path = &repo().join("examples/quickstart");
    let config = PluginDiscovery::from_config(dir).unwrap();
    assert_eq!(config.origin(), &Origin::Config { path: dir.join("config.yaml") });
    assert!(config.to_string().starts_with("quickstart 0.1.0 ("), "{config}");
}
