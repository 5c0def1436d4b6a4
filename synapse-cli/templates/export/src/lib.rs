//! {{description}}
//!
//! `export` (`src/export.rs`) is the SDK's export workflow (`synapse::export`): ground truth,
//! tasks or assignments fetched page by page, each item converted by the exporter's hooks and
//! saved (its JSON in `json/`, its original file in `origin_files/`), with the run's metrics.

synapse::plugin!(name = "{{name}}", category = Export, description = "{{description}}");

pub mod export;
