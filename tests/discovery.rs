//! Plugin discovery: for every example plugin, the link-time registry, the committed
//! `config.yaml` and the sources agree on everything; source discovery reads the fixture crate's
//! modules as the compiler and the macros do; and a discovery says where it comes from and how it
//! differs from another. Source discovery of small packages each test writes, errors included:
//! `tests/discovery_source.rs`.

use std::path::{Path, PathBuf};
use synapse::config::ConfigFiles;
use synapse::discovery::{DiscoveryError, Origin, PluginDiscovery};
use synapse::registry::Registry;
use synapse::{Category, RunMethod};
use synapse_tests::discovery::package;

/// The example plugins: the crate (linked into this test so its actions are in the registry)
/// and its directory. A new example goes here; `every_example_is_covered` fails until it does.
macro_rules! examples {
    ($($krate:ident => $dir:literal),* $(,)?) => {
        $( use $krate as _; )*
        const EXAMPLES: &[(&str, &str)] = &[$((stringify!($krate), $dir)),*];
    };
}

examples! {
    data_ops => "examples/data_ops",
    dataset_pipeline => "examples/dataset_pipeline",
    detector => "examples/detector",
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
