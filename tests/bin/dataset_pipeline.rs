//! The dataset pipeline example plugin.
synapse::main!(dataset_pipeline);
