//! `pre_annotate`: what `to_task` asks for each task with `method: inference` and
//! `pre_processor: "pre_annotate"`: the task's primary image (downloaded to `path`) in, DM v2
//! annotations out. Replace [`predict`] with your model.

use std::path::Path;
use synapse::prelude::*;
use synapse::to_task::InferenceRequest;

/// Annotates one task's image.
#[action(name = "pre_annotate", method = Task, category = PreAnnotation)]
pub struct PreAnnotate;

impl Action for PreAnnotate {
    type Params = InferenceRequest;
    type Output = Value;

    async fn execute(&self, request: InferenceRequest, ctx: &Context) -> Result<Value> {
        let path = request.path.clone();
        let (width, height) = ctx.spawn_blocking(move || synapse::formats::image_size(Path::new(&path))).await??;
        let class = request.options.get("class_name").and_then(Value::as_str).unwrap_or("object");
        let boxes: Vec<Value> = predict(width, height)
            .into_iter()
            .map(|bbox| json!({"classification": class, "attrs": [], "data": bbox}))
            .collect();
        Ok(json!({"images": [{"bounding_box": boxes}]}))
    }
}

/// The boxes `[x, y, w, h]` found in a `width`×`height` image: here its central half.
pub fn predict(width: u32, height: u32) -> Vec<[f64; 4]> {
    let (w, h) = (f64::from(width), f64::from(height));
    vec![[w / 4.0, h / 4.0, w / 2.0, h / 2.0]]
}
