//! The quickstart plugin binary: `quickstart run process --params '{…}'`.
synapse::main!(quickstart);
