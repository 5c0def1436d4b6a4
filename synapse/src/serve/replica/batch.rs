//! Request batching: per model, the requests that arrive within the wait of a batch's first
//! (up to the size bound) go to one `infer` call, as Ray Serve's `@serve.batch` does; batches
//! of one model run one at a time, batches of different models side by side.

use super::super::{Batching, ServeDeployment, ServeError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{mpsc, oneshot};

/// One request waiting in a batch.
struct Item<D: ServeDeployment> {
    model: Arc<D::Model>,
    input: D::Input,
    reply: oneshot::Sender<Result<D::Output, ServeError>>,
}

pub(super) struct Batcher<D: ServeDeployment> {
    deployment: &'static D,
    batching: Batching,
    queues: Mutex<HashMap<u64, mpsc::UnboundedSender<Item<D>>>>,
}

/// `infer` gave another number of outputs than it had inputs.
pub(super) fn count_mismatch(model: u64, inputs: usize, outputs: usize) -> ServeError {
    ServeError::Inference {
        model,
        message: format!(
            "infer returned {outputs} outputs for {inputs} inputs: it must return one per input, in order"
        ),
    }
}

impl<D: ServeDeployment> Batcher<D> {
    pub(super) fn new(deployment: &'static D, batching: Batching) -> Self {
        Batcher { deployment, batching, queues: Mutex::default() }
    }

    /// Infers over `input` with `model` (model `id`), in a batch with other requests for it.
    pub(super) async fn submit(&self, id: u64, model: Arc<D::Model>, input: D::Input) -> Result<D::Output, ServeError> {
        let (reply, answer) = oneshot::channel();
        let mut item = Item { model, input, reply };
        // A queue whose task ended (it cannot: it holds its receiver while a sender lives) is
        // replaced once.
        for _ in 0..2 {
            let sender = self.queue(id);
            match sender.send(item) {
                Ok(()) => {
                    return answer.await.unwrap_or_else(|_| {
                        Err(ServeError::Inference { model: id, message: "its batch ended without an answer".into() })
                    });
                }
                Err(mpsc::error::SendError(returned)) => {
                    self.queues.lock().unwrap_or_else(PoisonError::into_inner).remove(&id);
                    item = returned;
                }
            }
        }
        Err(ServeError::Inference { model: id, message: "its batch queue is gone".into() })
    }

    fn queue(&self, id: u64) -> mpsc::UnboundedSender<Item<D>> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues
            .entry(id)
            .or_insert_with(|| {
                let (sender, receiver) = mpsc::unbounded_channel();
                tokio::spawn(run_queue(self.deployment, self.batching, id, receiver));
                sender
            })
            .clone()
    }
}

/// Gathers model `id`'s requests into batches and infers over each in turn.
async fn run_queue<D: ServeDeployment>(
    deployment: &'static D,
    batching: Batching,
    id: u64,
    mut receiver: mpsc::UnboundedReceiver<Item<D>>,
) {
    // A request for another load of the model (it was reloaded) waits for the next batch.
    let mut carried: Option<Item<D>> = None;
    loop {
        let first = match carried.take() {
            Some(item) => item,
            None => match receiver.recv().await {
                Some(item) => item,
                None => return,
            },
        };
        let deadline = tokio::time::Instant::now() + batching.max_wait;
        let mut batch = vec![first];
        while batch.len() < batching.max_batch_size {
            let next = tokio::select! {
                item = receiver.recv() => item,
                () = tokio::time::sleep_until(deadline) => None,
            };
            match next {
                Some(item) if Arc::ptr_eq(&item.model, &batch[0].model) => batch.push(item),
                Some(item) => {
                    carried = Some(item);
                    break;
                }
                None => break,
            }
        }
        let model = batch[0].model.clone();
        let (inputs, replies): (Vec<D::Input>, Vec<_>) = batch.into_iter().map(|item| (item.input, item.reply)).unzip();
        let count = inputs.len();
        match deployment.infer(&model, inputs).await {
            Ok(outputs) if outputs.len() == count => {
                for (reply, output) in replies.into_iter().zip(outputs) {
                    let _ = reply.send(Ok(output));
                }
            }
            Ok(outputs) => {
                let error = count_mismatch(id, count, outputs.len());
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
            Err(error) => {
                let error = ServeError::Inference { model: id, message: format!("{error:#}") };
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
    }
}
