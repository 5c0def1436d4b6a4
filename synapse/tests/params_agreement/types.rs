//! The params types under test: between them, what `#[params]` offers (every integer width and
//! float, ranges, text constraints, containers, nested structs, enums, defaults and renames,
//! untyped values, flattened and internally tagged types). The tests in `main.rs` check each
//! against the properties of `properties.rs`.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::num::{NonZeroI32, NonZeroI64, NonZeroU8, NonZeroU64, NonZeroUsize};
use synapse::prelude::*;

/// Every integer width, with only the type's own range.
#[params]
pub(super) struct Widths {
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
pub(super) struct NonZeros {
    a_u8: NonZeroU8,
    a_u64: NonZeroU64,
    a_usize: NonZeroUsize,
    a_i32: NonZeroI32,
    a_i64: NonZeroI64,
}

/// Floats, plain and bounded.
#[params]
pub(super) struct Floats {
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
pub(super) struct Ranged {
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
pub(super) struct Texts {
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
pub(super) struct Containers {
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
pub(super) struct Nested {
    inner: Inner,
    maybe: Option<Inner>,
    many: Vec<Inner>,
    named: BTreeMap<String, Inner>,
    #[param(default)]
    fallback: Inner,
}

/// A unit enum.
#[params]
pub(super) enum Color {
    Red,
    LightGreen,
}

/// A data enum: unit, struct, newtype and tuple variants.
#[params]
pub(super) enum Mode {
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
pub(super) struct Enums {
    mode: Mode,
    color: Color,
    modes: Vec<Mode>,
    maybe: Option<Color>,
}

/// Defaults and renames.
#[params]
pub(super) struct Defaults {
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
pub(super) struct Untyped {
    count: u32,
    extra: Value,
    tags: HashMap<String, Value>,
    maybe: Option<Value>,
}

/// Types serde reads through a buffer, before it knows their type: a flattened struct and an
/// internally tagged enum.
#[params]
pub(super) struct Buffered {
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
