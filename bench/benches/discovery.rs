//! Discovery benchmarks.
//!
//! - `from_config/quickstart`: loading and validating the quickstart plugin's `config.yaml`
//!   (goal: at most 50 µs a call);
//! - `from_source/1000_files`: reading a generated crate of 1,000 source files, each defining an
//!   action, spread over ten modules of a hundred (goal: at most 1 s for the whole crate);
//! - `from_source/quickstart` and `from_registry/quickstart`, for scale.
//!
//! ```text
//! cargo bench -p synapse-bench --bench discovery
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use synapse::discovery::PluginDiscovery;

// Linked so that its actions are in this binary's registry.
use quickstart as _;

/// Modules of the generated crate (`src/group_NN.rs`).
const GROUPS: usize = 10;
/// Files per module: the module's own file plus its submodules (`src/group_NN/action_NNNN.rs`).
const FILES_PER_GROUP: usize = 100;
/// Every generated file defines one action.
const FILES: usize = GROUPS * FILES_PER_GROUP;

fn quickstart_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/quickstart")
}

/// One action file's text; even-numbered files hold a struct action, odd ones a fn action.
fn action_file(index: usize, submodules: &[String]) -> String {
    let mut text = format!("//! Generated action {index}.\n\nuse synapse::prelude::*;\n\n");
    for module in submodules {
        let _ = writeln!(text, "mod {module};");
    }
    let _ = write!(
        text,
        r#"
/// Parameters of action {index}.
#[params]
pub struct Params{index} {{
    /// Where to read from.
    pub input_path: String,
    /// Items per batch.
    #[param(default = 32, range(min = 1, max = 1024))]
    pub batch_size: u32,
}}
"#
    );
    if index.is_multiple_of(2) {
        let _ = write!(
            text,
            r#"
/// Process batch {index}
/// of the generated dataset.
///
/// Details that are not part of the description.
#[action(name = "action-{index}", category = NeuralNet, input_type = types::YoloDataset)]
pub struct Action{index};

impl Action for Action{index} {{
    type Params = Params{index};
    type Output = Value;

    async fn execute(&self, params: Params{index}, ctx: &Context) -> Result<Value> {{
        for step in 0..params.batch_size {{
            ctx.set_progress(u64::from(step) + 1, u64::from(params.batch_size));
        }}
        Ok(json!({{ "input": params.input_path, "index": {index} }}))
    }}
}}
"#
        );
    } else {
        let _ = write!(
            text,
            r#"
/// Convert file {index}.
#[synapse::action(method = Job, output_type = types::ModelWeights)]
pub async fn convert_{index}(params: Params{index}, ctx: &Context) -> Result<Value> {{
    ctx.log("converting", json!({{ "input": params.input_path }}));
    Ok(json!({{ "batch_size": params.batch_size }}))
}}
"#
        );
    }
    text
}

/// Writes the generated crate into `dir`.
fn generate(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"generated-plugin\"\nversion = \"1.0.0\"\ndescription = \"Generated for a benchmark.\"\n",
    )?;
    let mut lib =
        String::from("//! A generated plugin.\n\nsynapse::plugin!(name = \"Generated\", category = Custom);\n\n");
    let mut index = 0;
    for group in 0..GROUPS {
        let _ = writeln!(lib, "pub mod group_{group:02};");
        let group_dir = dir.join(format!("src/group_{group:02}"));
        std::fs::create_dir_all(&group_dir)?;
        let group_index = index;
        index += 1;
        let mut submodules = Vec::new();
        for _ in 1..FILES_PER_GROUP {
            let module = format!("action_{index:04}");
            std::fs::write(group_dir.join(format!("{module}.rs")), action_file(index, &[]))?;
            submodules.push(module);
            index += 1;
        }
        std::fs::write(dir.join(format!("src/group_{group:02}.rs")), action_file(group_index, &submodules))?;
    }
    std::fs::write(dir.join("src/lib.rs"), lib)
}

fn from_config(c: &mut Criterion) {
    let dir = quickstart_dir();
    let discovery = PluginDiscovery::from_config(&dir).expect("quickstart's config.yaml");
    assert_eq!(discovery.action_names(), ["process", "train"]);
    c.bench_function("discovery/from_config/quickstart", |b| {
        b.iter(|| black_box(PluginDiscovery::from_config(black_box(&dir)).expect("config.yaml")))
    });
}

fn from_source(c: &mut Criterion) {
    let generated = tempfile::tempdir().expect("a temporary directory");
    generate(generated.path()).expect("the generated crate");
    let discovery = PluginDiscovery::from_source(generated.path()).expect("the generated crate's source");
    assert_eq!(discovery.actions().len(), FILES, "one action per generated file");
    let last = discovery.action("action-998").expect("action-998");
    assert_eq!(last.entrypoint, "generated_plugin::group_09::action_0998::Action998");
    assert_eq!(last.description, "Process batch 998 of the generated dataset.");
    assert_eq!(
        discovery.action("convert_1").map(|a| a.entrypoint.as_str()),
        Some("generated_plugin::group_00::action_0001::convert_1")
    );

    let mut group = c.benchmark_group("discovery/from_source");
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("1000_files", |b| {
        b.iter(|| black_box(PluginDiscovery::from_source(black_box(generated.path())).expect("source")))
    });
    group.finish();

    let quickstart = quickstart_dir();
    c.bench_function("discovery/from_source/quickstart", |b| {
        b.iter(|| black_box(PluginDiscovery::from_source(black_box(&quickstart)).expect("quickstart's source")))
    });
}

fn from_registry(c: &mut Criterion) {
    let registry = synapse::registry::registry().expect("the registry");
    let quickstart = registry.for_plugin("quickstart").expect("quickstart is linked");
    assert_eq!(PluginDiscovery::from_registry(&quickstart).actions().len(), 2);
    c.bench_function("discovery/from_registry/quickstart", |b| {
        b.iter(|| black_box(PluginDiscovery::from_registry(black_box(&quickstart))))
    });
}

criterion_group!(benches, from_config, from_source, from_registry);
criterion_main!(benches);
