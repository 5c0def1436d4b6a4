//! Resource requests: checked against the cluster's nodes before a job is submitted, because
//! Ray leaves a job that no node can run PENDING until its start timeout (15 minutes by default)
//! instead of refusing it.

use super::error::RayError;
use super::types::{JobSubmission, NodeInfo};

/// Ray's resource amounts have a granularity of 1/10000.
const EPSILON: f64 = 1e-4;

/// Checks that the amounts asked for are numbers Ray accepts: finite and not negative.
pub(crate) fn validate_request(submission: &JobSubmission) -> Result<(), RayError> {
    let numbers = [
        ("entrypoint_num_cpus", submission.entrypoint_num_cpus),
        ("entrypoint_num_gpus", submission.entrypoint_num_gpus),
    ];
    for (field, value) in numbers {
        if let Some(value) = value
            && !(value.is_finite() && value >= 0.0)
        {
            return Err(RayError::InvalidResources(format!("{field} must be a number of at least 0 (got {value})")));
        }
    }
    for (name, value) in &submission.entrypoint_resources {
        if name.is_empty() {
            return Err(RayError::InvalidResources("a custom resource has an empty name".to_owned()));
        }
        if !(value.is_finite() && *value >= 0.0) {
            return Err(RayError::InvalidResources(format!(
                "custom resource `{name}` must be a number of at least 0 (got {value})"
            )));
        }
    }
    Ok(())
}

/// Checks that some alive node has everything `submission` asks for (CPU, GPU, memory and
/// custom resources, by their totals).
///
/// It fails with [`RayError::Infeasible`] naming the first resource no node has enough of, what
/// was asked and the most any node has, or with [`RayError::NoNodeFits`] when each resource
/// exists somewhere but never all on one node. A job asking for nothing always fits.
///
/// The check uses the nodes alive now: on a cluster that adds nodes on demand (an autoscaler),
/// switch it off with [`RayJobsClient::with_resource_check`](super::RayJobsClient::with_resource_check).
///
/// ```
/// use synapse::executor::ray::{JobSubmission, NodeInfo, check_feasible};
///
/// let nodes: Vec<NodeInfo> = serde_json::from_value(serde_json::json!([
///     {"node_id": "a1", "state": "ALIVE", "resources_total": {"CPU": 2.0, "memory": 8.0e9}}
/// ])).unwrap();
/// let job = JobSubmission::new("exec ./bin/train").with_num_gpus(64.0);
/// let error = check_feasible(&job, &nodes).unwrap_err();
/// assert_eq!(error.to_string(), "no Ray node can satisfy the job's GPU request: asked for 64, the most any node has is 0 (1 alive node)");
/// assert!(check_feasible(&JobSubmission::new("true").with_num_cpus(2.0), &nodes).is_ok());
/// ```
pub fn check_feasible(submission: &JobSubmission, nodes: &[NodeInfo]) -> Result<(), RayError> {
    validate_request(submission)?;
    let requested = submission.requested_resources();
    if requested.is_empty() {
        return Ok(());
    }
    let alive: Vec<&NodeInfo> = nodes.iter().filter(|node| node.is_alive()).collect();
    for (resource, amount) in &requested {
        let most = alive.iter().map(|node| node.resource(resource)).fold(0.0, f64::max);
        if *amount > most + EPSILON {
            return Err(RayError::Infeasible {
                resource: resource.clone(),
                requested: *amount,
                available: most,
                nodes: alive.len(),
            });
        }
    }
    let fits =
        |node: &&NodeInfo| requested.iter().all(|(resource, amount)| *amount <= node.resource(resource) + EPSILON);
    if alive.iter().any(fits) { Ok(()) } else { Err(RayError::NoNodeFits { requested, nodes: alive.len() }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nodes() -> Vec<NodeInfo> {
        serde_json::from_value(json!([
            {"node_id": "head", "state": "ALIVE", "is_head_node": true,
             "resources_total": {"CPU": 2.0, "memory": 24601742848.0, "plugin_slot": 2.0}},
            {"node_id": "gpu", "state": "ALIVE", "resources_total": {"CPU": 8.0, "GPU": 1.0, "memory": 1.0e10}},
            {"node_id": "gone", "state": "DEAD", "resources_total": {"CPU": 64.0, "GPU": 8.0}}
        ]))
        .unwrap()
    }

    #[test]
    fn a_job_asking_for_nothing_fits_anywhere() {
        assert!(check_feasible(&JobSubmission::new("true"), &[]).is_ok());
        assert!(check_feasible(&JobSubmission::new("true").with_num_cpus(0.0), &[]).is_ok());
    }

    #[test]
    fn what_one_node_has_fits() {
        let job = JobSubmission::new("x").with_num_cpus(8.0).with_num_gpus(1.0).with_memory(1 << 30);
        assert!(check_feasible(&job, &nodes()).is_ok());
        assert!(check_feasible(&JobSubmission::new("x").with_resource("plugin_slot", 2.0), &nodes()).is_ok());
        assert!(check_feasible(&JobSubmission::new("x").with_num_cpus(0.5), &nodes()).is_ok());
    }

    #[test]
    fn too_much_of_one_resource_names_it() {
        let error = check_feasible(&JobSubmission::new("x").with_num_gpus(64.0), &nodes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no Ray node can satisfy the job's GPU request: asked for 64, the most any node has is 1 (2 alive nodes)"
        );
        let error = check_feasible(&JobSubmission::new("x").with_memory(1 << 40), &nodes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no Ray node can satisfy the job's memory request: asked for 1 TiB, the most any node has is 22.9 GiB (2 alive nodes)"
        );
        let error = check_feasible(&JobSubmission::new("x").with_resource("tpu_slice", 1.0), &nodes()).unwrap_err();
        assert!(
            matches!(&error, RayError::Infeasible { resource, requested, available, nodes: 2 }
                if resource == "tpu_slice" && *requested == 1.0 && *available == 0.0),
            "{error:?}"
        );
        let error = check_feasible(&JobSubmission::new("x").with_num_cpus(1.0), &[]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no Ray node can satisfy the job's CPU request: asked for 1, the most any node has is 0 (0 alive nodes)"
        );
    }

    #[test]
    fn resources_spread_over_nodes_do_not_fit() {
        let job = JobSubmission::new("x").with_num_gpus(1.0).with_resource("plugin_slot", 1.0);
        let error = check_feasible(&job, &nodes()).unwrap_err();
        assert_eq!(error.to_string(), "no single Ray node has all of GPU 1, plugin_slot 1 (2 alive nodes)");
    }

    #[test]
    fn malformed_amounts_are_refused() {
        let error = check_feasible(&JobSubmission::new("x").with_num_cpus(f64::NAN), &nodes()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid resource request: entrypoint_num_cpus must be a number of at least 0 (got NaN)"
        );
        let error = check_feasible(&JobSubmission::new("x").with_resource("slot", -1.0), &nodes()).unwrap_err();
        assert!(matches!(error, RayError::InvalidResources(_)), "{error:?}");
    }
}
