//! The export action's params, checked before anything reaches the backend.

mod support;

use synapse::json;

#[test]
fn export_refuses_an_unknown_target() {
    let error = support::refused("export", json!({"name": "x", "storage": 1, "target": "nope", "filter": {}, "path": "out"}));
    assert!(error.contains("target"), "{error}");
}
