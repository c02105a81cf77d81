//! The `schemars` feature as a user gets it (`cargo test -p hcs-schema --features schemars`):
//! JSON Schemas of the generated types describe the JSON the types read and write.
#![cfg(feature = "schemars")]

use hcs_schema::{Attachment, Guid, VirtualMachineMemory};
use serde_json::{Value, json};

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

#[test]
fn structs_have_their_json_names_and_admit_unknown_properties() {
    let schema = schema_of::<Attachment>();
    let properties = &schema["properties"];
    assert_eq!(properties["Path"]["type"], json!(["string", "null"]));
    assert!(properties.get("SupportCompressedVolumes").is_some());
    assert!(properties.get("unknown_properties").is_none());
    assert_eq!(schema["additionalProperties"], json!(true));
    let memory = schema_of::<VirtualMachineMemory>();
    assert!(memory["properties"].get("SizeInMB").is_some());
}

#[test]
fn enums_list_the_published_values() {
    let schema = schema_of::<Attachment>();
    let text = schema.to_string();
    for value in ["VirtualDisk", "Iso", "PassThru"] {
        assert!(
            text.contains(&format!("\"{value}\"")),
            "{value} missing: {text}"
        );
    }
}

#[test]
fn formats_carry_their_pattern() {
    let schema = schema_of::<Guid>();
    assert_eq!(schema["pattern"], json!(hcs_schema::GUID_PATTERN));
}

#[test]
fn unknown_properties_have_the_schema_of_their_map() {
    let expected = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Map_of_AnyValue",
        "type": "object",
        "additionalProperties": true
    });
    assert_eq!(schema_of::<hcs_schema::UnknownProperties>(), expected);
    assert_eq!(
        schema_of::<std::collections::BTreeMap<String, Value>>(),
        expected
    );
}
