//! Reading one file: parsing it (a syntax error names its line and column), then walking its
//! items as the compiler and the macros would: each `#[action]` and `plugin!` read and checked by
//! the macros' own front end, each `mod` followed (inline, or to the file `tree` reads next).

use super::attributes::{is_cfg_test, is_synapse_path, item_attrs, path_attribute};
use super::{FileJob, FileScan, FoundAction, FoundPlugin, Position};
use crate::action::{Category, RunMethod};
use crate::discovery::manifest::line_column;
use crate::discovery::{DiscoveredAction, DiscoveryError};
use proc_macro2::Span;
use std::path::Path;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use synapse_macros_core::Errors;
use synapse_macros_core::action::{self, Action, ActionArgs, ResolvedAction};
use synapse_macros_core::plugin::PluginArgs;
use synapse_macros_core::symbol::{ACTION, PLUGIN};
use synapse_macros_core::vocabulary::Term;

/// How deep `mod` declarations may nest before a `#[path]` cycle is assumed.
const MAX_DEPTH: usize = 64;

pub(super) fn scan_file(job: &FileJob) -> Result<FileScan, DiscoveryError> {
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
