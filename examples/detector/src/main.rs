//! The detector plugin binary: `detector run train --params '{"dataset": 12, "splits": ["train", "valid"]}'`.
synapse::main!(detector);
