//! The two-node Ray cluster the placement tests run against (`tests/ray_two_nodes.rs`).
//!
//! `SYNAPSE_RAY_NODES=2 scripts/ray.sh run -- CMD` starts a head and a worker node, each in a
//! network namespace of its own joined by a veth pair, and runs CMD beside the head with
//! [`ray::ADDRESS_VAR`](crate::ray::ADDRESS_VAR) and [`WORKER_NODE_VAR`] set. The worker node
//! alone offers a (simulated) GPU and the custom resource [`WORKER_RESOURCE`], so that a run
//! asking for either is placed there. A test begins with
//! [`require_two_nodes!`](crate::require_two_nodes), which yields the cluster, and may
//! [`kill_worker_node`] (every process of the node, as when its machine is lost) and
//! [`start_worker_node`] (a new one in its place).
//!
//! Without such a cluster, a test fails in CI and elsewhere prints how to run it and passes.

use crate::ray::{ADDRESS_VAR, get_json, in_ci, ray_address};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The variable holding the worker node's address (e.g. `192.0.2.2`), set by
/// `SYNAPSE_RAY_NODES=2 scripts/ray.sh run`.
pub const WORKER_NODE_VAR: &str = "SYNAPSE_RAY_WORKER_NODE";

/// The custom resource only the worker node offers (4 of it).
pub const WORKER_RESOURCE: &str = "worker_node";

/// How to run the two-node tests.
pub const RUN_HINT: &str =
    "SYNAPSE_RAY_NODES=2 ./scripts/ray.sh run -- cargo nextest run -p synapse-tests --offline --test ray_two_nodes";

/// A two-node cluster: the head's dashboard and the worker node's address.
#[derive(Clone, Debug)]
pub struct TwoNodes {
    /// The dashboard address, e.g. `http://192.0.2.1:8265`.
    pub address: String,
    /// The worker node's address, e.g. `192.0.2.2`.
    pub worker_ip: String,
}

impl TwoNodes {
    /// The address of the node Ray runs job `job`'s entrypoint on (its driver), e.g. `192.0.2.2`.
    pub fn node_ip_of_job(&self, job: &str) -> String {
        let details = get_json(&self.address, &format!("/api/jobs/{job}"));
        let node_id = details["driver_node_id"]
            .as_str()
            .unwrap_or_else(|| panic!("job `{job}` has no driver node yet: {details}"))
            .to_owned();
        self.node(&node_id)["node_ip"].as_str().expect("a node address").to_owned()
    }

    /// The node `node_id` as `GET /api/v0/nodes` lists it.
    pub fn node(&self, node_id: &str) -> Value {
        self.nodes()
            .into_iter()
            .find(|node| node["node_id"] == node_id)
            .unwrap_or_else(|| panic!("the cluster does not know node `{node_id}`"))
    }

    /// Every node the cluster knows, alive or dead.
    pub fn nodes(&self) -> Vec<Value> {
        let nodes = get_json(&self.address, "/api/v0/nodes?limit=100");
        nodes["data"]["result"]["result"].as_array().unwrap_or_else(|| panic!("no node list: {nodes}")).clone()
    }

    /// The worker nodes the cluster reports ALIVE at [`worker_ip`](Self::worker_ip).
    pub fn alive_workers(&self) -> usize {
        self.nodes()
            .iter()
            .filter(|node| node["node_ip"] == self.worker_ip.as_str() && node["state"] == "ALIVE")
            .count()
    }
}

/// The two-node cluster for the test it begins, or `None` when the test should return at once
/// (no such cluster outside CI; in CI it panics).
pub fn two_nodes_or_skip() -> Option<TwoNodes> {
    let worker_ip = std::env::var(WORKER_NODE_VAR).ok().filter(|ip| !ip.trim().is_empty());
    if let (Some(address), Some(worker_ip)) = (ray_address(), worker_ip) {
        return Some(TwoNodes { address, worker_ip });
    }
    let test = std::thread::current().name().unwrap_or("this two-node test").to_owned();
    let missing = format!("{ADDRESS_VAR} and {WORKER_NODE_VAR} are not both set");
    if in_ci() {
        panic!("{test} needs a two-node Ray cluster, but {missing} in CI; run it with: {RUN_HINT}");
    }
    eprintln!("skipped {test}: no two-node Ray cluster ({missing}); run it with: {RUN_HINT}");
    None
}

/// The [`TwoNodes`] cluster for the test it begins, or an early `return` from that test (see
/// [`two_nodes_or_skip`]).
#[macro_export]
macro_rules! require_two_nodes {
    () => {
        match $crate::ray_nodes::two_nodes_or_skip() {
            Some(cluster) => cluster,
            None => return,
        }
    };
}

/// Kills every process of the worker node (`scripts/ray.sh node kill`): its raylet, agents,
/// workers and the jobs running there, as when its machine is lost.
pub fn kill_worker_node() {
    node_command("kill");
}

/// Starts a new worker node in place of a lost one (`scripts/ray.sh node start`), returning once
/// the head reports it ALIVE.
pub fn start_worker_node() {
    node_command("start");
}

fn node_command(verb: &str) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ray.sh");
    let status = Command::new(&script).args(["node", verb]).status().expect("scripts/ray.sh runs");
    assert!(status.success(), "scripts/ray.sh node {verb} failed ({status})");
}
