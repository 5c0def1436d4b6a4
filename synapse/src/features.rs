//! What to say when a command or mode needs a cargo feature of synapse that this build lacks
//! (see the crate docs' table of features).

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

#[cfg(test)]
mod tests {
    use super::missing;

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
}
