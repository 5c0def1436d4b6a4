//! DM ("Data Maker") annotation JSON, the Synapse backend's own: v1 (what the backend stores and
//! `annotate_task_data` takes) and v2 (what dataset download writes), the mapping between them,
//! and the dataset directories dataset download lays out.

pub mod convert;
mod dataset_dir;
pub mod v1;
pub mod v2;

pub use dataset_dir::{read_dir, write_dir};

/// A fresh annotation id: 10 characters of `[0-9a-f]` (matching DM's `^[a-zA-Z0-9_-]+$`).
pub(crate) fn fresh_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}
