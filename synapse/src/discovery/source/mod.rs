//! Discovery from source: what `#[action]` and `plugin!` would register, read with `syn`
//! without building the crate.
//!
//! The crate is read the way rustc reads it: from each crate root (the library, then the
//! binaries), following `mod` declarations to their files (`a.rs` or `a/mod.rs`, or the file a
//! `#[path]` names) and into inline `mod a { … }` blocks, so every action gets the module path
//! `module_path!()` would give it. Items under `#[cfg(test)]` are not part of the plugin and
//! are skipped. Each action is read into the model of `synapse-macros-core` and checked by its
//! rules, exactly as the macro reads and checks it.
//!
//! Files are parsed on worker threads (a few at a time, level by level of the module tree):
//! parsing with line information records every file in a per-thread source map, which is freed
//! with the thread instead of growing in the caller's.
//!
//! Here: the entry point ([`PluginDiscovery::from_source`]) and what each file contributes. The
//! module tree is read level by level in `tree`, each file is parsed and walked in `walker`, the
//! attributes the walk looks at are recognized in `attributes`, and the `.rs` files under `src/`
//! are listed in `paths`.

mod attributes;
mod paths;
mod tree;
mod walker;

use super::manifest;
use super::{DiscoveredAction, DiscoveryError, Origin, PluginDiscovery};
use crate::action::Category;
use crate::registry::PluginInfo;
use paths::{collect_rust_files, relative};
use std::fmt;
use std::path::{Path, PathBuf};
use tree::scan_tree;

impl PluginDiscovery {
    /// The plugin and actions a crate's sources define, read without building the crate.
    ///
    /// `crate_dir` is the package directory (the one holding `Cargo.toml`). Its crate roots
    /// (`src/lib.rs`, `src/main.rs`, `src/bin/*`, or the `[lib]` and `[[bin]]` paths) are read,
    /// then every module they declare: `mod a;` in `a.rs` or `a/mod.rs` (or the file of a
    /// `#[path = "…"]`), and inline `mod a { … }` blocks. Every `#[action]` (or
    /// `#[synapse::action(...)]`) on a struct or fn, and the `plugin!` invocation, are resolved
    /// exactly as the macros resolve them; the plugin's code, version and default description
    /// come from `Cargo.toml` (workspace-inherited fields included).
    ///
    /// Items under `#[cfg(test)]` are skipped. A file that is not valid Rust, an attribute the
    /// macro would reject, or a `mod` without a file is an error naming the file, line and
    /// column; `.rs` files that no `mod` reaches are listed in [`Origin::Source`].
    ///
    /// ```
    /// use synapse::discovery::PluginDiscovery;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::create_dir_all(dir.path().join("src/tasks")).unwrap();
    /// std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"my-plugin\"\nversion = \"0.3.0\"\n").unwrap();
    /// std::fs::write(dir.path().join("src/lib.rs"), "mod tasks;\n").unwrap();
    /// std::fs::write(dir.path().join("src/tasks.rs"), "mod export;\n").unwrap();
    /// std::fs::write(
    ///     dir.path().join("src/tasks/export.rs"),
    ///     "use synapse::prelude::*;\n\n/// Export the model.\n#[synapse::action(name = \"export-onnx\", method = Job)]\n\
    ///      pub async fn export(ctx: &Context) -> Result<()> { Ok(()) }\n",
    /// )
    /// .unwrap();
    ///
    /// let discovery = PluginDiscovery::from_source(dir.path()).unwrap();
    /// let export = discovery.action("export-onnx").unwrap();
    /// assert_eq!(export.entrypoint, "my_plugin::tasks::export::export");
    /// assert_eq!(export.description, "Export the model.");
    /// assert_eq!(discovery.plugin().code, "my-plugin");
    /// ```
    pub fn from_source(crate_dir: impl AsRef<Path>) -> Result<PluginDiscovery, DiscoveryError> {
        discover(crate_dir.as_ref())
    }
}

fn discover(dir: &Path) -> Result<PluginDiscovery, DiscoveryError> {
    let package = manifest::read(dir)?;
    let roots = package
        .targets
        .iter()
        .map(|target| FileJob {
            child_dir: target.root.parent().map(Path::to_owned).unwrap_or_default(),
            path: target.root.clone(),
            module: vec![target.crate_name.clone()],
            declared_at: None,
        })
        .collect();
    let scans = scan_tree(roots)?;

    let mut plugins = scans.iter().flat_map(|scan| &scan.plugins);
    let declared = plugins.next();
    if let (Some(first), Some(second)) = (declared, plugins.next()) {
        return Err(DiscoveryError::DuplicatePlugin { first: first.at.to_string(), second: second.at.to_string() });
    }
    let plugin = PluginInfo {
        name: declared.and_then(|p| p.name.clone()).unwrap_or_else(|| package.name.clone()),
        code: package.name.clone(),
        version: package.version.clone(),
        description: declared.and_then(|p| p.description.clone()).unwrap_or_else(|| package.description.clone()),
        category: declared.and_then(|p| p.category).unwrap_or(Category::Custom),
    };

    let mut found: Vec<&FoundAction> = scans.iter().flat_map(|scan| &scan.actions).collect();
    found.sort_by(|a, b| (&a.action.name, &a.at).cmp(&(&b.action.name, &b.at)));
    if let Some(pair) = found.windows(2).find(|pair| pair[0].action.name == pair[1].action.name) {
        return Err(DiscoveryError::DuplicateAction {
            name: pair[0].action.name.clone(),
            first: pair[0].at.to_string(),
            second: pair[1].at.to_string(),
        });
    }
    let actions = found
        .into_iter()
        .map(|found| DiscoveredAction { category: found.category.unwrap_or(plugin.category), ..found.action.clone() })
        .collect();

    let mut files: Vec<PathBuf> = scans.iter().map(|scan| relative(dir, &scan.path)).collect();
    files.sort();
    files.dedup();
    let mut unreached: Vec<PathBuf> = Vec::new();
    collect_rust_files(&dir.join("src"), &mut unreached)?;
    let mut unreached: Vec<PathBuf> =
        unreached.iter().map(|path| relative(dir, path)).filter(|path| files.binary_search(path).is_err()).collect();
    unreached.sort();

    Ok(PluginDiscovery::with_origin(plugin, actions, Origin::Source { dir: dir.to_owned(), files, unreached }))
}

/// A file to read, and where it sits in its crate.
struct FileJob {
    path: PathBuf,
    /// The module path of the file's items, crate name first.
    module: Vec<String>,
    /// Where `mod name;` at the top of the file looks for `name.rs` and `name/mod.rs`.
    child_dir: PathBuf,
    /// The `mod` declaring this file (none for a crate root).
    declared_at: Option<Position>,
}

/// A place in a source file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Position {
    path: PathBuf,
    line: usize,
    column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

/// An action as found, before the plugin's category is known.
struct FoundAction {
    /// The action, its category not yet final.
    action: DiscoveredAction,
    /// The category it declares (the plugin's applies otherwise).
    category: Option<Category>,
    at: Position,
}

struct FoundPlugin {
    name: Option<String>,
    description: Option<String>,
    category: Option<Category>,
    at: Position,
}

/// What one file contributes.
struct FileScan {
    path: PathBuf,
    actions: Vec<FoundAction>,
    plugins: Vec<FoundPlugin>,
    children: Vec<FileJob>,
}
