//! The sample documents of the published HCS documentation (`$HCS_SHARED_DIR/samples/`, indexed by
//! `index.json` with the schema type each one is sent as) through the generated types.
//!
//! Every sample must deserialize into its type and serialize back to the same JSON value, except
//! the one whose GUID-typed field holds a `%ws` placeholder, which must fail at that field. What
//! the published index reports as unknown properties and values not in an enum must be exactly
//! what the types keep in `unknown_properties` / `Unrecognized`. Free-form (`Any`) payloads that
//! the index identifies are parsed as their type too.

mod support;

use std::collections::BTreeMap;

use hcs_schema::FindingKind;
use hcs_workspace_tests::samples_dir;
use serde_json::Value;

/// The samples that must not deserialize: file -> (JSON path, message).
const EXPECTED_FAILURES: &[(&str, &str, &str)] = &[(
    "vm-samples-config-template-2020.json",
    "VirtualMachine.Devices.NetworkAdapters.Adapter0.EndpointId",
    "invalid GUID `%ws`: expected 8-4-4-4-12 hexadecimal digits without braces at line 42 column 39",
)];

/// Free-form payloads that must not deserialize as the type the index identifies:
/// (file, JSON pointer of the payload, type, JSON path inside it, message).
const EXPECTED_PAYLOAD_FAILURES: &[(&str, &str, &str, &str, &str)] = &[(
    "service-modify-cpugroup-creategroup.json",
    "/Settings/OperationDetails",
    "CreateGroupOperation",
    "GroupId",
    "invalid GUID `GUID`: expected 8-4-4-4-12 hexadecimal digits without braces at line 1 column 17",
)];

/// The number of sample documents the index lists.
const SAMPLES: usize = 17;

struct Sample {
    file: String,
    schema_type: String,
    text: String,
    index: Value,
}

fn samples() -> Option<Vec<Sample>> {
    let dir = samples_dir()?;
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let samples = index
        .as_array()
        .expect("index.json is an array")
        .iter()
        .map(|entry| {
            let file = entry["file"].as_str().unwrap().to_owned();
            Sample {
                text: std::fs::read_to_string(dir.join(&file)).unwrap(),
                schema_type: entry["schema_type_21H2"].as_str().unwrap().to_owned(),
                file,
                index: entry.clone(),
            }
        })
        .collect::<Vec<_>>();
    assert_eq!(samples.len(), SAMPLES);
    Some(samples)
}

#[test]
fn every_sample_round_trips_or_fails_where_expected() {
    let Some(samples) = samples() else { return };
    let registry = support::registry();
    let mut round_tripped = Vec::new();
    let mut failed = Vec::new();
    for sample in &samples {
        let entry = support::lookup(&registry, &sample.schema_type)
            .unwrap_or_else(|| panic!("{}: no type {}", sample.file, sample.schema_type));
        let original: Value = serde_json::from_str(&sample.text).unwrap();
        match (entry.parse_text)(&sample.text) {
            Ok(parsed) => {
                assert_eq!(
                    parsed.value, original,
                    "{} does not round-trip as {}",
                    sample.file, sample.schema_type
                );
                // The text form reparses to the same value too (no lossy number formatting).
                let reparsed: Value = serde_json::from_str(&parsed.text).unwrap();
                assert_eq!(reparsed, original, "{}", sample.file);
                round_tripped.push(sample.file.as_str());
            }
            Err(error) => failed.push((sample.file.as_str(), error)),
        }
    }
    let expected: Vec<(&str, support::PathError)> = EXPECTED_FAILURES
        .iter()
        .map(|(file, path, message)| {
            (
                *file,
                support::PathError {
                    path: (*path).to_owned(),
                    message: (*message).to_owned(),
                },
            )
        })
        .collect();
    assert_eq!(failed, expected);
    assert_eq!(round_tripped.len(), SAMPLES - EXPECTED_FAILURES.len());
}

/// `$.A.B["key"][0]` (the index's paths) -> `A.B["key"][0]` (the paths of `check`).
fn index_path(path: &str) -> String {
    path.strip_prefix("$.").unwrap_or(path).to_owned()
}

#[test]
fn unknown_properties_and_values_are_exactly_those_the_index_reports() {
    let Some(samples) = samples() else { return };
    let registry = support::registry();
    let mut checked = 0;
    for sample in &samples {
        let entry = support::lookup(&registry, &sample.schema_type).unwrap();
        let Ok(parsed) = (entry.parse_text)(&sample.text) else {
            continue;
        };
        let mut ours: Vec<(String, &str)> = parsed
            .findings
            .iter()
            .filter_map(|finding| match &finding.kind {
                FindingKind::UnknownProperty => Some((finding.path.clone(), "unknown_property")),
                FindingKind::UnrecognizedValue { .. } => {
                    Some((finding.path.clone(), "enum_value_not_in_enum"))
                }
                // Known to an older release but no longer in 21H2: the index, which validates
                // against 21H2, reports it as unknown.
                FindingKind::Removed { removed_in, .. } => {
                    assert!(removed_in.build <= 22000, "{finding}");
                    match finding.path.split_once("=\"") {
                        Some((path, _)) => Some((path.to_owned(), "enum_value_not_in_enum")),
                        None => Some((finding.path.clone(), "unknown_property")),
                    }
                }
                _ => None,
            })
            .collect();
        // Findings inside free-form payloads are the payload tests' business.
        let mut theirs: Vec<(String, &str)> = sample.index["findings_21H2"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                matches!(
                    f["kind"].as_str(),
                    Some("unknown_property" | "enum_value_not_in_enum")
                )
            })
            .map(|f| {
                (
                    index_path(f["path"].as_str().unwrap()),
                    f["kind"].as_str().unwrap(),
                )
            })
            .collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{}", sample.file);
        checked += theirs.len();
    }
    // vm-empty, vm-tutorial, vm-compute-system-sample, template-compute-system-vm (Backing: 4),
    // service-property-query (Memory: 1), template-container-creation (11), template-vm-creation
    // (21).
    assert_eq!(checked, 37);
}

#[test]
fn free_form_payloads_parse_as_the_type_the_index_identifies() {
    let Some(samples) = samples() else { return };
    let registry = support::registry();
    let mut outcomes: BTreeMap<(String, String), Result<(), support::PathError>> = BTreeMap::new();
    for sample in &samples {
        let document: Value = serde_json::from_str(&sample.text).unwrap();
        for payload in sample.index["free_form_21H2"].as_array().unwrap() {
            let pointer = index_path(payload["path"].as_str().unwrap()).replace('.', "/");
            let pointer = format!("/{pointer}");
            let value = document.pointer(&pointer).expect("the payload exists");
            let Some(ty) = payload["validated_as"].as_str() else {
                // `HostedSystem: {}` in the templates: nothing to identify.
                assert_eq!(value, &serde_json::json!({}), "{}", sample.file);
                continue;
            };
            if let Some(format) = ty.strip_prefix("inline:integer:") {
                assert_eq!(format, "uint64");
                assert!(value.is_u64(), "{}: {value}", sample.file);
                continue;
            }
            let entry = support::lookup(&registry, ty).unwrap();
            let text = serde_json::to_string(value).unwrap();
            let outcome = (entry.parse_text)(&text).map(|parsed| {
                assert_eq!(&parsed.value, value, "{} {pointer}", sample.file);
            });
            outcomes.insert((sample.file.clone(), format!("{pointer} as {ty}")), outcome);
        }
    }
    let failures: Vec<_> = outcomes
        .iter()
        .filter_map(|(key, outcome)| outcome.as_ref().err().map(|e| (key.clone(), e.clone())))
        .collect();
    let expected: Vec<_> = EXPECTED_PAYLOAD_FAILURES
        .iter()
        .map(|(file, pointer, ty, path, message)| {
            (
                ((*file).to_owned(), format!("{pointer} as {ty}")),
                support::PathError {
                    path: (*path).to_owned(),
                    message: (*message).to_owned(),
                },
            )
        })
        .collect();
    assert_eq!(failures, expected);
    // cpugroup: Settings + OperationDetails; credential guard; SMB share.
    assert_eq!(outcomes.len(), 4);
}
