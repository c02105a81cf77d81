//! Every collision of generated names is refused with an error naming both sides: fixture schemas,
//! each with one collision, merged and emitted.

use std::path::Path;

use hcs_schema_gen::load::load_str;
use hcs_schema_gen::merge::{ReleaseFile, merge};
use hcs_schema_gen::reference::parse_reference;
use hcs_schema_gen::release_data::{Release, ReleaseData};
use serde_json::{Value, json};

/// Emits a one-release model of `definitions` (a schema file's `definitions` object); the error
/// text, or `None` when it emits.
fn emit_error(definitions: Value) -> Option<String> {
    let data = ReleaseData {
        releases: vec![Release {
            id: "Only".into(),
            name: "Windows SDK Only".into(),
            build: 20000,
            schema_versions: vec!["2.0".parse().unwrap()],
            files: vec![],
        }],
        renames: vec![],
        removals: vec![],
    };
    let file = json!({ "definitions": definitions });
    let files = vec![ReleaseFile {
        release: 0,
        file: load_str(Path::new("fixture.json"), &file.to_string()).unwrap(),
    }];
    let reference = parse_reference(
        Path::new("SchemaReference.md"),
        "## Unused\n\n|Variants|NewInVersion|Description|\n|---|---|---|\n|`\"Value\"`<br>|[2.0](#S)|A value.|\n\
         ## Schema Version Map\n\n|Schema Version|Release Version|\n|---|---|\n|2.0|Windows SDK Only (10.0.20000.0)|\n",
    )
    .unwrap();
    let model = merge(&data, &files, &reference).unwrap().0;
    hcs_schema_gen::emit::emit(&model)
        .err()
        .map(|e| e.to_string())
}

fn object() -> Value {
    json!({ "type": "object", "properties": { "Name": { "type": "string" } } })
}

/// Definitions `names` (each an object), expected to fail with a message containing `parts`.
fn refused(names: &[&str], parts: &[&str]) {
    let definitions: serde_json::Map<String, Value> =
        names.iter().map(|n| ((*n).to_owned(), object())).collect();
    let error = emit_error(Value::Object(definitions))
        .unwrap_or_else(|| panic!("{names:?} emitted without an error"));
    for part in parts {
        assert!(error.contains(part), "{names:?}: `{part}` not in: {error}");
    }
}

#[test]
fn distinct_names_emit() {
    // The control: near misses of every reserved name are fine.
    let definitions: serde_json::Map<String, Value> = [
        "Optional",
        "Strings",
        "VmMemoryX",
        "SinceWhen",
        "Serdes",
        "GuidList",
    ]
    .iter()
    .map(|n| ((*n).to_owned(), object()))
    .collect();
    assert_eq!(emit_error(Value::Object(definitions)), None);
}

#[test]
fn two_definitions_that_become_one_type() {
    refused(
        &["VirtualMachine_Memory", "VirtualMachineMemory"],
        &[
            "`VirtualMachine_Memory`",
            "`VirtualMachineMemory`",
            "both become type `VirtualMachineMemory`",
        ],
    );
}

#[test]
fn two_definitions_that_become_one_module() {
    refused(
        &["VM_Memory", "VmMemory"],
        &[
            "`VM_Memory`",
            "`VmMemory`",
            "both become module `vm_memory`",
            "`VMMemory`",
        ],
    );
}

#[test]
fn support_modules() {
    for (name, module) in [("Since", "since"), ("Releases", "releases")] {
        refused(
            &[name],
            &[
                &format!("`{name}` becomes module `{module}`"),
                &format!("the generated support module `{module}`"),
            ],
        );
    }
}

#[test]
fn crates_the_generated_code_uses() {
    for (name, module) in [
        ("Serde", "serde"),
        ("Serde_Json", "serde_json"),
        ("Std", "std"),
    ] {
        refused(
            &[name],
            &[&format!(
                "becomes module `{module}`, which is the crate `{module}`"
            )],
        );
    }
}

#[test]
fn prelude_names() {
    for name in [
        "String", "Option", "Vec", "Box", "Default", "Result", "Some", "Iterator",
    ] {
        refused(
            &[name],
            &[
                &format!("`{name}` becomes type `{name}`"),
                "a Rust prelude item",
            ],
        );
    }
    // Through the name projection too: `string` is the type `String`.
    refused(&["string"], &["`string` becomes type `String`", "prelude"]);
}

#[test]
fn names_the_generated_code_imports() {
    for name in [
        "Serialize",
        "Deserializer",
        "BTreeMap",
        "MapAccess",
        "StructFields",
    ] {
        refused(
            &[name],
            &[
                &format!("`{name}` becomes type `{name}`"),
                "the generated code imports",
            ],
        );
    }
}

#[test]
fn names_of_the_hand_written_core() {
    for name in [
        "Guid",
        "SchemaVersion",
        "Release",
        "UnknownProperties",
        "Walker",
    ] {
        refused(
            &[name],
            &[
                &format!("`{name}` becomes type `{name}`"),
                "hcs-schema's hand-written core",
            ],
        );
    }
}

#[test]
fn two_properties_that_become_one_field() {
    let error = emit_error(json!({ "Memory": { "type": "object", "properties": {
        "SizeInMB": { "type": "integer", "format": "uint64" },
        "SizeInMb": { "type": "integer", "format": "uint64" }
    } } }))
    .expect("refused");
    assert!(
        error
            .contains("property `SizeInMb` and property `SizeInMB` both become field `size_in_mb`"),
        "{error}"
    );
    let error = emit_error(json!({ "Memory": { "type": "object", "properties": {
        "UnknownProperties": { "type": "string" }
    } } }))
    .expect("refused");
    assert!(
        error.contains("`UnknownProperties` and the field that keeps unknown properties"),
        "{error}"
    );
}

#[test]
fn two_values_that_become_one_variant() {
    let error = emit_error(json!({ "Mode": { "type": "string", "enum": ["hard", "Hard"] } }))
        .expect("refused");
    assert!(
        error.contains(r#"value "Hard" and value "hard" both become variant `Hard`"#),
        "{error}"
    );
    let error = emit_error(json!({ "Mode": { "type": "string", "enum": ["Unrecognized"] } }))
        .expect("refused");
    assert!(
        error.contains("the variant that keeps unknown values"),
        "{error}"
    );
}
