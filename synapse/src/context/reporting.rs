//! What an action says through its [`Context`]: structured log events, progress (its own, a
//! category's, a workflow step's), metrics (with a warning for each `null` in them), messages to
//! the user and developer events. The context itself, and what it holds, is the parent module's.

use super::{Context, StepScope};
use crate::events::{DEFAULT_LANGUAGE, EventKind, LANGUAGE_VAR, LogLevel, MessageCode, Metrics, ProgressHandle};
use serde::Serialize;

impl Context {
    /// Records a structured event named `event` with `data`, at info level.
    pub fn log(&self, event: &str, data: impl Serialize) {
        self.log_at(LogLevel::Info, event, data);
    }

    /// Records a structured event at `level`.
    pub fn log_at(&self, level: LogLevel, event: &str, data: impl Serialize) {
        let data = to_data(data);
        self.emit(EventKind::Log { level, event: event.to_owned(), data, file: None });
    }

    /// Reports the action's main progress: `current` of `total` items.
    ///
    /// Cheap enough for a hot loop (a few atomic operations): values are coalesced so the sinks
    /// see bounded traffic, every distinct value of a total up to 1,000 is delivered, and the
    /// final value always is. `current` above `total` is reported as `total`; a `total` of 0
    /// means "unknown".
    ///
    /// Inside a workflow step this is the step's own progress (category = the step name); the
    /// workflow's overall progress (the main category) follows from it and the step's weight.
    #[inline]
    pub fn set_progress(&self, current: u64, total: u64) {
        match &self.scope {
            None => self.inner.emitter.set_progress(None, current, total),
            Some(scope) => self.set_step_progress(scope, current, total),
        }
    }

    #[inline(never)]
    fn set_step_progress(&self, scope: &StepScope, current: u64, total: u64) {
        scope.progress.set(current, total);
        if total > 0 {
            let fraction = current.min(total) as f64 / total as f64;
            scope.overall.advance(&self.inner.emitter, scope.offset + scope.weight * fraction);
        }
    }

    /// Reports the progress of one category (`"train"`, `"upload"`, …).
    pub fn set_category_progress(&self, category: &str, current: u64, total: u64) {
        self.inner.emitter.set_progress(Some(category), current, total);
    }

    /// A handle for one category's progress, for hot loops (no lookup per call).
    pub fn progress(&self, category: &str) -> ProgressHandle {
        self.inner.emitter.progress(Some(category))
    }

    /// Records metric values under `category` (`train`, `validation`, `test`, or your own).
    ///
    /// JSON has no NaN or infinity: [`metrics!`](crate::metrics) turns such a value into
    /// `null`. A metric that is `null` (anywhere in its value) is still recorded, and a warning
    /// naming it and its category follows in the developer log, so it is not lost silently.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::EventKind;
    /// use synapse::events::sink::MemorySink;
    /// use std::sync::Arc;
    ///
    /// let memory = Arc::new(MemorySink::new());
    /// let ctx = Context::builder("train").sink(memory.clone()).build();
    /// ctx.set_metrics(metrics! { loss: f64::NAN, epoch: 3 }, "train");
    /// let events = memory.events();
    /// let EventKind::Metrics { values, .. } = &events[0].kind else { panic!() };
    /// assert!(values["loss"].is_null());
    /// let EventKind::LogLine { level, message, .. } = &events[1].kind else { panic!() };
    /// assert_eq!(*level, LogLevel::Warning);
    /// assert_eq!(message, "metric `loss` of `train` is null: a NaN or infinite number has no JSON form");
    /// ```
    pub fn set_metrics(&self, values: impl Into<Metrics>, category: &str) {
        let values = values.into();
        let mut nulls = Vec::new();
        for (name, value) in &values {
            null_paths(value, name.clone(), &mut nulls);
        }
        self.emit(EventKind::Metrics { category: category.to_owned(), values });
        for name in nulls {
            self.logger()
                .warn(format!("metric `{name}` of `{category}` is null: a NaN or infinite number has no JSON form"));
        }
    }

    /// Shows `text` to the user at `level` (`Success` and `Danger` included).
    pub fn log_message(&self, text: impl Into<String>, level: LogLevel) {
        self.emit(EventKind::Message { level, text: text.into(), code: None });
    }

    /// Shows the message `code` to the user, at its level, in the run's language
    /// ([`Context::language`]); the event carries the code's key with the text.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::events::{EventKind, sink::MemorySink};
    ///
    /// #[messages]
    /// pub enum Saved {
    ///     #[message(level = success, en = "Saved {count} files", ko = "파일 {count}개 저장됨")]
    ///     Files { count: usize },
    /// }
    ///
    /// let memory = std::sync::Arc::new(MemorySink::new());
    /// let mut env = PluginEnvironment::new();
    /// env.insert("SYNAPSE_LANGUAGE", "ko");
    /// let ctx = Context::builder("save").env(env).sink(memory.clone()).build();
    /// ctx.log_message_code(&Saved::Files { count: 2 });
    /// ctx.log_message_code_in(&Saved::Files { count: 2 }, "en");
    /// let texts: Vec<_> = memory.events().into_iter().filter_map(|event| match event.kind {
    ///     EventKind::Message { text, code, .. } => Some((text, code)),
    ///     _ => None,
    /// }).collect();
    /// assert_eq!(texts, [("파일 2개 저장됨".to_owned(), Some("FILES".to_owned())),
    ///                    ("Saved 2 files".to_owned(), Some("FILES".to_owned()))]);
    /// ```
    pub fn log_message_code(&self, code: &impl MessageCode) {
        self.log_message_code_in(code, &self.language());
    }

    /// Shows the message `code` in `language` (an ISO 639-1 code; English when the code has no
    /// template in it).
    pub fn log_message_code_in(&self, code: &impl MessageCode, language: &str) {
        let text = code.text(language);
        self.emit(EventKind::Message { level: code.level(), text, code: Some(code.key().to_owned()) });
    }

    /// The language of the run's messages: [`LANGUAGE_VAR`] of the run's environment, else of
    /// the process's, else [`DEFAULT_LANGUAGE`].
    pub fn language(&self) -> String {
        let set = |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        set(self.env().get_str(LANGUAGE_VAR, "").ok())
            .or_else(|| set(std::env::var(LANGUAGE_VAR).ok()))
            .unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned())
    }

    /// Records a developer event, not shown to end users.
    pub fn log_dev_event(&self, message: impl Into<String>, data: impl Serialize) {
        self.emit(EventKind::DevEvent { message: message.into(), data: to_data(data) });
    }
}

/// The names of the `null`s in the metric `name`: `loss`, `losses[2]`, `per_class.cat`.
fn null_paths(value: &serde_json::Value, name: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => out.push(name),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                null_paths(item, format!("{name}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                null_paths(item, format!("{name}.{key}"), out);
            }
        }
        _ => {}
    }
}

pub(super) fn to_data(data: impl Serialize) -> serde_json::Value {
    serde_json::to_value(data).unwrap_or_else(|error| serde_json::json!({ "unserializable": error.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::sink::MemorySink;
    use std::sync::Arc;

    #[test]
    fn every_null_in_a_metric_is_warned_about_by_name_and_the_metric_is_kept() {
        let memory = Arc::new(MemorySink::new());
        let ctx = Context::builder("train").sink(memory.clone()).build();
        let losses = vec![0.5, f64::INFINITY];
        let per_class = serde_json::json!({"cat": f64::NAN, "dog": 0.1});
        ctx.set_metrics(crate::metrics! { losses: losses, per_class: per_class, epoch: 2 }, "validation");
        ctx.set_metrics(crate::metrics! { loss: 0.25 }, "train");
        let events = memory.events();
        let EventKind::Metrics { values, .. } = &events[0].kind else { panic!("{:?}", events[0]) };
        assert_eq!(values["losses"], serde_json::json!([0.5, null]));
        let warnings: Vec<&str> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::LogLine { level: LogLevel::Warning, message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            warnings,
            [
                "metric `losses[1]` of `validation` is null: a NaN or infinite number has no JSON form",
                "metric `per_class.cat` of `validation` is null: a NaN or infinite number has no JSON form",
            ]
        );
        assert_eq!(events.len(), 4, "two metrics events and two warnings");
    }
}
