//! The one per-struct list of fields that `Serialize`, `Walk`, `Debug` and `Hash` of every
//! generated struct are built on.
//!
//! Each generated struct implements [`StructFields`]: `visit_fields` hands every field, in schema
//! order, and then the unknown properties to a [`FieldVisitor`]; `read_field` is the other
//! direction (see [`crate::de`]). The trait impls of the generated structs are one line each,
//! calling the functions here.
//!
//! Why not derive them or write each out per struct: the crate has some 260 structs, and a
//! derive or a written-out impl repeats its per-field code (a `?`, a trait call, a field name) in
//! every impl of every struct. Type checking and borrow checking that code was most of the time
//! `cargo check` spent on this crate. One generic `visit_fields` per struct, instantiated with the
//! visitors below, does the same work with one call per field; after inlining, the machine code
//! of `serialize` is what the written-out version compiled to (callgrind figures in BENCHMARKS.md).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::MapAccess;
use serde::ser::{SerializeMap, Serializer};

use crate::generated::json_names::JSON_NAMES;
use crate::{FieldInfo, SchemaType, UnknownProperties, Walk, Walker};

/// What a field's value must be: every type a generated field has is all of these.
pub(crate) trait FieldValue: Serialize + Walk + fmt::Debug + Hash {}

impl<T: Serialize + Walk + fmt::Debug + Hash> FieldValue for T {}

/// Receives the fields of a generated struct, in schema order, then its unknown properties.
pub(crate) trait FieldVisitor {
    /// The field at `index` of the struct's [`SchemaType::FIELDS`], set or not.
    fn field<T: FieldValue>(&mut self, index: usize, value: &Option<T>);
    /// The struct's `unknown_properties`, always last.
    fn unknown_properties(&mut self, value: &UnknownProperties);
}

/// Implemented by every generated struct.
pub(crate) trait StructFields: Default + SchemaType {
    /// The Rust name of the type, for `Debug`.
    const RUST_NAME: &'static str;

    /// Hands every field, in [`SchemaType::FIELDS`] order, and then the unknown properties to
    /// `visitor`.
    fn visit_fields<V: FieldVisitor>(&self, visitor: &mut V);

    /// Deserializes the value of the property `key` into its field, or into the unknown
    /// properties when `key` is not a property of this type ([`crate::de::read_unknown`]).
    ///
    /// Every `match` arm is a call returning this method's result, so each is a jump to the
    /// read (a tail call) rather than a call followed by the `match`'s shared exit: one cache
    /// line of code fewer for every struct type a document has. (Returning `None` for an unknown
    /// property, `Option<Result<(), _>>` in two registers, made the exit a merge of the arms'
    /// results, which kept the calls.)
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error>;
}

/// The zero bytes after the last name of the name table (`generated/json_names.rs`): every
/// name is followed by at least this many readable bytes, the window the JSON writer copies a
/// name in (longer than the longest name, 43 bytes).
pub(crate) const NAME_PADDING: usize = 48;

/// The name table: the JSON name of every property of every generated struct (`NAMES` of
/// `generated/json_names.rs`), one after another, then [`NAME_PADDING`] zero bytes. The
/// `json_name` of every [`FieldInfo`] is a slice of it ([`json_name`]), so the JSON writer tells
/// a property name from any other key by its address alone ([`padded_name`]) and writes it
/// without looking for characters to escape: there are none, which this function checks when
/// the crate is compiled.
pub(crate) const fn name_table<const N: usize>(names: &[&str]) -> [u8; N] {
    let mut table = [0; N];
    let mut end = 0;
    let mut name = 0;
    while name < names.len() {
        let bytes = names[name].as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            assert!(
                byte >= 0x20 && byte != b'"' && byte != b'\\',
                "a name in the name table needs escaping in JSON"
            );
            table[end] = byte;
            end += 1;
            at += 1;
        }
        name += 1;
    }
    assert!(end + NAME_PADDING == N, "the name table's length is wrong");
    table
}

/// The property name `name`, which the generator placed at `at` in the name table: the same
/// text, as a slice of the table, at the address the JSON writer knows. The constants of
/// `generated/json_names.rs` call it, so it runs when the crate compiles, and fails the build
/// when the table does not have `name` at `at`.
pub(crate) const fn json_name(at: usize, name: &str) -> &'static str {
    let table: &'static [u8] = &JSON_NAMES;
    let (_, rest) = table.split_at(at);
    let (bytes, _) = rest.split_at(name.len());
    let mut index = 0;
    while index < bytes.len() {
        assert!(
            bytes[index] == name.as_bytes()[index],
            "the name table does not have this name there"
        );
        index += 1;
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(_) => panic!("the name table is not UTF-8 there"),
    }
}

/// When `key` lies in the name table's names (it is a `json_name` of a [`FieldInfo`], not only
/// the same text) and has at most [`NAME_PADDING`] bytes: the [`NAME_PADDING`] bytes of the
/// table from the key on, which start with the key's bytes (which need no escaping in JSON).
/// Three comparisons.
#[inline(always)]
pub(crate) fn padded_name(key: &str) -> Option<&'static [u8; NAME_PADDING]> {
    let table: &'static [u8] = &JSON_NAMES;
    let names = table.len() - NAME_PADDING;
    let at = key.as_ptr().addr().wrapping_sub(table.as_ptr().addr());
    if at <= names && key.len() <= names - at && key.len() <= NAME_PADDING {
        table[at..].first_chunk()
    } else {
        None
    }
}

/// The number of set fields and unknown properties: the map's length, which only formats that
/// are not human-readable are given ([`serialize_struct`]).
struct Count(usize);

impl FieldVisitor for Count {
    #[inline]
    fn field<T: FieldValue>(&mut self, _: usize, value: &Option<T>) {
        self.0 += usize::from(value.is_some());
    }

    #[inline]
    fn unknown_properties(&mut self, value: &UnknownProperties) {
        self.0 += value.len();
    }
}

/// Writes the set fields and the unknown properties as map entries, stopping at the first error.
/// It borrows the map rather than owning it: the error then lives apart from what
/// `serialize_entry` writes to, so the optimizer keeps it in a register and the code is that of
/// a `?` after each entry.
///
/// Every struct's `serialize` is this visitor inlined into its `visit_fields`, so what is inlined
/// here is repeated in all of them. The unknown properties are written by
/// [`serialize_unknown_properties`], one function per serializer's map type, called only when a
/// map of them is allocated (the inlined test is one null test,
/// [`UnknownProperties::is_allocated`]): inlined, the map iteration was about 500 bytes of
/// machine code in every struct, and the round trip of a 1.3 KB document already runs more
/// distinct code than the 32 KB instruction cache holds (callgrind; issue 11).
struct Entries<'m, M: SerializeMap, T> {
    map: &'m mut M,
    error: Option<M::Error>,
    of: PhantomData<T>,
}

impl<M: SerializeMap, T: SchemaType> FieldVisitor for Entries<'_, M, T> {
    #[inline]
    fn field<V: FieldValue>(&mut self, index: usize, value: &Option<V>) {
        if self.error.is_some() {
            return;
        }
        if let Some(value) = value {
            if T::FIELDS.len() > MANY_FIELDS {
                set_field();
            }
            if let Err(error) = self.map.serialize_entry(T::FIELDS[index].json_name, value) {
                self.error = Some(error);
            }
        }
    }

    #[inline]
    fn unknown_properties(&mut self, value: &UnknownProperties) {
        if self.error.is_some() || !value.is_allocated() {
            return;
        }
        if let Err(error) = serialize_unknown_properties(self.map, value) {
            self.error = Some(error);
        }
    }
}

/// The structs of more fields than this lay out the writes of their set fields apart from the
/// tests of their fields ([`set_field`]). Those of 8 fields or fewer are mostly small records with
/// every field set (a process of a `ProcessList`: 8 fields, all set), where the call would be paid
/// for every field and save no cache line (callgrind: `properties_response` round trip +0.5 %
/// with the hint on every struct).
const MANY_FIELDS: usize = 8;

/// Called first thing in the code that writes a set field of a struct of more than
/// [`MANY_FIELDS`] fields, so that the tests of its fields are laid out one after another and
/// the writes of the set ones apart from them.
///
/// Without it, every struct's `serialize` is a test per field of its schema, each followed by the
/// inlined write of that field (50-100 bytes of machine code): a document that sets 5 of 21
/// fields (`Devices` in hcsshim's LCOW documents) ran code on a cache line per field, all 21
/// (issue 11). A call to a `#[cold]` function is what LLVM's static branch prediction reads:
/// the block that makes it gets a probability of about 1 in 17, so block placement moves the
/// write out of the chain of tests (each write then jumps back to the next test), while the
/// write stays frequent enough for the inliner to treat its calls as ordinary ones. The call
/// goes through a function pointer because rustc marks a block that calls a `#[cold]` function
/// *directly* as taken 1 time in 2,000, which LLVM's inliner reads as cold too: it then stopped
/// inlining `serialize_entry` and the number writers into the writes (issue 11, fifth round).
/// LLVM sees through the pointer (a direct call of a cold function in the machine code); rustc
/// does not. Should a future rustc see through it, the 1-in-2,000 weights come back (callgrind
/// would show it as more instructions in the generated `serialize`s). The cost is a call and a
/// return per set field. Measured net effect (callgrind per iteration, round trip, on top of the
/// `UnknownProperties` change): `lcow_uvm_1_3k` model 3,587 -> 3,551 ns (-1.0 %), distinct hot
/// instruction lines 1,035 -> 1,001; `compute_system_large` 104,468 -> 104,593 ns (+0.1 %, +1.3 k
/// instructions for the calls); `properties_response` 83,420 -> 83,367 ns.
#[inline(always)]
fn set_field() {
    let mark: fn() = set_field_mark;
    mark();
}

/// Does nothing; see [`set_field`]. The `black_box` keeps the call from being removed as dead
/// code, which would take the hint with it.
#[cold]
#[inline(never)]
fn set_field_mark() {
    std::hint::black_box(());
}

/// The unknown properties as map entries, stopping at the first error. Not inlined, and called
/// only when a map of them is allocated: almost every struct of a document has none.
#[inline(never)]
fn serialize_unknown_properties<M: SerializeMap>(
    map: &mut M,
    value: &UnknownProperties,
) -> Result<(), M::Error> {
    for (name, value) in value {
        map.serialize_entry(name, value)?;
    }
    Ok(())
}

/// The generated structs' `Serialize`: the set fields in schema order, then the unknown
/// properties, as one map.
///
/// The map's length is given only to formats that are not human-readable
/// ([`Serializer::is_human_readable`] false: bincode, postcard and the like, which write it
/// before the entries and need it exact): `Some(number of set fields + unknown properties)`.
/// Human-readable formats (JSON, YAML, TOML, RON) get `None`: they do not write the length,
/// and counting costs a pass over every field of every struct before the first entry is
/// written, code executed on every serialization that was about a fifth of each struct's
/// `serialize` (issue 11). An empty struct is still `{}` in JSON; pretty RON, which uses the
/// length to print an empty map as `{}`, prints it on two lines. A serializer that wraps
/// another without passing `is_human_readable` on (serde's own for internally tagged enums)
/// reports `true`, so a struct inside one gets no length even on bincode, which refuses it
/// (tested: `a_struct_in_an_internally_tagged_enum_announces_no_length`).
#[inline]
pub(crate) fn serialize_struct<T: StructFields, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let len = if serializer.is_human_readable() {
        None
    } else {
        let mut count = Count(0);
        value.visit_fields(&mut count);
        Some(count.0)
    };
    let mut map = serializer.serialize_map(len)?;
    let mut entries = Entries::<_, T> {
        map: &mut map,
        error: None,
        of: PhantomData,
    };
    value.visit_fields(&mut entries);
    match entries.error {
        Some(error) => Err(error),
        None => map.end(),
    }
}

/// Reports the set fields and the unknown properties to a [`Walker`]. Not generic over the
/// struct (it holds the struct's `FIELDS`), so `field` is compiled once per field type, not once
/// per struct and field type.
struct WalkFields<'w> {
    fields: &'static [FieldInfo],
    walker: &'w mut dyn Walker,
}

impl FieldVisitor for WalkFields<'_> {
    fn field<V: FieldValue>(&mut self, index: usize, value: &Option<V>) {
        crate::walk_field(self.walker, &self.fields[index], value);
    }

    fn unknown_properties(&mut self, value: &UnknownProperties) {
        for (name, value) in value {
            self.walker.unknown_property(name, value);
        }
    }
}

/// The generated structs' `Walk`.
pub(crate) fn walk_struct<T: StructFields>(value: &T, walker: &mut dyn Walker) {
    value.visit_fields(&mut WalkFields {
        fields: T::FIELDS,
        walker,
    });
}

/// Formats every field, as `#[derive(Debug)]` does. Not generic over the struct, like
/// [`WalkFields`].
struct DebugFields<'a, 'b> {
    fields: &'static [FieldInfo],
    builder: fmt::DebugStruct<'a, 'b>,
}

impl FieldVisitor for DebugFields<'_, '_> {
    fn field<V: FieldValue>(&mut self, index: usize, value: &Option<V>) {
        self.builder.field(self.fields[index].rust_name, value);
    }

    fn unknown_properties(&mut self, value: &UnknownProperties) {
        self.builder.field("unknown_properties", value);
    }
}

/// The generated structs' `Debug`: what `#[derive(Debug)]` writes.
pub(crate) fn debug_struct<T: StructFields>(value: &T, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut fields = DebugFields {
        fields: T::FIELDS,
        builder: f.debug_struct(T::RUST_NAME),
    };
    value.visit_fields(&mut fields);
    fields.builder.finish()
}

/// Hashes every field in order, as `#[derive(Hash)]` does.
struct HashFields<'h, H>(&'h mut H);

impl<H: Hasher> FieldVisitor for HashFields<'_, H> {
    fn field<V: FieldValue>(&mut self, _: usize, value: &Option<V>) {
        value.hash(self.0);
    }

    fn unknown_properties(&mut self, value: &UnknownProperties) {
        value.hash(self.0);
    }
}

/// The generated structs' `Hash`: the same hash as `#[derive(Hash)]`.
pub(crate) fn hash_struct<T: StructFields, H: Hasher>(value: &T, state: &mut H) {
    value.visit_fields(&mut HashFields(state));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::hash::{DefaultHasher, Hash, Hasher};
    use std::io;

    use serde::Serialize;
    use serde::ser;
    use serde_json::Value;

    use crate::{Attachment, AttachmentType, CachingMode, UnrecognizedValue};

    /// `Attachment` as `#[derive(Debug, Hash)]` would have it: what the generated impls must match.
    #[derive(Debug, Hash)]
    struct Derived {
        r#type: Option<AttachmentType>,
        path: Option<String>,
        ignore_flushes: Option<bool>,
        caching_mode: Option<CachingMode>,
        no_write_hardening: Option<bool>,
        disable_expansion_optimization: Option<bool>,
        ignore_relative_locator: Option<bool>,
        capture_io_attribution_context: Option<bool>,
        read_only: Option<bool>,
        support_compressed_volumes: Option<bool>,
        extensible_virtual_disk_type: Option<String>,
        always_allow_sparse_files: Option<bool>,
        support_encrypted_files: Option<bool>,
        // The type the field had before `UnknownProperties`: what the generated impls must match.
        unknown_properties: BTreeMap<String, Value>,
    }

    fn pair() -> (Attachment, Derived) {
        let unknown = BTreeMap::from([("Extra".to_owned(), serde_json::json!([1, "a"]))]);
        let generated = Attachment {
            r#type: Some(AttachmentType::VirtualDisk),
            path: Some("C:\\a.vhdx".to_owned()),
            read_only: Some(false),
            caching_mode: Some(CachingMode::from("NewMode")),
            unknown_properties: unknown.clone().into(),
            ..Default::default()
        };
        let derived = Derived {
            r#type: Some(AttachmentType::VirtualDisk),
            path: Some("C:\\a.vhdx".to_owned()),
            ignore_flushes: None,
            caching_mode: Some(CachingMode::from("NewMode")),
            no_write_hardening: None,
            disable_expansion_optimization: None,
            ignore_relative_locator: None,
            capture_io_attribution_context: None,
            read_only: Some(false),
            support_compressed_volumes: None,
            extensible_virtual_disk_type: None,
            always_allow_sparse_files: None,
            support_encrypted_files: None,
            unknown_properties: unknown,
        };
        (generated, derived)
    }

    #[test]
    fn debug_writes_what_derive_writes() {
        let (generated, derived) = pair();
        let text = format!("{generated:?}");
        assert_eq!(
            text,
            format!("{derived:?}").replace("Derived", "Attachment")
        );
        assert_eq!(
            format!("{generated:#?}"),
            format!("{derived:#?}").replace("Derived", "Attachment")
        );
        assert!(
            text.starts_with("Attachment { type: Some(VirtualDisk), path: Some("),
            "{text}"
        );
        assert!(
            text.contains("caching_mode: Some(Unrecognized(\"NewMode\"))"),
            "{text}"
        );
    }

    #[test]
    fn enum_debug_is_the_variant_name() {
        assert_eq!(format!("{:?}", AttachmentType::PassThru), "PassThru");
        assert_eq!(format!("{:#?}", AttachmentType::PassThru), "PassThru");
        let unknown = AttachmentType::from("Floppy3");
        assert_eq!(format!("{unknown:?}"), "Unrecognized(\"Floppy3\")");
        assert_eq!(
            format!("{unknown:#?}"),
            "Unrecognized(\n    \"Floppy3\",\n)"
        );
        assert_eq!(unknown.as_str(), "Floppy3");
        assert_eq!(AttachmentType::PassThru.as_str(), "PassThru");
        assert_eq!(
            format!("{:?}", UnrecognizedValue::new("x")),
            format!("{:?}", "x")
        );
    }

    #[test]
    fn hash_is_what_derive_hashes() {
        let (generated, derived) = pair();
        let hash = |value: &dyn Fn(&mut DefaultHasher)| {
            let mut state = DefaultHasher::new();
            value(&mut state);
            state.finish()
        };
        assert_eq!(hash(&|s| generated.hash(s)), hash(&|s| derived.hash(s)));
        let other = Attachment {
            read_only: Some(true),
            ..generated.clone()
        };
        assert_ne!(hash(&|s| generated.hash(s)), hash(&|s| other.hash(s)));
    }

    /// Accepts `limit` bytes, then fails every write, counting the writes it refused.
    struct FailingWriter {
        limit: usize,
        refused: usize,
    }

    impl io::Write for FailingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.limit {
                self.refused += 1;
                return Err(io::Error::other("full"));
            }
            self.limit -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn property_names_are_slices_of_the_name_table() {
        use super::{NAME_PADDING, padded_name};
        use crate::SchemaType;
        use crate::generated::json_names::JSON_NAMES;
        // The generator writes every `json_name` as a constant of `json_names.rs`, a slice of
        // the table. The types of the benchmark documents, those of the longest names (43
        // bytes) and of the first name of the table.
        let fields = [
            crate::ComputeSystem::FIELDS,
            crate::VirtualMachine::FIELDS,
            crate::Devices::FIELDS,
            crate::Plan9Share::FIELDS,
            crate::Attachment::FIELDS,
            crate::Properties::FIELDS,
            crate::MemoryMigrationTransferThrottleParams::FIELDS,
            crate::DebugOptions::FIELDS,
            crate::MemoryReserveResizeOperation::FIELDS,
        ];
        let mut longest = "";
        for field in fields.iter().copied().flatten() {
            let name = field.json_name;
            let window = padded_name(name).unwrap_or_else(|| panic!("{name}"));
            assert!(window.starts_with(name.as_bytes()), "{name}");
            // The same text elsewhere is not in the table.
            let copy = name.to_owned();
            assert_eq!(padded_name(&copy), None, "{name}");
            if name.len() > longest.len() {
                longest = name;
            }
        }
        assert_eq!(longest.len(), 43);
        // Slices reaching into the padding (zero bytes: they would need escaping) or starting
        // outside the table are not names.
        let names = JSON_NAMES.len() - NAME_PADDING;
        let into_padding = std::str::from_utf8(&JSON_NAMES[names - 2..names + 1]).unwrap();
        assert_eq!(padded_name(into_padding), None);
        let padding = std::str::from_utf8(&JSON_NAMES[names + 1..names + 2]).unwrap();
        assert_eq!(padded_name(padding), None);
        assert!(padded_name(std::str::from_utf8(&JSON_NAMES[names - 2..names]).unwrap()).is_some());
        assert!(
            JSON_NAMES[..names]
                .iter()
                .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
        );
        assert!(JSON_NAMES[names..].iter().all(|&b| b == 0));
    }

    /// What a serializer was asked to write: every map with the length it was announced with.
    #[derive(Debug)]
    enum Recorded {
        Scalar(Value),
        Seq(Vec<Recorded>),
        Map(Option<usize>, Vec<(String, Recorded)>),
    }

    impl Recorded {
        /// The JSON value written, to compare with the document.
        fn value(&self) -> Value {
            match self {
                Recorded::Scalar(value) => value.clone(),
                Recorded::Seq(items) => items.iter().map(Recorded::value).collect(),
                Recorded::Map(_, entries) => Value::Object(
                    entries
                        .iter()
                        .map(|(key, value)| (key.clone(), value.value()))
                        .collect(),
                ),
            }
        }

        /// Every map's announced length with its number of entries, depth first.
        fn lengths(&self, out: &mut Vec<(Option<usize>, usize)>) {
            match self {
                Recorded::Scalar(_) => {}
                Recorded::Seq(items) => items.iter().for_each(|item| item.lengths(out)),
                Recorded::Map(len, entries) => {
                    out.push((*len, entries.len()));
                    entries.iter().for_each(|(_, value)| value.lengths(out));
                }
            }
        }
    }

    /// A serializer that records what it is given, human-readable or not (the one thing the
    /// generated `Serialize` asks a format).
    #[derive(Clone, Copy)]
    struct Recorder {
        human_readable: bool,
    }

    /// A sequence or map being recorded.
    struct Recording {
        recorder: Recorder,
        len: Option<usize>,
        items: Vec<Recorded>,
        keys: Vec<String>,
    }

    type Record = Result<Recorded, serde_json::Error>;

    macro_rules! record_numbers {
        ($($method:ident: $ty:ty),* $(,)?) => {$(
            fn $method(self, value: $ty) -> Record {
                Ok(Recorded::Scalar(Value::from(value)))
            }
        )*};
    }

    impl ser::Serializer for Recorder {
        type Ok = Recorded;
        type Error = serde_json::Error;
        type SerializeSeq = Recording;
        type SerializeTuple = ser::Impossible<Recorded, serde_json::Error>;
        type SerializeTupleStruct = ser::Impossible<Recorded, serde_json::Error>;
        type SerializeTupleVariant = ser::Impossible<Recorded, serde_json::Error>;
        type SerializeMap = Recording;
        type SerializeStruct = ser::Impossible<Recorded, serde_json::Error>;
        type SerializeStructVariant = ser::Impossible<Recorded, serde_json::Error>;

        fn is_human_readable(&self) -> bool {
            self.human_readable
        }

        record_numbers!(
            serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
            serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
            serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_str: &str,
        );

        fn serialize_char(self, value: char) -> Record {
            Ok(Recorded::Scalar(Value::from(value.to_string())))
        }

        fn serialize_bytes(self, _: &[u8]) -> Record {
            Err(ser::Error::custom("bytes"))
        }

        fn serialize_none(self) -> Record {
            Ok(Recorded::Scalar(Value::Null))
        }

        fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Record {
            value.serialize(self)
        }

        fn serialize_unit(self) -> Record {
            Ok(Recorded::Scalar(Value::Null))
        }

        fn serialize_unit_struct(self, _: &'static str) -> Record {
            self.serialize_unit()
        }

        fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Record {
            self.serialize_str(variant)
        }

        fn serialize_newtype_struct<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            value: &T,
        ) -> Record {
            value.serialize(self)
        }

        fn serialize_newtype_variant<T: ?Sized + Serialize>(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: &T,
        ) -> Record {
            Err(ser::Error::custom("newtype variant"))
        }

        fn serialize_seq(self, len: Option<usize>) -> Result<Recording, serde_json::Error> {
            Ok(Recording {
                recorder: self,
                len,
                items: Vec::new(),
                keys: Vec::new(),
            })
        }

        fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, serde_json::Error> {
            Err(ser::Error::custom("tuple"))
        }

        fn serialize_tuple_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleStruct, serde_json::Error> {
            Err(ser::Error::custom("tuple struct"))
        }

        fn serialize_tuple_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeTupleVariant, serde_json::Error> {
            Err(ser::Error::custom("tuple variant"))
        }

        fn serialize_map(self, len: Option<usize>) -> Result<Recording, serde_json::Error> {
            self.serialize_seq(len)
        }

        fn serialize_struct(
            self,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStruct, serde_json::Error> {
            Err(ser::Error::custom("struct"))
        }

        fn serialize_struct_variant(
            self,
            _: &'static str,
            _: u32,
            _: &'static str,
            _: usize,
        ) -> Result<Self::SerializeStructVariant, serde_json::Error> {
            Err(ser::Error::custom("struct variant"))
        }
    }

    impl ser::SerializeSeq for Recording {
        type Ok = Recorded;
        type Error = serde_json::Error;

        fn serialize_element<T: ?Sized + Serialize>(
            &mut self,
            value: &T,
        ) -> Result<(), serde_json::Error> {
            self.items.push(value.serialize(self.recorder)?);
            Ok(())
        }

        fn end(self) -> Record {
            Ok(Recorded::Seq(self.items))
        }
    }

    impl ser::SerializeMap for Recording {
        type Ok = Recorded;
        type Error = serde_json::Error;

        fn serialize_key<T: ?Sized + Serialize>(
            &mut self,
            key: &T,
        ) -> Result<(), serde_json::Error> {
            match key.serialize(self.recorder)? {
                Recorded::Scalar(Value::String(key)) => self.keys.push(key),
                other => return Err(ser::Error::custom(format!("key {other:?}"))),
            }
            Ok(())
        }

        fn serialize_value<T: ?Sized + Serialize>(
            &mut self,
            value: &T,
        ) -> Result<(), serde_json::Error> {
            self.items.push(value.serialize(self.recorder)?);
            Ok(())
        }

        fn end(self) -> Record {
            Ok(Recorded::Map(
                self.len,
                self.keys.into_iter().zip(self.items).collect(),
            ))
        }
    }

    /// A document in schema order (so every writer must give back its text): nested structs,
    /// maps of structs (`Scsi`, `Attachments`), a list of structs, an empty struct, and unknown
    /// properties at two levels. 17 objects, of which 15 are structs.
    const DOCUMENT: &str = concat!(
        r#"{"Owner":"test","SchemaVersion":{"Major":2,"Minor":1},"VirtualMachine":{"#,
        r#""StopOnReset":true,"Chipset":{"Uefi":{"BootThis":{"DeviceType":"ScsiDrive","#,
        r#""DevicePath":"Primary"}}},"ComputeTopology":{"Memory":{"SizeInMB":1024,"#,
        r#""AllowOvercommit":true},"Processor":{"Count":2}},"Devices":{"Scsi":{"0":{"#,
        r#""Attachments":{"0":{"Type":"VirtualDisk","Path":"C:\\a.vhdx","#,
        r#""Extra":[true,"two"]}}}},"Plan9":{"Shares":[{"Name":"1","Port":564,"#,
        r#""AllowedFiles":["config.json"]}]}},"GuestConnection":{}},"#,
        r#""ShouldTerminateOnLastHandleClosed":true,"Future":"x"}"#,
    );

    #[test]
    fn the_map_length_is_exact_for_formats_that_are_not_human_readable() {
        let document: Value = serde_json::from_str(DOCUMENT).unwrap();
        let typed: crate::ComputeSystem = serde_json::from_str(DOCUMENT).unwrap();
        let recorded = typed
            .serialize(Recorder {
                human_readable: false,
            })
            .unwrap();
        // What was written is the document, so each map's entries are its object's properties.
        assert_eq!(recorded.value(), document);
        let mut lengths = Vec::new();
        recorded.lengths(&mut lengths);
        assert_eq!(lengths.len(), 17);
        for (announced, written) in lengths {
            assert_eq!(announced, Some(written));
        }
        // The empty struct too.
        let empty = Attachment::default()
            .serialize(Recorder {
                human_readable: false,
            })
            .unwrap();
        assert!(matches!(empty, Recorded::Map(Some(0), ref entries) if entries.is_empty()));
    }

    #[test]
    fn an_emptied_struct_announces_length_0() {
        // Its unknown properties were emptied through the map, which stays allocated.
        let mut attachment = Attachment {
            path: Some("p".to_owned()),
            ..Default::default()
        };
        attachment
            .unknown_properties
            .insert("Extra".to_owned(), Value::Bool(true));
        attachment.unknown_properties.remove("Extra");
        attachment.path = None;
        assert!(attachment.unknown_properties.is_allocated());
        let recorded = attachment
            .serialize(Recorder {
                human_readable: false,
            })
            .unwrap();
        assert!(matches!(recorded, Recorded::Map(Some(0), ref entries) if entries.is_empty()));
    }

    #[test]
    fn human_readable_formats_get_no_length_and_the_same_text() {
        let document: Value = serde_json::from_str(DOCUMENT).unwrap();
        let typed: crate::ComputeSystem = serde_json::from_str(DOCUMENT).unwrap();
        let recorded = typed
            .serialize(Recorder {
                human_readable: true,
            })
            .unwrap();
        assert_eq!(recorded.value(), document);
        let mut lengths = Vec::new();
        recorded.lengths(&mut lengths);
        // The 15 structs announce no length; the two maps of structs are serde's own
        // (`BTreeMap`), which do.
        let unannounced = lengths.iter().filter(|(len, _)| len.is_none()).count();
        assert_eq!(unannounced, 15);
        for (announced, written) in lengths {
            assert!(announced.is_none() || announced == Some(written));
        }
        // Both JSON writers give the document's text back, `{}` for the empty struct included.
        assert_eq!(serde_json::to_string(&typed).unwrap(), DOCUMENT);
        assert_eq!(crate::json::to_string(&typed).unwrap(), DOCUMENT);
        for writer in [
            serde_json::to_string::<Attachment>,
            serde_json::to_string_pretty::<Attachment>,
        ] {
            assert_eq!(writer(&Attachment::default()).unwrap(), "{}");
        }
        assert_eq!(
            crate::json::to_string(&Attachment::default()).unwrap(),
            "{}"
        );
        assert!(
            serde_json::to_string_pretty(&typed)
                .unwrap()
                .contains("\"GuestConnection\": {}\n")
        );
    }

    /// A generated struct inside serde's internally tagged enum.
    #[derive(Serialize)]
    #[serde(tag = "Kind")]
    enum Tagged {
        Create(Attachment),
    }

    /// serde's internally tagged enums wrap the serializer in one of their own that does not
    /// pass `is_human_readable` on (it says `true`), so the struct announces no length even to
    /// a format that is not human-readable, and the tag's map has none either: bincode and
    /// postcard refuse it. README and `serialize_struct` document this limit; the test pins it.
    #[test]
    fn a_struct_in_an_internally_tagged_enum_announces_no_length() {
        let recorded = Tagged::Create(Attachment::default())
            .serialize(Recorder {
                human_readable: false,
            })
            .unwrap();
        assert_eq!(recorded.value(), serde_json::json!({ "Kind": "Create" }));
        let mut lengths = Vec::new();
        recorded.lengths(&mut lengths);
        assert_eq!(lengths, [(None, 1)]);
    }

    #[test]
    fn serialize_stops_at_the_first_error() {
        let (generated, _) = pair();
        // Fails inside the first entry ("Type"): nothing after it may be written.
        let mut writer = FailingWriter {
            limit: 3,
            refused: 0,
        };
        let error = serde_json::to_writer(&mut writer, &generated).unwrap_err();
        assert!(error.is_io(), "{error}");
        assert_eq!(writer.refused, 1);
        // Fails in the unknown properties, after every field.
        let full = serde_json::to_string(&generated).unwrap();
        let mut writer = FailingWriter {
            limit: full.find("\"Extra\"").unwrap(),
            refused: 0,
        };
        assert!(serde_json::to_writer(&mut writer, &generated).is_err());
        assert_eq!(writer.refused, 1);
    }
}
