//! {{description}}
//!
//! `post_annotate` (`src/post_annotate.rs`) cleans a task's finished annotations (DM v2): boxes
//! too small to be objects are dropped, class names mapped to the project's.

synapse::plugin!(name = "{{name}}", category = PostAnnotation, description = "{{description}}");

pub mod post_annotate;
