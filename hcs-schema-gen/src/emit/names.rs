//! Rust names for schema names. Projection policy lives here and nowhere else.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Names the hand-written part of `hcs-schema` defines or exports at the crate root; a
/// definition whose Rust name is one of these would collide. (The workspace test
/// `tests/generated_names.rs` checks this list against `hcs-schema/src/lib.rs`.)
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Availability",
    "Base64Bytes",
    "DateTime",
    "Evidence",
    "EvidenceKind",
    "FieldInfo",
    "Finding",
    "FindingKind",
    "FormatError",
    "Guid",
    "MacAddress",
    "Observed",
    "ObservedSource",
    "ParseVersionError",
    "Policy",
    "Published",
    "Release",
    "SchemaType",
    "SchemaVersion",
    "Severity",
    "UnknownProperties",
    "UnrecognizedValue",
    "VariantInfo",
    "VersionCheck",
    "VersionIntroduction",
    "Walk",
    "Walker",
    // Private, doctests only.
    "ReadmeExample",
];

/// Names the generated files import from serde, std and the crate's private modules (the
/// workspace test `tests/generated_names.rs` checks the generated code imports nothing else).
pub const GENERATED_IMPORTS: &[&str] = &[
    "BTreeMap",
    "Deserialize",
    "Deserializer",
    "FieldVisitor",
    "FromStr",
    "Hash",
    "Hasher",
    "MapAccess",
    "Serialize",
    "SerializeMap",
    "Serializer",
    "StructFields",
];

/// The upper-case names of the Rust 2024 prelude (types, traits, variants, derive macros): a type
/// named like one would shadow it in every file that imports the type, and in a user's
/// `use hcs_schema::*` (a glob import wins over the prelude), so `Option<String>` would change
/// meaning.
pub const PRELUDE_NAMES: &[&str] = &[
    "AsMut",
    "AsRef",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Future",
    "Hash",
    "Into",
    "IntoFuture",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// Whose name `type_name` is, when a generated type may not take it.
pub fn reserved_type_name(type_name: &str) -> Option<&'static str> {
    if PRELUDE_NAMES.contains(&type_name) {
        Some("a Rust prelude item")
    } else if GENERATED_IMPORTS.contains(&type_name) {
        Some("an item the generated code imports")
    } else if RESERVED_TYPE_NAMES.contains(&type_name) {
        Some("an item of hcs-schema's hand-written core")
    } else {
        None
    }
}

/// The modules next to the generated types in `generated/` (files `json_names.rs`, `mod.rs`,
/// `releases.rs`, `since.rs`).
pub const SUPPORT_MODULES: &[&str] = &["json_names", "mod", "releases", "since"];

/// The crates the generated code names by path; a module of the same name in `generated/` would
/// make those paths ambiguous there.
pub const CRATES_USED: &[&str] = &[
    "alloc",
    "base64",
    "core",
    "schemars",
    "serde",
    "serde_json",
    "std",
    "uuid",
];

/// What `module` already is, when a generated module may not take it.
pub fn reserved_module_name(module: &str) -> Option<&'static str> {
    if SUPPORT_MODULES.contains(&module) {
        Some("the generated support module")
    } else if CRATES_USED.contains(&module) {
        Some("the crate")
    } else {
        None
    }
}

/// The field that keeps unknown properties in every struct.
pub const UNKNOWN_PROPERTIES_FIELD: &str = "unknown_properties";

/// The variant that keeps unknown values in every enum.
pub const UNRECOGNIZED_VARIANT: &str = "Unrecognized";

/// `VirtualMachine_Memory` -> `VirtualMachineMemory`: each `_`-separated part with its first
/// letter upper-cased, joined. The schema's own capitalisation is kept (`HvSocket`, `IovSettings`).
pub fn type_name(schema_name: &str) -> String {
    schema_name
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Words the schema writes with a lower-case letter inside an acronym. Word splitting would cut
/// them apart (`StorageQoS` -> `storage_qo_s`), so they are read as one word.
const ONE_WORD: &[(&str, &str)] = &[
    ("QoS", "Qos"),
    ("MHz", "Mhz"),
    ("PMem", "Pmem"),
    ("DWord", "Dword"),
    ("QWord", "Qword"),
];

fn snake_case(name: &str) -> String {
    let mut name = name.to_owned();
    for (word, as_one) in ONE_WORD {
        name = name.replace(word, as_one);
    }
    name.to_snake_case()
}

/// Whether `name` can be a generated type: an ASCII letter, then letters and digits, not a keyword.
pub fn is_type_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && !is_keyword(name)
}

/// The module (and file) name of a generated type: `VirtualMachineMemory` -> `virtual_machine_memory`.
pub fn module_name(type_name: &str) -> String {
    let name = snake_case(type_name);
    if is_keyword(&name) {
        format!("{name}_")
    } else {
        name
    }
}

/// `SizeInMB` -> `size_in_mb`, `Type` -> `r#type`, `access_mask` -> `access_mask`.
pub fn field_name(json_name: &str) -> String {
    let name = snake_case(json_name);
    let name = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    };
    match name.as_str() {
        // These cannot be raw identifiers.
        "self" | "super" | "crate" | "Self" => format!("{name}_"),
        _ if is_keyword(&name) => format!("r#{name}"),
        _ => name,
    }
}

/// `ReadOnlyCached` -> `ReadOnlyCached`, `hard` -> `Hard`, `Sse4_1` -> `Sse41`, `LRPC` -> `Lrpc`.
/// The empty value takes the name the reference gives it (`documented_as`).
pub fn variant_name(value: &str, documented_as: Option<&str>) -> Option<String> {
    let source = if value.is_empty() {
        documented_as?
    } else {
        value
    };
    let name = source.to_upper_camel_case();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some(name)
}

/// Whether `name` is a Rust keyword (2024 edition, strict and reserved).
pub fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "gen"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_join_parts() {
        assert_eq!(type_name("VirtualMachine_Memory"), "VirtualMachineMemory");
        assert_eq!(type_name("Device_2"), "Device2");
        assert_eq!(
            type_name("ContainersDef_BatchedBinding"),
            "ContainersDefBatchedBinding"
        );
        assert_eq!(type_name("HvSocket"), "HvSocket");
    }

    #[test]
    fn field_names_are_snake_case_and_escaped() {
        assert_eq!(field_name("SizeInMB"), "size_in_mb");
        assert_eq!(field_name("Type"), "r#type");
        assert_eq!(field_name("access_mask"), "access_mask");
        assert_eq!(field_name("DNSSearchList"), "dns_search_list");
        assert_eq!(field_name("Self"), "self_");
        assert_eq!(field_name("StorageQoS"), "storage_qos");
        assert_eq!(field_name("MaximumFrequencyMHz"), "maximum_frequency_mhz");
        assert_eq!(field_name("VirtualPMem"), "virtual_pmem");
        assert_eq!(field_name("DWordValue"), "dword_value");
    }

    #[test]
    fn variant_names_are_camel_case() {
        assert_eq!(variant_name("hard", None).as_deref(), Some("Hard"));
        assert_eq!(variant_name("Sse4_1", None).as_deref(), Some("Sse41"));
        assert_eq!(
            variant_name("AVX512_Ifma", None).as_deref(),
            Some("Avx512Ifma")
        );
        assert_eq!(
            variant_name("", Some("Unspecified")).as_deref(),
            Some("Unspecified")
        );
        assert_eq!(variant_name("", None), None);
    }
}
