//! One replica's work, whatever carries the request (HTTP, or `plugin infer` in process): the
//! input checked, the model resolved and loaded ([`models`]), the inference run alone or in a
//! batch ([`batch`]).

mod batch;
mod models;

use super::{ModelSelection, ServeDeployment, ServeError, ServeOptions};
use crate::params::Params;
use batch::Batcher;
use models::Models;
use serde_json::{Value, json};
use std::sync::Arc;

/// A replica of deployment `D`.
pub(crate) struct Replica<D: ServeDeployment> {
    deployment: &'static D,
    options: ServeOptions,
    models: Models<D>,
    batcher: Option<Batcher<D>>,
}

impl<D: ServeDeployment> Replica<D> {
    /// A replica of `deployment` as `options` say.
    ///
    /// # Errors
    /// [`ServeError::Setup`] when the models directory is missing or no scratch directory can
    /// be made.
    pub(crate) fn new(deployment: &'static D, options: ServeOptions) -> Result<Arc<Self>, ServeError> {
        let models = Models::new(deployment, &options)?;
        let batching = options.batching.or_else(|| deployment.batching());
        let batcher = batching.map(|batching| Batcher::new(deployment, batching));
        Ok(Arc::new(Replica { deployment, options, models, batcher }))
    }

    /// Its settings.
    pub(crate) fn options(&self) -> &ServeOptions {
        &self.options
    }

    /// The model a `serve_multiplexed_model_id` header selects, checked now.
    ///
    /// # Errors
    /// [`ServeError::NoModelHeader`], [`ServeError::Token`].
    pub(crate) fn select(&self, header: Option<&str>) -> Result<ModelSelection, ServeError> {
        let header = header.ok_or(ServeError::NoModelHeader)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|since| since.as_secs())
            .unwrap_or_default();
        Ok(self.options.tokens.verify(header, now)?)
    }

    /// Infers over `body` (one input) with the model `selection` names.
    ///
    /// # Errors
    /// [`ServeError::InvalidInput`] for a body of another shape (before any model is asked
    /// for); the model's resolution and load errors; [`ServeError::Inference`].
    pub(crate) async fn infer(&self, selection: ModelSelection, body: Value) -> Result<Value, ServeError> {
        let input = D::Input::parse(body).map_err(|violations| ServeError::InvalidInput { violations })?;
        let id = selection.model();
        let model = self.models.get(&selection).await?;
        let output = match &self.batcher {
            Some(batcher) => batcher.submit(id, model, input).await?,
            None => {
                let mut outputs = self
                    .deployment
                    .infer(&model, vec![input])
                    .await
                    .map_err(|error| ServeError::Inference { model: id, message: format!("{error:#}") })?;
                if outputs.len() != 1 {
                    return Err(batch::count_mismatch(id, 1, outputs.len()));
                }
                outputs.remove(0)
            }
        };
        serde_json::to_value(output).map_err(|error| ServeError::Inference {
            model: id,
            message: format!("its output cannot be written as JSON: {error}"),
        })
    }

    /// Infers over `inputs` in one call with the model `selection` names (no batching: the
    /// inputs are one batch already).
    ///
    /// # Errors
    /// The model's resolution and load errors; [`ServeError::Inference`].
    pub(crate) async fn infer_inputs(
        &self,
        selection: ModelSelection,
        inputs: Vec<D::Input>,
    ) -> Result<Vec<D::Output>, ServeError> {
        let id = selection.model();
        let model = self.models.get(&selection).await?;
        let count = inputs.len();
        let outputs = self
            .deployment
            .infer(&model, inputs)
            .await
            .map_err(|error| ServeError::Inference { model: id, message: format!("{error:#}") })?;
        if outputs.len() != count {
            return Err(batch::count_mismatch(id, count, outputs.len()));
        }
        Ok(outputs)
    }

    /// What `/-/models` shows: the models held (most recently used first), the bound, the
    /// cache's counters and the models that failed to load.
    pub(crate) fn models_status(&self) -> Value {
        let stats = self.models.stats();
        json!({
            "plugin": self.options.plugin,
            "max_models": self.options.max_models,
            "models": self.models.loaded(),
            "failed": self.models.failed(),
            "stats": {
                "hits": stats.hits,
                "loads": stats.loads,
                "failed_loads": stats.failed_loads,
                "evictions": stats.evictions,
                "reloads": stats.reloads,
            },
        })
    }
}
