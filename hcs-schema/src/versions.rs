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

/// When a type, field or variant exists, and how that is known.
///
/// Published facts are Microsoft's (the schema files and the schema reference). Observed facts
/// are evidence of what Windows accepts beyond them, from an [`ObservedSource`]: never
/// publication, and never allowed to change a published item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Availability {
    /// In at least one published schema file.
    Published(Published),
    /// In no published schema file; in observed sources.
    Observed(Observed),
}

/// The facts of an item of the published schema files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Published {
    /// The schema version a document using it needs: the documented version, or where the
    /// reference is silent the first version of the first release that has it; where both exist
    /// and disagree, the later one.
    pub since: SchemaVersion,
    /// The version the published reference documents (`NewInVersion`), if any.
    pub documented: Option<SchemaVersion>,
    /// The first release whose schema files have it.
    pub first_release: &'static Release,
    /// The first release whose schema files no longer have it. The published files are trimmed,
    /// so this says they dropped it, not that Windows rejects it.
    pub removed_in: Option<&'static Release>,
    /// For an item a release removed: the observed sources that still have it (empty otherwise).
    pub still_observed_in: &'static [&'static ObservedSource],
}

/// The facts of an item only observed sources have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Observed {
    /// The sources that have it, in order of precedence.
    pub sources: &'static [&'static ObservedSource],
    /// What they say about its schema version or Windows build; empty when it is unknown.
    pub evidence: &'static [&'static Evidence],
}

/// A source of evidence beyond the published schema: a description of the HCS documents a
/// client of HCS sends, derived from its code (`ObservedSource::ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObservedSource {
    /// Short id (`hcsshim-7c9ff7f`).
    pub id: &'static str,
    /// Display name (`hcsshim 7c9ff7f (main, 2026-08-20)`).
    pub name: &'static str,
    /// Where it comes from.
    pub description: &'static str,
}

impl ObservedSource {
    /// A source by id.
    pub fn by_id(id: &str) -> Option<&'static ObservedSource> {
        ObservedSource::ALL.iter().find(|source| source.id == id)
    }
}

/// What a fact of [`Evidence`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EvidenceKind {
    /// The version or build introduced the item: older ones reject it.
    Introduced,
    /// The version or build is known to accept the item; whether older ones do is unknown.
    Accepted,
}

/// A fact an observed source states about the schema version or Windows build of some items,
/// with where it states it (`Evidence::ALL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Evidence {
    /// Short id (`filter-type-2.9`).
    pub id: &'static str,
    /// The source that states it.
    pub source: &'static ObservedSource,
    /// Introduced or accepted.
    pub kind: EvidenceKind,
    /// The schema version it names, if any.
    pub version: Option<SchemaVersion>,
    /// The Windows build it names, if any.
    pub build: Option<u32>,
    /// Where the source states it (`internal/uvm/combine_layers.go:38-41`).
    pub locations: &'static [&'static str],
    /// What it says.
    pub says: &'static str,
}

impl fmt::Display for Evidence {
    /// `hcsshim 7c9ff7f (main, 2026-08-20), internal/uvm/combine_layers.go:38-41`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}", self.source.name, self.locations.join(", "))
    }
}

impl Availability {
    /// The published facts, if a published schema file has the item.
    pub fn published(&self) -> Option<&Published> {
        match self {
            Availability::Published(published) => Some(published),
            Availability::Observed(_) => None,
        }
    }

    /// The observed facts, if only observed sources have the item.
    pub fn observed(&self) -> Option<&Observed> {
        match self {
            Availability::Published(_) => None,
            Availability::Observed(observed) => Some(observed),
        }
    }

    /// True for an item of the published schema files.
    pub fn is_published(&self) -> bool {
        self.published().is_some()
    }

    /// The schema version known to have introduced it: the published `since`, or the newest
    /// version an observed source says introduced it. `None` when no source says (the item may
    /// still be known to work from some version on: see [`Observed::evidence`]).
    pub fn since(&self) -> Option<SchemaVersion> {
        match self {
            Availability::Published(published) => Some(published.since),
            Availability::Observed(observed) => observed
                .evidence
                .iter()
                .filter(|fact| fact.kind == EvidenceKind::Introduced)
                .filter_map(|fact| fact.version)
                .max(),
        }
    }

    /// The first release whose published schema files no longer have it.
    pub fn removed_in(&self) -> Option<&'static Release> {
        self.published().and_then(|published| published.removed_in)
    }

    /// True when a host speaking `version` is known to accept this item: a published item
    /// since `version` or before (removals aside: a removed item is reported separately), or an
    /// observed one that a fact places at `version` or before. False for an observed item whose
    /// version is unknown.
    pub fn is_available_in(&self, version: SchemaVersion) -> bool {
        match self {
            Availability::Published(published) => published.since <= version,
            Availability::Observed(observed) => {
                let introduced = self.since();
                introduced.is_none_or(|since| since <= version)
                    && observed
                        .evidence
                        .iter()
                        .any(|fact| fact.version.is_some_and(|v| v <= version))
            }
        }
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
    const FORMER_NAMES: &'static [&'static str] = &[];
    /// When the type exists.
    const AVAILABILITY: Availability;
    /// The fields (structs) in schema order; empty for enums.
    const FIELDS: &'static [FieldInfo] = &[];
    /// The known variants (enums) in schema order; empty for structs.
    const VARIANTS: &'static [VariantInfo] = &[];
}
