//! The merged, versioned model: every definition, property and enum variant of every release, with
//! the releases that have it and the schema version that introduced it. Committed as
//! `schema-json/model.json` (see `schema-json/README.md` for the format) so that code generation
//! needs nothing but the repository.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::release_data::{Release, Removal, Rename};
use crate::spec::TypeExpr;
use crate::version::SchemaVersion;

/// The format version of `model.json`; bumped on incompatible changes.
pub const FORMAT: u32 = 1;

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

/// When an item exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Availability {
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
        if model.format != FORMAT {
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

    /// A release by id.
    pub fn release(&self, id: &str) -> Option<&Release> {
        self.releases.iter().find(|r| r.id == id)
    }

    /// The Windows release the reference names for a version.
    pub fn version_info(&self, version: SchemaVersion) -> Option<&VersionInfo> {
        self.versions.iter().find(|v| v.version == version)
    }
}
