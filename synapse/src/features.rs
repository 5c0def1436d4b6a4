//! What to say when a command or mode needs a cargo feature of synapse that this build lacks
//! (see the crate docs' table of features).

use crate::executor::{ExecutionMode, RunError};

/// "this plugin was built without the `ray` feature of synapse; add it (`synapse = { …,
/// features = ["ray"] }`) to use `--mode job`": `features` are the missing ones, `to` says what
/// they are needed for.
#[cfg_attr(all(feature = "ray", feature = "store"), allow(dead_code))]
pub(crate) fn missing(features: &[&str], to: &str) -> String {
    let named: Vec<String> = features.iter().map(|feature| format!("`{feature}`")).collect();
    let quoted: Vec<String> = features.iter().map(|feature| format!("\"{feature}\"")).collect();
    let (which, them) = match named.as_slice() {
        [one] => (format!("the {one} feature"), "it"),
        [init @ .., last] => (format!("the {} and {last} features", init.join(", ")), "them"),
        [] => ("a feature".to_owned(), "it"),
    };
    format!(
        "this plugin was built without {which} of synapse; add {them} (`synapse = {{ …, features = [{}] }}` in its \
         Cargo.toml) {to}",
        quoted.join(", ")
    )
}

/// Why `mode` (`task` or `job`) cannot run in a build without the `ray` feature.
#[cfg_attr(feature = "ray", allow(dead_code))]
pub(crate) fn mode_without_ray(mode: ExecutionMode) -> RunError {
    RunError::ModeUnavailable { mode, reason: missing(&["ray"], &format!("to use `--mode {mode}`")) }
}

/// Why `pipeline run|resume --mode job` cannot run in a build with the run store but without
/// the `ray` feature.
#[cfg_attr(any(feature = "ray", not(feature = "store")), allow(dead_code))]
pub(crate) fn pipeline_job_without_ray() -> RunError {
    RunError::ModeUnavailable {
        mode: ExecutionMode::Job,
        reason: missing(&["ray"], "to use `pipeline run|resume --mode job`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_missing_features_and_how_to_add_them() {
        assert_eq!(
            missing(&["ray"], "to use `--mode job`"),
            "this plugin was built without the `ray` feature of synapse; add it (`synapse = { …, features = \
             [\"ray\"] }` in its Cargo.toml) to use `--mode job`"
        );
        assert_eq!(
            missing(&["store", "ray"], "to use `pipeline run --mode job`"),
            "this plugin was built without the `store` and `ray` features of synapse; add them (`synapse = { …, \
             features = [\"store\", \"ray\"] }` in its Cargo.toml) to use `pipeline run --mode job`"
        );
    }

    #[test]
    fn a_mode_on_ray_without_the_feature_cannot_run_and_nothing_ran() {
        let error = mode_without_ray(ExecutionMode::Task);
        assert_eq!(
            error.to_string(),
            "task mode cannot run: this plugin was built without the `ray` feature of synapse; add it (`synapse = \
             { …, features = [\"ray\"] }` in its Cargo.toml) to use `--mode task`"
        );
        assert_eq!(error.exit_code(), 2);
        let error = pipeline_job_without_ray();
        assert_eq!(
            error.to_string(),
            "job mode cannot run: this plugin was built without the `ray` feature of synapse; add it (`synapse = { \
             …, features = [\"ray\"] }` in its Cargo.toml) to use `pipeline run|resume --mode job`"
        );
        assert_eq!(error.report().kind, crate::executor::ErrorKind::ModeUnavailable);
    }
}
