//! The image pipeline plugin.
synapse::main!(image_pipeline);
