//! The loader understands every construct the published files use and rejects anything else with
//! the file and the JSON pointer.

use std::path::Path;

use hcs_schema_gen::load::{GUID_PATTERN, load_str};
use hcs_schema_gen::spec::{DefinitionKind, IntFormat, TypeExpr};

fn schema(definitions: serde_json::Value) -> String {
    serde_json::json!({
        "swagger": "2.0",
        "info": { "title": "Schema Open API", "version": "2.4" },
        "paths": {},
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": definitions,
    })
    .to_string()
}

fn error_of(definitions: serde_json::Value) -> String {
    load_str(Path::new("broken.json"), &schema(definitions))
        .unwrap_err()
        .to_string()
}

#[test]
fn every_construct_of_the_published_files() {
    let text = schema(serde_json::json!({
        "Quirks": {
            "type": "object",
            "description": "  All the constructs.  ",
            "properties": {
                "RefWins": { "type": "string", "$ref": "#/definitions/Mode" },
                "PlainRef": { "$ref": "#/definitions/Mode" },
                "U8": { "type": "integer", "format": "uint8" },
                "U16": { "type": "integer", "format": "uint16" },
                "U32": { "type": "integer", "format": "uint32" },
                "U64": { "type": "integer", "format": "uint64" },
                "I32": { "type": "integer", "format": "int32" },
                "I64": { "type": "integer", "format": "int64" },
                "Bytes": { "type": "string", "format": "byte" },
                "Binary": { "type": "string", "format": "binary" },
                "When": { "type": "string", "format": "date-time" },
                "Mac": { "type": "string", "format": "mac-address" },
                "Id": { "type": "string", "pattern": GUID_PATTERN },
                "Map": { "type": "object", "additionalProperties": { "$ref": "#/definitions/Mode" } },
                "Strings": { "type": "object", "additionalProperties": { "type": "string" } },
                "List": { "type": "array", "items": { "type": "integer", "format": "uint16" } },
                "Guids": { "type": "array", "items": { "type": "string", "pattern": GUID_PATTERN } },
                "Anything": { "type": "object" },
                "SizeInMB": { "type": "boolean" },
                "access_mask": { "type": "boolean" },
                "type": { "type": "string" },
                "Nvram": { "type": "CaseInsensitiveStringMap<Schema.VirtualMachines.Resources.GuestState.NvramVariable>" }
            }
        },
        "Mode": { "type": "string", "enum": ["", "hard", "Sse4_1", "true"] },
        "NvramVariable": { "type": "object", "properties": {} },
        "Empty": { "type": "object" }
    }));
    let file = load_str(Path::new("quirks.json"), &text).unwrap();
    let quirks = &file.definitions[0];
    assert_eq!(quirks.description.as_deref(), Some("All the constructs."));
    let DefinitionKind::Struct(properties) = &quirks.kind else {
        panic!("a struct")
    };
    let ty = |name: &str| {
        properties
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .ty
            .clone()
    };
    let mode = || TypeExpr::Ref("Mode".into());
    assert_eq!(ty("RefWins"), mode());
    assert_eq!(ty("PlainRef"), mode());
    assert_eq!(ty("U8"), TypeExpr::Integer(IntFormat::U8));
    assert_eq!(ty("U64"), TypeExpr::Integer(IntFormat::U64));
    assert_eq!(ty("I32"), TypeExpr::Integer(IntFormat::I32));
    assert_eq!(ty("Bytes"), TypeExpr::Base64);
    assert_eq!(ty("Binary"), TypeExpr::Binary);
    assert_eq!(ty("When"), TypeExpr::DateTime);
    assert_eq!(ty("Mac"), TypeExpr::MacAddress);
    assert_eq!(ty("Id"), TypeExpr::Guid);
    assert_eq!(ty("Map"), TypeExpr::Map(Box::new(mode())));
    assert_eq!(ty("Strings"), TypeExpr::Map(Box::new(TypeExpr::String)));
    assert_eq!(
        ty("List"),
        TypeExpr::Array(Box::new(TypeExpr::Integer(IntFormat::U16)))
    );
    assert_eq!(ty("Guids"), TypeExpr::Array(Box::new(TypeExpr::Guid)));
    assert_eq!(ty("Anything"), TypeExpr::Any);
    assert_eq!(ty("type"), TypeExpr::String);
    assert_eq!(
        ty("Nvram"),
        TypeExpr::Map(Box::new(TypeExpr::Ref("NvramVariable".into())))
    );
    // File order is kept.
    assert_eq!(properties[0].name, "RefWins");
    assert_eq!(properties.last().unwrap().name, "Nvram");
    let DefinitionKind::Enum(values) = &file.definitions[1].kind else {
        panic!("an enum")
    };
    assert_eq!(values, &["", "hard", "Sse4_1", "true"]);
    assert_eq!(file.definitions[3].kind, DefinitionKind::Struct(Vec::new()));
}

#[test]
fn type_expressions_have_a_text_form_that_round_trips() {
    for text in [
        "bool",
        "uint64",
        "guid",
        "[Attachment]",
        "{[uint16]}",
        "{any}",
        "mac-address",
        "date-time",
        "byte",
    ] {
        let ty: TypeExpr = text.parse().unwrap();
        assert_eq!(ty.to_string(), text);
    }
    assert!("[Attachment".parse::<TypeExpr>().is_err());
    assert!("lower".parse::<TypeExpr>().is_err());
}

#[test]
fn malformed_input_names_the_file_and_the_pointer() {
    let cases = [
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "$ref": "#/definitions/Missing" } } } }),
            "/definitions/A/properties/B",
            "refers to `Missing`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "integer", "format": "uint128" } } } }),
            "/definitions/A/properties/B/format",
            "unknown integer format `uint128`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "string", "format": "ipv4" } } } }),
            "/definitions/A/properties/B/format",
            "unknown string format `ipv4`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "string", "pattern": "^x$" } } } }),
            "/definitions/A/properties/B/pattern",
            "GUID pattern",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "array" } } } }),
            "/definitions/A/properties/B",
            "needs `items`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "required": ["B"] } }),
            "/definitions/A/required",
            "unexpected keyword `required`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "number", "format": "decimal" } } } }),
            "/definitions/A/properties/B/format",
            "unknown number format `decimal`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "number", "items": {} } } } }),
            "/definitions/A/properties/B/items",
            "does not belong to `type: number`",
        ),
        // `x-` and a name: a bare `x-` is no extension.
        (
            serde_json::json!({ "A": { "type": "object", "x-": 1 } }),
            "/definitions/A/x-",
            "unexpected keyword `x-`",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "oneOf": [] } } } }),
            "/definitions/A/properties/B/oneOf",
            "unexpected keyword `oneOf`",
        ),
        (
            serde_json::json!({ "A": { "type": "string" } }),
            "/definitions/A",
            "needs an `enum`",
        ),
        (
            serde_json::json!({ "A": { "type": "string", "enum": ["x", "x"] } }),
            "/definitions/A/enum/1",
            "duplicate enum value",
        ),
        (
            serde_json::json!({ "A": { "type": "string", "enum": [1] } }),
            "/definitions/A/enum/0",
            "must be a string",
        ),
        (
            serde_json::json!({ "A": { "type": "number" } }),
            "/definitions/A",
            "unsupported definition",
        ),
        (
            serde_json::json!({ "A": { "type": "object", "properties": { "B": { "type": "Map<x>" } } } }),
            "/definitions/A/properties/B/type",
            "unknown type `Map<x>`",
        ),
        (
            serde_json::json!({ "A/B": { "type": "object" } }),
            "/definitions/A~1B",
            "not an identifier",
        ),
        (
            serde_json::json!({ "1Foo": { "type": "object" } }),
            "/definitions/1Foo",
            "not an identifier",
        ),
        (
            serde_json::json!({ "__": { "type": "object" } }),
            "/definitions/__",
            "not an identifier",
        ),
        (
            serde_json::json!({ "A": [] }),
            "/definitions/A",
            "must be a JSON object",
        ),
    ];
    for (definitions, pointer, message) in cases {
        let error = error_of(definitions);
        assert!(error.starts_with("broken.json at "), "{error}");
        assert!(
            error.contains(&format!(" at {pointer}: ")),
            "expected {pointer} in: {error}"
        );
        assert!(error.contains(message), "expected `{message}` in: {error}");
    }
}

#[test]
fn not_json_is_an_error_with_a_line_and_column() {
    let error = load_str(Path::new("truncated.json"), "{\n  \"definitions\": {")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("truncated.json at line 2, column "),
        "{error}"
    );
    let error = load_str(Path::new("no-definitions.json"), "{}")
        .unwrap_err()
        .to_string();
    assert!(error.contains("missing `definitions`"), "{error}");
    let error = hcs_schema_gen::load::load_file(Path::new("/nonexistent/schema.json"))
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("/nonexistent/schema.json: cannot read"),
        "{error}"
    );
}

/// The observed files use two constructs the published files never do: Swagger extension keys
/// (`x-go-type`), accepted anywhere and kept with the property, and `type: number`.
#[test]
fn extension_keys_and_numbers() {
    let text = serde_json::json!({
        "swagger": "2.0",
        "x-source": "a client",
        "info": { "title": "t", "version": "v", "x-anything": true },
        "definitions": {
            "A": {
                "type": "object",
                "x-go-package": "schema2",
                "properties": {
                    "Raw": { "type": "object", "x-go-type": "json.RawMessage" },
                    "Many": { "type": "array", "items": { "type": "object", "x-go-type": "interface{}" } },
                    "Ratio": { "type": "number", "format": "double" },
                    "Single": { "type": "number", "format": "float" },
                    "Plain": { "type": "number" }
                }
            }
        }
    })
    .to_string();
    let file = load_str(Path::new("observed.json"), &text).unwrap();
    let DefinitionKind::Struct(properties) = &file.definitions[0].kind else {
        panic!("a struct")
    };
    let go_type = |index: usize| {
        properties[index]
            .extensions
            .get("x-go-type")
            .and_then(|v| v.as_str())
    };
    assert_eq!(properties[0].ty, TypeExpr::Any);
    assert_eq!(go_type(0), Some("json.RawMessage"));
    assert_eq!(properties[1].ty, TypeExpr::Array(Box::new(TypeExpr::Any)));
    assert_eq!(go_type(1), Some("interface{}"), "from the items schema");
    for property in &properties[2..] {
        assert_eq!(property.ty, TypeExpr::Number);
        assert!(property.extensions.is_empty());
    }
    assert_eq!("number".parse::<TypeExpr>().unwrap(), TypeExpr::Number);
    assert_eq!(TypeExpr::Number.to_string(), "number");
}
