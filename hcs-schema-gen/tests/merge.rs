//! Merging releases: renames, removals, type changes and the since-version rules, on small
//! fixtures whose expected result is known.

use std::path::Path;

use hcs_schema_gen::load::load_str;
use hcs_schema_gen::merge::{ReleaseFile, merge};
use hcs_schema_gen::model::{DefinitionKind, Model};
use hcs_schema_gen::reference::{Reference, parse_reference};
use hcs_schema_gen::release_data::{Release, ReleaseData, Removal, Rename};

fn release(id: &str, versions: &[&str]) -> Release {
    Release {
        id: id.into(),
        name: format!("SDK {id}"),
        build: 10000,
        schema_versions: versions.iter().map(|v| v.parse().unwrap()).collect(),
        files: vec![format!("{id}.json")],
    }
}

fn data(renames: Vec<Rename>, removals: Vec<Removal>) -> ReleaseData {
    ReleaseData {
        releases: vec![release("A", &["2.0", "2.1"]), release("B", &["2.2"])],
        renames,
        removals,
    }
}

fn rename(from: &str, to: &str) -> Rename {
    Rename {
        from: from.into(),
        to: to.into(),
        release: "B".into(),
        why: "test".into(),
    }
}

fn removal(name: &str) -> Removal {
    Removal {
        name: name.into(),
        release: "B".into(),
        why: "test".into(),
    }
}

fn file(release: usize, definitions: serde_json::Value) -> ReleaseFile {
    let text = serde_json::json!({ "swagger": "2.0", "definitions": definitions }).to_string();
    ReleaseFile {
        release,
        file: load_str(Path::new(&format!("release{release}.json")), &text).unwrap(),
    }
}

const REFERENCE: &str = r#"
# JSON Schema Reference
## Enums
<a name = "CacheMode"></a>
## CacheMode
Referenced by: [Layer](#Layer)

|Variants|NewInVersion|Description|
|---|---|---|
|`"Unspecified"`<br>|[2.0](#Schema-Version-Map)|Use the default.|
|`"Enabled"`<br>|[2.1](#Schema-Version-Map)||

---
<a name = "Container_Memory"></a>
## Container_Memory
Memory of a container.

|Field|Type|NewInVersion|Description|
|---|---|---|---|
|**SizeInMB**<br>|[uint64](#JSON-type)|[2.1](#Schema-Version-Map)|Size.|
|**Late**<br>|[bool](#JSON-type)|[2.5](#Schema-Version-Map)||
|**Early**<br>|[bool](#JSON-type)|[2.0](#Schema-Version-Map)||

---
## Schema Version Map

|Schema Version|Release Version|
|---|---|
|2.0|Windows 10 SDK, version 1809 (10.0.17763.0)|
|2.2|Windows 10 SDK, version 1903 (10.0.18362.1)|
"#;

fn reference() -> Reference {
    parse_reference(Path::new("SchemaReference.md"), REFERENCE).unwrap()
}

fn run(
    data: &ReleaseData,
    files: &[ReleaseFile],
) -> Result<(Model, hcs_schema_gen::merge::MergeReport), String> {
    merge(data, files, &reference()).map_err(|e| e.to_string())
}

fn properties<'m>(model: &'m Model, name: &str) -> &'m [hcs_schema_gen::model::Property] {
    match &model.definition(name).unwrap().kind {
        DefinitionKind::Struct { properties } => properties,
        DefinitionKind::Enum { .. } => panic!("{name} is an enum"),
    }
}

#[test]
fn renamed_definitions_become_one_with_the_newest_name() {
    let files = [
        file(
            0,
            serde_json::json!({
                "Memory": { "type": "object", "properties": { "SizeInMB": { "type": "integer", "format": "uint64" } } },
                "Container": { "type": "object", "properties": { "Memory": { "$ref": "#/definitions/Memory" } } }
            }),
        ),
        file(
            1,
            serde_json::json!({
                "Container_Memory": { "type": "object", "properties": { "SizeInMB": { "type": "integer", "format": "uint64" } } },
                "Container": { "type": "object", "properties": { "Memory": { "$ref": "#/definitions/Container_Memory" } } }
            }),
        ),
    ];
    let (model, report) = run(
        &data(vec![rename("Memory", "Container_Memory")], vec![]),
        &files,
    )
    .unwrap();
    let names: Vec<&str> = model.definitions.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["Container", "Container_Memory"]);
    let memory = model.definition("Container_Memory").unwrap();
    assert_eq!(memory.former_names[0].name, "Memory");
    assert_eq!(memory.former_names[0].releases, ["A"]);
    assert_eq!(memory.availability.releases(), ["A", "B"]);
    assert_eq!(
        memory.description.as_deref(),
        Some("Memory of a container."),
        "the reference fills a missing description"
    );
    // The reference through the old name was rewritten, so the type did not change.
    assert!(report.type_changes.is_empty(), "{:?}", report.type_changes);
    assert_eq!(
        properties(&model, "Container")[0].ty.to_string(),
        "Container_Memory"
    );
}

#[test]
fn disappearing_definitions_need_a_recorded_removal() {
    let files = [
        file(
            0,
            serde_json::json!({ "Gone": { "type": "object" }, "Kept": { "type": "object" } }),
        ),
        file(1, serde_json::json!({ "Kept": { "type": "object" } })),
    ];
    let error = run(&data(vec![], vec![]), &files).unwrap_err();
    assert!(
        error.contains("`Gone` disappears in release B but is neither a rename"),
        "{error}"
    );
    let (model, _) = run(&data(vec![], vec![removal("Gone")]), &files).unwrap();
    assert_eq!(
        model.definition("Gone").unwrap().availability.removed_in(),
        Some("B")
    );
    assert_eq!(
        model.definition("Kept").unwrap().availability.removed_in(),
        None
    );
}

#[test]
fn release_data_that_matches_nothing_is_an_error() {
    let files = [
        file(0, serde_json::json!({ "Kept": { "type": "object" } })),
        file(1, serde_json::json!({ "Kept": { "type": "object" } })),
    ];
    let error = run(&data(vec![rename("Nothing", "Kept")], vec![]), &files).unwrap_err();
    assert!(
        error.contains("renames.json at /renames/0: never applied"),
        "{error}"
    );
    let error = run(&data(vec![], vec![removal("Kept")]), &files).unwrap_err();
    assert!(
        error.contains("removals.json at /removals/0: never applied"),
        "{error}"
    );
}

#[test]
fn an_old_name_after_its_rename_is_an_error() {
    let files = [
        file(0, serde_json::json!({ "Memory": { "type": "object" } })),
        file(1, serde_json::json!({ "Memory": { "type": "object" } })),
    ];
    let error = run(
        &data(vec![rename("Memory", "Container_Memory")], vec![]),
        &files,
    )
    .unwrap_err();
    assert!(
        error.starts_with("release1.json at /definitions/Memory"),
        "{error}"
    );
    assert!(
        error.contains("renamed it to `Container_Memory`"),
        "{error}"
    );
}

#[test]
fn a_changed_property_type_is_reported_and_the_newest_type_wins() {
    let files = [
        file(
            0,
            serde_json::json!({ "T": { "type": "object", "properties": { "P": { "type": "integer", "format": "uint32" } } } }),
        ),
        file(
            1,
            serde_json::json!({ "T": { "type": "object", "properties": { "P": { "type": "integer", "format": "uint64" } } } }),
        ),
    ];
    let (model, report) = run(&data(vec![], vec![]), &files).unwrap();
    let property = &properties(&model, "T")[0];
    assert_eq!(property.ty.to_string(), "uint64");
    let history: Vec<(String, Vec<String>)> = property
        .type_history
        .iter()
        .map(|h| (h.ty.to_string(), h.releases.clone()))
        .collect();
    assert_eq!(
        history,
        [
            ("uint32".to_owned(), vec!["A".to_owned()]),
            ("uint64".to_owned(), vec!["B".to_owned()])
        ]
    );
    assert_eq!(report.type_changes, ["T.P: uint32 (A) -> uint64 (B)"]);
}

#[test]
fn since_versions_follow_the_reference_and_the_files() {
    let files = [
        file(
            0,
            serde_json::json!({
                "Container_Memory": { "type": "object", "properties": {
                    "SizeInMB": { "type": "integer", "format": "uint64" },
                    "Late": { "type": "boolean" },
                    "Undocumented": { "type": "boolean" }
                } },
                "CacheMode": { "type": "string", "enum": ["", "Enabled", "Dropped"] }
            }),
        ),
        file(
            1,
            serde_json::json!({
                "Container_Memory": { "type": "object", "properties": {
                    "SizeInMB": { "type": "integer", "format": "uint64" },
                    "Late": { "type": "boolean" },
                    "Undocumented": { "type": "boolean" },
                    "Early": { "type": "boolean" },
                    "New": { "type": "boolean" }
                } },
                "CacheMode": { "type": "string", "enum": ["", "Enabled"] }
            }),
        ),
    ];
    let (model, report) = run(&data(vec![], vec![]), &files).unwrap();
    let since = |name: &str| {
        let p = properties(&model, "Container_Memory")
            .iter()
            .find(|p| p.name == name)
            .unwrap();
        let published = p.availability.published().unwrap();
        (
            published.since.to_string(),
            published.documented.map(|v| v.to_string()),
            published.first_release.clone(),
        )
    };
    // Documented and in range of the first release: the documented version.
    assert_eq!(
        since("SizeInMB"),
        ("2.1".into(), Some("2.1".into()), "A".into())
    );
    // Documented later than the files have it: both kept, the later one wins.
    assert_eq!(
        since("Late"),
        ("2.5".into(), Some("2.5".into()), "A".into())
    );
    // Not documented: the first release's first version.
    assert_eq!(since("Undocumented"), ("2.0".into(), None, "A".into()));
    assert_eq!(since("New"), ("2.2".into(), None, "B".into()));
    // Documented earlier than the files have it: the files win.
    assert_eq!(
        since("Early"),
        ("2.2".into(), Some("2.0".into()), "B".into())
    );
    assert_eq!(
        report.version_disagreements.len(),
        2,
        "{:?}",
        report.version_disagreements
    );
    // New members keep their place in the file order.
    let order: Vec<&str> = properties(&model, "Container_Memory")
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(order, ["SizeInMB", "Late", "Undocumented", "Early", "New"]);

    let DefinitionKind::Enum { variants } = &model.definition("CacheMode").unwrap().kind else {
        panic!()
    };
    // The reference names the empty value "Unspecified".
    assert_eq!(variants[0].value, "");
    assert_eq!(variants[0].documented_as.as_deref(), Some("Unspecified"));
    assert_eq!(variants[0].description.as_deref(), Some("Use the default."));
    assert_eq!(variants[2].value, "Dropped");
    assert_eq!(variants[2].availability.removed_in(), Some("B"));
    assert!(
        model.documented_only.is_empty(),
        "{:?}",
        model.documented_only
    );
}

#[test]
fn reference_rows_it_cannot_read_are_errors_with_a_line() {
    let broken = REFERENCE.replace(
        "[2.1](#Schema-Version-Map)||",
        "[two](#Schema-Version-Map)||",
    );
    let error = parse_reference(Path::new("SchemaReference.md"), &broken)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("SchemaReference.md at line 11: in `CacheMode`"),
        "{error}"
    );
    let no_map = REFERENCE.split("## Schema Version Map").next().unwrap();
    let error = parse_reference(Path::new("SchemaReference.md"), no_map)
        .unwrap_err()
        .to_string();
    assert!(error.contains("no \"Schema Version Map\""), "{error}");
    let reference = reference();
    assert_eq!(reference.version_map[1].build, 18362);
    assert_eq!(
        reference
            .since("Container_Memory", "Late")
            .unwrap()
            .to_string(),
        "2.5"
    );
}
