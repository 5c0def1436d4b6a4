//! Narrowing a generated schema to what the Rust types accept: the bounds of fixed-width numbers
//! and the keys of integer-keyed maps, where schemars leaves the schema wider. Used by
//! [`schema_of`](super::schema_of) in the parent module.

use serde_json::Value;
use std::cmp::Ordering;

/// The range of each fixed-width number format schemars writes, as `(minimum, maximum)`.
///
/// Params travel as JSON, whose integers (as serde_json reads and writes them) run from
/// `i64::MIN` to `u64::MAX`: an `i128` or `u128` is published with that range, so every value
/// the schema accepts is one the params can be read from and written back to.
fn format_bounds(format: &str) -> Option<(Value, Value)> {
    let bounds = match format {
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int64" | "int" => (i64::MIN.into(), i64::MAX.into()),
        "int128" => (i64::MIN.into(), u64::MAX.into()),
        "uint8" => (0.into(), u8::MAX.into()),
        "uint16" => (0.into(), u16::MAX.into()),
        "uint32" => (0.into(), u32::MAX.into()),
        "uint64" | "uint" | "uint128" => (0.into(), u64::MAX.into()),
        // An `f32` beyond its largest finite value would silently become infinite.
        "float" => (Value::from(-f64::from(f32::MAX)), Value::from(f64::from(f32::MAX))),
        _ => return None,
    };
    Some(bounds)
}

/// Puts `bound` into `map` under `key`, unless a bound the author gave there is at least as
/// tight (`tighter` is the order a tighter bound has to `bound`).
fn narrow_to(map: &mut serde_json::Map<String, Value>, key: &str, bound: Value, tighter: Ordering) {
    let given = map.get(key).and_then(Value::as_number).zip(bound.as_number());
    let keep = given.and_then(|(given, bound)| compare(given, bound)).is_some_and(|o| o == tighter || o.is_eq());
    if !keep {
        map.insert(key.to_owned(), bound);
    }
}

/// The exact order of two JSON numbers (a float against a 64-bit integer without rounding
/// either), or `None` for NaN.
fn compare(a: &serde_json::Number, b: &serde_json::Number) -> Option<Ordering> {
    let integer = |n: &serde_json::Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    // `f` against the integer `i`: equal to the float nearest `i` means equal to `i` only if
    // that float is `i` exactly (it is whole and within 2^64, so the cast is exact).
    let float_against = |f: f64, i: i128| match f.partial_cmp(&(i as f64))? {
        Ordering::Equal => Some((f as i128).cmp(&i)),
        other => Some(other),
    };
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        (None, Some(b)) => float_against(a.as_f64()?, b),
        (Some(a), None) => float_against(b.as_f64()?, a).map(Ordering::reverse),
        (None, None) => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Makes the schema say exactly what the types accept, where schemars leaves it wider:
/// - the range of every fixed-width number (a `u32` publishes `maximum: 4294967295`), with the
///   author's `range(...)` kept within it (`range(max = 1000)` on a `u8` publishes 255);
/// - the keys of maps keyed by integers (see [`integer_key_pattern`]).
pub(super) fn narrow_to_types(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some((min, max)) = map.get("format").and_then(Value::as_str).and_then(format_bounds) {
                narrow_to(map, "minimum", min, Ordering::Greater);
                narrow_to(map, "maximum", max, Ordering::Less);
            }
            if let Some(Value::Object(patterns)) = map.get_mut("patternProperties") {
                let keys: Vec<String> = patterns.keys().cloned().collect();
                for key in keys {
                    if let Some(exact) = integer_key_pattern(&key)
                        && let Some(schema) = patterns.remove(&key)
                    {
                        patterns.insert(exact, schema);
                    }
                }
            }
            map.values_mut().for_each(narrow_to_types);
        }
        Value::Array(items) => items.iter_mut().for_each(narrow_to_types),
        _ => {}
    }
}

/// The key pattern of a map keyed by integers, narrowed to the keys serde reads: schemars
/// writes `^\d+$` (unsigned) or `^-?\d+$` (signed), which also match `007`, digits of other
/// scripts and numbers past 64 bits; serde reads a key as a JSON number, so the pattern becomes
/// ASCII digits without a leading zero, within `u64` or `i64`.
///
/// The key's own width is not in schemars' output: a key of a narrower type (a `u32` past
/// `u32::MAX`) still matches and is refused when the params are read.
fn integer_key_pattern(pattern: &str) -> Option<String> {
    match pattern {
        r"^\d+$" => Some(format!("^(0|{})$", decimal_up_to(u64::MAX))),
        r"^-?\d+$" => Some(format!("^(0|-?(?:{})|-{})$", decimal_up_to(i64::MAX as u64), i64::MIN.unsigned_abs())),
        _ => None,
    }
}

/// A regex (unanchored) for the decimal numbers from 1 to `max`, without leading zeros.
fn decimal_up_to(max: u64) -> String {
    let digits = max.to_string();
    let count = digits.len();
    let mut forms = Vec::new();
    // Fewer digits than `max`.
    if count > 1 {
        forms.push(format!("[1-9][0-9]{{0,{}}}", count - 2));
    }
    // As many digits: equal to `max` up to one digit, lower there, anything after.
    for (at, digit) in digits.bytes().map(|b| b - b'0').enumerate() {
        let lowest = u8::from(at == 0);
        if digit > lowest {
            let rest = count - at - 1;
            let rest = if rest > 0 { format!("[0-9]{{{rest}}}") } else { String::new() };
            forms.push(format!("{}[{lowest}-{}]{rest}", &digits[..at], digit - 1));
        }
    }
    forms.push(digits);
    forms.join("|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Which of `texts` match `pattern`.
    fn matching<'t>(pattern: &str, texts: impl IntoIterator<Item = &'t str>) -> Vec<&'t str> {
        let validator = jsonschema::validator_for(&json!({"pattern": pattern})).expect("a valid pattern");
        texts.into_iter().filter(|text| validator.is_valid(&json!(text))).collect()
    }

    #[test]
    fn decimal_patterns_match_exactly_the_numbers_up_to_their_maximum() {
        for max in [1_u64, 9, 10, 19, 99, 100, 255, 300, 1000, 20_517] {
            let pattern = format!("^(0|{})$", decimal_up_to(max));
            let numbers: Vec<String> = (0..=max * 2 + 20).map(|n| n.to_string()).collect();
            let expected: Vec<&str> = numbers[..=max as usize].iter().map(String::as_str).collect();
            assert_eq!(matching(&pattern, numbers.iter().map(String::as_str)), expected, "{pattern}");
            let odd = ["00", "01", "-1", "+1", "1.0", "", " 1", "\u{663}"];
            assert!(matching(&pattern, odd).is_empty(), "{pattern}");
        }
    }

    #[test]
    fn integer_keys_are_json_numbers_within_64_bits() {
        let unsigned = integer_key_pattern(r"^\d+$").unwrap();
        let keys =
            ["0", "7", "18446744073709551615", "007", "-1", "18446744073709551616", "99999999999999999999", "\u{663}"];
        assert_eq!(matching(&unsigned, keys), ["0", "7", "18446744073709551615"]);
        let signed = integer_key_pattern(r"^-?\d+$").unwrap();
        let keys = [
            "0",
            "-7",
            "9223372036854775807",
            "-9223372036854775808",
            "-0",
            "-007",
            "9223372036854775808",
            "-9223372036854775809",
            "+1",
        ];
        assert_eq!(matching(&signed, keys), ["0", "-7", "9223372036854775807", "-9223372036854775808"]);
    }

    #[test]
    fn bounds_compare_floats_and_integers_exactly() {
        let n = |v: Value| v.as_number().cloned().unwrap();
        // As a user writes it: 2^63, the float nearest to i64::MAX.
        let two_63: Value = serde_json::from_str("9.223372036854775807e18").unwrap();
        assert_eq!(compare(&n(two_63), &n(json!(i64::MAX))), Some(Ordering::Greater));
        assert_eq!(compare(&n(json!(1.8446744073709552e19)), &n(json!(u64::MAX))), Some(Ordering::Greater));
        assert_eq!(compare(&n(json!(255.0)), &n(json!(255))), Some(Ordering::Equal));
        assert_eq!(compare(&n(json!(-0.0)), &n(json!(0))), Some(Ordering::Equal));
        assert_eq!(compare(&n(json!(u64::MAX)), &n(json!(i64::MIN))), Some(Ordering::Greater));
    }

    #[test]
    fn the_bounds_of_a_type_are_published_and_a_wider_range_is_narrowed() {
        let mut schema = json!({
            "properties": {
                "a": {"type": "integer", "format": "uint8", "minimum": -5, "maximum": 1000},
                "b": {"type": "integer", "format": "int16", "minimum": 1, "maximum": 10},
                "c": {"type": "integer", "format": "uint128"},
                "d": {"type": "number", "format": "float", "exclusiveMinimum": 0.0},
            }
        });
        narrow_to_types(&mut schema);
        assert_eq!(
            schema["properties"]["a"],
            json!({"type": "integer", "format": "uint8", "minimum": 0, "maximum": 255})
        );
        assert_eq!(schema["properties"]["b"]["minimum"], 1);
        assert_eq!(schema["properties"]["b"]["maximum"], 10);
        assert_eq!(schema["properties"]["c"]["maximum"], u64::MAX);
        assert_eq!(schema["properties"]["d"]["maximum"], f64::from(f32::MAX));
        assert_eq!(schema["properties"]["d"]["exclusiveMinimum"], 0.0);
    }
}
