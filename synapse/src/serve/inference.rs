//! Inference in an action: [`infer_with`] runs a [`ServeDeployment`] over a batch of inputs in
//! the action's own process — the model read with the run's backend client, its file downloaded
//! and extracted once into the model cache, loaded once per process.

use super::replica::Replica;
use super::{ModelSelection, ModelSource, ServeDeployment, ServeError, ServeOptions, TokenPolicy};
use crate::context::Context;
use crate::train::MODEL_CACHE_ENV;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The replicas of this process, by deployment type and backend: a resident worker (task mode)
/// keeps its loaded models from one run to the next.
type Held = HashMap<(TypeId, String), Arc<dyn Any + Send + Sync>>;

/// Infers over `inputs` with model `model` of the run's backend, in this process: the SDK's
/// `BaseInferenceAction` (`load_model(id)`, then `infer(model, inputs)`) over a
/// [`ServeDeployment`], so one deployment serves both its HTTP replicas and its inference
/// action. One output per input, in order.
///
/// The model is read with the run's backend client ([`Context::client`]) and its file extracted
/// into the model cache (`SYNAPSE_MODEL_CACHE`, as [`train`](crate::train)'s checkpoints); the
/// loaded model is kept by the process (up to [`DEFAULT_MAX_MODELS`](super::DEFAULT_MAX_MODELS)),
/// so the runs of a resident task-mode worker load it once.
///
/// ```no_run
/// use synapse::prelude::*;
/// # use synapse::serve::{ModelInfo, ServeDeployment};
/// # #[params] pub struct Numbers { pub values: Vec<f64> }
/// # pub struct Adder;
/// # impl ServeDeployment for Adder {
/// #     type Model = f64; type Input = Numbers; type Output = f64;
/// #     async fn load_model(&self, _: ModelInfo) -> Result<f64> { Ok(1.0) }
/// #     async fn infer(&self, m: &f64, i: Vec<Numbers>) -> Result<Vec<f64>> { Ok(i.iter().map(|n| m * n.values.iter().sum::<f64>()).collect()) }
/// # }
///
/// /// A batch for a model.
/// #[params]
/// pub struct InferenceParams {
///     /// The model's id.
///     pub model: u64,
///     /// What to infer over.
///     pub inputs: Vec<Numbers>,
/// }
///
/// /// Adds numbers with a model of the backend.
/// #[action(name = "inference", category = NeuralNet)]
/// pub struct Inference;
///
/// impl Action for Inference {
///     type Params = InferenceParams;
///     type Output = serde_json::Value;
///
///     async fn execute(&self, params: InferenceParams, ctx: &Context) -> Result<serde_json::Value> {
///         let sums = synapse::serve::infer_with(ctx, &Adder, params.model, params.inputs).await?;
///         Ok(serde_json::json!({ "results": sums }))
///     }
/// }
/// ```
///
/// # Errors
/// [`ServeError::Setup`] when the run has no backend; as a replica's request otherwise
/// ([`ServeError::UnknownModel`], [`ServeError::Forbidden`], [`ServeError::LoadFailed`],
/// [`ServeError::Inference`], …).
pub async fn infer_with<D: ServeDeployment>(
    ctx: &Context,
    deployment: &'static D,
    model: u64,
    inputs: Vec<D::Input>,
) -> Result<Vec<D::Output>, ServeError> {
    let client = ctx.client().map_err(|error| ServeError::Setup(format!("{error:#}")))?;
    let key = (TypeId::of::<D>(), client.config().host.to_string());
    static HELD: OnceLock<Mutex<Held>> = OnceLock::new();
    let held = HELD.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner).get(&key).cloned();
    let replica = match held.and_then(|any| any.downcast::<Replica<D>>().ok()) {
        Some(replica) => replica,
        None => {
            let cache = crate::cache_dir::user_cache_dir_in(MODEL_CACHE_ENV, "models", |name| {
                crate::dataset::action::run_var(ctx, name)
            });
            let source = ModelSource::Backend { client: Box::new(client.clone()), cache };
            // Plain ids only: the run reads models with its own credentials.
            let tokens = TokenPolicy::secret(Vec::new()).allow_plain_ids(true);
            let replica = Replica::new(deployment, ServeOptions::new(source, tokens))?;
            let mut held = HELD.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
            held.insert(key, replica.clone());
            replica
        }
    };
    replica.infer_inputs(ModelSelection::Id(model), inputs).await
}
