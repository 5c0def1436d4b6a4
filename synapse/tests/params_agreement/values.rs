//! Values from a schema: the strategy that generates JSON values for a params type from its own
//! published schema, for the properties of `properties.rs`.
//!
//! Each node of a schema gives mostly values it accepts (so that a whole params value is often
//! valid, and one broken field is often the only one), sometimes values at or past its edges,
//! and now and then something of another type entirely.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::{Map, Value, json};

/// Values for `schema` (resolving `$ref`s in `root`).
pub(super) fn instance(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    if depth > 6 {
        return wild();
    }
    prop_oneof![60 => described(schema, root, depth), 1 => wild()].boxed()
}

fn described(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    let Value::Object(node) = schema else {
        return wild();
    };
    if let Some(target) = node.get("$ref").and_then(Value::as_str) {
        let target = target.strip_prefix('#').and_then(|pointer| root.pointer(pointer));
        return match target {
            Some(target) => instance(target, root, depth + 1),
            None => wild(),
        };
    }
    if let Some(value) = node.get("const") {
        return prop_oneof![20 => Just(value.clone()), 1 => near_miss(value)].boxed();
    }
    if let Some(Value::Array(options)) = node.get("enum") {
        let misses = Union::new(options.iter().map(near_miss));
        return prop_oneof![20 => proptest::sample::select(options.clone()), 1 => misses].boxed();
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(branches)) = node.get(combinator) {
            return Union::new(branches.iter().map(|b| instance(b, root, depth + 1))).boxed();
        }
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return wild(),
    };
    Union::new(types.into_iter().map(|t| match t {
        "integer" => integer(node),
        "number" => number(node),
        "string" => string(node),
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        "null" => Just(Value::Null).boxed(),
        "array" => array(node, root, depth),
        "object" => object(node, root, depth),
        _ => wild(),
    }))
    .boxed()
}

/// Anything: what a confused user or a wrong type might give.
fn wild() -> BoxedStrategy<Value> {
    proptest::sample::select(vec![
        Value::Null,
        json!(true),
        json!("text"),
        json!("32"),
        json!(""),
        json!(32),
        json!(32.0),
        json!(32.5),
        json!(-1),
        json!([]),
        json!([1, 2]),
        json!({}),
        json!({"a": 1}),
    ])
    .boxed()
}

/// Almost `value`: another case, a trailing space, a float for an integer.
fn near_miss(value: &Value) -> BoxedStrategy<Value> {
    let misses = match value {
        Value::String(text) => vec![json!(text.to_uppercase()), json!(format!("{text} ")), json!(&text[1..])],
        Value::Number(n) => vec![json!(n.as_f64().unwrap_or(0.0) + 0.5), json!(n.as_f64())],
        other => vec![Value::Null, json!([other])],
    };
    proptest::sample::select(misses).boxed()
}

/// A bound of `node` as a number, if it has one.
fn bound(node: &Map<String, Value>, key: &str) -> Option<f64> {
    node.get(key).and_then(Value::as_f64)
}

/// The integers `node` accepts, as `i128` (within what JSON integers hold here: `i64::MIN` to
/// `u64::MAX`).
fn integer_range(node: &Map<String, Value>) -> (i128, i128) {
    let exact = |key: &str| {
        let n = node.get(key)?.as_number()?;
        n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)).or_else(|| n.as_f64().map(|f| f as i128))
    };
    let mut lo = i128::from(i64::MIN);
    let mut hi = i128::from(u64::MAX);
    if let Some(min) = exact("minimum") {
        lo = lo.max(min);
    }
    if let Some(min) = exact("exclusiveMinimum") {
        lo = lo.max(min + 1);
    }
    if let Some(max) = exact("maximum") {
        hi = hi.min(max);
    }
    if let Some(max) = exact("exclusiveMaximum") {
        hi = hi.min(max - 1);
    }
    if node.get("not").and_then(|not| not.get("const")) == Some(&json!(0)) && lo == 0 {
        lo = 1;
    }
    (lo, hi.max(lo))
}

/// `n` as JSON: an integer, or now and then the same number as a whole float (when a float
/// holds it exactly).
fn integer_value(n: i128, as_float: bool) -> Value {
    let float = n as f64;
    if as_float && float as i128 == n && float.abs() < 1.8e19 {
        return json!(float);
    }
    i64::try_from(n).map(Value::from).or_else(|_| u64::try_from(n).map(Value::from)).unwrap_or(json!(float))
}

fn integer(node: &Map<String, Value>) -> BoxedStrategy<Value> {
    let (lo, hi) = integer_range(node);
    let near = [lo, lo + 1, hi - 1, hi, 0, 1, -1].into_iter().filter(|n| (lo..=hi).contains(n)).collect::<Vec<_>>();
    let accepted = prop_oneof![
        2 => proptest::sample::select(near),
        2 => lo..=hi,
        2 => lo.max(-1000)..=hi.min(1000).max(lo.max(-1000)),
    ];
    let accepted = (accepted, proptest::bool::weighted(0.3)).prop_map(|(n, as_float)| integer_value(n, as_float));
    prop_oneof![12 => accepted, 1 => proptest::sample::select(edge_numbers(node))].boxed()
}

fn number(node: &Map<String, Value>) -> BoxedStrategy<Value> {
    let lo = bound(node, "minimum").or(bound(node, "exclusiveMinimum")).unwrap_or(-1e12);
    let hi = bound(node, "maximum").or(bound(node, "exclusiveMaximum")).unwrap_or(1e12);
    let (lo_open, hi_open) = (node.contains_key("exclusiveMinimum"), node.contains_key("exclusiveMaximum"));
    let mut near = vec![lo, hi, (lo + hi) / 2.0, 0.0, -0.0, 1.0, 0.1, 1e-30];
    if lo_open {
        near.push(lo + (hi - lo) * 1e-9);
    }
    if hi_open {
        near.push(hi - (hi - lo) * 1e-9);
    }
    let inside =
        move |x: &f64| (if lo_open { *x > lo } else { *x >= lo }) && (if hi_open { *x < hi } else { *x <= hi });
    let near: Vec<Value> = near.into_iter().filter(inside).map(|x| json!(x)).collect();
    let span = (lo.max(-1e12), hi.min(1e12));
    let uniform = (0.0..=1.0_f64)
        .prop_map(move |t| span.0 + (span.1 - span.0) * t)
        .prop_filter("inside the bounds", inside)
        .prop_map(|x| json!(x));
    let (mut first, mut last) = (lo.ceil().max(-1000.0) as i64, hi.floor().min(1000.0) as i64);
    if lo_open && first as f64 == lo {
        first += 1;
    }
    if hi_open && last as f64 == hi {
        last -= 1;
    }
    let integers = (first..=last.max(first)).prop_filter("inside the bounds", move |n| inside(&(*n as f64)));
    let accepted = prop_oneof![2 => proptest::sample::select(near), 2 => uniform, 1 => integers.prop_map(Value::from)];
    prop_oneof![12 => accepted, 1 => proptest::sample::select(edge_numbers(node))].boxed()
}

/// The numbers at an edge: of the schema's bounds, of every integer type, of `f32` and `f64`.
fn edge_numbers(node: &Map<String, Value>) -> Vec<Value> {
    let two_63 = 2f64.powi(63);
    let two_64 = 2f64.powi(64);
    let f32_max = f64::from(f32::MAX);
    let mut edges = vec![
        json!(0),
        json!(-1),
        json!(-0.0),
        json!(32.0),
        json!(32.5),
        json!(-0.5),
        json!(1e300),
        json!(-1e300),
        json!(f64::MAX),
        json!(f64::MIN_POSITIVE),
        json!(5e-324),
        json!(2f64.powi(53)),
        json!((1_u64 << 53) + 1),
        json!(f32_max),
        json!(-f32_max),
        // Past `f32::MAX`: rounds back to it, and rounds to infinity.
        json!(f32_max + 1e30),
        json!(f32_max * 1.000_000_1),
        json!(i64::MIN),
        json!(i64::MAX),
        json!(u64::MAX),
        json!(i64::MAX as u64 + 1),
        // 2^63 and 2^64 (the floats nearest i64::MAX and u64::MAX, one past them), the floats
        // just below them, and -2^63.
        json!(two_63),
        json!(-two_63),
        json!(two_64),
        json!(f64::from_bits(two_63.to_bits() - 1)),
        json!(f64::from_bits(two_64.to_bits() - 1)),
        json!(2f64.powi(127)),
        json!(-(2f64.powi(127))),
        json!(2f64.powi(128)),
    ];
    for (min, max) in [
        (i64::from(i8::MIN), i64::from(i8::MAX)),
        (i64::from(i16::MIN), i64::from(i16::MAX)),
        (i64::from(i32::MIN), i64::from(i32::MAX)),
        (0, i64::from(u8::MAX)),
        (0, i64::from(u16::MAX)),
        (0, i64::from(u32::MAX)),
    ] {
        for n in [min - 1, max + 1] {
            edges.push(json!(n));
            edges.push(json!(n as f64));
        }
    }
    for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
        if let Some(bound) = bound(node, key) {
            edges.push(json!(bound));
            for step in [1.0, 0.5, 1e-9] {
                edges.push(json!(bound + step));
                edges.push(json!(bound - step));
            }
        }
        if let Some(bound) = node.get(key).and_then(Value::as_i64) {
            edges.extend([json!(bound.saturating_add(1)), json!(bound.saturating_sub(1))]);
        }
        if let Some(bound) = node.get(key).and_then(Value::as_u64) {
            edges.extend([json!(bound.saturating_add(1)), json!(bound.saturating_sub(1))]);
        }
    }
    edges
}

/// Text matching `pattern` (a JSON Schema pattern, anchored).
fn matching(pattern: &str) -> BoxedStrategy<String> {
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let body = body.strip_suffix('$').unwrap_or(body);
    match proptest::string::string_regex(body) {
        Ok(strategy) => strategy.boxed(),
        Err(error) => panic!("cannot generate text for the pattern {pattern}: {error}"),
    }
}

fn string(node: &Map<String, Value>) -> BoxedStrategy<Value> {
    let min = node.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = node.get("maxLength").and_then(Value::as_u64).map_or(min + 12, |max| max as usize);
    let accepted = match node.get("pattern").and_then(Value::as_str) {
        Some(pattern) => matching(pattern),
        None => prop_oneof![
            3 => proptest::string::string_regex(&format!("[a-z0-9_]{{{min},{max}}}")).expect("a valid regex"),
            1 => proptest::string::string_regex(&format!("\\PC{{{min},{max}}}")).expect("a valid regex"),
        ]
        .boxed(),
    };
    let mut edges = vec![json!(""), json!("é"), json!("e\u{301}"), json!("Snake Case"), json!("snake_case_1")];
    for len in [min.saturating_sub(1), min, max, max + 1] {
        edges.push(json!("x".repeat(len)));
        edges.push(json!("é".repeat(len)));
    }
    prop_oneof![12 => accepted.prop_map(Value::String), 1 => proptest::sample::select(edges)].boxed()
}

fn array(node: &Map<String, Value>, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    match node.get("items") {
        // A tuple: each position from its own schema, now and then one short or one too many.
        Some(Value::Array(positions)) => {
            let items: Vec<BoxedStrategy<Value>> = positions.iter().map(|p| instance(p, root, depth + 1)).collect();
            (items, 0_u8..40)
                .prop_map(|(mut items, shape)| {
                    match shape {
                        0 => drop(items.pop()),
                        1 => items.push(json!(1)),
                        _ => {}
                    }
                    Value::Array(items)
                })
                .boxed()
        }
        Some(items) => {
            let min = node.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = node.get("maxItems").and_then(Value::as_u64).map_or(min + 3, |max| max as usize);
            let item = instance(items, root, depth + 1);
            prop_oneof![20 => min..=max, 1 => min.saturating_sub(1)..=max + 1]
                .prop_flat_map(move |size| proptest::collection::vec(item.clone(), size))
                .prop_map(Value::Array)
                .boxed()
        }
        None => proptest::collection::vec(wild(), 0..3).prop_map(Value::Array).boxed(),
    }
}

fn object(node: &Map<String, Value>, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<&str> =
        node.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, schema) in node.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let present = if required.contains(&name.as_str()) { 0.99 } else { 0.5 };
        let name = name.clone();
        let value = instance(schema, root, depth + 1).prop_map(move |v| (name.clone(), v));
        fields.push(proptest::option::weighted(present, value).boxed());
    }
    // Entries of a map: keys its `patternProperties` accept, or any text for
    // `additionalProperties`, now and then a key that is not quite right.
    let odd_keys = proptest::sample::select(vec!["a", "key 1", "0", "00", "007", "-0", "-1", "32", "32.0", "٣", "+1"])
        .prop_map(str::to_owned);
    let mut entries: Vec<BoxedStrategy<(String, Value)>> = Vec::new();
    for (pattern, schema) in node.get("patternProperties").and_then(Value::as_object).into_iter().flatten() {
        let keys = prop_oneof![12 => matching(pattern), 1 => odd_keys.clone()];
        entries.push((keys, instance(schema, root, depth + 1)).boxed());
    }
    if let Some(values @ Value::Object(_)) = node.get("additionalProperties") {
        let keys = prop_oneof![12 => "[a-z_ ]{0,6}", 1 => odd_keys.clone()];
        entries.push((keys, instance(values, root, depth + 1)).boxed());
    }
    let extra = if entries.is_empty() {
        // A field of a struct that has none of that name.
        proptest::option::weighted(0.01, (Just("bogus".to_owned()), wild())).prop_map(Vec::from_iter).boxed()
    } else {
        proptest::collection::vec(Union::new(entries), 0..4).boxed()
    };
    (fields, extra)
        .prop_map(|(fields, extra)| {
            let mut object = Map::new();
            object.extend(fields.into_iter().flatten());
            object.extend(extra);
            Value::Object(object)
        })
        .boxed()
}
