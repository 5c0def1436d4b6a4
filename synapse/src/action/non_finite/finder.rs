//! The serializer that looks for non-finite floats, at a single value: it records a NaN or an
//! infinite float at its path, passes through what wraps a value (options, newtypes, variants),
//! and hands the insides of a sequence, map, struct or variant to [`Members`] (see the sibling
//! `members`).

use super::{Finder, Members, NonFinite, Refused};
use crate::params::join_property;
use serde::ser::{Serialize, Serializer};

impl<'a> Finder<'a> {
    fn float(self, value: f64) -> Result<(), Refused> {
        if !value.is_finite() {
            self.found.push(NonFinite { path: self.path, value });
        }
        Ok(())
    }

    fn members(self, under: Option<&str>) -> Members<'a> {
        let path = match under {
            Some(name) => join_property(&self.path, name),
            None => self.path,
        };
        Members { path, found: self.found, next_index: 0, key: None }
    }
}

impl<'a> Serializer for Finder<'a> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Members<'a>;
    type SerializeTuple = Members<'a>;
    type SerializeTupleStruct = Members<'a>;
    type SerializeTupleVariant = Members<'a>;
    type SerializeMap = Members<'a>;
    type SerializeStruct = Members<'a>;
    type SerializeStructVariant = Members<'a>;

    fn serialize_f32(self, v: f32) -> Result<(), Refused> {
        self.float(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Refused> {
        self.float(v)
    }

    fn serialize_bool(self, _: bool) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i8(self, _: i8) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i16(self, _: i16) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i32(self, _: i32) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i64(self, _: i64) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_i128(self, _: i128) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u8(self, _: u8) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u16(self, _: u16) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u32(self, _: u32) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u64(self, _: u64) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_u128(self, _: u128) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_char(self, _: char) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_str(self, _: &str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Refused> {
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(Finder { path: join_property(&self.path, variant), found: self.found })
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple(self, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Refused> {
        Ok(self.members(Some(variant)))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Members<'a>, Refused> {
        Ok(self.members(None))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Members<'a>, Refused> {
        Ok(self.members(Some(variant)))
    }
}
