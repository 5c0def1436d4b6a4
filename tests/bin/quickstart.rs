//! The quickstart plugin, built as a binary of the test package.
synapse::main!(quickstart);
