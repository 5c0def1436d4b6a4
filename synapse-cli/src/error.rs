//! [`CliError`]: what `synapse` says when it cannot do what it was asked, naming what and where.

use std::path::PathBuf;

/// A failure of a `synapse` command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A plugin name that cannot be both a crate name and a plugin code.
    #[error(
        "`{name}` cannot name a plugin: {reason}; a name is a lowercase letter, then lowercase letters, digits, `-` or `_` (at most 64), e.g. `yolo-trainer`"
    )]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A category that is not one of the platform's.
    #[error("`{given}` is not a plugin category; the categories are: {}", valid.join(", "))]
    UnknownCategory {
        /// The category given.
        given: String,
        /// The categories there are.
        valid: Vec<&'static str>,
    },
    /// `synapse new` into a directory that has files already.
    #[error("{} exists and is not empty: choose another name or `--dir`, or empty it", dir.display())]
    DirNotEmpty {
        /// The directory.
        dir: PathBuf,
    },
    /// `synapse new` into a path that is a file.
    #[error("{} is a file, not a directory: choose another name or `--dir`", path.display())]
    NotADirectory {
        /// The path.
        path: PathBuf,
    },
    /// A value that is neither given nor asked for (standard input is not a terminal).
    #[error("{what} is missing: {hint}")]
    Missing {
        /// What is missing.
        what: &'static str,
        /// How to give it.
        hint: String,
    },
    /// A file or directory that could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A command (`cargo build`, the plugin binary) that could not start or failed.
    #[error("`{command}` in {} {outcome}", dir.display())]
    Command {
        /// The command line.
        command: String,
        /// Where it ran.
        dir: PathBuf,
        /// How it ended, with what it said when that helps.
        outcome: String,
    },
    /// `publish` of a plugin whose `config.yaml` does not match its code.
    #[error(
        "{}'s config.yaml does not match the plugin's code: {detail}\n\
         config.yaml is generated (its name, version and description from Cargo.toml, its actions from \
         the code): change those, then write it anew with `cargo run -- config --write` in {0}",
        dir.display()
    )]
    StaleConfig {
        /// The plugin directory.
        dir: PathBuf,
        /// What differs, as the plugin's `config --check` says it.
        detail: String,
    },
    /// A directory that is not a plugin crate.
    #[error("{} is not a plugin crate: {reason}", dir.display())]
    NotAPlugin {
        /// The directory.
        dir: PathBuf,
        /// What is missing.
        reason: String,
    },
    /// The backend could not be configured, reached, or refused the request.
    #[error("{what}: {source}")]
    Backend {
        /// What was being done.
        what: String,
        /// The backend's error (with the server's message for a refusal); boxed, it is large.
        source: Box<synapse::backend::BackendError>,
    },
    /// The plugin package could not be built.
    #[error("packaging the plugin: {0}")]
    Package(#[from] synapse::executor::ray::PackageError),
    /// A prompt that could not be shown or read.
    #[error("asking for {what}: {source}")]
    Prompt {
        /// What was asked.
        what: &'static str,
        /// Why it failed.
        source: dialoguer::Error,
    },
    /// The dev backend could not start or stop.
    #[error("the dev backend: {0}")]
    DevBackend(#[from] synapse_dev_backend::Error),
}

impl CliError {
    /// An [`Io`](CliError::Io) error of `what` at `path`.
    pub fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.into();
        move |source| CliError::Io { what, path, source }
    }
}
