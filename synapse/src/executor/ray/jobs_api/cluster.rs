//! What the cluster says about itself: the dashboard's version (`GET /api/version`) and the
//! nodes with their resources (`GET /api/v0/nodes`, Ray's state API), which `submit.rs` checks a
//! job's resources against.

use super::error::Call;
use super::{NodeInfo, RayError, RayJobsClient, RayVersion};
use serde::Deserialize;

#[derive(Deserialize)]
struct StateResponse<T> {
    data: StateData<T>,
}

#[derive(Deserialize)]
struct StateData<T> {
    result: StateResult<T>,
}

#[derive(Deserialize)]
struct StateResult<T> {
    result: Vec<T>,
}

impl RayJobsClient {
    /// The dashboard's Ray and Jobs API versions: `GET /api/version`. A cheap way to check that
    /// the dashboard is up and that the token is accepted.
    pub async fn version(&self) -> Result<RayVersion, RayError> {
        self.get_json("/api/version", Call::Plain).await
    }

    /// The node `node_id` (alive or dead), if the cluster knows it.
    pub async fn node(&self, node_id: &str) -> Result<Option<NodeInfo>, RayError> {
        Ok(self.nodes().await?.into_iter().find(|node| node.node_id == node_id))
    }

    /// The cluster's nodes (alive, and dead ones it still remembers) and their total resources:
    /// `GET /api/v0/nodes`.
    pub async fn nodes(&self) -> Result<Vec<NodeInfo>, RayError> {
        let answer: StateResponse<NodeInfo> = self.get_json("/api/v0/nodes?limit=10000", Call::Plain).await?;
        Ok(answer.data.result.result)
    }
}
