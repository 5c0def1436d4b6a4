//! Running a pipeline in this process: each action in turn, its result merged into the params
//! of the next, a checkpoint committed to the run store after each, and `resume` to continue
//! an interrupted run where it stopped. Its errors are in `error`, the sinks a run's events
//! feed (the overall progress, the store's event log) in `sinks`.

mod error;
mod sinks;

pub use error::PipelineError;
use sinks::{ActionProgress, PipelineProgress, StoreSink};

use super::PipelineDescriptor;
use super::claim::HeldClaim;
use super::store::{Checkpoint, NewRun, RunStatus, RunStore, StoreError};
use crate::action::chain::{self, Fingerprint};
use crate::events::{Emitter, EventKind, OverallProgress, RunId};
use crate::executor::{LocalExecutor, RunOptions};
use crate::registry::{Registry, registry};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::{Instant, SystemTime};
use tokio_util::sync::CancellationToken;

/// A completed pipeline run.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineOutcome {
    /// The run.
    pub run_id: RunId,
    /// The last action's result.
    pub result: Value,
    /// Every action's result, in order (those of skipped actions from their checkpoints).
    pub results: Vec<Value>,
    /// The actions skipped because an earlier attempt completed them.
    pub skipped: Vec<usize>,
}

/// Runs pipelines in this process, recording every run in a [`RunStore`].
///
/// ```
/// use synapse::pipeline::{PipelineRunner, store::RunStore};
/// use std::sync::Arc;
/// let runner = PipelineRunner::new(Arc::new(RunStore::in_memory().unwrap()));
/// # let _ = runner;
/// ```
#[derive(Clone)]
pub struct PipelineRunner {
    store: Arc<RunStore>,
    options: RunOptions,
    take_over: bool,
}

impl PipelineRunner {
    /// A runner recording into `store`, with the default settings.
    pub fn new(store: Arc<RunStore>) -> Self {
        PipelineRunner::from_options(store, RunOptions::default())
    }

    /// A runner recording into `store`, running the actions with the settings of a local run
    /// in `options` (their environment, job id, action thread and grace); the pipeline's events
    /// and its actions' go to their sinks too, and their token cancels the action in flight
    /// (the run stops there, resumable).
    pub fn from_options(store: Arc<RunStore>, options: RunOptions) -> Self {
        PipelineRunner { store, options, take_over: false }
    }

    /// The run store.
    pub fn store(&self) -> &Arc<RunStore> {
        &self.store
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Lets [`resume`](Self::resume) take a run over from another process that claims it.
    ///
    /// A process driving a run claims it in the run store and renews the claim every few
    /// seconds. Resuming a claimed run is refused while its holder lives, and allowed at once
    /// when the holder is a process of this host that died. A holder on another host cannot be
    /// checked: its claim lapses 30 s after its last heartbeat. Take over sooner only when you
    /// know the holder is dead (its machine is gone), or both processes will run the same
    /// actions.
    pub fn with_take_over(mut self) -> Self {
        self.take_over = true;
        self
    }

    /// Starts a new run of `pipeline` with `params`.
    pub async fn run(
        &self,
        pipeline: &'static PipelineDescriptor,
        params: Value,
    ) -> Result<PipelineOutcome, PipelineError> {
        self.run_as(pipeline, params, RunId::random()).await
    }

    /// [`run`](Self::run) under the given run id.
    pub async fn run_as(
        &self,
        pipeline: &'static PipelineDescriptor,
        params: Value,
        run_id: RunId,
    ) -> Result<PipelineOutcome, PipelineError> {
        let emitter = self.emitter(&run_id, true);
        let checked = (|| {
            let problems = chain::chain_problems(&pipeline.actions());
            if !problems.is_empty() {
                return Err(PipelineError::Chain { pipeline: pipeline.name.to_owned(), problems });
            }
            pipeline.validate_params(&params).map_err(PipelineError::InvalidParams)?;
            self.store.create_run(&NewRun {
                run_id: run_id.to_string(),
                pipeline: pipeline.name.to_owned(),
                fingerprint: pipeline.fingerprint().to_text(),
                actions: pipeline.action_names().into_iter().map(str::to_owned).collect(),
                params: params.clone(),
            })?;
            Ok(HeldClaim::take(&self.store, run_id.as_str(), false)?)
        })();
        let claim = match checked {
            Ok(claim) => claim,
            Err(error) => return Err(finish_with(&emitter, error)),
        };
        let accumulated = params.as_object().cloned().unwrap_or_default();
        self.drive(pipeline, &emitter, &claim, accumulated, 0, Vec::new(), false).await
    }

    /// Continues the run `run_id` from its last checkpoint: completed actions are skipped (and
    /// reported so), the accumulated params are restored, and the rest runs. Refused when the
    /// pipeline changed since the run started, naming what changed, and while another live
    /// process drives the run (see [`with_take_over`](Self::with_take_over)).
    pub async fn resume(&self, run_id: &str) -> Result<PipelineOutcome, PipelineError> {
        // Claim the run before reading it: what it holds cannot change under this process.
        // Until the run is known to be this process's, failures are told only to this caller's
        // sinks (a claimed run's event log belongs to its holder; an unknown run has none).
        let untold = |error: PipelineError| finish_with(&self.emitter(&RunId::from(run_id), false), error);
        let claim = HeldClaim::take(&self.store, run_id, self.take_over).map_err(|error| untold(error.into()))?;
        let record = match self.store.run(run_id) {
            Ok(Some(record)) => record,
            Ok(None) => {
                let store = self.store.path().map(Into::into);
                return Err(untold(StoreError::UnknownRun { run_id: run_id.to_owned(), store }.into()));
            }
            Err(error) => return Err(untold(error.into())),
        };
        let emitter = self.emitter(&RunId::from(run_id), true);
        let plugin = registry().map_err(|error| finish_with(&emitter, error.into()))?;
        let Some(pipeline) = plugin.pipeline(&record.pipeline) else {
            return Err(finish_with(
                &emitter,
                PipelineError::UnknownPipeline { name: record.pipeline.clone(), available: pipeline_names(plugin) },
            ));
        };
        if record.status == RunStatus::Completed {
            return Err(finish_with(
                &emitter,
                PipelineError::AlreadyCompleted { run_id: run_id.to_owned(), pipeline: record.pipeline },
            ));
        }
        let now = pipeline.fingerprint();
        let changes = match Fingerprint::from_text(&record.fingerprint) {
            Some(stored) => stored.changes_to(&now),
            None => vec!["the run's fingerprint is unreadable".to_owned()],
        };
        if !changes.is_empty() {
            return Err(finish_with(
                &emitter,
                PipelineError::Changed { run_id: run_id.to_owned(), pipeline: record.pipeline, changes },
            ));
        }
        let next = record.next_action().unwrap_or(record.actions.len());
        let accumulated = match self.store.latest_checkpoint(run_id) {
            Ok(Some(checkpoint)) => checkpoint.params_snapshot.as_object().cloned().unwrap_or_default(),
            Ok(None) => record.params.as_object().cloned().unwrap_or_default(),
            Err(error) => return Err(finish_with(&emitter, error.into())),
        };
        let results: Vec<Value> =
            record.actions[..next].iter().map(|a| a.result.clone().unwrap_or(Value::Null)).collect();
        self.drive(pipeline, &emitter, &claim, accumulated, next, results, true).await
    }

    /// The run's emitter: to the caller's sinks, and to the run's event log in the store if
    /// `store`.
    fn emitter(&self, run_id: &RunId, store: bool) -> Emitter {
        let mut sinks = self.options.sinks.clone();
        if store {
            sinks.push(Arc::new(StoreSink::new(self.store.clone(), run_id.to_string())));
        }
        Emitter::new(run_id.clone(), sinks)
    }

    #[allow(clippy::too_many_arguments)]
    async fn drive(
        &self,
        pipeline: &'static PipelineDescriptor,
        emitter: &Emitter,
        claim: &HeldClaim,
        mut accumulated: Map<String, Value>,
        start: usize,
        mut results: Vec<Value>,
        resumed: bool,
    ) -> Result<PipelineOutcome, PipelineError> {
        let run_id = emitter.run_id().clone();
        let run = run_id.to_string();
        let actions = pipeline.actions();
        emitter.emit(EventKind::PipelineStarted {
            pipeline: pipeline.name.to_owned(),
            actions: actions.iter().map(|a| a.name().to_owned()).collect(),
            resumed,
        });
        let progress = Arc::new(PipelineProgress { overall: OverallProgress::new(), actions: actions.len().max(1) });
        let skipped: Vec<usize> = (0..start).collect();
        for (index, action) in actions.iter().enumerate().take(start) {
            emitter.emit(EventKind::PipelineActionSkipped { index, action: action.name().to_owned() });
            progress.advance(emitter, index, 1.0);
        }
        if let Err(error) = self.store.set_run_status(&run, RunStatus::Running, None) {
            return Err(finish_with(emitter, error.into()));
        }
        let plugin = match registry() {
            Ok(plugin) => plugin,
            Err(error) => return Err(finish_with(emitter, error.into())),
        };
        // The actions' executor: the run's sinks and token are given per action.
        let executor =
            LocalExecutor::from_options(RunOptions { sinks: Vec::new(), cancel: None, ..self.options.clone() });
        for (index, action) in actions.iter().enumerate().skip(start) {
            if let Err(error) = claim.renew() {
                return Err(finish_with(emitter, error.into()));
            }
            let action_run = run_id.action_run(index);
            emitter.emit(EventKind::PipelineActionStarted {
                index,
                action: action.name().to_owned(),
                action_run: action_run.clone(),
            });
            if let Err(error) = self.store.start_action(&run, index) {
                return Err(finish_with(emitter, error.into()));
            }
            let started = Instant::now();
            let params = chain::params_for(action, &accumulated);
            let watcher =
                ActionProgress { emitter: emitter.clone(), progress: progress.clone(), index, run: action_run.clone() };
            let mut sinks = self.options.sinks.clone();
            sinks.push(Arc::new(watcher));
            sinks.push(Arc::new(StoreSink::new(self.store.clone(), run.clone())));
            let cancel = self.options.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
            let plugin_code = plugin.plugin_code_of(action);
            let outcome = executor.run_resolved(plugin_code, action, params, action_run, &sinks, cancel).await;
            match outcome {
                Ok(result) => {
                    chain::merge_result(&mut accumulated, &result);
                    let checkpoint = Checkpoint {
                        run_id: run.clone(),
                        action_index: index,
                        action_name: action.name().to_owned(),
                        params_snapshot: Value::Object(accumulated.clone()),
                        result: result.clone(),
                        created_at: SystemTime::now(),
                    };
                    if let Err(error) = self.store.checkpoint(&checkpoint) {
                        return Err(finish_with(emitter, error.into()));
                    }
                    results.push(result);
                    progress.advance(emitter, index, 1.0);
                    emitter.emit(EventKind::PipelineActionCompleted {
                        index,
                        action: action.name().to_owned(),
                        elapsed_ms: started.elapsed().as_secs_f64() * 1e3,
                    });
                }
                Err(source) => {
                    let message = source.to_string();
                    let status = if source.exit_code() == 130 { RunStatus::Cancelled } else { RunStatus::Failed };
                    emitter.emit(EventKind::PipelineActionFailed {
                        index,
                        action: action.name().to_owned(),
                        error: message.clone(),
                    });
                    let error = PipelineError::ActionFailed {
                        pipeline: pipeline.name.to_owned(),
                        run_id: run.clone(),
                        index,
                        action: action.name().to_owned(),
                        source: Box::new(source),
                    };
                    // The failure is what the caller must hear about; a store error here is
                    // secondary (the run stays resumable from its last checkpoint).
                    let _ = self.store.fail_action(&run, index, &message);
                    let _ = self.store.set_run_status(&run, status, Some(&error.to_string()));
                    return Err(finish_with(emitter, error));
                }
            }
        }
        let result = results.last().cloned().unwrap_or(Value::Null);
        if let Err(error) = self.store.set_run_status(&run, RunStatus::Completed, None) {
            return Err(finish_with(emitter, error.into()));
        }
        emitter.emit(EventKind::Result { value: result.clone() });
        emitter.finish();
        Ok(PipelineOutcome { run_id, result, results, skipped })
    }
}

/// The names of the registry's pipelines (what an unknown name's error lists).
fn pipeline_names(registry: &Registry) -> Vec<String> {
    registry.pipelines().map(|p| p.name.to_owned()).collect()
}

/// Emits `error` as the run's last event and returns it.
fn finish_with(emitter: &Emitter, error: PipelineError) -> PipelineError {
    emitter.flush_progress();
    emitter.emit(EventKind::Error { error: error.report() });
    emitter.finish();
    error
}
