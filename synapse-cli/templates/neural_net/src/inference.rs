//! The model server (`synapse::serve`): a replica loads a model (`model.json` in its
//! directory) once and classifies the boxes it is sent.
//!
//! ```text
//! cargo run -- serve --models-dir ./models       # one replica here: model 1 is ./models/1/model.json
//! cargo run -- infer --models-dir ./models --model 1 --input '{"boxes": [[10, 10, 20, 20]]}'
//! ```

use crate::model::ClassPrior;
use synapse::prelude::*;
use synapse::serve::{ModelInfo, ServeDeployment};

/// What a replica is asked: boxes (`[x, y, w, h]`, pixels) to classify.
#[params]
#[derive(Debug, Clone)]
pub struct InferenceInput {
    /// The boxes
    #[param(length(min = 1))]
    pub boxes: Vec<[f64; 4]>,
}

/// One box's class.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The class.
    pub class: String,
    /// Its probability.
    pub score: f64,
}

/// The model, served.
pub struct Inference;

impl ServeDeployment for Inference {
    type Model = ClassPrior;
    type Input = InferenceInput;
    type Output = Vec<Prediction>;

    async fn load_model(&self, model: ModelInfo) -> Result<ClassPrior> {
        ClassPrior::load(&model.path).with_context(|| format!("model {}", model.id))
    }

    async fn infer(&self, model: &ClassPrior, inputs: Vec<InferenceInput>) -> Result<Vec<Vec<Prediction>>> {
        let (class, score) = model.predict().context("the model has no classes")?;
        let prediction = Prediction { class: class.to_owned(), score };
        Ok(inputs.iter().map(|input| vec![prediction.clone(); input.boxes.len()]).collect())
    }
}

synapse::serve_deployment!(Inference);
