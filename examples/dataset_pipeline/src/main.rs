//! The dataset pipeline plugin binary: `dataset_pipeline pipeline run dataset --params '{…}'`.
synapse::main!(dataset_pipeline);
