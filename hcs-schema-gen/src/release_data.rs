//! The project's own release data in `schema-json/`: which published files make each release, and
//! the renames and removals between releases. Explicit data, so nothing is guessed silently.

use std::path::Path;

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};
use crate::version::SchemaVersion;

/// One Windows SDK release whose schema was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Release {
    /// Short id (`1809`, `20H2`).
    pub id: String,
    /// Display name (`Windows 10 SDK, version 1809`).
    pub name: String,
    /// Windows build number (`17763`).
    pub build: u32,
    /// The schema versions whose items this release's files first publish, oldest first.
    pub schema_versions: Vec<SchemaVersion>,
    /// Its schema files, relative to the import folder.
    pub files: Vec<String>,
}

/// A definition renamed in `release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    /// The old name.
    pub from: String,
    /// The newest name.
    pub to: String,
    /// The first release that uses only `to`.
    pub release: String,
    /// Why the two are one type.
    pub why: String,
}

/// A definition removed in `release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    /// The removed definition's last name.
    pub name: String,
    /// The first release without it.
    pub release: String,
    /// What happened.
    pub why: String,
}

/// All release data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseData {
    /// Releases, oldest first.
    pub releases: Vec<Release>,
    /// Renames.
    pub renames: Vec<Rename>,
    /// Removals.
    pub removals: Vec<Removal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReleasesFile {
    #[allow(dead_code)]
    about: String,
    releases: Vec<Release>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenamesFile {
    #[allow(dead_code)]
    about: String,
    renames: Vec<Rename>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RemovalsFile {
    #[allow(dead_code)]
    about: String,
    removals: Vec<Removal>,
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::with_source(path, "", "cannot read", e))?;
    serde_json::from_str(&text).map_err(|e| {
        Error::with_source(
            path,
            format!("line {}, column {}", e.line(), e.column()),
            "invalid release data",
            e,
        )
    })
}

impl ReleaseData {
    /// Reads `releases.json`, `renames.json` and `removals.json` from the `schema-json` folder.
    pub fn load(dir: &Path) -> Result<Self> {
        let releases: ReleasesFile = read_json(&dir.join("releases.json"))?;
        let renames: RenamesFile = read_json(&dir.join("renames.json"))?;
        let removals: RemovalsFile = read_json(&dir.join("removals.json"))?;
        let data = Self {
            releases: releases.releases,
            renames: renames.renames,
            removals: removals.removals,
        };
        data.check(dir)?;
        Ok(data)
    }

    fn check(&self, dir: &Path) -> Result<()> {
        let path = dir.join("releases.json");
        if self.releases.is_empty() {
            return Err(Error::new(&path, "/releases", "no releases"));
        }
        let mut last: Option<SchemaVersion> = None;
        for (index, release) in self.releases.iter().enumerate() {
            let at = format!("/releases/{index}");
            if self.releases[..index].iter().any(|r| r.id == release.id) {
                return Err(Error::new(
                    &path,
                    at,
                    format!("release `{}` is listed twice", release.id),
                ));
            }
            if release.files.is_empty() || release.schema_versions.is_empty() {
                return Err(Error::new(
                    &path,
                    at,
                    "a release needs files and schema versions",
                ));
            }
            for version in &release.schema_versions {
                if last.is_some_and(|last| *version <= last) {
                    return Err(Error::new(
                        &path,
                        at,
                        "schema versions must increase from release to release",
                    ));
                }
                last = Some(*version);
            }
        }
        let known = |id: &str| self.releases.iter().any(|r| r.id == id);
        for (index, rename) in self.renames.iter().enumerate() {
            if !known(&rename.release) {
                return Err(Error::new(
                    &dir.join("renames.json"),
                    format!("/renames/{index}/release"),
                    format!("unknown release `{}`", rename.release),
                ));
            }
        }
        for (index, removal) in self.removals.iter().enumerate() {
            if !known(&removal.release) {
                return Err(Error::new(
                    &dir.join("removals.json"),
                    format!("/removals/{index}/release"),
                    format!("unknown release `{}`", removal.release),
                ));
            }
        }
        Ok(())
    }

    /// The position of a release in the timeline.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.releases.iter().position(|r| r.id == id)
    }
}
