//! The pre-annotation actions: `pre_annotate` annotates a project's tasks from their YOLO label
//! files (`method: file`) or with `infer_boxes` (`method: inference`, `pre_processor:
//! "infer_boxes"`); `infer_boxes` finds the boxes of an image whose objects are filled shapes on
//! a uniform background.
//!
//! ```text
//! data_ops run pre_annotate --params '{"name": "labels", "project": 3, "target_specification_name": "label_1",
//!     "pre_processor_params": {"class_names": ["car", "person"]}}'
//! data_ops run pre_annotate --params '{"name": "boxes", "project": 3, "method": "inference",
//!     "pre_processor": "infer_boxes", "pre_processor_params": {"class_names": ["car", "person"],
//!     "colors": [[230, 25, 75], [60, 180, 75]]}}'
//! ```

use serde_json::{Value, json};
use synapse::prelude::*;
use synapse::to_task::{DefaultAnnotator, InferenceRequest, ToTaskParams, ToTaskResult, run_to_task};

/// Annotates a project's tasks: from each task's label file (YOLO, COCO or DM), or with an
/// inference action of this plugin.
#[action(name = "pre_annotate", method = Job, category = PreAnnotation)]
pub struct PreAnnotate;

impl Action for PreAnnotate {
    type Params = ToTaskParams;
    type Output = ToTaskResult;

    async fn execute(&self, params: ToTaskParams, ctx: &Context) -> Result<ToTaskResult> {
        Ok(run_to_task(ctx, params, &DefaultAnnotator).await?)
    }
}

/// Finds the boxes of an image: the bounding boxes of its regions that differ from the
/// background (the colour of its top-left pixel), each classed by the nearest of
/// `options.colors` (`options.class_names` in the same order), else `object`. Answers DM v2.
#[action(name = "infer_boxes", category = NeuralNet)]
pub struct InferBoxes;

impl Action for InferBoxes {
    type Params = InferenceRequest;
    type Output = Value;

    async fn execute(&self, params: InferenceRequest, ctx: &Context) -> Result<Value> {
        let path = params.path.clone();
        let image = ctx
            .spawn_blocking(move || image::open(&path))
            .await?
            .map_err(|error| Error::new(error).context(format!("reading {}", params.path)))?
            .to_rgb8();
        let classes = Classes::of(&params.options)?;
        Ok(predictions(&image, &classes))
    }
}

/// The boxes of `image` ([`regions`]) classed by `classes`, as DM v2 predictions.
pub fn predictions(image: &image::RgbImage, classes: &Classes) -> Value {
    let boxes: Vec<Value> = regions(image)
        .into_iter()
        .map(|region| {
            json!({"classification": classes.name(region.colour), "attrs": [], "data": [region.x, region.y, region.width, region.height]})
        })
        .collect();
    json!({"images": [{"bounding_box": boxes}]})
}

/// Class names with their colours, in the same order.
#[derive(Debug, Clone, Default)]
pub struct Classes(Vec<(String, [u8; 3])>);

impl Classes {
    /// The classes of `options` (a model's `model.json`, or `pre_processor_params`):
    /// `class_names` with their `colors`, in the same order; none when either is missing.
    ///
    /// # Errors
    /// Names that are not strings, colours that are not `[r, g, b]`, or lists of two lengths.
    pub fn of(options: &serde_json::Map<String, Value>) -> Result<Classes> {
        let (Some(names), Some(colors)) = (options.get("class_names"), options.get("colors")) else {
            return Ok(Classes(Vec::new()));
        };
        let names: Vec<String> = serde_json::from_value(names.clone())
            .map_err(|error| Error::msg(format!("`class_names` is not a list of names: {error}")))?;
        let colors: Vec<[u8; 3]> = serde_json::from_value(colors.clone())
            .map_err(|error| Error::msg(format!("`colors` is not a list of [r, g, b]: {error}")))?;
        if names.len() != colors.len() {
            return Err(Error::msg(format!("{} class names but {} colors", names.len(), colors.len())));
        }
        Ok(Classes(names.into_iter().zip(colors).collect()))
    }

    /// The class whose colour is nearest to `colour`.
    fn name(&self, colour: [u8; 3]) -> &str {
        let distance =
            |other: &[u8; 3]| -> u32 { colour.iter().zip(other).map(|(a, b)| u32::from(a.abs_diff(*b)).pow(2)).sum() };
        self.0.iter().min_by_key(|(_, other)| distance(other)).map_or("object", |(name, _)| name.as_str())
    }
}

/// A region of pixels unlike the background: its bounding box in pixels and its first pixel's
/// colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Region {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    colour: [u8; 3],
}

/// The 4-connected regions of `image` unlike its top-left pixel, in the order their first pixel
/// comes (row by row).
fn regions(image: &image::RgbImage) -> Vec<Region> {
    let (width, height) = image.dimensions();
    let background = image.get_pixel(0, 0).0;
    let mut seen = vec![false; (width * height) as usize];
    let mut found = Vec::new();
    for start_y in 0..height {
        for start_x in 0..width {
            let at = (start_y * width + start_x) as usize;
            if seen[at] || image.get_pixel(start_x, start_y).0 == background {
                continue;
            }
            seen[at] = true;
            let (mut low, mut high) = ((start_x, start_y), (start_x, start_y));
            let mut stack = vec![(start_x, start_y)];
            while let Some((x, y)) = stack.pop() {
                low = (low.0.min(x), low.1.min(y));
                high = (high.0.max(x), high.1.max(y));
                let near = [(x.wrapping_sub(1), y), (x + 1, y), (x, y.wrapping_sub(1)), (x, y + 1)];
                for (nx, ny) in near {
                    if nx < width && ny < height {
                        let next = (ny * width + nx) as usize;
                        if !seen[next] && image.get_pixel(nx, ny).0 != background {
                            seen[next] = true;
                            stack.push((nx, ny));
                        }
                    }
                }
            }
            let colour = image.get_pixel(start_x, start_y).0;
            found.push(Region { x: low.0, y: low.1, width: high.0 - low.0 + 1, height: high.1 - low.1 + 1, colour });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_rectangles_become_their_boxes_classed_by_colour() {
        let mut image = image::RgbImage::from_pixel(20, 10, image::Rgb([32, 32, 32]));
        for (x, y) in (2..6).flat_map(|x| (1..4).map(move |y| (x, y))) {
            image.put_pixel(x, y, image::Rgb([230, 25, 75]));
        }
        for (x, y) in (10..19).flat_map(|x| (5..9).map(move |y| (x, y))) {
            image.put_pixel(x, y, image::Rgb([60, 180, 75]));
        }
        let found = regions(&image);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].x, found[0].y, found[0].width, found[0].height), (2, 1, 4, 3));
        assert_eq!((found[1].x, found[1].y, found[1].width, found[1].height), (10, 5, 9, 4));
        let options = json!({"class_names": ["car", "person"], "colors": [[230, 25, 75], [60, 180, 75]]});
        let classes = Classes::of(options.as_object().expect("options")).expect("classes");
        assert_eq!((classes.name(found[0].colour), classes.name(found[1].colour)), ("car", "person"));
        assert_eq!(Classes(Vec::new()).name([1, 2, 3]), "object");
        let uneven = json!({"class_names": ["car"], "colors": []});
        assert!(Classes::of(uneven.as_object().expect("options")).is_err());
    }
}
