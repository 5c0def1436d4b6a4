//! Whole numbers written as floats: `32.0` read as the integer 32 where the params type asks
//! for an integer, as JSON Schema counts it (draft 07: "an integer is a number with a zero
//! fractional part") and as the Python SDK (pydantic's lax mode) reads it.
//!
//! [`WholeNumbers`] wraps a deserializer. When serde asks it for an integer of any width (the
//! field is a `u32`, an `i64`, a `NonZeroU8`, a `usize`, …, directly or inside an `Option`, a
//! `Vec`, a map, a nested struct or an enum), a float with a zero fractional part within
//! `i64::MIN..=u64::MAX` (what JSON integers hold here) is handed on as that integer; range checks
//! stay with the integer type. Anything else passes through untouched: a `32.0` in a `serde_json::Value` field
//! stays a float, a `32.5` still fails as it did.
//!
//! serde buffers some values before it knows their type (`#[serde(flatten)]`, internally tagged
//! and untagged enums), and a buffered float never reaches the integer's deserializer through
//! this wrapper. For those, [`integers_for_whole_floats`] rewrites the value itself: every whole
//! float becomes an integer. [`super::deserialize`] uses it only as a second reading, when the
//! first failed, so only input that would otherwise be refused sees its untyped floats change.

use serde::de::{DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// 2^63 and 2^64: the bounds of `i64` and `u64`, exact in `f64`.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_64: f64 = 18_446_744_073_709_551_616.0;

/// A deserializer that reads whole floats as integers where an integer is asked for.
pub(crate) struct WholeNumbers<D>(pub(crate) D);

/// What the visitor was asked for: an integer, or anything else.
#[derive(Clone, Copy)]
enum Asked {
    Integer,
    Other,
}

/// A visitor that hands whole floats on as integers (when an integer was asked for) and keeps
/// wrapping whatever nested deserializers it is given.
struct Lenient<V> {
    visitor: V,
    asked: Asked,
}

struct Seed<T>(T);
struct Seq<A>(A);
struct Map<A>(A);
struct Enum<A>(A);
struct Variant<A>(A);

macro_rules! integer_methods {
    ($($method:ident => $asked:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Lenient { visitor, asked: Asked::$asked })
        }
    )*};
}

macro_rules! other_methods {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method($($($arg,)*)? Lenient { visitor, asked: Asked::Other })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for WholeNumbers<D> {
    type Error = D::Error;

    integer_methods! {
        deserialize_i8 => Integer,
        deserialize_i16 => Integer,
        deserialize_i32 => Integer,
        deserialize_i64 => Integer,
        deserialize_u8 => Integer,
        deserialize_u16 => Integer,
        deserialize_u32 => Integer,
        deserialize_u64 => Integer,
        deserialize_i128 => Integer,
        deserialize_u128 => Integer,
    }

    other_methods! {
        deserialize_any,
        deserialize_bool,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq,
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map,
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
        deserialize_identifier,
        deserialize_ignored_any,
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<V> Lenient<V> {
    /// Hands `v` on as an integer when one was asked for and `v` is a whole number that fits.
    fn float<'de, E: serde::de::Error>(self, v: f64) -> Result<V::Value, E>
    where
        V: Visitor<'de>,
    {
        let whole = v.is_finite() && v.fract() == 0.0;
        match self.asked {
            Asked::Integer if whole && (0.0..TWO_64).contains(&v) => self.visitor.visit_u64(v as u64),
            Asked::Integer if whole && (-TWO_63..0.0).contains(&v) => self.visitor.visit_i64(v as i64),
            _ => self.visitor.visit_f64(v),
        }
    }
}

macro_rules! forward_visits {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method<E: serde::de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Lenient<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visits! {
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    }

    fn visit_f32<E: serde::de::Error>(self, v: f32) -> Result<V::Value, E> {
        match self.asked {
            Asked::Integer => self.float(f64::from(v)),
            Asked::Other => self.visitor.visit_f32(v),
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<V::Value, E> {
        self.float(v)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<V::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_some(WholeNumbers(deserializer))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.visitor.visit_newtype_struct(WholeNumbers(deserializer))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(Seq(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Map(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Enum(data))
    }
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T::Value, D::Error> {
        self.0.deserialize(WholeNumbers(deserializer))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Seq<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Map<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Enum<A> {
    type Error = A::Error;
    type Variant = Variant<A::Variant>;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self::Variant), A::Error> {
        self.0.variant_seed(Seed(seed)).map(|(value, variant)| (value, Variant(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Lenient { visitor, asked: Asked::Other })
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Lenient { visitor, asked: Asked::Other })
    }
}

/// Whether `value` holds a whole float (`32.0`) anywhere.
#[inline(always)]
pub(crate) fn has_whole_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => is_whole_float(n),
        Value::Array(items) => items.iter().any(holds_whole_float),
        Value::Object(map) => map.values().any(holds_whole_float),
        _ => false,
    }
}

/// [`has_whole_float`], below the top level.
fn holds_whole_float(value: &Value) -> bool {
    has_whole_float(value)
}

fn is_whole_float(n: &serde_json::Number) -> bool {
    n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// Rewrites every whole float in `value` that fits 64 bits as the integer it is.
pub(crate) fn integers_for_whole_floats(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                if (0.0..TWO_64).contains(&f) {
                    *value = Value::from(f as u64);
                } else if (-TWO_63..0.0).contains(&f) {
                    *value = Value::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_for_whole_floats),
        Value::Object(map) => map.values_mut().for_each(integers_for_whole_floats),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    fn read<T: for<'de> Deserialize<'de>>(value: Value) -> Result<T, serde_json::Error> {
        T::deserialize(WholeNumbers(value))
    }

    /// A number as a user writes it.
    fn number(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn whole_floats_are_integers_of_every_width() {
        assert_eq!(read::<u8>(json!(255.0)).unwrap(), 255);
        assert_eq!(read::<i8>(json!(-128.0)).unwrap(), -128);
        assert_eq!(read::<u16>(json!(7.0)).unwrap(), 7);
        assert_eq!(read::<i16>(json!(-7.0)).unwrap(), -7);
        assert_eq!(read::<u32>(json!(32.0)).unwrap(), 32);
        assert_eq!(read::<i32>(json!(-0.0)).unwrap(), 0);
        assert_eq!(read::<u64>(json!(1e19)).unwrap(), 10_000_000_000_000_000_000);
        assert_eq!(read::<i64>(number("-9.223372036854775808e18")).unwrap(), i64::MIN);
        assert_eq!(read::<usize>(json!(3.0)).unwrap(), 3);
        assert_eq!(read::<isize>(json!(-3.0)).unwrap(), -3);
        assert_eq!(read::<std::num::NonZeroU32>(json!(5.0)).unwrap().get(), 5);
        assert_eq!(read::<u128>(json!(1e19)).unwrap(), 10_000_000_000_000_000_000);
        assert_eq!(read::<i128>(json!(-1e18)).unwrap(), -1_000_000_000_000_000_000);
    }

    #[test]
    fn floats_that_are_not_whole_or_do_not_fit_stay_floats() {
        assert!(read::<u32>(json!(32.5)).is_err());
        assert!(read::<u32>(json!(-1.0)).is_err());
        assert!(read::<u8>(json!(256.0)).is_err());
        assert!(read::<i64>(number("9.223372036854775807e18")).is_err(), "2^63 does not fit an i64");
        assert!(read::<u64>(number("1.8446744073709551615e19")).is_err(), "2^64 does not fit a u64");
        assert!(read::<u64>(json!(1e300)).is_err());
        assert!(read::<std::num::NonZeroU32>(json!(0.0)).is_err());
    }

    #[test]
    fn nested_integers_are_reached_and_untyped_floats_are_kept() {
        #[derive(Deserialize, Debug, PartialEq)]
        enum Kind {
            Sized { width: u16 },
            Count(u8),
            Pair(u8, i8),
        }
        #[derive(Deserialize, Debug, PartialEq)]
        struct Inner {
            size: Option<u32>,
            sizes: Vec<u64>,
            by_name: std::collections::BTreeMap<String, i32>,
            kinds: Vec<Kind>,
            raw: Value,
            ratio: f64,
        }
        let inner: Inner = read(json!({
            "size": 1.0,
            "sizes": [2.0, 3],
            "by_name": {"a": -4.0},
            "kinds": [{"Sized": {"width": 5.0}}, {"Count": 6.0}, {"Pair": [7.0, -8.0]}],
            "raw": {"x": 9.0},
            "ratio": 10.0,
        }))
        .unwrap();
        assert_eq!(inner.size, Some(1));
        assert_eq!(inner.sizes, [2, 3]);
        assert_eq!(inner.by_name["a"], -4);
        assert_eq!(inner.kinds, [Kind::Sized { width: 5 }, Kind::Count(6), Kind::Pair(7, -8)]);
        assert!(inner.raw["x"].is_f64(), "an untyped value keeps its float");
        assert_eq!(inner.ratio, 10.0);
    }

    #[test]
    fn rewriting_turns_only_whole_floats_that_fit_into_integers() {
        let mut value = json!({"a": 32.0, "b": [-0.0, 1.5, 1e300], "c": "32.0", "d": 7});
        assert!(has_whole_float(&value));
        integers_for_whole_floats(&mut value);
        assert_eq!(value, json!({"a": 32, "b": [0, 1.5, 1e300], "c": "32.0", "d": 7}));
        assert!(value["a"].is_u64());
        assert!(!has_whole_float(&json!({"a": 1, "b": [1.5]})));
    }
}
