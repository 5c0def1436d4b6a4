//! Training telemetry through a [`Context`], as the Python SDK's job logger records it
//! (`synapse_sdk/loggers.py` `log_metric`, `log_visualization`; `plugins/actions/train/action.py`
//! `report_metrics`): `metric` and `visualization` log events, the latter with its image as a
//! `data:` URI, and per-epoch metrics that also reach the job's metrics record.

use super::Context;
use crate::events::{Attachment, AttachmentError, EventKind, LogLevel, Metrics};
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// The metric categories the platform charts: the Python SDK's `MetricsCategory`
/// (`synapse_sdk/plugins/enums.py`).
pub const METRICS_CATEGORIES: [&str; 3] = ["train", "validation", "test"];

/// The keys of a visualization's data that its arguments give.
const VISUALIZATION_KEYS: [&str; 3] = ["category", "group", "index"];

impl Context {
    /// Records one metric value as the Python SDK's `log_metric` does: a `metric` event (info
    /// level) with data `{"category", "key", "value", "metrics"}`, `metrics` holding the other
    /// values that go with it. It is a log entry only: [`report_metrics`](Self::report_metrics)
    /// also updates the job's metrics record.
    ///
    /// A category other than `train`, `validation` and `test` ([`METRICS_CATEGORIES`]) is
    /// recorded all the same, and the first use of each in the run is followed by a warning in
    /// the developer log (the platform charts those three). A NaN or infinite value is `null`.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::EventKind;
    /// use synapse::events::sink::MemorySink;
    /// use std::sync::Arc;
    ///
    /// let memory = Arc::new(MemorySink::new());
    /// let ctx = Context::builder("train").sink(memory.clone()).build();
    /// ctx.log_metric("train", "loss", 0.5, metrics! { accuracy: 0.95 });
    /// let EventKind::Log { event, data, file, .. } = &memory.events()[0].kind else { panic!() };
    /// assert_eq!(event, "metric");
    /// assert_eq!(*data, serde_json::json!({"category": "train", "key": "loss", "value": 0.5, "metrics": {"accuracy": 0.95}}));
    /// assert!(file.is_none());
    /// ```
    pub fn log_metric(&self, category: &str, key: &str, value: impl Into<Value>, metrics: impl Into<Metrics>) {
        self.warn_unknown_category(category);
        let data = json!({"category": category, "key": key, "value": value.into(), "metrics": metrics.into()});
        self.emit(EventKind::Log { level: LogLevel::Info, event: "metric".to_owned(), data, file: None });
    }

    /// Reports the metrics of one epoch as the Python SDK's `TrainAction.report_metrics` does:
    /// [`log_metric`](Self::log_metric)`(category, "epoch", epoch, metrics)`, and the values
    /// with `epoch` added go to [`set_metrics`](Self::set_metrics) under `category`, so the
    /// job's metrics record (`{"record": {"steps": {<category>: {…}}}}`) holds each category's
    /// latest values and the epoch they are of. The history of every epoch is in the `metric`
    /// log entries. A metric named `epoch` in `metrics` is replaced by `epoch` in the record.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::EventKind;
    /// use synapse::events::sink::MemorySink;
    /// use std::sync::Arc;
    ///
    /// let memory = Arc::new(MemorySink::new());
    /// let ctx = Context::builder("train").sink(memory.clone()).build();
    /// ctx.report_metrics("validation", 3, metrics! { loss: 0.25, map50: 0.7 });
    /// let events = memory.events();
    /// let EventKind::Log { event, data, .. } = &events[0].kind else { panic!() };
    /// assert_eq!((event.as_str(), &data["key"], &data["value"]), ("metric", &serde_json::json!("epoch"), &serde_json::json!(3)));
    /// assert_eq!(data["metrics"], serde_json::json!({"loss": 0.25, "map50": 0.7}));
    /// let EventKind::Metrics { category, values } = &events[1].kind else { panic!() };
    /// assert_eq!(category, "validation");
    /// assert_eq!(serde_json::Value::Object(values.clone()), serde_json::json!({"loss": 0.25, "map50": 0.7, "epoch": 3}));
    /// ```
    pub fn report_metrics(&self, category: &str, epoch: u64, metrics: impl Into<Metrics>) {
        let metrics = metrics.into();
        self.log_metric(category, "epoch", epoch, metrics.clone());
        let mut values = metrics;
        values.insert("epoch".to_owned(), json!(epoch));
        self.set_metrics(values, category);
    }

    /// Records an image as the Python SDK's `log_visualization` does: a `visualization` event
    /// (info level) with data `{"category", "group", "index", …meta}` and the image, read from
    /// `image` now, as its file: a `data:image/png;base64,…` URI (PNG, JPEG, GIF or WebP, known
    /// by its content, else its extension). On a job it is a log entry with that `file`.
    ///
    /// The keys `category`, `group` and `index` are the arguments': the same keys in `meta`
    /// are left out, with a warning in the developer log. A category other than `train`,
    /// `validation` and `test` is warned about as in [`log_metric`](Self::log_metric).
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::EventKind;
    /// use synapse::events::sink::MemorySink;
    /// use std::sync::Arc;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let png = dir.path().join("pred_0.png");
    /// std::fs::write(&png, b"\x89PNG\r\n\x1a\n")?;
    /// let memory = Arc::new(MemorySink::new());
    /// let ctx = Context::builder("train").sink(memory.clone()).build();
    /// ctx.log_visualization("validation", "predictions", 0, &png, metrics! { epoch: 3 })?;
    /// let EventKind::Log { event, data, file, .. } = &memory.events()[0].kind else { panic!() };
    /// assert_eq!(event, "visualization");
    /// assert_eq!(*data, serde_json::json!({"category": "validation", "group": "predictions", "index": 0, "epoch": 3}));
    /// assert_eq!(file.as_deref(), Some("data:image/png;base64,iVBORw0KGgo="));
    ///
    /// let missing = ctx.log_visualization("train", "predictions", 1, dir.path().join("gone.png"), metrics! {});
    /// assert!(missing.unwrap_err().to_string().contains("gone.png"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`AttachmentError`] naming the file when it cannot be read or is no image; nothing is
    /// recorded then.
    pub fn log_visualization(
        &self,
        category: &str,
        group: &str,
        index: u64,
        image: impl AsRef<Path>,
        meta: impl Into<Metrics>,
    ) -> Result<(), AttachmentError> {
        let attachment = Attachment::read_image(image)?;
        self.warn_unknown_category(category);
        let mut data = serde_json::Map::new();
        data.insert("category".to_owned(), json!(category));
        data.insert("group".to_owned(), json!(group));
        data.insert("index".to_owned(), json!(index));
        let mut left_out = Vec::new();
        for (key, value) in meta.into() {
            if VISUALIZATION_KEYS.contains(&key.as_str()) {
                left_out.push(key);
            } else {
                data.insert(key, value);
            }
        }
        let file = Some(attachment.data_uri());
        self.emit(EventKind::Log {
            level: LogLevel::Info,
            event: "visualization".to_owned(),
            data: Value::Object(data),
            file,
        });
        for key in left_out {
            self.logger().warn(format!(
                "visualization `{group}` {index}: its meta key `{key}` is left out (the argument `{key}` gives it)"
            ));
        }
        Ok(())
    }

    /// Records a structured event named `event` with `data` (info level) and the file `path`,
    /// read now, as its file: a `data:<mime>;base64,…` URI, as the Python SDK's `log_event(event,
    /// data, file)` sends it (the media type from the content for PNG, JPEG, GIF and WebP, else
    /// from the extension, else `application/octet-stream`).
    ///
    /// # Errors
    /// [`AttachmentError::Read`] naming the file when it cannot be read; nothing is recorded then.
    pub fn log_with_file(
        &self,
        event: &str,
        data: impl Serialize,
        path: impl AsRef<Path>,
    ) -> Result<(), AttachmentError> {
        let file = Some(Attachment::read(path)?.data_uri());
        self.emit(EventKind::Log {
            level: LogLevel::Info,
            event: event.to_owned(),
            data: super::reporting::to_data(data),
            file,
        });
        Ok(())
    }

    /// Warns, the first time in the run, about a metric category the platform does not chart.
    fn warn_unknown_category(&self, category: &str) {
        if METRICS_CATEGORIES.contains(&category) {
            return;
        }
        let first = self
            .inner
            .other_categories
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(category.to_owned());
        if first {
            self.logger().warn(format!(
                "metric category `{category}` is none of {}: it is recorded, but the platform charts only those",
                METRICS_CATEGORIES.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::sink::MemorySink;
    use std::sync::Arc;

    fn warnings(memory: &MemorySink) -> Vec<String> {
        memory
            .events()
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::LogLine { level: LogLevel::Warning, message, .. } => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn another_category_is_recorded_and_warned_about_once() {
        let memory = Arc::new(MemorySink::new());
        let ctx = Context::builder("train").sink(memory.clone()).build();
        for epoch in 1..=3 {
            ctx.report_metrics("val", epoch, crate::metrics! { loss: 0.1 });
            ctx.report_metrics("train", epoch, crate::metrics! { loss: 0.2 });
        }
        assert_eq!(
            warnings(&memory),
            [
                "metric category `val` is none of train, validation, test: it is recorded, but the platform charts only those"
            ]
        );
        let metrics = memory
            .events()
            .iter()
            .filter(|e| matches!(&e.kind, EventKind::Metrics { category, .. } if category == "val"))
            .count();
        assert_eq!(metrics, 3);
    }

    #[test]
    fn meta_cannot_replace_the_arguments_and_says_so() {
        let dir = tempfile::tempdir().expect("dir");
        let image = dir.path().join("x.gif");
        std::fs::write(&image, b"GIF89a....").expect("write");
        let memory = Arc::new(MemorySink::new());
        let ctx = Context::builder("train").sink(memory.clone()).build();
        ctx.log_visualization("test", "samples", 2, &image, crate::metrics! { index: 9, note: "ok" }).expect("logged");
        let events = memory.events();
        let EventKind::Log { data, file, .. } = &events[0].kind else { panic!("{:?}", events[0]) };
        assert_eq!(*data, json!({"category": "test", "group": "samples", "index": 2, "note": "ok"}));
        assert!(file.as_deref().is_some_and(|f| f.starts_with("data:image/gif;base64,")));
        assert_eq!(
            warnings(&memory),
            ["visualization `samples` 2: its meta key `index` is left out (the argument `index` gives it)"]
        );
    }

    #[test]
    fn a_file_that_is_no_image_records_nothing() {
        let dir = tempfile::tempdir().expect("dir");
        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"loss went down").expect("write");
        let memory = Arc::new(MemorySink::new());
        let ctx = Context::builder("train").sink(memory.clone()).build();
        let error = ctx.log_visualization("train", "g", 0, &text, Metrics::new()).expect_err("refused");
        assert!(matches!(error, AttachmentError::NotAnImage { ref path } if path == &text));
        assert!(memory.events().is_empty());
        ctx.log_with_file("notes", json!({"epoch": 1}), &text).expect("any file goes with log_with_file");
        let EventKind::Log { event, file, .. } = &memory.events()[0].kind else { panic!() };
        assert_eq!((event.as_str(), file.as_deref()), ("notes", Some("data:text/plain;base64,bG9zcyB3ZW50IGRvd24=")));
    }
}
