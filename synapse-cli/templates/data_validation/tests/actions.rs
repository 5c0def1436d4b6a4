//! `validate` on a task's annotations.

mod support;

use synapse::json;

#[test]
fn validate_names_each_problem_where_it_is() {
    let data = json!({"images": [{"bounding_box": [
        {"classification": "car", "data": [0, 0, 10, 10]},
        {"classification": "tree", "data": [60, 0, 10, 10]},
    ]}]});
    let result = support::run("validate", json!({"data": data, "classes": ["car"], "image_size": [64, 48]}));
    assert_eq!(result["valid"], json!(false));
    assert_eq!(
        result["errors"],
        json!([
            "images[0].bounding_box[1]: class `tree` is not one of the project's",
            "images[0].bounding_box[1]: [60, 0, 10, 10] is not inside the 64×48 image"
        ])
    );
}

#[test]
fn validate_accepts_annotations_that_keep_the_rules() {
    let data = json!({"images": [{"bounding_box": [{"classification": "car", "data": [0, 0, 10, 10]}]}]});
    let result = support::run("validate", json!({"data": data, "classes": ["car"]}));
    assert_eq!(result, json!({"valid": true, "errors": []}));
}
