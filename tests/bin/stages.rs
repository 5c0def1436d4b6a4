//! The stages test plugin.
synapse::main!(stages_plugin);
