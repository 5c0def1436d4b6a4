//! `pipeline status` and `pipeline runs`: what the run store recorded.

use super::super::commands::{FAILED, OK};
use crate::pipeline::store::{RunStore, StoreError};

/// `pipeline status`.
pub(super) fn status(store: &RunStore, run_id: String, events: bool) -> u8 {
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
pub(super) fn runs(store: &RunStore, pipeline: Option<&str>, limit: usize, json: bool) -> u8 {
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
