//! A `serde::Serializer` writing compact JSON, byte for byte what `serde_json::to_vec` writes.
//!
//! Written by hand because serde_json's `Serializer` cannot be made faster from outside: its
//! `Formatter` hooks receive each string only after serde_json's own `format_escaped_str` has
//! looked up every byte in its escape table, and that scan was 55-62 % of serializing an HCS
//! document (every key goes through it). This one escapes with the word-at-a-time search of
//! [`super::escape`], writes integers with `itoa` and floats with `zmij` (the crates serde_json
//! itself uses, so the digits are the same), and otherwise follows serde_json's rules:
//! non-finite floats are `null`, bytes are an array of numbers, a newtype variant is
//! `{"Variant":value}`, map keys that are numbers or booleans are quoted, and serde_json's
//! private `Number` (`arbitrary_precision`) and `RawValue` tokens are written as they are.

use std::fmt::{self, Display};

use serde::ser::{self, Impossible, Serialize};

use super::Error;
use super::escape::{write_clean_key, write_key, write_str, write_str_contents};
use crate::fields::padded_name;

/// serde_json's private marker of an `arbitrary_precision` number: a struct of this name with one
/// field of this name, the number's text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";
/// serde_json's private marker of a `RawValue`: the same shape, the field being raw JSON.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Writes compact JSON into `out`.
pub(crate) struct Serializer<'a> {
    pub(crate) out: &'a mut Vec<u8>,
}

macro_rules! write_integers {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        #[inline]
        fn $method(self, value: $ty) -> Result<(), Error> {
            self.out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
            Ok(())
        }
    )*};
}

impl<'s, 'a> ser::Serializer for &'s mut Serializer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Collection<'s, 'a>;
    type SerializeTuple = Collection<'s, 'a>;
    type SerializeTupleStruct = Collection<'s, 'a>;
    type SerializeTupleVariant = Collection<'s, 'a>;
    type SerializeMap = Collection<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Collection<'s, 'a>;

    #[inline]
    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
        Ok(())
    }

    write_integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    );

    #[inline]
    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if value.is_finite() {
            let mut buffer = zmij::Buffer::new();
            self.out
                .extend_from_slice(buffer.format_finite(value).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    #[inline]
    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if value.is_finite() {
            let mut buffer = zmij::Buffer::new();
            self.out
                .extend_from_slice(buffer.format_finite(value).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
        Ok(())
    }

    #[inline]
    fn serialize_char(self, value: char) -> Result<(), Error> {
        write_str(self.out, value.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        write_str(self.out, value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Error> {
        self.out.push(b'[');
        for (index, byte) in value.iter().enumerate() {
            if index != 0 {
                self.out.push(b',');
            }
            self.out
                .extend_from_slice(itoa::Buffer::new().format(*byte).as_bytes());
        }
        self.out.push(b']');
        Ok(())
    }

    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }

    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Collection<'s, 'a>, Error> {
        Ok(self.open(b'[', b']', len))
    }

    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Collection<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    #[inline]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Collection<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Collection<'s, 'a>, Error> {
        self.open_variant(variant);
        self.serialize_seq(Some(len))
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Collection<'s, 'a>, Error> {
        Ok(self.open(b'{', b'}', len))
    }

    #[inline]
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'s, 'a>, Error> {
        match name {
            NUMBER_TOKEN | RAW_VALUE_TOKEN => Ok(Compound::Raw { ser: self, name }),
            _ => self.serialize_map(Some(len)).map(Compound::Collection),
        }
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Collection<'s, 'a>, Error> {
        self.open_variant(variant);
        self.serialize_map(Some(len))
    }

    fn collect_str<T: ?Sized + Display>(self, value: &T) -> Result<(), Error> {
        /// Escapes each piece `Display` writes.
        struct Escaping<'v>(&'v mut Vec<u8>);

        impl fmt::Write for Escaping<'_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                write_str_contents(self.0, text);
                Ok(())
            }
        }

        self.out.push(b'"');
        fmt::Write::write_fmt(&mut Escaping(self.out), format_args!("{value}"))
            .map_err(|_| <Error as ser::Error>::custom("a Display implementation failed"))?;
        self.out.push(b'"');
        Ok(())
    }
}

impl<'s, 'a> Serializer<'a> {
    /// Starts an array or object; with a length of 0 serde_json closes it at once (and `end`
    /// then writes nothing), which is kept for identical output.
    #[inline]
    fn open(&'s mut self, open: u8, close: u8, len: Option<usize>) -> Collection<'s, 'a> {
        self.out.push(open);
        let state = if len == Some(0) {
            self.out.push(close);
            State::Empty
        } else {
            State::First
        };
        Collection { ser: self, state }
    }

    /// `{"Variant":` of the variants with content.
    fn open_variant(&mut self, variant: &str) {
        self.out.push(b'{');
        write_str(self.out, variant);
        self.out.push(b':');
    }
}

/// Where an array or object is: nothing written yet, or an element written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Closed already (length 0).
    Empty,
    /// Before the first element.
    First,
    /// After an element.
    Rest,
}

/// An array or object being written. Its own type, apart from [`Compound`]: an entry of a map
/// (every property of a generated struct) then has no marker case to rule out first.
pub(crate) struct Collection<'s, 'a> {
    ser: &'s mut Serializer<'a>,
    state: State,
}

/// What `serialize_struct` starts: an object, or one of serde_json's raw-text markers.
pub(crate) enum Compound<'s, 'a> {
    /// An object.
    Collection(Collection<'s, 'a>),
    /// serde_json's `Number` (`arbitrary_precision`) or `RawValue`: the field is written as is.
    Raw {
        ser: &'s mut Serializer<'a>,
        name: &'static str,
    },
}

impl Collection<'_, '_> {
    /// Writes the separator before an element or key, and returns the output.
    #[inline]
    fn next(&mut self) -> &mut Vec<u8> {
        if self.state != State::First {
            self.ser.out.push(b',');
        }
        self.state = State::Rest;
        self.ser.out
    }

    /// Writes the separator, `key` as a JSON string and the `:`: what an object writes before
    /// each value. Not inlined: one copy serves every property of every generated struct's
    /// `serialize`; inlined, it was most of each property's code there, repeated in every
    /// struct (the instruction-cache footprint of issue 11).
    ///
    /// A property name of a generated struct lies in the name table (`crate::fields::padded_name`,
    /// two comparisons of its address), whose names need no escaping: it is copied as it is.
    /// Any other key is searched for characters to escape.
    #[inline(never)]
    fn write_key(&mut self, key: &str) {
        let comma = self.state != State::First;
        self.state = State::Rest;
        if let Some(window) = padded_name(key) {
            if write_clean_key(self.ser.out, comma, key.len(), window) {
                return;
            }
        }
        write_key(self.ser.out, comma, key);
    }

    /// Closes the collection with `close`, unless it was closed when opened.
    #[inline]
    fn close(self, close: u8) {
        if self.state != State::Empty {
            self.ser.out.push(close);
        }
    }

    /// Closes the content of a variant, then the object around it.
    fn close_variant(self, close: u8) {
        let out = &mut *self.ser.out;
        if self.state != State::Empty {
            out.push(close);
        }
        out.push(b'}');
    }
}

impl ser::SerializeSeq for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(&mut *self.ser)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b']');
        Ok(())
    }
}

impl ser::SerializeTuple for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleVariant for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Error> {
        self.close_variant(b']');
        Ok(())
    }
}

impl ser::SerializeMap for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    /// Writes the separator, the key and the `:` after it (serde calls `serialize_value` after
    /// every key), so that a string key, the key of every property of a generated struct, is
    /// one call to [`Collection::write_key`].
    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        key.serialize(KeySerializer { map: self })
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        self.close(b'}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        match self {
            Compound::Collection(map) => ser::SerializeMap::serialize_entry(map, key, value),
            Compound::Raw { ser, name } if key == *name => {
                value.serialize(RawText { out: ser.out, name })
            }
            Compound::Raw { name, .. } => Err(RawText::error(name)),
        }
    }

    #[inline]
    fn end(self) -> Result<(), Error> {
        match self {
            Compound::Collection(map) => ser::SerializeMap::end(map),
            Compound::Raw { .. } => Ok(()),
        }
    }
}

impl ser::SerializeStructVariant for Collection<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeMap::serialize_entry(self, key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.close_variant(b'}');
        Ok(())
    }
}

/// Map keys: strings as they are; numbers, booleans and chars quoted, as serde_json does. Each
/// writes the separator before the key and the `:` after it; a key that is refused writes
/// nothing.
struct KeySerializer<'m, 's, 'a> {
    map: &'m mut Collection<'s, 'a>,
}

fn key_must_be_a_string() -> Error {
    <Error as ser::Error>::custom("key must be a string")
}

impl KeySerializer<'_, '_, '_> {
    /// Writes `text` (digits, `true`, `false`: nothing to escape) in quotes.
    #[inline]
    fn quoted(self, text: &[u8]) -> Result<(), Error> {
        let out = self.map.next();
        out.reserve(text.len() + 3);
        out.push(b'"');
        out.extend_from_slice(text);
        out.push(b'"');
        out.push(b':');
        Ok(())
    }
}

macro_rules! quoted_integers {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, value: $ty) -> Result<(), Error> {
            self.quoted(itoa::Buffer::new().format(value).as_bytes())
        }
    )*};
}

impl ser::Serializer for KeySerializer<'_, '_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    #[inline]
    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.map.write_key(value);
        Ok(())
    }

    fn serialize_bool(self, value: bool) -> Result<(), Error> {
        self.quoted(if value { b"true" } else { b"false" })
    }

    quoted_integers!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    );

    fn serialize_f32(self, value: f32) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(<Error as ser::Error>::custom(
                "float key must be finite (got NaN or +/-inf)",
            ));
        }
        self.quoted(zmij::Buffer::new().format_finite(value).as_bytes())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Error> {
        if !value.is_finite() {
            return Err(<Error as ser::Error>::custom(
                "float key must be finite (got NaN or +/-inf)",
            ));
        }
        self.quoted(zmij::Buffer::new().format_finite(value).as_bytes())
    }

    fn serialize_char(self, value: char) -> Result<(), Error> {
        self.serialize_str(value.encode_utf8(&mut [0; 4]))
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }

    fn collect_str<T: ?Sized + Display>(self, value: &T) -> Result<(), Error> {
        let out = self.map.next();
        ser::Serializer::collect_str(&mut Serializer { out: &mut *out }, value)?;
        out.push(b':');
        Ok(())
    }
}

/// The text field of serde_json's `Number` or `RawValue`, written without quotes.
struct RawText<'o> {
    out: &'o mut Vec<u8>,
    name: &'static str,
}

impl RawText<'_> {
    /// serde_json's error when the marker struct is not what it expects.
    fn error(name: &str) -> Error {
        <Error as ser::Error>::custom(if name == NUMBER_TOKEN {
            "invalid number"
        } else {
            "expected value"
        })
    }

    fn fail<T>(self) -> Result<T, Error> {
        Err(Self::error(self.name))
    }
}

macro_rules! not_raw_text {
    ($($method:ident: $ty:ty),* $(,)?) => {$(
        fn $method(self, _value: $ty) -> Result<(), Error> {
            self.fail()
        }
    )*};
}

impl ser::Serializer for RawText<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_str(self, value: &str) -> Result<(), Error> {
        self.out.extend_from_slice(value.as_bytes());
        Ok(())
    }

    not_raw_text!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char, serialize_bytes: &[u8],
    );

    fn serialize_none(self) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _value: &T) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
    ) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        self.fail()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        self.fail()
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        self.fail()
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        self.fail()
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        self.fail()
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        self.fail()
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        self.fail()
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        self.fail()
    }
}
