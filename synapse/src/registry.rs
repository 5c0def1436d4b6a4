//! The link-time registry: every `#[action]` and `plugin!` in the binary, found without any
//! registration call or runtime scanning.
//!
//! Actions defined in a library crate are part of the registry as soon as the binary links
//! that crate; a crate nothing refers to is not linked, so a plugin binary names its action
//! crates (`synapse::main!(my_actions)`).

use crate::action::{ActionDescriptor, Category, SourceLocation};
use linkme::distributed_slice;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// Every `#[action]` linked into the binary.
#[distributed_slice]
pub static SYNAPSE_ACTIONS_V0: [ActionDescriptor];

/// Every `plugin!` linked into the binary (at most one is valid).
#[distributed_slice]
pub static SYNAPSE_PLUGINS_V0: [PluginDescriptor];

/// What `synapse::plugin!` declares.
#[derive(Debug)]
pub struct PluginDescriptor {
    /// Display name.
    pub name: &'static str,
    /// Code (the crate's package name).
    pub code: &'static str,
    /// Version (the crate's package version).
    pub version: &'static str,
    /// Description.
    pub description: &'static str,
    /// Category.
    pub category: Category,
    /// Where it is declared.
    pub file: &'static str,
    /// The line.
    pub line: u32,
}

/// The plugin a binary is, resolved: from `plugin!`, else from the binary's package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// Display name.
    pub name: String,
    /// Code.
    pub code: String,
    /// Version.
    pub version: String,
    /// Description.
    pub description: String,
    /// Category.
    pub category: Category,
}

/// Where the plugin identity comes from when no `plugin!` is linked: the binary's package,
/// recorded by `synapse::main!()`.
#[derive(Debug, Clone, Copy)]
pub struct BinaryInfo {
    /// `CARGO_PKG_NAME` of the binary.
    pub package: &'static str,
    /// `CARGO_PKG_VERSION` of the binary.
    pub version: &'static str,
    /// `CARGO_PKG_DESCRIPTION` of the binary.
    pub description: &'static str,
    /// `CARGO_MANIFEST_DIR` of the binary (where `config.yaml` lives during development).
    pub manifest_dir: &'static str,
}

static BINARY: OnceLock<BinaryInfo> = OnceLock::new();

/// Records the binary's package (done by `synapse::main!`, before anything else).
pub fn set_binary_info(info: BinaryInfo) {
    let _ = BINARY.set(info);
}

/// The binary's package, when `synapse::main!` recorded it.
pub fn binary_info() -> Option<&'static BinaryInfo> {
    BINARY.get()
}

/// A problem with what was linked into the binary.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two actions share a name.
    #[error("two actions are named `{name}`: one at {first}, one at {second}; give one of them another `name = \"…\"`")]
    DuplicateAction {
        /// The shared name.
        name: String,
        /// One definition.
        first: SourceLocation,
        /// The other.
        second: SourceLocation,
    },
    /// More than one `plugin!`.
    #[error(
        "more than one `synapse::plugin!` is linked into this binary: `{first}` ({first_at}) and `{second}` ({second_at}); a binary is one plugin"
    )]
    DuplicatePlugin {
        /// One plugin code.
        first: String,
        /// Where.
        first_at: String,
        /// The other.
        second: String,
        /// Where.
        second_at: String,
    },
}

/// The validated registry: actions by name, and the plugin identity.
#[derive(Debug)]
pub struct Registry {
    actions: BTreeMap<&'static str, &'static ActionDescriptor>,
    plugin: Option<&'static PluginDescriptor>,
}

impl Registry {
    fn build(
        actions: &'static [ActionDescriptor],
        plugins: &'static [PluginDescriptor],
    ) -> Result<Self, RegistryError> {
        let mut by_name: BTreeMap<&'static str, &'static ActionDescriptor> = BTreeMap::new();
        let mut sorted: Vec<&'static ActionDescriptor> = actions.iter().collect();
        sorted.sort_by_key(|a| (a.name(), a.meta().file, a.meta().line));
        for action in sorted {
            if let Some(previous) = by_name.insert(action.name(), action) {
                return Err(RegistryError::DuplicateAction {
                    name: action.name().to_owned(),
                    first: previous.location(),
                    second: action.location(),
                });
            }
        }
        if let [first, second, ..] = plugins {
            return Err(RegistryError::DuplicatePlugin {
                first: first.code.to_owned(),
                first_at: format!("{}:{}", first.file, first.line),
                second: second.code.to_owned(),
                second_at: format!("{}:{}", second.file, second.line),
            });
        }
        Ok(Registry { actions: by_name, plugin: plugins.first() })
    }

    /// The action named `name`.
    pub fn action(&self, name: &str) -> Option<&'static ActionDescriptor> {
        self.actions.get(name).copied()
    }

    /// Every action, sorted by name.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &'static ActionDescriptor> + '_ {
        self.actions.values().copied()
    }

    /// Every action name, sorted.
    pub fn names(&self) -> Vec<&'static str> {
        self.actions.keys().copied().collect()
    }

    /// The plugin identity: `plugin!` when linked, else the binary's package, else the crate
    /// that defines the actions.
    pub fn plugin(&self) -> PluginInfo {
        if let Some(plugin) = self.plugin {
            return PluginInfo {
                name: plugin.name.to_owned(),
                code: plugin.code.to_owned(),
                version: plugin.version.to_owned(),
                description: plugin.description.to_owned(),
                category: plugin.category,
            };
        }
        if let Some(binary) = binary_info() {
            return PluginInfo {
                name: binary.package.to_owned(),
                code: binary.package.to_owned(),
                version: binary.version.to_owned(),
                description: binary.description.to_owned(),
                category: Category::Custom,
            };
        }
        let code = self.actions.values().next().map_or("plugin", |a| a.meta().crate_name);
        PluginInfo {
            name: code.to_owned(),
            code: code.to_owned(),
            version: "0.0.0".to_owned(),
            description: String::new(),
            category: Category::Custom,
        }
    }

    /// The codes a `run_plugin(plugin_code, …)` call may name for this binary: the plugin
    /// code and every crate that defines actions.
    pub fn plugin_codes(&self) -> Vec<String> {
        let mut codes = vec![self.plugin().code];
        for action in self.actions.values() {
            let code = action.meta().crate_name.to_owned();
            if !codes.contains(&code) {
                codes.push(code);
            }
        }
        codes
    }

    /// The category of `action`: its own, else the plugin's.
    pub fn category_of(&self, action: &ActionDescriptor) -> Category {
        action.meta().category.unwrap_or_else(|| self.plugin().category)
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} actions: {}", self.actions.len(), self.names().join(", "))
    }
}

/// The registry of this binary, validated once on first use.
pub fn registry() -> Result<&'static Registry, RegistryError> {
    static REGISTRY: OnceLock<Result<Registry, RegistryError>> = OnceLock::new();
    REGISTRY.get_or_init(|| Registry::build(&SYNAPSE_ACTIONS_V0, &SYNAPSE_PLUGINS_V0)).as_ref().map_err(Clone::clone)
}
