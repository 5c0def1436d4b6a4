//! `synapse new <name> --category <category>`: a plugin crate that builds and passes its own
//! tests at once, on the specialized base of its category (the Python SDK's `synapse plugin
//! create` templates, `python-sdk.md` §10), with its generated `config.yaml`.
//!
//! Files: `name.rs` (what a name must be), `template.rs` (the files of each category, from
//! `templates/`), `prompt.rs` (asking for what is missing, on a terminal).

mod name;
mod prompt;
mod template;

use crate::error::CliError;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use synapse::Category;
use template::Contents;

/// The synapse crate a new plugin depends on: the checkout this command was built from, unless
/// `--synapse-path` or this variable says otherwise.
const SOURCE_VAR: &str = "SYNAPSE_SOURCE";

/// `synapse new`'s arguments.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The plugin's name: its crate name and its plugin code (lowercase letters, digits, `-`,
    /// `_`; asked for on a terminal when missing).
    name: Option<String>,
    /// The plugin's category: neural_net, export, upload, smart_tool, pre_annotation,
    /// post_annotation, data_validation or custom (asked for on a terminal when missing).
    #[arg(long, short)]
    category: Option<String>,
    /// Where to create it [default: ./<name>]; it must not exist, or be empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// What the plugin does, one sentence (config.yaml's `description`).
    #[arg(long)]
    description: Option<String>,
    /// The synapse crate to depend on (a path) [default: the one this command was built with].
    #[arg(long, value_name = "DIR", env = SOURCE_VAR)]
    synapse_path: Option<PathBuf>,
    /// The target directory its builds share with every plugin made here, so that synapse and
    /// its dependencies compile once per feature set, not once per plugin [default:
    /// $XDG_CACHE_HOME/synapse/target, else ~/.cache/synapse/target]; `none`: a target/ of
    /// its own.
    #[arg(long, value_name = "DIR", env = TARGET_VAR)]
    target_dir: Option<PathBuf>,
    /// Write the files only: no build, no config.yaml (then `cargo run -- config --write`).
    #[arg(long)]
    no_build: bool,
}

/// The variable naming the shared target directory (see [`NewArgs`]'s `--target-dir`).
const TARGET_VAR: &str = "SYNAPSE_TARGET_DIR";

/// The shared target directory: `given` (`none` for none), else the user's cache directory's.
fn shared_target_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    match given {
        Some(dir) if dir.as_os_str() == "none" => None,
        Some(dir) => Some(std::path::absolute(&dir).unwrap_or(dir)),
        None => {
            let cache = std::env::var_os("XDG_CACHE_HOME")
                .filter(|dir| !dir.is_empty())
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
            Some(cache.join("synapse").join("target"))
        }
    }
}

/// `.cargo/config.toml`: the shared target directory.
fn cargo_config(target_dir: &Path) -> String {
    format!(
        "# Every plugin made with `synapse new` builds into one target directory, so that synapse and\n\
         # its dependencies compile once per feature set, not once per plugin. Remove this file for a\n\
         # target/ of the plugin's own.\n[build]\ntarget-dir = {}\n",
        toml_string(&target_dir.display().to_string())
    )
}

/// `text` as a TOML string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// Creates the plugin crate `args` describe, builds it and writes its `config.yaml`.
///
/// # Errors
/// An invalid name or category, a directory that is not empty, a value missing where nothing
/// can be asked, a file that cannot be written, or a build that fails ([`CliError`]).
pub fn run(args: NewArgs) -> Result<(), CliError> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let name = match args.name {
        Some(name) => name,
        None if interactive => prompt::name(name::check)?,
        None => {
            let hint = "give it: `synapse new <name> --category <category>`".to_owned();
            return Err(CliError::Missing { what: "the plugin's name", hint });
        }
    };
    name::check(&name)?;
    let category = match args.category {
        Some(given) => parse_category(&given)?,
        None if interactive => prompt::category()?,
        None => {
            let hint = format!("give it with `--category`, one of: {}", category_names().join(", "));
            return Err(CliError::Missing { what: "the plugin's category", hint });
        }
    };
    let dir = args.dir.unwrap_or_else(|| PathBuf::from(&name));
    ensure_empty(&dir)?;
    let synapse = match args.synapse_path {
        Some(path) => path,
        None => PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../synapse")),
    };
    let synapse = std::fs::canonicalize(&synapse).map_err(CliError::io("finding the synapse crate at", &synapse))?;
    let description = args.description.unwrap_or_else(|| default_description(category).to_owned());
    let template = template::of(category);
    let mut features: Vec<&str> = template.features.to_vec();
    features.push("ray");
    let mut values = vec![
        ("crate", name.clone()),
        ("crate_ident", name::ident(&name)),
        ("name", name::display(&name)),
        ("description", one_line(&description)),
        ("category", category.as_str().to_owned()),
        ("synapse_path", toml_string(&synapse.display().to_string())),
        ("features", features.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(", ")),
        ("features_why", template.features_why.to_owned()),
    ];
    // The category's README section has placeholders of its own, filled before it goes in.
    values.push(("category_readme", template::render(template.readme.trim_end(), &values)));
    let started = Instant::now();
    for file in template::common().into_iter().chain(template.files) {
        let path = dir.join(file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(CliError::io("creating", parent))?;
        }
        let contents = match file.contents {
            Contents::Text(text) => template::render(text, &values).into_bytes(),
            Contents::Bytes(bytes) => bytes.to_vec(),
        };
        std::fs::write(&path, contents).map_err(CliError::io("writing", &path))?;
    }
    if let Some(target) = shared_target_dir(args.target_dir) {
        let path = dir.join(".cargo/config.toml");
        std::fs::create_dir_all(dir.join(".cargo")).map_err(CliError::io("creating", dir.join(".cargo")))?;
        std::fs::write(&path, cargo_config(&target)).map_err(CliError::io("writing", &path))?;
    }
    eprintln!("created {} ({} plugin: {})", dir.display(), category, template.actions.join(", "));
    if args.no_build {
        eprintln!("not built; in {}: `cargo run -- config --write`, then `cargo test`", dir.display());
        return Ok(());
    }
    eprintln!("building it and writing its config.yaml…");
    write_config(&dir)?;
    eprintln!("ready in {:.1} s; next, in {}:", started.elapsed().as_secs_f64(), dir.display());
    eprintln!("  cargo test            # its tests");
    eprintln!("  cargo run -- list     # its actions; the README shows how to run each");
    Ok(())
}

/// `text` on one line, without `"` or `\\`: it goes into TOML and Rust string literals as it is.
fn one_line(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").replace('"', "'").replace('\\', "/")
}

/// `given` as a category, by its platform name (`neural_net`; `-` for `_` is accepted).
fn parse_category(given: &str) -> Result<Category, CliError> {
    given
        .replace('-', "_")
        .parse()
        .map_err(|_| CliError::UnknownCategory { given: given.to_owned(), valid: category_names() })
}

/// The categories' platform names, in the platform's order.
fn category_names() -> Vec<&'static str> {
    Category::ALL.iter().map(|category| category.as_str()).collect()
}

/// What a plugin of `category` does, until its author says.
fn default_description(category: Category) -> &'static str {
    match category {
        Category::NeuralNet => "Trains, tests and serves a model on ground-truth datasets.",
        Category::Export => "Exports ground truth, tasks or assignments.",
        Category::Upload => "Uploads a folder into a data collection.",
        Category::SmartTool => "Labels an image from the annotator's clicks.",
        Category::PreAnnotation => "Annotates a project's tasks before people do.",
        Category::PostAnnotation => "Cleans annotations up once they are made.",
        Category::DataValidation => "Checks annotations against the project's rules.",
        Category::Custom => "A plugin of its own kind.",
    }
}

/// `dir` when it does not exist or is an empty directory.
fn ensure_empty(dir: &Path) -> Result<(), CliError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(CliError::DirNotEmpty { dir: dir.to_owned() }),
        },
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotADirectory => {
            Err(CliError::NotADirectory { path: dir.to_owned() })
        }
        Err(error) => Err(CliError::io("reading", dir)(error)),
    }
}

/// Builds the crate at `dir` and writes its `config.yaml` and `schemas/`
/// (`cargo run -- config --write`), cargo's progress shown as it goes.
fn write_config(dir: &Path) -> Result<(), CliError> {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.args(["run", "--quiet", "--", "config", "--write", "--dir", "."]).current_dir(dir);
    let line = "cargo run -- config --write".to_owned();
    let status = command.status().map_err(|error| CliError::Command {
        command: line.clone(),
        dir: dir.to_owned(),
        outcome: format!("could not start: {error}"),
    })?;
    if !status.success() {
        return Err(CliError::Command {
            command: line,
            dir: dir.to_owned(),
            outcome: format!("failed ({status}); the files are there to fix"),
        });
    }
    Ok(())
}
