synapse::plugin!(name = "Acme", categroy = Custom);

fn main() {}
