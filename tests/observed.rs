//! hcsshim-shaped documents that use what only observed sources have (confidential VMs, crash
//! dumps, Plan9 flags, vNUMA, live migration, HostProcess containers, the combined-layers filter),
//! built in typed Rust, compared with their golden files in `tests/golden/`, and judged by the one
//! check policy against targets whose verdicts are written here by hand.
//!
//! The verdicts come from the evidence, not from the check: `../shared/schema-json/observed/
//! README.md` ("Schema version and Windows build facts") and hcsshim#2714. Each table row says,
//! for one target, exactly which findings a correct check reports: `E` an error (known to fail),
//! `W` a warning (not known either way), with the kind and the JSON path.

mod support;

use hcs_schema::*;
use serde_json::json;

/// One expected finding: severity, kind, path.
type Expected = (char, &'static str, &'static str);

fn kind(finding: &Finding) -> &'static str {
    match &finding.kind {
        FindingKind::NeedsVersion { .. } => "needs-version",
        FindingKind::NeedsBuild { .. } => "needs-build",
        FindingKind::Observed { .. } => "observed",
        FindingKind::Removed { .. } => "removed",
        FindingKind::UnknownProperty => "unknown-property",
        FindingKind::UnrecognizedValue { .. } => "unrecognized-value",
        _ => "other",
    }
}

/// Checks `document` against `policy` and compares with the hand-written `expected`.
fn verdict(name: &str, document: &dyn Walk, policy: Policy, expected: &[Expected]) -> Vec<Finding> {
    let findings = check_with(document, &policy);
    let actual: Vec<(char, &'static str, String)> = findings
        .iter()
        .map(|f| {
            let severity = if f.is_error() { 'E' } else { 'W' };
            (severity, kind(f), f.path.clone())
        })
        .collect();
    let expected: Vec<(char, &'static str, String)> = expected
        .iter()
        .map(|(s, k, p)| (*s, *k, (*p).to_owned()))
        .collect();
    assert_eq!(actual, expected, "{name} under {policy:?}");
    findings
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

/// Windows Server 2022 (schema 2.5, build 20348).
const WS2022: Policy = Policy::target(SchemaVersion::V2_5).with_build(20348);

/// Windows Server 2025 as hcsshim's evidence describes it: build 26100, and schema 2.11
/// (`PropagateNumaAffinity`, "available on WS2025", is schema 2.11).
const WS2025: Policy = Policy::target(SchemaVersion::V2_11).with_build(26100);

/// A confidential (SNP) LCOW utility VM as hcsshim sends it: SchemaVersion 2.5, SecuritySettings
/// with SecureNestedPaging isolation and launch data, guest state in a file (`FileMode`).
fn confidential_lcow_vm() -> ComputeSystem {
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(5),
            ..Default::default()
        }),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            stop_on_reset: Some(true),
            chipset: Some(Chipset {
                uefi: Some(Uefi::default()),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(2048),
                    allow_overcommit: Some(false),
                    ..Default::default()
                }),
                processor: Some(VirtualMachineProcessor {
                    count: Some(2),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            guest_state: Some(GuestState {
                guest_state_file_path: s(r"C:\ContainerPlat\kernelinitrd.vmgs"),
                guest_state_file_type: Some(GuestStateFileType::FileMode),
                force_transient_state: Some(true),
                ..Default::default()
            }),
            security_settings: Some(SecuritySettings {
                enable_tpm: Some(false),
                isolation: Some(IsolationSettings {
                    isolation_type: Some(GuestIsolationType::SecureNestedPaging),
                    launch_data: s("eyJwb2xpY3kiOiJhbGxvd19hbGwifQ=="),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn confidential_lcow_vm_on_windows_server_2022() {
    let document = confidential_lcow_vm();
    let back = support::golden_file("confidential-lcow-vm.json", &document);
    // Sent by hcsshim with SchemaVersion 2.5 (create_lcow.go:371, :493), and in Windows Server
    // 2022's own schema (the PR's 2.5 files): known to work there.
    verdict("confidential LCOW", &back, WS2022, &[]);
    // A 2.4 host: not known either way, one warning per observed item (their contents repeat it).
    verdict(
        "confidential LCOW",
        &back,
        Policy::target(SchemaVersion::V2_4),
        &[
            (
                'W',
                "observed",
                "VirtualMachine.GuestState.GuestStateFileType",
            ),
            ('W', "observed", "VirtualMachine.SecuritySettings"),
        ],
    );
    // HclEnabled is "not available in schema 2.5" (create_lcow.go:498): known to fail there.
    let mut with_hcl = document.clone();
    let isolation = with_hcl
        .virtual_machine
        .as_mut()
        .and_then(|vm| vm.security_settings.as_mut())
        .and_then(|s| s.isolation.as_mut())
        .unwrap();
    isolation.hcl_enabled = Some(true);
    let findings = verdict(
        "confidential LCOW with HclEnabled",
        &with_hcl,
        WS2022,
        &[(
            'E',
            "needs-version",
            "VirtualMachine.SecuritySettings.Isolation.HclEnabled",
        )],
    );
    let text = findings[0].to_string();
    assert!(text.contains("needs schema 2.6"), "{text}");
    assert!(text.contains("internal/uvm/create_lcow.go:498"), "{text}");
    verdict(
        "confidential LCOW with HclEnabled",
        &with_hcl,
        Policy::target(SchemaVersion::V2_6),
        &[],
    );
}

/// A WCOW utility VM with debug options and a crash dump type, as hcsshim configures them.
fn wcow_uvm_debug_options() -> ComputeSystem {
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        virtual_machine: Some(VirtualMachine {
            chipset: Some(Chipset {
                uefi: Some(Uefi::default()),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(1024),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            devices: Some(Devices {
                guest_crash_reporting: Some(GuestCrashReporting {
                    windows_crash_settings: Some(WindowsCrashReporting {
                        dump_file_name: s(r"C:\crashdumps\uvm.dmp"),
                        max_dump_size: Some(1 << 30),
                        dump_type: Some(WindowsCrashDumpType::Full),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            debug_options: Some(DebugOptions {
                bugcheck_saved_state_file_name: s(r"C:\crashdumps\bugcheck.vmrs"),
                triple_fault_saved_state_file_name: s(r"C:\crashdumps\triplefault.vmrs"),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn wcow_uvm_with_debug_options_and_dump_type() {
    let back = support::golden_file("wcow-uvm-debug-options.json", &wcow_uvm_debug_options());
    // hcsshim main has no version check for these (README: "No version or build check found"),
    // but Windows Server 2022's own schema (the PR) has both: known for 2.5 and later.
    verdict("WCOW debug options", &back, WS2022, &[]);
    verdict(
        "WCOW debug options",
        &back,
        Policy::target(SchemaVersion::V2_6),
        &[],
    );
    verdict(
        "WCOW debug options",
        &back,
        Policy::target(SchemaVersion::V2_1),
        &[
            (
                'W',
                "observed",
                "VirtualMachine.Devices.GuestCrashReporting.WindowsCrashSettings.DumpType",
            ),
            ('W', "observed", "VirtualMachine.DebugOptions"),
        ],
    );
    // Strict: the same, as errors.
    verdict(
        "WCOW debug options",
        &back,
        Policy::target(SchemaVersion::V2_1).strict(),
        &[
            (
                'E',
                "observed",
                "VirtualMachine.Devices.GuestCrashReporting.WindowsCrashSettings.DumpType",
            ),
            ('E', "observed", "VirtualMachine.DebugOptions"),
        ],
    );
}

/// A Plan9 share (the `Settings` of a modify request) with flags, as hcsshim adds single-file
/// mappings: `Flags` is an integer (the PR's int64; ReadOnly | RestrictFileAccess).
fn plan9_share_flags() -> Plan9Share {
    Plan9Share {
        name: s("3"),
        access_name: s("3"),
        path: s(r"C:\data\config"),
        port: Some(564),
        flags: Some(0x0000_0001 | 0x0000_0080),
        allowed_files: Some(vec!["settings.json".to_owned()]),
        ..Default::default()
    }
}

#[test]
fn plan9_share_with_flags() {
    let back = support::golden_file("plan9-share-flags.json", &plan9_share_flags());
    verdict("Plan9 flags", &back, WS2022, &[]);
    // hcsshim uses single-file mappings (RestrictFileAccess) on build 18362 or later
    // (plan9.go:40): a 1903 host (schema 2.2, build 18362) is known to take them.
    let release_1903 = Release::by_id("1903").unwrap();
    verdict(
        "Plan9 flags",
        &back,
        Policy::target(SchemaVersion::V2_2).with_build(release_1903.build),
        &[],
    );
    // A 1809 host (build 17763): the flags are not known either way, and `AllowedFiles` (the
    // single-file list, published in 1903) is known to fail.
    verdict(
        "Plan9 flags",
        &back,
        Policy::target(SchemaVersion::V2_1).with_build(17763),
        &[
            ('W', "observed", "Flags"),
            ('E', "needs-version", "AllowedFiles"),
        ],
    );
}

/// A utility VM with vNUMA, as hcsshim builds it on Windows Server 2025.
fn vnuma_vm() -> ComputeSystem {
    ComputeSystem {
        owner: s("containerd-shim-lcow-v2.exe"),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(5),
            ..Default::default()
        }),
        virtual_machine: Some(VirtualMachine {
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(8192),
                    slit_type: Some(VirtualSlitType::FirmwareFallbackMeasured),
                    ..Default::default()
                }),
                processor: Some(VirtualMachineProcessor {
                    count: Some(8),
                    numa_processors_settings: Some(NumaProcessors {
                        count_per_node: Some(Range {
                            max: Some(4),
                            ..Default::default()
                        }),
                        node_per_socket: Some(1),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                numa: Some(Numa {
                    virtual_node_count: Some(2),
                    preferred_physical_nodes: Some(vec![0, 1]),
                    settings: Some(vec![
                        NumaSetting {
                            virtual_node_number: Some(0),
                            physical_node_number: Some(0),
                            virtual_socket_number: Some(0),
                            count_of_processors: Some(4),
                            count_of_memory_blocks: Some(4096),
                            memory_backing_type: Some(MemoryBackingType::Physical),
                            ..Default::default()
                        },
                        NumaSetting {
                            virtual_node_number: Some(1),
                            physical_node_number: Some(1),
                            virtual_socket_number: Some(0),
                            count_of_processors: Some(4),
                            count_of_memory_blocks: Some(4096),
                            memory_backing_type: Some(MemoryBackingType::Physical),
                            ..Default::default()
                        },
                    ]),
                    max_size_per_node: Some(4096),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn vnuma_topology() {
    let back = support::golden_file("vnuma-vm.json", &vnuma_vm());
    // hcsshim sends vNUMA on build 26100 or later (numa.go:83), SlitType with it.
    verdict("vNUMA", &back, WS2025, &[]);
    // Windows Server 2022 (build 20348): `Topology.Numa` and the `NumaSetting` fields it shares
    // are in its own schema; what only hcsshim main has is known for build 26100 only.
    verdict(
        "vNUMA",
        &back,
        WS2022,
        &[
            (
                'W',
                "observed",
                "VirtualMachine.ComputeTopology.Memory.SlitType",
            ),
            (
                'W',
                "observed",
                "VirtualMachine.ComputeTopology.Processor.NumaProcessorsSettings",
            ),
            (
                'W',
                "observed",
                "VirtualMachine.ComputeTopology.Numa.Settings[0].MemoryBackingType",
            ),
            (
                'W',
                "observed",
                "VirtualMachine.ComputeTopology.Numa.Settings[1].MemoryBackingType",
            ),
            (
                'W',
                "observed",
                "VirtualMachine.ComputeTopology.Numa.MaxSizePerNode",
            ),
        ],
    );
}

/// The start options of a live-migration destination (containerd-shim-lcow-v2).
fn live_migration_start_options() -> StartOptions {
    StartOptions {
        destination_migration_options: Some(MigrationStartOptions {
            network_settings: Some(MigrationNetworkSettings {
                session_id: Some(7),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn live_migration_start_options_need_windows_server_2025() {
    let back = support::golden_file(
        "live-migration-start-options.json",
        &live_migration_start_options(),
    );
    verdict("live migration", &back, WS2025, &[]);
    // The shim that sends them refuses to run below build 26100 (main.go:72-73): on Windows
    // Server 2022 not known either way.
    let findings = verdict(
        "live migration",
        &back,
        WS2022,
        &[('W', "observed", "DestinationMigrationOptions")],
    );
    let text = findings[0].to_string();
    assert!(text.contains("accepted by Windows build 26100"), "{text}");
    assert!(
        text.contains("cmd/containerd-shim-lcow-v2/main.go:72-73"),
        "{text}"
    );
}

/// A HostProcess container's compute system (hcsshim's `Container.IsolationType`).
fn hostprocess_container() -> ComputeSystem {
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        container: Some(Container {
            storage: Some(Storage {
                layers: Some(vec![Layer {
                    id: Some(Guid::parse("8d0c1b5e-0a5a-4e2b-9b2f-6c7a2e6e1e1a").unwrap()),
                    path: s(r"C:\ProgramData\containerd\snapshots\1"),
                    ..Default::default()
                }]),
                path: s(r"\\?\Volume{7d4e0c41-8f0a-4a47-9f0e-3c5c2f9b6a10}\"),
                ..Default::default()
            }),
            isolation_type: Some(IsolationType::HostProcess),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn hostprocess_container_is_a_warning_everywhere() {
    let back = support::golden_file("hostprocess-container.json", &hostprocess_container());
    // No version or build check anywhere in hcsshim, no published file: version unknown on every
    // host, a warning (the value inside repeats it); an error only when strict.
    for policy in [
        WS2022,
        WS2025,
        Policy::target(SchemaVersion::V2_6),
        Policy::unknown_target(),
    ] {
        let findings = verdict(
            "HostProcess",
            &back,
            policy,
            &[('W', "observed", "Container.IsolationType")],
        );
        assert!(findings[0].to_string().contains("version unknown"));
    }
    verdict(
        "HostProcess",
        &back,
        WS2025.strict(),
        &[('E', "observed", "Container.IsolationType")],
    );
}

/// The combined layers of a WCOW container with the filter type (hcsshim sends them to the
/// utility VM's guest as a `GuestRequest`).
fn combined_layers_filter_type() -> CombinedLayers {
    CombinedLayers {
        layers: Some(vec![Layer {
            id: Some(Guid::parse("dcd3e8ab-4b2c-5f7a-9c53-6c4e7e1c1f11").unwrap()),
            path: s(r"C:\c\layers\0"),
            ..Default::default()
        }]),
        container_root_path: s(r"C:\c\root"),
        filter_type: Some(FileSystemFilterType::Wcifs),
        ..Default::default()
    }
}

/// hcsshim#2714: `CombinedLayers.FilterType` (schema 2.9) sent to a Windows Server 2022 (schema
/// 2.5) guest; its strict parser rejects the document with `HCS_E_INVALID_JSON`.
#[test]
fn filter_type_to_a_2_5_guest_is_an_error_naming_2_9_and_its_source() {
    let back = support::golden_file(
        "combined-layers-filter-type.json",
        &combined_layers_filter_type(),
    );
    let findings = verdict(
        "FilterType",
        &back,
        WS2022,
        &[('E', "needs-version", "FilterType")],
    );
    let FindingKind::NeedsVersion {
        needs,
        evidence: Some(evidence),
    } = &findings[0].kind
    else {
        panic!("{:?}", findings[0])
    };
    assert_eq!(*needs, SchemaVersion::new(2, 9));
    assert_eq!(evidence.source.id, "hcsshim-7c9ff7f");
    assert_eq!(evidence.locations, ["internal/uvm/combine_layers.go:38-41"]);
    assert_eq!(
        findings[0].to_string(),
        "FilterType needs schema 2.9 (observed: hcsshim 7c9ff7f (main, 2026-08-20), \
         internal/uvm/combine_layers.go:38-41: schema 2.9; the inbox guest agent of Windows \
         Server 2022 ships a pre-2.9 schema whose strict parser rejects the field with \
         HCS_E_INVALID_JSON (hcsshim#2714))"
    );
    // A 2.9 guest takes it; the document needs 2.9.
    verdict(
        "FilterType",
        &back,
        Policy::target(SchemaVersion::new(2, 9)),
        &[],
    );
    assert_eq!(back.min_schema_version(), SchemaVersion::new(2, 9));
    // Without the field it is a plain 2.0 document.
    let without = CombinedLayers {
        filter_type: None,
        ..back
    };
    verdict("FilterType", &without, WS2022, &[]);
    assert_eq!(without.min_schema_version(), SchemaVersion::V2_0);
}

#[test]
fn the_golden_documents_are_what_hcsshim_sends() {
    // Spot checks of the JSON shape against hcsshim's wire names, independent of the types.
    let vm = serde_json::to_value(confidential_lcow_vm()).unwrap();
    assert_eq!(
        vm["VirtualMachine"]["SecuritySettings"]["Isolation"]["IsolationType"],
        json!("SecureNestedPaging")
    );
    assert_eq!(
        vm["VirtualMachine"]["GuestState"]["GuestStateFileType"],
        json!("FileMode")
    );
    let numa = serde_json::to_value(vnuma_vm()).unwrap();
    assert_eq!(
        numa["VirtualMachine"]["ComputeTopology"]["Processor"]["NumaProcessorsSettings"]["count_per_node"]
            ["max"],
        json!(4)
    );
    let layers = serde_json::to_value(combined_layers_filter_type()).unwrap();
    assert_eq!(layers["FilterType"], json!("WCIFS"));
    let share = serde_json::to_value(plan9_share_flags()).unwrap();
    assert_eq!(share["Flags"], json!(129));
}

/// Documents with real errors: they are not valid under any check, because what they send is
/// not what any schema source types there. Each is an error with its JSON path, never a warning
/// and never a silent pass: (schema type, document, JSON path of the error, what serde says
/// (part), why it is a real error).
const REAL_ERRORS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "SignalProcessOptions",
        r#"{"Signal":15}"#,
        "Signal",
        "invalid type: integer `15`",
        "a Linux signal number (SIGTERM): hcsshim sends integers only to its own Linux guest \
         (its guest-protocol `SignalProcessOptionsLCOW`, `Signal int`, in neither observed \
         file); HCS's `Signal` is the `ProcessSignal` string enum (CtrlC, CtrlBreak, ...) in \
         every published file and in Windows Server 2022's own schema (the PR 1914 source)",
    ),
    (
        "ComputeSystem",
        r#"{"VirtualMachine":{"Devices":{"NetworkAdapters":{"n":{"EndpointId":"%ws"}}}}}"#,
        "VirtualMachine.Devices.NetworkAdapters.n.EndpointId",
        "invalid GUID `%ws`",
        "a printf placeholder where a GUID belongs (the docs' VM template, filled by swprintf)",
    ),
];

#[test]
fn documents_with_real_errors_are_errors_naming_the_path() {
    let registry = support::registry();
    for (schema_type, document, path, message, why) in REAL_ERRORS {
        let entry = support::lookup(&registry, schema_type).unwrap();
        match (entry.parse_text)(document) {
            Err(error) => {
                assert_eq!(error.path, *path, "{schema_type} {document}: {why}");
                assert!(
                    !message.is_empty() && error.message.contains(message),
                    "{schema_type} {document}: {error} ({why})"
                );
            }
            Ok(parsed) => panic!("{schema_type} {document} parsed as {}: {why}", parsed.text),
        }
    }
}
