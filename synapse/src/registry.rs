//! The link-time registry: every `#[action]` and `plugin!` in the binary, found without any
//! registration call or runtime scanning.
//!
//! Actions defined in a library crate are part of the registry as soon as the binary links
//! that crate; a crate nothing refers to is not linked, so a plugin binary names its action
//! crates (`synapse::main!(my_actions)`).

use crate::action::pipeline::PipelineDescriptor;
use crate::action::{ActionDescriptor, Category, SourceLocation};
use linkme::distributed_slice;
use std::fmt;
use std::sync::OnceLock;

/// Every `#[action]` linked into the binary.
#[distributed_slice]
pub static SYNAPSE_ACTIONS_V0: [ActionDescriptor];

/// Every `plugin!` linked into the binary (at most one is valid).
#[distributed_slice]
pub static SYNAPSE_PLUGINS_V0: [PluginDescriptor];

/// Every `#[pipeline]` linked into the binary.
#[distributed_slice]
pub static SYNAPSE_PIPELINES_V0: [PipelineDescriptor];

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
    /// `CARGO_BIN_NAME`: the binary's own name.
    pub bin: &'static str,
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

/// Refuses an action whose params publish a default their own schema refuses
/// (`#[param(default = 500, range(max = 100))]`): a bug of the plugin, found before any run.
///
/// # Errors
/// [`RegistryError::BrokenDefault`], naming the action, its params type, where it is defined
/// and each broken default at its field.
pub fn check_defaults(action: &ActionDescriptor) -> Result<(), RegistryError> {
    let problems = action.broken_defaults();
    if problems.is_empty() {
        return Ok(());
    }
    Err(RegistryError::BrokenDefault {
        action: action.name().to_owned(),
        type_name: action.params_type_name().to_owned(),
        at: action.location(),
        problems: problems.to_vec(),
    })
}

/// A problem with what was linked into the binary.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// Two actions of one plugin share a name.
    #[error("two actions are named `{name}`: one at {first}, one at {second}; give one of them another `name = \"…\"`")]
    DuplicateAction {
        /// The shared name.
        name: String,
        /// One definition.
        first: SourceLocation,
        /// The other.
        second: SourceLocation,
    },
    /// Two pipelines of one plugin share a name.
    #[error(
        "two pipelines are named `{name}`: one at {first}, one at {second}; give one of them another `name = \"…\"`"
    )]
    DuplicatePipeline {
        /// The shared name.
        name: String,
        /// One definition.
        first: SourceLocation,
        /// The other.
        second: SourceLocation,
    },
    /// An action's params publish a default that their own schema refuses
    /// (`#[param(default = 500, range(max = 100))]`): a bug of the plugin, so its runs are refused.
    #[error(
        "the params of action `{action}` (`{type_name}`, {at}) have a default their own schema refuses:\n{}",
        problems.iter().map(|v| format!("  - {v}")).collect::<Vec<_>>().join("\n")
    )]
    BrokenDefault {
        /// The action.
        action: String,
        /// Its params type.
        type_name: String,
        /// Where the action is defined.
        at: SourceLocation,
        /// Each default that breaks its schema, at its field.
        problems: Vec<crate::params::Violation>,
    },
    /// Two `plugin!` declarations with one code.
    #[error("`synapse::plugin!` is declared twice for `{code}`: at {first_at} and at {second_at}")]
    DuplicatePlugin {
        /// The plugin code.
        code: String,
        /// Where.
        first_at: String,
        /// And where else.
        second_at: String,
    },
}

/// A set of actions and the plugin they belong to.
///
/// [`registry()`] is the whole binary. A plugin binary is one plugin, so its action names are
/// unique; a binary that links several plugin crates (a test, a host application) reaches each
/// one through [`Registry::for_plugin`].
#[derive(Debug, Clone)]
pub struct Registry {
    plugin: PluginInfo,
    actions: Vec<&'static ActionDescriptor>,
    pipelines: Vec<&'static PipelineDescriptor>,
    plugins: &'static [PluginDescriptor],
}

fn same_code(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes().zip(b.bytes()).all(|(x, y)| x == y || (x == b'-' && y == b'_') || (x == b'_' && y == b'-'))
}

impl Registry {
    fn build(
        actions: &'static [ActionDescriptor],
        pipelines: &'static [PipelineDescriptor],
        plugins: &'static [PluginDescriptor],
        binary: Option<&BinaryInfo>,
    ) -> Result<Self, RegistryError> {
        for (i, first) in plugins.iter().enumerate() {
            if let Some(second) = plugins[i + 1..].iter().find(|p| same_code(p.code, first.code)) {
                return Err(RegistryError::DuplicatePlugin {
                    code: first.code.to_owned(),
                    first_at: format!("{}:{}", first.file, first.line),
                    second_at: format!("{}:{}", second.file, second.line),
                });
            }
        }
        let mut sorted: Vec<&'static ActionDescriptor> = actions.iter().collect();
        sorted.sort_by_key(|a| (a.name(), a.meta().crate_name, a.meta().file, a.meta().line));
        for pair in sorted.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            // In a plugin binary every name must be unique; elsewhere, within each crate.
            let clash = binary.is_some() || first.meta().crate_name == second.meta().crate_name;
            if first.name() == second.name() && clash {
                return Err(RegistryError::DuplicateAction {
                    name: first.name().to_owned(),
                    first: first.location(),
                    second: second.location(),
                });
            }
        }
        let mut sorted_pipelines: Vec<&'static PipelineDescriptor> = pipelines.iter().collect();
        sorted_pipelines.sort_by_key(|p| (p.name, p.crate_name, p.file, p.line));
        for pair in sorted_pipelines.windows(2) {
            let (first, second) = (pair[0], pair[1]);
            let clash = binary.is_some() || first.crate_name == second.crate_name;
            if first.name == second.name && clash {
                return Err(RegistryError::DuplicatePipeline {
                    name: first.name.to_owned(),
                    first: first.location(),
                    second: second.location(),
                });
            }
        }
        let plugin = match binary {
            Some(binary) => plugins
                .iter()
                .find(|p| same_code(p.code, binary.package))
                .or(if plugins.len() == 1 { plugins.first() } else { None })
                .map(PluginInfo::from)
                .unwrap_or_else(|| PluginInfo {
                    name: binary.package.to_owned(),
                    code: binary.package.to_owned(),
                    version: binary.version.to_owned(),
                    description: binary.description.to_owned(),
                    category: Category::Custom,
                }),
            None => match plugins {
                [only] => PluginInfo::from(only),
                _ => synthesized(sorted.first().map_or("plugin", |a| a.meta().crate_name)),
            },
        };
        Ok(Registry { plugin, actions: sorted, pipelines: sorted_pipelines, plugins })
    }

    /// The actions of the plugin `code` (its `plugin!` code or the package name of the crate
    /// defining the actions), with that plugin's identity; `None` when nothing matches.
    pub fn for_plugin(&self, code: &str) -> Option<Registry> {
        self.plugin_view(code).map(std::borrow::Cow::into_owned)
    }

    /// Like [`for_plugin`](Self::for_plugin), borrowing this registry when it is that plugin's
    /// already (a binary of one plugin: the usual case, and then nothing is copied).
    pub fn plugin_view(&self, code: &str) -> Option<std::borrow::Cow<'_, Registry>> {
        if same_code(code, &self.plugin.code) && self.plugins.iter().all(|p| same_code(p.code, code)) {
            return Some(std::borrow::Cow::Borrowed(self));
        }
        let actions: Vec<_> = self.actions.iter().copied().filter(|a| same_code(a.meta().crate_name, code)).collect();
        let pipelines: Vec<_> = self.pipelines.iter().copied().filter(|p| same_code(p.crate_name, code)).collect();
        let declared = self.plugins.iter().find(|p| same_code(p.code, code));
        if actions.is_empty() && pipelines.is_empty() && declared.is_none() {
            return None;
        }
        let plugin = declared.map(PluginInfo::from).unwrap_or_else(|| synthesized(code));
        Some(std::borrow::Cow::Owned(Registry { plugin, actions, pipelines, plugins: self.plugins }))
    }

    /// The pipelines, sorted by name.
    pub fn pipelines(&self) -> impl ExactSizeIterator<Item = &'static PipelineDescriptor> + '_ {
        self.pipelines.iter().copied()
    }

    /// The pipeline named `name`, if exactly one has that name.
    pub fn pipeline(&self, name: &str) -> Option<&'static PipelineDescriptor> {
        let mut matches = self.pipelines.iter().filter(|p| p.name == name);
        match (matches.next(), matches.next()) {
            (Some(pipeline), None) => Some(*pipeline),
            _ => None,
        }
    }

    /// The action named `name`, if exactly one has that name.
    pub fn action(&self, name: &str) -> Option<&'static ActionDescriptor> {
        let mut matches = self.actions.iter().filter(|a| a.name() == name);
        match (matches.next(), matches.next()) {
            (Some(action), None) => Some(*action),
            _ => None,
        }
    }

    /// The crates defining an action named `name` (more than one means the name is ambiguous here).
    pub fn crates_defining(&self, name: &str) -> Vec<&'static str> {
        self.actions.iter().filter(|a| a.name() == name).map(|a| a.meta().crate_name).collect()
    }

    /// Every action, sorted by name.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = &'static ActionDescriptor> + '_ {
        self.actions.iter().copied()
    }

    /// Every action name, sorted (a name defined by several crates appears once).
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.actions.iter().map(|a| a.name()).collect();
        names.dedup();
        names
    }

    /// The plugin these actions belong to.
    pub fn plugin(&self) -> PluginInfo {
        self.plugin.clone()
    }

    /// The codes a `run_plugin(plugin_code, …)` call may name: the plugin code and every crate
    /// that defines actions.
    pub fn plugin_codes(&self) -> Vec<String> {
        let mut codes = vec![self.plugin.code.clone()];
        for code in self.plugins.iter().map(|p| p.code).chain(self.actions.iter().map(|a| a.meta().crate_name)) {
            if !codes.iter().any(|c| same_code(c, code)) {
                codes.push(code.to_owned());
            }
        }
        codes
    }

    /// The code of the plugin `action` belongs to (see [`plugin_of`](Self::plugin_of)), without
    /// copying the plugin's identity.
    pub fn plugin_code_of(&self, action: &ActionDescriptor) -> &str {
        self.plugins
            .iter()
            .find(|p| same_code(p.code, action.meta().crate_name))
            .map_or(self.plugin.code.as_str(), |p| p.code)
    }

    /// The plugin `action` belongs to: the `plugin!` of its crate, else this registry's plugin
    /// (the binary's, for actions defined in library crates it links).
    pub fn plugin_of(&self, action: &ActionDescriptor) -> PluginInfo {
        self.plugins
            .iter()
            .find(|p| same_code(p.code, action.meta().crate_name))
            .map_or_else(|| self.plugin.clone(), PluginInfo::from)
    }

    /// The category of `action`: its own, else its plugin's.
    pub fn category_of(&self, action: &ActionDescriptor) -> Category {
        action.meta().category.unwrap_or_else(|| self.plugin_of(action).category)
    }
}

impl From<&PluginDescriptor> for PluginInfo {
    fn from(plugin: &PluginDescriptor) -> Self {
        PluginInfo {
            name: plugin.name.to_owned(),
            code: plugin.code.to_owned(),
            version: plugin.version.to_owned(),
            description: plugin.description.to_owned(),
            category: plugin.category,
        }
    }
}

fn synthesized(code: &str) -> PluginInfo {
    PluginInfo {
        name: code.to_owned(),
        code: code.to_owned(),
        version: "0.0.0".to_owned(),
        description: String::new(),
        category: Category::Custom,
    }
}

impl fmt::Display for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} actions: {}", self.plugin.code, self.actions.len(), self.names().join(", "))
    }
}

/// The registry of this binary, validated once on first use.
pub fn registry() -> Result<&'static Registry, RegistryError> {
    static REGISTRY: OnceLock<Result<Registry, RegistryError>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| Registry::build(&SYNAPSE_ACTIONS_V0, &SYNAPSE_PIPELINES_V0, &SYNAPSE_PLUGINS_V0, binary_info()))
        .as_ref()
        .map_err(Clone::clone)
}
