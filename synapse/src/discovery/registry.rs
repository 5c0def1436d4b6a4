//! Discovery from the link-time registry of a binary that links the plugin: what the plugin is
//! once compiled. Its siblings read the same model from a `config.yaml` (`config`) and from the
//! crate's sources (`source`).

use super::{DiscoveredAction, Origin, PluginDiscovery};
use crate::registry::Registry;

impl PluginDiscovery {
    /// The plugin and actions of a compiled registry; pass one plugin's view,
    /// `registry()?.for_plugin(code)`, when the binary links several.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::discovery::PluginDiscovery;
    ///
    /// /// Resize images.
    /// #[action(category = PreAnnotation)]
    /// async fn resize(ctx: &Context) -> Result<()> {
    ///     Ok(())
    /// }
    ///
    /// let discovery = PluginDiscovery::from_registry(synapse::registry::registry().unwrap());
    /// let resize = discovery.action("resize").unwrap();
    /// assert_eq!(resize.description, "Resize images.");
    /// assert_eq!(resize.category, Category::PreAnnotation);
    /// assert_eq!(resize.method, RunMethod::Task);
    /// assert!(resize.entrypoint.ends_with("::resize"));
    /// ```
    pub fn from_registry(registry: &Registry) -> PluginDiscovery {
        let actions = registry
            .actions()
            .map(|action| {
                let meta = action.meta();
                DiscoveredAction {
                    name: meta.name.to_owned(),
                    description: meta.description.to_owned(),
                    category: registry.category_of(action),
                    method: meta.method,
                    input_type: meta.input_type.map(|t| t.name.to_owned()),
                    output_type: meta.output_type.map(|t| t.name.to_owned()),
                    entrypoint: meta.entrypoint.to_owned(),
                }
            })
            .collect();
        PluginDiscovery::with_origin(registry.plugin(), actions, Origin::Registry)
    }
}
