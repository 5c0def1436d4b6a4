//! Where two discoveries disagree: on the plugin's identity, and field by field on each action,
//! one readable line per difference naming both origins.

use super::PluginDiscovery;

impl PluginDiscovery {
    /// Every difference between `self` and `other`, one readable line each; empty when they
    /// agree on the plugin's identity and on every field of every action.
    ///
    /// ```
    /// use synapse::discovery::PluginDiscovery;
    ///
    /// let dir = tempfile::tempdir().unwrap();
    /// let write = |file: &str, method: &str, extra: &str| {
    ///     let path = dir.path().join(file);
    ///     std::fs::write(
    ///         &path,
    ///         format!(
    ///             "name: Demo\ncode: demo\nversion: \"1.0.0\"\nactions:\n  train:\n    entrypoint: demo::Train\n    \
    ///              category: custom\n    method: {method}\n    params_schema: s.json\n{extra}"
    ///         ),
    ///     )
    ///     .unwrap();
    ///     PluginDiscovery::from_config(path).unwrap()
    /// };
    /// let old = write("old.yaml", "job", "");
    /// let new = write(
    ///     "new.yaml",
    ///     "task",
    ///     "  test:\n    entrypoint: demo::Test\n    category: custom\n    method: job\n    params_schema: t.json\n",
    /// );
    /// let diff = old.diff(&new);
    /// assert_eq!(diff.len(), 2, "{diff:#?}");
    /// assert!(diff[0].starts_with("action `test`: only in `"), "{}", diff[0]);
    /// assert!(diff[1].starts_with("action `train`: method is `job` in `"), "{}", diff[1]);
    /// assert!(old.diff(&old).is_empty());
    /// ```
    pub fn diff(&self, other: &PluginDiscovery) -> Vec<String> {
        let (left, right) = (self.origin.to_string(), other.origin.to_string());
        let mut differences = Vec::new();
        let mut compare = |what: &str, a: String, b: String| {
            if a != b {
                differences.push(format!("{what} is {a} in {left} but {b} in {right}"));
            }
        };
        let (a, b) = (&self.plugin, &other.plugin);
        compare("plugin name", quoted(&a.name), quoted(&b.name));
        compare("plugin code", quoted(&a.code), quoted(&b.code));
        compare("plugin version", quoted(&a.version), quoted(&b.version));
        compare("plugin description", quoted(&a.description), quoted(&b.description));
        compare("plugin category", quoted(a.category.as_str()), quoted(b.category.as_str()));

        let (mut mine, mut theirs) = (self.actions.iter().peekable(), other.actions.iter().peekable());
        loop {
            let order = match (mine.peek(), theirs.peek()) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(a), Some(b)) => a.name.cmp(&b.name),
            };
            match order {
                std::cmp::Ordering::Less => {
                    if let Some(a) = mine.next() {
                        differences.push(format!("action `{}`: only in {left}", a.name));
                    }
                }
                std::cmp::Ordering::Greater => {
                    if let Some(b) = theirs.next() {
                        differences.push(format!("action `{}`: only in {right}", b.name));
                    }
                }
                std::cmp::Ordering::Equal => {
                    if let (Some(a), Some(b)) = (mine.next(), theirs.next()) {
                        let field = |what: &str| format!("action `{}`: {what}", a.name);
                        let mut compare = |what: &str, x: String, y: String| {
                            if x != y {
                                differences.push(format!("{} is {x} in {left} but {y} in {right}", field(what)));
                            }
                        };
                        compare("description", quoted(&a.description), quoted(&b.description));
                        compare("category", quoted(a.category.as_str()), quoted(b.category.as_str()));
                        compare("method", quoted(a.method.as_str()), quoted(b.method.as_str()));
                        compare("input_type", optional(&a.input_type), optional(&b.input_type));
                        compare("output_type", optional(&a.output_type), optional(&b.output_type));
                        compare("entrypoint", quoted(&a.entrypoint), quoted(&b.entrypoint));
                    }
                }
            }
        }
        differences
    }

    /// True when [`diff`](Self::diff) finds nothing.
    pub fn agrees_with(&self, other: &PluginDiscovery) -> bool {
        self.diff(other).is_empty()
    }
}

fn quoted(text: &str) -> String {
    format!("`{text}`")
}

fn optional(text: &Option<String>) -> String {
    text.as_deref().map_or_else(|| "none".to_owned(), quoted)
}
