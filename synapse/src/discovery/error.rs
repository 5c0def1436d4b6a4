//! Why a plugin could not be discovered.

use crate::config::ConfigError;
use std::path::{Path, PathBuf};

/// Why a plugin could not be discovered from its `config.yaml` or its source.
///
/// Every problem with a file names the file, and the line and column when they are known:
///
/// ```
/// use synapse::discovery::{DiscoveryError, PluginDiscovery};
///
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::create_dir(dir.path().join("src")).unwrap();
/// std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n").unwrap();
/// std::fs::write(dir.path().join("src/lib.rs"), "#[action]\npub struct Broken\n").unwrap();
///
/// let error = PluginDiscovery::from_source(dir.path()).unwrap_err();
/// assert!(matches!(error, DiscoveryError::Syntax { line: 2, column: 18, .. }), "{error}");
/// assert!(error.to_string().contains("lib.rs:2:18: syntax error: "), "{error}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The `config.yaml` could not be found, read or validated.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file (or directory).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// `Cargo.toml` is not valid TOML or does not describe a package.
    #[error("{}{}: {message}", path.display(), position(*line, *column))]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// The 1-based line of the problem, when known.
        line: Option<usize>,
        /// The 1-based column of the problem, when known.
        column: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// The package has neither a library nor a binary target.
    #[error("`{}` has no crate to read: no src/lib.rs, no src/main.rs and no [lib] or [[bin]] target", dir.display())]
    NoTargets {
        /// The package directory.
        dir: PathBuf,
    },
    /// A source file is not valid Rust.
    #[error("{}:{line}:{column}: syntax error: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// An `#[action(...)]` or `plugin!(...)` has arguments the macro would reject.
    #[error("{}:{line}:{column}: {message}", path.display())]
    InvalidAttribute {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column.
        column: usize,
        /// Every problem, as the macro reports it (one per line).
        message: String,
    },
    /// A `mod name;` whose file cannot be determined: missing, ambiguous, or included in itself.
    #[error("{}:{line}:{column}: module `{module}`: {message}", path.display())]
    Module {
        /// The file declaring the module.
        path: PathBuf,
        /// The 1-based line of the declaration.
        line: usize,
        /// The 1-based column of the declaration.
        column: usize,
        /// The module's name.
        module: String,
        /// What is wrong, and where its file was looked for.
        message: String,
    },
    /// Two actions of the plugin share a name.
    #[error("two actions are named `{name}`: one at {first}, one at {second}; give one of them another `name = \"…\"`")]
    DuplicateAction {
        /// The shared name.
        name: String,
        /// One definition, `file:line:column`.
        first: String,
        /// The other, `file:line:column`.
        second: String,
    },
    /// `synapse::plugin!` appears more than once.
    #[error("`synapse::plugin!` is declared twice: at {first} and at {second}")]
    DuplicatePlugin {
        /// One declaration, `file:line:column`.
        first: String,
        /// The other, `file:line:column`.
        second: String,
    },
}

impl DiscoveryError {
    /// The file the problem is in, when it is in one.
    ///
    /// ```
    /// use synapse::discovery::PluginDiscovery;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"demo\"\nversion = 1\n").unwrap();
    /// let error = PluginDiscovery::from_source(dir.path()).unwrap_err();
    /// assert_eq!(error.file(), Some(dir.path().join("Cargo.toml").as_path()));
    /// assert_eq!(error.line(), None, "{error}");
    ///
    /// let error = PluginDiscovery::from_config(dir.path()).unwrap_err();
    /// assert_eq!(error.file(), None, "{error}");
    /// ```
    pub fn file(&self) -> Option<&Path> {
        match self {
            DiscoveryError::Config(ConfigError::Read { path, .. } | ConfigError::Invalid { path, .. }) => Some(path),
            DiscoveryError::Read { path, .. }
            | DiscoveryError::Manifest { path, .. }
            | DiscoveryError::Syntax { path, .. }
            | DiscoveryError::InvalidAttribute { path, .. }
            | DiscoveryError::Module { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The 1-based line of the problem, when it is known.
    pub fn line(&self) -> Option<usize> {
        match self {
            DiscoveryError::Config(ConfigError::Invalid { line, .. }) => line.and_then(|l| usize::try_from(l).ok()),
            DiscoveryError::Manifest { line, .. } => *line,
            DiscoveryError::Syntax { line, .. }
            | DiscoveryError::InvalidAttribute { line, .. }
            | DiscoveryError::Module { line, .. } => Some(*line),
            _ => None,
        }
    }
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}
