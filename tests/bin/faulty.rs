//! The faulty test plugin.
synapse::main!(faulty_plugin);
