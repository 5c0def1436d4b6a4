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

/// The environment variable that carries a run's file values to another process (see
/// [`PluginEnvironment::to_vars`]): a JSON object mapping each key to its file and its value as
/// TOML text, `{"rate": {"file": "/srv/cfg.toml", "toml": "3.0"}}`.
pub const FORWARDED_VAR: &str = "SYNAPSE_ENV_FILE_VALUES";

/// A file value on its way to another process (the entries of [`FORWARDED_VAR`]).
#[derive(serde::Serialize, serde::Deserialize)]
struct Forwarded {
    file: PathBuf,
    toml: String,
}

impl PluginEnvironment {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// The process environment variables whose names start with `prefix`, with the prefix
    /// removed. An empty prefix takes every variable (beware of forwarding credentials).
    ///
    /// File values forwarded by the process that started this one ([`FORWARDED_VAR`]) come
    /// back as they were in the file: typed, and naming it.
    pub fn from_environ(prefix: &str) -> Self {
        let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        Self::from_vars(vars, prefix)
    }

    /// Like [`from_environ`](Self::from_environ), over the given variables.
    pub fn from_vars<K: AsRef<str>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>, prefix: &str) -> Self {
        let mut values = BTreeMap::new();
        let mut forwarded = None;
        for (name, value) in vars {
            let name = name.as_ref();
            if name == FORWARDED_VAR {
                forwarded = Some(value.into());
                continue;
            }
            if let Some(key) = name.strip_prefix(prefix).filter(|k| !k.is_empty()) {
                values.insert(key.to_owned(), (toml::Value::String(value.into()), Origin::Environ(name.to_owned())));
            }
        }
        let forwarded: BTreeMap<String, Forwarded> =
            forwarded.and_then(|text: String| serde_json::from_str(&text).ok()).unwrap_or_default();
        for (name, Forwarded { file, toml }) in forwarded {
            let (Some(key), Some(value)) = (name.strip_prefix(prefix).filter(|k| !k.is_empty()), parse_value(&toml))
            else {
                continue;
            };
            values.insert(key.to_owned(), (value, Origin::File(file)));
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

    /// The environment variables that give another process this environment: each key with
    /// its text (see the [type docs](Self); keys a variable cannot be named after, with `=` or
    /// NUL in them, are left out), and, when values came from files, [`FORWARDED_VAR`], which
    /// [`from_environ`](Self::from_environ) reads to bring them back typed and naming their
    /// file.
    ///
    /// ```
    /// use synapse::PluginEnvironment;
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let path = dir.path().join("cfg.toml");
    /// std::fs::write(&path, "rate = 3.0\nwhen = 1979-05-27T07:32:00Z\n").unwrap();
    /// let file = PluginEnvironment::from_file(&path).unwrap();
    /// let vars = file.to_vars();
    /// assert!(vars.contains(&("rate".to_owned(), "3.0".to_owned())));
    ///
    /// let there = PluginEnvironment::from_vars(vars, "");
    /// assert_eq!(there.get_str("rate", "").unwrap(), "3.0");
    /// assert_eq!(there.get_str("when", "").unwrap(), "1979-05-27T07:32:00Z");
    /// assert_eq!(there.origin("rate"), file.origin("rate"));
    /// ```
    pub fn to_vars(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = self
            .values
            .iter()
            .filter(|(key, _)| !key.contains(['=', '\0']))
            .map(|(key, (value, _))| (key.clone(), text_of(value).replace('\0', "")))
            .collect();
        let forwarded: BTreeMap<&str, Forwarded> = self
            .values
            .iter()
            .filter_map(|(key, (value, origin))| match origin {
                Origin::File(file) => Some((key.as_str(), Forwarded { file: file.clone(), toml: toml_text(value) })),
                _ => None,
            })
            .collect();
        if !forwarded.is_empty()
            && let Ok(text) = serde_json::to_string(&forwarded)
        {
            vars.push((FORWARDED_VAR.to_owned(), text));
        }
        vars
    }

    fn wrong(&self, key: &str, expected: &'static str, value: &toml::Value) -> EnvError {
        EnvError::WrongType {
            key: key.to_owned(),
            origin: self.origin(key).cloned().unwrap_or(Origin::Code),
            expected,
            found: render(value),
        }
    }

    /// `key` as text (every value has one: see the [type docs](Self)), or `default` when unset.
    pub fn get_str(&self, key: &str, default: &str) -> Result<String, EnvError> {
        Ok(self.get(key).map_or_else(|| default.to_owned(), text_of))
    }

    /// `key` as an integer (its text is a decimal integer), or `default` when unset.
    pub fn get_int(&self, key: &str, default: i64) -> Result<i64, EnvError> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => text_of(value).trim().parse().map_err(|_| self.wrong(key, "an integer", value)),
        }
    }

    /// `key` as a float (its text is a number: `3`, `0.5`, `1e-3`, `inf`, `nan`), or `default`
    /// when unset.
    pub fn get_float(&self, key: &str, default: f64) -> Result<f64, EnvError> {
        match self.get(key) {
            None => Ok(default),
            Some(value) => text_of(value).trim().parse().map_err(|_| self.wrong(key, "a number", value)),
        }
    }

    /// `key` as a boolean (`true/false`, `1/0`, `yes/no`, `on/off`, any case), or `default`.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool, EnvError> {
        const EXPECTED: &str = "a boolean (true/false, 1/0, yes/no, on/off)";
        match self.get(key) {
            None => Ok(default),
            Some(value) => match text_of(value).trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                _ => Err(self.wrong(key, EXPECTED, value)),
            },
        }
    }

    /// `key` as a list, or `default` when unset: a TOML array (in a file, or as the text of an
    /// environment variable: `TAGS='["a", "b"]'`) gives its items' texts; a table is an error;
    /// any other text is split on commas (items trimmed, empty items dropped).
    pub fn get_list(&self, key: &str, default: &[&str]) -> Result<Vec<String>, EnvError> {
        const EXPECTED: &str = "a list (a TOML array or comma-separated text)";
        let Some(value) = self.get(key) else {
            return Ok(default.iter().map(|s| (*s).to_owned()).collect());
        };
        let text = text_of(value);
        let trimmed = text.trim_start();
        if trimmed.starts_with('[') {
            return match parse_value(&text) {
                Some(toml::Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        toml::Value::Array(_) | toml::Value::Table(_) => {
                            Err(self.wrong(key, "a list of scalars", value))
                        }
                        scalar => Ok(text_of(scalar)),
                    })
                    .collect(),
                _ => Err(self.wrong(key, EXPECTED, value)),
            };
        }
        if trimmed.starts_with('{') && matches!(parse_value(&text), Some(toml::Value::Table(_))) {
            return Err(self.wrong(key, EXPECTED, value));
        }
        Ok(text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
    }
}

/// A value's text: a string's content, anything else as TOML writes it.
fn text_of(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => toml_text(other),
    }
}

/// A value as TOML text (a string quoted), which [`parse_value`] reads back.
fn toml_text(value: &toml::Value) -> String {
    value.to_string()
}

/// The TOML value `text` spells, if it spells one.
fn parse_value(text: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("value = {text}")).ok()?.remove("value")
}

fn render(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => match parse_value(s) {
            Some(toml::Value::Table(_)) if s.trim_start().starts_with('{') => "a table".into(),
            Some(toml::Value::Array(_)) if s.trim_start().starts_with('[') => "an array".into(),
            _ => format!("{s:?}"),
        },
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

    /// Every getter's answer for `key`, as text (values and errors alike).
    fn answers(env: &PluginEnvironment, key: &str) -> Vec<String> {
        vec![
            format!("{:?}", env.get_str(key, "-")),
            format!("{:?}", env.get_int(key, -1)),
            format!("{:?}", env.get_float(key, -1.0)),
            format!("{:?}", env.get_bool(key, false)),
            format!("{:?}", env.get_list(key, &[])),
        ]
    }

    #[test]
    fn a_value_reads_the_same_from_a_file_its_text_and_another_process() {
        let file = PluginEnvironment::from_toml(
            r#"
            rate = 3.0
            half = 0.5
            big = 1e300
            not_a_number = nan
            infinite = -inf
            epochs = 3
            hex = 0xff
            debug = true
            when = 1979-05-27T07:32:00Z
            day = 1979-05-27
            table = { a = 1, b = "x" }
            tags = ["x, y", 2, 2.5, true]
            nested = [[1], [2]]
            rows = [{ a = 1 }]
            csv = "a, b,, c"
            bracketed = "[1, 2]"
            yes = "On"
            "#,
            Path::new("cfg.toml"),
        )
        .unwrap();
        let vars = file.to_vars();
        let forwarded = PluginEnvironment::from_vars(vars.clone(), "");
        let texts = PluginEnvironment::from_vars(vars.into_iter().filter(|(k, _)| k != FORWARDED_VAR), "");
        for key in file.keys() {
            // Another process sees the same values, typed and naming the file: every answer,
            // error messages included, is the same.
            assert_eq!(answers(&forwarded, key), answers(&file, key), "{key}");
            assert_eq!(forwarded.origin(key), Some(&Origin::File(PathBuf::from("cfg.toml"))));
            // A variable holding the value's text gives the same values and fails the same
            // getters (its errors name the variable instead of the file).
            let from_text = answers(&texts, key);
            for (getter, (typed, text)) in answers(&file, key).iter().zip(&from_text).enumerate() {
                assert_eq!(
                    typed.starts_with("Ok"),
                    text.starts_with("Ok"),
                    "{key}, getter {getter}: {typed} vs {text}"
                );
                if typed.starts_with("Ok") {
                    assert_eq!(typed, text, "{key}, getter {getter}");
                }
            }
        }
        assert_eq!(file.get_str("rate", "").unwrap(), "3.0");
        assert_eq!(file.get_float("rate", 0.0).unwrap(), 3.0);
        assert!(file.get_int("rate", 0).is_err());
        assert!(file.get_float("not_a_number", 0.0).unwrap().is_nan());
        assert_eq!(file.get_int("hex", 0).unwrap(), 255);
        assert_eq!(file.get_str("when", "").unwrap(), "1979-05-27T07:32:00Z");
        assert_eq!(file.get_list("when", &[]).unwrap(), ["1979-05-27T07:32:00Z"]);
        assert_eq!(file.get_str("table", "").unwrap(), r#"{ a = 1, b = "x" }"#);
        let error = texts.get_list("table", &[]).unwrap_err().to_string();
        assert_eq!(
            error,
            "`table` (from environment variable `table`) must be a list (a TOML array or comma-separated text), got a table"
        );
        assert_eq!(file.get_list("tags", &[]).unwrap(), ["x, y", "2", "2.5", "true"]);
        assert!(file.get_list("nested", &[]).is_err());
        assert_eq!(file.get_list("csv", &[]).unwrap(), ["a", "b", "c"]);
        assert_eq!(file.get_list("bracketed", &[]).unwrap(), ["1", "2"]);
        assert!(file.get_bool("yes", false).unwrap());
    }

    #[test]
    fn variables_that_cannot_be_named_are_only_forwarded() {
        let file = PluginEnvironment::from_toml("\u{feff}\"a=b\" = 1\nok = \"x\"", Path::new("c.toml")).unwrap();
        let vars = file.to_vars();
        assert!(!vars.iter().any(|(k, _)| k == "a=b"), "{vars:?}");
        assert_eq!(PluginEnvironment::from_vars(vars, "").get_int("a=b", 0).unwrap(), 1);
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
