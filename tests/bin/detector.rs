//! The detector example plugin.
synapse::main!(detector);
