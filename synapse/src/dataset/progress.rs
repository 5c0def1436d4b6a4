//! What a download says while it runs: progress per [`Phase`] and each skipped event, to an
//! [`Observer`] — an action's [`Context`] (progress categories and warning events), or nothing.

use super::Skipped;
use crate::context::Context;
use crate::events::LogLevel;
use std::path::Path;

/// A phase of a download, named as its progress category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Reading the version's events, page after page (`fetch`, as the SDK names it); the total
    /// is unknown (0) until the last page.
    Fetch,
    /// Downloading the events' files (`download`); counted in files.
    Download,
    /// Writing each event's annotation JSON (`write`); counted in events.
    Write,
}

impl Phase {
    /// The progress category: `fetch`, `download`, `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Fetch => "fetch",
            Phase::Download => "download",
            Phase::Write => "write",
        }
    }
}

/// Receives what a download reports. Every method has a default that ignores it.
pub trait Observer: Send + Sync {
    /// `done` of `total` items of `phase` (a `total` of 0: not known yet).
    fn progress(&self, phase: Phase, done: u64, total: u64) {
        let _ = (phase, done, total);
    }

    /// An event left out of the dataset, and why.
    fn skipped(&self, skipped: &Skipped) {
        let _ = skipped;
    }

    /// The dataset was found complete in the cache at `path`; nothing was downloaded.
    fn cache_hit(&self, path: &Path) {
        let _ = path;
    }
}

/// An [`Observer`] that ignores everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Observer for NoProgress {}

/// An action's context: each phase is a progress category (`fetch`, `download`, `write`), a
/// skipped event a `dataset_download_skipped` warning event and a warning line, a cache hit a
/// `download_cache_hit` event (the SDK's name).
impl Observer for Context {
    fn progress(&self, phase: Phase, done: u64, total: u64) {
        self.set_category_progress(phase.as_str(), done, total);
    }

    fn skipped(&self, skipped: &Skipped) {
        self.log_at(LogLevel::Warning, "dataset_download_skipped", skipped);
        self.logger().warn(format!("skipped: {skipped}"));
    }

    fn cache_hit(&self, path: &Path) {
        self.log("download_cache_hit", serde_json::json!({ "path": path }));
    }
}
