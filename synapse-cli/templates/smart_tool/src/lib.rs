//! {{description}}
//!
//! `auto_label` (`src/auto_label.rs`) is a smart tool: the annotator clicks on an object, the
//! tool answers its annotation. `handle_input` reads the request, the model predicts,
//! `handle_output` shapes the answer (as the SDK's `BaseAutoLabelAction`).

synapse::plugin!(name = "{{name}}", category = SmartTool, description = "{{description}}");

pub mod auto_label;
