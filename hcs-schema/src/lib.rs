//! Typed Rust for every published release of the Windows Host Compute System (HCS) JSON schema.
//!
//! One set of types covers all releases (Windows 10 SDK 1809 to Windows 11 SDK 21H2): every
//! definition of every published schema file is a type at the crate root, named after the newest
//! schema name (`VirtualMachine_Memory` is [`VirtualMachineMemory`]). Fields are `Option`s skipped
//! when `None`, so `false` and `0` are sent; enums keep values they do not know; every struct
//! keeps unknown properties in `unknown_properties` ([`UnknownProperties`], which dereferences to
//! a map, with no allocation and one pointer (8 bytes) when empty), so a document from a newer
//! Windows round-trips unchanged.
//!
//! Every type, field and variant knows the schema version that introduced it ([`SchemaType`],
//! [`FieldInfo`], [`VariantInfo`]); [`VersionCheck`] asks a document which version it needs and
//! what a host of an older version would reject.
//!
//! ```
//! use hcs_schema::{ComputeSystem, SchemaVersion, VersionCheck, VirtualMachine, VirtualMachineMemory};
//!
//! let doc = ComputeSystem {
//!     owner: Some("example".into()),
//!     schema_version: Some(hcs_schema::Version { major: Some(2), minor: Some(1), ..Default::default() }),
//!     virtual_machine: Some(VirtualMachine {
//!         compute_topology: Some(hcs_schema::Topology {
//!             memory: Some(VirtualMachineMemory { size_in_mb: Some(1024), ..Default::default() }),
//!             ..Default::default()
//!         }),
//!         ..Default::default()
//!     }),
//!     ..Default::default()
//! };
//! // `SizeInMB` is documented as new in schema 2.1.
//! assert_eq!(doc.min_schema_version(), SchemaVersion::V2_1);
//! let json = serde_json::to_string(&doc).unwrap();
//! assert!(json.contains(r#""SizeInMB":1024"#));
//! ```
//!
//! The code under `generated/` is produced by `cargo xtask codegen` from `schema-json/model.json`;
//! do not edit it by hand.

#![warn(missing_docs)]

mod check;
mod de;
mod fields;
mod formats;
// Formatted by prettyplease when generated (deterministic whatever the toolchain); rustfmt would
// wrap it differently, so `cargo fmt` leaves it alone.
#[rustfmt::skip]
mod generated;
pub mod json;
#[cfg(feature = "schemars")]
mod json_schema;
mod unknown;
mod unrecognized;
mod versions;
mod walk;

pub use check::{
    Finding, FindingKind, Policy, Severity, VersionCheck, check, check_availability, check_with,
    min_version,
};
pub use formats::{Base64Bytes, DateTime, FormatError, Guid, MacAddress};
pub use generated::*;
pub use unknown::UnknownProperties;
pub use unrecognized::UnrecognizedValue;
pub use versions::{
    Availability, Evidence, EvidenceKind, FieldInfo, Observed, ObservedSource, ParseVersionError,
    Published, Release, SchemaType, SchemaVersion, VariantInfo, VersionIntroduction,
};
pub use walk::{Walk, Walker, walk_field};

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;

/// The `pattern` the schema gives GUID strings.
pub const GUID_PATTERN: &str = "^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$";
