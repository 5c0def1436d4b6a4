//! The published params schema and the params check never disagree: for params types covering
//! what `#[params]` offers, and JSON values generated from each type's own schema (mostly near
//! valid: boundary numbers, whole floats, wrong types, missing and unknown fields), the schema
//! validator accepts exactly what `Params::parse` accepts, and never panics.
//!
//! For every value the schema accepts, it also checks that:
//! - the params the value parses to serialize to a value the schema accepts again;
//! - the value with every integer written as a float (`32` as `32.0`) parses to the same params.
//!
//! The params types are in `types.rs`, the properties checked for each in `properties.rs`, and
//! the values generated from a schema in `values.rs`; the tests below run them.

mod properties;
mod types;
mod values;

use properties::{agrees, check, check_with};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use synapse::prelude::*;
use types::{
    Buffered, Color, Containers, Defaults, Enums, Floats, Mode, Nested, NonZeros, Ranged, Texts, Untyped, Widths,
};

#[test]
fn integer_widths_agree() {
    check::<Widths>();
}

#[test]
fn non_zero_integers_agree() {
    check::<NonZeros>();
}

#[test]
fn floats_agree() {
    check::<Floats>();
}

#[test]
fn ranges_agree() {
    check::<Ranged>();
}

#[test]
fn texts_agree() {
    check::<Texts>();
}

#[test]
fn containers_agree() {
    check::<Containers>();
}

#[test]
fn nested_structs_agree() {
    check::<Nested>();
}

#[test]
fn enums_agree() {
    check::<Enums>();
    check::<Mode>();
    check::<Color>();
}

#[test]
fn defaults_and_renames_agree() {
    check::<Defaults>();
}

#[test]
fn untyped_values_agree_and_keep_their_floats() {
    check_with::<Untyped>(|value| {
        agrees::<Untyped>(value.clone())?;
        // Whole floats become integers only where an integer is asked for: an untyped value
        // comes back exactly as given (`32.0` stays `32.0`), even beside a `count` of `3.0`.
        if let Ok(params) = Untyped::parse(value.clone()) {
            let back = serde_json::to_value(&params).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for field in ["extra", "tags", "maybe"] {
                if let Some(given) = value.get(field) {
                    prop_assert_eq!(Some(given), back.get(field), "{} in {}", field, value);
                }
            }
        }
        Ok(())
    });
}

#[test]
fn buffered_values_agree() {
    check::<Buffered>();
}

/// The edges named when the disagreement was found, as a user writes them.
#[test]
fn whole_floats_at_the_edges_are_read_as_the_schema_says() {
    #[params]
    #[derive(Debug)]
    struct Edges {
        signed: i64,
        unsigned: u64,
        small: u8,
    }
    let parse = |text: &str| Edges::parse(synapse::params::from_text(text).expect("JSON"));

    let edges = parse(r#"{"signed": -0.0, "unsigned": 1.8446744073709550e19, "small": 255.0}"#).expect("accepted");
    assert_eq!((edges.signed, edges.unsigned, edges.small), (0, 18_446_744_073_709_549_568, 255));

    // 2^63 is past i64::MAX, though an f64 comparison would call them equal.
    let refused = parse(r#"{"signed": 9.223372036854775807e18, "unsigned": 0, "small": 0}"#).unwrap_err();
    assert_eq!(refused.to_string(), "  - $.signed: must be at most 9223372036854775807 (got 9.223372036854776e+18)");
    // u64::MAX written as a float is 2^64.
    let refused = parse(r#"{"signed": 0, "unsigned": 18446744073709551615.0, "small": 0}"#).unwrap_err();
    assert_eq!(refused.at("$.unsigned").map(|v| v.constraint.as_str()), Some("maximum"));
    let refused = parse(r#"{"signed": 1e300, "unsigned": 0, "small": 256.0}"#).unwrap_err();
    let constraints: Vec<&str> = refused.iter().map(|v| v.constraint.as_str()).collect();
    assert_eq!(constraints, ["maximum", "maximum"]);
    let refused = parse(r#"{"signed": 0, "unsigned": 0, "small": 32.5}"#).unwrap_err();
    assert_eq!(refused.to_string(), "  - $.small: must be an integer (got number 32.5)");
}
