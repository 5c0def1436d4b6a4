//! `PluginEnvironment`: typed configuration from environment variables and TOML files.
//!
//! The type, built in code or from a TOML file, and what it holds; the rest by concern: where a
//! value came from and what goes wrong (`error`), environment variables both ways, to and from
//! another process (`vars`), the typed getters (`getters`) and the text every value reads as
//! (`text`).

mod error;
mod getters;
mod text;
mod vars;

#[cfg(test)]
mod tests;

pub use error::{EnvError, Origin};
pub use vars::FORWARDED_VAR;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Configuration for an action: values from environment variables and TOML files, read
/// with typed getters.
///
/// ```
/// use synapse::PluginEnvironment;
///
/// let env = PluginEnvironment::from_vars([("PLUGIN_BATCH_SIZE", "64"), ("PLUGIN_DEBUG", "On"), ("HOME", "/root")], "PLUGIN_");
/// assert_eq!(env.get_int("BATCH_SIZE", 32).unwrap(), 64);
/// assert!(env.get_bool("DEBUG", false).unwrap());
/// assert_eq!(env.get_float("LEARNING_RATE", 0.001).unwrap(), 0.001);
/// assert!(!env.contains("HOME"));
///
/// let bad = PluginEnvironment::from_vars([("BATCH_SIZE", "lots")], "");
/// let error = bad.get_int("BATCH_SIZE", 32).unwrap_err();
/// assert_eq!(error.to_string(), "`BATCH_SIZE` (from environment variable `BATCH_SIZE`) must be an integer, got \"lots\"");
/// ```
///
/// # One rule: a value reads as its text
///
/// A value from a TOML file reads exactly as an environment variable holding its TOML text
/// would: a string is its content, anything else is written as TOML writes it (`3.0`, `nan`,
/// `true`, `1979-05-27T07:32:00Z`, `["a", 2]`, `{ a = 1 }`). The getters read that text:
///
/// | getter | accepts | e.g. |
/// |---|---|---|
/// | [`get_str`](Self::get_str) | every value: its text | `rate = 3.0` → `"3.0"`; `when = 1979-05-27T07:32:00Z` → `"1979-05-27T07:32:00Z"`; `t = { a = 1 }` → `"{ a = 1 }"` |
/// | [`get_int`](Self::get_int) | text that is a decimal integer | `3` → 3; `3.0` is an error |
/// | [`get_float`](Self::get_float) | text that is a number (`inf`, `nan` too) | `3` → 3.0; `3.0` → 3.0 |
/// | [`get_bool`](Self::get_bool) | `true/false`, `1/0`, `yes/no`, `on/off`, any case | `true`, `"On"`, `1` |
/// | [`get_list`](Self::get_list) | a TOML array (its items' texts), a table is an error, anything else is split on commas | `["x, y", 2]` → `x, y` and `2`; `"a, b"` → `a` and `b`; `3.5` → `3.5` |
///
/// So a value gives the same answer, and the same error, whether it comes from a file or from
/// a variable, and in every execution mode: a run in another process, a Ray job or a resident
/// worker gets the file's values as environment variables holding their text (for code that
/// reads the environment directly), and as [`FORWARDED_VAR`], which brings each back typed and
/// naming the file it came from ([`to_vars`](Self::to_vars), [`from_environ`](Self::from_environ)).
///
/// Cloning is cheap (the values are shared until one clone is modified).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PluginEnvironment {
    values: Arc<BTreeMap<String, (toml::Value, Origin)>>,
}

impl PluginEnvironment {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// The top-level keys of a TOML file; nested tables stay nested values.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, EnvError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EnvError::Read { path: path.to_owned(), source })?;
        Self::from_toml(&text, path)
    }

    fn from_toml(text: &str, path: &Path) -> Result<Self, EnvError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let table: toml::Table = text.parse().map_err(|error: toml::de::Error| EnvError::Toml {
            path: path.to_owned(),
            message: error.to_string().trim().to_owned(),
        })?;
        let values = table.into_iter().map(|(key, value)| (key, (value, Origin::File(path.to_owned())))).collect();
        Ok(PluginEnvironment { values: Arc::new(values) })
    }

    /// Sets `key` (from code).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<toml::Value>) {
        Arc::make_mut(&mut self.values).insert(key.into(), (value.into(), Origin::Code));
    }

    /// `self` with `other`'s values added; where both have a key, `other` wins.
    ///
    /// ```
    /// use synapse::PluginEnvironment;
    /// let mut a = PluginEnvironment::new();
    /// a.insert("A", 1);
    /// a.insert("B", 1);
    /// let mut b = PluginEnvironment::new();
    /// b.insert("B", 2);
    /// let merged = a.merge(&b);
    /// assert_eq!(merged.get_int("A", 0).unwrap(), 1);
    /// assert_eq!(merged.get_int("B", 0).unwrap(), 2);
    /// ```
    pub fn merge(&self, other: &PluginEnvironment) -> PluginEnvironment {
        let mut merged = self.clone();
        Arc::make_mut(&mut merged.values).extend(other.values.iter().map(|(k, v)| (k.clone(), v.clone())));
        merged
    }

    /// The value of `key` as its source holds it: typed from a TOML file, a string from an
    /// environment variable. The typed getters read both alike (see the [type docs](Self)).
    pub fn get(&self, key: &str) -> Option<&toml::Value> {
        self.values.get(key).map(|(value, _)| value)
    }

    /// Where the value of `key` came from.
    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.values.get(key).map(|(_, origin)| origin)
    }

    /// True when `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// How many keys are set.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}
