//! The data_ops plugin binary: `data_ops run upload --params '{"name": "batch 1", "path": "./incoming", "storage": 1, "data_collection": 1}'`.
synapse::main!(data_ops);
