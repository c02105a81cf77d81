//! Golden test of the emitter (typify's style): a small model that uses every construct is emitted
//! and compared with the committed files under `tests/golden/`. `UPDATE_GOLDEN=1` rewrites them
//! after an intended change. The real output, `hcs-schema/src/generated/`, is compiled with the
//! workspace and checked for freshness by the workspace tests.

use std::path::{Path, PathBuf};

use hcs_schema_gen::load::load_str;
use hcs_schema_gen::merge::{ObservedFile, ReleaseFile, merge_all};
use hcs_schema_gen::observed_data::{Evidence, EvidenceKind, ObservedData, ObservedSource};
use hcs_schema_gen::reference::parse_reference;
use hcs_schema_gen::release_data::{Release, ReleaseData, Removal};

fn fixture_model() -> hcs_schema_gen::model::Model {
    let release = |id: &str, version: &str| Release {
        id: id.into(),
        name: format!("Windows SDK {id}"),
        build: 20000,
        schema_versions: vec![version.parse().unwrap()],
        files: vec![],
    };
    let data = ReleaseData {
        releases: vec![release("Old", "2.0"), release("New", "2.1")],
        renames: vec![],
        removals: vec![Removal {
            name: "Legacy".into(),
            release: "New".into(),
            why: "test".into(),
        }],
    };
    let old = serde_json::json!({ "definitions": {
        "Node": { "type": "object", "description": "A [linked] node, see https://example.com/<node>.", "properties": {
            "Next": { "$ref": "#/definitions/Node" },
            "Children": { "type": "array", "items": { "$ref": "#/definitions/Node" } },
            "Legacy": { "$ref": "#/definitions/Legacy" },
            "type": { "type": "string", "$ref": "#/definitions/Mode" }
        } },
        "Legacy": { "type": "object" },
        "Mode": { "type": "string", "enum": ["", "hard", "Sse4_1"] }
    } });
    let new = serde_json::json!({ "definitions": {
        "Node": { "type": "object", "properties": {
            "Next": { "$ref": "#/definitions/Node" },
            "Children": { "type": "array", "items": { "$ref": "#/definitions/Node" } },
            "type": { "$ref": "#/definitions/Mode" },
            "Id": { "type": "string", "pattern": "^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$" },
            "When": { "type": "string", "format": "date-time" },
            "Mac": { "type": "string", "format": "mac-address" },
            "Blob": { "type": "string", "format": "byte" },
            "Labels": { "type": "object", "additionalProperties": { "type": "string" } },
            "Settings": { "type": "object" },
            "SizeInMB": { "type": "integer", "format": "uint64" }
        } },
        "Mode": { "type": "string", "enum": ["", "hard", "Sse4_1", "LRPC"] }
    } });
    let files: Vec<ReleaseFile> = [old, new]
        .into_iter()
        .enumerate()
        .map(|(release, json)| ReleaseFile {
            release,
            file: load_str(Path::new("fixture.json"), &json.to_string()).unwrap(),
        })
        .collect();
    let reference = parse_reference(
        Path::new("SchemaReference.md"),
        "## Mode\n\n|Variants|NewInVersion|Description|\n|---|---|---|\n|`\"Default\"`<br>|[2.0](#S)|The default.|\n\
         ## Schema Version Map\n\n|Schema Version|Release Version|\n|---|---|\n|2.0|Windows SDK Old (10.0.20000.0)|\n",
    )
    .unwrap();
    // An observed source: a type, a field (a number, and a shapeless one with its Go type) and an
    // enum value no published file has, with one fact about the type's version.
    let observed = ObservedData {
        sources: vec![ObservedSource {
            id: "client-1".into(),
            name: "Client 1".into(),
            description: "A client's types.".into(),
            file: "observed/client-1.json".into(),
            sha256: None,
        }],
        evidence: vec![Evidence {
            id: "thing-2.2".into(),
            source: "client-1".into(),
            kind: EvidenceKind::Introduced,
            version: Some("2.2".parse().unwrap()),
            build: None,
            items: vec!["Thing".into()],
            except: vec![],
            locations: vec!["client/thing.go:12".into()],
            says: "added in schema 2.2".into(),
        }],
        ..ObservedData::default()
    };
    let client = serde_json::json!({ "x-source": "client", "definitions": {
        "Node": { "type": "object", "properties": {
            "Ratio": { "type": "number", "format": "double" },
            "Raw": { "type": "object", "x-go-type": "json.RawMessage" },
            "SizeInMB": { "type": "integer", "format": "int32" }
        } },
        "Thing": { "type": "object", "properties": { "Mode": { "type": "string", "$ref": "#/definitions/Mode" } } },
        "Mode": { "type": "string", "enum": ["hard", "Soft"] }
    } });
    let observed_files = [ObservedFile {
        source: 0,
        file: load_str(Path::new("client-1.json"), &client.to_string()).unwrap(),
    }];
    merge_all(&data, &files, &reference, &observed, &observed_files)
        .unwrap()
        .0
}

#[test]
fn emitted_fixture_matches_the_golden_files() {
    let files = hcs_schema_gen::emit::emit(&fixture_model()).unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden");
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for file in &files {
        let path = dir.join(format!("{}.txt", file.path));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &file.contents).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "emitter output changed; inspect and rerun with UPDATE_GOLDEN=1:\n{}",
        stale.join("\n")
    );
    let node = &files.iter().find(|f| f.path == "node.rs").unwrap().contents;
    // A struct that contains itself is boxed, collections are not.
    assert!(node.contains("pub next: Option<Box<Node>>"), "{node}");
    assert!(node.contains("pub children: Option<Vec<Node>>"), "{node}");
    assert!(node.contains("pub r#type: Option<Mode>"), "{node}");
    // Rustdoc-unsafe prose is escaped.
    assert!(
        node.contains(r"A \[linked\] node, see <https://example.com/<node>.>"),
        "{node}"
    );
    assert!(
        node.contains(
            "#[deprecated(note = \"Removed in Windows SDK New: no later schema has it\")]"
        )
    );
    let mode = &files.iter().find(|f| f.path == "mode.rs").unwrap().contents;
    assert!(
        mode.contains("Default,")
            && mode.contains("Hard,")
            && mode.contains("Sse41,")
            && mode.contains("Lrpc,")
    );
    assert!(mode.contains(r#""" => Some(Self::Default),"#), "{mode}");
    assert!(
        mode.contains(
            r#"rust_name: "Default",
            json_value: "","#
        ),
        "{mode}"
    );
    // Observed items are typed, and say so.
    assert!(
        node.contains("pub ratio: Option<serde_json::Number>"),
        "{node}"
    );
    assert!(
        node.contains("pub raw: Option<serde_json::Value>"),
        "{node}"
    );
    assert!(
        node.contains("Observed, not published: no published schema file has it; Client 1 does. Version unknown"),
        "{node}"
    );
    // A published field keeps its published type whatever the source says.
    assert!(node.contains("pub size_in_mb: Option<u64>"), "{node}");
    let thing = &files
        .iter()
        .find(|f| f.path == "thing.rs")
        .unwrap()
        .contents;
    assert!(
        thing.contains("[`Evidence::THING_2_2`](crate::Evidence::THING_2_2)"),
        "{thing}"
    );
    let since = &files
        .iter()
        .find(|f| f.path == "since.rs")
        .unwrap()
        .contents;
    assert!(
        since.contains("OBSERVED_CLIENT_1_THING_2_2: Availability = Availability::Observed"),
        "{since}"
    );
    let releases = &files
        .iter()
        .find(|f| f.path == "releases.rs")
        .unwrap()
        .contents;
    assert!(
        releases.contains("pub const CLIENT_1: ObservedSource"),
        "{releases}"
    );
    assert!(
        releases.contains("pub const THING_2_2: Evidence"),
        "{releases}"
    );
}
