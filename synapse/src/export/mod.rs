//! The export workflow: assignments, ground truth or tasks through an exporter into a storage.
