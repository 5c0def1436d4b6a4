//! `deployment`: the model server (`inference.rs`) started on Ray as resident replicas
//! (`SYNAPSE_RAY_ADDRESS`), and registered as the job's serve application on the backend.

use synapse::prelude::*;
use synapse::serve::{DeploymentParams, DeploymentResult};

/// Starts the model server's replicas on Ray and registers the serve application.
#[action(name = "deployment", method = Job, category = NeuralNet)]
pub struct Deployment;

impl Action for Deployment {
    type Params = DeploymentParams;
    type Output = DeploymentResult;

    async fn execute(&self, params: DeploymentParams, ctx: &Context) -> Result<DeploymentResult> {
        synapse::serve::deploy(ctx, &params).await
    }
}
