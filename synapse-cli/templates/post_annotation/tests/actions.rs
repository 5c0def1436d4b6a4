//! `post_annotate` on a task's annotations.

mod support;

use synapse::json;

#[test]
fn post_annotate_drops_specks_and_renames_classes() {
    let data = json!({"images": [{"bounding_box": [
        {"classification": "auto", "data": [0, 0, 10, 10]},
        {"classification": "car", "data": [5, 5, 1, 1]},
    ]}]});
    let result = support::run("post_annotate", json!({"data": data, "min_area": 4, "rename": {"auto": "car"}}));
    assert_eq!(result["removed"], json!(1));
    assert_eq!(result["renamed"], json!(1));
    assert_eq!(result["data"]["images"][0]["bounding_box"], json!([{"classification": "car", "data": [0, 0, 10, 10]}]));
}

#[test]
fn post_annotate_says_what_it_needs() {
    let error = support::refused("post_annotate", json!({"data": {"boxes": []}}));
    assert!(error.contains("images"), "{error}");
}
