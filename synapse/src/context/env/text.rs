//! The text every value reads as, whether it came from a TOML file or an environment variable:
//! what the getters read and what another process is given.

/// A value's text: a string's content, anything else as TOML writes it.
pub(super) fn text_of(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => toml_text(other),
    }
}

/// A value as TOML text (a string quoted), which [`parse_value`] reads back.
pub(super) fn toml_text(value: &toml::Value) -> String {
    value.to_string()
}

/// The TOML value `text` spells, if it spells one.
pub(super) fn parse_value(text: &str) -> Option<toml::Value> {
    toml::from_str::<toml::Table>(&format!("value = {text}")).ok()?.remove("value")
}

pub(super) fn render(value: &toml::Value) -> String {
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
