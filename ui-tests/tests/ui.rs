//! Compile-fail tests: what each misuse of each synapse macro tells the user.
//!
//! Every file under `ui/<topic>/` is one misuse and its `.stderr` is exactly what the user
//! reads; the files under `ui/pass/` must compile and run (`pass/without_features.rs` also runs
//! its own CLI: trybuild builds it as a project of its own, with synapse's default features, as a
//! new user's plugin is built). Regenerate the expectations after a
//! deliberate change to a message with `TRYBUILD=overwrite cargo test -p synapse-ui-tests`, then
//! read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/**/*.rs");
    // A later glob overrides the expectation of the paths it matches: `ui/pass/` must compile.
    t.pass("tests/ui/pass/*.rs");
}
