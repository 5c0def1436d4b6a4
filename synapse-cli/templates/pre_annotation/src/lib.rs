//! {{description}}
//!
//! | file | action | what it does |
//! |---|---|---|
//! | `pre_annotate.rs` | `pre_annotate` | one task's image annotated by the model (DM v2) |
//! | `to_task.rs` | `to_task` | a project's tasks annotated: from their label files, or with `pre_annotate` (`synapse::to_task`) |

synapse::plugin!(name = "{{name}}", category = PreAnnotation, description = "{{description}}");

pub mod pre_annotate;
pub mod to_task;
