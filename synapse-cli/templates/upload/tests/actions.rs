//! The upload action's params, checked before anything reaches the backend.

mod support;

use synapse::json;

#[test]
fn upload_names_the_data_collection_it_needs() {
    let error = support::refused("upload", json!({"name": "batch 1", "path": "./incoming", "storage": 1}));
    assert!(error.contains("data_collection"), "{error}");
}
