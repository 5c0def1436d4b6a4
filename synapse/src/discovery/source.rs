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

use super::manifest::{self, line_column};
use super::{DiscoveredAction, DiscoveryError, Origin, PluginDiscovery};
use crate::action::{Category, RunMethod};
use crate::registry::PluginInfo;
use proc_macro2::Span;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::action::{self, Action, ActionArgs, ResolvedAction};
use synapse_macros_core::plugin::PluginArgs;
use synapse_macros_core::symbol::{ACTION, PLUGIN, Symbol};
use synapse_macros_core::vocabulary::Term;

/// How deep `mod` declarations may nest before a `#[path]` cycle is assumed.
const MAX_DEPTH: usize = 64;

/// Stack size of the parsing threads (deeply nested expressions recurse deeply in `syn`).
const STACK_SIZE: usize = 8 * 1024 * 1024;

pub(super) fn discover(dir: &Path) -> Result<PluginDiscovery, DiscoveryError> {
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

/// Reads every file of the module trees below `roots`, level by level.
fn scan_tree(roots: Vec<FileJob>) -> Result<Vec<FileScan>, DiscoveryError> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8);
    let mut frontier = roots;
    let mut scans = Vec::new();
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for result in scan_level(&frontier, workers) {
            let mut scan = result?;
            next.append(&mut scan.children);
            scans.push(scan);
        }
        frontier = next;
    }
    Ok(scans)
}

/// Scans `jobs` on up to `workers` threads; the results are in the order of `jobs`.
fn scan_level(jobs: &[FileJob], workers: usize) -> Vec<Result<FileScan, DiscoveryError>> {
    let chunk_size = jobs.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(chunk_size)
            .map(|chunk| {
                let handle = std::thread::Builder::new()
                    .name("synapse-discovery".to_owned())
                    .stack_size(STACK_SIZE)
                    .spawn_scoped(scope, move || chunk.iter().map(scan_file).collect::<Vec<_>>());
                (chunk, handle)
            })
            .collect();
        let mut results = Vec::with_capacity(jobs.len());
        for (chunk, handle) in handles {
            match handle {
                Ok(handle) => match handle.join() {
                    Ok(scans) => results.extend(scans),
                    Err(panic) => std::panic::resume_unwind(panic),
                },
                // No thread to be had: do the work here.
                Err(_) => results.extend(chunk.iter().map(scan_file)),
            }
        }
        results
    })
}

fn scan_file(job: &FileJob) -> Result<FileScan, DiscoveryError> {
    let text = std::fs::read_to_string(&job.path).map_err(|source| match &job.declared_at {
        Some(at) if source.kind() == std::io::ErrorKind::NotFound => DiscoveryError::Module {
            path: at.path.clone(),
            line: at.line,
            column: at.column,
            module: job.module.last().cloned().unwrap_or_default(),
            message: format!("its file `{}` does not exist", job.path.display()),
        },
        _ => DiscoveryError::Read { path: job.path.clone(), source },
    })?;
    let file = syn::parse_file(&text).map_err(|error| syntax_error(&job.path, &text, &error))?;
    let mut scan = FileScan { path: job.path.clone(), actions: Vec::new(), plugins: Vec::new(), children: Vec::new() };
    let file_dir = job.path.parent().map(Path::to_owned).unwrap_or_default();
    let mut walker = Walker { path: &job.path, scan: &mut scan };
    let mut module = job.module.clone();
    walker.items(&file.items, &mut module, &job.child_dir, &file_dir)?;
    Ok(scan)
}

fn syntax_error(path: &Path, text: &str, error: &syn::Error) -> DiscoveryError {
    let mut message = error.to_string();
    if message == "cannot parse string into token stream" {
        // The lexer's words: it stopped at a token it cannot read or a delimiter that does not match.
        message = "unbalanced delimiter or invalid token".to_owned();
    }
    let (line, column) = if message.starts_with("unexpected end of input") {
        // syn reports the end of input at no token at all: point just past the last one.
        line_column(text, text.trim_end().len())
    } else {
        position_of(error.span())
    };
    DiscoveryError::Syntax { path: path.to_owned(), line, column, message }
}

/// The 1-based line and column of the start of `span`.
fn position_of(span: Span) -> (usize, usize) {
    let start = span.start();
    if start.line == 0 { (1, 1) } else { (start.line, start.column + 1) }
}

/// Walks the items of one file, tracking the module path and where `mod` files are.
struct Walker<'a> {
    path: &'a Path,
    scan: &'a mut FileScan,
}

impl Walker<'_> {
    fn at(&self, span: Span) -> Position {
        let (line, column) = position_of(span);
        Position { path: self.path.to_owned(), line, column }
    }

    /// `child_dir`: where `mod name;` looks for its file; `path_base`: what `#[path]` is
    /// relative to (they differ at the top of a non-`mod.rs` file).
    fn items(
        &mut self,
        items: &[syn::Item],
        module: &mut Vec<String>,
        child_dir: &Path,
        path_base: &Path,
    ) -> Result<(), DiscoveryError> {
        for item in items {
            let attrs = item_attrs(item);
            if attrs.iter().any(is_cfg_test) {
                continue;
            }
            for attr in attrs.iter().filter(|a| is_synapse_path(a.path(), ACTION)) {
                self.action(attr, item, module)?;
            }
            match item {
                syn::Item::Mod(item) => self.module(item, module, child_dir, path_base)?,
                syn::Item::Macro(item) if is_synapse_path(&item.mac.path, PLUGIN) => self.plugin(item)?,
                _ => {}
            }
        }
        Ok(())
    }

    fn invalid(&self, span: Span, message: impl Into<String>) -> DiscoveryError {
        let at = self.at(span);
        DiscoveryError::InvalidAttribute { path: at.path, line: at.line, column: at.column, message: message.into() }
    }

    /// Turns the errors the macro front end recorded into one error, at the first problem
    /// (or at `fallback` when the problem has no place of its own, like a missing value).
    fn problems(&self, errors: Errors, fallback: Span) -> Result<(), DiscoveryError> {
        let Err(error) = errors.check() else {
            return Ok(());
        };
        let fallback = self.at(fallback);
        let mut at = None;
        let mut messages = Vec::new();
        for error in error {
            let position = self.at(error.span());
            if at.is_none() {
                at = Some(if position.line < fallback.line { fallback.clone() } else { position });
            }
            messages.push(error.to_string());
        }
        let at = at.unwrap_or(fallback);
        Err(DiscoveryError::InvalidAttribute {
            path: at.path,
            line: at.line,
            column: at.column,
            message: messages.join("\n"),
        })
    }

    /// Reads an `#[action]` through the macro's own model and check, so discovery accepts
    /// exactly what compiles.
    fn action(&mut self, attr: &syn::Attribute, item: &syn::Item, module: &[String]) -> Result<(), DiscoveryError> {
        let errors = Errors::new();
        let action = Action::new(ActionArgs::from_attribute(&errors, attr), item);
        action::check(&errors, &action);
        self.problems(errors, attr.span())?;
        let (Some(ident), Some(resolved)) = (action.ident(), action.resolve()) else {
            return Ok(());
        };
        let ResolvedAction { name, category, description, method, input_type, output_type } = resolved;
        let category = match category {
            Some(term) => Some(category_of(term).ok_or_else(|| self.invalid(attr.span(), unknown("category", term)))?),
            None => None,
        };
        let method = method_of(method).ok_or_else(|| self.invalid(attr.span(), unknown("method", method)))?;
        let entrypoint = format!("{}::{ident}", module.join("::"));
        let action = DiscoveredAction {
            name,
            description,
            category: category.unwrap_or(Category::Custom),
            method,
            input_type,
            output_type,
            entrypoint,
        };
        self.scan.actions.push(FoundAction { action, category, at: self.at(attr.span()) });
        Ok(())
    }

    fn plugin(&mut self, item: &syn::ItemMacro) -> Result<(), DiscoveryError> {
        let errors = Errors::new();
        let args = PluginArgs::parse(&errors, item.mac.tokens.clone());
        let span = item.mac.path.span();
        self.problems(errors, span)?;
        let category = match args.category {
            Some(term) => Some(category_of(term).ok_or_else(|| self.invalid(span, unknown("category", term)))?),
            None => None,
        };
        self.scan.plugins.push(FoundPlugin {
            name: args.name.map(|lit| lit.value()),
            description: args.description.map(|lit| lit.value()),
            category,
            at: self.at(span),
        });
        Ok(())
    }

    fn module(
        &mut self,
        item: &syn::ItemMod,
        module: &mut Vec<String>,
        child_dir: &Path,
        path_base: &Path,
    ) -> Result<(), DiscoveryError> {
        // Files are named without `r#`; `module_path!()` keeps it.
        let name = item.ident.unraw().to_string();
        let segment = item.ident.to_string();
        let at = self.at(item.ident.span());
        if module.len() > MAX_DEPTH {
            return Err(DiscoveryError::Module {
                path: at.path,
                line: at.line,
                column: at.column,
                module: name,
                message: format!(
                    "modules nest more than {MAX_DEPTH} deep here; does a `#[path]` attribute include a file in itself?"
                ),
            });
        }
        let path_attr = path_attribute(&item.attrs);
        if let Some((_, items)) = &item.content {
            // For an inline module, `#[path]` names its directory.
            let dir = match path_attr {
                Some(path) => path_base.join(path),
                None => child_dir.join(&name),
            };
            module.push(segment);
            let result = self.items(items, module, &dir, &dir);
            module.pop();
            return result;
        }
        let (file, dir) = match path_attr {
            // A `#[path]` file is read as if it were a `mod.rs`: its modules are its siblings.
            Some(path) => {
                let file = path_base.join(path);
                let dir = file.parent().map(Path::to_owned).unwrap_or_default();
                (file, dir)
            }
            None => {
                let flat = child_dir.join(format!("{name}.rs"));
                let nested = child_dir.join(&name).join("mod.rs");
                let file = match (flat.is_file(), nested.is_file()) {
                    (true, false) => flat,
                    (false, true) => nested,
                    (found, _) => {
                        let message = if found {
                            format!(
                                "its file is ambiguous: both `{}` and `{}` exist; delete one",
                                flat.display(),
                                nested.display()
                            )
                        } else {
                            format!("no file for it: expected `{}` or `{}`", flat.display(), nested.display())
                        };
                        return Err(DiscoveryError::Module {
                            path: at.path,
                            line: at.line,
                            column: at.column,
                            module: name,
                            message,
                        });
                    }
                };
                (file, child_dir.join(&name))
            }
        };
        let mut child_module = module.clone();
        child_module.push(segment);
        self.scan.children.push(FileJob { path: file, module: child_module, child_dir: dir, declared_at: Some(at) });
        Ok(())
    }
}

fn unknown(what: &str, term: Term) -> String {
    format!("unknown {what} `{}`", term.ident)
}

fn category_of(term: Term) -> Option<Category> {
    Category::ALL.iter().copied().find(|category| category.as_str() == term.value)
}

fn method_of(term: Term) -> Option<RunMethod> {
    RunMethod::ALL.iter().copied().find(|method| method.as_str() == term.value)
}

/// `action`, `synapse::action`, `::synapse::action` (and the same for `plugin`).
fn is_synapse_path(path: &syn::Path, name: Symbol) -> bool {
    let mut segments = path.segments.iter().map(|segment| &segment.ident);
    match (segments.next(), segments.next_back()) {
        (Some(only), None) => path.leading_colon.is_none() && *only == name,
        (Some(first), Some(last)) => first == "synapse" && *last == name,
        _ => false,
    }
}

fn is_cfg_test(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("cfg") && matches!(&attr.meta, syn::Meta::List(list) if list.tokens.to_string() == "test")
}

/// The value of a `#[path = "…"]` attribute.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().filter(|attr| attr.path().is_ident("path")).find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(syn::MetaNameValue {
            value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(path), .. }),
            ..
        }) => Some(path.value()),
        _ => None,
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(item) => &item.attrs,
        syn::Item::Enum(item) => &item.attrs,
        syn::Item::ExternCrate(item) => &item.attrs,
        syn::Item::Fn(item) => &item.attrs,
        syn::Item::ForeignMod(item) => &item.attrs,
        syn::Item::Impl(item) => &item.attrs,
        syn::Item::Macro(item) => &item.attrs,
        syn::Item::Mod(item) => &item.attrs,
        syn::Item::Static(item) => &item.attrs,
        syn::Item::Struct(item) => &item.attrs,
        syn::Item::Trait(item) => &item.attrs,
        syn::Item::TraitAlias(item) => &item.attrs,
        syn::Item::Type(item) => &item.attrs,
        syn::Item::Union(item) => &item.attrs,
        syn::Item::Use(item) => &item.attrs,
        _ => &[],
    }
}

/// Every `.rs` file below `dir` (nothing when it does not exist).
fn collect_rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), DiscoveryError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(DiscoveryError::Read { path: dir.to_owned(), source }),
    };
    for entry in entries {
        let entry = entry.map_err(|source| DiscoveryError::Read { path: dir.to_owned(), source })?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| DiscoveryError::Read { path: path.clone(), source })?;
        if kind.is_dir() {
            collect_rust_files(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `path` relative to `dir`, with `.` and `..` resolved lexically.
fn relative(dir: &Path, path: &Path) -> PathBuf {
    let (dir, path) = (normalize(dir), normalize(path));
    path.strip_prefix(&dir).map(Path::to_owned).unwrap_or(path)
}

fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_synapse_paths() {
        let path = |text: &str| syn::parse_str::<syn::Path>(text).unwrap();
        assert!(is_synapse_path(&path("action"), ACTION));
        assert!(is_synapse_path(&path("synapse::action"), ACTION));
        assert!(is_synapse_path(&path("::synapse::action"), ACTION));
        assert!(!is_synapse_path(&path("other::action"), ACTION));
        assert!(!is_synapse_path(&path("::action"), ACTION));
        assert!(!is_synapse_path(&path("actions"), ACTION));
    }

    #[test]
    fn normalizes_lexically() {
        assert_eq!(normalize(Path::new("a/./b/../c.rs")), Path::new("a/c.rs"));
        assert_eq!(relative(Path::new("./p"), Path::new("p/src/x/../y.rs")), Path::new("src/y.rs"));
    }
}
