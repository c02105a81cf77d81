//! Observed sources in the merge: the rules of ARCHITECTURE.md ("The merge rules", 8 to 11) on
//! small fixtures whose expected result is written here.

use std::path::Path;

use hcs_schema_gen::load::load_str;
use hcs_schema_gen::merge::{MergeReport, ObservedFile, ReleaseFile, merge_all};
use hcs_schema_gen::model::{Availability, DefinitionKind, Model, Property};
use hcs_schema_gen::observed_data::{
    Addition, Alias, Evidence, EvidenceKind, Exclusion, ObservedData, ObservedSource,
};
use hcs_schema_gen::reference::Reference;
use hcs_schema_gen::release_data::{Release, ReleaseData};

fn data() -> ReleaseData {
    ReleaseData {
        releases: vec![Release {
            id: "A".into(),
            name: "SDK A".into(),
            build: 10000,
            schema_versions: vec!["2.0".parse().unwrap()],
            files: vec!["a.json".into()],
        }],
        renames: vec![],
        removals: vec![],
    }
}

fn source(id: &str) -> ObservedSource {
    ObservedSource {
        id: id.into(),
        name: format!("Source {id}"),
        description: "test".into(),
        file: format!("observed/{id}.json"),
        sha256: None,
    }
}

fn fact(id: &str, source: &str, kind: EvidenceKind, version: &str, items: &[&str]) -> Evidence {
    Evidence {
        id: id.into(),
        source: source.into(),
        kind,
        version: Some(version.parse().unwrap()),
        build: None,
        items: items.iter().map(|i| (*i).to_owned()).collect(),
        except: vec![],
        locations: vec!["src/x.go:1".into()],
        says: "test".into(),
    }
}

fn schema(path: &str, definitions: serde_json::Value) -> hcs_schema_gen::spec::SchemaFile {
    let text = serde_json::json!({ "swagger": "2.0", "definitions": definitions }).to_string();
    load_str(Path::new(path), &text).unwrap()
}

/// The published file: `Vm` with a GUID `Id` and a `uint64` `Size`, `Task`, the enum `Mode`.
fn published() -> Vec<ReleaseFile> {
    vec![ReleaseFile {
        release: 0,
        file: schema(
            "a.json",
            serde_json::json!({
                "Vm": { "type": "object", "properties": {
                    "Id": { "type": "string", "pattern": "^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$" },
                    "Size": { "type": "integer", "format": "uint64" }
                } },
                "Task": { "type": "object", "properties": { "Name": { "type": "string" } } },
                "Mode": { "type": "string", "enum": ["On"] }
            }),
        ),
    }]
}

/// Source `one` (first in precedence) and `two`.
fn observed_files() -> Vec<ObservedFile> {
    let one = serde_json::json!({
        "Vm": { "type": "object", "properties": {
            "Id": { "type": "string" },
            "Size": { "type": "integer", "format": "int32" },
            "Secure": { "$ref": "#/definitions/Security" },
            "Flags": { "type": "integer", "format": "int64" },
            "Kind": { "type": "string", "$ref": "#/definitions/Kind" }
        } },
        "Security": { "type": "object", "properties": { "Tpm": { "type": "boolean" } } },
        "Kind": { "type": "string", "enum": ["Fast"] },
        "Mode": { "type": "string", "enum": ["On", "Off"] }
    });
    let two = serde_json::json!({
        "Vm": { "type": "object", "properties": {
            "Flags": { "type": "integer", "format": "int32" },
            "Kind": { "type": "string" },
            "Extra": { "type": "object", "x-go-type": "v1.Metrics" },
            "Job": { "$ref": "#/definitions/GoJob" },
            "Spec": { "$ref": "#/definitions/OciSpec" }
        } },
        "GoJob": { "type": "object", "properties": { "Name": { "type": "string" } } },
        "OciSpec": { "type": "object", "properties": { "Version": { "type": "string" } } },
        "Job": { "type": "object", "properties": { "Name": { "type": "string" } } }
    });
    vec![
        ObservedFile {
            source: 0,
            file: schema("one.json", one),
        },
        ObservedFile {
            source: 1,
            file: schema("two.json", two),
        },
    ]
}

fn observed() -> ObservedData {
    ObservedData {
        sources: vec![source("one"), source("two")],
        aliases: vec![],
        additions: vec![Addition {
            source: "one".into(),
            item: "Vm.Filter".into(),
            ty: "Kind".into(),
            location: "guest/x.go".into(),
            why: "declared outside the derived file".into(),
        }],
        exclusions: vec![
            Exclusion {
                item: "OciSpec".into(),
                why: "not HCS".into(),
            },
            Exclusion {
                item: "Vm.Spec".into(),
                why: "refers to OciSpec".into(),
            },
            Exclusion {
                item: "Vm.Extra".into(),
                why: "containerd type".into(),
            },
            // `GoJob` is `two`'s own name for another source's `Job`: an observed-only type, so
            // an alias cannot name it (aliases map to published definitions).
            Exclusion {
                item: "GoJob".into(),
                why: "duplicate".into(),
            },
            Exclusion {
                item: "Vm.Job".into(),
                why: "refers to GoJob".into(),
            },
        ],
        evidence: vec![
            fact(
                "security-2.9",
                "one",
                EvidenceKind::Introduced,
                "2.9",
                &["Security"],
            ),
            fact(
                "flags-2.5",
                "two",
                EvidenceKind::Accepted,
                "2.5",
                &["Vm.Flags"],
            ),
        ],
    }
}

fn run(observed: &ObservedData, files: &[ObservedFile]) -> Result<(Model, MergeReport), String> {
    merge_all(
        &data(),
        &published(),
        &Reference::default(),
        observed,
        files,
    )
    .map_err(|e| e.to_string())
}

fn property<'m>(model: &'m Model, ty: &str, name: &str) -> &'m Property {
    match &model.definition(ty).unwrap().kind {
        DefinitionKind::Struct { properties } => {
            properties.iter().find(|p| p.name == name).unwrap()
        }
        DefinitionKind::Enum { .. } => panic!("{ty} is an enum"),
    }
}

fn observed_of(availability: &Availability) -> (Vec<String>, Vec<String>) {
    match availability {
        Availability::Observed(o) => (o.observed_in.clone(), o.evidence.clone()),
        Availability::Published(_) => panic!("published: {availability:?}"),
    }
}

#[test]
fn published_facts_win_and_every_disagreement_is_kept() {
    let (model, report) = run(&observed(), &observed_files()).unwrap();
    // A GUID stays a GUID, a uint64 a uint64; what the source said is kept and reported.
    let id = property(&model, "Vm", "Id");
    assert_eq!(id.ty.to_string(), "guid");
    assert_eq!(id.availability.since().unwrap().to_string(), "2.0");
    assert_eq!(id.observed_types[0].ty.to_string(), "string");
    assert_eq!(id.observed_types[0].sources, ["one"]);
    let size = property(&model, "Vm", "Size");
    assert_eq!(size.ty.to_string(), "uint64");
    assert_eq!(size.availability.observed_in(), ["one"]);
    assert_eq!(
        report.observed_disagreements,
        [
            "one: Vm.Id: string; published guid",
            "one: Vm.Size: int32; published uint64",
            "two: Vm.Flags: int32; one int64, kept (earlier in observed.json)",
            "two: Vm.Kind: string; one Kind, kept (earlier in observed.json)",
        ]
    );
    // Between sources, the earlier one's type wins.
    assert_eq!(property(&model, "Vm", "Flags").ty.to_string(), "int64");
    assert_eq!(property(&model, "Vm", "Kind").ty.to_string(), "Kind");
}

#[test]
fn observed_items_are_typed_and_labelled_with_their_sources_and_evidence() {
    let (model, report) = run(&observed(), &observed_files()).unwrap();
    // A definition only a source has, and its member: observed, with the fact about the type.
    let security = model.definition("Security").unwrap();
    assert_eq!(
        observed_of(&security.availability),
        (vec!["one".into()], vec!["security-2.9".into()])
    );
    assert_eq!(
        observed_of(&property(&model, "Security", "Tpm").availability),
        (vec!["one".into()], vec!["security-2.9".into()])
    );
    // A property of a published definition, in both sources, with a fact from one.
    assert_eq!(
        observed_of(&property(&model, "Vm", "Flags").availability),
        (vec!["one".into(), "two".into()], vec!["flags-2.5".into()])
    );
    // Version unknown: no fact.
    assert_eq!(
        observed_of(&property(&model, "Vm", "Secure").availability),
        (vec!["one".into()], vec![])
    );
    // An added property, after the others.
    let DefinitionKind::Struct { properties } = &model.definition("Vm").unwrap().kind else {
        panic!()
    };
    assert_eq!(properties.last().unwrap().name, "Filter");
    assert_eq!(properties.last().unwrap().ty.to_string(), "Kind");
    // An observed value of a published enum.
    let DefinitionKind::Enum { variants } = &model.definition("Mode").unwrap().kind else {
        panic!()
    };
    assert!(variants[0].availability.published().is_some());
    assert_eq!(
        variants[1].value, "Off",
        "the observed value after the published one"
    );
    assert!(variants[1].availability.published().is_none());
    // Exclusions are out, with what refers to them.
    assert!(model.definition("OciSpec").is_none());
    assert!(model.definition("GoJob").is_none());
    assert!(
        properties
            .iter()
            .all(|p| p.name != "Extra" && p.name != "Spec")
    );
    // `two`'s own `Job` definition is observed.
    assert!(model.definition("Job").is_some());
    assert_eq!(report.observed_counts[0].source, "one");
    assert_eq!(report.observed_counts[0].definitions, 2, "Security, Kind");
    // The model keeps the data it was built from.
    assert_eq!(model.observed, observed());
}

#[test]
fn aliases_merge_into_the_published_definition() {
    let mut data = observed();
    data.aliases.push(Alias {
        source: "two".into(),
        name: "Job".into(),
        same_as: "Task".into(),
        why: "test".into(),
    });
    let (model, _) = run(&data, &observed_files()).unwrap();
    assert!(model.definition("Job").is_none());
    let name = property(&model, "Task", "Name");
    assert!(name.availability.published().is_some());
    assert_eq!(name.availability.observed_in(), ["two"]);
    // An alias must name a published definition.
    let mut data = observed();
    data.aliases.push(Alias {
        source: "two".into(),
        name: "Job".into(),
        same_as: "Security".into(),
        why: "test".into(),
    });
    let error = run(&data, &observed_files()).unwrap_err();
    assert!(error.contains("is not a published definition"), "{error}");
}

#[test]
fn every_entry_must_apply_and_facts_are_about_observed_items_only() {
    type Change = Box<dyn Fn(&mut ObservedData)>;
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|d| {
                d.exclusions.push(Exclusion {
                    item: "Nothing".into(),
                    why: "test".into(),
                })
            }),
            "never applied: no observed source has `Nothing`",
        ),
        (
            Box::new(|d| {
                d.aliases.push(Alias {
                    source: "one".into(),
                    name: "Nothing".into(),
                    same_as: "Vm".into(),
                    why: "test".into(),
                })
            }),
            "never applied: one has no `Nothing`",
        ),
        (
            Box::new(|d| d.exclusions.retain(|e| e.item != "Vm.Spec")),
            "refers to `OciSpec`, which observed.json excludes",
        ),
        (
            Box::new(|d| {
                d.evidence.push(fact(
                    "vm",
                    "one",
                    EvidenceKind::Accepted,
                    "2.5",
                    &["Vm.Size"],
                ))
            }),
            "`Vm.Size` is published: published facts win",
        ),
        (
            Box::new(|d| {
                d.evidence.push(fact(
                    "x",
                    "one",
                    EvidenceKind::Accepted,
                    "2.5",
                    &["Vm.Nope"],
                ))
            }),
            "`Vm.Nope` is not in the model",
        ),
        (
            Box::new(|d| {
                d.evidence.push(fact(
                    "x",
                    "two",
                    EvidenceKind::Accepted,
                    "2.5",
                    &["Security"],
                ))
            }),
            "two does not have `Security`",
        ),
    ];
    for (change, expected) in cases {
        let mut data = observed();
        change(&mut data);
        let error = run(&data, &observed_files()).unwrap_err();
        assert!(error.contains(expected), "{error}");
    }
}

#[test]
fn a_source_wide_fact_covers_its_items_less_the_exceptions() {
    let mut data = observed();
    data.evidence.push(Evidence {
        except: vec!["Vm.Kind".into()],
        ..fact("all-of-two", "two", EvidenceKind::Accepted, "2.5", &["*"])
    });
    let (model, _) = run(&data, &observed_files()).unwrap();
    let evidence = |ty: &str, name: &str| observed_of(&property(&model, ty, name).availability).1;
    assert_eq!(evidence("Vm", "Flags"), ["flags-2.5", "all-of-two"]);
    assert!(evidence("Vm", "Kind").is_empty(), "excepted");
    assert!(evidence("Security", "Tpm") == ["security-2.9"], "not two's");
    // Published items are never covered.
    assert!(
        property(&model, "Vm", "Size")
            .availability
            .published()
            .is_some()
    );
}
