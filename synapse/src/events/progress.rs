//! Progress coalescing: `set_progress` in a hot loop costs a few atomic operations, while
//! sinks see bounded traffic.
//!
//! A category's progress is emitted when
//! - its total changes, or its current value goes backwards (a restart);
//! - it enters a new permille bucket (so a total of at most 1,000 emits every distinct value,
//!   deterministically, and any total emits at most about 1,000 events), or
//! - it changed and the progress clock ticked since the last emission (every
//!   [`TICK`]), so slow loops with huge totals still show movement.
//!
//! Whatever was not emitted is delivered when the run finishes: the final value of every
//! category always reaches the sinks.

use super::Emitter;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// How often the progress clock ticks.
pub(crate) const TICK: Duration = Duration::from_millis(200);

static EPOCH: AtomicU64 = AtomicU64::new(0);
static CLOCK: OnceLock<()> = OnceLock::new();

/// Starts the process-wide progress clock once: one sleeping thread bumping a counter, so the
/// hot path reads time as a single relaxed load.
pub(crate) fn start_clock() {
    CLOCK.get_or_init(|| {
        let spawned = std::thread::Builder::new().name("synapse-progress-clock".into()).spawn(|| {
            loop {
                std::thread::sleep(TICK);
                EPOCH.fetch_add(1, Relaxed);
            }
        });
        if spawned.is_err() {
            // Without a clock, progress is still coalesced by bucket and finalized at the end.
            tracing::debug!("could not start the progress clock thread");
        }
    });
}

#[inline]
fn epoch() -> u64 {
    EPOCH.load(Relaxed)
}

const NEVER: u64 = u64::MAX;

/// The progress state of one category.
pub(crate) struct ProgressSlot {
    pub(crate) category: Option<Arc<str>>,
    current: AtomicU64,
    total: AtomicU64,
    touched: AtomicBool,
    shown_current: AtomicU64,
    shown_total: AtomicU64,
    next: AtomicU64,
    shown_epoch: AtomicU64,
}

impl ProgressSlot {
    pub(crate) fn new(category: Option<Arc<str>>) -> Self {
        ProgressSlot {
            category,
            current: AtomicU64::new(0),
            total: AtomicU64::new(0),
            touched: AtomicBool::new(false),
            shown_current: AtomicU64::new(0),
            shown_total: AtomicU64::new(NEVER),
            next: AtomicU64::new(0),
            shown_epoch: AtomicU64::new(0),
        }
    }

    /// Records a value; true when it must be emitted now (the caller then takes the slow path).
    #[inline]
    pub(crate) fn record(&self, current: u64, total: u64) -> bool {
        self.current.store(current, Relaxed);
        self.total.store(total, Relaxed);
        if !self.touched.load(Relaxed) {
            self.touched.store(true, Relaxed);
        }
        self.due(current, total)
    }

    #[inline]
    fn due(&self, current: u64, total: u64) -> bool {
        let shown = self.shown_current.load(Relaxed);
        if total != self.shown_total.load(Relaxed) || current < shown || current >= self.next.load(Relaxed) {
            return true;
        }
        current != shown && epoch() != self.shown_epoch.load(Relaxed)
    }

    /// Under the emitter's lock: whether `(current, total)` is still due and, if so, marks it
    /// shown and returns the values to emit (current clamped to total).
    pub(crate) fn take_due(&self, current: u64, total: u64) -> Option<(u64, u64)> {
        if !self.due(current, total) {
            return None;
        }
        Some(self.mark_shown(current, total))
    }

    /// Under the emitter's lock at the end of a run: the last recorded value, when it was
    /// never emitted.
    pub(crate) fn take_pending(&self) -> Option<(u64, u64)> {
        if !self.touched.load(Relaxed) {
            return None;
        }
        let current = self.current.load(Relaxed);
        let total = self.total.load(Relaxed);
        if current == self.shown_current.load(Relaxed) && total == self.shown_total.load(Relaxed) {
            return None;
        }
        Some(self.mark_shown(current, total))
    }

    fn mark_shown(&self, current: u64, total: u64) -> (u64, u64) {
        let shown = if total > 0 { current.min(total) } else { current };
        self.shown_current.store(current, Relaxed);
        self.shown_total.store(total, Relaxed);
        self.next.store(next_threshold(current, total), Relaxed);
        self.shown_epoch.store(epoch(), Relaxed);
        (shown, total)
    }
}

/// The smallest value after `current` that falls in a new permille bucket of `total`.
fn next_threshold(current: u64, total: u64) -> u64 {
    if total <= 1000 {
        return current.saturating_add(1);
    }
    let bucket = u128::from(current) * 1000 / u128::from(total);
    let next = ((bucket + 1) * u128::from(total)).div_ceil(1000);
    u64::try_from(next).unwrap_or(u64::MAX).max(current.saturating_add(1))
}

/// A run's overall progress (the `progress` events without a category), in basis points; it
/// only ever moves forward. The one tracker of overall progress: a workflow moves it by its
/// steps' weights, a pipeline by its actions' equal shares.
pub(crate) struct OverallProgress {
    shown: AtomicU64,
}

/// Overall progress is reported as `current` of this many units (basis points).
pub(crate) const OVERALL_UNITS: u64 = 10_000;

impl OverallProgress {
    pub(crate) fn new() -> Self {
        OverallProgress { shown: AtomicU64::new(0) }
    }

    /// Moves the overall progress to `fraction` of the run, unless it is already further.
    pub(crate) fn advance(&self, emitter: &Emitter, fraction: f64) {
        let units = ((fraction.clamp(0.0, 1.0) * OVERALL_UNITS as f64) + 1e-9).floor() as u64;
        let previous = self.shown.fetch_max(units, Relaxed);
        if units > previous {
            emitter.set_progress(None, units, OVERALL_UNITS);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_totals_emit_every_value() {
        let slot = ProgressSlot::new(None);
        let emitted: Vec<u64> = (1..=100).filter(|&i| slot.record(i, 100) && slot.take_due(i, 100).is_some()).collect();
        assert_eq!(emitted, (1..=100).collect::<Vec<_>>());
    }

    #[test]
    fn large_totals_are_bounded_by_buckets() {
        let slot = ProgressSlot::new(None);
        let total = 1_000_000;
        let emitted = (1..=total).filter(|&i| slot.record(i, total) && slot.take_due(i, total).is_some()).count();
        // One per permille bucket, plus at most a few clock ticks during the loop.
        assert!((1000..1100).contains(&emitted), "{emitted}");
    }

    #[test]
    fn the_final_value_is_always_pending_until_shown() {
        let slot = ProgressSlot::new(None);
        let total = 10_000;
        for i in 1..=57 {
            if slot.record(i, total) {
                slot.take_due(i, total);
            }
        }
        assert_eq!(slot.take_pending(), Some((57, total)));
        assert_eq!(slot.take_pending(), None);
    }

    #[test]
    fn restarts_and_total_changes_emit() {
        let slot = ProgressSlot::new(None);
        assert!(slot.record(5, 10));
        slot.take_due(5, 10);
        assert!(slot.record(0, 10), "going backwards emits");
        slot.take_due(0, 10);
        assert!(slot.record(0, 20), "a new total emits");
    }

    #[test]
    fn thresholds_cover_every_bucket() {
        assert_eq!(next_threshold(0, 10_000), 10);
        assert_eq!(next_threshold(9, 10_000), 10);
        assert_eq!(next_threshold(10, 10_000), 20);
        assert_eq!(next_threshold(u64::MAX - 1, u64::MAX), u64::MAX);
    }
}
