//! Environment variables both ways: reading an environment from them, and writing the variables
//! that give another process the same environment, with file values carried typed and naming
//! their file in [`FORWARDED_VAR`].

use super::text::{parse_value, text_of, toml_text};
use super::{Origin, PluginEnvironment};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

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
}
