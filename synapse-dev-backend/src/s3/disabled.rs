//! Storage 2's bucket in a build without the `s3` feature: there is never one, and presigned URLs
//! always point at this backend.

use crate::drf::ApiError;
use crate::routes::data::storages::S3Storage;
use std::time::Duration;

/// A bucket this build cannot talk to: a type with no values.
pub(crate) enum Bucket {}

impl Bucket {
    /// Never a bucket.
    pub(crate) async fn connect(_: &S3Storage) -> Option<Self> {
        None
    }

    pub(crate) fn name(&self) -> &str {
        match *self {}
    }

    pub(crate) async fn sign_put(&self, _: &str, _: Duration) -> Result<String, ApiError> {
        match *self {}
    }

    pub(crate) async fn create_multipart(&self, _: &str) -> Result<String, ApiError> {
        match *self {}
    }

    pub(crate) async fn sign_part(&self, _: &str, _: &str, _: u64, _: Duration) -> Result<String, ApiError> {
        match *self {}
    }

    pub(crate) async fn complete(&self, _: &str, _: &str, _: Vec<String>) -> Result<(), String> {
        match *self {}
    }

    pub(crate) async fn fetch(&self, _: &str) -> Result<Option<Vec<u8>>, ApiError> {
        match *self {}
    }

    pub(crate) async fn remove(&self, _: &str) -> Result<(), ApiError> {
        match *self {}
    }
}
