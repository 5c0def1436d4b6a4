//! How the workflow's steps reach the exporter: the exporter is borrowed by
//! [`run_export`](super::run_export), and steps are `'static`, so the steps send each hook call
//! ([`Hooks`]) to the run's own task, which calls the exporter and answers ([`serve`]). Calls
//! are served concurrently: the `save_files` step bounds how many are in flight.

use super::output::ItemOutput;
use super::{ExportDir, ExportItem, Exporter, FileOutcome};
use crate::backend::BackendClient;
use futures_util::StreamExt;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// What saving one item asks of the exporter.
pub(crate) struct SaveRequest {
    pub(crate) item: ExportItem,
    pub(crate) dir: Arc<ExportDir>,
    pub(crate) stem: String,
    pub(crate) scratch: PathBuf,
    pub(crate) client: BackendClient,
    /// Whether the original file is saved too.
    pub(crate) originals: bool,
}

/// What saving one item gave: the original's outcome (when asked for) and the data's.
pub(crate) struct Saved {
    pub(crate) original: Option<FileOutcome>,
    pub(crate) data: FileOutcome,
}

enum Call {
    Convert(ExportItem, oneshot::Sender<Result<ExportItem, String>>),
    Save(Box<SaveRequest>, oneshot::Sender<Saved>),
    Additional(Arc<ExportDir>, oneshot::Sender<Result<(), String>>),
}

/// The steps' side: sends hook calls and waits for their answers.
#[derive(Clone, Debug)]
pub(crate) struct Hooks {
    calls: mpsc::Sender<Call>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Call::Convert(..) => "Convert",
            Call::Save(..) => "Save",
            Call::Additional(..) => "Additional",
        })
    }
}

const GONE: &str = "the exporter is no longer served (the export's run ended)";

impl Hooks {
    /// A pair: the hooks to put in the state, and the calls [`serve`] answers.
    pub(crate) fn channel() -> (Hooks, Calls) {
        let (calls, receiver) = mpsc::channel(64);
        (Hooks { calls }, Calls(receiver))
    }

    /// `before_convert` → `convert_data` → `after_convert` of one item.
    pub(crate) async fn convert(&self, item: ExportItem) -> Result<ExportItem, String> {
        let (reply, answer) = oneshot::channel();
        self.calls.send(Call::Convert(item, reply)).await.map_err(|_| GONE.to_owned())?;
        answer.await.map_err(|_| GONE.to_owned())?
    }

    /// `save_original_file` (when asked for) and `save_as_json` of one item.
    pub(crate) async fn save(&self, request: SaveRequest) -> Result<Saved, String> {
        let (reply, answer) = oneshot::channel();
        self.calls.send(Call::Save(Box::new(request), reply)).await.map_err(|_| GONE.to_owned())?;
        answer.await.map_err(|_| GONE.to_owned())
    }

    /// `additional_files`.
    pub(crate) async fn additional(&self, dir: Arc<ExportDir>) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.calls.send(Call::Additional(dir, reply)).await.map_err(|_| GONE.to_owned())?;
        answer.await.map_err(|_| GONE.to_owned())?
    }
}

/// The run's side: the calls to answer.
pub(crate) struct Calls(mpsc::Receiver<Call>);

/// Answers every call with `exporter`, several at once, until the hooks are dropped.
pub(crate) async fn serve<E: Exporter>(exporter: &E, calls: Calls) {
    let stream = tokio_stream_of(calls.0);
    stream
        .for_each_concurrent(None, |call| async move {
            match call {
                Call::Convert(item, reply) => {
                    let converted = exporter
                        .before_convert(item)
                        .and_then(|item| exporter.convert_data(item))
                        .and_then(|item| exporter.after_convert(item))
                        .map_err(|error| format!("{error:#}"));
                    let _ = reply.send(converted);
                }
                Call::Save(request, reply) => {
                    let request = *request;
                    let out = ItemOutput {
                        dir: &request.dir,
                        stem: &request.stem,
                        scratch: &request.scratch,
                        client: &request.client,
                    };
                    let original = match request.originals {
                        true => Some(exporter.save_original_file(&request.item, out).await),
                        false => None,
                    };
                    let data = exporter.save_as_json(&request.item, out).await;
                    let _ = reply.send(Saved { original, data });
                }
                Call::Additional(dir, reply) => {
                    let done = exporter.additional_files(&dir).await.map_err(|error| format!("{error:#}"));
                    let _ = reply.send(done);
                }
            }
        })
        .await;
}

/// The receiver as a stream.
fn tokio_stream_of<T: Send + 'static>(mut receiver: mpsc::Receiver<T>) -> impl futures_util::Stream<Item = T> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}
