//! An embedded development backend: the Synapse v1 API that plugins talk to (jobs, logs,
//! chunked uploads, models, data collections, files and units, storages, ground truth, projects
//! and tasks, plugin releases and serve applications), served from this process, with seeded
//! data, its state inspectable and its failures injectable.
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
//! | `POST /logs/` | one entry `{event, data, datetime, job, file?, step?, level?}` or a list of them (`file` a base64 `data:` URI, kept as a media file and shown as its URL): 201 with the created entries (with ids), or 400 with DRF's field errors (one object per entry for a list) |
//! | `GET /sdk/ground_truth_events/` | ground-truth events `{id, category, files: {<spec>: {url, file_type, is_primary}}, data, data_unit: {files: {<spec>: {url, file_type, is_primary, file_name_original}}}, ground_truth_dataset_version, created}` in DRF pages; filters `ground_truth_dataset_versions` (ids), `category` (`train validation test`), `id`/`ids`; `fields=` keeps only the named fields (and `id`); `pagination=cursor` gives cursor pages `{next, previous, results}`, newest first unless `ordering=pgh_id` |
//! | `GET /ground_truth_dataset_versions/{id}/` | `{id, ground_truth_dataset, name, event_count, created}` |
//! | `GET /projects/{id}/` | `{id, title, configuration, data_collection, task_count, created}`; the class schema is `configuration.classification.<tool>.classification_schema` |
//! | `GET /sdk/tasks/` | tasks `{id, project, data, data_unit, files, created, modified}` in DRF pages; filter `project` |
//! | `GET /sdk/assignments/` | assignments `{id, project, task, data, file, created}` in DRF pages (`file`: the task's primary file `{url, file_type, is_primary, file_name_original}`); filter `project` |
//! | `GET /tasks/{id}/` | `{id, project, data, data_unit, created, modified}`; `expand=data_unit` shows `{id, files: {<spec>: {url, file_type, is_primary, file_name_original}}, meta}`; `fields=` as above |
//! | `PUT /tasks/{id}/annotate_task_data/` | `{"action": "submit", "data": <DM v1>}`, `?schema=dm_schema_v1\|any` (`any` skips the DM v1 check): the task, its `data` the annotation; 400 with DRF's field errors |
//! | `GET /plugin_releases/{id}/` | `{id, plugin, version, config, requirements, debug, created}`, `plugin` the id, or `{id, code, name}` with `expand=plugin` |
//! | `POST /plugins/{code}/run/` | `{agent?, action, params?, version?, debug?, language?, storage_id?, job_id?}` (`PluginRunRequest`): a new PENDING job whose `meta.plugin_run` is the request: 201 `{"job_id"}`; 404 for a plugin without releases |
//! | `POST /serve_applications/` | `{job, status?, data?}`: 201 `{id, job, status, data, plugin_code, agent, created, modified}` (plugin and agent those of the job's run) |
//! | `GET /serve_applications/` | serve applications in DRF pages; filters `plugin_code`, `job__agent` |
//! | `GET /data_collections/{id}/` | `{id, name, file_specifications}`; with `?expand=file_specifications` each specification is `{id, name, file_type, is_required, is_primary, function_type, index, configuration, is_sequential}` (ids without) |
//! | `POST /data_files/` | multipart with a `file` part, or JSON `{chunked_upload: <id>}` (a finished chunked upload): 201 `{id, file, checksum, size, created_at}`, `checksum` the SHA-1 of the content |
//! | `POST /data_files/verify_checksums/` | `{checksums: [...]}` (at most 1000): `{existing_checksums: [...]}` |
//! | `POST /data_files/presigned_upload/upload/` | `{files: [{filename, size, content_type?}], expiration?}`: 201 `{files: [{filename, file_key, presigned_url \| multipart: {upload_id, part_size, parts: [{part_number, presigned_url}]}}], expires_at}`, multipart above 5 MiB; the URLs point at `PUT /_presigned/{key}`, or (feature `s3`) are S3's own presigned `PUT`/`UploadPart` URLs into storage 2's bucket when its endpoint answers |
//! | `POST /data_files/presigned_upload/confirm_upload/` | `{files: [{file_key, checksum, size, multipart?}]}`: `{results: [{file_key, checksum, data_file_id, success, error?}], created_count, failed_count}`, each file checked against its SHA-1 and size (in the bucket, an S3 multipart upload completed first, the object read back) |
//! | `DELETE /data_files/{id}/` | dev only (the v1 API has none): 204; 400 while a data unit binds the file |
//! | `POST /data_units/` | `{data_collection, files: {<spec>: {checksum, path?}}, meta?, groups?}` or a list: 201 with the unit(s) `{id, data_collection, meta, groups, files}`, or 400 per entry |
//! | `GET /data_units/{id}/` | a unit; `?expand=files` makes each file `{id, url, checksum, size, path, file_type, is_primary, file_name_original}` |
//! | `DELETE /v2/data-units/{id}/` | 204; 404 in the v2 envelope `{"error": {"code": "NOT_FOUND", …}}` |
//! | `GET /storages/`, `GET /storages/{id}/` | storage 1 `file_system {location: <media dir>}`; storage 2 `amazon_s3` when started with an [`S3Storage`] |
//! | `POST /storages/{id}/session/` | `{purpose?: read\|write}` (`read` when absent): 200 `{id, storage, provider, configuration, purpose, contract_version: 1, expires_at}`, the storage's provider and configuration (credentials included) for an hour; 404 for a storage it does not have |
//! | `PUT /chunked_upload/` | the first chunk of a chunked upload (django-chunked-upload, as the SDK sends it): multipart `filename` field and `file` part, `Content-Range: bytes <start>-<end>/<total>` (none: the whole file): `{id, url, offset, filename, status, completed_at, expires}`, `id` 32 hex digits, `url` absolute |
//! | `PUT /chunked_upload/{id}/` | the next chunk; one not starting at the offset is 400 `{"detail": "Offsets do not match", "offset": <bytes received>}` |
//! | `POST /chunked_upload/{id}/` | the finalize, `{md5}` (JSON, or a form): a match completes the upload (the answer adds `file`, `checksum`, `size`); else 400 `md5 checksum does not match` |
//! | `GET /chunked_upload/{id}/` | the upload's state: `completed_at` is set once it is complete |
//! | `POST /models/` | exactly the SDK's `ModelCreateRequest` `{name, plugin?, version?, checkpoint?, chunked_upload, configuration?, description?}`; `chunked_upload` must be complete: 201 with the model |
//! | `GET /models/{id}/`, `GET /models/` | a model `{id, name, plugin, version, checkpoint, configuration, description, file, created}`, `file` the absolute media URL of its upload; the models in pages |
//! | `GET /media/{key}` | a media file (uploaded files, model archives, seeded images), by the absolute URL the API hands out; no credentials, as a storage's URL needs none (counted and faulted like the API) |
//! | `PUT /_presigned/{key}?signature=…` | a presigned upload's target (`&upload_id=…&part_number=N` for a part): 200 with an `ETag`; 403 for a wrong or expired signature; no credentials (counted and faulted like the API) |
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
//! | `GET /_dev/state` | `{jobs, logs, data_collections, data_files, data_units, chunked_uploads, models, requests, unmatched, auth, faults, ground_truth: {versions, events}, projects, tasks, assignments, plugin_releases, plugin_runs, serve_applications, storage_sessions}` (tasks with their submitted `annotations`, files by media key): each job with the PATCHes it got (`patches: [{id, body, at}]`), every log entry, a counter per `"<METHOD> <route pattern>"` (and per path no route serves), the credentials each API request carried (`{route, path, variant, token, tenant, tenant_variant, url_host, accepted}`), and the faults |
//! | `POST /_dev/faults` | adds a fault `{method, path_glob, nth? \| every?, status? \| body? \| drop_response?: true \| delay_ms?}`: the nth matching API request (each kth with `every`, every one without either) is answered with `status`, or with the raw text `body` declared JSON (status 200 unless given), or applied with its response broken off (the client sees an incomplete message), or held `delay_ms` first |
//! | `PUT /_dev/media/{key}` | stores the body as media `key`: 201 `{key, url, size}` |
//! | `POST /_dev/data_collections` | creates a data collection `{name, file_specifications: [{name, file_type, is_required?, is_primary?, function_type?, index?, configuration?, is_sequential?}]}`: 201 with it, expanded |
//! | `POST /_dev/seed/gt_dataset` | `{seed, classes, splits: {train?, validation?, test?}, images?, width?, height?, ground_truth_dataset?, name?}`: a new dataset version of synthetic PNGs (uniform background, one filled rectangle colour per class), their DM v1 as `data_meta_1` media and one event each; 201 with the truth (`{ground_truth_dataset, ground_truth_dataset_version, events, classes, images, boxes}`). The same seed gives the same bytes |
//! | `POST /_dev/seed/project` | `{seed, classes, tasks, with_labels?, without_label?, width?, height?, title?}`: a project with that class schema, and tasks whose data units hold `image_1` (+ `label_1`, a YOLO `.txt`), and a data collection of those specifications that the project names; 201 with the truth |
//! | `POST /_dev/seed/assignments` | `{project, data?: {"<task id>": <DM v1>}}`: one assignment per task of the project, holding its entry of `data` or the task's data; 201 `{project, assignments: [{id, task}]}` |
//! | `POST /_dev/seed/plugin_release` | `{code, version, name?, config?, requirements?, debug?}`: 201 with the release |
//! | `GET /_dev/faults`, `DELETE /_dev/faults` | lists the faults (with how often each matched and fired), clears them |
//!
//! # The console
//!
//! `/console/` is a web console of the runs this backend knows, from their job records: open
//! `<url>console/` (the URL the binary prints) in a browser. The runs page lists the jobs
//! newest first, 100 a page, each with its status and overall progress bar; a job's page
//! (`/console/jobs/{id}`) shows its overall and per-step progress bars, its metrics as charts
//! over epochs (from its `metric` log entries and the metrics record of each PATCH it got),
//! the images it logged as visualizations, its result or its error with the rollbacks of its
//! steps, and its log entries with their level and step. Both pages update live, without
//! reloading, through Server-Sent Events. Like `/_dev`, it needs no credentials (the backend
//! listens on loopback only):
//!
//! | Route | What |
//! |---|---|
//! | `GET /console/`, `GET /console/jobs/{id}` | the pages (`?page=` for older runs) |
//! | `GET /console/events?page=N`, `GET /console/jobs/{id}/events?after=L` | their live updates, `text/event-stream` (events `runs`, `job`) |
//! | `GET /console/api/jobs?page=N`, `GET /console/api/jobs/{id}` | what they show, as JSON: `{count, page, pages, results: [{id, status, plugin, action, overall, step, created, modified}]}`; a job adds `{steps, metrics: [{name, x, series: [{category, points}]}], result, error, rollbacks, images, last_log}` |
//!
//! `scripts/console-test.sh` tests it in headless Chromium against real plugin runs.
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
mod console;
mod drf;
mod error;
mod faults;
mod fixture;
mod media;
mod pagination;
mod routes;
mod s3;
mod seed;
mod server;
mod store;
mod time;

pub use error::Error;
pub use routes::data::storages::S3Storage;
pub use server::{DevBackend, DevBackendBuilder, RunningDevBackend};
