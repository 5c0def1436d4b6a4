//! Discovery from a plugin's committed `config.yaml`: what the platform reads. Its siblings read
//! the same model from the registry (`registry`) and from the crate's sources (`source`).

use super::{DiscoveredAction, DiscoveryError, Origin, PluginDiscovery};
use crate::config::{CONFIG_FILE, ConfigError, PluginConfig};
use crate::registry::PluginInfo;
use std::path::Path;

impl PluginDiscovery {
    /// The plugin and actions a `config.yaml` declares: `path` is the file, or the plugin
    /// directory holding it (see [`PluginConfig::from_path`]).
    ///
    /// ```
    /// use synapse::discovery::PluginDiscovery;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// std::fs::write(
    ///     dir.path().join("config.yaml"),
    ///     "name: Demo\ncode: demo\nversion: \"1.0.0\"\nactions:\n  train:\n    entrypoint: demo::TrainAction\n    \
    ///      category: neural_net\n    method: job\n    params_schema: schemas/train.params.json\n",
    /// )
    /// .unwrap();
    /// let discovery = PluginDiscovery::from_config(dir.path()).unwrap();
    /// assert_eq!(discovery.action_names(), ["train"]);
    /// assert_eq!(discovery.action("train").unwrap().entrypoint, "demo::TrainAction");
    ///
    /// std::fs::write(dir.path().join("config.yaml"), "name: Demo\ncode: demo\nversion: one\nactions: {}\n").unwrap();
    /// let error = PluginDiscovery::from_config(dir.path()).unwrap_err();
    /// assert!(error.to_string().contains("config.yaml:3:10: "), "{error}");
    /// ```
    pub fn from_config(path: impl AsRef<Path>) -> Result<PluginDiscovery, DiscoveryError> {
        let path = path.as_ref();
        let file = if path.is_dir() {
            match [CONFIG_FILE, "synapse.yaml"].iter().map(|name| path.join(name)).find(|file| file.is_file()) {
                Some(file) => file,
                None => return Err(ConfigError::NotFound { dir: path.to_owned() }.into()),
            }
        } else {
            path.to_owned()
        };
        let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read { path: file.clone(), source })?;
        let config = PluginConfig::from_yaml(&text, &file)?;
        let plugin = PluginInfo {
            name: config.name,
            code: config.code,
            version: config.version,
            description: config.description,
            category: config.category,
        };
        let actions = config
            .actions
            .into_iter()
            .map(|(name, action)| DiscoveredAction {
                name,
                description: action.description,
                category: action.category,
                method: action.method,
                input_type: action.input_type,
                output_type: action.output_type,
                entrypoint: action.entrypoint,
            })
            .collect();
        Ok(PluginDiscovery::with_origin(plugin, actions, Origin::Config { path: file }))
    }
}
