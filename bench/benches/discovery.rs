//! Discovery benchmarks.
fn main() {}
