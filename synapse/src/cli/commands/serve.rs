//! The serving commands: `serve` (one replica of the plugin's serve deployment, here) and
//! `infer` (one input, in this process or against a running replica).

use super::interrupts::Interrupts;
use super::params_input::{ParamsInputError, ParamsSource, read_params};
use super::{FAILED, OK, USAGE};
use crate::backend::{BackendClient, HOST_VAR};
use crate::cli::serve_args::{InferArgs, ServeArgs, SourceArgs};
use crate::serve::{
    Batching, ModelSource, RUN_HOST_VAR, ServeClient, ServeError, ServeOptions, TokenPolicy, backend_url,
    caller_header, registered_deployment,
};
use std::net::SocketAddr;
use tokio_util::sync::CancellationToken;

/// The SDK's route prefix: `/<checksum of the plugin release>`.
const RELEASE_CHECKSUM_VAR: &str = "SYNAPSE_PLUGIN_RELEASE_CHECKSUM";

/// The replica's settings from the command line and the environment.
fn options(source: &SourceArgs, signed_only: bool) -> Result<ServeOptions, String> {
    let model_source = match &source.models_dir {
        Some(dir) => ModelSource::Directory(std::path::absolute(dir).unwrap_or_else(|_| dir.clone())),
        None => match BackendClient::from_env() {
            Ok(Some(client)) => {
                ModelSource::Backend { client: Box::new(client), cache: crate::train::default_model_cache_dir() }
            }
            Ok(None) => {
                return Err(format!(
                    "no model source: set {HOST_VAR} and SYNAPSE_ACCESS_TOKEN (the backend the models are on), or pass \
                     --models-dir DIR (model N in DIR/N/)"
                ));
            }
            Err(error) => return Err(error.to_string()),
        },
    };
    let tokens = match (&source.token_secret_env, backend_url(env_var)) {
        (Some(var), _) => match std::env::var(var) {
            Ok(secret) if secret.len() >= 16 => TokenPolicy::secret(secret),
            Ok(_) => return Err(format!("the model token secret in {var} must be at least 16 characters long")),
            Err(_) => return Err(format!("--token-secret-env names {var}, which is not set")),
        },
        (None, Some(url)) => TokenPolicy::sdk(&url),
        // No backend and no secret: no token can be checked, so only plain ids are taken.
        (None, None) if !signed_only => {
            TokenPolicy::secret(crate::events::RunId::random().to_string() + crate::events::RunId::random().as_str())
        }
        (None, None) => {
            return Err(format!(
                "--signed-only needs a secret to check model tokens with: {RUN_HOST_VAR} or {HOST_VAR} (the SDK's \
                 tokens), or --token-secret-env VAR"
            ));
        }
    };
    let mut options = ServeOptions::new(model_source, tokens.allow_plain_ids(!signed_only));
    options.max_models = source.max_models.max(1);
    options.access_ttl = source.access_ttl;
    options.plugin = crate::registry::registry().map(|registry| registry.plugin().code).unwrap_or_default();
    Ok(options)
}

/// A runtime of `threads` workers (default: one per CPU).
fn serving_runtime(threads: Option<usize>) -> Result<tokio::runtime::Runtime, u8> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(threads) = threads {
        builder.worker_threads(threads.max(1));
    }
    builder.enable_all().build().map_err(|error| {
        eprintln!("error: cannot start the async runtime: {error}");
        FAILED
    })
}

pub(in crate::cli) fn serve(args: ServeArgs) -> u8 {
    let entry = match registered_deployment() {
        Ok(entry) => entry,
        Err(error) => {
            eprintln!("error: {error}");
            return USAGE;
        }
    };
    let mut options = match options(&args.source, args.replica.signed_only) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return USAGE;
        }
    };
    options.bind = match args.bind.resolve() {
        Ok(bind) => bind,
        Err(error) => {
            eprintln!("error: {error}");
            return FAILED;
        }
    };
    options.route_prefix = args.replica.route_prefix.or_else(|| std::env::var(RELEASE_CHECKSUM_VAR).ok());
    options.batching = args.replica.batch_size.map(|size| Batching::new(size, args.replica.batch_wait));
    let runtime = match serving_runtime(args.threads) {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let stop = CancellationToken::new();
    let served = runtime.block_on(async {
        // Ray stops a replica's job with SIGTERM: requests under way are answered first.
        match Interrupts::register() {
            Ok(interrupts) => drop(tokio::spawn(interrupts.cancel_on_first(stop.clone()))),
            Err(error) => eprintln!("warning: stopping will not wait for requests under way: {error}"),
        }
        entry.deployment.serve(options, stop).await
    });
    match served {
        Ok(()) => OK,
        Err(error) => {
            eprintln!("error: {error}");
            FAILED
        }
    }
}

pub(in crate::cli) fn infer(args: InferArgs) -> u8 {
    let input = match read_params(ParamsSource::Arg(&args.input)) {
        Ok(input) => input,
        Err(ParamsInputError::Unreadable(message)) => {
            eprintln!("error: {message}");
            return USAGE;
        }
        Err(ParamsInputError::Malformed(violations)) => {
            eprintln!("error: the input is not JSON:\n{violations}");
            return USAGE;
        }
    };
    let runtime = match serving_runtime(Some(2)) {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    let answer = match &args.url {
        Some(url) => runtime.block_on(remote(url, args.model, &input, args.plain_id)),
        None => {
            let entry = match registered_deployment() {
                Ok(entry) => entry,
                Err(error) => {
                    eprintln!("error: {error}");
                    return USAGE;
                }
            };
            let options = match options(&args.source, false) {
                Ok(options) => options,
                Err(message) => {
                    eprintln!("error: {message}");
                    return USAGE;
                }
            };
            runtime.block_on(entry.deployment.infer_once(options, args.model, input)).map_err(|error| {
                let code = if matches!(error, ServeError::InvalidInput { .. }) { USAGE } else { FAILED };
                (error.to_string(), code)
            })
        }
    };
    match answer {
        Ok(output) => {
            println!("{}", serde_json::to_string_pretty(&output).unwrap_or_default());
            OK
        }
        Err((message, code)) => {
            eprintln!("error: {message}");
            code
        }
    }
}

/// Asks the replica at `url` (`host:port`, `http://` optional): with the SDK's model token when
/// a backend is configured ([`caller_header`]), else the plain id.
async fn remote(
    url: &str,
    model: u64,
    input: &serde_json::Value,
    plain_id: bool,
) -> Result<serde_json::Value, (String, u8)> {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let addr: SocketAddr = address
        .parse()
        .map_err(|_| (format!("--url {url} is not an address (host:port, e.g. 127.0.0.1:8100)"), USAGE))?;
    let header = if plain_id { model.to_string() } else { caller_header(model, env_var) };
    let client = ServeClient::new(vec![addr]);
    let signed = header != model.to_string();
    client.infer(&header, model, input).await.map_err(|error| {
        let code = if error.kind() == Some("invalid_input") { USAGE } else { FAILED };
        let mut message = error.to_string();
        if signed && error.kind() == Some("model_token") {
            message.push_str(
                "\n(the token was signed for SYNAPSE_HOST with SYNAPSE_ACCESS_TOKEN; a replica serving --models-dir \
                 without that backend takes --plain-id)",
            );
        }
        (message, code)
    })
}

/// A variable of this process's environment.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
