//! The project's data about observed sources, in `schema-json/`: which derived files describe what
//! Windows accepts beyond the published schema (`observed.json`: sources, aliases, additions,
//! exclusions) and what those sources say about versions and builds (`evidence.json`). Explicit
//! data with a source for every fact, so nothing is guessed silently.

use std::path::Path;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};
use crate::version::SchemaVersion;

/// One observed source: a file in the published files' dialect, derived from a client of HCS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedSource {
    /// Short id (`hcsshim-7c9ff7f`).
    pub id: String,
    /// Display name (`hcsshim 7c9ff7f (main, 2026-08-20)`).
    pub name: String,
    /// Where it comes from and why it ranks where it does.
    pub description: String,
    /// Its file, relative to the import folder.
    pub file: String,
    /// The SHA-256 of the file, when pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// A source's own name for a published definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// The source that uses the name.
    pub source: String,
    /// The source's name.
    pub name: String,
    /// The definition it is.
    pub same_as: String,
    /// Why they are one.
    pub why: String,
}

/// A property a source declares outside its derived file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Addition {
    /// The source.
    pub source: String,
    /// `Type.Property`.
    pub item: String,
    /// Its type, in the model's text form.
    #[serde(rename = "type")]
    pub ty: String,
    /// Where the source declares it.
    #[serde(rename = "where")]
    pub location: String,
    /// Why the derived file lacks it.
    pub why: String,
}

/// Something an observed source has that is not HCS schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusion {
    /// `Type` or `Type.Property`.
    pub item: String,
    /// What it is instead.
    pub why: String,
}

/// What a fact says about its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceKind {
    /// The version or build introduced the item: older ones reject it.
    Introduced,
    /// The version or build is known to accept the item; older ones are unknown.
    Accepted,
}

/// A fact an observed source states about the version or build of some of its items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Short id (`filter-type-2.9`).
    pub id: String,
    /// The source that states it.
    pub source: String,
    /// Introduced or accepted.
    pub kind: EvidenceKind,
    /// The schema version, if the fact names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<SchemaVersion>,
    /// The Windows build, if the fact names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<u32>,
    /// `Type`, `Type.Property`, `Type="Value"`, or `*` (every item of the source).
    pub items: Vec<String>,
    /// With `*`: the items it does not cover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
    /// Where the source states it (`path:line`).
    #[serde(rename = "where")]
    pub locations: Vec<String>,
    /// What it says.
    pub says: String,
}

/// Everything `observed.json` and `evidence.json` hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObservedData {
    /// Sources, in order of precedence for types.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ObservedSource>,
    /// Source names of published definitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
    /// Properties declared outside the derived files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additions: Vec<Addition>,
    /// What is not HCS schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclusions: Vec<Exclusion>,
    /// Version and build facts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ObservedFile {
    #[allow(dead_code)]
    about: String,
    sources: Vec<ObservedSource>,
    #[serde(default)]
    aliases: Vec<Alias>,
    #[serde(default)]
    additions: Vec<Addition>,
    #[serde(default)]
    exclusions: Vec<Exclusion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceFile {
    #[allow(dead_code)]
    about: String,
    evidence: Vec<Evidence>,
}

/// The observed data's file names in `schema-json/`.
pub const OBSERVED_FILE: &str = "observed.json";
/// See [`OBSERVED_FILE`].
pub const EVIDENCE_FILE: &str = "evidence.json";

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::with_source(path, "", "cannot read", e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::with_source(
            path,
            format!("line {}, column {}", e.line(), e.column()),
            "invalid observed-source data",
            e,
        )
    })
}

impl ObservedData {
    /// Reads `observed.json` and `evidence.json` from the `schema-json` folder; a folder without
    /// `observed.json` has no observed sources.
    pub fn load(dir: &Path) -> Result<Self> {
        let observed_path = dir.join(OBSERVED_FILE);
        if !observed_path.exists() {
            return Ok(Self::default());
        }
        let observed: ObservedFile = read_json(&observed_path)?;
        let evidence: EvidenceFile = read_json(&dir.join(EVIDENCE_FILE))?;
        let data = Self {
            sources: observed.sources,
            aliases: observed.aliases,
            additions: observed.additions,
            exclusions: observed.exclusions,
            evidence: evidence.evidence,
        };
        data.check(dir)?;
        Ok(data)
    }

    /// True when there are no observed sources.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// The position of a source in the precedence order.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.sources.iter().position(|s| s.id == id)
    }

    /// Consistency the merge relies on: unique ids, known sources, facts with a version or a
    /// build and a place in the source.
    pub fn check(&self, dir: &Path) -> Result<()> {
        let observed = dir.join(OBSERVED_FILE);
        let evidence = dir.join(EVIDENCE_FILE);
        for (index, source) in self.sources.iter().enumerate() {
            let at = format!("/sources/{index}");
            if self.sources[..index].iter().any(|s| s.id == source.id) {
                return Err(Error::new(
                    &observed,
                    at,
                    format!("source `{}` is listed twice", source.id),
                ));
            }
            if !is_id(&source.id) {
                return Err(Error::new(
                    &observed,
                    at,
                    format!(
                        "source id `{}` must be lower-case letters, digits and `-`",
                        source.id
                    ),
                ));
            }
        }
        let known = |id: &str| self.index_of(id).is_some();
        let unknown_source = |file: &Path, at: String, id: &str| {
            Error::new(file, at, format!("unknown observed source `{id}`"))
        };
        for (index, alias) in self.aliases.iter().enumerate() {
            if !known(&alias.source) {
                return Err(unknown_source(
                    &observed,
                    format!("/aliases/{index}/source"),
                    &alias.source,
                ));
            }
        }
        for (index, addition) in self.additions.iter().enumerate() {
            if !known(&addition.source) {
                return Err(unknown_source(
                    &observed,
                    format!("/additions/{index}/source"),
                    &addition.source,
                ));
            }
            if addition.item.split_once('.').is_none() {
                return Err(Error::new(
                    &observed,
                    format!("/additions/{index}/item"),
                    "an addition is a property: `Type.Property`",
                ));
            }
        }
        for (index, fact) in self.evidence.iter().enumerate() {
            let at = format!("/evidence/{index}");
            if self.evidence[..index].iter().any(|e| e.id == fact.id) {
                return Err(Error::new(
                    &evidence,
                    at,
                    format!("evidence `{}` is listed twice", fact.id),
                ));
            }
            if !is_id(&fact.id.replace('.', "-")) {
                return Err(Error::new(
                    &evidence,
                    at,
                    format!(
                        "evidence id `{}` must be lower-case letters, digits, `.` and `-`",
                        fact.id
                    ),
                ));
            }
            if !known(&fact.source) {
                return Err(unknown_source(
                    &evidence,
                    format!("{at}/source"),
                    &fact.source,
                ));
            }
            if fact.version.is_none() && fact.build.is_none() {
                return Err(Error::new(
                    &evidence,
                    at,
                    "a fact needs a `version` or a `build`",
                ));
            }
            if fact.locations.is_empty() || fact.items.is_empty() {
                return Err(Error::new(
                    &evidence,
                    at,
                    "a fact needs `items` and the place (`where`) the source states it",
                ));
            }
            let all = fact.items.iter().any(|i| i == "*");
            if all && fact.items.len() > 1 {
                return Err(Error::new(
                    &evidence,
                    format!("{at}/items"),
                    "`*` stands alone",
                ));
            }
            if !all && !fact.except.is_empty() {
                return Err(Error::new(
                    &evidence,
                    format!("{at}/except"),
                    "`except` only goes with `*`",
                ));
            }
        }
        Ok(())
    }
}

/// Lower-case ASCII letters, digits and `-`, starting with a letter.
fn is_id(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
