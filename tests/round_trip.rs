//! Documents through the generated types: built in Rust, parsed from JSON, and back, with unknown
//! properties and values kept and formats validated.

use std::collections::BTreeMap;

use hcs_schema::{
    Attachment, AttachmentType, Chipset, ComputeSystem, Container, ContainerMemory, Devices, Guid,
    Layer, LinuxKernelDirect, MacAddress, MemoryBackingType, ModifySettingRequest, NetworkAdapter,
    Plan9, Plan9Share, ProcessParameters, SchemaVersion, Scsi, Storage, SystemType, Topology, Uefi,
    Version, VersionCheck, VirtualMachine, VirtualMachineMemory, VirtualMachineProcessor,
};
use serde_json::{Value, json};

fn linux_utility_vm() -> ComputeSystem {
    ComputeSystem {
        owner: Some("containerd-shim".into()),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            stop_on_reset: Some(true),
            chipset: Some(Chipset {
                linux_kernel_direct: Some(LinuxKernelDirect {
                    kernel_file_path: Some(r"C:\Program Files\Linux Containers\kernel".into()),
                    init_rd_path: Some(r"C:\Program Files\Linux Containers\initrd.img".into()),
                    kernel_cmd_line: Some("8250_core.nr_uarts=0 panic=-1 quiet pci=off".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(1024),
                    allow_overcommit: Some(true),
                    enable_deferred_commit: Some(false),
                    ..Default::default()
                }),
                processor: Some(VirtualMachineProcessor {
                    count: Some(2),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            devices: Some(Devices {
                scsi: Some(BTreeMap::from([(
                    "0".to_owned(),
                    Scsi {
                        attachments: Some(BTreeMap::from([(
                            "0".to_owned(),
                            Attachment {
                                r#type: Some(AttachmentType::VirtualDisk),
                                path: Some(r"C:\ProgramData\containers\scratch.vhdx".into()),
                                read_only: Some(false),
                                ..Default::default()
                            },
                        )])),
                        ..Default::default()
                    },
                )])),
                plan9: Some(Plan9 {
                    shares: Some(vec![Plan9Share {
                        name: Some("layer0".into()),
                        access_name: Some("layer0".into()),
                        path: Some(r"C:\layers\0".into()),
                        port: Some(564),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                network_adapters: Some(BTreeMap::from([(
                    "eth0".to_owned(),
                    NetworkAdapter {
                        endpoint_id: Some(
                            Guid::parse("2a37a0c8-a6a1-4b4b-8a3b-7c7d4e3e9b01").unwrap(),
                        ),
                        mac_address: Some(MacAddress::parse("00-15-5D-52-C0-00").unwrap()),
                        ..Default::default()
                    },
                )])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn a_document_built_in_rust_serializes_to_the_schema_names() {
    let json = serde_json::to_value(linux_utility_vm()).unwrap();
    let memory = &json["VirtualMachine"]["ComputeTopology"]["Memory"];
    assert_eq!(memory["SizeInMB"], 1024);
    // `false` is sent, not dropped.
    assert_eq!(memory["EnableDeferredCommit"], false);
    // `None` is not sent at all.
    assert!(memory.get("EnableHotHint").is_none());
    assert_eq!(
        json["VirtualMachine"]["Devices"]["Scsi"]["0"]["Attachments"]["0"]["Type"],
        "VirtualDisk"
    );
    assert_eq!(
        json["VirtualMachine"]["Devices"]["NetworkAdapters"]["eth0"]["MacAddress"],
        "00-15-5D-52-C0-00"
    );
    let back: ComputeSystem = serde_json::from_value(json).unwrap();
    assert_eq!(back, linux_utility_vm());
}

#[test]
fn a_process_isolated_container_round_trips() {
    let doc = ComputeSystem {
        owner: Some("docker".into()),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(1),
            ..Default::default()
        }),
        container: Some(Container {
            storage: Some(Storage {
                layers: Some(vec![Layer {
                    id: Some(Guid::parse("8D0C1B5E-0A5A-4E2B-9B2F-6C7A2E6E1E1A").unwrap()),
                    path: Some(r"C:\ProgramData\docker\windowsfilter\base".into()),
                    ..Default::default()
                }]),
                path: Some(r"\\?\Volume{7d4e0c41-0000-0000-0000-100000000000}\".into()),
                ..Default::default()
            }),
            memory: Some(ContainerMemory {
                size_in_mb: Some(0),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let text = serde_json::to_string(&doc).unwrap();
    // Zero is sent (hcsshim's `omitempty` would drop it) and the GUID keeps its case.
    assert!(text.contains(r#""SizeInMB":0"#), "{text}");
    assert!(
        text.contains("8D0C1B5E-0A5A-4E2B-9B2F-6C7A2E6E1E1A"),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<ComputeSystem>(&text).unwrap(), doc);
}

#[test]
fn unknown_properties_and_values_survive_a_round_trip() {
    let input = json!({
        "Owner": "sample",
        "SchemaVersion": { "Major": 2, "Minor": 1 },
        "FutureTopLevel": { "Nested": [1, 2, 3] },
        "VirtualMachine": {
            "ComputeTopology": { "Memory": { "Backing": "Physical", "Startup": 1, "SizeInMB": 2048 } },
            "Chipset": { "Uefi": {} }
        }
    });
    let doc: ComputeSystem = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(
        doc.unknown_properties["FutureTopLevel"],
        json!({ "Nested": [1, 2, 3] })
    );
    let memory = doc
        .virtual_machine
        .as_ref()
        .unwrap()
        .compute_topology
        .as_ref()
        .unwrap()
        .memory
        .as_ref()
        .unwrap();
    // `Backing` is typed (observed: Windows Server 2022's own schema has it); `Startup` is in no
    // source, and kept as sent.
    assert_eq!(memory.backing, Some(MemoryBackingType::Physical));
    assert_eq!(memory.unknown_properties["Startup"], 1);
    // An empty struct is present as `{}`, not absent.
    assert_eq!(
        doc.virtual_machine
            .as_ref()
            .unwrap()
            .chipset
            .as_ref()
            .unwrap()
            .uefi,
        Some(Uefi::default())
    );
    assert_eq!(serde_json::to_value(&doc).unwrap(), input);

    let ty: SystemType = serde_json::from_value(json!("MicroVm2031")).unwrap();
    assert_eq!(ty.as_str(), "MicroVm2031");
    assert!(SystemType::try_parse("MicroVm2031").is_none());
    assert_eq!(serde_json::to_value(&ty).unwrap(), json!("MicroVm2031"));
    assert_eq!(
        SystemType::from("VirtualMachine"),
        SystemType::VirtualMachine
    );
}

#[test]
fn any_typed_properties_take_any_json() {
    // The published tutorial sends a bare number where the schema says `type: object`.
    let input = json!({ "ResourcePath": "VirtualMachine/ComputeTopology/Memory/SizeInMB", "Settings": 4096 });
    let request: ModifySettingRequest = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(request.settings, Some(json!(4096)));
    assert_eq!(serde_json::to_value(&request).unwrap(), input);
}

#[test]
fn formats_are_validated_with_the_json_path_in_the_message() {
    let bad_guid = r#"{"Container":{"Storage":{"Layers":[{"Id":"GUID"}]}}}"#;
    let error = serde_json::from_str::<ComputeSystem>(bad_guid)
        .unwrap_err()
        .to_string();
    assert!(error.contains("invalid GUID `GUID`"), "{error}");
    let bad_mac = r#"{"MacAddress":"00-15-5D-52-C0"}"#;
    assert!(
        serde_json::from_str::<NetworkAdapter>(bad_mac)
            .unwrap_err()
            .to_string()
            .contains("MAC address")
    );
    let wrong_type = r#"{"SizeInMB":"big"}"#;
    assert!(serde_json::from_str::<VirtualMachineMemory>(wrong_type).is_err());
    let negative = r#"{"SizeInMB":-1}"#;
    assert!(serde_json::from_str::<VirtualMachineMemory>(negative).is_err());
}

#[test]
fn documents_know_the_schema_version_they_need() {
    let doc = linux_utility_vm();
    // `Chipset.LinuxKernelDirect` is documented as new in 2.2 (Windows 10 SDK 1903).
    assert_eq!(doc.min_schema_version(), SchemaVersion::V2_2);
    assert!(doc.check_schema_version(SchemaVersion::V2_2).is_empty());
    let findings = doc.check_schema_version(SchemaVersion::V2_1);
    let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["VirtualMachine.Chipset.LinuxKernelDirect"]);

    // `Attachment.SupportCompressedVolumes` is documented as new in 2.3.
    let mut newer = doc.clone();
    let devices = newer
        .virtual_machine
        .as_mut()
        .unwrap()
        .devices
        .as_mut()
        .unwrap();
    let attachment = devices
        .scsi
        .as_mut()
        .unwrap()
        .get_mut("0")
        .unwrap()
        .attachments
        .as_mut()
        .unwrap();
    attachment.get_mut("0").unwrap().support_compressed_volumes = Some(true);
    assert_eq!(newer.min_schema_version(), SchemaVersion::V2_3);
    let findings = newer.check_schema_version(SchemaVersion::V2_2);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        findings[0].path,
        r#"VirtualMachine.Devices.Scsi["0"].Attachments["0"].SupportCompressedVolumes"#
    );
    assert!(
        findings[0]
            .to_string()
            .contains("needs schema 2.3 (Windows 10 SDK, version 2004"),
        "{}",
        findings[0]
    );
}

#[test]
fn process_parameters_serialize_arrays_and_maps() {
    let params = ProcessParameters {
        command_line: Some("cmd.exe /c echo hello".into()),
        environment: Some(BTreeMap::from([(
            "PATH".to_owned(),
            r"C:\Windows".to_owned(),
        )])),
        console_size: Some(vec![25, 80]),
        create_std_out_pipe: Some(true),
        ..Default::default()
    };
    let json: Value = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        json!({
            "CommandLine": "cmd.exe /c echo hello",
            "Environment": { "PATH": "C:\\Windows" },
            "CreateStdOutPipe": true,
            "ConsoleSize": [25, 80]
        })
    );
}

#[test]
fn a_document_built_for_1809_fits_2_1_and_one_for_21h2_needs_2_6() {
    use hcs_schema::{FindingKind, Release};
    // What a 1809 host (schema 2.1) accepts: a process-isolated container with schema-2.0/2.1 fields.
    let for_1809: ComputeSystem = serde_json::from_value(json!({
        "Owner": "docker",
        "SchemaVersion": { "Major": 2, "Minor": 1 },
        "Container": {
            "Storage": { "Layers": [{ "Id": "8d0c1b5e-0a5a-4e2b-9b2f-6c7a2e6e1e1a", "Path": "C:\\layers\\base" }] },
            "Memory": { "SizeInMB": 2048 },
            "Networking": { "AllowUnqualifiedDnsQuery": true }
        }
    }))
    .unwrap();
    let host_1809 = Release::SDK_1809.schema_versions.last().copied().unwrap();
    assert_eq!(host_1809, SchemaVersion::V2_1);
    assert!(for_1809.check_schema_version(host_1809).is_empty());
    assert!(for_1809.min_schema_version() <= SchemaVersion::V2_1);

    // A 21H2 document: an attachment with 2.6 fields.
    let mut for_21h2 = linux_utility_vm();
    let devices = for_21h2
        .virtual_machine
        .as_mut()
        .unwrap()
        .devices
        .as_mut()
        .unwrap();
    let attachments = devices
        .scsi
        .as_mut()
        .unwrap()
        .get_mut("0")
        .unwrap()
        .attachments
        .as_mut()
        .unwrap();
    let attachment = attachments.get_mut("0").unwrap();
    attachment.always_allow_sparse_files = Some(true);
    attachment.support_encrypted_files = Some(true);
    assert_eq!(for_21h2.min_schema_version(), SchemaVersion::V2_6);
    assert!(
        for_21h2
            .check_schema_version(SchemaVersion::V2_6)
            .is_empty()
    );
    let findings = for_21h2.check_schema_version(host_1809);
    let mut needs: Vec<(String, String)> = findings
        .iter()
        .map(|f| match &f.kind {
            FindingKind::NeedsVersion {
                needs,
                evidence: None,
            } if f.is_error() => (
                f.path.rsplit('.').next().unwrap().to_owned(),
                needs.to_string(),
            ),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    needs.sort();
    assert_eq!(
        needs,
        [
            ("AlwaysAllowSparseFiles".to_owned(), "2.6".to_owned()),
            ("LinuxKernelDirect".to_owned(), "2.2".to_owned()),
            ("SupportEncryptedFiles".to_owned(), "2.6".to_owned()),
        ]
    );
    // The Windows release that brought 2.6, as the reference names it.
    assert!(
        findings[1]
            .to_string()
            .contains("Windows 11 SDK, version 21H2"),
        "{}",
        findings[1]
    );
}

#[test]
fn removed_fields_are_warnings_for_hosts_after_their_removal() {
    use hcs_schema::FindingKind;
    let document: hcs_schema::Devices =
        serde_json::from_value(json!({ "KernelIntegration": {} })).unwrap();
    assert!(
        document
            .check_schema_version(SchemaVersion::V2_3)
            .is_empty(),
        "2004 still had it"
    );
    // The published files dropped it in 20H2: a warning (they are trimmed; that is not proof
    // that Windows rejects it), an error only when strict.
    let findings = document.check_schema_version(SchemaVersion::V2_6);
    assert!(
        matches!(findings[0].kind, FindingKind::Removed { removed_in, .. } if removed_in.id == "20H2"),
        "{findings:?}"
    );
    assert!(!findings[0].is_error());
    assert_eq!(
        findings[0].to_string(),
        "KernelIntegration is absent from the newest published schema (the Windows 10 SDK, version \
         20H2 files dropped it); hcsshim PR 1914 (Windows Server 2022 schema 2.5) still has it"
    );
    let strict = hcs_schema::Policy::target(SchemaVersion::V2_6).strict();
    assert!(document.check_with_policy(&strict)[0].is_error());
}

#[test]
fn null_in_free_form_properties_and_floats_in_unknown_ones_come_back_exactly() {
    let input = json!({ "HostedSystem": null, "Owner": "x", "Future": { "Ratio": -1.0766915707071237e-308 } });
    let doc: ComputeSystem = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(doc.hosted_system, Some(Value::Null));
    let text = serde_json::to_string(&doc).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), input);
    assert!(text.contains("-1.0766915707071237e-308"), "{text}");
}
