//! Clipping boxes to their image, and the boxes of an image a writer keeps (with their class ids).

use super::{ConversionReport, ImageEntry, Skip, SkipReason};
use std::collections::HashMap;

/// `bbox` (`[x, y, w, h]`, pixels) clipped to a `width`×`height` image: `Some((clipped, changed))`,
/// or `None` when nothing with an area is left (or a value is not finite).
///
/// ```
/// use synapse::formats::clip_box;
/// assert_eq!(clip_box([-10.0, 20.0, 50.0, 30.0], 640, 480), Some(([0.0, 20.0, 40.0, 30.0], true)));
/// assert_eq!(clip_box([700.0, 20.0, 50.0, 30.0], 640, 480), None);
/// ```
pub fn clip_box(bbox: [f64; 4], width: u32, height: u32) -> Option<([f64; 4], bool)> {
    if bbox.iter().any(|value| !value.is_finite()) {
        return None;
    }
    let [x, y, w, h] = bbox;
    let (x0, y0) = (x.max(0.0), y.max(0.0));
    let (x1, y1) = ((x + w).min(f64::from(width)), (y + h).min(f64::from(height)));
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    let clipped = [x0, y0, x1 - x0, y1 - y0];
    Some((clipped, clipped != bbox))
}

/// Class ids by name: index in the class list.
pub(crate) struct ClassIndex<'a>(HashMap<&'a str, usize>);

impl<'a> ClassIndex<'a> {
    pub(crate) fn new(classes: &'a [String]) -> Self {
        ClassIndex(classes.iter().enumerate().map(|(index, name)| (name.as_str(), index)).collect())
    }
}

/// The boxes of `image` a writer writes, as `(class id, clipped box)`; the others counted and
/// listed in `report` (which also counts the image and the boxes written).
pub(crate) fn kept_boxes(
    image: &ImageEntry,
    classes: &ClassIndex<'_>,
    report: &mut ConversionReport,
) -> Vec<(usize, [f64; 4])> {
    report.images += 1;
    let mut kept = Vec::with_capacity(image.boxes.len());
    for (index, annotation) in image.boxes.iter().enumerate() {
        let skip = |reason| Skip { image: image.file_name.clone(), index, id: annotation.id.clone(), reason };
        let Some(&class) = classes.0.get(annotation.class.as_str()) else {
            report.unknown_classes += 1;
            report.skipped.push(skip(SkipReason::UnknownClass(annotation.class.clone())));
            continue;
        };
        match clip_box(annotation.bbox, image.width, image.height) {
            Some((bbox, clipped)) => {
                report.boxes_clipped += usize::from(clipped);
                kept.push((class, bbox));
            }
            None => {
                report.degenerate_dropped += 1;
                report.skipped.push(skip(SkipReason::Degenerate(annotation.bbox)));
            }
        }
    }
    report.boxes_written += kept.len();
    kept
}
