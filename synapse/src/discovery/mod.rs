//! Plugin discovery without running the plugin: from the registry, a config.yaml, or source.
