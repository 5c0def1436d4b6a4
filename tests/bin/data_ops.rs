//! The data_ops example plugin.
synapse::main!(data_ops);
