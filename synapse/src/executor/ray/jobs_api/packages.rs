//! The dashboard's package store (`/api/packages/gcs/{name}`): whether it has a package, and
//! uploading one. The packages themselves are built by `executor::ray::package`.

use super::error::{Call, classify};
use super::{MAX_UPLOAD_BYTES, RayError, RayJobsClient};
use reqwest::Method;

impl RayJobsClient {
    /// Whether the package store has the package `name` (e.g. `_ray_pkg_….zip`): `GET
    /// /api/packages/gcs/{name}`.
    ///
    /// This GET also pins the package for 10 minutes (even when it answers "no"), so a job
    /// submitted within that time can use it; call it right before submitting.
    pub async fn package_exists(&self, name: &str) -> Result<bool, RayError> {
        validate_package_name(name)?;
        let path = format!("/api/packages/gcs/{name}");
        let request = self.request(Method::GET, &path)?;
        let response = request.send().await.map_err(|error| self.transport(error, self.timeouts.request))?;
        match response.status().as_u16() {
            200..=299 => Ok(true),
            404 => Ok(false),
            status => {
                let body = response.text().await.unwrap_or_default();
                Err(classify(&self.address, "GET", &path, Call::Plain, status, &body))
            }
        }
    }

    /// Uploads a package's bytes as `name`: `PUT /api/packages/gcs/{name}`.
    ///
    /// Packages larger than [`MAX_UPLOAD_BYTES`] are refused before sending. Call
    /// [`package_exists`](Self::package_exists) first (it pins the package): a package uploaded
    /// without it and never used stays in the cluster's memory until the cluster restarts.
    /// [`PluginPackage::ensure_uploaded`](super::super::package::PluginPackage::ensure_uploaded) does both.
    pub async fn upload_package(&self, name: &str, bytes: &[u8]) -> Result<(), RayError> {
        self.upload_package_bytes(name, bytes.to_vec()).await
    }

    /// [`upload_package`](Self::upload_package) of bytes the caller owns (no copy).
    pub(crate) async fn upload_package_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<(), RayError> {
        validate_package_name(name)?;
        let size = bytes.len() as u64;
        if size > MAX_UPLOAD_BYTES {
            return Err(RayError::PackageTooLarge { name: name.to_owned(), size, limit: MAX_UPLOAD_BYTES });
        }
        let path = format!("/api/packages/gcs/{name}");
        let request = self.request(Method::PUT, &path)?.timeout(self.timeouts.upload).body(bytes);
        self.send(request, "PUT", &path, Call::Upload { name, size }).await?;
        Ok(())
    }
}

fn validate_package_name(name: &str) -> Result<(), RayError> {
    let invalid = |reason: &str| Err(RayError::InvalidPackageName { name: name.to_owned(), reason: reason.to_owned() });
    if name.is_empty() || name.len() > 255 {
        return invalid("it must be 1 to 255 characters long");
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return invalid("only A-Z, a-z, 0-9, `.`, `_` and `-` are allowed");
    }
    if name.starts_with('.') {
        return invalid("it must not start with `.`");
    }
    if ![".zip", ".tar.gz", ".tgz", ".tar.xz"].iter().any(|ext| name.ends_with(ext)) {
        return invalid("it must end with .zip, .tar.gz, .tgz or .tar.xz");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_are_checked() {
        assert!(validate_package_name("_ray_pkg_0123abcd.zip").is_ok());
        assert!(validate_package_name("plugin-1.0.tar.gz").is_ok());
        for bad in ["", "a/b.zip", "../x.zip", "x.rar", ".zip", "a b.zip"] {
            assert!(validate_package_name(bad).is_err(), "{bad}");
        }
    }
}
