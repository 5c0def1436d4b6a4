//! Human-readable output: one line per event, and a progress bar per category when the
//! output is a terminal (plain progress lines at every 10 % otherwise).

use super::EventSink;
use crate::events::{Event, EventKind, LogLevel, RunId};
use console::{Style, Term};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

/// Renders events for a person watching the run.
///
/// ```
/// use synapse::events::{Emitter, EventKind, LogLevel, RunId, sink::ConsoleSink};
/// use std::sync::Arc;
///
/// let out = Arc::new(std::sync::Mutex::new(Vec::new()));
/// let sink = Arc::new(ConsoleSink::plain(SharedBuf(out.clone())));
/// let emitter = Emitter::new(RunId::from("r1"), vec![sink]);
/// emitter.emit(EventKind::Message { level: LogLevel::Success, text: "saved".into(), code: None });
/// emitter.finish();
/// assert_eq!(String::from_utf8(out.lock().unwrap().clone()).unwrap(), "success saved\n");
/// # struct SharedBuf(Arc<std::sync::Mutex<Vec<u8>>>);
/// # impl std::io::Write for SharedBuf {
/// #     fn write(&mut self, b: &[u8]) -> std::io::Result<usize> { self.0.lock().unwrap().write(b) }
/// #     fn flush(&mut self) -> std::io::Result<()> { Ok(()) }
/// # }
/// ```
pub struct ConsoleSink {
    state: Mutex<State>,
    verbose: bool,
}

struct State {
    output: Output,
    /// What each run is (an action or a pipeline) and when it started.
    runs: HashMap<RunId, (String, SystemTime)>,
    /// The runs of a pipeline's actions, and the pipeline runs, whose main progress is labelled
    /// with the action's name and "overall" (one bar per action plus the overall bar).
    labels: HashMap<RunId, String>,
}

/// A progress bar's key: the run and the category.
type BarKey = (RunId, Option<String>);

enum Output {
    Bars { multi: MultiProgress, bars: HashMap<BarKey, ProgressBar> },
    Plain { out: Box<dyn Write + Send>, styled: bool, shown_decile: HashMap<BarKey, u64> },
}

impl ConsoleSink {
    /// Writes to standard error: progress bars when it is a terminal, plain lines otherwise.
    pub fn stderr() -> Self {
        let output = if Term::stderr().is_term() {
            Output::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(12)),
                bars: HashMap::new(),
            }
        } else {
            Output::Plain { out: Box::new(std::io::stderr()), styled: false, shown_decile: HashMap::new() }
        };
        ConsoleSink::with_output(output)
    }

    /// Writes plain, unstyled lines to `out`.
    pub fn plain(out: impl Write + Send + 'static) -> Self {
        ConsoleSink::with_output(Output::Plain { out: Box::new(out), styled: false, shown_decile: HashMap::new() })
    }

    fn with_output(output: Output) -> Self {
        ConsoleSink {
            state: Mutex::new(State { output, runs: HashMap::new(), labels: HashMap::new() }),
            verbose: false,
        }
    }

    /// Also shows developer events and debug lines.
    pub fn verbose(mut self, yes: bool) -> Self {
        self.verbose = yes;
        self
    }
}

impl EventSink for ConsoleSink {
    fn emit(&self, event: &Event) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let styled =
            matches!(state.output, Output::Bars { .. }) || matches!(state.output, Output::Plain { styled: true, .. });
        let line = match &event.kind {
            EventKind::Started { action, .. } => {
                state.runs.insert(event.run.clone(), (action.clone(), event.ts));
                let short = event.run.as_str().get(..8).unwrap_or(event.run.as_str());
                Some(paint(styled, Style::new().bold(), &format!("▶ {action}  (run {short})")))
            }
            // A captured record passed the run's log filter already: it shows at any level.
            EventKind::LogLine { level, message, target, fields } => {
                (self.verbose || *level != LogLevel::Debug || target.is_some()).then(|| {
                    let source = target
                        .as_deref()
                        .map(|target| format!("{} ", paint(styled, Style::new().dim(), &format!("[{target}]"))))
                        .unwrap_or_default();
                    let fields: String = fields.iter().map(|(key, value)| format!(" {key}={value}")).collect();
                    format!("{} {source}{message}{fields}", level_tag(styled, *level))
                })
            }
            EventKind::Log { level, event: name, data, file } => Some(format!(
                "{} {}{}{}",
                level_tag(styled, *level),
                paint(styled, Style::new().cyan(), name),
                compact_data(data),
                file.as_deref().map(file_summary).unwrap_or_default()
            )),
            EventKind::Message { level, text, .. } => Some(format!("{} {text}", level_tag(styled, *level))),
            EventKind::DevEvent { message, data } => self
                .verbose
                .then(|| format!("{} {message}{}", paint(styled, Style::new().dim(), "dev"), compact_data(data))),
            EventKind::Metrics { category, values } => {
                let pairs: Vec<String> = values.iter().map(|(k, v)| format!("{k}={v}")).collect();
                Some(format!("{} [{category}] {}", paint(styled, Style::new().magenta(), "metrics"), pairs.join(", ")))
            }
            EventKind::Progress { category, current, total } => {
                let label = match category {
                    Some(category) => category.clone(),
                    None => state.labels.get(&event.run).cloned().unwrap_or_else(|| "progress".into()),
                };
                progress(&mut state.output, (event.run.clone(), category.clone()), &label, *current, *total);
                None
            }
            EventKind::PipelineStarted { pipeline, actions, resumed } => {
                state.runs.insert(event.run.clone(), (format!("pipeline {pipeline}"), event.ts));
                state.labels.insert(event.run.clone(), "overall".into());
                let how = if *resumed { "resuming" } else { "pipeline" };
                let short = event.run.as_str().get(..8).unwrap_or(event.run.as_str());
                Some(paint(
                    styled,
                    Style::new().bold(),
                    &format!("▶ {how} {pipeline}: {}  (run {short})", actions.join(" → ")),
                ))
            }
            EventKind::PipelineActionStarted { index, action, action_run } => {
                state.labels.insert(action_run.clone(), action.clone());
                Some(format!("{} {action}", paint(styled, Style::new().bold(), &format!("[{}]", index + 1))))
            }
            EventKind::PipelineActionCompleted { index, action, elapsed_ms } => Some(paint(
                styled,
                Style::new().green(),
                &format!("[{}] {action} completed in {} (checkpoint saved)", index + 1, human_ms(*elapsed_ms)),
            )),
            EventKind::PipelineActionSkipped { index, action } => Some(paint(
                styled,
                Style::new().dim(),
                &format!("[{}] {action} skipped: completed in an earlier attempt", index + 1),
            )),
            EventKind::PipelineActionFailed { index, action, .. } => {
                Some(paint(styled, Style::new().red(), &format!("[{}] {action} failed", index + 1)))
            }
            EventKind::WorkflowStarted { steps, normalized_from } => {
                let plan: Vec<String> = steps.iter().map(|s| format!("{} {:.0}%", s.name, s.weight * 100.0)).collect();
                let note =
                    normalized_from.map(|sum| format!(" (weights normalized from a sum of {sum})")).unwrap_or_default();
                Some(format!("{} {}{note}", paint(styled, Style::new().bold(), "workflow"), plan.join(" → ")))
            }
            EventKind::StepStarted { weight, .. } => Some(format!("started ({:.0}% of the run)", weight * 100.0)),
            EventKind::StepCompleted { elapsed_ms, attempts, .. } => {
                let retried = if *attempts > 1 { format!(" after {attempts} attempts") } else { String::new() };
                Some(paint(styled, Style::new().green(), &format!("completed in {}{retried}", human_ms(*elapsed_ms))))
            }
            EventKind::StepSkipped {} => Some(paint(styled, Style::new().dim(), "skipped")),
            EventKind::StepFailed { attempt, will_retry, error } => {
                let what = if *will_retry {
                    format!("attempt {attempt} failed, retrying: {error}")
                } else {
                    format!("failed: {error}")
                };
                Some(paint(styled, Style::new().red(), &what))
            }
            EventKind::RollbackStarted {} => Some(paint(styled, Style::new().yellow(), "rolling back")),
            EventKind::RollbackCompleted { elapsed_ms } => {
                Some(paint(styled, Style::new().yellow(), &format!("rolled back in {}", human_ms(*elapsed_ms))))
            }
            EventKind::RollbackFailed { error } => {
                Some(paint(styled, Style::new().red().bold(), &format!("rollback failed: {error}")))
            }
            EventKind::Result { .. } => {
                finish_bars(&mut state.output, &event.run, true);
                let (name, started) = state.runs.remove(&event.run).unwrap_or_else(|| (String::new(), event.ts));
                let elapsed = event.ts.duration_since(started).unwrap_or_default();
                Some(paint(
                    styled,
                    Style::new().green().bold(),
                    &format!("✔ {name} finished in {}", human_duration(elapsed)),
                ))
            }
            EventKind::Error { error } => {
                finish_bars(&mut state.output, &event.run, false);
                state.runs.remove(&event.run);
                Some(paint(styled, Style::new().red().bold(), &format!("✖ {error}")))
            }
        };
        if let Some(line) = line {
            let prefixed = match &event.step {
                Some(step) => format!("{} {line}", paint(styled, Style::new().dim(), &format!("[{step}]"))),
                None => line,
            };
            print_line(&mut state.output, &prefixed);
        }
    }

    fn flush(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Output::Plain { out, .. } = &mut state.output {
            let _ = out.flush();
        }
    }
}

fn paint(styled: bool, style: Style, text: &str) -> String {
    if styled { style.apply_to(text).to_string() } else { text.to_owned() }
}

fn level_tag(styled: bool, level: LogLevel) -> String {
    let style = match level {
        LogLevel::Debug => Style::new().dim(),
        LogLevel::Info => Style::new().blue(),
        LogLevel::Success => Style::new().green(),
        LogLevel::Warning => Style::new().yellow(),
        LogLevel::Danger | LogLevel::Error | LogLevel::Critical => Style::new().red(),
    };
    paint(styled, style, level.as_str())
}

fn compact_data(data: &serde_json::Value) -> String {
    match data {
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(map) if map.is_empty() => String::new(),
        other => format!(" {other}"),
    }
}

/// A file as a short note, never its content: ` [image/png, 12.4 KiB]`.
fn file_summary(file: &str) -> String {
    match crate::events::data_uri_summary(file) {
        Some((mime, size)) => format!(" [{mime}, {}]", bytesize::ByteSize::b(size as u64).display().iec()),
        None => format!(" [file of {} characters]", file.len()),
    }
}

fn print_line(output: &mut Output, line: &str) {
    match output {
        Output::Bars { multi, .. } => {
            let _ = multi.println(line);
        }
        Output::Plain { out, .. } => write_line(out, line),
    }
}

/// Writes `line` and its newline in one call, so that a writer locking per call (stderr) never
/// has another thread's output land inside it.
fn write_line(out: &mut Box<dyn Write + Send>, line: &str) {
    let mut whole = String::with_capacity(line.len() + 1);
    whole.push_str(line);
    whole.push('\n');
    let _ = out.write_all(whole.as_bytes());
}

fn percent(current: u64, total: u64) -> u64 {
    if total == 0 { 0 } else { (u128::from(current) * 100 / u128::from(total)) as u64 }
}

fn progress(output: &mut Output, key: BarKey, label: &str, current: u64, total: u64) {
    let label = label.to_owned();
    match output {
        Output::Bars { multi, bars } => {
            let bar = bars.entry(key).or_insert_with(|| {
                let bar = multi.add(ProgressBar::new(total));
                let style = ProgressStyle::with_template(
                    "{prefix:>12.bold} [{bar:30.cyan/blue}] {pos}/{len} {percent:>3}% eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                bar.set_style(style);
                bar.set_prefix(label);
                bar
            });
            bar.set_length(total);
            bar.set_position(current);
        }
        Output::Plain { out, shown_decile, .. } => {
            let decile = percent(current, total) / 10;
            let last = shown_decile.get(&key).copied();
            let restarted = last.is_some_and(|last| decile < last);
            if last.is_none_or(|last| decile > last) || restarted {
                shown_decile.insert(key, decile);
                write_line(out, &format!("{label} {:>3}% ({current}/{total})", percent(current, total)));
            }
        }
    }
}

/// Ends the bars of one run (a pipeline's overall bar outlives its actions' bars).
fn finish_bars(output: &mut Output, run: &RunId, success: bool) {
    match output {
        Output::Bars { bars, .. } => {
            let done: Vec<BarKey> = bars.keys().filter(|(r, _)| r == run).cloned().collect();
            for key in done {
                if let Some(bar) = bars.remove(&key) {
                    if success { bar.finish() } else { bar.abandon() }
                }
            }
        }
        Output::Plain { shown_decile, .. } => shown_decile.retain(|(r, _), _| r != run),
    }
}

fn human_ms(ms: f64) -> String {
    human_duration(std::time::Duration::from_secs_f64(ms.max(0.0) / 1e3))
}

fn human_duration(d: std::time::Duration) -> String {
    let micros = d.as_micros();
    if micros < 1_000 {
        format!("{micros}µs")
    } else if micros < 1_000_000 {
        format!("{:.1}ms", micros as f64 / 1e3)
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{Emitter, EventKind, LogLevel, RunId};
    use std::sync::Arc;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).write(bytes)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_file_is_shown_by_its_type_and_size_never_its_content() {
        let out = Shared::default();
        let emitter = Emitter::new(RunId::from("r1"), vec![Arc::new(ConsoleSink::plain(out.clone()))]);
        let content = "A".repeat(4096);
        emitter.emit(EventKind::Log {
            level: LogLevel::Info,
            event: "visualization".into(),
            data: serde_json::json!({"group": "predictions"}),
            file: Some(format!("data:image/png;base64,{content}")),
        });
        emitter.finish();
        let text = String::from_utf8(out.0.lock().unwrap_or_else(PoisonError::into_inner).clone()).unwrap_or_default();
        assert_eq!(text, "info visualization {\"group\":\"predictions\"} [image/png, 3.0 KiB]\n");
    }
}
