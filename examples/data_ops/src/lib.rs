//! A data team's plugin, built on synapse's data workflows:
//!
//! | file | action | what it does |
//! |---|---|---|
//! | `upload.rs` | `upload` | a local folder into a data collection (`synapse::upload`) |
//! | `export.rs` | `export_coco` | ground truth, tasks or assignments to COCO (`synapse::export`) |
//! | `to_task.rs` | `pre_annotate`, `infer_boxes` | tasks annotated from their YOLO label files, or by inference (`synapse::to_task`) |
//! | `serve.rs` | `deployment` | the box finder as a model server (`synapse::serve`), which `pre_annotate` asks when its `pre_processor` is this plugin's release |

synapse::plugin!(
    name = "Data ops",
    category = Custom,
    description = "A data team's plugin: a local folder uploaded into a data collection, ground truth exported to COCO, tasks pre-annotated from their label files."
);

pub mod export;
pub mod serve;
pub mod to_task;
pub mod upload;
