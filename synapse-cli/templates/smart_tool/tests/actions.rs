//! The smart tool, asked as the annotator's page asks it.

mod support;

use synapse::json;

#[test]
fn auto_label_boxes_the_clicks() {
    let result = support::run("auto_label", json!({"width": 640, "height": 480, "points": [[100, 120], [140, 180]], "padding": 10}));
    assert_eq!(result["bounding_box"][0]["data"], json!([90.0, 110.0, 60.0, 80.0]));
    assert_eq!(result["bounding_box"][0]["classification"], json!("object"));
}

#[test]
fn auto_label_refuses_a_click_outside_the_image() {
    let error = support::refused("auto_label", json!({"width": 64, "height": 48, "points": [[70, 10]]}));
    assert!(error.contains("points[0]"), "{error}");
}
