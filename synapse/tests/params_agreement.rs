//! The published params schema and the params check never disagree: for params types covering
//! what `#[params]` offers, and JSON values generated from each type's own schema (mostly near
//! valid: boundary numbers, whole floats, wrong types, missing and unknown fields), the schema
//! validator accepts exactly what `Params::parse` accepts, and never panics.
//!
//! For every value the schema accepts, it also checks that:
//! - the params the value parses to serialize to a value the schema accepts again;
//! - the value with every integer written as a float (`32` as `32.0`) parses to the same params.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::num::{NonZeroI32, NonZeroI64, NonZeroU8, NonZeroU64, NonZeroUsize};
use synapse::prelude::*;

/// Generated values per params type. Each case validates and parses a few values (the value,
/// its floats-for-integers twin, the round trip): about 0.3 ms of CPU in a debug build, so the
/// whole file (14 types) takes about 12 s of CPU, 18 s on one busy core.
const CASES: u32 = 3_000;

// ---- The params types -----------------------------------------------------------------------

/// Every integer width, with only the type's own range.
#[params]
struct Widths {
    a_i8: i8,
    a_i16: i16,
    a_i32: i32,
    a_i64: i64,
    a_isize: isize,
    a_u8: u8,
    a_u16: u16,
    a_u32: u32,
    a_u64: u64,
    a_usize: usize,
    a_i128: i128,
    a_u128: u128,
}

/// Integers that cannot be zero.
#[params]
struct NonZeros {
    a_u8: NonZeroU8,
    a_u64: NonZeroU64,
    a_usize: NonZeroUsize,
    a_i32: NonZeroI32,
    a_i64: NonZeroI64,
}

/// Floats, plain and bounded.
#[params]
struct Floats {
    single: f32,
    double: f64,
    #[param(range(min = 0.0, max = 1.0))]
    ratio: f64,
    #[param(range(exclusive_min = 0.0))]
    rate: f32,
    #[param(default = 0.5, range(exclusive_min = -1.0, exclusive_max = 1.0))]
    momentum: f64,
}

/// Integers with ranges of their own, one of them wider than its type.
#[params]
struct Ranged {
    #[param(default = 32, range(min = 1, max = 1024))]
    batch_size: u32,
    #[param(range(exclusive_min = 0, exclusive_max = 10))]
    level: i16,
    #[param(range(min = -5))]
    offset: i64,
    #[param(range(max = 1000))]
    small: u8,
    #[param(range(min = -300, max = 300))]
    tiny: i8,
}

/// Text: plain, bounded in length, matching a pattern, one character.
#[params]
struct Texts {
    name: String,
    #[param(length(min = 1, max = 8))]
    code: String,
    #[param(pattern = "^[a-z0-9_]+$")]
    slug: String,
    initial: char,
    flag: bool,
}

/// Options, sequences, tuples and maps, nested.
#[params]
struct Containers {
    maybe: Option<u32>,
    list: Vec<i64>,
    #[param(length(min = 1, max = 3))]
    short: Vec<u8>,
    pair: (u8, i32),
    by_name: HashMap<String, u16>,
    groups: BTreeMap<String, Vec<u8>>,
    // Integer keys are described by a pattern, which cannot know a key narrower than 64 bits.
    by_id: BTreeMap<u64, String>,
    by_offset: HashMap<i64, u8>,
    holes: Option<Vec<Option<i32>>>,
    grid: Vec<Vec<u64>>,
}

/// A nested params type.
#[params]
#[derive(Default)]
struct Inner {
    size: u32,
    #[param(default)]
    ratio: f64,
    tags: Vec<String>,
}

/// Nested structs, alone, in an `Option`, a `Vec` and a map, and defaulted.
#[params]
struct Nested {
    inner: Inner,
    maybe: Option<Inner>,
    many: Vec<Inner>,
    named: BTreeMap<String, Inner>,
    #[param(default)]
    fallback: Inner,
}

/// A unit enum.
#[params]
enum Color {
    Red,
    LightGreen,
}

/// A data enum: unit, struct, newtype and tuple variants.
#[params]
enum Mode {
    Fast,
    Custom {
        level: u8,
        #[param(default = 1.0)]
        scale: f64,
    },
    Scaled(u16),
    Pair(u8, i64),
}

/// Enums in fields.
#[params]
struct Enums {
    mode: Mode,
    color: Color,
    modes: Vec<Mode>,
    maybe: Option<Color>,
}

/// Defaults and renames.
#[params]
struct Defaults {
    #[param(default = 32)]
    epochs: u32,
    #[param(default = "fast")]
    speed: String,
    #[param(default)]
    sizes: Vec<u8>,
    #[param(default)]
    verbose: bool,
    #[param(rename = "batchSize", default = 8)]
    batch_size: u16,
}

/// Untyped values beside typed ones, unknown fields allowed.
#[params(allow_unknown_fields)]
struct Untyped {
    count: u32,
    extra: Value,
    tags: HashMap<String, Value>,
    maybe: Option<Value>,
}

/// Types serde reads through a buffer, before it knows their type: a flattened struct and an
/// internally tagged enum.
#[params]
struct Buffered {
    id: u32,
    #[serde(flatten)]
    shared: Shared,
    task: Task,
}

/// Fields shared by several params types, flattened into them.
#[params(allow_unknown_fields)]
struct Shared {
    workers: u8,
    seed: Option<u64>,
}

/// An internally tagged enum.
#[params]
#[serde(tag = "kind")]
enum Task {
    Train { epochs: u32 },
    Idle,
}

// ---- The properties -------------------------------------------------------------------------

/// validate ok ⇔ parse ok, and what is accepted stays accepted (round trip, integers as floats).
fn agrees<T: Params>(value: Value) -> Result<(), TestCaseError> {
    let validated = T::validate(&value);
    let parsed = T::parse(value.clone());
    let params = match (validated, parsed) {
        (Ok(()), Ok(params)) => params,
        (Err(_), Err(_)) => return Ok(()),
        (Ok(()), Err(refused)) => {
            return Err(TestCaseError::fail(format!("the schema accepts {value} but parsing refuses it:\n{refused}")));
        }
        (Err(refused), Ok(_)) => {
            return Err(TestCaseError::fail(format!("parsing accepts {value} but the schema refuses it:\n{refused}")));
        }
    };
    let back = serde_json::to_value(&params).map_err(|e| TestCaseError::fail(format!("{value}: {e}")))?;
    // An `f32` holds the nearest float it can, so a value just past an exclusive bound (or
    // below the smallest `f32`) may land on the bound: that is the type's precision, not a
    // disagreement between schema and check.
    if let Err(refused) = T::validate(&back)
        && !rounded_to_f32(&value, &back)
    {
        return Err(TestCaseError::fail(format!("{value} parses to {back}, which the schema refuses:\n{refused}")));
    }
    let floated = integers_as_floats(&value);
    match T::parse(floated.clone()) {
        Ok(again) => {
            let again = serde_json::to_value(&again).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(same_numbers(&back, &again), "{value} parses to {back}, but {floated} to {again}");
        }
        Err(refused) => {
            return Err(TestCaseError::fail(format!(
                "{value} is accepted, but with its integers as floats ({floated}) it is refused:\n{refused}"
            )));
        }
    }
    Ok(())
}

/// Every integer that a float holds exactly, written as a float.
fn integers_as_floats(value: &Value) -> Value {
    match value {
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if i.unsigned_abs() <= 1 << 53 => json!(i as f64),
            (_, Some(u)) if u <= 1 << 53 => json!(u as f64),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(items.iter().map(integers_as_floats).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), integers_as_floats(v))).collect()),
        other => other.clone(),
    }
}

/// Whether some number of `given` came back as the nearest `f32` to it, a different number.
fn rounded_to_f32(given: &Value, back: &Value) -> bool {
    match (given, back) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(f64::NAN), y.as_f64().unwrap_or(f64::NAN));
            x != y && f64::from(x as f32) == y
        }
        (Value::Array(x), Value::Array(y)) => x.iter().zip(y).any(|(x, y)| rounded_to_f32(x, y)),
        (Value::Object(x), Value::Object(y)) => x.iter().any(|(k, v)| y.get(k).is_some_and(|w| rounded_to_f32(v, w))),
        _ => false,
    }
}

/// Equal, with numbers compared by value (`3` and `3.0` are the same).
fn same_numbers(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_numbers(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_numbers(v, w)))
        }
        _ => a == b,
    }
}

/// Runs `property` on values generated from `T`'s schema.
fn check_with<T: Params>(property: impl Fn(Value) -> Result<(), TestCaseError>) {
    let schema = T::json_schema();
    let strategy = instance(schema, schema, 0);
    let config = Config { cases: CASES, failure_persistence: None, ..Config::default() };
    if let Err(failure) = TestRunner::new(config).run(&strategy, property) {
        panic!("{}: {failure}", std::any::type_name::<T>());
    }
}

fn check<T: Params>() {
    check_with::<T>(agrees::<T>);
}

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

// ---- Values from a schema -------------------------------------------------------------------
//
// Each node of a schema gives mostly values it accepts (so that a whole params value is often
// valid, and one broken field is often the only one), sometimes values at or past its edges,
// and now and then something of another type entirely.

/// Values for `schema` (resolving `$ref`s in `root`).
fn instance(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
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
