//! The deployment commands: `deploy` (the serve deployment's replicas started, or replaced, on
//! Ray, and the serve application registered on the backend) and `undeploy`.

use super::{FAILED, OK, USAGE, runtime};
use crate::backend::BackendClient;
use crate::cli::serve_args::{DeployArgs, UndeployArgs};
use crate::executor::ray::RayJobsClient;
use crate::executor::{RunError, RunOptions};
use crate::serve::{
    Batching, RayDeployment, ReplicaSettings, registered_deployment, running_replica_jobs, stop_replica_jobs,
};
use serde_json::json;

pub(in crate::cli) fn deploy(args: DeployArgs) -> u8 {
    if let Err(error) = registered_deployment() {
        eprintln!("error: {error}");
        return USAGE;
    }
    if args.replicas == 0 {
        eprintln!("error: --replicas 0 deploys nothing: use `undeploy` to stop the replicas");
        return USAGE;
    }
    let Some(address) = args.ray_address.clone() else {
        eprintln!("error: no Ray cluster given: pass --ray-address or set SYNAPSE_RAY_ADDRESS");
        return USAGE;
    };
    let backend = match (args.job_id, BackendClient::from_env()) {
        (None, _) => None,
        (Some(job), Ok(Some(client))) => Some((job, client)),
        (Some(job), Ok(None)) => {
            eprintln!(
                "error: --job-id {job} needs the backend to register the serve application with: set SYNAPSE_HOST and \
                 SYNAPSE_ACCESS_TOKEN"
            );
            return USAGE;
        }
        (Some(_), Err(error)) => {
            eprintln!("error: {error}");
            return USAGE;
        }
    };
    // A replica reads its models from the backend this process is configured for.
    if let Err(message) = model_source() {
        eprintln!("error: {message}");
        return USAGE;
    }
    let binary = match std::env::current_exe() {
        Ok(binary) => binary,
        Err(error) => {
            eprintln!("error: the plugin binary's path is unknown: {error}");
            return FAILED;
        }
    };
    let mut options = RunOptions {
        ray_address: Some(address),
        ray_token: args.ray_token.clone(),
        plugin_dir: args.plugin_dir.clone(),
        worker_bind: args.bind,
        resources: args.resources.resources(),
        ..RunOptions::default()
    }
    .binary(binary);
    if let Ok(registry) = crate::registry::registry() {
        options = options.plugin_code(registry.plugin().code);
    }
    let settings = ReplicaSettings {
        max_models: args.max_models,
        signed_only: args.replica.signed_only,
        batching: args.replica.batch_size.map(|size| Batching::new(size, args.replica.batch_wait)),
        route_prefix: args.replica.route_prefix.clone(),
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = runtime.block_on(async {
        let deployment = RayDeployment::new(options, settings)?;
        let plugin = deployment.application_name();
        let plugin_code = plugin.split('@').next().unwrap_or_default().to_owned();
        let client = ray_client(args.ray_address.as_deref(), args.ray_token.as_deref())?;
        // An update: the new replicas start first, the old ones stop once they serve.
        let old = running_replica_jobs(&client, &plugin_code).await?;
        if let Err(error) = deployment.scale_to(args.replicas).await {
            let _ = deployment.stop().await;
            return Err(error);
        }
        stop_replica_jobs(&client, &old).await?;
        let registered = match &backend {
            Some((job, client)) => Some(deployment.register(client, (*job).into()).await.map_err(|error| {
                RunError::Infrastructure(format!(
                    "the replicas run, but the serve application could not be registered for job {job}: {error}"
                ))
            })?),
            None => None,
        };
        Ok::<_, RunError>(json!({
            "application": plugin,
            "replicas": deployment.replicas().await,
            "stopped": old,
            "serve_application": registered.map(|application| application.id),
        }))
    });
    match outcome {
        Ok(summary) => {
            println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
            OK
        }
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

/// Whether the replicas will have a backend to read models from: this process's, forwarded.
fn model_source() -> Result<(), String> {
    match BackendClient::from_env() {
        Ok(Some(_)) => Ok(()),
        Ok(None) => {
            Err("the replicas read models from the backend: set SYNAPSE_HOST and SYNAPSE_ACCESS_TOKEN (they are \
                         passed to each replica's job)"
                .to_owned())
        }
        Err(error) => Err(error.to_string()),
    }
}

fn ray_client(address: Option<&str>, token: Option<&str>) -> Result<RayJobsClient, RunError> {
    let address = address.ok_or_else(|| {
        RunError::Usage("no Ray cluster given: pass --ray-address or set SYNAPSE_RAY_ADDRESS".to_owned())
    })?;
    let client = RayJobsClient::new(address)?;
    Ok(match token {
        Some(token) => client.with_token(token),
        None => client,
    })
}

pub(in crate::cli) fn undeploy(args: UndeployArgs) -> u8 {
    let plugin = match crate::registry::registry() {
        Ok(registry) => registry.plugin().code,
        Err(error) => {
            eprintln!("error: {error}");
            return FAILED;
        }
    };
    let runtime = match runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let outcome = runtime.block_on(async {
        let client = ray_client(args.ray_address.as_deref(), args.ray_token.as_deref())?;
        let jobs = running_replica_jobs(&client, &plugin).await?;
        stop_replica_jobs(&client, &jobs).await?;
        Ok::<_, RunError>(jobs)
    });
    match outcome {
        Ok(jobs) => {
            println!("{}", serde_json::to_string_pretty(&json!({ "stopped": jobs })).unwrap_or_default());
            if jobs.is_empty() {
                eprintln!("no replica of `{plugin}` was running");
            }
            OK
        }
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}
