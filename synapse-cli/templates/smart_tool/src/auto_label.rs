//! `auto_label`: a bounding box around the annotator's clicks, padded and clipped to the image.
//! Replace [`predict`] with your model (SAM, a detector…); the request and answer stay.

use synapse::prelude::*;

/// What the annotator sends.
#[params]
#[derive(Debug, Clone)]
pub struct AutoLabelParams {
    /// The image's width, in pixels
    #[param(range(min = 1))]
    pub width: u32,
    /// The image's height, in pixels
    #[param(range(min = 1))]
    pub height: u32,
    /// The clicks on the object, `[x, y]` in pixels
    #[param(length(min = 1))]
    pub points: Vec<[f64; 2]>,
    /// Pixels added around the clicks
    #[param(default = 8.0, range(min = 0.0, max = 1000.0))]
    pub padding: f64,
    /// The class of the object
    #[param(default = "object")]
    pub classification: String,
}

/// The tool's answer: DM v2 annotations of the image.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct AutoLabelResult {
    /// The boxes found, `{classification, data: [x, y, w, h]}`.
    pub bounding_box: Vec<Value>,
}

/// A box around the annotator's clicks.
#[action(name = "auto_label", method = Task, category = SmartTool)]
pub struct AutoLabel;

impl Action for AutoLabel {
    type Params = AutoLabelParams;
    type Output = AutoLabelResult;

    async fn execute(&self, params: AutoLabelParams, _ctx: &Context) -> Result<AutoLabelResult> {
        let input = handle_input(&params)?;
        let prediction = predict(&input, params.padding);
        Ok(handle_output(prediction, &params.classification))
    }
}

/// The clicks, checked to lie on the image.
pub fn handle_input(params: &AutoLabelParams) -> Result<Vec<[f64; 2]>> {
    let (width, height) = (f64::from(params.width), f64::from(params.height));
    for (index, [x, y]) in params.points.iter().enumerate() {
        ensure!(
            (0.0..=width).contains(x) && (0.0..=height).contains(y),
            "points[{index}] = [{x}, {y}] is outside the {}×{} image",
            params.width,
            params.height
        );
    }
    Ok(params.points.clone())
}

/// The box `[x, y, w, h]` around `points`, grown by `padding` (the model's prediction).
pub fn predict(points: &[[f64; 2]], padding: f64) -> [f64; 4] {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for [x, y] in points {
        (x0, y0, x1, y1) = (x0.min(*x), y0.min(*y), x1.max(*x), y1.max(*y));
    }
    [x0 - padding, y0 - padding, x1 - x0 + 2.0 * padding, y1 - y0 + 2.0 * padding]
}

/// The prediction as the annotator's answer.
pub fn handle_output(bbox: [f64; 4], classification: &str) -> AutoLabelResult {
    AutoLabelResult { bounding_box: vec![json!({"classification": classification, "attrs": [], "data": bbox})] }
}
