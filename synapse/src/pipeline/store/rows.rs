//! Reading rows back: the raw columns of each kind of row, and their decoding into records, with
//! anything unreadable reported as [`StoreError::Corrupt`] naming the run, row and column.

use super::StoreError;
use super::records::{ActionRecord, ActionStatus, RunClaim, RunRecord, RunStatus, RunSummary};
use super::timestamp::from_micros;
use rusqlite::Row;
use serde_json::Value;
use std::time::SystemTime;

pub(super) fn decode_json(text: &str, column: &str, at: impl FnOnce() -> String) -> Result<Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|error| StoreError::corrupt(format!("{}: `{column}` is not JSON: {error}", at())))
}

pub(super) fn decode_time(micros: i64, column: &str, at: impl FnOnce() -> String) -> Result<SystemTime, StoreError> {
    from_micros(micros).ok_or_else(|| StoreError::corrupt(format!("{}: `{column}` is out of range: {micros} µs", at())))
}

fn decode_opt_time(
    micros: Option<i64>,
    column: &str,
    at: impl FnOnce() -> String,
) -> Result<Option<SystemTime>, StoreError> {
    micros.map(|micros| decode_time(micros, column, at)).transpose()
}

pub(super) fn decode_index(index: i64, at: impl FnOnce() -> String) -> Result<usize, StoreError> {
    usize::try_from(index).map_err(|_| StoreError::corrupt(format!("{}: negative action index {index}", at())))
}

fn decode_count(count: i64, column: &str, at: impl FnOnce() -> String) -> Result<usize, StoreError> {
    usize::try_from(count).map_err(|_| StoreError::corrupt(format!("{}: `{column}` is out of range: {count}", at())))
}

fn decode_run_status(status: &str, at: impl FnOnce() -> String) -> Result<RunStatus, StoreError> {
    RunStatus::parse(status)
        .ok_or_else(|| StoreError::corrupt(format!("{}: `status` is `{status}`, not a run status", at())))
}

/// A `runs` row as read, before decoding.
pub(super) struct RawRun {
    run_id: String,
    pipeline: String,
    fingerprint: String,
    status: String,
    params: String,
    error: Option<String>,
    created_at: i64,
    updated_at: i64,
    finished_at: Option<i64>,
    owner: Option<String>,
    heartbeat_at: Option<i64>,
}

impl RawRun {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            run_id: row.get(0)?,
            pipeline: row.get(1)?,
            fingerprint: row.get(2)?,
            status: row.get(3)?,
            params: row.get(4)?,
            error: row.get(5)?,
            created_at: row.get(6)?,
            updated_at: row.get(7)?,
            finished_at: row.get(8)?,
            owner: row.get(9)?,
            heartbeat_at: row.get(10)?,
        })
    }

    pub(super) fn decode(self, actions: Vec<ActionRecord>) -> Result<RunRecord, StoreError> {
        let at = || format!("run `{}`", self.run_id);
        Ok(RunRecord {
            status: decode_run_status(&self.status, at)?,
            params: decode_json(&self.params, "params", at)?,
            created_at: decode_time(self.created_at, "created_at", at)?,
            updated_at: decode_time(self.updated_at, "updated_at", at)?,
            finished_at: decode_opt_time(self.finished_at, "finished_at", at)?,
            claim: match self.owner {
                Some(owner) => Some(RunClaim {
                    owner,
                    heartbeat_at: decode_time(self.heartbeat_at.unwrap_or(0), "heartbeat_at", at)?,
                }),
                None => None,
            },
            run_id: self.run_id,
            pipeline: self.pipeline,
            fingerprint: self.fingerprint,
            error: self.error,
            actions,
        })
    }
}

/// An `actions` row as read, before decoding.
pub(super) struct RawAction {
    index: i64,
    name: String,
    status: String,
    attempts: i64,
    started_at: Option<i64>,
    finished_at: Option<i64>,
    result: Option<String>,
    error: Option<String>,
}

impl RawAction {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            index: row.get(0)?,
            name: row.get(1)?,
            status: row.get(2)?,
            attempts: row.get(3)?,
            started_at: row.get(4)?,
            finished_at: row.get(5)?,
            result: row.get(6)?,
            error: row.get(7)?,
        })
    }

    pub(super) fn decode(self, run_id: &str) -> Result<ActionRecord, StoreError> {
        let at = || format!("run `{run_id}`, action #{}", self.index);
        Ok(ActionRecord {
            index: decode_index(self.index, at)?,
            status: ActionStatus::parse(&self.status).ok_or_else(|| {
                StoreError::corrupt(format!("{}: `status` is `{}`, not an action status", at(), self.status))
            })?,
            attempts: u32::try_from(self.attempts)
                .map_err(|_| StoreError::corrupt(format!("{}: `attempts` is out of range: {}", at(), self.attempts)))?,
            started_at: decode_opt_time(self.started_at, "started_at", at)?,
            finished_at: decode_opt_time(self.finished_at, "finished_at", at)?,
            result: self.result.as_deref().map(|result| decode_json(result, "result", at)).transpose()?,
            name: self.name,
            error: self.error,
        })
    }
}

/// A row of the run list as read, before decoding.
pub(super) struct RawSummary {
    run_id: String,
    pipeline: String,
    status: String,
    created_at: i64,
    updated_at: i64,
    completed_actions: i64,
    total_actions: i64,
}

impl RawSummary {
    pub(super) fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            run_id: row.get(0)?,
            pipeline: row.get(1)?,
            status: row.get(2)?,
            created_at: row.get(3)?,
            updated_at: row.get(4)?,
            completed_actions: row.get(5)?,
            total_actions: row.get(6)?,
        })
    }

    pub(super) fn decode(self) -> Result<RunSummary, StoreError> {
        let at = || format!("run `{}`", self.run_id);
        Ok(RunSummary {
            status: decode_run_status(&self.status, at)?,
            created_at: decode_time(self.created_at, "created_at", at)?,
            updated_at: decode_time(self.updated_at, "updated_at", at)?,
            completed_actions: decode_count(self.completed_actions, "completed_actions", at)?,
            total_actions: decode_count(self.total_actions, "total_actions", at)?,
            run_id: self.run_id,
            pipeline: self.pipeline,
        })
    }
}
