//! Merges the loaded schema files of every release into one versioned [`Model`].
//!
//! Rules (ARCHITECTURE.md repeats them):
//! - A release has an item when any of its files has it (the trimmed and untrimmed files of one
//!   release are two views of the same release).
//! - Renamed definitions are one definition with the newest name (`renames.json`); every
//!   reference to an old name is rewritten. A definition that disappears must be in
//!   `removals.json`, and every entry of both files must match something.
//! - `since` is the documented `NewInVersion` where the reference has one, else the first version of
//!   the first release that has the item; where both exist and disagree, the later one (a document
//!   is never said to work on a host older than either source allows). Both facts are kept.
//! - A property whose type changed keeps every type with its releases in `type_history`; its type
//!   is the newest release's (what current Windows accepts and returns).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{
    self, Availability, DocumentedOnly, FormerName, Model, TypeInReleases, VersionInfo,
};
use crate::reference::Reference;
use crate::release_data::ReleaseData;
use crate::spec::{self, SchemaFile, TypeExpr};
use crate::version::SchemaVersion;

/// One loaded schema file with the index of its release in [`ReleaseData::releases`].
#[derive(Debug, Clone)]
pub struct ReleaseFile {
    /// Index into the release list.
    pub release: usize,
    /// The loaded file.
    pub file: SchemaFile,
}

/// Things the merge noticed that a maintainer should read (printed by `cargo xtask import`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// `Type.Property: old -> new (releases)` for every property whose type changed.
    pub type_changes: Vec<String>,
    /// Items whose documented version and first release disagree.
    pub version_disagreements: Vec<String>,
    /// Definitions missing from a release between two releases that have them.
    pub gaps: Vec<String>,
}

#[derive(Default)]
struct MemberAcc {
    name: String,
    present: BTreeSet<usize>,
    description: Option<String>,
    /// The type in each file that has the member (properties only), in file order.
    types: Vec<(usize, TypeExpr)>,
}

struct DefAcc {
    is_enum: bool,
    first_file: PathBuf,
    present: BTreeSet<usize>,
    former: BTreeMap<String, BTreeSet<usize>>,
    description: Option<String>,
    members: Vec<MemberAcc>,
}

impl DefAcc {
    /// Adds the members of one file, keeping a merged order: a member new to the definition goes
    /// right after the member that precedes it in this file.
    fn add_members<'a>(
        &mut self,
        release: usize,
        members: impl Iterator<Item = (&'a str, Option<&'a String>, Option<TypeExpr>)>,
    ) {
        let mut previous: Option<usize> = None;
        for (name, description, ty) in members {
            let index = match self.members.iter().position(|m| m.name == name) {
                Some(index) => index,
                None => {
                    let at = previous.map_or(0, |p| p + 1);
                    self.members.insert(
                        at,
                        MemberAcc {
                            name: name.to_owned(),
                            ..MemberAcc::default()
                        },
                    );
                    at
                }
            };
            let member = &mut self.members[index];
            member.present.insert(release);
            if let Some(description) = description {
                member.description = Some(description.clone());
            }
            if let Some(ty) = ty {
                member.types.push((release, ty));
            }
            previous = Some(index);
        }
    }
}

/// Merges `files` (in release order, files of one release in data order) into a model.
pub fn merge(
    data: &ReleaseData,
    files: &[ReleaseFile],
    reference: &Reference,
) -> Result<(Model, MergeReport)> {
    let data_dir = Path::new("schema-json");
    let mut definitions: BTreeMap<String, DefAcc> = BTreeMap::new();
    let mut renames_used = vec![false; data.renames.len()];

    for ReleaseFile { release, file } in files {
        let release = *release;
        let canonical =
            |name: &str| -> Result<String> { canonical_name(data, &file.path, release, name) };
        let mut seen_in_file = BTreeSet::new();
        for definition in &file.definitions {
            let name = canonical(&definition.name)?;
            if let Some(index) = data.renames.iter().position(|r| r.from == definition.name) {
                renames_used[index] = true;
            }
            if !seen_in_file.insert(name.clone()) {
                return Err(Error::new(
                    &file.path,
                    crate::error::pointer(&["definitions", &definition.name]),
                    format!(
                        "`{}` and another definition of this file are both `{name}` after renaming",
                        definition.name
                    ),
                ));
            }
            let is_enum = matches!(definition.kind, spec::DefinitionKind::Enum(_));
            let acc = definitions.entry(name.clone()).or_insert_with(|| DefAcc {
                is_enum,
                first_file: file.path.clone(),
                present: BTreeSet::new(),
                former: BTreeMap::new(),
                description: None,
                members: Vec::new(),
            });
            if acc.is_enum != is_enum {
                return Err(Error::new(
                    &file.path,
                    crate::error::pointer(&["definitions", &definition.name]),
                    format!(
                        "`{name}` is {} here but {} in {}",
                        if is_enum { "an enum" } else { "a struct" },
                        if acc.is_enum { "an enum" } else { "a struct" },
                        acc.first_file.display()
                    ),
                ));
            }
            acc.present.insert(release);
            if definition.name != name {
                acc.former
                    .entry(definition.name.clone())
                    .or_default()
                    .insert(release);
            }
            if let Some(description) = &definition.description {
                acc.description = Some(description.clone());
            }
            match &definition.kind {
                spec::DefinitionKind::Enum(values) => {
                    acc.add_members(release, values.iter().map(|v| (v.as_str(), None, None)));
                }
                spec::DefinitionKind::Struct(properties) => {
                    let mut typed = Vec::with_capacity(properties.len());
                    for property in properties {
                        let ty = property.ty.try_map_refs(&mut |name| canonical(name))?;
                        typed.push((
                            property.name.as_str(),
                            property.description.as_ref(),
                            Some(ty),
                        ));
                    }
                    acc.add_members(release, typed.into_iter());
                }
            }
        }
    }

    for (index, used) in renames_used.iter().enumerate() {
        if !used {
            let rename = &data.renames[index];
            return Err(Error::new(
                &data_dir.join("renames.json"),
                format!("/renames/{index}"),
                format!("never applied: no schema file defines `{}`", rename.from),
            ));
        }
    }

    let newest = data.releases.len() - 1;
    let mut gaps = Vec::new();
    let mut removals_used = vec![false; data.removals.len()];
    for (name, acc) in &definitions {
        let first = *acc.present.first().expect("present at least once");
        let last = *acc.present.last().expect("present at least once");
        if acc.present.len() != last - first + 1 {
            // Not an error: 20H2 has only the untrimmed file, which lacks a few items that the
            // trimmed files of the releases around it have. Presence is what the files say.
            gaps.push(format!(
                "{name}: in releases {}",
                ids(data, &acc.present).join(", ")
            ));
        }
        if last < newest {
            let removed_in = &data.releases[last + 1].id;
            match data
                .removals
                .iter()
                .position(|r| &r.name == name && &r.release == removed_in)
            {
                Some(index) => removals_used[index] = true,
                None => {
                    return Err(Error::new(
                        &data_dir.join("removals.json"),
                        "/removals",
                        format!(
                            "`{name}` disappears in release {removed_in} but is neither a rename (renames.json) \
                             nor a recorded removal"
                        ),
                    ));
                }
            }
        }
    }
    for (index, used) in removals_used.iter().enumerate() {
        if !used {
            let removal = &data.removals[index];
            return Err(Error::new(
                &data_dir.join("removals.json"),
                format!("/removals/{index}"),
                format!(
                    "never applied: `{}` does not disappear in release {}",
                    removal.name, removal.release
                ),
            ));
        }
    }

    let mut report = MergeReport {
        gaps,
        ..MergeReport::default()
    };
    let mut out = Vec::with_capacity(definitions.len());
    for (name, acc) in &definitions {
        out.push(finish_definition(data, reference, name, acc, &mut report));
    }
    let documented_only = documented_only(reference, &out);

    let mut versions = Vec::new();
    for row in &reference.version_map {
        versions.push(VersionInfo {
            version: row.version,
            windows: row.release.clone(),
            build: row.build,
        });
    }
    Ok((
        Model {
            format: model::FORMAT,
            releases: data.releases.clone(),
            versions,
            renames: data.renames.clone(),
            removals: data.removals.clone(),
            definitions: out,
            documented_only,
        },
        report,
    ))
}

fn canonical_name(data: &ReleaseData, file: &Path, release: usize, name: &str) -> Result<String> {
    match data.renames.iter().find(|r| r.from == name) {
        None => Ok(name.to_owned()),
        Some(rename) => {
            let renamed_at = data.index_of(&rename.release).unwrap_or(0);
            if release >= renamed_at {
                return Err(Error::new(
                    file,
                    crate::error::pointer(&["definitions", name]),
                    format!(
                        "`{name}` appears in release {}, but renames.json says release {} renamed it to `{}`",
                        data.releases[release].id, rename.release, rename.to
                    ),
                ));
            }
            Ok(rename.to.clone())
        }
    }
}

fn ids(data: &ReleaseData, present: &BTreeSet<usize>) -> Vec<String> {
    present
        .iter()
        .map(|&i| data.releases[i].id.clone())
        .collect()
}

fn availability(
    data: &ReleaseData,
    present: &BTreeSet<usize>,
    documented: Option<SchemaVersion>,
    item: &str,
    report: &mut MergeReport,
) -> Availability {
    let first = *present.first().expect("present at least once");
    let last = *present.last().expect("present at least once");
    let first_release = &data.releases[first];
    let lower = first_release.schema_versions[0];
    let since = documented.map_or(lower, |documented| documented.max(lower));
    if let Some(documented) = documented {
        if !first_release.schema_versions.contains(&documented) {
            report.version_disagreements.push(format!(
                "{item}: documented as new in {documented}, first in the {} files (schema {})",
                first_release.id,
                first_release
                    .schema_versions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            ));
        }
    }
    Availability {
        since,
        documented,
        first_release: first_release.id.clone(),
        releases: ids(data, present),
        removed_in: data.releases.get(last + 1).map(|r| r.id.clone()),
    }
}

fn finish_definition(
    data: &ReleaseData,
    reference: &Reference,
    name: &str,
    acc: &DefAcc,
    report: &mut MergeReport,
) -> model::Definition {
    let documented_type = reference.types.get(name);
    let kind = if acc.is_enum {
        let unmatched_reference: Vec<_> = documented_type
            .map(|t| {
                t.members
                    .iter()
                    .filter(|m| !acc.members.iter().any(|a| a.name == m.name))
                    .collect()
            })
            .unwrap_or_default();
        let variants = acc
            .members
            .iter()
            .map(|member| {
                // The reference writes the empty value under a name ("Unspecified", "Unknown"): when
                // exactly one documented variant matches no value, it is the empty value's entry.
                let documented = match reference.member(name, &member.name) {
                    Some(found) => Some(found),
                    None if member.name.is_empty() && unmatched_reference.len() == 1 => {
                        Some(unmatched_reference[0])
                    }
                    None => None,
                };
                let item = format!("{name}=\"{}\"", member.name);
                let availability = availability(
                    data,
                    &member.present,
                    documented.map(|d| d.since),
                    &item,
                    report,
                );
                model::Variant {
                    value: member.name.clone(),
                    documented_as: documented
                        .filter(|d| d.name != member.name)
                        .map(|d| d.name.clone()),
                    description: documented.and_then(|d| d.description.clone()),
                    availability,
                }
            })
            .collect();
        model::DefinitionKind::Enum { variants }
    } else {
        let properties = acc
            .members
            .iter()
            .map(|member| {
                let documented = reference.member(name, &member.name);
                let item = format!("{name}.{}", member.name);
                let availability = availability(
                    data,
                    &member.present,
                    documented.map(|d| d.since),
                    &item,
                    report,
                );
                let ty = member
                    .types
                    .last()
                    .map(|(_, ty)| ty.clone())
                    .expect("a type per file");
                let mut history: Vec<TypeInReleases> = Vec::new();
                for (release, ty) in &member.types {
                    let id = &data.releases[*release].id;
                    match history.iter_mut().find(|h| &h.ty == ty) {
                        Some(entry) if entry.releases.contains(id) => {}
                        Some(entry) => entry.releases.push(id.clone()),
                        None => history.push(TypeInReleases {
                            ty: ty.clone(),
                            releases: vec![id.clone()],
                        }),
                    }
                }
                // The newest type last, whatever order the files of one release came in.
                history.sort_by_key(|h| h.ty != ty);
                history.reverse();
                if history.len() > 1 {
                    let steps: Vec<String> = history
                        .iter()
                        .map(|h| format!("{} ({})", h.ty, h.releases.join(", ")))
                        .collect();
                    report
                        .type_changes
                        .push(format!("{item}: {}", steps.join(" -> ")));
                } else {
                    history.clear();
                }
                model::Property {
                    name: member.name.clone(),
                    ty,
                    description: member
                        .description
                        .clone()
                        .or_else(|| documented.and_then(|d| d.description.clone())),
                    availability,
                    type_history: history,
                }
            })
            .collect();
        model::DefinitionKind::Struct { properties }
    };
    // A type is as old as its first release, or as its oldest documented member when that is later.
    let documented = documented_type.and_then(|t| t.members.iter().map(|m| m.since).min());
    let availability = availability(data, &acc.present, documented, name, report);
    model::Definition {
        name: name.to_owned(),
        former_names: acc
            .former
            .iter()
            .map(|(former, releases)| FormerName {
                name: former.clone(),
                releases: ids(data, releases),
            })
            .collect(),
        description: acc
            .description
            .clone()
            .or_else(|| documented_type.and_then(|t| t.description.clone())),
        availability,
        kind,
    }
}

fn documented_only(
    reference: &Reference,
    definitions: &[model::Definition],
) -> Vec<DocumentedOnly> {
    let mut out = Vec::new();
    for (name, documented) in &reference.types {
        let definition = definitions.iter().find(|d| &d.name == name);
        for member in &documented.members {
            let found = match definition.map(|d| &d.kind) {
                Some(model::DefinitionKind::Struct { properties }) => {
                    properties.iter().any(|p| p.name == member.name)
                }
                Some(model::DefinitionKind::Enum { variants }) => variants.iter().any(|v| {
                    v.value == member.name
                        || v.documented_as.as_deref() == Some(member.name.as_str())
                }),
                None => false,
            };
            if !found {
                let item = if documented.is_enum {
                    format!("{name}=\"{}\"", member.name)
                } else {
                    format!("{name}.{}", member.name)
                };
                out.push(DocumentedOnly {
                    item,
                    documented: member.since,
                });
            }
        }
    }
    out
}
