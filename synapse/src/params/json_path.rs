//! JSON paths (`$.items[2].name`, `$['odd key']`): where in an input a violation is, written from
//! a validator's instance location or from a serde path. Shared by the violations of validation
//! and deserialization, the reading of params text, and the check of results for non-finite
//! floats.

use jsonschema::paths::{Location, LocationSegment};
use serde_json::Value;

/// Renders an instance location as a JSONPath, telling array indices from object keys by the
/// shape of the instance (a key spelled `0` stays a key).
pub(crate) fn render_location(location: &Location, instance: &Value) -> String {
    let mut path = String::from("$");
    let mut node = Some(instance);
    for segment in location.segments() {
        let key = match &segment {
            LocationSegment::Property(name) => name.to_string(),
            LocationSegment::Index(i) => i.to_string(),
        };
        match node {
            Some(Value::Array(items)) => {
                let index = key.parse::<usize>().ok();
                path.push_str(&format!("[{key}]"));
                node = index.and_then(|i| items.get(i));
            }
            Some(Value::Object(map)) => {
                path = join_property(&path, &key);
                node = map.get(&key);
            }
            _ => {
                path = join_property(&path, &key);
                node = None;
            }
        }
    }
    path
}

/// `$.name`, or `$['odd key']` for keys that are not plain identifiers.
pub(crate) fn join_property(parent: &str, name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{parent}.{name}")
    } else {
        format!("{parent}['{}']", name.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// Renders a serde path (from a deserialization error) as a JSONPath.
pub(crate) fn render_serde_path(path: &serde_path_to_error::Path) -> String {
    let mut out = String::from("$");
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key } => out = join_property(&out, key),
            serde_path_to_error::Segment::Enum { variant } => out = join_property(&out, variant),
            serde_path_to_error::Segment::Unknown => out.push_str(".?"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_tell_indices_from_keys() {
        let instance = serde_json::json!({"items": [{"0": {"odd key": 1}}]});
        let location = Location::new().join("items").join(0usize).join("0").join("odd key");
        assert_eq!(render_location(&location, &instance), "$.items[0]['0']['odd key']");
    }
}
