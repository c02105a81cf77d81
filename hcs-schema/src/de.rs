//! Deserialization support for the generated types.
//!
//! The generated structs keep properties they do not know (a newer Windows sends them) in
//! `unknown_properties`. serde's `#[serde(flatten)]` does that, but buffers every property of the
//! object in an intermediate representation first, which makes deserialization several times
//! slower. Instead each generated struct implements [`StructFields`]: one `match` from JSON name to
//! field, and this module's visitor stores the rest.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

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
    map.next_value_seed(OptionField(slot))
}

/// What serde's `Option<T>` reads (`null` is `None`), written into the field. serde's own was a
/// second out-of-line function for every field type, next to [`read_field`]; this one is inlined
/// into it.
struct OptionField<'a, T>(&'a mut Option<T>);

impl<'de, T: de::Deserialize<'de>> DeserializeSeed<'de> for OptionField<'_, T> {
    type Value = ();

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, T: de::Deserialize<'de>> Visitor<'de> for OptionField<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's `Option<T>` says so.
        f.write_str("option")
    }

    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        *self.0 = Some(T::deserialize(deserializer)?);
        Ok(())
    }
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
/// deserialization. `null` is `None`, like serde's `Option`. Never inlined, like [`read_field`]:
/// one copy per reader and struct type.
#[inline(never)]
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

    #[inline]
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

/// Sets a struct field to `None`. Out of line (one copy per type, not per type and reader):
/// dropping the earlier value is the struct's drop code, and inlined into [`OptionInPlace`] it
/// was most of that visitor's machine code, which is run once for every struct of a document.
/// Cold: a struct property that is `null`, or repeated, is rare, and its code is then placed
/// after the code that reads the struct instead of between its instructions.
#[cold]
#[inline(never)]
fn clear<T>(slot: &mut Option<T>) {
    *slot = None;
}

/// Sets a struct or collection field to its type's default, to be read into. A repeated property
/// replaces the earlier value, as it does for every other field; only then is there something to
/// drop, out of line ([`clear`]). Inline: out of line, this was a function per struct type of
/// its own.
#[inline]
fn fill<T: Default>(slot: &mut Option<T>) -> &mut T {
    if slot.is_some() {
        clear(slot);
    }
    put_into_none(slot, T::default())
}

/// Stores `value` in `slot`, which is `None`, and returns it. `Option::insert` and
/// `get_or_insert_with` run the drop code of what they replace, which the compiler cannot tell
/// is `None` here: a call, for every struct or collection read, to the drop function of the
/// field's type (one per type, so another cache line of code each). The replaced `None` owns
/// nothing, so forgetting it leaks nothing.
#[inline]
fn put_into_none<T>(slot: &mut Option<T>, value: T) -> &mut T {
    debug_assert!(slot.is_none());
    std::mem::forget(slot.replace(value));
    match slot {
        Some(value) => value,
        None => unreachable!("a value was just stored"),
    }
}

/// Reads the value of a field that is an array of a generated struct (`Plan9`'s shares), each
/// element built where it lives in the vector, as [`read_struct_field`] builds a struct field.
///
/// What serde's `Option<Vec<T>>` reads, element by element: `T`'s `Deserialize` is
/// [`deserialize_struct`], which reads the object with [`InPlace`] as this does. serde's `Vec<T>`
/// built each element elsewhere and moved it in, and was three more functions per element type
/// (the visitor, `T::deserialize`, the sequence's element read).
#[inline(never)]
pub(crate) fn read_struct_vec_field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<Vec<T>>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: StructFields,
{
    map.next_value_seed(OptionCollection(slot))
}

/// An array or a map of a generated struct, read into where it lives ([`VecInPlace`],
/// [`MapInPlace`]).
trait CollectionInPlace: Default {
    fn read_into<'de, D: Deserializer<'de>>(&mut self, deserializer: D) -> Result<(), D::Error>;
}

impl<T: StructFields> CollectionInPlace for Vec<T> {
    #[inline]
    fn read_into<'de, D: Deserializer<'de>>(&mut self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(VecInPlace(self))
    }
}

impl<T: StructFields> CollectionInPlace for BTreeMap<String, T> {
    #[inline]
    fn read_into<'de, D: Deserializer<'de>>(&mut self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(MapInPlace(self))
    }
}

/// What serde's `Option<C>` reads (`null` is `None`) for a collection of structs: a value
/// replaces the earlier one with an empty collection, then reads into it.
struct OptionCollection<'a, C>(&'a mut Option<C>);

impl<'de, C: CollectionInPlace> DeserializeSeed<'de> for OptionCollection<'_, C> {
    type Value = ();

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, C: CollectionInPlace> Visitor<'de> for OptionCollection<'_, C> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's `Option<T>` says so.
        f.write_str("option")
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        *self.0 = None;
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        fill(self.0).read_into(deserializer)
    }
}

/// Reads a JSON array's elements onto the end of a vector.
struct VecInPlace<'a, T>(&'a mut Vec<T>);

impl<'de, T: StructFields> Visitor<'de> for VecInPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's `Vec<T>` says so.
        f.write_str("a sequence")
    }

    #[inline]
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        // serde's `Vec<T>` reserves what the reader says is coming, up to 1 MiB.
        let hint = seq.size_hint().unwrap_or(0);
        self.0
            .reserve_exact(hint.min(1024 * 1024 / size_of::<T>().max(1)));
        while let Some(()) = seq.next_element_seed(ElementInPlace(&mut *self.0))? {}
        Ok(())
    }
}

/// One element of [`VecInPlace`]: pushed as the default, then read into.
struct ElementInPlace<'a, T>(&'a mut Vec<T>);

impl<'de, T: StructFields> DeserializeSeed<'de> for ElementInPlace<'_, T> {
    type Value = ();

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(InPlace(push_default(self.0)))
    }
}

/// Appends the default of a struct type, to be read into. Inline, like [`fill`].
#[inline]
fn push_default<T: Default>(vec: &mut Vec<T>) -> &mut T {
    vec.push(T::default());
    let last = vec.len() - 1;
    &mut vec[last]
}

/// Reads the value of a field that maps names to a generated struct (`Scsi`'s attachments, a
/// VM's network adapters), each value built where it lives in the map, as [`read_struct_field`]
/// builds a struct field.
///
/// What serde's `Option<BTreeMap<String, T>>` reads, entry by entry: a repeated name replaces
/// the earlier value and keeps the first key, as `BTreeMap::insert` does. serde's map built each
/// value elsewhere and moved it in, and was three more functions per value type.
#[inline(never)]
pub(crate) fn read_struct_map_field<'de, A, T>(
    map: &mut A,
    slot: &mut Option<BTreeMap<String, T>>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: StructFields,
{
    map.next_value_seed(OptionCollection(slot))
}

/// Reads a JSON object's properties into a map's entries.
struct MapInPlace<'a, T>(&'a mut BTreeMap<String, T>);

impl<'de, T: StructFields> Visitor<'de> for MapInPlace<'_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // serde's `BTreeMap<K, V>` says so.
        f.write_str("a map")
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(EntryInPlace(entry_default(self.0, key)))?;
        }
        Ok(())
    }
}

/// The entry of `key`, set to the default of its struct type, to be read into. Inline, like
/// [`fill`]; a repeated name, whose earlier value is dropped, out of line ([`reset`]).
#[inline]
fn entry_default<T: Default>(map: &mut BTreeMap<String, T>, key: String) -> &mut T {
    match map.entry(key) {
        Entry::Vacant(entry) => entry.insert(T::default()),
        Entry::Occupied(entry) => reset(entry.into_mut()),
    }
}

/// Sets a value back to its type's default (a repeated name of a map of structs).
#[cold]
#[inline(never)]
fn reset<T: Default>(value: &mut T) -> &mut T {
    *value = T::default();
    value
}

/// The value of one entry of [`MapInPlace`].
struct EntryInPlace<'a, T>(&'a mut T);

impl<'de, T: StructFields> DeserializeSeed<'de> for EntryInPlace<'_, T> {
    type Value = ();

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(InPlace(self.0))
    }
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
    fn read_field(&mut self, key: &str, map: &mut A) -> Result<(), A::Error>;
}

impl<'de, A: MapAccess<'de>, T: StructFields> PropertyTarget<'de, A> for T {
    #[inline]
    fn read_field(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
        StructFields::read_field(self, key, map)
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
    while let Some(key) = map.next_key::<Key<'de>>()? {
        match key {
            Key::Borrowed(key) => target.read_field(key, &mut map)?,
            Key::Owned(key) => read_owned_key(&mut map, &key, target)?,
        }
    }
    Ok(())
}

/// A property whose name had escapes, so is not borrowed from the input. Rare, so out of the
/// loop: moved in here, the name needs no test for a `String` to free after every property.
#[cold]
#[inline(never)]
fn read_owned_key<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    target: &mut dyn PropertyTarget<'de, A>,
) -> Result<(), A::Error> {
    target.read_field(key, map)
}

/// Keeps a property that the struct does not have: the last arm of every generated
/// `read_field`. Rare (a newer Windows sent it), so out of line and cold.
#[cold]
#[inline(never)]
pub(crate) fn read_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: &str,
    unknown: &mut UnknownProperties,
) -> Result<(), A::Error> {
    let value: serde_json::Value = map.next_value()?;
    unknown.insert(key.to_owned(), value);
    Ok(())
}

/// A property name: borrowed from the input when it has no escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_owned()))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;

    use crate::{Attachment, Plan9, Plan9Share, Scsi};

    /// An error's message without its place.
    fn message(error: &serde_json::Error) -> String {
        let text = error.to_string();
        match text.rfind(" at line ") {
            Some(at) if error.line() != 0 => text[..at].to_owned(),
            _ => text,
        }
    }

    /// Reads `{"<name>": <value>}` as `Outer` and `value` alone as serde's own `Option<Field>`
    /// (`Vec` or `BTreeMap`, whose elements are read by the struct's `Deserialize`), through
    /// each reader: this crate's, serde_json's from text and from a `Value` (which tells the
    /// size of arrays ahead). Both must give the same field or the same error message.
    fn same_as_serde<Outer, Field>(name: &str, value: &str, field: impl Fn(Outer) -> Option<Field>)
    where
        Outer: DeserializeOwned,
        Field: DeserializeOwned + PartialEq + Debug,
    {
        let document = format!("{{\"{name}\":{value}}}");
        let expected = serde_json::from_str::<Option<Field>>(value).map_err(|e| message(&e));
        let fast = crate::json::from_str::<Outer>(&document)
            .map(&field)
            .map_err(|e| e.message().to_owned());
        assert_eq!(fast, expected, "{document}");
        let read = serde_json::from_str::<Outer>(&document)
            .map(&field)
            .map_err(|e| message(&e));
        assert_eq!(read, expected, "{document}");
        if let Ok(tree) = serde_json::from_str::<serde_json::Value>(value) {
            let document = serde_json::json!({ name: tree.clone() });
            let expected = serde_json::from_value::<Option<Field>>(tree).map_err(|e| message(&e));
            let read = serde_json::from_value::<Outer>(document)
                .map(&field)
                .map_err(|e| message(&e));
            assert_eq!(read, expected, "{value}");
        }
    }

    #[test]
    fn escaped_property_names_are_read_like_plain_ones() {
        // `\u004e` is `N`, `\u006f` is `o`, `\u0078` is `x`: `Name` and `Port` are fields,
        // `Extra` is not. The names are not borrowed from the input (read_owned_key).
        let text = r#"{"\u004eame":"a","P\u006frt":564,"E\u0078tra":[1],"Path":"p"}"#;
        let expected = Plan9Share {
            name: Some("a".to_owned()),
            port: Some(564),
            path: Some("p".to_owned()),
            unknown_properties: [("Extra".to_owned(), serde_json::json!([1]))].into(),
            ..Plan9Share::default()
        };
        assert_eq!(crate::json::from_str::<Plan9Share>(text).unwrap(), expected);
        assert_eq!(serde_json::from_str::<Plan9Share>(text).unwrap(), expected);
        // An error in the value of such a property names it unescaped.
        let error = crate::json::from_str::<Plan9Share>(r#"{"P\u006frt":"x"}"#).unwrap_err();
        assert_eq!(error.path(), "Port", "{error}");
    }

    #[test]
    fn arrays_of_structs_are_read_like_serdes_vec() {
        for value in [
            "null",
            "[]",
            r#"[{"Name":"a","Port":564,"AllowedFiles":["x"]},{},{"Name":"b","Extra":[1]}]"#,
            r#"[{"Name":"a","Name":"b"}]"#,
            "[null]",
            r#"[{"Name":"a"},5]"#,
            r#"[{"Port":-1}]"#,
            r#"{"0":{}}"#,
            "5",
            r#""x""#,
            "[{},]",
        ] {
            same_as_serde::<Plan9, Vec<Plan9Share>>("Shares", value, |plan9| plan9.shares);
        }
    }

    #[test]
    fn maps_of_structs_are_read_like_serdes_btreemap() {
        for value in [
            "null",
            "{}",
            r#"{"1":{"Path":"b"},"0":{"Path":"a","ReadOnly":true,"Extra":{"x":null}}}"#,
            // A repeated name: the later value replaces the earlier one entirely.
            r#"{"0":{"Path":"a","ReadOnly":true},"1":{},"0":{"Path":"c"}}"#,
            r#"{"0":null}"#,
            r#"{"0":5}"#,
            r#"{"0":{"ReadOnly":"yes"}}"#,
            "[]",
            "[{}]",
            "true",
            r#"{"0":{},}"#,
        ] {
            same_as_serde::<Scsi, BTreeMap<String, Attachment>>("Attachments", value, |scsi| {
                scsi.attachments
            });
        }
    }
}
