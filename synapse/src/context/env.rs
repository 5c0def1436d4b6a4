//! `PluginEnvironment`: typed configuration from environment variables and TOML files.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

    /// The process environment variables whose names start with `prefix`, with the prefix
    /// removed. An empty prefix takes every variable (beware of forwarding credentials).
    pub fn from_environ(prefix: &str) -> Self {
        let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::from_vars(vars, prefix)
    }

    /// Like [`from_environ`](Self::from_environ), over the given variables.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>, prefix: &str) -> Self {
        let mut values = BTreeMap::new();
        for (name, value) in vars {
            let name = name.as_ref();
            if let Some(key) = name.strip_prefix(prefix).filter(|k| !k.is_empty()) {
                values.insert(key.to_owned(), (toml::Value::String(value.into()), Origin::Environ(name.to_owned())));
            }
        }
        PluginEnvironment { values: Arc::new(values) }
    }

    /// The top-level keys of a TOML file; nested tables stay nested values.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, EnvError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| EnvError::Read { path: path.to_owned(), source })?;
        Self::from_toml(&text, path)
    }

    fn from_toml(text: &str, path: &Path) -> Result<Self, EnvError> {
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

    /// The raw value of `key`.
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

    /// Every value as a string, for passing on as environment variables (scalars as written;
    /// arrays and tables as TOML).
    pub fn to_vars(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(key, (value, _))| {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect()
    }

    fn wrong(&self, key: &str, expected: &'static str, value: &toml::Value) -> EnvError {
        EnvError::WrongType {
            key: key.to_owned(),
            origin: self.origin(key).cloned().unwrap_or(Origin::Code),
            expected,
            found: render(value),
        }
    }

    /// `key` as a string (numbers and booleans are written out), or `default` when unset.
    pub fn get_str(&self, key: &str, default: &str) -> Result<String, EnvError> {
        match self.get(key) {
            None => Ok(default.to_owned()),
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(toml::Value::Integer(i)) => Ok(i.to_string()),
            Some(toml::Value::Float(f)) => Ok(f.to_string()),
            Some(toml::Value::Boolean(b)) => Ok(b.to_string()),
            Some(other) => Err(self.wrong(key, "a string", other)),
        }
    }

    /// `key` as an integer, or `default` when unset.
    pub fn get_int(&self, key: &str, default: i64) -> Result<i64, EnvError> {
        match self.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) => Ok(*i),
            Some(value @ toml::Value::String(s)) => s.trim().parse().map_err(|_| self.wrong(key, "an integer", value)),
            Some(other) => Err(self.wrong(key, "an integer", other)),
        }
    }

    /// `key` as a float, or `default` when unset.
    pub fn get_float(&self, key: &str, default: f64) -> Result<f64, EnvError> {
        match self.get(key) {
            None => Ok(default),
            Some(toml::Value::Float(f)) => Ok(*f),
            Some(toml::Value::Integer(i)) => Ok(*i as f64),
            Some(value @ toml::Value::String(s)) => s.trim().parse().map_err(|_| self.wrong(key, "a number", value)),
            Some(other) => Err(self.wrong(key, "a number", other)),
        }
    }

    /// `key` as a boolean (`true/false`, `1/0`, `yes/no`, `on/off`, any case), or `default`.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, EnvError> {
        const EXPECTED: &str = "a boolean (true/false, 1/0, yes/no, on/off)";
        match self.get(key) {
            None => Ok(default),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(toml::Value::Integer(1)) => Ok(true),
            Some(toml::Value::Integer(0)) => Ok(false),
            Some(value @ toml::Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(self.wrong(key, EXPECTED, value)),
            },
            Some(other) => Err(self.wrong(key, EXPECTED, other)),
        }
    }

    /// `key` as a list: a TOML array of scalars (in a file, or as the text of an environment
    /// variable: `TAGS='["a", "b"]'`), or a comma-separated string (items trimmed, empty items
    /// dropped); `default` when unset.
    pub fn get_list(&self, key: &str, default: &[&str]) -> Result<Vec<String>, EnvError> {
        match self.get(key) {
            None => Ok(default.iter().map(|s| (*s).to_owned()).collect()),
            Some(toml::Value::String(s)) if s.trim_start().starts_with('[') => {
                // An array written as TOML in an environment variable (or forwarded by `to_vars`).
                let parsed = toml::from_str::<toml::Table>(&format!("list = {s}"))
                    .ok()
                    .and_then(|mut table| table.remove("list"));
                match parsed {
                    Some(array @ toml::Value::Array(_)) => self.list_of(key, &array),
                    _ => Err(self.wrong(
                        key,
                        "a list (a TOML array or comma-separated text)",
                        &toml::Value::String(s.clone()),
                    )),
                }
            }
            Some(toml::Value::String(s)) => {
                Ok(s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            }
            Some(value @ toml::Value::Array(_)) => self.list_of(key, value),
            Some(other) => Err(self.wrong(key, "a list (a TOML array or comma-separated text)", other)),
        }
    }

    fn list_of(&self, key: &str, value: &toml::Value) -> Result<Vec<String>, EnvError> {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => Ok(s.clone()),
                toml::Value::Integer(i) => Ok(i.to_string()),
                toml::Value::Float(f) => Ok(f.to_string()),
                toml::Value::Boolean(b) => Ok(b.to_string()),
                _ => Err(self.wrong(key, "a list of scalars", value)),
            })
            .collect()
    }
}

fn render(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Array(_) => "an array".into(),
        toml::Value::Table(_) => "a table".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> PluginEnvironment {
        PluginEnvironment::from_vars(pairs.iter().copied(), "")
    }

    #[test]
    fn prefix_is_stripped_and_filters() {
        let env = PluginEnvironment::from_vars([("P_A", "1"), ("Q_B", "2"), ("P_", "x")], "P_");
        assert_eq!(env.keys().collect::<Vec<_>>(), ["A"]);
        assert_eq!(env.origin("A"), Some(&Origin::Environ("P_A".into())));
    }

    #[test]
    fn booleans_accept_every_spelling() {
        for yes in ["true", "TRUE", "1", "yes", "Yes", "on", "ON", " on "] {
            assert!(env(&[("K", yes)]).get_bool("K", false).unwrap(), "{yes}");
        }
        for no in ["false", "False", "0", "no", "NO", "off", "Off"] {
            assert!(!env(&[("K", no)]).get_bool("K", true).unwrap(), "{no}");
        }
        let error = env(&[("K", "maybe")]).get_bool("K", false).unwrap_err();
        assert!(error.to_string().contains("must be a boolean"), "{error}");
    }

    #[test]
    fn defaults_apply_only_when_missing() {
        let env = env(&[("N", "")]);
        assert_eq!(env.get_int("MISSING", 7).unwrap(), 7);
        assert!(env.get_int("N", 7).is_err(), "an empty string is not an integer");
        assert_eq!(env.get_list("MISSING", &["a"]).unwrap(), ["a"]);
        assert_eq!(env.get_str("MISSING", "d").unwrap(), "d");
    }

    #[test]
    fn lists_split_commas_or_take_arrays() {
        assert_eq!(env(&[("T", " a, b,,c ")]).get_list("T", &[]).unwrap(), ["a", "b", "c"]);
        let file = PluginEnvironment::from_toml("T = [\"x\", 2, true]\nN = { a = 1 }", Path::new("c.toml")).unwrap();
        assert_eq!(file.get_list("T", &[]).unwrap(), ["x", "2", "true"]);
        let error = file.get_list("N", &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`N` (from file `c.toml`) must be a list (a TOML array or comma-separated text), got a table"
        );
    }

    #[test]
    fn forwarded_values_read_back_the_same() {
        let file =
            PluginEnvironment::from_toml("T = [\"x, y\", 2]\nN = 3\nB = true\nS = \"s\"", Path::new("c.toml")).unwrap();
        let forwarded = PluginEnvironment::from_vars(file.to_vars(), "");
        assert_eq!(forwarded.get_list("T", &[]).unwrap(), ["x, y", "2"]);
        assert_eq!(forwarded.get_int("N", 0).unwrap(), 3);
        assert!(forwarded.get_bool("B", false).unwrap());
        assert_eq!(forwarded.get_str("S", "").unwrap(), "s");
        let error = env(&[("T", "[1, ")]).get_list("T", &[]).unwrap_err();
        assert!(error.to_string().contains("must be a list"), "{error}");
    }

    #[test]
    fn toml_values_keep_their_types() {
        let file =
            PluginEnvironment::from_toml("rate = 0.5\nepochs = 3\ndebug = true\nname = \"x\"", Path::new("c.toml"))
                .unwrap();
        assert_eq!(file.get_float("rate", 0.0).unwrap(), 0.5);
        assert_eq!(file.get_float("epochs", 0.0).unwrap(), 3.0);
        assert_eq!(file.get_int("epochs", 0).unwrap(), 3);
        assert!(file.get_int("rate", 0).is_err());
        assert_eq!(file.get_str("epochs", "").unwrap(), "3");
        assert!(file.get_bool("debug", false).unwrap());
    }

    #[test]
    fn bad_toml_reports_line_and_column() {
        let error = PluginEnvironment::from_toml("a = [1,", Path::new("bad.toml")).unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("environment file `bad.toml` is not valid TOML"), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let error = PluginEnvironment::from_file("/nonexistent/env.toml").unwrap_err();
        assert!(matches!(error, EnvError::Read { .. }));
    }

    #[test]
    fn merge_right_wins_and_keeps_left() {
        let left = env(&[("A", "1"), ("B", "1")]);
        let right = env(&[("B", "2"), ("C", "2")]);
        let merged = left.merge(&right);
        assert_eq!(merged.to_vars(), [("A".into(), "1".into()), ("B".into(), "2".into()), ("C".into(), "2".into())]);
    }
}
