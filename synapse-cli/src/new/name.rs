//! Plugin names: one string that is both the crate's name (Cargo's rules) and the plugin's code
//! (the platform's slug, which `synapse::plugin!` takes from `CARGO_PKG_NAME`).

use crate::error::CliError;

/// The longest name (Cargo's own limit is 64 characters).
pub const MAX_LEN: usize = 64;

/// Names Cargo refuses for a package, or that would shadow a crate every plugin uses: Rust's
/// keywords, the standard library's crates, `test`, and `synapse` itself.
const RESERVED: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "become",
    "box",
    "break",
    "const",
    "continue",
    "crate",
    "do",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "final",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "macro",
    "match",
    "mod",
    "move",
    "mut",
    "override",
    "priv",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "try",
    "type",
    "typeof",
    "unsafe",
    "unsized",
    "use",
    "virtual",
    "where",
    "while",
    "yield",
    "alloc",
    "core",
    "std",
    "proc_macro",
    "proc-macro",
    "test",
    "synapse",
    "build",
    "deps",
    "examples",
    "incremental",
];

/// `name` if it can name a plugin: a lowercase ASCII letter, then lowercase letters, digits,
/// `-` or `_`, at most [`MAX_LEN`] characters, not [reserved](RESERVED).
///
/// # Errors
/// [`CliError::InvalidName`] saying which rule it breaks.
pub fn check(name: &str) -> Result<&str, CliError> {
    let invalid = |reason: String| CliError::InvalidName { name: name.to_owned(), reason };
    let Some(first) = name.chars().next() else { return Err(invalid("it is empty".into())) };
    if !first.is_ascii_lowercase() {
        return Err(invalid(format!("it starts with `{first}`, not a lowercase letter")));
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_'))
    {
        return Err(invalid(format!("`{bad}` is not a lowercase letter, a digit, `-` or `_`")));
    }
    if name.len() > MAX_LEN {
        return Err(invalid(format!("it has {} characters", name.len())));
    }
    if name.ends_with(['-', '_']) {
        return Err(invalid("it ends with a separator".into()));
    }
    if RESERVED.contains(&name) || RESERVED.contains(&name.replace('-', "_").as_str()) {
        return Err(invalid("it is reserved (a Rust keyword, a standard crate, or `synapse`)".into()));
    }
    Ok(name)
}

/// The crate's name as Rust code names it: `-` as `_`.
pub fn ident(name: &str) -> String {
    name.replace('-', "_")
}

/// The plugin's display name: words split at `-` and `_`, the first capitalized
/// (`yolo-trainer` → `Yolo trainer`).
pub fn display(name: &str) -> String {
    let words: Vec<&str> = name.split(['-', '_']).filter(|word| !word.is_empty()).collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get(..1) {
        text.replace_range(..1, &first.to_ascii_uppercase());
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_crate_names_and_plugin_codes() {
        for good in ["a", "yolo-trainer", "my_plugin2", "x-1-y"] {
            assert_eq!(check(good).ok(), Some(good));
        }
        for (bad, why) in [
            ("", "empty"),
            ("1plugin", "starts with `1`"),
            ("-x", "starts with `-`"),
            ("My-Plugin", "starts with `M`"),
            ("my plugin", "` ` is not"),
            ("my.plugin", "`.` is not"),
            ("plugin-", "ends with a separator"),
            ("fn", "reserved"),
            ("synapse", "reserved"),
            ("proc-macro", "reserved"),
        ] {
            let error = check(bad).expect_err(bad).to_string();
            assert!(error.contains(why), "{bad}: {error}");
        }
        assert!(check(&"a".repeat(65)).unwrap_err().to_string().contains("65 characters"));
    }

    #[test]
    fn identifiers_and_display_names() {
        assert_eq!(ident("yolo-trainer"), "yolo_trainer");
        assert_eq!(display("yolo-trainer"), "Yolo trainer");
        assert_eq!(display("qa_checks_2"), "Qa checks 2");
    }
}
