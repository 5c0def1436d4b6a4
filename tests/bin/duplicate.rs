//! The plugin with a duplicate action name.
synapse::main!(duplicate_plugin);
