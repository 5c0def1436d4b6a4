//! `post_annotate`: a task's annotations (DM v2) cleaned once they are made.

use std::collections::BTreeMap;
use synapse::prelude::*;

/// What to clean.
#[params]
#[derive(Debug, Clone)]
pub struct PostAnnotateParams {
    /// The task's annotations, DM v2 (`{"images": [{"bounding_box": [...]}]}`)
    pub data: Value,
    /// Boxes smaller than this (w·h, pixels²) are dropped
    #[param(default = 4.0, range(min = 0.0))]
    pub min_area: f64,
    /// Class names to rename, old to new
    #[param(default)]
    pub rename: BTreeMap<String, String>,
}

/// The cleaned annotations.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct PostAnnotateResult {
    /// The annotations, cleaned.
    pub data: Value,
    /// The boxes dropped.
    pub removed: u64,
    /// The boxes renamed.
    pub renamed: u64,
}

/// Cleans a task's annotations.
#[action(name = "post_annotate", method = Task, category = PostAnnotation)]
pub struct PostAnnotate;

impl Action for PostAnnotate {
    type Params = PostAnnotateParams;
    type Output = PostAnnotateResult;

    async fn execute(&self, params: PostAnnotateParams, ctx: &Context) -> Result<PostAnnotateResult> {
        let mut data = params.data;
        let images = data.get_mut("images").and_then(Value::as_array_mut).context("`data` has no `images` list")?;
        let (mut removed, mut renamed) = (0, 0);
        for image in images {
            let Some(boxes) = image.get_mut("bounding_box").and_then(Value::as_array_mut) else { continue };
            let before = boxes.len();
            boxes.retain(|b| area(b).is_none_or(|area| area >= params.min_area));
            removed += (before - boxes.len()) as u64;
            for b in boxes.iter_mut() {
                let new = b["classification"].as_str().and_then(|class| params.rename.get(class));
                if let Some(new) = new.cloned() {
                    b["classification"] = json!(new);
                    renamed += 1;
                }
            }
        }
        ctx.set_metrics(metrics! { removed: removed, renamed: renamed }, "post_annotate");
        Ok(PostAnnotateResult { data, removed, renamed })
    }
}

/// A box's area, `w·h` of its `data: [x, y, w, h]`.
fn area(b: &Value) -> Option<f64> {
    let data = b.get("data")?.as_array()?;
    Some(data.get(2)?.as_f64()? * data.get(3)?.as_f64()?)
}
