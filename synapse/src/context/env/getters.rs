//! The typed getters: each reads a value's text (see `text`), and a value it cannot read is an
//! error naming the key and where its value came from.

use super::text::{parse_value, render, text_of};
use super::{EnvError, Origin, PluginEnvironment};

impl PluginEnvironment {
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
