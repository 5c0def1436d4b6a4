//! The environment's tests: prefixes, every spelling of a boolean, defaults, lists, TOML files,
//! and a value reading the same from a file, from its text and in another process.

use super::*;
use std::path::PathBuf;

fn env(pairs: &[(&str, &str)]) -> PluginEnvironment {
    PluginEnvironment::from_vars(pairs.iter().copied(), "")
}

#[test]
fn prefix_is_stripped_and_filters() {
    let env = PluginEnvironment::from_vars([("P_A", "1"), ("Q_B", "2"), ("P_", "x")], "P_");
    assert_eq!(env.keys().collect::<Vec<_>>(), ["A"]);
    assert_eq!(env.origin("A"), Some(&Origin::Environ("P_A".into())));
}

#[test]
fn booleans_accept_every_spelling() {
    for yes in ["true", "TRUE", "1", "yes", "Yes", "on", "ON", " on "] {
        assert!(env(&[("K", yes)]).get_bool("K", false).unwrap(), "{yes}");
    }
    for no in ["false", "False", "0", "no", "NO", "off", "Off"] {
        assert!(!env(&[("K", no)]).get_bool("K", true).unwrap(), "{no}");
    }
    let error = env(&[("K", "maybe")]).get_bool("K", false).unwrap_err();
    assert!(error.to_string().contains("must be a boolean"), "{error}");
}

#[test]
fn defaults_apply_only_when_missing() {
    let env = env(&[("N", "")]);
    assert_eq!(env.get_int("MISSING", 7).unwrap(), 7);
    assert!(env.get_int("N", 7).is_err(), "an empty string is not an integer");
    assert_eq!(env.get_list("MISSING", &["a"]).unwrap(), ["a"]);
    assert_eq!(env.get_str("MISSING", "d").unwrap(), "d");
}

#[test]
fn lists_split_commas_or_take_arrays() {
    assert_eq!(env(&[("T", " a, b,,c ")]).get_list("T", &[]).unwrap(), ["a", "b", "c"]);
    let file = PluginEnvironment::from_toml("T = [\"x\", 2, true]\nN = { a = 1 }", Path::new("c.toml")).unwrap();
    assert_eq!(file.get_list("T", &[]).unwrap(), ["x", "2", "true"]);
    let error = file.get_list("N", &[]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "`N` (from file `c.toml`) must be a list (a TOML array or comma-separated text), got a table"
    );
}

#[test]
fn forwarded_values_read_back_the_same() {
    let file =
        PluginEnvironment::from_toml("T = [\"x, y\", 2]\nN = 3\nB = true\nS = \"s\"", Path::new("c.toml")).unwrap();
    let forwarded = PluginEnvironment::from_vars(file.to_vars(), "");
    assert_eq!(forwarded.get_list("T", &[]).unwrap(), ["x, y", "2"]);
    assert_eq!(forwarded.get_int("N", 0).unwrap(), 3);
    assert!(forwarded.get_bool("B", false).unwrap());
    assert_eq!(forwarded.get_str("S", "").unwrap(), "s");
    let error = env(&[("T", "[1, ")]).get_list("T", &[]).unwrap_err();
    assert!(error.to_string().contains("must be a list"), "{error}");
}

#[test]
fn toml_values_keep_their_types() {
    let file = PluginEnvironment::from_toml("rate = 0.5\nepochs = 3\ndebug = true\nname = \"x\"", Path::new("c.toml"))
        .unwrap();
    assert_eq!(file.get_float("rate", 0.0).unwrap(), 0.5);
    assert_eq!(file.get_float("epochs", 0.0).unwrap(), 3.0);
    assert_eq!(file.get_int("epochs", 0).unwrap(), 3);
    assert!(file.get_int("rate", 0).is_err());
    assert_eq!(file.get_str("epochs", "").unwrap(), "3");
    assert!(file.get_bool("debug", false).unwrap());
}

/// Every getter's answer for `key`, as text (values and errors alike).
fn answers(env: &PluginEnvironment, key: &str) -> Vec<String> {
    vec![
        format!("{:?}", env.get_str(key, "-")),
        format!("{:?}", env.get_int(key, -1)),
        format!("{:?}", env.get_float(key, -1.0)),
        format!("{:?}", env.get_bool(key, false)),
        format!("{:?}", env.get_list(key, &[])),
    ]
}

#[test]
fn a_value_reads_the_same_from_a_file_its_text_and_another_process() {
    let file = PluginEnvironment::from_toml(
        r#"
        rate = 3.0
        half = 0.5
        big = 1e300
        not_a_number = nan
        infinite = -inf
        epochs = 3
        hex = 0xff
        debug = true
        when = 1979-05-27T07:32:00Z
        day = 1979-05-27
        table = { a = 1, b = "x" }
        tags = ["x, y", 2, 2.5, true]
        nested = [[1], [2]]
        rows = [{ a = 1 }]
        csv = "a, b,, c"
        bracketed = "[1, 2]"
        yes = "On"
        "#,
        Path::new("cfg.toml"),
    )
    .unwrap();
    let vars = file.to_vars();
    let forwarded = PluginEnvironment::from_vars(vars.clone(), "");
    let texts = PluginEnvironment::from_vars(vars.into_iter().filter(|(k, _)| k != FORWARDED_VAR), "");
    for key in file.keys() {
        // Another process sees the same values, typed and naming the file: every answer,
        // error messages included, is the same.
        assert_eq!(answers(&forwarded, key), answers(&file, key), "{key}");
        assert_eq!(forwarded.origin(key), Some(&Origin::File(PathBuf::from("cfg.toml"))));
        // A variable holding the value's text gives the same values and fails the same
        // getters (its errors name the variable instead of the file).
        let from_text = answers(&texts, key);
        for (getter, (typed, text)) in answers(&file, key).iter().zip(&from_text).enumerate() {
            assert_eq!(typed.starts_with("Ok"), text.starts_with("Ok"), "{key}, getter {getter}: {typed} vs {text}");
            if typed.starts_with("Ok") {
                assert_eq!(typed, text, "{key}, getter {getter}");
            }
        }
    }
    assert_eq!(file.get_str("rate", "").unwrap(), "3.0");
    assert_eq!(file.get_float("rate", 0.0).unwrap(), 3.0);
    assert!(file.get_int("rate", 0).is_err());
    assert!(file.get_float("not_a_number", 0.0).unwrap().is_nan());
    assert_eq!(file.get_int("hex", 0).unwrap(), 255);
    assert_eq!(file.get_str("when", "").unwrap(), "1979-05-27T07:32:00Z");
    assert_eq!(file.get_list("when", &[]).unwrap(), ["1979-05-27T07:32:00Z"]);
    assert_eq!(file.get_str("table", "").unwrap(), r#"{ a = 1, b = "x" }"#);
    let error = texts.get_list("table", &[]).unwrap_err().to_string();
    assert_eq!(
        error,
        "`table` (from environment variable `table`) must be a list (a TOML array or comma-separated text), got a table"
    );
    assert_eq!(file.get_list("tags", &[]).unwrap(), ["x, y", "2", "2.5", "true"]);
    assert!(file.get_list("nested", &[]).is_err());
    assert_eq!(file.get_list("csv", &[]).unwrap(), ["a", "b", "c"]);
    assert_eq!(file.get_list("bracketed", &[]).unwrap(), ["1", "2"]);
    assert!(file.get_bool("yes", false).unwrap());
}

#[test]
fn variables_that_cannot_be_named_are_only_forwarded() {
    let file = PluginEnvironment::from_toml("\u{feff}\"a=b\" = 1\nok = \"x\"", Path::new("c.toml")).unwrap();
    let vars = file.to_vars();
    assert!(!vars.iter().any(|(k, _)| k == "a=b"), "{vars:?}");
    assert_eq!(PluginEnvironment::from_vars(vars, "").get_int("a=b", 0).unwrap(), 1);
}

#[test]
fn bad_toml_reports_line_and_column() {
    let error = PluginEnvironment::from_toml("a = [1,", Path::new("bad.toml")).unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("environment file `bad.toml` is not valid TOML"), "{text}");
    assert!(text.contains("line 1"), "{text}");
}

#[test]
fn missing_file_is_a_read_error() {
    let error = PluginEnvironment::from_file("/nonexistent/env.toml").unwrap_err();
    assert!(matches!(error, EnvError::Read { .. }));
}

#[test]
fn merge_right_wins_and_keeps_left() {
    let left = env(&[("A", "1"), ("B", "1")]);
    let right = env(&[("B", "2"), ("C", "2")]);
    let merged = left.merge(&right);
    assert_eq!(merged.to_vars(), [("A".into(), "1".into()), ("B".into(), "2".into()), ("C".into(), "2".into())]);
}
