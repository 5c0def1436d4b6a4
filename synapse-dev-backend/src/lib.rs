//! An embedded development backend: the Synapse v1 API that plugins talk to (jobs and logs so
//! far), served from this process, with its state inspectable and its failures injectable.
//!
//! Plugins and their tests point `SYNAPSE_HOST` at it instead of a real Synapse backend: the
//! paths, headers, pagination and error bodies are the backend's, so a client that works here
//! speaks the real protocol. It is a development tool: it listens on loopback only, and one
//! configured token opens everything.
//!
//! # What it serves
//!
//! Paths are relative to the host root, each with its trailing slash, as the v1 API has them:
//!
//! | Route | What |
//! |---|---|
//! | `GET /jobs/` | the jobs by id, DRF page-number pages (`?page_size=` 100 by default, at most 1000; `?page=`): `{count, next, previous, results}`, with absolute `next`/`previous` URLs from the request's `Host` |
//! | `GET /jobs/{id}/` | a job: `{id, status, progress_record, metrics_record, console_logs, result, meta, created, modified}` |
//! | `PATCH /jobs/{id}/` | any of `{status, progress_record, metrics_record, console_logs, result, meta}`; any other key is 400 `{"<key>": ["This field is not allowed."]}`; `status` is one of `PENDING RUNNING STOPPED SUCCEEDED FAILED` |
//! | `GET /jobs/{id}/console_logs/` | the entries posted to `logs/` for the job, in order |
//! | `POST /logs/` | one entry `{event, data, datetime, job, file?, step?, level?}` or a list of them: 201 with the created entries (with ids), or 400 with DRF's field errors (one object per entry for a list) |
//!
//! | `GET /media/{key}` | a media file (uploaded files, model archives, seeded images), by the absolute URL the API hands out; no credentials, as a storage's URL needs none (counted and faulted like the API) |
//!
//! Every one of them but `/media/` needs the configured token, in any of the forms Synapse clients send it:
//! `Synapse-Access-Token: Token <t>` (the v1 SDK), `Synapse-Access-Token: syn_<t>` or bare `<t>`
//! (the v2 CLI), `Authorization: Token <t>` (the plugin-run user token, configurable apart) or
//! `Authorization: Bearer <t>`. A missing token is 401 `{"detail": "Authentication credentials
//! were not provided."}`, a wrong one 401 `{"detail": "Invalid token."}`. The tenant
//! (`Synapse-Tenant: Token <code>` or `<code>`) and the `url_host` query parameter are recorded,
//! never required. Errors are DRF's bodies; a failure of the backend itself (its SQLite store) is
//! 500 `{"detail": "<what failed>"}`.
//!
//! # The dev routes
//!
//! Under `/_dev`, without credentials:
//!
//! | Route | What |
//! |---|---|
//! | `POST /_dev/jobs` | creates a job from `{status?, meta?}` (PENDING by default): 201 with the job |
//! | `GET /_dev/state` | `{jobs, logs, requests, unmatched, auth, faults}`: each job with the PATCHes it got (`patches: [{id, body, at}]`), every log entry, a counter per `"<METHOD> <route pattern>"` (and per path no route serves), the credentials each API request carried (`{route, path, variant, token, tenant, tenant_variant, url_host, accepted}`), and the faults |
//! | `POST /_dev/faults` | adds a fault `{method, path_glob, nth? \| every?, status? \| drop_response?: true \| delay_ms?}`: the nth matching API request (each kth with `every`, every one without either) is answered with `status`, or applied with its response broken off (the client sees an incomplete message), or held `delay_ms` first |
//! | `PUT /_dev/media/{key}` | stores the body as media `key`: 201 `{key, url, size}` |
//! | `GET /_dev/faults`, `DELETE /_dev/faults` | lists the faults (with how often each matched and fired), clears them |
//!
//! # Starting it
//!
//! As a process, for manual plugin runs:
//!
//! ```text
//! synapse-dev-backend --bind 127.0.0.1:0 --data DIR --token T [--user-token U]
//! @synapse-dev-backend {"addr":"127.0.0.1:40123","url":"http://127.0.0.1:40123/"}
//! ```
//!
//! It prints that one line once it listens, then serves until SIGINT or SIGTERM. The state is an
//! SQLite file under `--data` (a restart on the same directory finds it), or in memory without
//! it. In tests, from the library:
//!
//! ```
//! use synapse_dev_backend::DevBackend;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let backend = DevBackend::builder().token("secret").in_memory().bind("127.0.0.1:0").start().await?;
//! let client = reqwest::Client::builder().no_proxy().build()?;
//!
//! // A job to run, made through the dev routes...
//! let job: serde_json::Value = client.post(format!("{}_dev/jobs", backend.url())).send().await?.json().await?;
//! assert_eq!(job["status"], "PENDING");
//!
//! // ...then moved on through the API, as a plugin would.
//! let patched = client
//!     .patch(format!("{}jobs/{}/", backend.url(), job["id"]))
//!     .header("Synapse-Access-Token", "Token secret")
//!     .json(&serde_json::json!({ "status": "RUNNING" }))
//!     .send()
//!     .await?;
//! assert_eq!(patched.status(), 200);
//!
//! let state: serde_json::Value = client.get(format!("{}_dev/state", backend.url())).send().await?.json().await?;
//! assert_eq!(state["jobs"][0]["patches"][0]["body"], serde_json::json!({ "status": "RUNNING" }));
//! assert_eq!(state["auth"][0]["variant"], "access_token");
//! backend.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! What this crate decided where the backend's reference leaves it open is in its
//! `ASSUMPTIONS.md`.

#![warn(missing_docs)]

mod auth;
mod drf;
mod error;
mod faults;
mod media;
mod pagination;
mod routes;
mod server;
mod store;
mod time;

pub use error::Error;
pub use server::{DevBackend, DevBackendBuilder, RunningDevBackend};
