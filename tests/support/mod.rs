//! Helpers shared by the proof tests (`samples`, `golden`, `conformance`, `properties`): every
//! generated type, reachable by its schema name, behind one set of function pointers.

#![allow(dead_code)]

use std::collections::BTreeMap;

use hcs_schema::{Finding, SchemaType, SchemaVersion, VersionCheck};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What parsing a document as one generated type gives.
#[derive(Debug)]
pub struct Parsed {
    /// The typed value serialized back, as a JSON value.
    pub value: Value,
    /// The typed value serialized back, as compact text.
    pub text: String,
    /// What the default check finds for a host of the newest published version
    /// (`SchemaVersion::LATEST`): errors and warnings.
    pub findings: Vec<Finding>,
}

/// A deserialization error with the JSON path where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    /// The path as `serde_path_to_error` writes it (`VirtualMachine.Devices.NetworkAdapters.Adapter0`).
    pub path: String,
    /// serde's message.
    pub message: String,
}

impl std::fmt::Display for PathError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// One generated type behind function pointers.
#[derive(Clone, Copy)]
pub struct Entry {
    /// The newest schema name.
    pub name: &'static str,
    /// Older names of the same definition.
    pub former_names: &'static [&'static str],
    /// Whether it is a struct (else a string enum).
    pub is_struct: bool,
    /// When the type exists, and how that is known.
    pub availability: hcs_schema::Availability,
    /// The JSON names of its fields.
    pub fields: &'static [hcs_schema::FieldInfo],
    /// Its known enum values.
    pub variants: &'static [hcs_schema::VariantInfo],
    /// Parses JSON text into the type and serializes it back.
    pub parse_text: fn(&str) -> Result<Parsed, PathError>,
    /// Parses a JSON value into the type and serializes it back.
    pub parse_value: fn(Value) -> Result<Value, String>,
    /// Parses raw bytes (possibly not UTF-8, possibly not JSON); only says whether it parsed.
    pub parse_bytes: fn(&[u8]) -> bool,
}

fn parse_text<T>(text: &str) -> Result<Parsed, PathError>
where
    T: DeserializeOwned + Serialize + VersionCheck,
{
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| PathError {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })
        .and_then(|typed: T| {
            deserializer.end().map_err(|e| PathError {
                path: ".".into(),
                message: e.to_string(),
            })?;
            Ok(typed)
        });
    // The fast path (`hcs_schema::json`, what the runtime uses) accepts exactly what serde_json
    // accepts, and writes the same bytes.
    let fast = hcs_schema::json::from_str::<T>(text);
    let typed = match (parsed, fast) {
        (Ok(typed), Ok(fast)) => {
            assert_eq!(
                hcs_schema::json::to_string(&fast).expect("a typed value serializes"),
                serde_json::to_string(&typed).expect("a typed value serializes"),
                "hcs_schema::json reads another document than serde_json from {text}"
            );
            typed
        }
        (Err(error), Err(_)) => return Err(error),
        (Ok(_), Err(fast)) => {
            panic!("hcs_schema::json rejects what serde_json reads: {fast}: {text}")
        }
        (Err(error), Ok(_)) => {
            panic!("hcs_schema::json reads what serde_json rejects ({error}): {text}")
        }
    };
    let value = serde_json::to_value(&typed).expect("a typed value serializes");
    let text = serde_json::to_string(&typed).expect("a typed value serializes");
    assert_eq!(
        hcs_schema::json::to_string(&typed).expect("a typed value serializes"),
        text,
        "hcs_schema::json::to_string differs from serde_json::to_string"
    );
    let findings = typed.check_schema_version(SchemaVersion::LATEST);
    Ok(Parsed {
        value,
        text,
        findings,
    })
}

fn parse_value<T>(value: Value) -> Result<Value, String>
where
    T: DeserializeOwned + Serialize,
{
    let typed: T = serde_json::from_value(value).map_err(|e| e.to_string())?;
    assert_eq!(
        hcs_schema::json::to_vec(&typed).expect("a typed value serializes"),
        serde_json::to_vec(&typed).expect("a typed value serializes"),
        "hcs_schema::json::to_vec differs from serde_json::to_vec"
    );
    Ok(serde_json::to_value(&typed).expect("a typed value serializes"))
}

fn parse_bytes<T: DeserializeOwned>(bytes: &[u8]) -> bool {
    let accepted = serde_json::from_slice::<T>(bytes).is_ok();
    assert_eq!(
        hcs_schema::json::from_slice::<T>(bytes).is_ok(),
        accepted,
        "hcs_schema::json and serde_json disagree on {bytes:?}"
    );
    accepted
}

/// Every generated type, by newest schema name.
pub fn registry() -> BTreeMap<&'static str, Entry> {
    macro_rules! entries {
        ($($ty:ident),* $(,)?) => {{
            #[allow(deprecated)]
            let entries = vec![$(Entry {
                name: <hcs_schema::$ty as SchemaType>::SCHEMA_NAME,
                former_names: <hcs_schema::$ty as SchemaType>::FORMER_NAMES,
                is_struct: <hcs_schema::$ty as SchemaType>::VARIANTS.is_empty()
                    && is_struct::<hcs_schema::$ty>(),
                availability: <hcs_schema::$ty as SchemaType>::AVAILABILITY,
                fields: <hcs_schema::$ty as SchemaType>::FIELDS,
                variants: <hcs_schema::$ty as SchemaType>::VARIANTS,
                parse_text: parse_text::<hcs_schema::$ty>,
                parse_value: parse_value::<hcs_schema::$ty>,
                parse_bytes: parse_bytes::<hcs_schema::$ty>,
            }),*];
            entries
        }};
    }
    hcs_schema::for_each_schema_type!(entries)
        .into_iter()
        .map(|entry| (entry.name, entry))
        .collect()
}

/// A struct deserializes from `{}`; a string enum does not.
fn is_struct<T: DeserializeOwned>() -> bool {
    serde_json::from_str::<T>("{}").is_ok()
}

/// The entry for a schema name, old or new.
pub fn lookup<'a>(registry: &'a BTreeMap<&'static str, Entry>, name: &str) -> Option<&'a Entry> {
    registry.get(name).or_else(|| {
        registry
            .values()
            .find(|entry| entry.former_names.contains(&name))
    })
}

/// The golden documents of `tests/observed.rs` (hcsshim-shaped documents with observed items).
pub const OBSERVED_GOLDEN: &[&str] = &[
    "combined-layers-filter-type.json",
    "confidential-lcow-vm.json",
    "hostprocess-container.json",
    "live-migration-start-options.json",
    "plan9-share-flags.json",
    "vnuma-vm.json",
    "wcow-uvm-debug-options.json",
];

/// `tests/golden/`.
pub fn golden_dir() -> std::path::PathBuf {
    hcs_workspace_tests::root().join("tests").join("golden")
}

/// True when the golden files are being rewritten (`UPDATE_GOLDEN=1`).
pub fn updating_golden() -> bool {
    std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1")
}

/// Compares `value` with `tests/golden/<name>` byte for byte (or rewrites the file when
/// `UPDATE_GOLDEN=1`), then reads the file back into `T`, compares with `value`, checks that it
/// serializes back to the same bytes, and returns what was read.
pub fn golden_file<T>(name: &str, value: &T) -> T
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let mut expected = serde_json::to_string_pretty(value).expect("serializes");
    expected.push('\n');
    let path = golden_dir().join(name);
    if updating_golden() {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); run `UPDATE_GOLDEN=1 cargo test -p hcs-workspace-tests --test golden --test observed`",
            path.display()
        )
    });
    assert!(
        committed == expected,
        "{name} differs from what the typed value serializes to; if intended, regenerate with \
         `UPDATE_GOLDEN=1 cargo test -p hcs-workspace-tests --test golden --test observed`\n--- committed\n{committed}\n--- serialized\n{expected}"
    );
    // The fast path writes the compact text byte for byte as serde_json does, and reads it back.
    let compact = serde_json::to_string(value).unwrap();
    assert_eq!(
        hcs_schema::json::to_string(value).unwrap(),
        compact,
        "{name}"
    );
    let fast: T = hcs_schema::json::from_str(&committed).expect("the golden file deserializes");
    assert_eq!(
        &fast, value,
        "{name} reads back to a different value through hcs_schema::json"
    );
    let back: T = serde_json::from_str(&committed).expect("the golden file deserializes");
    assert_eq!(&back, value, "{name} reads back to a different value");
    let mut again = serde_json::to_string_pretty(&back).unwrap();
    again.push('\n');
    assert_eq!(
        again, committed,
        "{name} does not serialize back byte for byte"
    );
    back
}
