//! What changed between two releases of the merged model, two published schema files, or two
//! models (the committed `model.json` and a fresh import).
//!
//! Each side is first reduced to a [`Snapshot`]: the types one release (or one set of files) has,
//! keyed by their newest name, with the name that side spells, the properties with their types and
//! the enum variants. [`diff`] compares two snapshots; [`diff_models`] compares two whole models
//! release by release. Changes are sorted by type name, then member name, so the output is stable.
//!
//! A change is *breaking* when a document that was valid for the old side may be rejected by the
//! new one: a removed type, property or variant, a changed property type, or a type that changed
//! from struct to enum (or back). Added items are *additive*; renames (JSON documents never spell
//! definition names) and changed schema versions are *other*.
//!
//! [`changelog_section`] renders a [`ModelDiff`] as markdown for `CHANGELOG.md`;
//! [`record_import_in_changelog`] is the hook `cargo xtask import` calls.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{DefinitionKind, Model};
use crate::release_data::Rename;
use crate::spec::{self, SchemaFile};
use crate::version::SchemaVersion;
use crate::workspace::Mode;

/// The heading of `CHANGELOG.md` under which imports record what the published schema changed.
pub const CHANGELOG_HEADING: &str = "## HCS schema";

/// The changelog file name, at the workspace root.
pub const CHANGELOG_FILE: &str = "CHANGELOG.md";

/// The shape of the schema as one release (or one set of schema files) has it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// What the snapshot is of: a release id or a file path.
    pub label: String,
    /// The types, keyed by their newest name.
    pub types: BTreeMap<String, TypeShape>,
}

/// One type of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeShape {
    /// The name this side spells (a former name in old releases).
    pub name: String,
    /// The schema version the model says a document using it needs (`None` for schema files).
    pub since: Option<SchemaVersion>,
    /// Struct or enum, with members.
    pub shape: Shape,
}

/// The members of a [`TypeShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// A struct: properties by JSON name.
    Struct(BTreeMap<String, PropertyShape>),
    /// A string enum: variant values with the version that introduced them, if known.
    Enum(BTreeMap<String, Option<SchemaVersion>>),
}

impl Shape {
    fn kind(&self) -> &'static str {
        match self {
            Shape::Struct(_) => "struct",
            Shape::Enum(_) => "enum",
        }
    }
}

/// One property of a struct [`TypeShape`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyShape {
    /// Its types as type expressions in newest names (`[string]`, `VirtualMachine_Memory`);
    /// usually one, more when the files of one release disagree.
    pub types: BTreeSet<String>,
    /// The schema version the model says it needs (`None` for schema files).
    pub since: Option<SchemaVersion>,
}

impl Snapshot {
    /// The shape of release `release` (an id of `model.releases`, exactly) in the merged model.
    pub fn of_release(model: &Model, release: &str) -> Result<Snapshot> {
        if model.release(release).is_none() {
            let known: Vec<&str> = model.releases.iter().map(|r| r.id.as_str()).collect();
            return Err(Error::new(
                Path::new("model.json"),
                "/releases",
                format!(
                    "no release `{release}` (the model has {})",
                    known.join(", ")
                ),
            ));
        }
        let has = |releases: &[String]| releases.iter().any(|r| r == release);
        let mut types = BTreeMap::new();
        for definition in &model.definitions {
            if !has(definition.availability.releases()) {
                continue;
            }
            let name = definition
                .former_names
                .iter()
                .find(|former| has(&former.releases))
                .map_or_else(|| definition.name.clone(), |former| former.name.clone());
            let shape = match &definition.kind {
                DefinitionKind::Struct { properties } => Shape::Struct(
                    properties
                        .iter()
                        .filter(|p| has(p.availability.releases()))
                        .map(|p| {
                            let mut types: BTreeSet<String> = p
                                .type_history
                                .iter()
                                .filter(|h| has(&h.releases))
                                .map(|h| h.ty.to_string())
                                .collect();
                            if types.is_empty() {
                                types.insert(p.ty.to_string());
                            }
                            let shape = PropertyShape {
                                types,
                                since: p.availability.since(),
                            };
                            (p.name.clone(), shape)
                        })
                        .collect(),
                ),
                DefinitionKind::Enum { variants } => Shape::Enum(
                    variants
                        .iter()
                        .filter(|v| has(v.availability.releases()))
                        .map(|v| (v.value.clone(), v.availability.since()))
                        .collect(),
                ),
            };
            let shape = TypeShape {
                name,
                since: definition.availability.since(),
                shape,
            };
            types.insert(definition.name.clone(), shape);
        }
        Ok(Snapshot {
            label: release.to_owned(),
            types,
        })
    }

    /// The shape of observed source `source` (an id of `model.observed.sources`) in the merged
    /// model: every item it has, with the type it gives (which may differ from the model's: the
    /// model keeps it in `observed_types`). Versions are the published ones; observed items have
    /// none.
    pub fn of_observed_source(model: &Model, source: &str) -> Result<Snapshot> {
        if model.observed_source(source).is_none() {
            let known: Vec<&str> = model
                .observed
                .sources
                .iter()
                .map(|s| s.id.as_str())
                .collect();
            return Err(Error::new(
                Path::new("model.json"),
                "/observed/sources",
                format!(
                    "no observed source `{source}` (the model has {})",
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        }
        let has = |availability: &crate::model::Availability| {
            availability.observed_in().iter().any(|s| s == source)
        };
        let mut types = BTreeMap::new();
        for definition in &model.definitions {
            if !has(&definition.availability) {
                continue;
            }
            let shape = match &definition.kind {
                DefinitionKind::Struct { properties } => Shape::Struct(
                    properties
                        .iter()
                        .filter(|p| has(&p.availability))
                        .map(|p| {
                            let ty = p
                                .observed_types
                                .iter()
                                .find(|o| o.sources.iter().any(|s| s == source))
                                .map_or(&p.ty, |o| &o.ty);
                            let shape = PropertyShape {
                                types: BTreeSet::from([ty.to_string()]),
                                since: p.availability.since(),
                            };
                            (p.name.clone(), shape)
                        })
                        .collect(),
                ),
                DefinitionKind::Enum { variants } => Shape::Enum(
                    variants
                        .iter()
                        .filter(|v| has(&v.availability))
                        .map(|v| (v.value.clone(), v.availability.since()))
                        .collect(),
                ),
            };
            let shape = TypeShape {
                name: definition.name.clone(),
                since: definition.availability.since(),
                shape,
            };
            types.insert(definition.name.clone(), shape);
        }
        Ok(Snapshot {
            label: source.to_owned(),
            types,
        })
    }

    /// The shape of one or more loaded schema files (the union of their definitions), with the
    /// definitions `renames` lists keyed (and referred to) by their newest names.
    pub fn of_schema_files(label: &str, files: &[SchemaFile], renames: &[Rename]) -> Snapshot {
        let newest: HashMap<&str, &str> = renames
            .iter()
            .map(|r| (r.from.as_str(), r.to.as_str()))
            .collect();
        let rename = |name: &str| newest.get(name).map_or(name, |to| *to).to_owned();
        let mut types: BTreeMap<String, TypeShape> = BTreeMap::new();
        for definition in files.iter().flat_map(|f| &f.definitions) {
            let shape = match &definition.kind {
                spec::DefinitionKind::Struct(properties) => Shape::Struct(
                    properties
                        .iter()
                        .map(|p| {
                            let ty =
                                p.ty.try_map_refs(&mut |name| {
                                    Ok::<_, std::convert::Infallible>(rename(name))
                                })
                                .unwrap_or_else(|never| match never {});
                            let shape = PropertyShape {
                                types: BTreeSet::from([ty.to_string()]),
                                since: None,
                            };
                            (p.name.clone(), shape)
                        })
                        .collect(),
                ),
                spec::DefinitionKind::Enum(values) => {
                    Shape::Enum(values.iter().map(|v| (v.clone(), None)).collect())
                }
            };
            let key = rename(&definition.name);
            match types.get_mut(&key) {
                None => {
                    let shape = TypeShape {
                        name: definition.name.clone(),
                        since: None,
                        shape,
                    };
                    types.insert(key, shape);
                }
                // The same definition in another file of the same release: the union.
                Some(existing) => match (&mut existing.shape, shape) {
                    (Shape::Struct(have), Shape::Struct(more)) => {
                        for (name, property) in more {
                            have.entry(name)
                                .or_insert_with(|| PropertyShape {
                                    types: BTreeSet::new(),
                                    since: None,
                                })
                                .types
                                .extend(property.types);
                        }
                    }
                    (Shape::Enum(have), Shape::Enum(more)) => have.extend(more),
                    // A struct in one file and an enum in another: keep the first.
                    _ => {}
                },
            }
        }
        Snapshot {
            label: label.to_owned(),
            types,
        }
    }

    /// [`Snapshot::of_schema_files`] of files read from disk.
    pub fn load_schema_files(label: &str, paths: &[PathBuf], renames: &[Rename]) -> Result<Self> {
        let files = paths
            .iter()
            .map(|path| crate::load::load_file(path))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self::of_schema_files(label, &files, renames))
    }
}

/// What a [`Change`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A type the old side lacks.
    TypeAdded,
    /// A type the new side lacks.
    TypeRemoved,
    /// The type is spelled differently (`old` -> `new`).
    TypeRenamed,
    /// Struct became enum or back (`old` -> `new`).
    KindChanged,
    /// A property the old side lacks.
    PropertyAdded,
    /// A property the new side lacks.
    PropertyRemoved,
    /// A property's type changed (`old` -> `new`).
    PropertyTypeChanged,
    /// An enum value the old side lacks.
    VariantAdded,
    /// An enum value the new side lacks.
    VariantRemoved,
    /// The schema version an item needs changed (`old` -> `new`; models only).
    VersionChanged,
}

/// How a [`Change`] affects existing documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// A document valid for the old side may be rejected by the new one.
    Breaking,
    /// Something new; old documents are unaffected.
    Additive,
    /// Neither (renames, version data).
    Other,
}

impl ChangeKind {
    /// The impact of this kind of change.
    pub fn impact(self) -> Impact {
        match self {
            ChangeKind::TypeRemoved
            | ChangeKind::KindChanged
            | ChangeKind::PropertyRemoved
            | ChangeKind::PropertyTypeChanged
            | ChangeKind::VariantRemoved => Impact::Breaking,
            ChangeKind::TypeAdded | ChangeKind::PropertyAdded | ChangeKind::VariantAdded => {
                Impact::Additive
            }
            ChangeKind::TypeRenamed | ChangeKind::VersionChanged => Impact::Other,
        }
    }
}

/// One difference between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed.
    pub change: ChangeKind,
    /// [`ChangeKind::impact`].
    pub impact: Impact,
    /// True when [`Impact::Breaking`].
    pub breaking: bool,
    /// The type, by its newest name.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The property name or enum value, for member changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The old name, kind, type or version, for changes of one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    /// The new name, kind, type or version, for changes of one; the type of an added or removed
    /// property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    /// The schema version the added (or removed) item needs, when the model knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<SchemaVersion>,
    /// True when `member` is an enum value (not a property).
    #[serde(skip)]
    pub variant: bool,
}

impl Change {
    fn new(change: ChangeKind, type_name: &str) -> Self {
        let impact = change.impact();
        Self {
            change,
            impact,
            breaking: impact == Impact::Breaking,
            type_name: type_name.to_owned(),
            member: None,
            old: None,
            new: None,
            since: None,
            variant: false,
        }
    }

    fn member(mut self, member: &str) -> Self {
        self.member = Some(member.to_owned());
        self
    }

    fn value(mut self, value: &str) -> Self {
        self.member = Some(value.to_owned());
        self.variant = true;
        self
    }

    fn old_new(mut self, old: Option<String>, new: Option<String>) -> Self {
        self.old = old;
        self.new = new;
        self
    }

    fn since(mut self, since: Option<SchemaVersion>) -> Self {
        self.since = since;
        self
    }

    /// The item's name: `Type`, `Type.Property` or `Type="value"`.
    pub fn item(&self) -> String {
        match &self.member {
            Some(value) if self.variant => format!("{}={value:?}", self.type_name),
            Some(member) => format!("{}.{member}", self.type_name),
            None => self.type_name.clone(),
        }
    }
}

impl fmt::Display for Change {
    /// One line: `removed property ComputeSystem.Foo: bool`, `added type Foo (since 2.4)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let item = self.item();
        let opt = |value: &Option<String>| value.clone().unwrap_or_default();
        match self.change {
            ChangeKind::TypeAdded => write!(f, "added type {item}")?,
            ChangeKind::TypeRemoved => write!(f, "removed type {item}")?,
            ChangeKind::TypeRenamed => {
                write!(f, "renamed type {} -> {}", opt(&self.old), opt(&self.new))?
            }
            ChangeKind::KindChanged => write!(
                f,
                "changed {item} from {} to {}",
                opt(&self.old),
                opt(&self.new)
            )?,
            ChangeKind::PropertyAdded => write!(f, "added property {item}: {}", opt(&self.new))?,
            ChangeKind::PropertyRemoved => {
                write!(f, "removed property {item}: {}", opt(&self.old))?
            }
            ChangeKind::PropertyTypeChanged => write!(
                f,
                "changed type of {item}: {} -> {}",
                opt(&self.old),
                opt(&self.new)
            )?,
            ChangeKind::VariantAdded => write!(f, "added variant {item}")?,
            ChangeKind::VariantRemoved => write!(f, "removed variant {item}")?,
            ChangeKind::VersionChanged => write!(
                f,
                "changed schema version of {item}: {} -> {}",
                opt(&self.old),
                opt(&self.new)
            )?,
        }
        let added = matches!(
            self.change,
            ChangeKind::TypeAdded | ChangeKind::PropertyAdded | ChangeKind::VariantAdded
        );
        if let (true, Some(since)) = (added, self.since) {
            write!(f, " (since {since})")?;
        }
        Ok(())
    }
}

/// The differences between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// The old side's label.
    pub old: String,
    /// The new side's label.
    pub new: String,
    /// Counts by impact.
    pub summary: Summary,
    /// The changes, sorted by type name, then type-level before member changes, then member.
    pub changes: Vec<Change>,
}

/// How many changes of each impact a [`Diff`] has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Breaking changes.
    pub breaking: usize,
    /// Additive changes.
    pub additive: usize,
    /// Other changes.
    pub other: usize,
}

impl Diff {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// True when some change is breaking.
    pub fn has_breaking(&self) -> bool {
        self.summary.breaking > 0
    }

    /// The changes of one impact, in order.
    pub fn of_impact(&self, impact: Impact) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(move |c| c.impact == impact)
    }
}

fn join_types(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" | ")
}

fn version_text(version: Option<SchemaVersion>) -> Option<String> {
    version.map(|v| v.to_string())
}

/// Compares two snapshots.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Diff {
    let mut changes = Vec::new();
    let names: BTreeSet<&String> = old.types.keys().chain(new.types.keys()).collect();
    for name in names {
        match (old.types.get(name), new.types.get(name)) {
            (None, Some(added)) => {
                changes.push(Change::new(ChangeKind::TypeAdded, name).since(added.since));
            }
            (Some(removed), None) => {
                changes.push(Change::new(ChangeKind::TypeRemoved, name).since(removed.since));
            }
            (Some(before), Some(after)) => diff_type(name, before, after, &mut changes),
            (None, None) => unreachable!("the name came from one of the maps"),
        }
    }
    let mut summary = Summary::default();
    for change in &changes {
        match change.impact {
            Impact::Breaking => summary.breaking += 1,
            Impact::Additive => summary.additive += 1,
            Impact::Other => summary.other += 1,
        }
    }
    Diff {
        old: old.label.clone(),
        new: new.label.clone(),
        summary,
        changes,
    }
}

fn diff_type(name: &str, before: &TypeShape, after: &TypeShape, changes: &mut Vec<Change>) {
    if before.name != after.name {
        changes.push(
            Change::new(ChangeKind::TypeRenamed, name)
                .old_new(Some(before.name.clone()), Some(after.name.clone())),
        );
    }
    if let (Some(old), Some(new)) = (before.since, after.since) {
        if old != new {
            changes.push(
                Change::new(ChangeKind::VersionChanged, name)
                    .old_new(version_text(Some(old)), version_text(Some(new))),
            );
        }
    }
    match (&before.shape, &after.shape) {
        (Shape::Struct(old), Shape::Struct(new)) => {
            let members: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for member in members {
                match (old.get(member), new.get(member)) {
                    (None, Some(added)) => changes.push(
                        Change::new(ChangeKind::PropertyAdded, name)
                            .member(member)
                            .old_new(None, Some(join_types(&added.types)))
                            .since(added.since),
                    ),
                    (Some(removed), None) => changes.push(
                        Change::new(ChangeKind::PropertyRemoved, name)
                            .member(member)
                            .old_new(Some(join_types(&removed.types)), None)
                            .since(removed.since),
                    ),
                    (Some(old), Some(new)) => {
                        if old.types != new.types {
                            changes.push(
                                Change::new(ChangeKind::PropertyTypeChanged, name)
                                    .member(member)
                                    .old_new(
                                        Some(join_types(&old.types)),
                                        Some(join_types(&new.types)),
                                    ),
                            );
                        }
                        version_change(name, member, false, old.since, new.since, changes);
                    }
                    (None, None) => unreachable!("the member came from one of the maps"),
                }
            }
        }
        (Shape::Enum(old), Shape::Enum(new)) => {
            let members: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
            for member in members {
                match (old.get(member), new.get(member)) {
                    (None, Some(since)) => changes.push(
                        Change::new(ChangeKind::VariantAdded, name)
                            .value(member)
                            .since(*since),
                    ),
                    (Some(since), None) => changes.push(
                        Change::new(ChangeKind::VariantRemoved, name)
                            .value(member)
                            .since(*since),
                    ),
                    (Some(old), Some(new)) => {
                        version_change(name, member, true, *old, *new, changes)
                    }
                    (None, None) => unreachable!("the member came from one of the maps"),
                }
            }
        }
        (old, new) => changes.push(
            Change::new(ChangeKind::KindChanged, name)
                .old_new(Some(old.kind().to_owned()), Some(new.kind().to_owned())),
        ),
    }
}

fn version_change(
    name: &str,
    member: &str,
    variant: bool,
    old: Option<SchemaVersion>,
    new: Option<SchemaVersion>,
    changes: &mut Vec<Change>,
) {
    if let (Some(old), Some(new)) = (old, new) {
        if old != new {
            let change = Change::new(ChangeKind::VersionChanged, name);
            let change = if variant {
                change.value(member)
            } else {
                change.member(member)
            };
            changes.push(change.old_new(version_text(Some(old)), version_text(Some(new))));
        }
    }
}

/// Compares two releases of one model, by id (exactly as the model spells it).
pub fn diff_releases(model: &Model, old: &str, new: &str) -> Result<Diff> {
    Ok(diff(
        &Snapshot::of_release(model, old)?,
        &Snapshot::of_release(model, new)?,
    ))
}

/// Compares two schema files, after renaming the definitions `renames` lists to their newest
/// names (so a rename shows as a rename, not as a removal and an addition).
pub fn diff_schema_files(old: &Path, new: &Path, renames: &[Rename]) -> Result<Diff> {
    let label = |path: &Path| path.display().to_string();
    Ok(diff(
        &Snapshot::load_schema_files(&label(old), &[old.to_path_buf()], renames)?,
        &Snapshot::load_schema_files(&label(new), &[new.to_path_buf()], renames)?,
    ))
}

/// One release's part of a [`ModelDiff`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReleaseChanges {
    /// The release id.
    pub release: String,
    /// Its display name.
    pub name: String,
    /// Its build number.
    pub build: u32,
    /// The schema versions it first publishes.
    pub schema_versions: Vec<SchemaVersion>,
    /// The comparison: for an added release, the previous release of the new model (or nothing
    /// for the first) against it; for a changed release, the old model's release against the new
    /// model's.
    pub diff: Diff,
}

/// What changed between two models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelDiff {
    /// Releases only the new model has, each compared with the release before it.
    pub added_releases: Vec<ReleaseChanges>,
    /// Ids of releases only the old model has.
    pub removed_releases: Vec<String>,
    /// Releases both models have whose contents differ (a re-published file, changed release
    /// data or reference): the old model's view against the new model's.
    pub changed_releases: Vec<ReleaseChanges>,
    /// Observed sources only the new model has, with what they add.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_sources: Vec<SourceAdded>,
    /// Ids of observed sources only the old model has.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_sources: Vec<String>,
    /// Observed sources both models have whose contents differ: the old model's view against the
    /// new model's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_sources: Vec<SourceChanges>,
}

/// An observed source a model gained: what only it and the other observed sources have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceAdded {
    /// The source id.
    pub source: String,
    /// Its display name.
    pub name: String,
    /// Definitions, properties and enum values no published file has that it has.
    pub observed_definitions: usize,
    /// See `observed_definitions`.
    pub observed_properties: usize,
    /// See `observed_definitions`.
    pub observed_values: usize,
    /// Properties it types otherwise than the model (kept as `observed_types`).
    pub type_disagreements: usize,
}

/// An observed source whose contents differ between two models.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceChanges {
    /// The source id.
    pub source: String,
    /// Its display name.
    pub name: String,
    /// The old model's view of it against the new model's.
    pub diff: Diff,
}

impl ModelDiff {
    /// True when no release or observed source was added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added_releases.is_empty()
            && self.removed_releases.is_empty()
            && self.changed_releases.is_empty()
            && self.added_sources.is_empty()
            && self.removed_sources.is_empty()
            && self.changed_sources.is_empty()
    }

    /// True when some change is breaking.
    pub fn has_breaking(&self) -> bool {
        !self.removed_releases.is_empty()
            || self
                .added_releases
                .iter()
                .chain(&self.changed_releases)
                .any(|r| r.diff.has_breaking())
    }
}

/// Compares two models release by release.
pub fn diff_models(old: &Model, new: &Model) -> ModelDiff {
    let snapshot = |model: &Model, id: &str| {
        Snapshot::of_release(model, id).expect("the id comes from the model's releases")
    };
    let mut added_releases = Vec::new();
    let mut changed_releases = Vec::new();
    for (index, release) in new.releases.iter().enumerate() {
        let after = snapshot(new, &release.id);
        let before = if old.release(&release.id).is_some() {
            snapshot(old, &release.id)
        } else if index > 0 {
            snapshot(new, &new.releases[index - 1].id)
        } else {
            Snapshot {
                label: "nothing".to_owned(),
                types: BTreeMap::new(),
            }
        };
        let diff = diff(&before, &after);
        let changes = ReleaseChanges {
            release: release.id.clone(),
            name: release.name.clone(),
            build: release.build,
            schema_versions: release.schema_versions.clone(),
            diff,
        };
        if old.release(&release.id).is_none() {
            added_releases.push(changes);
        } else if !changes.diff.is_empty() {
            changed_releases.push(changes);
        }
    }
    let removed_releases = old
        .releases
        .iter()
        .filter(|r| new.release(&r.id).is_none())
        .map(|r| r.id.clone())
        .collect();
    let (added_sources, removed_sources, changed_sources) = diff_sources(old, new);
    ModelDiff {
        added_releases,
        removed_releases,
        changed_releases,
        added_sources,
        removed_sources,
        changed_sources,
    }
}

type SourceDiffs = (Vec<SourceAdded>, Vec<String>, Vec<SourceChanges>);

/// The observed sources of two models: added (with counts), removed, changed (as diffs).
fn diff_sources(old: &Model, new: &Model) -> SourceDiffs {
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for source in &new.observed.sources {
        let after = Snapshot::of_observed_source(new, &source.id).expect("a source of the model");
        if old.observed_source(&source.id).is_none() {
            added.push(source_added(new, &source.id, &source.name));
            continue;
        }
        let before = Snapshot::of_observed_source(old, &source.id).expect("a source of the model");
        let diff = diff(&before, &after);
        if !diff.is_empty() {
            changed.push(SourceChanges {
                source: source.id.clone(),
                name: source.name.clone(),
                diff,
            });
        }
    }
    let removed = old
        .observed
        .sources
        .iter()
        .filter(|s| new.observed_source(&s.id).is_none())
        .map(|s| s.id.clone())
        .collect();
    (added, removed, changed)
}

fn source_added(model: &Model, id: &str, name: &str) -> SourceAdded {
    let only_observed = |a: &crate::model::Availability| {
        a.published().is_none() && a.observed_in().iter().any(|s| s == id)
    };
    let mut added = SourceAdded {
        source: id.to_owned(),
        name: name.to_owned(),
        observed_definitions: 0,
        observed_properties: 0,
        observed_values: 0,
        type_disagreements: 0,
    };
    for definition in &model.definitions {
        added.observed_definitions += usize::from(only_observed(&definition.availability));
        match &definition.kind {
            DefinitionKind::Struct { properties } => {
                for property in properties {
                    added.observed_properties += usize::from(only_observed(&property.availability));
                    added.type_disagreements += property
                        .observed_types
                        .iter()
                        .filter(|o| o.sources.iter().any(|s| s == id))
                        .count();
                }
            }
            DefinitionKind::Enum { variants } => {
                for variant in variants {
                    added.observed_values += usize::from(only_observed(&variant.availability));
                }
            }
        }
    }
    added
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn summary_text(summary: &Summary) -> String {
    format!(
        "{} breaking, {} additive, {}",
        summary.breaking,
        summary.additive,
        plural(summary.other, "other change", "other changes")
    )
}

/// The diff as readable text: a header line, then one line per change, grouped by impact
/// (`!` breaking, `+` additive, `~` other).
pub fn render_text(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} -> {}: {}",
        diff.old,
        diff.new,
        summary_text(&diff.summary)
    );
    for (impact, mark, title) in [
        (Impact::Breaking, '!', "Breaking"),
        (Impact::Additive, '+', "Additive"),
        (Impact::Other, '~', "Other"),
    ] {
        let mut changes = diff.of_impact(impact).peekable();
        if changes.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "\n{title}:");
        for change in changes {
            let _ = writeln!(out, "{mark} {change}");
        }
    }
    out
}

/// A model diff as readable text: each added, removed and changed release.
pub fn render_model_text(diff: &ModelDiff) -> String {
    if diff.is_empty() {
        return "no release added, removed or changed\n".to_owned();
    }
    let mut out = String::new();
    for release in &diff.added_releases {
        let _ = writeln!(
            out,
            "added release {} ({}, build {})",
            release.release, release.name, release.build
        );
        out.push_str(&render_text(&release.diff));
        out.push('\n');
    }
    for id in &diff.removed_releases {
        let _ = writeln!(out, "removed release {id}\n");
    }
    for release in &diff.changed_releases {
        let _ = writeln!(
            out,
            "changed release {} ({})",
            release.release, release.name
        );
        out.push_str(&render_text(&release.diff));
        out.push('\n');
    }
    for source in &diff.added_sources {
        let _ = writeln!(out, "added observed source {}\n", source_added_text(source));
    }
    for id in &diff.removed_sources {
        let _ = writeln!(out, "removed observed source {id}\n");
    }
    for source in &diff.changed_sources {
        let _ = writeln!(
            out,
            "changed observed source {} ({})",
            source.source, source.name
        );
        out.push_str(&render_text(&source.diff));
        out.push('\n');
    }
    out.pop();
    out
}

fn source_added_text(source: &SourceAdded) -> String {
    format!(
        "{} ({}): {}, {}, {} that no published file has; {} typed otherwise than the model",
        source.source,
        source.name,
        plural(source.observed_definitions, "definition", "definitions"),
        plural(source.observed_properties, "property", "properties"),
        plural(source.observed_values, "enum value", "enum values"),
        plural(source.type_disagreements, "property", "properties")
    )
}

fn markdown_change(change: &Change) -> String {
    let item = format!("`{}`", change.item());
    let code = |value: &Option<String>| format!("`{}`", value.clone().unwrap_or_default());
    let since = change
        .since
        .map(|v| format!(" (schema {v})"))
        .unwrap_or_default();
    match change.change {
        ChangeKind::TypeAdded => format!("Type {item}{since}."),
        ChangeKind::TypeRemoved => format!("Removed type {item}."),
        ChangeKind::TypeRenamed => format!(
            "Type {} is now named {}.",
            code(&change.old),
            code(&change.new)
        ),
        ChangeKind::KindChanged => format!(
            "{item} changed from {} to {}.",
            change.old.clone().unwrap_or_default(),
            change.new.clone().unwrap_or_default()
        ),
        ChangeKind::PropertyAdded => {
            format!("Property {item}: {}{since}.", code(&change.new))
        }
        ChangeKind::PropertyRemoved => format!("Removed property {item}."),
        ChangeKind::PropertyTypeChanged => format!(
            "Property {item} changed type from {} to {}.",
            code(&change.old),
            code(&change.new)
        ),
        ChangeKind::VariantAdded => format!("Value {item}{since}."),
        ChangeKind::VariantRemoved => format!("Removed value {item}."),
        ChangeKind::VersionChanged => format!(
            "{item} now needs schema {} (was {}).",
            change.new.clone().unwrap_or_default(),
            change.old.clone().unwrap_or_default()
        ),
    }
}

fn markdown_diff(out: &mut String, diff: &Diff) {
    for (impact, title) in [
        (
            Impact::Breaking,
            "Breaking (documents valid before may be rejected):",
        ),
        (Impact::Additive, "Added:"),
        (Impact::Other, "Other:"),
    ] {
        let mut changes = diff.of_impact(impact).peekable();
        if changes.peek().is_none() {
            continue;
        }
        let _ = writeln!(out, "{title}\n");
        for change in changes {
            let _ = writeln!(out, "- {}", markdown_change(change));
        }
        out.push('\n');
    }
}

/// A markdown section (`###` headings) for `CHANGELOG.md` saying what a [`ModelDiff`] changed.
pub fn changelog_section(diff: &ModelDiff) -> String {
    let mut out = String::new();
    if diff.is_empty() {
        out.push_str(
            "### Schema model updated\n\nNo type, property or enum value changed in any release \
             (descriptions or version data only).\n",
        );
        return out;
    }
    for release in &diff.added_releases {
        let versions: Vec<String> = release
            .schema_versions
            .iter()
            .map(|v| v.to_string())
            .collect();
        let _ = writeln!(
            out,
            "### Release {}: {} (build {}, schema {})\n",
            release.release,
            release.name,
            release.build,
            versions.join(", ")
        );
        let _ = writeln!(
            out,
            "Compared with {}: {}.\n",
            if release.diff.old == "nothing" {
                "no earlier release".to_owned()
            } else {
                format!("release {}", release.diff.old)
            },
            summary_text(&release.diff.summary)
        );
        markdown_diff(&mut out, &release.diff);
    }
    for id in &diff.removed_releases {
        let _ = writeln!(
            out,
            "### Release {id} removed\n\nThe model no longer has release {id}.\n"
        );
    }
    for release in &diff.changed_releases {
        let _ = writeln!(
            out,
            "### Release {} changed: {}\n",
            release.release, release.name
        );
        let _ = writeln!(
            out,
            "The model now reads release {} differently: {}.\n",
            release.release,
            summary_text(&release.diff.summary)
        );
        markdown_diff(&mut out, &release.diff);
    }
    for source in &diff.added_sources {
        let _ = writeln!(
            out,
            "### Observed source added: {}\n\nEvidence, not publication: {}. `hcs-schema diff \
             <release> {}` lists its items.\n",
            source.name,
            source_added_text(source),
            source.source
        );
    }
    for id in &diff.removed_sources {
        let _ = writeln!(
            out,
            "### Observed source {id} removed\n\nThe model no longer has observed source {id}.\n"
        );
    }
    for source in &diff.changed_sources {
        let _ = writeln!(
            out,
            "### Observed source changed: {}\n\nThe model now reads {} differently: {}.\n",
            source.name,
            source.source,
            summary_text(&source.diff.summary)
        );
        markdown_diff(&mut out, &source.diff);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// `existing` (the text of `CHANGELOG.md`, `None` when there is none) with `section` inserted as
/// the newest entry under [`CHANGELOG_HEADING`]: after the heading's own introduction, before its
/// first `###` entry (or the next `#`/`##` heading). The heading is created when missing: before
/// the first `## ` heading, or at the end. Every existing line is kept.
pub fn insert_changelog_section(existing: Option<&str>, section: &str) -> String {
    let section = section.trim_matches('\n');
    let Some(text) = existing else {
        return format!("# Changelog\n\n{CHANGELOG_HEADING}\n\n{section}\n");
    };
    let text = text.replace("\r\n", "\n");
    let mut offset = 0;
    let mut first_h2 = None;
    let mut in_section = false;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        if in_section && heading_level(bare).is_some_and(|level| level <= 3) {
            return splice(&text, offset, section);
        }
        if bare == CHANGELOG_HEADING {
            in_section = true;
        } else if first_h2.is_none() && bare.starts_with("## ") {
            first_h2 = Some(offset);
        }
        offset += line.len();
    }
    if in_section {
        return splice(&text, text.len(), section);
    }
    let block = format!("{CHANGELOG_HEADING}\n\n{section}\n");
    match first_h2 {
        Some(at) => format!("{}{block}\n{}", &text[..at], &text[at..]),
        None if text.trim().is_empty() => format!("# Changelog\n\n{block}"),
        None => {
            let mut out = text.trim_end_matches('\n').to_owned();
            out.push_str("\n\n");
            out.push_str(&block);
            out
        }
    }
}

/// The level of a markdown ATX heading line (`### Title` is 3).
fn heading_level(line: &str) -> Option<usize> {
    let level = line.bytes().take_while(|b| *b == b'#').count();
    ((1..=6).contains(&level) && line[level..].starts_with(' ')).then_some(level)
}

/// `text` with `section` inserted at byte `at` (a line start or the end), one blank line on
/// either side.
fn splice(text: &str, at: usize, section: &str) -> String {
    let (before, after) = text.split_at(at);
    let mut out = before.trim_end_matches('\n').to_owned();
    out.push_str("\n\n");
    out.push_str(section);
    out.push('\n');
    if !after.is_empty() {
        out.push('\n');
        out.push_str(after);
    }
    out
}

/// The changelog hook of `cargo xtask import`: when the committed model at
/// `workspace::model_path(root)` exists and differs from `new_model`, inserts a section saying
/// what changed into `CHANGELOG.md` at `root` (creating the file or the heading if needed) and
/// records the path in `changed`. In [`Mode::Check`] it writes nothing. A committed model that
/// cannot be read (an older format) gets a section saying so instead of the changes.
pub fn record_import_in_changelog(
    root: &Path,
    new_model: &Model,
    mode: Mode,
    changed: &mut Vec<PathBuf>,
) -> Result<()> {
    let model_path = crate::workspace::model_path(root);
    let old_text = match std::fs::read_to_string(&model_path) {
        Ok(text) => text.replace("\r\n", "\n"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::with_source(&model_path, "", "cannot read", e)),
    };
    if old_text == new_model.to_json() {
        return Ok(());
    }
    let section = match Model::from_json(&model_path, &old_text) {
        Ok(old) => changelog_section(&diff_models(&old, new_model)),
        Err(e) => format!(
            "### Schema model updated\n\nThe previous model could not be read ({e}); the \
             changes are not listed.\n"
        ),
    };
    let path = root.join(CHANGELOG_FILE);
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::with_source(&path, "", "cannot read", e)),
    };
    let updated = insert_changelog_section(existing.as_deref(), &section);
    changed.push(path.clone());
    if mode == Mode::Write {
        std::fs::write(&path, updated)
            .map_err(|e| Error::with_source(&path, "", "cannot write", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_under_existing_heading_keeping_text() {
        let text = "# Changelog\n\nIntro.\n\n## HCS schema\n\n### Release 2104\n\nOld.\n\n## Other\n\nKept.\n";
        let out = insert_changelog_section(Some(text), "### Release 21H2\n\nNew.\n");
        assert_eq!(
            out,
            "# Changelog\n\nIntro.\n\n## HCS schema\n\n### Release 21H2\n\nNew.\n\n### Release 2104\n\nOld.\n\n## Other\n\nKept.\n"
        );
    }

    #[test]
    fn inserts_after_the_introduction() {
        let text = "# Changelog\n\n## HCS schema\n\nWhat each import changed.\n\n## hcs\n\n- x\n";
        let out = insert_changelog_section(Some(text), "### New\n\n#### Detail\n");
        assert_eq!(
            out,
            "# Changelog\n\n## HCS schema\n\nWhat each import changed.\n\n### New\n\n#### Detail\n\n## hcs\n\n- x\n"
        );
        let again = insert_changelog_section(Some(&out), "### Newer\n");
        assert!(
            again.contains("changed.\n\n### Newer\n\n### New\n"),
            "{again}"
        );
        let last = "# C\n\n## HCS schema\n\nIntro.\n";
        assert_eq!(
            insert_changelog_section(Some(last), "### X\n"),
            "# C\n\n## HCS schema\n\nIntro.\n\n### X\n"
        );
    }

    #[test]
    fn creates_heading_before_first_h2() {
        let text = "# Changelog\n\n## Unreleased\n\n- Thing.\n";
        let out = insert_changelog_section(Some(text), "### X\n");
        assert_eq!(
            out,
            "# Changelog\n\n## HCS schema\n\n### X\n\n## Unreleased\n\n- Thing.\n"
        );
    }

    #[test]
    fn creates_heading_at_end_or_file() {
        assert_eq!(
            insert_changelog_section(Some("# Changelog\n\nNotes."), "### X"),
            "# Changelog\n\nNotes.\n\n## HCS schema\n\n### X\n"
        );
        assert_eq!(
            insert_changelog_section(None, "### X\n"),
            "# Changelog\n\n## HCS schema\n\n### X\n"
        );
        assert_eq!(
            insert_changelog_section(Some(""), "### X\n"),
            "# Changelog\n\n## HCS schema\n\n### X\n"
        );
    }

    #[test]
    fn heading_at_end_without_newline() {
        let out = insert_changelog_section(Some("# C\n\n## HCS schema"), "### X\n");
        assert_eq!(out, "# C\n\n## HCS schema\n\n### X\n");
    }
}
