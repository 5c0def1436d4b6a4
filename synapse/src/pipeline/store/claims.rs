//! Claims: which process drives a run, so that two resumes of one run never run its actions
//! twice.
//!
//! A process claims a run before it runs any of its actions ([`RunStore::claim_run`]), renews
//! the claim while it drives the run ([`RunStore::renew_claim`]; the heartbeat) and releases it
//! when it stops ([`RunStore::release_run`]). A claim held by another owner is refused unless
//! that owner is gone (the caller says how to tell) or its heartbeat is older than the caller
//! allows: a process killed with `SIGKILL` cannot release its claim, and its run must stay
//! resumable.

use super::timestamp::now_micros;
use super::{RunStore, StoreError};
use rusqlite::{OptionalExtension, Transaction, params};
use std::time::Duration;

impl RunStore {
    /// Claims the run `run_id` for `owner` and stamps its heartbeat. Succeeds if the run is
    /// unclaimed, already `owner`'s, or its holder is past: `holder_is_gone(holder)` says so
    /// (it died), or its heartbeat is older than `stale_after`.
    ///
    /// ```
    /// use synapse::pipeline::store::{NewRun, RunStore, StoreError};
    /// use std::time::Duration;
    ///
    /// let store = RunStore::in_memory()?;
    /// let run = NewRun { run_id: "r".into(), pipeline: "p".into(), fingerprint: "f".into(), actions: vec![], params: serde_json::json!({}) };
    /// store.create_run(&run)?;
    /// let minute = Duration::from_secs(60);
    /// store.claim_run("r", "host-a:41", minute, |_| false)?;
    /// // Another process is refused while the holder lives and beats...
    /// let refused = store.claim_run("r", "host-b:7", minute, |_| false).unwrap_err();
    /// assert!(matches!(refused, StoreError::RunClaimed { ref owner, .. } if owner == "host-a:41"));
    /// // ...and takes over once the holder is known to be gone.
    /// store.claim_run("r", "host-b:7", minute, |holder| holder == "host-a:41")?;
    /// assert_eq!(store.run("r")?.unwrap().claim.unwrap().owner, "host-b:7");
    /// # Ok::<(), StoreError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`StoreError::RunClaimed`] naming the holder, [`StoreError::UnknownRun`].
    pub fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        stale_after: Duration,
        holder_is_gone: impl FnOnce(&str) -> bool,
    ) -> Result<(), StoreError> {
        let now = now_micros();
        self.write(|tx| {
            if let Some((holder, heartbeat)) = holder(tx, run_id)? {
                let age = heartbeat_age(now, heartbeat);
                if holder != owner && age < stale_after && !holder_is_gone(&holder) {
                    return Err(StoreError::RunClaimed {
                        run_id: run_id.to_owned(),
                        owner: holder,
                        heartbeat_age: age,
                        store: None,
                    });
                }
            }
            tx.prepare_cached("UPDATE runs SET owner = ?2, heartbeat_at = ?3 WHERE run_id = ?1")?
                .execute(params![run_id, owner, now])?;
            Ok(())
        })
    }

    /// Stamps the heartbeat of `owner`'s claim on the run.
    ///
    /// # Errors
    ///
    /// [`StoreError::RunClaimed`] if the run is no longer `owner`'s (another process took it
    /// over, or it was released), [`StoreError::UnknownRun`].
    pub fn renew_claim(&self, run_id: &str, owner: &str) -> Result<(), StoreError> {
        let now = now_micros();
        self.write(|tx| {
            let renewed = tx
                .prepare_cached("UPDATE runs SET heartbeat_at = ?3 WHERE run_id = ?1 AND owner = ?2")?
                .execute(params![run_id, owner, now])?;
            if renewed == 1 {
                return Ok(());
            }
            let (holder, age) = match holder(tx, run_id)? {
                Some((holder, heartbeat)) => (holder, heartbeat_age(now, heartbeat)),
                None => ("nobody".to_owned(), Duration::ZERO),
            };
            Err(StoreError::RunClaimed { run_id: run_id.to_owned(), owner: holder, heartbeat_age: age, store: None })
        })
    }

    /// Releases `owner`'s claim on the run; `false` if it held none (another holds it, or the
    /// run is unclaimed or unknown).
    ///
    /// # Errors
    ///
    /// [`StoreError::Sqlite`] only.
    pub fn release_run(&self, run_id: &str, owner: &str) -> Result<bool, StoreError> {
        self.write(|tx| {
            let released = tx
                .prepare_cached("UPDATE runs SET owner = NULL, heartbeat_at = NULL WHERE run_id = ?1 AND owner = ?2")?
                .execute(params![run_id, owner])?;
            Ok(released == 1)
        })
    }
}

/// The run's holder and its last heartbeat (µs), or `None` if the run is unclaimed.
fn holder(tx: &Transaction<'_>, run_id: &str) -> Result<Option<(String, i64)>, StoreError> {
    let row = tx
        .prepare_cached("SELECT owner, heartbeat_at FROM runs WHERE run_id = ?1")?
        .query_row([run_id], |row| Ok((row.get::<_, Option<String>>(0)?, row.get::<_, Option<i64>>(1)?)))
        .optional()?;
    match row {
        None => Err(StoreError::UnknownRun { run_id: run_id.to_owned(), store: None }),
        Some((Some(owner), heartbeat)) => Ok(Some((owner, heartbeat.unwrap_or(i64::MIN)))),
        Some((None, _)) => Ok(None),
    }
}

/// How long ago a heartbeat stamped `heartbeat` µs was (zero if it is in the future).
fn heartbeat_age(now: i64, heartbeat: i64) -> Duration {
    Duration::from_micros(u64::try_from(now.saturating_sub(heartbeat)).unwrap_or(0))
}
