//! Schema versions, Windows releases, and when each generated type, field and variant appeared.

use std::fmt;
use std::str::FromStr;

/// An HCS schema version such as `2.3`, ordered numerically.
///
/// The constants `SchemaVersion::V2_0` ... and the list [`SchemaVersion::KNOWN`] are generated from
/// the merged model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaVersion {
    /// Major version (2 for every published release).
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

impl SchemaVersion {
    /// Builds a version.
    pub const fn new(major: u16, minor: u16) -> Self {
        Self { major, minor }
    }

    /// The Windows release that, according to the published schema reference, introduced this
    /// version; `None` for versions the reference does not list.
    pub fn windows_release(self) -> Option<&'static VersionIntroduction> {
        crate::VERSION_MAP
            .iter()
            .find(|entry| entry.version == self)
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A string that is not a schema version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseVersionError(pub String);

impl fmt::Display for ParseVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a schema version like `2.3`", self.0)
    }
}

impl std::error::Error for ParseVersionError {}

impl FromStr for SchemaVersion {
    type Err = ParseVersionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ParseVersionError(text.to_owned());
        let (major, minor) = text.trim().split_once('.').ok_or_else(bad)?;
        let number = |part: &str| {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<u16>().map_err(|_| bad())
        };
        Ok(Self::new(number(major)?, number(minor)?))
    }
}

impl serde::Serialize for SchemaVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for SchemaVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A Windows SDK release whose HCS schema was published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Release {
    /// Short id (`1809`, `21H2`).
    pub id: &'static str,
    /// Display name (`Windows 10 SDK, version 1809`).
    pub name: &'static str,
    /// Windows build number.
    pub build: u32,
    /// The schema versions whose items this release's schema files first publish.
    pub schema_versions: &'static [SchemaVersion],
}

impl Release {
    /// A release by id (`"2004"`).
    pub fn by_id(id: &str) -> Option<&'static Release> {
        Release::ALL
            .iter()
            .find(|release| release.id.eq_ignore_ascii_case(id))
    }
}

/// A row of the published schema reference's "Schema Version Map".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VersionIntroduction {
    /// The schema version.
    pub version: SchemaVersion,
    /// The Windows release that introduced it, as the reference names it.
    pub windows: &'static str,
    /// Its build number.
    pub build: u32,
}

/// When a type, field or variant exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Availability {
    /// The schema version a document using it needs: the documented version, or where the
    /// reference is silent the first version of the first release that has it; where both exist
    /// and disagree, the later one.
    pub since: SchemaVersion,
    /// The version the published reference documents (`NewInVersion`), if any.
    pub documented: Option<SchemaVersion>,
    /// The first release whose schema files have it.
    pub first_release: &'static Release,
    /// The first release whose schema files no longer have it.
    pub removed_in: Option<&'static Release>,
}

impl Availability {
    /// True when a host speaking `version` knows this item (removals are not version-gated: a
    /// removed item is reported separately).
    pub fn is_available_in(&self, version: SchemaVersion) -> bool {
        self.since <= version
    }
}

/// One field of a generated struct.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    /// The Rust field name.
    pub rust_name: &'static str,
    /// The exact JSON property name.
    pub json_name: &'static str,
    /// When it exists.
    pub availability: Availability,
}

/// One variant of a generated enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VariantInfo {
    /// The Rust variant name.
    pub rust_name: &'static str,
    /// The exact JSON string.
    pub json_value: &'static str,
    /// When it exists.
    pub availability: Availability,
}

/// Implemented by every generated type: its schema name and version facts, readable at run time.
pub trait SchemaType: crate::Walk {
    /// The newest schema definition name (`VirtualMachine_Memory`).
    const SCHEMA_NAME: &'static str;
    /// Names older releases used for the same definition (`Memory_2`).
    const FORMER_NAMES: &'static [&'static str];
    /// When the type exists.
    const AVAILABILITY: Availability;
    /// The fields (structs) in schema order; empty for enums.
    const FIELDS: &'static [FieldInfo];
    /// The known variants (enums) in schema order; empty for structs.
    const VARIANTS: &'static [VariantInfo];
}
