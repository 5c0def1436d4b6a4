//! The models test plugin (a serve deployment).
synapse::main!(models_plugin);
