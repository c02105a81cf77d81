//! Deserialization support for the generated types.
//!
//! The generated structs keep properties they do not know (a newer Windows sends them) in
//! `unknown_properties`. serde's `#[serde(flatten)]` does that, but buffers every property of the
//! object in an intermediate representation first, which makes deserialization several times
//! slower. Instead each generated struct implements [`StructFields`]: one `match` from JSON name to
//! field, and this module's visitor stores the rest.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::UnknownProperties;
use crate::fields::StructFields;

/// Deserializes a generated struct from a JSON object.
pub(crate) fn deserialize_struct<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: StructFields,
{
    let mut value = T::default();
    deserializer.deserialize_map(InPlace(&mut value))?;
    Ok(value)
}

/// Reads the value of a field (`null` is `None`, like serde's `Option`). The generated
/// `read_field`s call it, and [`read_any_field`] and [`read_struct_field`], for every field: one
/// call per field instead of a `?` and an assignment written out in each.
///
/// Never inlined: there is then one copy per reader and field type, shared by every struct with
/// a field of that type, and a struct's `read_field` is its key `match` and a call per field.
/// Inlined, each arm held the whole read (`Plan9Share::read_field` was 1,531 bytes for 6 fields)
/// and the code run for one document did not fit the instruction cache: it saved 0.5 % of the
/// instructions but cost more than that in instruction-cache misses.
#[inline(never)]
pub(crate) fn read_field<'de, A, T>(map: &mut A, slot: &mut Option<T>) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: de::Deserialize<'de>,
{
    *slot = map.next_value()?;
    Ok(())
}

/// Reads the value of a free-form ("any") field: any JSON value, `null` included, which is kept
/// as `Some(Value::Null)` so it is sent back. Never inlined, like [`read_field`].
#[inline(never)]
pub(crate) fn read_any_field<'de, A: MapAccess<'de>>(
    map: &mut A,
    slot: &mut Option<serde_json::Value>,
) -> Result<(), A::Error> {
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads the value of a field whose type is a generated struct, building the struct where it lives.
///
/// The generated structs are large (a `ComputeSystem` is several kilobytes), and building each
/// nested one elsewhere and moving it into its parent made copying the biggest cost of
/// deserialization. `null` is `None`, like serde's `Option`.
pub(crate) fn read_struct_field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<T>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: StructFields,
{
    map.next_value_seed(OptionInPlace(slot))
}

struct OptionInPlace<'a, T>(&'a mut Option<T>);

impl<'de, T: StructFields> DeserializeSeed<'de> for OptionInPlace<'_, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: StructFields> Visitor<'de> for OptionInPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({}) or null", T::SCHEMA_NAME)
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        clear(self.0);
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        clear(self.0);
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(InPlace(fill(self.0)))
    }
}

/// Sets a struct field to `None`. Out of line (one copy per type, not per type and reader),
/// with [`fill`]: dropping the earlier value is the struct's drop code, and inlined into
/// [`OptionInPlace`] it was most of that visitor's machine code, which is run once for every
/// struct of a document.
#[inline(never)]
fn clear<T>(slot: &mut Option<T>) {
    *slot = None;
}

/// Sets a struct field to its type's default, to be read into. A repeated property replaces the
/// earlier value, as it does for every other field. Out of line like [`clear`].
#[inline(never)]
fn fill<T: Default>(slot: &mut Option<T>) -> &mut T {
    slot.insert(T::default())
}

/// Reads a JSON object's properties into an existing struct.
struct InPlace<'a, T>(&'a mut T);

impl<'de, T: StructFields> Visitor<'de> for InPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a JSON object ({})", T::SCHEMA_NAME)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        read_properties(map, self.0)
    }
}

/// A generated struct seen through one reader's `MapAccess`: what [`read_properties`] needs,
/// as a trait object.
trait PropertyTarget<'de, A: MapAccess<'de>> {
    fn read_field(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;

    fn unknown_properties_mut(&mut self) -> &mut UnknownProperties;
}

impl<'de, A: MapAccess<'de>, T: StructFields> PropertyTarget<'de, A> for T {
    #[inline]
    fn read_field(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        StructFields::read_field(self, key, map)
    }

    #[inline]
    fn unknown_properties_mut(&mut self) -> &mut UnknownProperties {
        StructFields::unknown_properties_mut(self)
    }
}

/// The loop over an object's properties, one copy for every struct (per reader).
///
/// A document visits dozens of struct types once each, so code that is repeated per type runs
/// from a cold instruction cache every time: when this loop was compiled into every struct's
/// visitor, instruction-cache misses made the typed read run at about half the instructions per
/// cycle of reading the same document into a `serde_json::Value`. Only `read_field`, a `match`
/// of the type's own property names, is per type; it is called through the trait object.
#[inline(never)]
fn read_properties<'de, A: MapAccess<'de>>(
    mut map: A,
    target: &mut dyn PropertyTarget<'de, A>,
) -> Result<(), A::Error> {
    while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
        if !target.read_field(&key, &mut map)? {
            read_unknown(&mut map, key, target.unknown_properties_mut())?;
        }
    }
    Ok(())
}

/// Keeps a property that the struct does not have. Rare (a newer Windows sent it), so out of
/// the loop.
#[cold]
#[inline(never)]
fn read_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Cow<'de, str>,
    unknown: &mut UnknownProperties,
) -> Result<(), A::Error> {
    let value: serde_json::Value = map.next_value()?;
    unknown.insert(key.into_owned(), value);
    Ok(())
}

/// A property name, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_owned())))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }

        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Deserializes a generated string enum: any string is accepted, unknown ones are kept.
pub(crate) fn deserialize_enum<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    struct EnumVisitor<T>(PhantomData<T>);

    impl<T: for<'a> From<&'a str>> Visitor<'_> for EnumVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
            Ok(T::from(value))
        }
    }

    deserializer.deserialize_str(EnumVisitor(PhantomData))
}
