//! The annotations of seeded images: DM v1 JSON (what ground-truth events carry in `data` and
//! `data_meta_1`), and YOLO label lines (a seeded task's `label_1`).

use super::picture::Rect;
use serde_json::{Value, json};

/// The DM v1 document of one image's boxes (media key `image_1`), as the SDK's
/// `utils/converters/dm/to_v1.py` writes a bounding box: `annotations` with the tool, flags and
/// class, `annotationsData` with the coordinate, joined by `id`.
pub(crate) fn dm_v1(boxes: &[(String, &Rect)], classes: &[String]) -> Value {
    let annotations: Vec<Value> = boxes
        .iter()
        .map(|(id, rect)| {
            json!({
                "id": id,
                "tool": "bounding_box",
                "isLocked": false,
                "isVisible": true,
                "isValid": false,
                "isDrawCompleted": true,
                "label": [],
                "classification": { "class": classes[rect.class] },
            })
        })
        .collect();
    let data: Vec<Value> = boxes
        .iter()
        .map(|(id, rect)| {
            json!({
                "id": id,
                "coordinate": { "x": rect.x, "y": rect.y, "width": rect.width, "height": rect.height },
            })
        })
        .collect();
    json!({
        "extra": {},
        "relations": {},
        "annotationGroups": {},
        "annotations": { "image_1": annotations },
        "annotationsData": { "image_1": data },
    })
}

/// The YOLO label file of one image: a line `class cx cy w h` per box, the centre and sides
/// relative to the image, six decimals (as Ultralytics writes them).
pub(crate) fn yolo(boxes: &[Rect], width: u32, height: u32) -> String {
    let (width, height) = (f64::from(width), f64::from(height));
    boxes
        .iter()
        .map(|rect| {
            let cx = (f64::from(rect.x) + f64::from(rect.width) / 2.0) / width;
            let cy = (f64::from(rect.y) + f64::from(rect.height) / 2.0) / height;
            format!(
                "{} {cx:.6} {cy:.6} {:.6} {:.6}\n",
                rect.class,
                f64::from(rect.width) / width,
                f64::from(rect.height) / height
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let rect = Rect { class: 1, x: 100, y: 120, width: 200, height: 80 };
        let classes = ["car".to_owned(), "person".to_owned()];
        let dm = dm_v1(&[("a1b2c3d4e5".to_owned(), &rect)], &classes);
        assert_eq!(dm["annotations"]["image_1"][0]["classification"], json!({"class": "person"}));
        assert_eq!(
            dm["annotationsData"]["image_1"][0]["coordinate"],
            json!({"x": 100, "y": 120, "width": 200, "height": 80})
        );
        assert_eq!(yolo(&[rect], 640, 480), "1 0.312500 0.333333 0.312500 0.166667\n");
    }
}
