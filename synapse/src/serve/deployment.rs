//! [`ServeDeployment`]: what a plugin author writes to serve models (load one, infer over a
//! batch), [`ModelInfo`] (what loading receives), [`Batching`], and the link-time registration
//! ([`serve_deployment!`](crate::serve_deployment)) the plugin binary's `serve`, `infer` and
//! `deploy` commands find it through.

use super::error::ServeError;
use super::options::ServeOptions;
use crate::error::Result;
use crate::params::Params;
use futures_util::future::BoxFuture;
use linkme::distributed_slice;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A model server: how a model is loaded from its files and how it infers. The framework builds
/// the rest — the HTTP server of a replica (`plugin serve`), the model chosen per request by the
/// `serve_multiplexed_model_id` header, its download and the cache of loaded models, request
/// batching, the replicas on Ray (`plugin deploy`) — the SDK's `BaseServeDeployment` without
/// Python or Ray Serve.
///
/// Register it once per plugin with [`serve_deployment!`](crate::serve_deployment).
///
/// ```
/// use synapse::prelude::*;
/// use synapse::serve::{ModelInfo, ServeDeployment};
///
/// /// What a request sends.
/// #[params]
/// pub struct Numbers {
///     /// The numbers to add up.
///     pub values: Vec<f64>,
/// }
///
/// /// A model that adds numbers, scaled by its `scale.txt`.
/// pub struct Adder;
///
/// /// A loaded model.
/// pub struct Scale(f64);
///
/// impl ServeDeployment for Adder {
///     type Model = Scale;
///     type Input = Numbers;
///     type Output = f64;
///
///     async fn load_model(&self, model: ModelInfo) -> Result<Scale> {
///         let text = std::fs::read_to_string(model.path.join("scale.txt"))?;
///         Ok(Scale(text.trim().parse()?))
///     }
///
///     async fn infer(&self, model: &Scale, inputs: Vec<Numbers>) -> Result<Vec<f64>> {
///         Ok(inputs.iter().map(|input| model.0 * input.values.iter().sum::<f64>()).collect())
///     }
/// }
///
/// synapse::serve_deployment!(Adder);
/// ```
pub trait ServeDeployment: Send + Sync + 'static {
    /// A loaded model. Dropping it frees what it holds: the replica's cache drops a model it
    /// evicts once the requests using it end.
    type Model: Send + Sync + 'static;
    /// What one request sends (its body, JSON): a `#[params]` struct, so a body of another
    /// shape is refused with every violation's field path (HTTP 422) before `infer`.
    type Input: Params;
    /// What `infer` gives for one input (the response body, JSON).
    type Output: Serialize + Send + 'static;

    /// Loads a model from its files ([`ModelInfo::path`]: the model's file extracted, as the
    /// SDK's `_get_model` receives it). Called once per model and version however many requests
    /// ask for it at once; an error is the model's: it is answered to every request for that
    /// version of the model without loading again.
    fn load_model(&self, model: ModelInfo) -> impl Future<Output = Result<Self::Model>> + Send;

    /// Infers over `inputs` (one, or a batch when [`batching`](Self::batching) is set): one
    /// output per input, in their order.
    fn infer(
        &self,
        model: &Self::Model,
        inputs: Vec<Self::Input>,
    ) -> impl Future<Output = Result<Vec<Self::Output>>> + Send;

    /// Whether concurrent requests for one model are gathered into one `infer` call, and how
    /// (the SDK's `serve_options.batch`, Ray Serve's `@serve.batch`). The default: no batching.
    /// `plugin serve --batch-size N --batch-wait D` overrides it.
    fn batching(&self) -> Option<Batching> {
        None
    }
}

/// A model as [`ServeDeployment::load_model`] receives it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelInfo {
    /// Its id on the backend.
    pub id: u64,
    /// Its name, when the backend gave one.
    pub name: Option<String>,
    /// The directory its file was extracted into (the model cache's, kept across runs), or the
    /// model's directory under `--models-dir`.
    pub path: PathBuf,
    /// Its configuration on the backend (the hyperparameters it was trained with).
    pub configuration: Option<Value>,
    /// The version of its artifact the replica loaded: a new one is loaded afresh.
    pub version: String,
}

/// Request batching: up to `max_batch_size` requests for one model that arrive within
/// `max_wait` of the first are inferred together (Ray Serve's `max_batch_size` and
/// `batch_wait_timeout_s`).
///
/// ```
/// use synapse::serve::Batching;
/// let batching = Batching::new(16, std::time::Duration::from_millis(5));
/// assert_eq!((batching.max_batch_size, batching.max_wait.as_millis()), (16, 5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Batching {
    /// The most inputs one `infer` call receives (at least 1).
    pub max_batch_size: usize,
    /// How long the first request of a batch waits for others.
    pub max_wait: Duration,
}

impl Batching {
    /// Batches of at most `max_batch_size` (at least 1) inputs, gathered for at most `max_wait`.
    pub fn new(max_batch_size: usize, max_wait: Duration) -> Self {
        Batching { max_batch_size: max_batch_size.max(1), max_wait }
    }
}

/// A registered deployment with its types erased: what the plugin's commands call.
#[doc(hidden)]
pub trait ErasedDeployment: Sync {
    /// Serves HTTP as one replica until `stop` is cancelled.
    fn serve(
        &'static self,
        options: ServeOptions,
        stop: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ServeError>>;
    /// Loads `model` and infers over one `input`, in this process.
    fn infer_once(
        &'static self,
        options: ServeOptions,
        model: u64,
        input: Value,
    ) -> BoxFuture<'static, Result<Value, ServeError>>;
    /// The input's JSON Schema.
    fn input_schema(&self) -> &'static Value;
}

impl<D: ServeDeployment> ErasedDeployment for D {
    fn serve(
        &'static self,
        options: ServeOptions,
        stop: CancellationToken,
    ) -> BoxFuture<'static, Result<(), ServeError>> {
        Box::pin(super::http::serve(self, options, stop))
    }

    fn infer_once(
        &'static self,
        options: ServeOptions,
        model: u64,
        input: Value,
    ) -> BoxFuture<'static, Result<Value, ServeError>> {
        Box::pin(async move {
            let replica = super::replica::Replica::new(self, options)?;
            replica.infer(super::ModelSelection::Id(model), input).await
        })
    }

    fn input_schema(&self) -> &'static Value {
        D::Input::json_schema()
    }
}

/// A deployment registered with [`serve_deployment!`](crate::serve_deployment).
#[derive(Clone, Copy)]
pub struct DeploymentEntry {
    /// The deployment's type, as written at the registration.
    pub name: &'static str,
    /// The deployment.
    #[doc(hidden)]
    pub deployment: &'static dyn ErasedDeployment,
    /// Where it is registered.
    pub file: &'static str,
    /// The line.
    pub line: u32,
}

impl std::fmt::Debug for DeploymentEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploymentEntry")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("line", &self.line)
            .finish()
    }
}

/// Every deployment linked into the binary.
#[distributed_slice]
pub static SYNAPSE_DEPLOYMENTS_V0: [DeploymentEntry];

/// Registers a plugin's [`ServeDeployment`]: `synapse::serve_deployment!(MyServer);` (a
/// `static`-able value: a unit struct, or a constant expression). A plugin has at most one; its
/// binary's `serve`, `infer` and `deploy` commands use it.
#[macro_export]
macro_rules! serve_deployment {
    ($deployment:expr $(,)?) => {
        // linkme places the entry in a link section (what `unsafe_code` flags): the registry's mechanism.
        #[allow(unsafe_code)]
        const _: () = {
            #[$crate::__private::linkme::distributed_slice($crate::__private::SYNAPSE_DEPLOYMENTS_V0)]
            #[linkme(crate = $crate::__private::linkme)]
            static ENTRY: $crate::serve::DeploymentEntry = $crate::serve::DeploymentEntry {
                name: ::core::stringify!($deployment),
                deployment: &$deployment,
                file: ::core::file!(),
                line: ::core::line!(),
            };
        };
    };
}

/// The deployment registered in this binary.
///
/// # Errors
/// [`ServeError::NoDeployment`] when none is, [`ServeError::TwoDeployments`] naming where each
/// is registered when more than one is.
pub fn registered_deployment() -> Result<&'static DeploymentEntry, ServeError> {
    match &SYNAPSE_DEPLOYMENTS_V0[..] {
        [] => Err(ServeError::NoDeployment),
        [one] => Ok(one),
        many => Err(ServeError::TwoDeployments {
            places: many.iter().map(|entry| format!("{} ({}:{})", entry.name, entry.file, entry.line)).collect(),
        }),
    }
}
