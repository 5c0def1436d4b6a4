//! {{description}}
//!
//! `upload` (`src/upload.rs`) is the SDK's upload workflow (`synapse::upload`): a folder (a
//! subfolder per file specification of the data collection) grouped into data units, checked,
//! uploaded and registered, with an optional metadata file (CSV or Excel) per unit.

synapse::plugin!(name = "{{name}}", category = Upload, description = "{{description}}");

pub mod upload;
