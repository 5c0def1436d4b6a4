use std::marker::PhantomData;
use synapse::prelude::*;

#[data_type]
pub struct AcmeDataset<T>(PhantomData<T>);

fn main() {}
