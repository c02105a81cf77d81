//! The merged, versioned model: every definition, property and enum variant of every release, with
//! the releases that have it and the schema version that introduced it. Committed as
//! `schema-json/model.json` (see `schema-json/README.md` for the format) so that code generation
//! needs nothing but the repository.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::observed_data::ObservedData;
use crate::release_data::{Release, Removal, Rename};
use crate::spec::TypeExpr;
use crate::version::SchemaVersion;

/// The format version of `model.json`; bumped on incompatible changes.
///
/// 2 added observed sources (`observed`, observed availabilities, `observed_types`). A format 1
/// model (before them) is still read, as a model with no observed sources, so an import can
/// say what changed since.
pub const FORMAT: u32 = 2;

/// The whole merged model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// [`FORMAT`].
    pub format: u32,
    /// The releases, oldest first, as `releases.json` gives them.
    pub releases: Vec<Release>,
    /// Each schema version with the Windows release the reference says introduced it.
    pub versions: Vec<VersionInfo>,
    /// The renames applied.
    pub renames: Vec<Rename>,
    /// The removals recorded.
    pub removals: Vec<Removal>,
    /// The observed sources, with their aliases, additions, exclusions and evidence, as
    /// `observed.json` and `evidence.json` give them.
    #[serde(default, skip_serializing_if = "ObservedData::is_empty")]
    pub observed: ObservedData,
    /// Every definition, sorted by name.
    pub definitions: Vec<Definition>,
    /// Items the reference documents that no schema file has.
    pub documented_only: Vec<DocumentedOnly>,
}

/// A schema version and where the reference says it first shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionInfo {
    /// The version.
    pub version: SchemaVersion,
    /// The Windows release, as the reference names it.
    pub windows: String,
    /// Its build number.
    pub build: u32,
}

/// When an item exists, and how that is known: from the published schema files, or only from
/// observed sources (evidence, not publication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Availability {
    /// In at least one published schema file.
    Published(PublishedAvailability),
    /// In no published schema file; in observed sources.
    Observed(ObservedAvailability),
}

/// An item of the published schema files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedAvailability {
    /// The version a document using this item needs: the documented version, or where the
    /// reference is silent the first release's first version; where they disagree, the later.
    pub since: SchemaVersion,
    /// `NewInVersion` from the reference, when documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documented: Option<SchemaVersion>,
    /// The first release whose files have it.
    pub first_release: String,
    /// The releases whose files have it.
    pub releases: Vec<String>,
    /// The first release without it, if a release removed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_in: Option<String>,
    /// The observed sources that have it too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_in: Vec<String>,
}

/// An item that only observed sources have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedAvailability {
    /// The sources that have it, in precedence order.
    pub observed_in: Vec<String>,
    /// The ids of the facts (`evidence.json`) about its version or build, in file order; empty
    /// when its version is unknown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Availability {
    /// The published facts, if any published file has the item.
    pub fn published(&self) -> Option<&PublishedAvailability> {
        match self {
            Availability::Published(published) => Some(published),
            Availability::Observed(_) => None,
        }
    }

    /// The published facts, mutably.
    pub fn published_mut(&mut self) -> Option<&mut PublishedAvailability> {
        match self {
            Availability::Published(published) => Some(published),
            Availability::Observed(_) => None,
        }
    }

    /// The releases whose files have it (none for an observed item).
    pub fn releases(&self) -> &[String] {
        self.published().map_or(&[], |p| p.releases.as_slice())
    }

    /// The published `since` (none for an observed item).
    pub fn since(&self) -> Option<SchemaVersion> {
        self.published().map(|p| p.since)
    }

    /// The first release without it, if a release removed it.
    pub fn removed_in(&self) -> Option<&str> {
        self.published().and_then(|p| p.removed_in.as_deref())
    }

    /// The observed sources that have it.
    pub fn observed_in(&self) -> &[String] {
        match self {
            Availability::Published(published) => &published.observed_in,
            Availability::Observed(observed) => &observed.observed_in,
        }
    }
}

/// A definition. (No `deny_unknown_fields` here: serde cannot combine it with the flattened
/// `kind`; the members themselves deny unknown fields.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// The newest name.
    pub name: String,
    /// Older names with the releases that used them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<FormerName>,
    /// The newest description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it exists.
    pub availability: Availability,
    /// Struct or enum, with members.
    #[serde(flatten)]
    pub kind: DefinitionKind,
}

/// A name a definition had in some releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerName {
    /// The old name.
    pub name: String,
    /// Releases whose files use it.
    pub releases: Vec<String>,
}

/// What a definition is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DefinitionKind {
    /// An object with properties.
    Struct {
        /// Properties in schema order.
        properties: Vec<Property>,
    },
    /// A string enum.
    Enum {
        /// Variants in schema order.
        variants: Vec<Variant>,
    },
}

/// A struct property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// The JSON name.
    pub name: String,
    /// The type (the newest release's; see `type_history`).
    #[serde(rename = "type", with = "type_text")]
    pub ty: TypeExpr,
    /// The newest description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it exists.
    pub availability: Availability,
    /// When the type changed between releases: each type with the releases that used it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_history: Vec<TypeInReleases>,
    /// Where observed sources give another type than `type`: each such type with the sources
    /// (the disagreements the import reports, kept here; `type` won by the merge rules).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_types: Vec<ObservedType>,
}

/// A type observed sources give a property, other than the one the model chose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedType {
    /// The type.
    #[serde(rename = "type", with = "type_text")]
    pub ty: TypeExpr,
    /// The Go type the source writes (`x-go-type`), when it wrote one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go_type: Option<String>,
    /// The sources.
    pub sources: Vec<String>,
}

/// A type a property had in some releases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeInReleases {
    /// The type.
    #[serde(rename = "type", with = "type_text")]
    pub ty: TypeExpr,
    /// The releases.
    pub releases: Vec<String>,
}

/// An enum variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The exact JSON string.
    pub value: String,
    /// The name the reference gives the value where it differs (the reference writes the value
    /// `""` as `"Unspecified"` in `CacheMode` and `"Unknown"` in `OsType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documented_as: Option<String>,
    /// The description (from the reference: the files describe no variants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it exists.
    pub availability: Availability,
}

/// A reference entry that matches nothing in any schema file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentedOnly {
    /// `Type.Field` or `Type="Value"`.
    pub item: String,
    /// The documented version.
    pub documented: SchemaVersion,
}

mod type_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::spec::TypeExpr;

    pub fn serialize<S: Serializer>(ty: &TypeExpr, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(ty)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<TypeExpr, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Model {
    /// Reads a committed model.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::with_source(path, "", "cannot read the model", e))?;
        Self::from_json(path, &text)
    }

    /// Parses model text; `path` only names the input in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<Self> {
        let model: Model = serde_json::from_str(text).map_err(|e| {
            Error::with_source(
                path,
                format!("line {}, column {}", e.line(), e.column()),
                "invalid model",
                e,
            )
        })?;
        if model.format != FORMAT && model.format != 1 {
            return Err(Error::new(
                path,
                "/format",
                format!(
                    "model format {} is not the supported format {FORMAT}",
                    model.format
                ),
            ));
        }
        Ok(model)
    }

    /// The model as the deterministic JSON text that is committed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("the model always serializes");
        text.push('\n');
        text
    }

    /// A definition by its newest name.
    pub fn definition(&self, name: &str) -> Option<&Definition> {
        self.definitions
            .binary_search_by(|d| d.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.definitions[index])
    }

    /// An observed source by id.
    pub fn observed_source(&self, id: &str) -> Option<&crate::observed_data::ObservedSource> {
        self.observed.sources.iter().find(|s| s.id == id)
    }

    /// A fact of `evidence.json` by id.
    pub fn evidence(&self, id: &str) -> Option<&crate::observed_data::Evidence> {
        self.observed.evidence.iter().find(|e| e.id == id)
    }

    /// A release by id.
    pub fn release(&self, id: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.id == id)
    }

    /// The Windows release the reference names for a version.
    pub fn version_info(&self, version: SchemaVersion) -> Option<&VersionInfo> {
        self.versions.iter().find(|v| v.version == version)
    }
}
