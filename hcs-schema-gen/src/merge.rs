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
//! - Observed sources come after every release: an item only they have is observed (with the
//!   sources and the evidence about its version), never published; a published item keeps its
//!   name, type and since, and every type an observed source gives it otherwise is kept in
//!   `observed_types` and reported. Between observed sources, the earlier in `observed.json` wins.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::model::{
    self, Availability, DocumentedOnly, FormerName, Model, ObservedAvailability, ObservedType,
    PublishedAvailability, TypeInReleases, VersionInfo,
};
use crate::observed_data::ObservedData;
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

/// One loaded observed file with the index of its source in [`ObservedData::sources`].
#[derive(Debug, Clone)]
pub struct ObservedFile {
    /// Index into the source list.
    pub source: usize,
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
    /// `source: Type.Property: observed type, kept type (by whom)` for every property an observed
    /// source types otherwise than the model does (kept in the model as `observed_types`).
    pub observed_disagreements: Vec<String>,
    /// Per observed source: how many definitions, properties and enum values only observed
    /// sources have, that it has.
    pub observed_counts: Vec<ObservedCount>,
}

/// What one observed source adds beyond the published files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedCount {
    /// The source id.
    pub source: String,
    /// Definitions no published file has.
    pub definitions: usize,
    /// Properties no published file has.
    pub properties: usize,
    /// Enum values no published file has.
    pub values: usize,
    /// Properties it types otherwise than the model (published or a source ahead of it).
    pub disagreements: usize,
}

/// Where a member or definition was seen: a release's file or an observed source's file.
#[derive(Clone, Copy)]
enum Seen {
    Release(usize),
    Source(usize),
}

#[derive(Default)]
struct MemberAcc {
    name: String,
    present: BTreeSet<usize>,
    observed: BTreeSet<usize>,
    description: Option<String>,
    /// The type in each file that has the member (properties only), in file order.
    types: Vec<(usize, TypeExpr)>,
    /// The type each observed source gives it, with the Go type it wrote, in source order.
    observed_types: Vec<(usize, TypeExpr, Option<String>)>,
}

struct DefAcc {
    is_enum: bool,
    first_file: PathBuf,
    present: BTreeSet<usize>,
    observed: BTreeSet<usize>,
    former: BTreeMap<String, BTreeSet<usize>>,
    description: Option<String>,
    members: Vec<MemberAcc>,
}

/// A member of one file: name, description, and (for properties) type and Go type.
type MemberIn<'a> = (
    &'a str,
    Option<&'a String>,
    Option<(TypeExpr, Option<String>)>,
);

impl DefAcc {
    fn new(is_enum: bool, file: &Path) -> Self {
        DefAcc {
            is_enum,
            first_file: file.to_path_buf(),
            present: BTreeSet::new(),
            observed: BTreeSet::new(),
            former: BTreeMap::new(),
            description: None,
            members: Vec::new(),
        }
    }

    /// Adds the members of one file, keeping a merged order: a member new to the definition goes
    /// right after the member that precedes it in this file.
    fn add_members<'a>(&mut self, seen: Seen, members: impl Iterator<Item = MemberIn<'a>>) {
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
            match seen {
                Seen::Release(release) => {
                    member.present.insert(release);
                    if let Some(description) = description {
                        member.description = Some(description.clone());
                    }
                    if let Some((ty, _)) = ty {
                        member.types.push((release, ty));
                    }
                }
                Seen::Source(source) => {
                    member.observed.insert(source);
                    if let Some((ty, go_type)) = ty {
                        member.observed_types.push((source, ty, go_type));
                    }
                }
            }
            previous = Some(index);
        }
    }
}

/// Merges `files` (in release order, files of one release in data order) into a model, with no
/// observed sources.
pub fn merge(
    data: &ReleaseData,
    files: &[ReleaseFile],
    reference: &Reference,
) -> Result<(Model, MergeReport)> {
    merge_all(data, files, reference, &ObservedData::default(), &[])
}

/// Merges the published `files` and the `observed_files` (in source order) into a model.
pub fn merge_all(
    data: &ReleaseData,
    files: &[ReleaseFile],
    reference: &Reference,
    observed: &ObservedData,
    observed_files: &[ObservedFile],
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
            let acc = definitions
                .entry(name.clone())
                .or_insert_with(|| DefAcc::new(is_enum, &file.path));
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
                    acc.add_members(
                        Seen::Release(release),
                        values.iter().map(|v| (v.as_str(), None, None)),
                    );
                }
                spec::DefinitionKind::Struct(properties) => {
                    let mut typed = Vec::with_capacity(properties.len());
                    for property in properties {
                        let ty = property.ty.try_map_refs(&mut |name| canonical(name))?;
                        typed.push((
                            property.name.as_str(),
                            property.description.as_ref(),
                            Some((ty, None)),
                        ));
                    }
                    acc.add_members(Seen::Release(release), typed.into_iter());
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

    add_observed(data, observed, observed_files, &mut definitions)?;

    let newest = data.releases.len() - 1;
    let mut gaps = Vec::new();
    let mut removals_used = vec![false; data.removals.len()];
    for (name, acc) in &definitions {
        // Observed-only definitions have no releases to be missing from.
        let (Some(&first), Some(&last)) = (acc.present.first(), acc.present.last()) else {
            continue;
        };
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
        out.push(finish_definition(
            data,
            observed,
            reference,
            name,
            acc,
            &mut report,
        ));
    }
    let documented_only = documented_only(reference, &out);
    crate::evidence::apply(observed, &mut out)?;
    check_references(&out)?;
    report.observed_counts = observed_counts(observed, &out, &report);

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
            observed: observed.clone(),
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

/// Where an item was seen, as the model records it.
struct Presence<'a> {
    releases: &'a BTreeSet<usize>,
    sources: &'a BTreeSet<usize>,
}

fn availability(
    data: &ReleaseData,
    observed: &ObservedData,
    presence: Presence<'_>,
    documented: Option<SchemaVersion>,
    item: &str,
    report: &mut MergeReport,
) -> Availability {
    let observed_in: Vec<String> = presence
        .sources
        .iter()
        .map(|&s| observed.sources[s].id.clone())
        .collect();
    let (Some(&first), Some(&last)) = (presence.releases.first(), presence.releases.last()) else {
        // Evidence is attached after the merge (`crate::evidence`).
        return Availability::Observed(ObservedAvailability {
            observed_in,
            evidence: Vec::new(),
        });
    };
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
    Availability::Published(PublishedAvailability {
        since,
        documented,
        first_release: first_release.id.clone(),
        releases: ids(data, presence.releases),
        removed_in: data.releases.get(last + 1).map(|r| r.id.clone()),
        observed_in,
    })
}

/// Adds every observed file's definitions and members, after every release's: aliases name
/// published definitions, exclusions leave out what is not HCS schema, additions add what the
/// derived files lack. Every alias, addition and exclusion must apply.
fn add_observed(
    data: &ReleaseData,
    observed: &ObservedData,
    files: &[ObservedFile],
    definitions: &mut BTreeMap<String, DefAcc>,
) -> Result<()> {
    let data_dir = Path::new("schema-json");
    let observed_path = data_dir.join(crate::observed_data::OBSERVED_FILE);
    let mut aliases_used = vec![false; observed.aliases.len()];
    let mut exclusions_used = vec![false; observed.exclusions.len()];
    let excluded = |item: &str, used: &mut Vec<bool>| -> bool {
        match observed.exclusions.iter().position(|e| e.item == item) {
            Some(index) => {
                used[index] = true;
                true
            }
            None => false,
        }
    };
    for ObservedFile { source, file } in files {
        let source_id = &observed.sources[*source].id;
        // The derived files spell published definitions by their newest names; an alias maps a
        // source's own name to the published definition, and an old published name to its newest.
        let canonical = |name: &str, used: &mut Vec<bool>| -> String {
            if let Some(index) = observed
                .aliases
                .iter()
                .position(|a| &a.source == source_id && a.name == name)
            {
                used[index] = true;
                return observed.aliases[index].same_as.clone();
            }
            data.renames
                .iter()
                .find(|r| r.from == name)
                .map_or_else(|| name.to_owned(), |r| r.to.clone())
        };
        let mut seen_in_file = BTreeSet::new();
        for definition in &file.definitions {
            if excluded(&definition.name, &mut exclusions_used) {
                continue;
            }
            let at = crate::error::pointer(&["definitions", &definition.name]);
            let name = canonical(&definition.name, &mut aliases_used);
            if !seen_in_file.insert(name.clone()) {
                return Err(Error::new(
                    &file.path,
                    at,
                    format!(
                        "`{}` and another definition of this file are both `{name}`",
                        definition.name
                    ),
                ));
            }
            let is_enum = matches!(definition.kind, spec::DefinitionKind::Enum(_));
            let acc = definitions
                .entry(name.clone())
                .or_insert_with(|| DefAcc::new(is_enum, &file.path));
            if acc.is_enum != is_enum {
                return Err(Error::new(
                    &file.path,
                    at,
                    format!(
                        "`{name}` is {} here but {} in {}",
                        if is_enum { "an enum" } else { "a struct" },
                        if acc.is_enum { "an enum" } else { "a struct" },
                        acc.first_file.display()
                    ),
                ));
            }
            acc.observed.insert(*source);
            match &definition.kind {
                spec::DefinitionKind::Enum(values) => acc.add_members(
                    Seen::Source(*source),
                    values.iter().map(|v| (v.as_str(), None, None)),
                ),
                spec::DefinitionKind::Struct(properties) => {
                    let mut typed = Vec::with_capacity(properties.len());
                    for property in properties {
                        if excluded(&format!("{name}.{}", property.name), &mut exclusions_used) {
                            continue;
                        }
                        let mut excluded_ref = None;
                        let ty = property.ty.try_map_refs(&mut |target| {
                            if observed.exclusions.iter().any(|e| e.item == target) {
                                excluded_ref.get_or_insert_with(|| target.to_owned());
                            }
                            Ok::<_, Error>(canonical(target, &mut aliases_used))
                        })?;
                        if let Some(target) = excluded_ref {
                            return Err(Error::new(
                                &file.path,
                                crate::error::pointer(&[
                                    "definitions",
                                    &definition.name,
                                    "properties",
                                    &property.name,
                                ]),
                                format!(
                                    "refers to `{target}`, which observed.json excludes; exclude the property too"
                                ),
                            ));
                        }
                        let go_type = property
                            .extensions
                            .get("x-go-type")
                            .and_then(|v| v.as_str())
                            .map(str::to_owned);
                        typed.push((property.name.as_str(), None, Some((ty, go_type))));
                    }
                    acc.add_members(Seen::Source(*source), typed.into_iter());
                }
            }
        }
        for (index, addition) in observed.additions.iter().enumerate() {
            if &addition.source != source_id {
                continue;
            }
            let at = format!("/additions/{index}");
            let (type_name, property) = addition
                .item
                .split_once('.')
                .ok_or_else(|| Error::new(&observed_path, &at, "not `Type.Property`"))?;
            let ty: TypeExpr = addition
                .ty
                .parse()
                .map_err(|e: String| Error::new(&observed_path, format!("{at}/type"), e))?;
            let acc = definitions
                .get_mut(type_name)
                .filter(|acc| !acc.is_enum)
                .ok_or_else(|| {
                    Error::new(
                        &observed_path,
                        format!("{at}/item"),
                        format!("no struct `{type_name}` to add `{property}` to"),
                    )
                })?;
            if acc.members.iter().any(|m| m.name == property) {
                return Err(Error::new(
                    &observed_path,
                    format!("{at}/item"),
                    format!("`{}` exists already: nothing to add", addition.item),
                ));
            }
            // After the members the derived file gives (nothing says where it goes).
            acc.members.push(MemberAcc {
                name: property.to_owned(),
                observed: BTreeSet::from([*source]),
                observed_types: vec![(*source, ty, None)],
                ..MemberAcc::default()
            });
        }
    }
    let present: BTreeSet<usize> = files.iter().map(|f| f.source).collect();
    for (index, used) in aliases_used.iter().enumerate() {
        let alias = &observed.aliases[index];
        let loaded = observed
            .index_of(&alias.source)
            .is_some_and(|s| present.contains(&s));
        if !used && loaded {
            return Err(Error::new(
                &observed_path,
                format!("/aliases/{index}"),
                format!("never applied: {} has no `{}`", alias.source, alias.name),
            ));
        }
        if definitions
            .get(&alias.same_as)
            .is_none_or(|acc| acc.present.is_empty())
        {
            return Err(Error::new(
                &observed_path,
                format!("/aliases/{index}/same_as"),
                format!("`{}` is not a published definition", alias.same_as),
            ));
        }
    }
    for (index, used) in exclusions_used.iter().enumerate() {
        if !used && !files.is_empty() {
            return Err(Error::new(
                &observed_path,
                format!("/exclusions/{index}"),
                format!(
                    "never applied: no observed source has `{}`",
                    observed.exclusions[index].item
                ),
            ));
        }
    }
    Ok(())
}

/// Every `$ref` of the merged model names one of its definitions (observed additions and aliases
/// are checked here; the loader checks each file on its own).
fn check_references(definitions: &[model::Definition]) -> Result<()> {
    let names: BTreeSet<&str> = definitions.iter().map(|d| d.name.as_str()).collect();
    for definition in definitions {
        let model::DefinitionKind::Struct { properties } = &definition.kind else {
            continue;
        };
        for property in properties {
            let mut missing = None;
            property.ty.visit_refs(&mut |name| {
                if !names.contains(name) {
                    missing.get_or_insert_with(|| name.to_owned());
                }
            });
            if let Some(name) = missing {
                return Err(Error::new(
                    Path::new("schema-json/observed.json"),
                    "",
                    format!(
                        "{}.{} refers to `{name}`, which no schema file defines",
                        definition.name, property.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn observed_counts(
    observed: &ObservedData,
    definitions: &[model::Definition],
    report: &MergeReport,
) -> Vec<ObservedCount> {
    let mut counts: Vec<ObservedCount> = observed
        .sources
        .iter()
        .map(|s| ObservedCount {
            source: s.id.clone(),
            ..ObservedCount::default()
        })
        .collect();
    let only_observed = |availability: &Availability| match availability {
        Availability::Observed(o) => o.observed_in.clone(),
        Availability::Published(_) => Vec::new(),
    };
    let mut bump = |ids: Vec<String>, field: fn(&mut ObservedCount) -> &mut usize| {
        for id in ids {
            if let Some(count) = counts.iter_mut().find(|c| c.source == id) {
                *field(count) += 1;
            }
        }
    };
    for definition in definitions {
        bump(only_observed(&definition.availability), |c| {
            &mut c.definitions
        });
        match &definition.kind {
            model::DefinitionKind::Struct { properties } => {
                for property in properties {
                    bump(only_observed(&property.availability), |c| &mut c.properties);
                    for observed_type in &property.observed_types {
                        bump(observed_type.sources.clone(), |c| &mut c.disagreements);
                    }
                }
            }
            model::DefinitionKind::Enum { variants } => {
                for variant in variants {
                    bump(only_observed(&variant.availability), |c| &mut c.values);
                }
            }
        }
    }
    debug_assert_eq!(
        counts.iter().map(|c| c.disagreements).sum::<usize>(),
        report.observed_disagreements.len()
    );
    counts
}

/// The property's type and what observed sources say otherwise. A published property keeps the
/// newest release's type; an observed one takes the type of the first source (in precedence
/// order) that has it. Every other observed type is kept and reported.
fn choose_type(
    observed: &ObservedData,
    item: &str,
    member: &MemberAcc,
    report: &mut MergeReport,
) -> (TypeExpr, Vec<ObservedType>) {
    let (ty, winner) = match member.types.last() {
        Some((_, ty)) => (ty.clone(), None),
        None => {
            let (source, ty, _) = member
                .observed_types
                .iter()
                .min_by_key(|(source, _, _)| *source)
                .expect("an observed property has a type");
            (ty.clone(), Some(&observed.sources[*source].id))
        }
    };
    let mut others: Vec<ObservedType> = Vec::new();
    for (source, observed_ty, go_type) in &member.observed_types {
        if *observed_ty == ty {
            continue;
        }
        let id = &observed.sources[*source].id;
        let go = go_type
            .as_ref()
            .map_or_else(String::new, |g| format!(" (Go `{g}`)"));
        let kept = match winner {
            None => format!("published {ty}"),
            Some(winner) => format!("{winner} {ty}, kept (earlier in observed.json)"),
        };
        report
            .observed_disagreements
            .push(format!("{id}: {item}: {observed_ty}{go}; {kept}"));
        match others
            .iter_mut()
            .find(|o| o.ty == *observed_ty && o.go_type == *go_type)
        {
            Some(entry) => entry.sources.push(id.clone()),
            None => others.push(ObservedType {
                ty: observed_ty.clone(),
                go_type: go_type.clone(),
                sources: vec![id.clone()],
            }),
        }
    }
    (ty, others)
}

fn finish_definition(
    data: &ReleaseData,
    observed: &ObservedData,
    reference: &Reference,
    name: &str,
    acc: &DefAcc,
    report: &mut MergeReport,
) -> model::Definition {
    // The reference documents published items only: an observed definition takes nothing from it.
    let documented_type = reference
        .types
        .get(name)
        .filter(|_| !acc.present.is_empty());
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
                let published = !member.present.is_empty();
                // The reference writes the empty value under a name ("Unspecified", "Unknown"): when
                // exactly one documented variant matches no value, it is the empty value's entry.
                let documented = match reference.member(name, &member.name) {
                    Some(found) if published => Some(found),
                    Some(_) => None,
                    None if published
                        && member.name.is_empty()
                        && unmatched_reference.len() == 1 =>
                    {
                        Some(unmatched_reference[0])
                    }
                    None => None,
                };
                let item = format!("{name}=\"{}\"", member.name);
                let presence = Presence {
                    releases: &member.present,
                    sources: &member.observed,
                };
                let availability = availability(
                    data,
                    observed,
                    presence,
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
                let published = !member.present.is_empty();
                let documented = reference.member(name, &member.name).filter(|_| published);
                let item = format!("{name}.{}", member.name);
                let presence = Presence {
                    releases: &member.present,
                    sources: &member.observed,
                };
                let availability = availability(
                    data,
                    observed,
                    presence,
                    documented.map(|d| d.since),
                    &item,
                    report,
                );
                let (ty, observed_types) = choose_type(observed, &item, member, report);
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
                    observed_types,
                }
            })
            .collect();
        model::DefinitionKind::Struct { properties }
    };
    // A type is as old as its first release, or as its oldest documented member when that is later.
    let documented = documented_type.and_then(|t| t.members.iter().map(|m| m.since).min());
    let presence = Presence {
        releases: &acc.present,
        sources: &acc.observed,
    };
    let availability = availability(data, observed, presence, documented, name, report);
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
                Some(model::DefinitionKind::Struct { properties }) => properties
                    .iter()
                    .any(|p| p.name == member.name && p.availability.published().is_some()),
                Some(model::DefinitionKind::Enum { variants }) => variants.iter().any(|v| {
                    v.availability.published().is_some()
                        && (v.value == member.name
                            || v.documented_as.as_deref() == Some(member.name.as_str()))
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
