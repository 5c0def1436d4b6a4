//! {{description}}
//!
//! `validate` (`src/validate.rs`) checks a task's annotations (DM v2) against the project's
//! rules: known classes, boxes inside the image, at most so many boxes.

synapse::plugin!(name = "{{name}}", category = DataValidation, description = "{{description}}");

pub mod validate;
