synapse::plugin!(name = "Acme", category = Custom, category = NeuralNet);

fn main() {}
