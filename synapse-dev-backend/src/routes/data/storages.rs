//! `GET storages/` and `GET storages/{id}/`: storage 1 is the media directory (`file_system`);
//! storage 2, when the backend was started with an [`S3Storage`], is that bucket's record
//! (`amazon_s3`); the presigned upload puts files into that bucket when built with the `s3`
//! feature and its endpoint answers ([`crate::s3`]), and nothing else here talks to S3.

use crate::drf::ApiError;
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::routes::{Shared, path_id};
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use std::fmt;

/// An S3 bucket the backend lists as its storage 2 (`amazon_s3`), as the S3 phase of the tests
/// points it at a local S3 server. Its `Debug` hides the keys.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Storage {
    /// The bucket.
    pub bucket_name: String,
    /// The access key id.
    pub access_key: String,
    /// The secret access key.
    pub secret_key: String,
    /// The region.
    pub region_name: String,
    /// The S3 endpoint, e.g. `http://127.0.0.1:9000`.
    pub endpoint_url: String,
}

impl fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket_name", &self.bucket_name)
            .field("access_key", &"***")
            .field("secret_key", &"***")
            .field("region_name", &self.region_name)
            .field("endpoint_url", &self.endpoint_url)
            .finish()
    }
}

impl S3Storage {
    /// The bucket the environment names, when `SYNAPSE_TEST_S3_ENDPOINT` is set: with
    /// `SYNAPSE_TEST_S3_BUCKET` (default `synapse-test`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY` (default `testing` each, as moto takes any) and
    /// `AWS_DEFAULT_REGION` (default `us-east-1`).
    pub fn from_env() -> Option<Self> {
        let var = |name: &str, default: &str| {
            std::env::var(name).ok().filter(|value| !value.is_empty()).unwrap_or_else(|| default.to_owned())
        };
        let endpoint_url = std::env::var("SYNAPSE_TEST_S3_ENDPOINT").ok().filter(|value| !value.is_empty())?;
        Some(Self {
            bucket_name: var("SYNAPSE_TEST_S3_BUCKET", "synapse-test"),
            access_key: var("AWS_ACCESS_KEY_ID", "testing"),
            secret_key: var("AWS_SECRET_ACCESS_KEY", "testing"),
            region_name: var("AWS_DEFAULT_REGION", "us-east-1"),
            endpoint_url,
        })
    }
}

/// The storages, by id: `{id, name, category, provider, configuration, is_default}`.
pub(crate) fn storages(app: &Shared) -> Vec<Value> {
    let mut all = vec![json!({
        "id": 1,
        "name": "media",
        "category": "internal",
        "provider": "file_system",
        "configuration": { "location": app.media.root().display().to_string() },
        "is_default": true,
    })];
    if let Some(s3) = &app.s3 {
        all.push(json!({
            "id": 2,
            "name": "s3",
            "category": "internal",
            "provider": "amazon_s3",
            "configuration": {
                "bucket_name": s3.bucket_name,
                "access_key": s3.access_key,
                "secret_key": s3.secret_key,
                "region_name": s3.region_name,
                "endpoint_url": s3.endpoint_url,
            },
            "is_default": false,
        }));
    }
    all
}

/// `GET storages/` (`?category=` filters): a DRF page.
pub(crate) async fn list(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::from_query(url.query())?;
    let category = form_urlencoded::parse(url.query().unwrap_or("").as_bytes())
        .find(|(key, _)| key == "category")
        .map(|(_, value)| value.into_owned());
    let all: Vec<Value> = storages(&app)
        .into_iter()
        .filter(|storage| category.as_deref().is_none_or(|category| storage["category"] == category))
        .collect();
    let page = request.resolve(all.len() as u64)?;
    let start = usize::try_from(page.offset()).unwrap_or(usize::MAX);
    let results = all.into_iter().skip(start).take(usize::try_from(page.page_size).unwrap_or(usize::MAX)).collect();
    Ok(Json(page.body(&url, results)))
}

/// `GET storages/{id}/`.
pub(crate) async fn retrieve(State(app): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    storages(&app).into_iter().find(|storage| storage["id"] == id).map(Json).ok_or(ApiError::NotFound)
}
