//! What Rust code logs reaches the run: `tracing` events, and `log` records (through
//! `tracing-log`), become `log_line` events of the run they belong to.
//!
//! Rust authors log with `tracing` or `log`, as Python authors use `logging`; so do the
//! libraries they call, and the framework itself. [`LogCapture`] is a `tracing-subscriber`
//! layer that turns each record into a [`LogLine`](super::EventKind::LogLine) event with its
//! level and target, tagged with the workflow step it happened in, so it shows on the
//! console, in `--json`, in Ray job logs — wherever the run's events go.
//!
//! Which run: every local run is a `synapse.run` span, every step attempt and rollback a
//! `synapse.step` span inside it; a record logged in a run's span (the action's code, the
//! tasks and blocking work it started with [`Context::spawn`](crate::Context::spawn) and
//! [`Context::spawn_blocking`](crate::Context::spawn_blocking)) belongs to that run. A record
//! outside every run span (a thread of some library) belongs to the one run of this process if
//! there is exactly one; otherwise it is written to standard error, like the records logged
//! while no run is going on (a warning while packaging, say), so none is dropped silently.
//!
//! The plugin binary installs the layer by itself ([`install`]), with the level from its
//! `--log-level` option or `RUST_LOG` (default `info`). A host application that runs actions in
//! its own process keeps its own subscriber and adds the layer:
//!
//! ```
//! use synapse::events::LogCapture;
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let subscriber = tracing_subscriber::registry().with(LogCapture::new());
//! tracing::subscriber::with_default(subscriber, || {
//!     // … run actions: what they log with `tracing` or `log` joins their event streams.
//! });
//! ```

use super::Emitter;
use super::model::{EventKind, LogLevel, RunId};
use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_log::NormalizeEvent;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

/// The name of the span every local run is (its field `run` holds the run id).
pub const RUN_SPAN: &str = "synapse.run";

/// The name of the span every step attempt and rollback is (its field `step` holds the step).
pub const STEP_SPAN: &str = "synapse.step";

/// The target of the lines [`Logger`](crate::Logger) writes: they are events of the run
/// already, so they are not captured a second time.
const LOGGER_TARGET: &str = "synapse::action";

/// Whether a [`LogCapture`] layer was created in this process: until then, runs register
/// nothing and their spans cost nothing.
static CAPTURING: AtomicBool = AtomicBool::new(false);

/// The runs going on in this process, for the records logged outside their spans.
static RUNS: Mutex<Vec<(RunId, Emitter)>> = Mutex::new(Vec::new());

/// Turns `tracing` events (and `log` records, through `tracing-log`) into `log_line` events
/// of the run they belong to (see the [module](self) docs).
#[derive(Debug)]
pub struct LogCapture {
    _private: (),
}

impl Default for LogCapture {
    fn default() -> Self {
        LogCapture::new()
    }
}

impl LogCapture {
    /// The layer. Add it to a `tracing-subscriber` registry, with a filter of your own if you
    /// like (`LogCapture::new().with_filter(LevelFilter::INFO)`).
    pub fn new() -> Self {
        CAPTURING.store(true, Ordering::Relaxed);
        LogCapture { _private: () }
    }
}

/// A run registered for capture while it lives (see [`register`]).
pub(crate) struct Registered {
    run: Option<RunId>,
}

/// Whether a [`LogCapture`] exists in this process (runs are then spans, and registered).
pub(crate) fn is_on() -> bool {
    CAPTURING.load(Ordering::Relaxed)
}

/// Registers the run of `emitter` for the records logged outside its span, when capture is on.
pub(crate) fn register(emitter: &Emitter) -> Registered {
    if !is_on() {
        return Registered { run: None };
    }
    let run = emitter.run_id().clone();
    runs().push((run.clone(), emitter.clone()));
    Registered { run: Some(run) }
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(run) = &self.run {
            let mut runs = runs();
            if let Some(at) = runs.iter().position(|(r, _)| r == run) {
                runs.remove(at);
            }
        }
    }
}

fn runs() -> std::sync::MutexGuard<'static, Vec<(RunId, Emitter)>> {
    RUNS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The span a run's body runs in (disabled, at no cost, when nothing captures).
pub(crate) fn run_span(run: &RunId, action: &str) -> tracing::Span {
    tracing::info_span!(target: "synapse", RUN_SPAN, run = run.as_str(), action)
}

/// The span a step attempt or rollback runs in.
pub(crate) fn step_span(step: &str) -> tracing::Span {
    tracing::info_span!(target: "synapse", STEP_SPAN, step)
}

/// What the layer keeps on a span of a run.
struct RunOf(Emitter);

/// What the layer keeps on a span of a step.
struct StepOf(String);

/// Reads one string field of a span's attributes.
struct FieldOf<'a> {
    name: &'a str,
    value: Option<String>,
}

impl Visit for FieldOf<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == self.name {
            self.value = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == self.name {
            self.value = Some(format!("{value:?}"));
        }
    }
}

/// The message of a record, and its other fields as JSON values.
#[derive(Default)]
struct Line {
    message: String,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl Line {
    fn field(&mut self, field: &Field, value: serde_json::Value) {
        // `log` records come with their metadata as `log.*` fields: the target and level say it.
        if !field.name().starts_with("log.") {
            self.fields.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Line {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.field(field, value.into());
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        // NaN and the infinities have no JSON number: their text says what they are.
        let value = serde_json::Number::from_f64(value).map_or_else(|| value.to_string().into(), Into::into);
        self.field(field, value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, value.into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.field(field, format!("{value:?}").into());
        }
    }
}

impl<S> Layer<S> for LogCapture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, id: &tracing::span::Id, ctx: Context<'_, S>) {
        let name = attrs.metadata().name();
        let field = match name {
            RUN_SPAN => "run",
            STEP_SPAN => "step",
            _ => return,
        };
        let mut value = FieldOf { name: field, value: None };
        attrs.record(&mut value);
        let (Some(value), Some(span)) = (value.value, ctx.span(id)) else { return };
        if name == STEP_SPAN {
            span.extensions_mut().insert(StepOf(value));
            return;
        }
        let emitter = runs().iter().find(|(run, _)| run.as_str() == value).map(|(_, emitter)| emitter.clone());
        if let Some(emitter) = emitter {
            span.extensions_mut().insert(RunOf(emitter));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let normalized = event.normalized_metadata();
        let metadata: &Metadata<'_> = normalized.as_ref().unwrap_or_else(|| event.metadata());
        if metadata.target() == LOGGER_TARGET {
            return;
        }
        let mut line = Line::default();
        event.record(&mut line);
        let Line { message, fields } = line;
        let level = level_of(metadata.level());
        let target = metadata.target().to_owned();
        // Logged by a sink while it handles an event (a store that cannot write, say): into
        // the stream it came from it cannot go.
        if super::emitter::delivering() {
            return to_stderr(level, &target, &message, &fields);
        }
        let mut step = None;
        let mut emitter = None;
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope {
                let extensions = span.extensions();
                if step.is_none()
                    && let Some(StepOf(name)) = extensions.get::<StepOf>()
                {
                    step = Some(name.clone());
                }
                if let Some(RunOf(found)) = extensions.get::<RunOf>() {
                    emitter = Some(found.clone());
                    break;
                }
            }
        }
        let emitter = emitter.or_else(|| match runs().as_slice() {
            [(_, only)] => Some(only.clone()),
            _ => None,
        });
        match emitter {
            Some(emitter) => {
                let line = EventKind::LogLine { level, message, target: Some(target), fields };
                emitter.emit_in_step(step.as_deref(), line)
            }
            // Records of no run (the command's own machinery: HTTP clients, packaging) are
            // shown from warnings up, whatever the level asked for the runs.
            None if level >= LogLevel::Warning => to_stderr(level, &target, &message, &fields),
            None => {}
        }
    }
}

fn level_of(level: &Level) -> LogLevel {
    match *level {
        Level::ERROR => LogLevel::Error,
        Level::WARN => LogLevel::Warning,
        Level::INFO => LogLevel::Info,
        Level::DEBUG | Level::TRACE => LogLevel::Debug,
    }
}

/// A record that belongs to no run: one line on standard error, written whole.
fn to_stderr(level: LogLevel, target: &str, message: &str, fields: &serde_json::Map<String, serde_json::Value>) {
    let fields: String = fields.iter().map(|(key, value)| format!(" {key}={value}")).collect();
    let line = format!("{level} [{target}] {message}{fields}\n");
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// The filter [`install`] installed.
static INSTALLED_FILTER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The filter of the capture [`install`] installed in this process, if it did: what a run in
/// another process (a child, a Ray job, a worker) is given as its `RUST_LOG`, so that it
/// captures the same records.
pub fn installed_filter() -> Option<&'static str> {
    INSTALLED_FILTER.get().map(String::as_str)
}

/// Why [`install`] did not install the capture.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InstallError {
    /// The filter is not of the form `level` or `target=level,…`.
    #[error(
        "invalid log filter `{filter}` (from {origin}): {reason}; use a level (`error`, `warn`, `info`, `debug`, \
         `trace`, `off`) or `target=level` pairs separated by commas, like `my_plugin=debug,info`"
    )]
    Filter {
        /// The filter as given.
        filter: String,
        /// Where it came from: `--log-level` or `RUST_LOG`.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// Another global subscriber was installed first.
    #[error("a tracing subscriber is already installed in this process")]
    AlreadyInstalled,
}

/// Installs the capture as this process's global subscriber, with `level` (`--log-level`) as
/// its filter, else `RUST_LOG`, else `info`: a level, or `target=level` pairs like
/// `my_plugin=debug,hyper=warn,info`. `log` records are captured too. The plugin binary calls
/// this; a host application adds [`LogCapture`] to its own subscriber instead.
pub fn install(level: Option<&str>) -> Result<(), InstallError> {
    use tracing_subscriber::layer::SubscriberExt;
    let parse = |filter: &str, origin: &'static str| {
        filter.parse::<tracing_subscriber::filter::Targets>().map_err(|error| InstallError::Filter {
            filter: filter.to_owned(),
            origin,
            reason: error.to_string(),
        })
    };
    let (filter, targets) = match level {
        Some(level) => (level.to_owned(), parse(level, "--log-level")?),
        None => match std::env::var("RUST_LOG").ok().filter(|value| !value.trim().is_empty()) {
            // RUST_LOG is often set for other programs, in a syntax of theirs: one this cannot
            // read does not stop the command, it falls back to the default.
            Some(value) => match parse(&value, "RUST_LOG") {
                Ok(targets) => (value, targets),
                Err(error) => {
                    eprintln!("warning: {error}; capturing at `info` instead");
                    ("info".to_owned(), parse("info", "the default")?)
                }
            },
            None => ("info".to_owned(), parse("info", "the default")?),
        },
    };
    let max = tracing_subscriber::layer::Filter::<tracing_subscriber::Registry>::max_level_hint(&targets)
        .unwrap_or(tracing_subscriber::filter::LevelFilter::TRACE);
    // The run and step spans are always on, whatever the level: they say which run a record
    // belongs to.
    let spans = tracing_subscriber::filter::filter_fn(|metadata| {
        metadata.is_span() && matches!(metadata.name(), RUN_SPAN | STEP_SPAN)
    });
    let combined = tracing_subscriber::filter::FilterExt::or(targets, spans);
    let subscriber = tracing_subscriber::registry().with(LogCapture::new().with_filter(combined));
    tracing::subscriber::set_global_default(subscriber).map_err(|_| InstallError::AlreadyInstalled)?;
    let _ = INSTALLED_FILTER.set(filter);
    // `log` records become tracing events (a logger installed by someone else wins).
    let _ = tracing_log::LogTracer::builder().with_max_level(log_level(max)).init();
    Ok(())
}

fn log_level(max: tracing_subscriber::filter::LevelFilter) -> tracing_log::log::LevelFilter {
    use tracing_log::log;
    use tracing_subscriber::filter::LevelFilter;
    match max {
        LevelFilter::OFF => log::LevelFilter::Off,
        LevelFilter::ERROR => log::LevelFilter::Error,
        LevelFilter::WARN => log::LevelFilter::Warn,
        LevelFilter::INFO => log::LevelFilter::Info,
        LevelFilter::DEBUG => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    }
}
