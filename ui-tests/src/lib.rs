//! Compile-fail (trybuild) tests of synapse's macros: what each misuse of `#[action]`,
//! `#[params]`, `#[output]`, `#[data_type]` and `synapse::plugin!` tells the user.
//!
//! The cases live in `tests/ui/<topic>/`, one misuse per file next to the `.stderr` the user
//! sees; `tests/ui/pass/` holds the forms that must compile. This library is empty.
