//! `pre_annotate` on a sample image, as `to_task` asks it for each task.

mod support;

use synapse::json;

#[test]
fn pre_annotate_boxes_the_image_centre() {
    let image = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/street.png");
    let request = json!({"task": 1, "url": "file://street.png", "path": image, "options": {"class_name": "car"}});
    let result = support::run("pre_annotate", request);
    // The sample image is 64×48.
    assert_eq!(
        result,
        json!({"images": [{"bounding_box": [{"classification": "car", "attrs": [], "data": [16.0, 12.0, 32.0, 24.0]}]}]})
    );
}

#[test]
fn pre_annotate_names_an_image_it_cannot_read() {
    let error = support::refused("pre_annotate", json!({"task": 1, "url": "x", "path": "/no/such/image.png"}));
    assert!(error.contains("/no/such/image.png"), "{error}");
}
