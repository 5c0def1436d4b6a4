//! The image pipeline plugin binary: `image_pipeline run process_images --params '{…}'`.
synapse::main!(image_pipeline);
