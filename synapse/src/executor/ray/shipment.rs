//! What a run on Ray ships: the plugin binary and its directory as one package, built on first
//! use and uploaded once, with the dashboard client both Ray executors (job and task mode) make
//! from their [`RunOptions`].

use super::{PluginPackage, RayJobsClient};
use crate::executor::{ExecutionMode, RunError, RunOptions};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;

/// The package shipping a plugin binary and its directory, built once and uploaded once.
pub(crate) struct Shipment {
    binary: PathBuf,
    plugin_dir: Option<PathBuf>,
    package: OnceCell<Arc<PluginPackage>>,
}

impl Shipment {
    pub(crate) fn new(binary: PathBuf, plugin_dir: Option<PathBuf>) -> Self {
        Shipment { binary, plugin_dir, package: OnceCell::new() }
    }

    /// The shipment of the plugin binary and directory `options` give, with the client of
    /// their Ray dashboard (and token), for a run in `mode` (what an error without an address
    /// names).
    pub(crate) fn with_client(options: &RunOptions, mode: ExecutionMode) -> Result<(RayJobsClient, Self), RunError> {
        let mut client = RayJobsClient::new(&options.ray_dashboard(mode)?)?;
        if let Some(token) = &options.ray_token {
            client = client.with_token(token);
        }
        Ok((client, Shipment::new(options.plugin_binary()?, options.shipped_dir())))
    }

    /// The plugin code a job shows in its submission id and metadata: the one `options` give,
    /// else the binary's file name.
    pub(crate) fn plugin_code(&self, options: &RunOptions) -> String {
        options.plugin_code.clone().unwrap_or_else(|| {
            self.binary
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| "plugin".to_owned())
        })
    }

    /// The package for `client`'s cluster: before a package is built for the first time, the
    /// dashboard is asked whether it is there at all, so that an address where nothing (or
    /// something else) answers is said at once, not after the packaging.
    pub(crate) async fn package_for(&self, client: &RayJobsClient) -> Result<Arc<PluginPackage>, RunError> {
        if self.package.get().is_none() {
            client.version().await?;
        }
        self.package().await
    }

    /// The package (built on first use; zipping a large binary takes a while, off the runtime).
    pub(crate) async fn package(&self) -> Result<Arc<PluginPackage>, RunError> {
        self.package
            .get_or_try_init(|| async {
                let (binary, dir) = (self.binary.clone(), self.plugin_dir.clone());
                let built = tokio::task::spawn_blocking(move || {
                    let mut builder = PluginPackage::builder().binary(binary);
                    if let Some(dir) = dir {
                        builder = builder.plugin_dir(dir);
                    }
                    builder.build()
                })
                .await
                .map_err(|error| RunError::Infrastructure(format!("packaging the plugin stopped: {error}")))??;
                Ok(Arc::new(built))
            })
            .await
            .cloned()
    }
}
