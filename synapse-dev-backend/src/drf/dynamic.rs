//! Dynamic fields, as the v1 backend's serializers take them (`drf-flex-fields` style):
//! `?fields=` keeps only the named top-level fields, `?expand=` shows the named related fields
//! as objects instead of ids.
//!
//! Both take repeated keys (`fields=a&fields=b`, what `requests` sends for a list) and
//! comma-separated names (`fields=a,b`), or both at once. `id` is always kept.

use serde_json::{Map, Value};

/// The `fields` and `expand` of a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// The fields to keep; every field when `None`.
    fields: Option<Vec<String>>,
    /// The related fields to expand.
    expand: Vec<String>,
}

impl Shape {
    /// Reads `fields` and `expand` from a query string.
    pub(crate) fn from_query(query: Option<&str>) -> Self {
        let mut shape = Shape::default();
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let names = value.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned);
            match &*key {
                "fields" => shape.fields.get_or_insert_with(Vec::new).extend(names),
                "expand" => shape.expand.extend(names),
                _ => {}
            }
        }
        shape
    }

    /// Whether `field` is to be expanded.
    pub(crate) fn expands(&self, field: &str) -> bool {
        self.expand.iter().any(|name| name == field || name == "*")
    }

    /// `object` with only the fields asked for (and `id`).
    pub(crate) fn apply(&self, object: Map<String, Value>) -> Value {
        match &self.fields {
            None => Value::Object(object),
            Some(fields) => Value::Object(
                object.into_iter().filter(|(key, _)| key == "id" || fields.iter().any(|field| field == key)).collect(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn repeated_and_comma_separated_names() {
        let shape = Shape::from_query(Some("fields=category&fields=files,data&expand=data&page_size=2"));
        let Value::Object(object) = json!({"id": 1, "category": "train", "files": {}, "data": {}, "created": "x"})
        else {
            unreachable!()
        };
        assert_eq!(shape.apply(object.clone()), json!({"id": 1, "category": "train", "files": {}, "data": {}}));
        assert!(shape.expands("data") && !shape.expands("files"));
        assert_eq!(Shape::from_query(None).apply(object.clone()), Value::Object(object));
    }
}
