//! The upload workflow: a local folder, or one per file specification, into a data collection.
