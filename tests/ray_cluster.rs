//! The Ray head the Ray tests run against (`scripts/ray.sh`): the pinned version answers, the
//! Jobs API is there, and the node offers the resources the other Ray tests count on.

use serde_json::Value;
use synapse_tests::ray::{get_json, pinned_ray_version};
use synapse_tests::require_ray;

#[test]
fn dashboard_reports_the_pinned_ray_version() {
    let address = require_ray!();
    let version = get_json(&address, "/api/version");
    assert_eq!(version["ray_version"], pinned_ray_version(), "GET /api/version: {version}");
    assert_eq!(pinned_ray_version(), "2.60.0", "the Jobs API client is written against Ray 2.60.0");
}

#[test]
fn jobs_api_lists_jobs() {
    let address = require_ray!();
    let jobs = get_json(&address, "/api/jobs/");
    assert!(jobs.is_array(), "GET /api/jobs/ must answer a JSON array, got {jobs}");
}

#[test]
fn head_offers_two_cpus_four_plugin_slots_and_no_gpu() {
    let address = require_ray!();
    let nodes = get_json(&address, "/api/v0/nodes");
    let nodes = nodes["data"]["result"]["result"].as_array().unwrap_or_else(|| panic!("no node list: {nodes}"));
    assert_eq!(nodes.len(), 1, "one node: {nodes:?}");
    let node = &nodes[0];
    assert_eq!(node["state"], "ALIVE", "{node}");
    assert_eq!(node["node_ip"], "127.0.0.1", "the head must be on loopback: {node}");
    let resources = &node["resources_total"];
    assert_eq!(resources["CPU"], 2.0, "{resources}");
    assert_eq!(resources["plugin_slot"], 4.0, "{resources}");
    assert_eq!(resources.get("GPU").cloned().unwrap_or(Value::from(0.0)), 0.0, "{resources}");
}
