//! `pipeline status` and `pipeline runs`: what the run store recorded.

use super::super::commands::{FAILED, OK};
use crate::pipeline::store::{RunStore, StoreError};
use std::path::Path;

/// The run store at `path` (default: [`RunStore::default_path`]) to read, when it exists:
/// reading never creates one. `Err` is the exit code of a store that cannot be opened (said).
fn existing(path: Option<&Path>) -> Result<Option<RunStore>, u8> {
    let path = path.map_or_else(RunStore::default_path, Path::to_path_buf);
    if !path.exists() {
        return Ok(None);
    }
    RunStore::open(&path).map(Some).map_err(|error| {
        eprintln!("error: {error}");
        FAILED
    })
}

/// `pipeline status`.
pub(super) fn status(path: Option<&Path>, run_id: String, events: bool) -> u8 {
    let store = match existing(path) {
        Ok(Some(store)) => store,
        Ok(None) => {
            let store = Some(path.map_or_else(RunStore::default_path, Path::to_path_buf));
            eprintln!("error: {}", StoreError::UnknownRun { run_id, store });
            return FAILED;
        }
        Err(code) => return code,
    };
    match store.run(&run_id) {
        Ok(Some(record)) => {
            let mut value = serde_json::to_value(&record).unwrap_or_default();
            if events {
                value["events"] = serde_json::to_value(store.events(&run_id).unwrap_or_default()).unwrap_or_default();
            }
            println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
            OK
        }
        Ok(None) => {
            eprintln!("error: {}", StoreError::UnknownRun { run_id, store: store.path().map(Into::into) });
            FAILED
        }
        Err(error) => {
            eprintln!("error: {error}");
            FAILED
        }
    }
}

/// `pipeline runs`.
pub(super) fn runs(path: Option<&Path>, pipeline: Option<&str>, limit: usize, json: bool) -> u8 {
    let store = match existing(path) {
        Ok(Some(store)) => store,
        // Without a store, nothing was recorded.
        Ok(None) if json => {
            println!("[]");
            return OK;
        }
        Ok(None) => {
            let path = path.map_or_else(RunStore::default_path, Path::to_path_buf);
            eprintln!("no runs recorded: there is no run store at `{}`", path.display());
            return OK;
        }
        Err(code) => return code,
    };
    match store.runs(pipeline, limit) {
        Ok(runs) if json => {
            println!("{}", serde_json::to_string_pretty(&runs).unwrap_or_default());
            OK
        }
        Ok(runs) => {
            for run in runs {
                let when = humantime::format_rfc3339_seconds(run.created_at);
                println!(
                    "{:<10} {:<20} {}/{} actions  {when}  {}",
                    run.status.as_str(),
                    run.pipeline,
                    run.completed_actions,
                    run.total_actions,
                    run.run_id
                );
            }
            OK
        }
        Err(error) => {
            eprintln!("error: {error}");
            FAILED
        }
    }
}
