//! What the console shows of a job, as JSON: its summary (a row of the runs page) and its
//! detail (the job page), read from the job record, the PATCHes it got and its log entries.
//!
//! A summary is `{id, status, plugin, action, overall, step, created, modified}`; a detail adds
//! `{steps: [{name, order, proportion, percent}], metrics: [{name, x, series: [{category,
//! points: [[x, y]]}]}], result, error: {message, kind}, rollbacks: [{step, outcome, error}],
//! images: [{url, category, group, index, step}], last_log}`.
//!
//! Metric curves come from two sources, merged by epoch: the `metric` log entries
//! (`Context::report_metrics`, `log_metric`: every epoch), and the metrics record of each PATCH
//! the job got (`set_metrics`: the latest values per category, delivered at most once a
//! second, so a run whose epochs are faster shows the epochs that reached the backend).

use crate::store::jobs::Job;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The log events the detail reads in full: metrics, rollbacks and visualizations.
pub(crate) const DETAIL_EVENTS: [&str; 5] =
    ["metric", "rollback_started", "rollback_completed", "rollback_failed", "visualization"];

/// The statuses a run ends with.
pub(crate) const FINISHED: [&str; 3] = ["SUCCEEDED", "FAILED", "STOPPED"];

/// A job as a row of the runs page.
pub(crate) fn summary(job: &Job) -> Value {
    let run = &job.field("meta")["plugin_run"];
    let current = &job.field("progress_record")["current_progress"];
    let mut overall = current["overall"].as_f64().unwrap_or(0.0).clamp(0.0, 100.0);
    if job.status() == "SUCCEEDED" {
        overall = 100.0;
    }
    json!({
        "id": job.id(),
        "status": job.status(),
        "plugin": run["plugin"].as_str().or_else(|| job.field("meta")["plugin"].as_str()),
        "action": run["action"].as_str().or_else(|| job.field("meta")["action"].as_str()),
        "overall": overall,
        "step": current["step"].as_str(),
        "created": job.created(),
        "modified": job.modified(),
    })
}

/// A job as its page shows it: `patches` the bodies of its PATCHes, `entries` its log entries
/// of [`DETAIL_EVENTS`], `last_log` the id of its last entry.
pub(crate) fn detail(job: &Job, patches: &[Value], entries: &[Value], last_log: i64) -> Value {
    let mut shown = summary(job);
    let finished = FINISHED.contains(&job.status());
    let result = job.field("result");
    let error = (matches!(job.status(), "FAILED" | "STOPPED") && !result.is_null())
        .then(|| json!({"message": result.get("error").unwrap_or(result), "kind": result.get("kind")}));
    let extra = json!({
        "finished": finished,
        "steps": steps(job.field("progress_record")),
        "metrics": metrics(patches, entries),
        "result": if job.status() == "SUCCEEDED" { result.clone() } else { Value::Null },
        "error": error,
        "rollbacks": rollbacks(entries),
        "images": images(entries),
        "last_log": last_log,
    });
    if let (Value::Object(shown), Value::Object(extra)) = (&mut shown, extra) {
        shown.extend(extra);
    }
    shown
}

/// The steps of a progress record (`record.steps`), by their order, then by name.
fn steps(progress: &Value) -> Vec<Value> {
    let Some(steps) = progress["record"]["steps"].as_object() else { return Vec::new() };
    let mut rows: Vec<Value> = steps
        .iter()
        .map(|(name, step)| {
            json!({
                "name": name,
                "order": step["order"].as_u64(),
                "proportion": step["proportion"].as_f64(),
                "percent": step["percent"].as_f64().unwrap_or(0.0).clamp(0.0, 100.0),
            })
        })
        .collect();
    rows.sort_by_key(|row| (row["order"].as_u64().unwrap_or(u64::MAX), row["name"].as_str().map(str::to_owned)));
    rows
}

/// One curve's points by x; a later point at the same x replaces an earlier one.
type Curve = BTreeMap<OrderedX, f64>;

/// An x value ordered totally (epochs are finite numbers).
#[derive(Clone, Copy, Debug, PartialEq)]
struct OrderedX(f64);

impl Eq for OrderedX {}

impl PartialOrd for OrderedX {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for OrderedX {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Curves by metric name, then by category.
#[derive(Default)]
struct Curves {
    by_metric: BTreeMap<String, BTreeMap<String, Curve>>,
    /// Whether every point's x is an epoch (else some are the order of the updates).
    by_epoch: bool,
}

impl Curves {
    fn add(&mut self, metric: &str, category: &str, x: f64, y: &Value) {
        let Some(y) = y.as_f64().filter(|y| y.is_finite()) else { return };
        let curve = self.by_metric.entry(metric.to_owned()).or_default().entry(category.to_owned()).or_default();
        curve.insert(OrderedX(x), y);
    }

    /// Each numeric value of `values` but the epoch at `x`.
    fn add_all(&mut self, category: &str, x: f64, values: &Map<String, Value>) {
        for (name, value) in values {
            if name != "epoch" {
                self.add(name, category, x, value);
            }
        }
    }
}

/// The metric curves of a job: `[{name, x: "epoch" | "update", series: [{category, points}]}]`.
fn metrics(patches: &[Value], entries: &[Value]) -> Vec<Value> {
    let mut curves = Curves { by_epoch: true, ..Curves::default() };
    let mut updates: BTreeMap<String, f64> = BTreeMap::new();
    for patch in patches {
        let Some(categories) = patch["metrics_record"]["record"]["steps"].as_object() else { continue };
        for (category, values) in categories {
            let Some(values) = values.as_object() else { continue };
            let update = updates.entry(category.clone()).or_insert(0.0);
            *update += 1.0;
            let x = match values.get("epoch").and_then(Value::as_f64) {
                Some(epoch) => epoch,
                None => {
                    curves.by_epoch = false;
                    *update
                }
            };
            curves.add_all(category, x, values);
        }
    }
    // The log entries last: every epoch, and what the records said of it is the same.
    let mut counts: BTreeMap<(String, String), f64> = BTreeMap::new();
    for entry in entries.iter().filter(|entry| entry["event"] == "metric") {
        let data = &entry["data"];
        let (Some(category), Some(key)) = (data["category"].as_str(), data["key"].as_str()) else { continue };
        let others = data["metrics"].as_object();
        if key == "epoch" {
            let (Some(epoch), Some(others)) = (data["value"].as_f64(), others) else { continue };
            curves.add_all(category, epoch, others);
        } else {
            let count = counts.entry((category.to_owned(), key.to_owned())).or_insert(0.0);
            *count += 1.0;
            let epoch = others.and_then(|others| others.get("epoch")).and_then(Value::as_f64);
            if epoch.is_none() {
                curves.by_epoch = false;
            }
            curves.add(key, category, epoch.unwrap_or(*count), &data["value"]);
        }
    }
    let x = if curves.by_epoch { "epoch" } else { "update" };
    curves
        .by_metric
        .into_iter()
        .map(|(name, series)| {
            let series: Vec<Value> = series
                .into_iter()
                .map(|(category, curve)| {
                    let points: Vec<Value> = curve.into_iter().map(|(x, y)| json!([x.0, y])).collect();
                    json!({"category": category, "points": points})
                })
                .collect();
            json!({"name": name, "x": x, "series": series})
        })
        .collect()
}

/// The rollbacks of a workflow run, in the order they ran: `{step, outcome: "rolled back" |
/// "failed" | "rolling back", error}`.
fn rollbacks(entries: &[Value]) -> Vec<Value> {
    let mut rows: Vec<Value> = Vec::new();
    for entry in entries {
        let step = entry["step"].as_str().unwrap_or_default();
        let (outcome, error) = match entry["event"].as_str() {
            Some("rollback_started") => ("rolling back", Value::Null),
            Some("rollback_completed") => ("rolled back", Value::Null),
            Some("rollback_failed") => ("failed", entry["data"]["error"].clone()),
            _ => continue,
        };
        let row = json!({"step": step, "outcome": outcome, "error": error});
        match rows.iter_mut().rev().find(|row| row["step"] == step && row["outcome"] == "rolling back") {
            Some(started) if outcome != "rolling back" => *started = row,
            _ => rows.push(row),
        }
    }
    rows
}

/// The images logged as visualizations: `{url, category, group, index, step, caption}`.
fn images(entries: &[Value]) -> Vec<Value> {
    entries
        .iter()
        .filter(|entry| entry["event"] == "visualization" && entry["file"].is_string())
        .map(|entry| {
            let data = &entry["data"];
            json!({
                "url": entry["file"],
                "category": data["category"],
                "group": data["group"],
                "index": data["index"],
                "caption": data["caption"],
                "step": entry["step"],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(category: &str, epoch: u64, loss: f64) -> Value {
        json!({"event": "metric", "data": {"category": category, "key": "epoch", "value": epoch, "metrics": {"loss": loss}}})
    }

    #[test]
    fn curves_merge_records_and_entries_by_epoch() {
        let patches = [
            json!({"metrics_record": {"record": {"steps": {"train": {"epoch": 1, "loss": 0.9}}}}}),
            json!({"status": "RUNNING"}),
            json!({"metrics_record": {"record": {"steps": {"train": {"epoch": 3, "loss": 0.4}}}}}),
        ];
        let entries = [metric("train", 2, 0.6), metric("train", 3, 0.4), metric("validation", 3, 0.5)];
        let shown = metrics(&patches, &entries);
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0]["x"], "epoch");
        assert_eq!(shown[0]["series"][0], json!({"category": "train", "points": [[1.0, 0.9], [2.0, 0.6], [3.0, 0.4]]}));
        assert_eq!(shown[0]["series"][1], json!({"category": "validation", "points": [[3.0, 0.5]]}));
    }

    #[test]
    fn a_rollback_is_its_last_outcome_in_the_order_they_ran() {
        let entry = |event: &str, step: &str, data: Value| json!({"event": event, "step": step, "data": data});
        let entries = [
            entry("rollback_started", "b", json!({})),
            entry("rollback_completed", "b", json!({"elapsed_ms": 1.0})),
            entry("rollback_started", "a", json!({})),
            entry("rollback_failed", "a", json!({"error": "disk gone"})),
        ];
        assert_eq!(
            rollbacks(&entries),
            vec![
                json!({"step": "b", "outcome": "rolled back", "error": null}),
                json!({"step": "a", "outcome": "failed", "error": "disk gone"}),
            ]
        );
    }
}
