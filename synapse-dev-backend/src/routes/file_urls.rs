//! The files of a ground-truth event or a task's data unit, as the API shows them: each spec's
//! stored media `key` turned into an absolute `url` at the request's origin.

use crate::media;
use serde_json::{Map, Value};

/// `files` (`{<spec name>: {key, …}}`) with each `key` replaced by its `url` at `origin`.
pub(crate) fn with_urls(files: &Value, origin: &str) -> Value {
    let Value::Object(files) = files else { return files.clone() };
    let shown: Map<String, Value> = files
        .iter()
        .map(|(spec, file)| {
            let mut file = file.as_object().cloned().unwrap_or_default();
            if let Some(Value::String(key)) = file.remove("key") {
                file.insert("url".to_owned(), Value::String(media::url(origin, &key)));
            }
            (spec.clone(), Value::Object(file))
        })
        .collect();
    Value::Object(shown)
}
