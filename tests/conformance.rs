//! Conformance of the generated types to every published schema file, checked mechanically.
//!
//! Each of the eleven published files (`$HCS_SHARED_DIR/schema-json/*.json` and
//! `untrimmed-2022-01-10/*.json`) is read here directly, with its own small reader independent of
//! `hcs-schema-gen`, into `(definition, property) -> type` and `(definition) -> enum values`,
//! where a type is written `bool`, `string`, `uint32`, `guid` (the GUID pattern), `date-time`,
//! `byte`, `binary`, `mac-address`, `any`, `ref:Name`, `[T]` or `{T}`. The generated types are read
//! through their `schemars` schemas (feature `schemars`) into the same form. Then:
//!
//! - every definition, property (exact JSON name), type/format and enum value of every file is in
//!   the generated types, definitions renamed by a later release being the newest name's type;
//! - nothing is invented: every generated type, field and enum value is in at least one file;
//! - every struct accepts unknown properties (`additionalProperties: true`).
//!
//! Differences are reported by path (`file: Definition.Property: ...`) and must be exactly the
//! documented ones in [`EXPECTED_DIFFERENCES`].

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use hcs_workspace_tests::schema_dir;
use serde_json::Value;

/// The published files: the current five and the six untrimmed ones.
const FILES: &[&str] = &[
    "windows-10-sdk-1809.json",
    "windows-10-sdk-1903.json",
    "windows-10-sdk-2004.json",
    "windows-10-sdk-2104.json",
    "windows-11-sdk-21h2.json",
    "untrimmed-2022-01-10/windows-10-sdk-1809.json",
    "untrimmed-2022-01-10/windows-10-sdk-1903.json",
    "untrimmed-2022-01-10/windows-10-sdk-2004.json",
    "untrimmed-2022-01-10/windows-10-sdk-20h2.json",
    "untrimmed-2022-01-10/windows-10-sdk-2104.json",
    "untrimmed-2022-01-10/windows-11-sdk-21h2.json",
];

/// Differences between the published files and the generated types that are deliberate, with
/// the reason. Anything else is a failure.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    // `format: binary` is an opaque string of octets: a Rust `String` (no validation is possible),
    // so its schemars schema is a plain string.
    (
        "ContainerCredentialGuardState.Cookie: published binary, generated string",
        "format binary is a plain String",
    ),
    (
        "RegistryMakeValue.data_binary: published binary, generated string",
        "format binary is a plain String",
    ),
    // 1809-2004 give `ModificationRequest.PropertyType` the service `PropertyType` (the newest
    // name is `GetPropertyType`); 20H2 on give it `ModifyPropertyType`. One Rust field holds one
    // type: the newest. Every old value still round-trips, as `Unrecognized` where
    // `ModifyPropertyType` lacks it (`old_modification_request_property_types_round_trip`).
    (
        "ModificationRequest.PropertyType: published ref:GetPropertyType, generated ref:ModifyPropertyType",
        "the field has the newest release's type",
    ),
];

/// One file's definitions in the canonical form.
#[derive(Default)]
struct Published {
    structs: BTreeMap<String, BTreeMap<String, String>>,
    enums: BTreeMap<String, Vec<String>>,
}

/// Reads one published file, mapping old definition names to the newest with `newest`.
fn read_published(document: &Value, newest: &dyn Fn(&str) -> String) -> Published {
    let mut published = Published::default();
    for (name, definition) in document["definitions"].as_object().expect("definitions") {
        let name = newest(name);
        if let Some(values) = definition.get("enum") {
            assert_eq!(definition["type"], "string", "{name}");
            let values = values
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            published.enums.insert(name, values);
        } else {
            assert_eq!(definition["type"], "object", "{name}");
            let properties = definition
                .get("properties")
                .and_then(Value::as_object)
                .map(|properties| {
                    properties
                        .iter()
                        .map(|(property, schema)| {
                            (property.clone(), published_type(schema, newest))
                        })
                        .collect()
                })
                .unwrap_or_default();
            published.structs.insert(name, properties);
        }
    }
    published
}

/// The canonical form of a property schema of a published file.
fn published_type(schema: &Value, newest: &dyn Fn(&str) -> String) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        // A `type` next to a `$ref` is ignored: the `$ref` wins.
        let name = reference
            .strip_prefix("#/definitions/")
            .expect("local $ref");
        return format!("ref:{}", newest(name));
    }
    let format = schema.get("format").and_then(Value::as_str);
    match schema["type"].as_str().expect("a type") {
        "boolean" => "bool".into(),
        "integer" => format.expect("integers have a format").into(),
        "string" => {
            if let Some(pattern) = schema.get("pattern") {
                assert_eq!(pattern, hcs_schema::GUID_PATTERN);
                "guid".into()
            } else {
                format.unwrap_or("string").into()
            }
        }
        "array" => format!("[{}]", published_type(&schema["items"], newest)),
        "object" => match schema.get("additionalProperties") {
            Some(inner) => format!("{{{}}}", published_type(inner, newest)),
            None => {
                assert!(schema.get("properties").is_none(), "inline object");
                "any".into()
            }
        },
        // 1809-2004: `NvramVendor.Variables` is a .NET type name, not JSON Schema.
        other => {
            let inner = other
                .strip_prefix("CaseInsensitiveStringMap<")
                .and_then(|rest| rest.strip_suffix('>'))
                .unwrap_or_else(|| panic!("unknown type `{other}`"));
            let name = inner.rsplit('.').next().unwrap();
            format!("{{ref:{}}}", newest(name))
        }
    }
}

/// The canonical form of a `schemars` property schema of a generated type (`Option` removed).
fn generated_type(schema: &Value) -> String {
    // `serde_json::Value`: the schema `true`, or an object with nothing but annotations.
    let annotation = |key: &String| matches!(key.as_str(), "description" | "deprecated" | "title");
    if schema == &Value::Bool(true) || schema.as_object().is_some_and(|o| o.keys().all(annotation))
    {
        return "any".into();
    }
    if let Some(any_of) = schema.get("anyOf").and_then(Value::as_array) {
        let rest: Vec<&Value> = any_of
            .iter()
            .filter(|s| s.get("type") != Some(&Value::from("null")))
            .collect();
        assert_eq!(rest.len(), 1, "{schema}");
        return generated_type(rest[0]);
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/definitions/")
            .expect("local $ref");
        return match name {
            "Guid" => "guid".into(),
            "DateTime" => "date-time".into(),
            "MacAddress" => "mac-address".into(),
            "Base64Bytes" => "byte".into(),
            other => format!("ref:{other}"),
        };
    }
    let ty = match &schema["type"] {
        Value::String(ty) => ty.as_str(),
        Value::Array(types) => {
            let rest: Vec<&str> = types
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect();
            assert_eq!(rest.len(), 1, "{schema}");
            rest[0]
        }
        _ => panic!("no type in {schema}"),
    };
    match ty {
        "boolean" => "bool".into(),
        "integer" => schema["format"].as_str().expect("integer format").into(),
        "string" => schema
            .get("format")
            .and_then(Value::as_str)
            .unwrap_or("string")
            .into(),
        "array" => format!("[{}]", generated_type(&schema["items"])),
        "object" => format!("{{{}}}", generated_type(&schema["additionalProperties"])),
        other => panic!("unexpected type {other} in {schema}"),
    }
}

/// Every generated type's `schemars` schema, by schema name.
fn generated_schemas() -> BTreeMap<String, Value> {
    let mut generator = schemars::generate::SchemaSettings::draft07().into_generator();
    macro_rules! all {
        ($($ty:ident),* $(,)?) => {
            #[allow(deprecated)]
            {
                $(let _ = generator.subschema_for::<hcs_schema::$ty>();)*
            }
        };
    }
    hcs_schema::for_each_schema_type!(all);
    generator
        .definitions()
        .iter()
        .map(|(name, schema)| (name.clone(), schema.clone()))
        .collect()
}

/// Every difference between the published `files` and the generated types, by path, and the
/// number of published items compared.
fn differences(files: &[(&str, Value)]) -> (BTreeSet<String>, usize) {
    let registry = support::registry();
    let schemas = generated_schemas();
    // Old names -> newest, from the generated metadata; an old name is never another type's
    // current name.
    let mut renames = BTreeMap::new();
    for entry in registry.values() {
        for former in entry.former_names {
            assert!(!registry.contains_key(former), "{former} is ambiguous");
            assert!(renames.insert(*former, entry.name).is_none(), "{former}");
        }
    }
    let newest = |name: &str| renames.get(name).copied().unwrap_or(name).to_owned();

    let mut differences = BTreeSet::new();
    let mut union_structs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut union_values: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut items = 0;
    for (file, document) in files {
        let published = read_published(document, &newest);
        for (name, properties) in &published.structs {
            let union = union_structs.entry(name.clone()).or_default();
            items += 1;
            let Some(entry) = registry.get(name.as_str()) else {
                differences.insert(format!("{file}: {name}: not generated"));
                continue;
            };
            if !entry.is_struct {
                differences.insert(format!("{file}: {name}: generated as an enum"));
                continue;
            }
            let schema = &schemas[name.as_str()];
            for (property, ty) in properties {
                union.insert(property.clone());
                items += 1;
                match schema["properties"].get(property.as_str()) {
                    None => {
                        differences.insert(format!("{file}: {name}.{property}: not generated"));
                    }
                    Some(generated) => {
                        let generated = generated_type(generated);
                        if &generated != ty {
                            differences.insert(format!(
                                "{name}.{property}: published {ty}, generated {generated}"
                            ));
                        }
                    }
                }
            }
        }
        for (name, values) in &published.enums {
            let union = union_values.entry(name.clone()).or_default();
            items += 1;
            let Some(schema) = schemas.get(name.as_str()) else {
                differences.insert(format!("{file}: {name}: not generated"));
                continue;
            };
            let generated: Vec<&str> = schema["enum"]
                .as_array()
                .map(|values| values.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for value in values {
                union.insert(value.clone());
                items += 1;
                if !generated.contains(&value.as_str()) {
                    differences.insert(format!("{file}: {name}={value:?}: not generated"));
                }
            }
        }
    }

    // Nothing invented: every generated type, field and value is in some published file, or is
    // marked observed (`tests/coverage.rs` finds those in their observed sources).
    for entry in registry.values() {
        if !entry.availability.is_published() {
            continue;
        }
        let schema = &schemas[entry.name];
        if entry.is_struct {
            let Some(published) = union_structs.get(entry.name) else {
                differences.insert(format!("{}: in no published file", entry.name));
                continue;
            };
            let properties: BTreeSet<String> = schema["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            let fields: BTreeSet<String> = entry
                .fields
                .iter()
                .map(|f| f.json_name.to_owned())
                .collect();
            assert_eq!(properties, fields, "{}: schemars vs FIELDS", entry.name);
            let published_fields: BTreeSet<String> = entry
                .fields
                .iter()
                .filter(|f| f.availability.is_published())
                .map(|f| f.json_name.to_owned())
                .collect();
            for field in published_fields.difference(published) {
                differences.insert(format!("{}.{field}: in no published file", entry.name));
            }
            // Unknown properties are kept, so the schema must admit them.
            assert_eq!(
                schema["additionalProperties"],
                Value::Bool(true),
                "{}",
                entry.name
            );
        } else {
            let Some(published) = union_values.get(entry.name) else {
                differences.insert(format!("{}: in no published file", entry.name));
                continue;
            };
            let generated: BTreeSet<String> = schema["enum"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            let variants: BTreeSet<String> = entry
                .variants
                .iter()
                .map(|v| v.json_value.to_owned())
                .collect();
            assert_eq!(generated, variants, "{}: schemars vs VARIANTS", entry.name);
            let published_values: BTreeSet<String> = entry
                .variants
                .iter()
                .filter(|v| v.availability.is_published())
                .map(|v| v.json_value.to_owned())
                .collect();
            for value in published_values.difference(published) {
                differences.insert(format!("{}={value:?}: in no published file", entry.name));
            }
        }
    }
    (differences, items)
}

fn published_files(dir: &Path) -> Vec<(&'static str, Value)> {
    FILES
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            (*file, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

#[test]
fn generated_types_are_exactly_the_published_schema() {
    let Some(dir) = schema_dir() else { return };
    let (differences, items) = differences(&published_files(&dir));
    let expected: BTreeSet<String> = EXPECTED_DIFFERENCES
        .iter()
        .map(|(difference, _)| (*difference).to_owned())
        .collect();
    let differences: Vec<&String> = differences.iter().collect();
    let expected: Vec<&String> = expected.iter().collect();
    assert_eq!(
        differences, expected,
        "differences between the published files and the generated types"
    );
    assert!(items > 10_000, "only {items} items checked");
    println!("{items} published items checked in {} files", FILES.len());
}

#[test]
fn the_published_files_are_the_eleven_the_project_knows() {
    let Some(dir) = schema_dir() else { return };
    let data = hcs_schema_gen::release_data::ReleaseData::load(
        &hcs_schema_gen::workspace::data_dir(&hcs_workspace_tests::root()),
    )
    .unwrap();
    let mut known: Vec<&str> = data
        .releases
        .iter()
        .flat_map(|r| r.files.iter().map(String::as_str))
        .collect();
    known.sort();
    let mut ours = FILES.to_vec();
    ours.sort();
    assert_eq!(known, ours);
    for file in FILES {
        assert!(dir.join(file).is_file(), "{file}");
    }
}

#[test]
fn old_modification_request_property_types_round_trip() {
    use hcs_schema::{GetPropertyType, ModificationRequest, ModifyPropertyType, SchemaType};
    let mut unrecognized = Vec::new();
    for variant in <GetPropertyType as SchemaType>::VARIANTS {
        let input = serde_json::json!({ "PropertyType": variant.json_value });
        let request: ModificationRequest = serde_json::from_value(input.clone()).unwrap();
        assert_eq!(serde_json::to_value(&request).unwrap(), input);
        let value = request.property_type.unwrap();
        assert_eq!(value.as_str(), variant.json_value);
        if ModifyPropertyType::try_parse(variant.json_value).is_none() {
            unrecognized.push(variant.json_value);
        }
    }
    // Kept as sent, though `ModifyPropertyType` has no variant for them. (`Memory`,
    // `CacheAllocation`, `CacheMonitoring` and `MemoryBwAllocation` are observed values of it:
    // Windows Server 2022's own schema has them.)
    assert_eq!(
        unrecognized,
        [
            "Basic",
            "ProcessorTopology",
            "QoSCapabilities",
            "Processor",
            "SecureNestedPaging",
            "Undefined"
        ]
    );
}

#[test]
fn binary_strings_are_kept_as_sent() {
    let input =
        serde_json::json!({ "Cookie": "\u{1} not base64 \u{ff}", "RpcEndpoint": "ncalrpc:x" });
    let state: hcs_schema::ContainerCredentialGuardState =
        serde_json::from_value(input.clone()).unwrap();
    assert_eq!(serde_json::to_value(&state).unwrap(), input);
}

/// The check reports what it should: a file with an invented property, a wrong format, a wrong
/// JSON name case, an unknown enum value and an unknown definition.
#[test]
fn differences_are_reported_by_path() {
    let Some(dir) = schema_dir() else { return };
    let mut files = published_files(&dir);
    let (baseline, _) = differences(&files);
    let doctored = &mut files[4].1["definitions"];
    doctored["Attachment"]["properties"]["Path"] =
        serde_json::json!({ "type": "integer", "format": "uint32" });
    doctored["Attachment"]["properties"]["readOnly"] = serde_json::json!({ "type": "boolean" });
    doctored["AttachmentType"]["enum"]
        .as_array_mut()
        .unwrap()
        .push("Floppy".into());
    doctored["Gadget"] = serde_json::json!({ "type": "object", "properties": {} });
    let (found, _) = differences(&files);
    let new: Vec<&String> = found.difference(&baseline).collect();
    assert_eq!(
        new,
        [
            "Attachment.Path: published uint32, generated string",
            "windows-11-sdk-21h2.json: Attachment.readOnly: not generated",
            "windows-11-sdk-21h2.json: AttachmentType=\"Floppy\": not generated",
            "windows-11-sdk-21h2.json: Gadget: not generated",
        ]
    );
}
