//! Where a value came from ([`Origin`]), and the configuration problems that name it
//! ([`EnvError`]).

use std::fmt;
use std::path::PathBuf;

/// Where a value came from, so an error can say which variable or file to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The environment variable of that name.
    Environ(String),
    /// A TOML file.
    File(PathBuf),
    /// Set in code.
    Code,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Environ(var) => write!(f, "environment variable `{var}`"),
            Origin::File(path) => write!(f, "file `{}`", path.display()),
            Origin::Code => f.write_str("code"),
        }
    }
}

/// A configuration problem, naming the key and where its value came from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EnvError {
    /// A value of the wrong type.
    #[error("`{key}` (from {origin}) must be {expected}, got {found}")]
    WrongType {
        /// The key.
        key: String,
        /// Where its value came from.
        origin: Origin,
        /// What was expected: "an integer", "a boolean (true/false, 1/0, yes/no, on/off)", …
        expected: &'static str,
        /// The value found, rendered.
        found: String,
    },
    /// The file could not be read.
    #[error("cannot read environment file `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("environment file `{}` is not valid TOML: {message}", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
}
