//! One TOML environment file with a value of every kind, for checking that every typed getter
//! answers the same in every execution mode (`faulty-plugin run read_env_typed --env-file …`).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// The file: floats (whole, fractional, huge, NaN, infinite), integers, booleans, datetimes,
/// tables, arrays (of scalars, of arrays, of tables) and strings that look like lists.
pub const ENV_TOML: &str = r#"
rate = 3.0
half = 0.5
big = 1e300
not_a_number = nan
infinite = -inf
epochs = 3
hex = 0xff
debug = true
off = false
when = 1979-05-27T07:32:00Z
day = 1979-05-27
table = { a = 1, b = "x" }
tags = ["x, y", 2, 2.5, true]
nested = [[1], [2]]
rows = [{ a = 1 }]
csv = "a, b,, c"
bracketed = "[1, 2]"
word = "On"
"#;

/// The keys of [`ENV_TOML`].
pub const ENV_KEYS: &[&str] = &[
    "rate",
    "half",
    "big",
    "not_a_number",
    "infinite",
    "epochs",
    "hex",
    "debug",
    "off",
    "when",
    "day",
    "table",
    "tags",
    "nested",
    "rows",
    "csv",
    "bracketed",
    "word",
];

/// Writes [`ENV_TOML`] into `dir` and returns its path.
pub fn write_env_file(dir: &Path) -> PathBuf {
    let path = dir.join("env.toml");
    std::fs::write(&path, ENV_TOML).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// The params of `read_env_typed` reading every key of [`ENV_TOML`].
pub fn env_keys_params() -> String {
    json!({ "keys": ENV_KEYS }).to_string()
}

/// Asserts that two `read_env_typed` results agree, naming the first key and getter that
/// differs.
pub fn assert_same_answers(expected: &Value, actual: &Value, mode: &str) {
    for key in ENV_KEYS {
        for getter in ["str", "int", "float", "bool", "list", "origin"] {
            assert_eq!(
                actual[key][getter], expected[key][getter],
                "`{key}`: get_{getter} answers differently in {mode} mode than locally"
            );
        }
    }
}
