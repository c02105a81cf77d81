//! The diff module against the committed model: every consecutive pair of releases diffs to
//! exactly what the model's availability data says (recomputed here independently), model diffs
//! and the changelog hook, a two-file fixture, and (when the published files are present) the
//! diff of the published files of each pair of releases.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hcs_schema_gen::diff::{
    self, ChangeKind, Impact, Snapshot, diff_models, diff_releases, insert_changelog_section,
};
use hcs_schema_gen::model::{self, DefinitionKind, Model};
use hcs_schema_gen::release_data::ReleaseData;
use hcs_schema_gen::workspace::{self, Mode};

fn model() -> Model {
    Model::load(&workspace::model_path(&workspace::root())).expect("the committed model loads")
}

/// (change, type, member, old, new) of every change.
type Key = (
    ChangeKind,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn keys(diff: &diff::Diff) -> BTreeSet<Key> {
    diff.changes
        .iter()
        .map(|c| {
            let (old, new) = match c.change {
                ChangeKind::TypeRenamed | ChangeKind::PropertyTypeChanged => {
                    (c.old.clone(), c.new.clone())
                }
                _ => (None, None),
            };
            (c.change, c.type_name.clone(), c.member.clone(), old, new)
        })
        .collect()
}

/// What the availability data says changed from release `old` to release `new`.
fn expected(model: &Model, old: &str, new: &str) -> BTreeSet<Key> {
    let has = |releases: &[String], id: &str| releases.iter().any(|r| r == id);
    let mut out = BTreeSet::new();
    for d in &model.definitions {
        let (in_old, in_new) = (
            has(d.availability.releases(), old),
            has(d.availability.releases(), new),
        );
        let name = d.name.clone();
        match (in_old, in_new) {
            (false, true) => {
                out.insert((ChangeKind::TypeAdded, name, None, None, None));
                continue;
            }
            (true, false) => {
                out.insert((ChangeKind::TypeRemoved, name, None, None, None));
                continue;
            }
            (false, false) => continue,
            (true, true) => {}
        }
        let spelled = |id: &str| {
            d.former_names
                .iter()
                .find(|f| has(&f.releases, id))
                .map_or(d.name.clone(), |f| f.name.clone())
        };
        if spelled(old) != spelled(new) {
            out.insert((
                ChangeKind::TypeRenamed,
                name.clone(),
                None,
                Some(spelled(old)),
                Some(spelled(new)),
            ));
        }
        match &d.kind {
            DefinitionKind::Struct { properties } => {
                for p in properties {
                    let member = Some(p.name.clone());
                    match (
                        has(p.availability.releases(), old),
                        has(p.availability.releases(), new),
                    ) {
                        (false, true) => {
                            out.insert((
                                ChangeKind::PropertyAdded,
                                name.clone(),
                                member,
                                None,
                                None,
                            ));
                        }
                        (true, false) => {
                            out.insert((
                                ChangeKind::PropertyRemoved,
                                name.clone(),
                                member,
                                None,
                                None,
                            ));
                        }
                        (true, true) => {
                            let types = |id: &str| {
                                let mut t: Vec<String> = p
                                    .type_history
                                    .iter()
                                    .filter(|h| has(&h.releases, id))
                                    .map(|h| h.ty.to_string())
                                    .collect();
                                if t.is_empty() {
                                    t.push(p.ty.to_string());
                                }
                                t.sort();
                                t.join(" | ")
                            };
                            if types(old) != types(new) {
                                out.insert((
                                    ChangeKind::PropertyTypeChanged,
                                    name.clone(),
                                    member,
                                    Some(types(old)),
                                    Some(types(new)),
                                ));
                            }
                        }
                        (false, false) => {}
                    }
                }
            }
            DefinitionKind::Enum { variants } => {
                for v in variants {
                    let member = Some(v.value.clone());
                    match (
                        has(v.availability.releases(), old),
                        has(v.availability.releases(), new),
                    ) {
                        (false, true) => {
                            out.insert((
                                ChangeKind::VariantAdded,
                                name.clone(),
                                member,
                                None,
                                None,
                            ));
                        }
                        (true, false) => {
                            out.insert((
                                ChangeKind::VariantRemoved,
                                name.clone(),
                                member,
                                None,
                                None,
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

#[test]
fn consecutive_releases_diff_to_the_availability_data() {
    let model = model();
    assert!(model.releases.len() >= 2);
    for pair in model.releases.windows(2) {
        let (old, new) = (&pair[0].id, &pair[1].id);
        let diff = diff_releases(&model, old, new).unwrap();
        assert_eq!(
            keys(&diff),
            expected(&model, old, new),
            "diff {old} -> {new} disagrees with the model"
        );
        assert!(
            !diff.is_empty(),
            "{old} -> {new}: every published release changed something"
        );
        // And backwards: every addition is a removal.
        let back = diff_releases(&model, new, old).unwrap();
        assert_eq!(
            back.summary.additive,
            diff.summary.breaking - type_changes(&diff)
        );
        for change in &diff.changes {
            assert_eq!(change.breaking, change.impact == Impact::Breaking);
            assert_ne!(
                change.change,
                ChangeKind::VersionChanged,
                "one model, one version each"
            );
        }
        // Sorted and stable.
        let order: Vec<&str> = diff.changes.iter().map(|c| c.type_name.as_str()).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(diff, diff_releases(&model, old, new).unwrap());
    }
}

fn type_changes(diff: &diff::Diff) -> usize {
    diff.changes
        .iter()
        .filter(|c| {
            matches!(
                c.change,
                ChangeKind::PropertyTypeChanged | ChangeKind::KindChanged
            )
        })
        .count()
}

#[test]
fn the_20h2_renames_and_removals_show() {
    let model = model();
    let diff = diff_releases(&model, "2004", "20H2").unwrap();
    let keys = keys(&diff);
    assert!(keys.contains(&(
        ChangeKind::TypeRenamed,
        "System_PropertyQuery".into(),
        None,
        Some("PropertyQuery_2".into()),
        Some("System_PropertyQuery".into())
    )));
    assert!(keys.contains(&(ChangeKind::TypeRemoved, "Nvram".into(), None, None, None)));
    // Every rename and removal of the release data is there.
    for rename in model.renames.iter().filter(|r| r.release == "20H2") {
        assert!(
            diff.changes
                .iter()
                .any(|c| c.change == ChangeKind::TypeRenamed
                    && c.old.as_deref() == Some(rename.from.as_str())
                    && c.new.as_deref() == Some(rename.to.as_str())),
            "rename {} -> {} missing",
            rename.from,
            rename.to
        );
    }
    for removal in model.removals.iter().filter(|r| r.release == "20H2") {
        assert!(keys.contains(&(
            ChangeKind::TypeRemoved,
            removal.name.clone(),
            None,
            None,
            None
        )));
    }
    assert!(diff_releases(&model, "2004", "nope").is_err());
}

const OLD_FILE: &str = r##"{
  "definitions": {
    "Memory_2": { "type": "object", "properties": {
      "SizeInMB": { "type": "integer", "format": "uint64" },
      "Backing": { "type": "string" } } },
    "Topology": { "type": "object", "properties": {
      "Memory": { "$ref": "#/definitions/Memory_2" },
      "Count": { "type": "integer", "format": "uint32" } } },
    "CacheMode": { "type": "string", "enum": ["", "Disabled", "Enabled"] },
    "Nvram": { "type": "object", "properties": {} },
    "Flip": { "type": "object", "properties": {} }
  }
}"##;

const NEW_FILE: &str = r##"{
  "definitions": {
    "VirtualMachine_Memory": { "type": "object", "properties": {
      "SizeInMB": { "type": "integer", "format": "uint64" },
      "HighMmioGapInMB": { "type": "integer", "format": "uint64" } } },
    "Topology": { "type": "object", "properties": {
      "Memory": { "$ref": "#/definitions/VirtualMachine_Memory" },
      "Count": { "type": "integer", "format": "uint64" } } },
    "CacheMode": { "type": "string", "enum": ["", "Enabled", "Private"] },
    "Battery": { "type": "object", "properties": {} },
    "Flip": { "type": "string", "enum": ["A"] }
  }
}"##;

#[test]
fn two_file_fixture() {
    let data = ReleaseData::load(&workspace::data_dir(&workspace::root())).unwrap();
    let load = |name: &str, text: &str| {
        hcs_schema_gen::load::load_str(Path::new(name), text).expect("the fixture loads")
    };
    let old = Snapshot::of_schema_files("old.json", &[load("old.json", OLD_FILE)], &data.renames);
    let new = Snapshot::of_schema_files("new.json", &[load("new.json", NEW_FILE)], &data.renames);
    let diff = diff::diff(&old, &new);
    let lines: Vec<String> = diff
        .changes
        .iter()
        .map(|c| format!("{:?} {c}", c.impact))
        .collect();
    assert_eq!(
        lines,
        [
            "Additive added type Battery",
            "Breaking removed variant CacheMode=\"Disabled\"",
            "Additive added variant CacheMode=\"Private\"",
            "Breaking changed Flip from struct to enum",
            "Breaking removed type Nvram",
            "Breaking changed type of Topology.Count: uint32 -> uint64",
            "Other renamed type Memory_2 -> VirtualMachine_Memory",
            "Breaking removed property VirtualMachine_Memory.Backing: string",
            "Additive added property VirtualMachine_Memory.HighMmioGapInMB: uint64",
        ]
    );
    assert_eq!(
        (
            diff.summary.breaking,
            diff.summary.additive,
            diff.summary.other
        ),
        (5, 3, 1)
    );
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["changes"][1]["change"], "variant-removed");
    assert_eq!(json["changes"][1]["breaking"], true);
    assert_eq!(json["changes"][1]["member"], "Disabled");
    assert!(
        diff::render_text(&diff)
            .starts_with("old.json -> new.json: 5 breaking, 3 additive, 1 other change\n")
    );
    // A file against itself: nothing.
    assert!(diff::diff(&old, &old).is_empty());

    // The same from files on disk.
    let root = temp_root("files");
    let (old_path, new_path) = (root.join("old.json"), root.join("new.json"));
    std::fs::write(&old_path, OLD_FILE).unwrap();
    std::fs::write(&new_path, NEW_FILE).unwrap();
    let from_disk = diff::diff_schema_files(&old_path, &new_path, &data.renames).unwrap();
    assert_eq!(from_disk.changes, diff.changes);
    assert_eq!(from_disk.old, old_path.display().to_string());
    // A broken file names itself and the place.
    std::fs::write(
        &new_path,
        "{\"definitions\": {\"X\": {\"type\": \"object\", \"oops\": 1}}}",
    )
    .unwrap();
    let error = diff::diff_schema_files(&old_path, &new_path, &data.renames).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("new.json at /definitions/X/oops"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// `model` as it was before its last release was imported.
fn without_last_release(model: &Model) -> Model {
    let mut old = model.clone();
    let last = old.releases.pop().unwrap().id;
    let drop = |releases: &mut Vec<String>| releases.retain(|r| *r != last);
    // Observed items have no releases and stay.
    let kept = |a: &model::Availability| {
        a.published().is_none() || a.releases().iter().any(|r| *r != last)
    };
    let drop_in = |a: &mut model::Availability| {
        if let Some(p) = a.published_mut() {
            drop(&mut p.releases);
        }
    };
    old.definitions.retain(|d| kept(&d.availability));
    for d in &mut old.definitions {
        drop_in(&mut d.availability);
        for f in &mut d.former_names {
            drop(&mut f.releases);
        }
        match &mut d.kind {
            DefinitionKind::Struct { properties } => {
                properties.retain(|p| kept(&p.availability));
                for p in properties {
                    drop_in(&mut p.availability);
                    for h in &mut p.type_history {
                        drop(&mut h.releases);
                    }
                    p.type_history.retain(|h| !h.releases.is_empty());
                }
            }
            DefinitionKind::Enum { variants } => {
                variants.retain(|v| kept(&v.availability));
                for v in variants {
                    drop_in(&mut v.availability);
                }
            }
        }
    }
    old
}

#[test]
fn model_diff_of_an_added_release_is_the_release_diff() {
    let model = model();
    let old = without_last_release(&model);
    let changes = diff_models(&old, &model);
    let n = model.releases.len();
    let (before, last) = (&model.releases[n - 2].id, &model.releases[n - 1].id);
    assert_eq!(changes.added_releases.len(), 1);
    assert_eq!(&changes.added_releases[0].release, last);
    assert_eq!(
        changes.added_releases[0].diff,
        diff_releases(&model, before, last).unwrap()
    );
    assert!(changes.removed_releases.is_empty());
    assert!(
        changes.changed_releases.is_empty(),
        "{:#?}",
        changes.changed_releases
    );
    assert!(diff_models(&model, &model).is_empty());
    // Backwards: the release is removed.
    assert_eq!(
        diff_models(&model, &old).removed_releases,
        vec![last.clone()]
    );

    let section = diff::changelog_section(&changes);
    assert!(
        section.starts_with(&format!("### Release {last}: ")),
        "{section}"
    );
    assert!(section.contains(&format!("Compared with release {before}:")));
    assert!(
        section.contains("- Property `Attachment.AlwaysAllowSparseFiles`: `bool` (schema 2.6).")
    );
}

#[test]
fn a_changed_since_is_reported_for_the_release() {
    let model = model();
    let mut changed = model.clone();
    let d = changed
        .definitions
        .iter_mut()
        .find(|d| d.name == "Attachment")
        .unwrap();
    let DefinitionKind::Struct { properties } = &mut d.kind else {
        panic!("Attachment is a struct")
    };
    properties[0].availability.published_mut().unwrap().since = "2.2".parse().unwrap();
    let changes = diff_models(&model, &changed);
    assert!(changes.added_releases.is_empty());
    // Every release that has the property reports the version change, and nothing else.
    assert_eq!(changes.changed_releases.len(), model.releases.len());
    for release in &changes.changed_releases {
        assert_eq!(release.diff.changes.len(), 1);
        let change = &release.diff.changes[0];
        assert_eq!(change.change, ChangeKind::VersionChanged);
        assert_eq!(change.impact, Impact::Other);
        assert_eq!(change.item(), "Attachment.Type");
    }
    assert!(
        diff::changelog_section(&changes)
            .contains("- `Attachment.Type` now needs schema 2.2 (was 2.0).")
    );
}

fn temp_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hcs-diff-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(workspace::data_dir(&dir)).unwrap();
    dir
}

#[test]
fn changelog_hook_writes_only_in_write_mode_and_keeps_text() {
    let model = model();
    let old = without_last_release(&model);
    let root = temp_root("hook");
    std::fs::write(workspace::model_path(&root), old.to_json()).unwrap();
    let changelog = root.join("CHANGELOG.md");
    let existing =
        "# Changelog\n\n## HCS schema\n\n### Earlier\n\nKept.\n\n## hcs\n\n- Other notes.\n";
    std::fs::write(&changelog, existing).unwrap();

    let mut changed = Vec::new();
    diff::record_import_in_changelog(&root, &model, Mode::Check, &mut changed).unwrap();
    assert_eq!(changed, vec![changelog.clone()]);
    assert_eq!(
        std::fs::read_to_string(&changelog).unwrap(),
        existing,
        "check mode writes nothing"
    );

    let mut changed = Vec::new();
    diff::record_import_in_changelog(&root, &model, Mode::Write, &mut changed).unwrap();
    assert_eq!(changed, vec![changelog.clone()]);
    let text = std::fs::read_to_string(&changelog).unwrap();
    let section = diff::changelog_section(&diff_models(&old, &model));
    assert_eq!(text, insert_changelog_section(Some(existing), &section));
    let last = &model.releases.last().unwrap().id;
    let new_at = text.find(&format!("### Release {last}")).unwrap();
    assert!(text.find("## HCS schema").unwrap() < new_at);
    assert!(new_at < text.find("### Earlier").unwrap());
    assert!(text.contains("Kept.") && text.ends_with("## hcs\n\n- Other notes.\n"));

    // The committed model is the new one: nothing to record.
    std::fs::write(workspace::model_path(&root), model.to_json()).unwrap();
    let mut changed = Vec::new();
    diff::record_import_in_changelog(&root, &model, Mode::Write, &mut changed).unwrap();
    assert!(changed.is_empty());
    assert_eq!(std::fs::read_to_string(&changelog).unwrap(), text);

    // No committed model (first import): nothing; no changelog yet: created.
    std::fs::remove_file(workspace::model_path(&root)).unwrap();
    diff::record_import_in_changelog(&root, &model, Mode::Write, &mut changed).unwrap();
    assert!(changed.is_empty());
    std::fs::write(workspace::model_path(&root), old.to_json()).unwrap();
    std::fs::remove_file(&changelog).unwrap();
    diff::record_import_in_changelog(&root, &model, Mode::Write, &mut changed).unwrap();
    let created = std::fs::read_to_string(&changelog).unwrap();
    assert!(created.starts_with("# Changelog\n\n## HCS schema\n\n### Release "));

    // A committed model that cannot be read: said so, import not blocked.
    std::fs::write(workspace::model_path(&root), "{\"format\": 0}").unwrap();
    diff::record_import_in_changelog(&root, &model, Mode::Write, &mut changed).unwrap();
    assert!(
        std::fs::read_to_string(&changelog)
            .unwrap()
            .contains("could not be read")
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// The published files of each release, diffed pair by pair, say what the model says (ignoring
/// versions, which files do not have).
#[test]
fn published_files_diff_like_the_model() {
    let root = workspace::root();
    let input = workspace::shared_dir(&root).join("schema-json");
    let data_dir = workspace::data_dir(&root);
    if !hcs_schema_gen::import::inputs_present(&data_dir, &input) {
        workspace::skip_missing_inputs::<()>(&input);
        return;
    }
    let data = ReleaseData::load(&data_dir).unwrap();
    let model = model();
    let snapshot = |index: usize| {
        let release = &data.releases[index];
        let files: Vec<PathBuf> = release.files.iter().map(|f| input.join(f)).collect();
        Snapshot::load_schema_files(&release.id, &files, &data.renames).unwrap()
    };
    for index in 1..data.releases.len() {
        let (old, new) = (&data.releases[index - 1].id, &data.releases[index].id);
        let from_files = diff::diff(&snapshot(index - 1), &snapshot(index));
        let from_model = diff_releases(&model, old, new).unwrap();
        assert_eq!(keys(&from_files), keys(&from_model), "{old} -> {new}");
    }
}
