//! What the cluster reports about itself: its nodes ([`NodeInfo`]) and the dashboard's
//! version ([`RayVersion`]).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A node of the cluster: `GET /api/v0/nodes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeInfo {
    /// Ray's node id (hex).
    pub node_id: String,
    /// The node's IP address.
    #[serde(default)]
    pub node_ip: Option<String>,
    /// The node's name.
    #[serde(default)]
    pub node_name: Option<String>,
    /// Whether it is the head node.
    #[serde(default)]
    pub is_head_node: bool,
    /// `ALIVE` or `DEAD`.
    pub state: String,
    /// Why a `DEAD` node died, as the cluster saw it (e.g. "Unexpected termination: health
    /// check failed due to missing too many heartbeats").
    #[serde(default)]
    pub state_message: Option<String>,
    /// The node's total logical resources: `CPU`, `GPU`, `memory` (bytes),
    /// `object_store_memory`, and custom resources.
    #[serde(default)]
    pub resources_total: BTreeMap<String, f64>,
    /// The node's labels.
    #[serde(default, deserialize_with = "super::lenient_metadata")]
    pub labels: BTreeMap<String, String>,
}

impl NodeInfo {
    /// Whether the node is up.
    pub fn is_alive(&self) -> bool {
        self.state == "ALIVE"
    }

    /// The node as messages name it: its address and the start of its id, e.g.
    /// ``192.0.2.2 (`4ec8b151`)``.
    pub fn describe(&self) -> String {
        let id = self.node_id.get(..8).unwrap_or(&self.node_id);
        match &self.node_ip {
            Some(ip) => format!("{ip} (`{id}`)"),
            None => format!("`{id}`"),
        }
    }

    /// What the loss of a `DEAD` node says (the node itself is named by [`describe`](Self::describe)):
    /// `Ray lost the node (DEAD: why)`; `None` for a node that is alive.
    pub fn loss(&self) -> Option<String> {
        if self.is_alive() {
            return None;
        }
        let why = self.state_message.as_deref().map(|why| format!(": {why}")).unwrap_or_default();
        Some(format!("Ray lost the node ({}{why})", self.state))
    }

    /// The node's total amount of a resource (0 when it has none).
    pub fn resource(&self, name: &str) -> f64 {
        self.resources_total.get(name).copied().unwrap_or(0.0)
    }
}

/// The dashboard's version: `GET /api/version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RayVersion {
    /// The Jobs API version (`"4"` for Ray 2.x).
    pub version: String,
    /// The Ray release, e.g. `2.60.0`.
    pub ray_version: String,
    /// The Ray commit.
    #[serde(default)]
    pub ray_commit: Option<String>,
    /// The cluster session's name (changes when the head restarts).
    #[serde(default)]
    pub session_name: Option<String>,
}
