//! The data collection of a seeded project: `image_1` (image, primary, required) and, when the
//! tasks carry labels, `label_1` (text, optional: some units may lack it), linked to the project
//! so that `GET projects/{id}/` names it as the SDK's `to_task` expects.

use crate::drf::ApiError;
use crate::routes::App;
use crate::store::data::NewSpec;
use crate::store::project_collections;
use serde_json::json;

/// A specification of the seeded collection, index 1 (the `{spec_key}_{index}` naming).
fn spec(name: &str, file_type: &str, primary: bool, function_type: &str) -> NewSpec {
    NewSpec {
        name: name.to_owned(),
        file_type: file_type.to_owned(),
        is_required: primary,
        is_primary: primary,
        function_type: function_type.to_owned(),
        index: 1,
        configuration: json!({}),
        is_sequential: false,
    }
}

/// Creates the collection named `title` (with `label_1` when `with_labels`) and makes it
/// `project`'s; its id.
pub(crate) async fn create(app: &App, project: i64, title: String, with_labels: bool) -> Result<i64, ApiError> {
    let mut specs = vec![spec("image_1", "image", true, "main")];
    if with_labels {
        specs.push(spec("label_1", "text", false, "sub"));
    }
    Ok(app.store.run(move |connection| project_collections::create(connection, project, &title, &specs)).await?)
}
