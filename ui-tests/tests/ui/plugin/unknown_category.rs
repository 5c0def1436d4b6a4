synapse::plugin!(name = "Acme", category = Training);

fn main() {}
