use synapse::prelude::*;

pub struct Folder;

#[data_type(parent = Folder)]
pub struct AcmeDataset;

fn main() {}
