//! The {{name}} plugin binary: `{{crate}} list`, `{{crate}} run <action> --params '{…}'`.
synapse::main!({{crate_ident}});
