synapse::plugin!(name = Acme, category = Custom);

fn main() {}
