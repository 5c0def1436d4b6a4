//! What a run's events become on its backend job: log entries, and the progress and metrics
//! records the Python SDK's `JobLogger` patches (`synapse_sdk/loggers.py`): progress as
//! `{"record": {"steps": {<step>: {"proportion"?, "order"?, "percent"}}}, "current_progress":
//! {"overall", "step"?, "percent", "order"?, "time_elapsed"?}}`, metrics as
//! `{"record": {"steps": {<category>: {…merged values}}}}`.

use crate::backend::{JobId, JobStatus, JobUpdate, LogEntry};
use crate::events::{ErrorKind, Event, EventKind, LogLevel};
use serde_json::{Map, Value, json};

/// A run's progress and metrics as the job shows them, rebuilt from its events.
#[derive(Default)]
pub(super) struct Snapshot {
    /// The steps by name: proportion (percent of the run), order (from 1), percent done.
    steps: Map<String, Value>,
    /// The step running now.
    step: Option<String>,
    /// The run's overall percent (its main progress).
    overall: f64,
    /// Metric values by category, merged.
    metrics: Map<String, Value>,
    /// Whether anything changed since the last delivery.
    pub(super) dirty: bool,
    has_metrics: bool,
    /// Whether the run is a workflow with planned steps (their weights make `overall`).
    planned: bool,
}

impl Snapshot {
    /// Takes in `event`'s part of the progress and metrics.
    pub(super) fn apply(&mut self, event: &Event) {
        match &event.kind {
            EventKind::WorkflowStarted { steps, .. } => {
                self.planned = !steps.is_empty();
                for (order, planned) in steps.iter().enumerate() {
                    let entry =
                        json!({"proportion": round2(planned.weight * 100.0), "order": order + 1, "percent": 0.0});
                    self.steps.insert(planned.name.clone(), entry);
                }
            }
            EventKind::StepStarted { .. } => {
                self.step.clone_from(&event.step);
                self.set_step_percent(event.step.as_deref(), 0.0);
            }
            EventKind::StepCompleted { .. } | EventKind::StepSkipped {} => {
                self.set_step_percent(event.step.as_deref(), 100.0);
            }
            EventKind::Progress { category: None, current, total } if *total > 0 => {
                self.overall = round2(*current as f64 / *total as f64 * 100.0);
            }
            EventKind::Progress { category: Some(category), current, total } if *total > 0 => {
                let percent = round2(*current as f64 / *total as f64 * 100.0);
                self.set_step_percent(Some(category), percent);
                // Without a plan, the category reporting now is where the run is.
                if !self.planned {
                    self.step = Some(category.clone());
                    self.overall = percent;
                }
            }
            EventKind::Metrics { category, values } => {
                let merged = self.metrics.entry(category.clone()).or_insert_with(|| json!({}));
                if let Value::Object(merged) = merged {
                    merged.extend(values.iter().map(|(key, value)| (key.clone(), value.clone())));
                }
                self.has_metrics = true;
            }
            EventKind::Result { .. } => self.overall = 100.0,
            _ => return,
        }
        self.dirty = true;
    }

    fn set_step_percent(&mut self, step: Option<&str>, percent: f64) {
        let Some(step) = step else { return };
        let entry = self.steps.entry(step.to_owned()).or_insert_with(|| json!({}));
        if let Value::Object(entry) = entry {
            entry.insert("percent".to_owned(), json!(percent));
        }
    }

    /// The `progress_record` (with `time_elapsed`, in seconds, when given: the final one).
    pub(super) fn progress_record(&self, time_elapsed: Option<f64>) -> Value {
        let mut current = json!({"overall": self.overall});
        if let Some(step) = &self.step {
            current["step"] = json!(step);
            if let Some(entry) = self.steps.get(step) {
                current["percent"] = entry.get("percent").cloned().unwrap_or(json!(0.0));
                if let Some(order) = entry.get("order") {
                    current["order"] = order.clone();
                }
            }
        } else {
            current["percent"] = json!(self.overall);
        }
        if let Some(elapsed) = time_elapsed {
            current["time_elapsed"] = json!(round2(elapsed));
        }
        json!({"record": {"steps": self.steps}, "current_progress": current})
    }

    /// The `metrics_record`, once there are metrics.
    pub(super) fn metrics_record(&self) -> Option<Value> {
        self.has_metrics.then(|| json!({"record": {"steps": self.metrics}}))
    }

    /// The PATCH that delivers this snapshot.
    pub(super) fn update(&self) -> JobUpdate {
        JobUpdate {
            progress_record: Some(self.progress_record(None)),
            metrics_record: self.metrics_record(),
            ..JobUpdate::default()
        }
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The log entry `event` becomes on job `job`, if any: every event but the run's start and end,
/// its progress and its metrics (those are the job's status and records). Developer lines are
/// `debug` (their level `debug`) or `message`, messages `message`, an action's own events keep
/// their name and their file (a `data:` URI: a visualization's image); the others are named by
/// their type, their fields as data.
pub(super) fn log_entry(job: &JobId, event: &Event) -> Option<LogEntry> {
    let mut file = None;
    let (name, data, level) = match &event.kind {
        EventKind::Started { .. }
        | EventKind::Progress { .. }
        | EventKind::Metrics { .. }
        | EventKind::Result { .. }
        | EventKind::Error { .. } => return None,
        EventKind::LogLine { level, message, target, fields } => {
            let name = if *level == LogLevel::Debug { "debug" } else { "message" };
            let mut data = json!({"content": message});
            if let Some(target) = target {
                data["target"] = json!(target);
            }
            if !fields.is_empty() {
                data["fields"] = Value::Object(fields.clone());
            }
            (name.to_owned(), data, Some(*level))
        }
        EventKind::Message { level, text, code: None } => {
            ("message".to_owned(), json!({"content": text}), Some(*level))
        }
        EventKind::Message { level, text, code: Some(code) } => {
            ("message".to_owned(), json!({"content": text, "code": code}), Some(*level))
        }
        EventKind::Log { level, event, data, file: attached } => {
            file.clone_from(attached);
            (event.clone(), data.clone(), Some(*level))
        }
        other => {
            let Ok(Value::Object(mut fields)) = serde_json::to_value(other) else { return None };
            let name = fields.remove("type").and_then(|name| name.as_str().map(str::to_owned)).unwrap_or_default();
            (name, Value::Object(fields), None)
        }
    };
    Some(LogEntry { event: name, data, datetime: event.ts, job: job.clone(), file, step: event.step.clone(), level })
}

/// The final PATCH of a run that ended with `event` (its result or its error), if it did.
pub(super) fn terminal(event: &Event, snapshot: &Snapshot, elapsed: f64) -> Option<JobUpdate> {
    let (status, result) = match &event.kind {
        EventKind::Result { value } => {
            let result = if value.is_object() { value.clone() } else { json!({"result": value}) };
            (JobStatus::Succeeded, result)
        }
        EventKind::Error { error } => {
            let status = if error.kind == ErrorKind::Cancelled { JobStatus::Stopped } else { JobStatus::Failed };
            (status, json!({"error": error.message, "kind": error.kind}))
        }
        _ => return None,
    };
    Some(JobUpdate {
        status: Some(status),
        result: Some(result),
        progress_record: Some(snapshot.progress_record(Some(elapsed))),
        metrics_record: snapshot.metrics_record(),
        ..JobUpdate::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{EVENT_SCHEMA_VERSION, RunId};
    use std::time::SystemTime;

    fn event(kind: EventKind) -> Event {
        Event { version: EVENT_SCHEMA_VERSION, run: RunId::from("r"), seq: 0, ts: SystemTime::now(), step: None, kind }
    }

    #[test]
    fn a_visualization_keeps_its_file_and_report_metrics_merge_by_category() {
        let job = JobId::Number(7);
        let file = "data:image/png;base64,iVBORw0KGgo=".to_owned();
        let data = json!({"category": "train", "group": "predictions", "index": 0});
        let kind = EventKind::Log {
            level: LogLevel::Info,
            event: "visualization".into(),
            data: data.clone(),
            file: Some(file.clone()),
        };
        let entry = log_entry(&job, &Event { step: Some("train".into()), ..event(kind) }).expect("an entry");
        assert_eq!(
            (entry.event.as_str(), &entry.data, entry.file.as_deref()),
            ("visualization", &data, Some(file.as_str()))
        );
        assert_eq!((entry.step.as_deref(), entry.level), (Some("train"), Some(LogLevel::Info)));
        let wire = serde_json::to_value(&entry).expect("json");
        assert_eq!(wire["file"], json!(file));

        let mut snapshot = Snapshot::default();
        assert!(snapshot.metrics_record().is_none());
        for (epoch, loss) in [(1, 0.9), (2, 0.5)] {
            let values = json!({"loss": loss, "epoch": epoch}).as_object().cloned().unwrap_or_default();
            snapshot.apply(&event(EventKind::Metrics { category: "train".into(), values }));
        }
        let values = json!({"map50": 0.4, "epoch": 1}).as_object().cloned().unwrap_or_default();
        snapshot.apply(&event(EventKind::Metrics { category: "validation".into(), values }));
        assert_eq!(
            snapshot.metrics_record(),
            Some(
                json!({"record": {"steps": {"train": {"loss": 0.5, "epoch": 2}, "validation": {"map50": 0.4, "epoch": 1}}}})
            )
        );
    }

    #[test]
    fn a_run_without_a_plan_is_where_its_category_is() {
        let mut snapshot = Snapshot::default();
        snapshot.apply(&event(EventKind::Progress { category: Some("train".into()), current: 13, total: 25 }));
        let record = snapshot.progress_record(None);
        assert_eq!(record["current_progress"], json!({"overall": 52.0, "step": "train", "percent": 52.0}));
        assert_eq!(record["record"]["steps"]["train"]["percent"], 52.0);
    }
}
