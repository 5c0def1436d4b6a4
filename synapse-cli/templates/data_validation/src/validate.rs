//! `validate`: a task's annotations (DM v2) checked against the project's rules; each problem
//! named by where it is (`images[0].bounding_box[2]`).

use synapse::prelude::*;

/// What to check, and the rules.
#[params]
#[derive(Debug, Clone)]
pub struct ValidateParams {
    /// The task's annotations, DM v2 (`{"images": [{"bounding_box": [...]}]}`)
    pub data: Value,
    /// The classes the project allows (none: any)
    #[param(default)]
    pub classes: Vec<String>,
    /// The image's width and height, in pixels, when boxes must lie inside it
    #[param(default)]
    pub image_size: Option<[f64; 2]>,
    /// The most boxes an image may have
    #[param(default = 1000, range(min = 1))]
    pub max_boxes: u32,
}

/// The verdict.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct ValidateResult {
    /// Whether the annotations keep every rule.
    pub valid: bool,
    /// Each problem, where it is.
    pub errors: Vec<String>,
}

/// Checks a task's annotations against the project's rules.
#[action(name = "validate", method = Task, category = DataValidation)]
pub struct Validate;

impl Action for Validate {
    type Params = ValidateParams;
    type Output = ValidateResult;

    async fn execute(&self, params: ValidateParams, ctx: &Context) -> Result<ValidateResult> {
        let images = params.data.get("images").and_then(Value::as_array).context("`data` has no `images` list")?;
        let mut errors = Vec::new();
        for (i, image) in images.iter().enumerate() {
            let boxes = image.get("bounding_box").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if boxes.len() > params.max_boxes as usize {
                errors.push(format!("images[{i}]: {} boxes, more than {}", boxes.len(), params.max_boxes));
            }
            for (j, b) in boxes.iter().enumerate() {
                let at = format!("images[{i}].bounding_box[{j}]");
                let class = b.get("classification").and_then(Value::as_str).unwrap_or_default();
                if !params.classes.is_empty() && !params.classes.iter().any(|c| c == class) {
                    errors.push(format!("{at}: class `{class}` is not one of the project's"));
                }
                let data: Option<Vec<f64>> = b.get("data").and_then(Value::as_array).map(|d| d.iter().filter_map(Value::as_f64).collect());
                match (data.as_deref(), params.image_size) {
                    (Some([x, y, w, h]), Some([width, height])) if *x < 0.0 || *y < 0.0 || x + w > width || y + h > height => {
                        errors.push(format!("{at}: [{x}, {y}, {w}, {h}] is not inside the {width}×{height} image"));
                    }
                    (Some([_, _, _, _]), _) => {}
                    _ => errors.push(format!("{at}: `data` is not [x, y, w, h]")),
                }
            }
        }
        if errors.is_empty() {
            ctx.log_message("the annotations keep every rule", LogLevel::Success);
        } else {
            ctx.log_message(format!("{} problems", errors.len()), LogLevel::Warning);
        }
        Ok(ValidateResult { valid: errors.is_empty(), errors })
    }
}
