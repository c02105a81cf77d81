//! The sample documents of the published HCS documentation (`$HCS_SHARED_DIR/samples/`, indexed by
//! `index.json` with the schema type each one is sent as and what it gets wrong against 21H2)
//! through the generated types and the default check.
//!
//! The verdicts come from outside the check: the index's documented findings, and the hand-written
//! tables below, each entry with the reason from `INDEX.md`.
//! - Every sample deserializes into its type and serializes back to the same JSON value, except
//!   the documents with a real error in a typed field ([`REAL_ERRORS`]).
//! - Under the default check for a current host, no sample has an error, and every property and
//!   enum value the index calls unknown is typed now (observed sources have it), except the ones
//!   [`UNTYPED`] lists: names of the 2019 pre-release schema that no source has, and
//!   placeholders.
//! - Free-form (`Any`) payloads that the index identifies are parsed as their type too, and fail
//!   only where [`REAL_PAYLOAD_ERRORS`] says.

mod support;

use std::collections::BTreeMap;

use hcs_schema::FindingKind;
use hcs_workspace_tests::samples_dir;
use serde_json::Value;

/// Samples with a real error in a typed field: (file, JSON path, serde's message, why).
const REAL_ERRORS: &[(&str, &str, &str, &str)] = &[(
    "vm-samples-config-template-2020.json",
    "VirtualMachine.Devices.NetworkAdapters.Adapter0.EndpointId",
    "invalid GUID `%ws`: expected 8-4-4-4-12 hexadecimal digits without braces at line 42 column 39",
    "a printf template: `%ws` is a placeholder where a GUID belongs (INDEX.md: filled by swprintf \
     before HcsCreateComputeSystem)",
)];

/// Free-form payloads with a real error: (file, JSON pointer of the payload, type, JSON path
/// inside it, message, why).
const REAL_PAYLOAD_ERRORS: &[(&str, &str, &str, &str, &str, &str)] = &[(
    "service-modify-cpugroup-creategroup.json",
    "/Settings/OperationDetails",
    "CreateGroupOperation",
    "GroupId",
    "invalid GUID `GUID`: expected 8-4-4-4-12 hexadecimal digits without braces at line 1 column 17",
    "the placeholder `\"GUID\"` where a GUID belongs (INDEX.md: pattern_mismatch)",
)];

/// Properties and enum values that no source has (the check's `unknown-property` and
/// `unrecognized-value` warnings), by sample: (file, paths as the check writes them, why).
const UNTYPED: &[(&str, &[&str], &str)] = &[
    (
        "template-container-creation-schema-2019.json",
        &[
            "Container.CredentialGuard",
            "Container.Networking.DNSSearchList",
            "Container.RegistryChanges.AddValues[0].Key.Hive",
            "Container.RegistryChanges.AddValues[0].Type",
            "Container.RegistryChanges.DeleteKeys[0].Hive",
            "Container.Storage.Layers[0].Cache",
            "Container.Storage.StorageQoS",
        ],
        "the 2019 pre-release \"Container Creation Document Schema\": names that predate the \
         published schema (CredentialGuard is now ContainerCredentialGuard, DNSSearchList \
         DnsSearchList) and `<enum>` placeholders with no hint (INDEX.md)",
    ),
    (
        "template-vm-creation-schema-2019.json",
        &[
            "StopOnReset",
            "VirtualMachine.Chipset.UEFI",
            "VirtualMachine.ComputeTopology.Memory.DirectFileMappingMB",
            "VirtualMachine.ComputeTopology.Memory.Regions",
            "VirtualMachine.ComputeTopology.Memory.Startup",
            "VirtualMachine.Devices.COMPorts",
            "VirtualMachine.Devices.FlexIo",
            "VirtualMachine.Devices.GuestCrashReporting.WindowsCrashSettings.DumpType",
            "VirtualMachine.Devices.GuestInterface",
            "VirtualMachine.Devices.NIC",
            "VirtualMachine.Devices.Plan9Shares",
            "VirtualMachine.Devices.Rdp",
            "VirtualMachine.Devices.SCSI",
            "VirtualMachine.Devices.VPMem",
            "VirtualMachine.Devices.VirtualSMBShares",
        ],
        "the 2019 pre-release \"VM Creation Document Schema\": historic names (UEFI is now Uefi, \
         COMPorts ComPorts, SCSI Scsi, VPMem VirtualPMem, NIC NetworkAdapters, VirtualSMBShares \
         VirtualSmb.Shares, Plan9Shares Plan9.Shares, FlexIo FlexibleIov, StopOnReset moved into \
         VirtualMachine), memory settings no source has, and the `<enum>` placeholder of \
         `DumpType` (a typed field now, whose placeholder is no value) (INDEX.md)",
    ),
];

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
    let expected: Vec<(&str, support::PathError)> = REAL_ERRORS
        .iter()
        .map(|(file, path, message, _why)| {
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
    assert_eq!(round_tripped.len(), SAMPLES - REAL_ERRORS.len());
}

/// `$.A.B["key"][0]` (the index's paths) -> `A.B["key"][0]` (the paths of `check`).
fn index_path(path: &str) -> String {
    path.strip_prefix("$.").unwrap_or(path).to_owned()
}

#[test]
fn no_sample_has_an_error_under_the_default_check_and_every_property_is_typed() {
    let Some(samples) = samples() else { return };
    let registry = support::registry();
    let mut now_typed = 0;
    for sample in &samples {
        let entry = support::lookup(&registry, &sample.schema_type).unwrap();
        let Ok(parsed) = (entry.parse_text)(&sample.text) else {
            assert!(REAL_ERRORS.iter().any(|e| e.0 == sample.file));
            continue;
        };
        let errors: Vec<String> = parsed
            .findings
            .iter()
            .filter(|f| f.is_error())
            .map(ToString::to_string)
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", sample.file);
        // What no source has: exactly the hand-written list.
        let mut untyped: Vec<String> = parsed
            .findings
            .iter()
            .filter(|f| {
                matches!(
                    f.kind,
                    FindingKind::UnknownProperty | FindingKind::UnrecognizedValue { .. }
                )
            })
            .map(|f| f.path.clone())
            .collect();
        untyped.sort();
        let expected: Vec<String> = UNTYPED
            .iter()
            .find(|(file, _, _)| *file == sample.file)
            .map(|(_, paths, _)| paths.iter().map(|p| (*p).to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(untyped, expected, "{}", sample.file);
        // Everything else the index calls unknown (against 21H2) is typed now.
        for finding in sample.index["findings_21H2"].as_array().unwrap() {
            let kind = finding["kind"].as_str().unwrap();
            if !matches!(kind, "unknown_property" | "enum_value_not_in_enum") {
                continue;
            }
            let path = index_path(finding["path"].as_str().unwrap());
            if expected.contains(&path) {
                continue;
            }
            let reported: Vec<&hcs_schema::Finding> = parsed
                .findings
                .iter()
                .filter(|f| f.path == path || f.path.starts_with(&format!("{path}=\"")))
                .collect();
            // Typed: at most a warning about its evidence (observed, or absent from the newest
            // published file), never "no source has it".
            assert!(
                reported.iter().all(|f| matches!(
                    f.kind,
                    FindingKind::Observed { .. } | FindingKind::Removed { .. }
                )),
                "{}: {path}: {reported:?}",
                sample.file
            );
            now_typed += 1;
        }
    }
    // Memory.Backing in four VM samples, `"Memory"` as a service property type, Container.Memory
    // .Maximum, HvSocketServiceConfig.Disabled, HvSocket.EnableUtcRelay and .EnableAuditing in the
    // 2019 container template, and six of the 2019 VM template's (Backing, SharedMemoryMB,
    // DisableSharedMemoryMapping, SharedMemoryAccessSids, RestoreState.RuntimeStateFilePath,
    // DebugOptions).
    assert_eq!(now_typed, 4 + 1 + 4 + 6);
}

#[test]
fn vm_samples_use_memory_backing_which_microsofts_own_schema_of_2_5_has() {
    let Some(samples) = samples() else { return };
    let registry = support::registry();
    for file in [
        "vm-empty.json",
        "vm-tutorial.json",
        "vm-compute-system-sample-2020.json",
    ] {
        let sample = samples.iter().find(|s| s.file == file).unwrap();
        let entry = support::lookup(&registry, &sample.schema_type).unwrap();
        let parsed = (entry.parse_text)(&sample.text).unwrap();
        // A current host (the newest published schema, 2.6): nothing to report at all.
        assert_eq!(parsed.findings, [], "{file}");
        let document: hcs_schema::ComputeSystem = serde_json::from_str(&sample.text).unwrap();
        // A 2.4 host: not known either way (Windows Server 2022's own schema, 2.5, has it): a
        // warning naming that evidence, not an error.
        let findings = hcs_schema::check(&document, hcs_schema::SchemaVersion::V2_4);
        assert!(
            findings.iter().all(|f| !f.is_error()),
            "{file}: {findings:?}"
        );
        let backing = findings
            .iter()
            .find(|f| f.path == "VirtualMachine.ComputeTopology.Memory.Backing")
            .unwrap_or_else(|| panic!("{file}: {findings:?}"));
        assert!(matches!(backing.kind, FindingKind::Observed { .. }));
        assert!(
            backing.to_string().contains("accepted by schema 2.5"),
            "{backing}"
        );
        let memory = document
            .virtual_machine
            .and_then(|vm| vm.compute_topology)
            .and_then(|t| t.memory)
            .unwrap();
        assert!(memory.backing.is_some(), "{file}: typed, not unknown");
        assert!(memory.unknown_properties.is_empty(), "{file}");
    }
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
                assert!(
                    parsed.findings.iter().all(|f| !f.is_error()),
                    "{} {pointer}: {:?}",
                    sample.file,
                    parsed.findings
                );
            });
            outcomes.insert((sample.file.clone(), format!("{pointer} as {ty}")), outcome);
        }
    }
    let failures: Vec<_> = outcomes
        .iter()
        .filter_map(|(key, outcome)| outcome.as_ref().err().map(|e| (key.clone(), e.clone())))
        .collect();
    let expected: Vec<_> = REAL_PAYLOAD_ERRORS
        .iter()
        .map(|(file, pointer, ty, path, message, _why)| {
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
