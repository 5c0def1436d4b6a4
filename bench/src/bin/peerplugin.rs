//! The peer plugin binary.
synapse::main!(synapse_bench);
