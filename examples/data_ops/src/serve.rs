//! The box finder as a model server: [`BoxFinder`], a serve deployment whose "model" is a
//! directory holding `model.json` (`{"class_names": […], "colors": [[r, g, b], …]}`), and whose
//! input is what `pre_annotate` sends each task (`synapse::to_task::InferenceRequest`): the task's
//! primary image, read at its `path` when this machine has it, else downloaded from its `url`.
//! `pre_annotate` with a plugin release of this plugin as `pre_processor` asks it — deploying
//! it first (the `deployment` action) when it is not running.
//!
//! ```text
//! data_ops serve --models-dir ./models          # one replica here: model 1 is ./models/1/model.json
//! data_ops run deployment --params '{"replicas": 2}'   # replicas on Ray (SYNAPSE_RAY_ADDRESS)
//! ```

use crate::to_task::{Classes, predictions};
use serde_json::Value;
use synapse::prelude::*;
use synapse::serve::{DeploymentParams, DeploymentResult, ModelInfo, ServeDeployment};
use synapse::to_task::InferenceRequest;

/// The box finder, served.
pub struct BoxFinder;

impl ServeDeployment for BoxFinder {
    type Model = Classes;
    type Input = InferenceRequest;
    type Output = Value;

    async fn load_model(&self, model: ModelInfo) -> Result<Classes> {
        let path = model.path.join("model.json");
        let text = tokio::fs::read_to_string(&path)
            .await
            .map_err(|error| Error::msg(format!("model {}: {}: {error}", model.id, path.display())))?;
        let config: serde_json::Map<String, Value> = serde_json::from_str(&text).map_err(|error| {
            Error::msg(format!("model {}: {} is not a JSON object: {error}", model.id, path.display()))
        })?;
        Classes::of(&config).map_err(|error| error.context(format!("model {}: {}", model.id, path.display())))
    }

    async fn infer(&self, classes: &Classes, inputs: Vec<InferenceRequest>) -> Result<Vec<Value>> {
        let mut answers = Vec::with_capacity(inputs.len());
        for input in inputs {
            let bytes = match tokio::fs::read(&input.path).await {
                Ok(bytes) => bytes,
                Err(_) => download(&input.url).await?,
            };
            let image = tokio::task::spawn_blocking(move || image::load_from_memory(&bytes))
                .await
                .map_err(Error::new)?
                .map_err(|error| Error::new(error).context(format!("task {}: its image", input.task)))?
                .to_rgb8();
            answers.push(predictions(&image, classes));
        }
        Ok(answers)
    }
}

synapse::serve_deployment!(BoxFinder);

/// The bytes at `url`.
async fn download(url: &str) -> Result<Vec<u8>> {
    let failed = |error: reqwest::Error| Error::new(error).context(format!("downloading {url}"));
    let response = reqwest::get(url).await.map_err(failed)?.error_for_status().map_err(failed)?;
    Ok(response.bytes().await.map_err(failed)?.to_vec())
}

/// Starts the box finder's replicas on Ray and registers its serve application.
#[action(name = "deployment", method = Job, category = NeuralNet)]
pub struct Deployment;

impl Action for Deployment {
    type Params = DeploymentParams;
    type Output = DeploymentResult;

    async fn execute(&self, params: DeploymentParams, ctx: &Context) -> Result<DeploymentResult> {
        synapse::serve::deploy(ctx, &params).await
    }
}
