//! The project's golden documents (`tests/golden/*.json`): realistic HCS documents for the common
//! scenarios, each built here in typed Rust and compared byte for byte with the committed file,
//! and each file read back into its type and compared with the typed value.
//!
//! After an intended change (new fields, different formatting) regenerate the files with
//! `UPDATE_GOLDEN=1 cargo test -p hcs-workspace-tests --test golden` and review the diff.

mod support;

use std::collections::BTreeMap;
use std::fmt::Debug;

use hcs_schema::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Every committed golden file; each has a test below.
const FILES: &[&str] = &[
    "hyperv-isolated-container.json",
    "layer-data.json",
    "linux-utility-vm.json",
    "modify-cpu-limits.json",
    "modify-memory-size.json",
    "modify-network-adapter-add.json",
    "modify-plan9-share-add.json",
    "modify-scsi-disk-add.json",
    "modify-vsmb-share-add.json",
    "process-isolated-container.json",
    "process-parameters.json",
    "properties-response.json",
    "property-query.json",
    "result-error.json",
    "service-properties-response.json",
    "windows-utility-vm.json",
];

/// Compares `value` with `tests/golden/<name>` byte for byte and reads it back (see
/// [`support::golden_file`]); nothing in these documents is unknown to the published schema.
fn golden<T>(name: &str, value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug + Walk,
{
    assert!(FILES.contains(&name), "{name} is not listed in FILES");
    let back: T = support::golden_file(name, value);
    // Nothing in a golden document is unknown to the published schema.
    let unknown: Vec<String> = back
        .check_schema_version(SchemaVersion::V2_6)
        .into_iter()
        .filter(|f| !matches!(f.kind, FindingKind::NeedsVersion { .. }))
        .map(|f| f.to_string())
        .collect();
    assert!(unknown.is_empty(), "{name}: {unknown:?}");
}

/// A free-form (`Any`) payload, typed.
fn payload<T: Serialize>(value: T) -> Option<Value> {
    Some(serde_json::to_value(value).expect("serializes"))
}

/// Reads a free-form payload back as its type and checks that nothing was unknown.
fn typed_payload<T: DeserializeOwned + Serialize + Debug + PartialEq + Walk>(
    value: &Option<Value>,
) -> T {
    let value = value.as_ref().expect("payload present");
    let typed: T = serde_json::from_value(value.clone()).expect("payload parses");
    assert_eq!(&serde_json::to_value(&typed).unwrap(), value);
    assert_eq!(typed.check_schema_version(SchemaVersion::V2_6), []);
    typed
}

fn version(major: u32, minor: u32) -> Option<Version> {
    Some(Version {
        major: Some(major),
        minor: Some(minor),
        ..Default::default()
    })
}

fn guid(text: &str) -> Guid {
    Guid::parse(text).unwrap()
}

fn map<V>(entries: impl IntoIterator<Item = (&'static str, V)>) -> Option<BTreeMap<String, V>> {
    Some(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn s(text: &str) -> Option<String> {
    Some(text.to_owned())
}

const LCOW_SDDL: &str = "D:P(A;;FA;;;SY)(A;;FA;;;BA)";

/// An LCOW utility VM as hcsshim creates it for a Kubernetes pod.
fn linux_utility_vm() -> ComputeSystem {
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: version(2, 1),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            stop_on_reset: Some(true),
            chipset: Some(Chipset {
                linux_kernel_direct: Some(LinuxKernelDirect {
                    kernel_file_path: s(r"C:\Program Files\Linux Containers\kernel"),
                    init_rd_path: s(r"C:\Program Files\Linux Containers\initrd.img"),
                    kernel_cmd_line: s(
                        "8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus=2 brd.rd_nr=0 pmtmr=0 -- -e 1 /bin/vsockexec -e 109 /bin/gcs -v4 -log-format json -loglevel debug",
                    ),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(1024),
                    allow_overcommit: Some(true),
                    enable_deferred_commit: Some(false),
                    enable_cold_discard_hint: Some(true),
                    low_mmio_gap_in_mb: Some(0),
                    high_mmio_base_in_mb: Some(0),
                    high_mmio_gap_in_mb: Some(0),
                    ..Default::default()
                }),
                processor: Some(VirtualMachineProcessor {
                    count: Some(2),
                    limit: Some(100_000),
                    weight: Some(100),
                    expose_virtualization_extensions: Some(false),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            devices: Some(Devices {
                scsi: map([(
                    "0",
                    Scsi {
                        attachments: map([(
                            "0",
                            Attachment {
                                r#type: Some(AttachmentType::VirtualDisk),
                                path: s(
                                    r"C:\ProgramData\containerd\root\io.containerd.snapshotter.v1.windows-lcow\snapshots\42\sandbox.vhdx",
                                ),
                                ..Default::default()
                            },
                        )]),
                        ..Default::default()
                    },
                )]),
                virtual_pmem: Some(VirtualPMemController {
                    maximum_count: Some(64),
                    maximum_size_bytes: Some(4_294_967_296),
                    devices: map([(
                        "0",
                        VirtualPMemDevice {
                            host_path: s(r"C:\Program Files\Linux Containers\rootfs.vhd"),
                            read_only: Some(true),
                            image_format: Some(VirtualPMemImageFormat::Vhd1),
                            ..Default::default()
                        },
                    )]),
                    ..Default::default()
                }),
                plan9: Some(Plan9 {
                    shares: Some(vec![Plan9Share {
                        name: s("1"),
                        access_name: s("1"),
                        path: s(
                            r"C:\ProgramData\containerd\state\io.containerd.runtime.v2.task\k8s.io\42\config",
                        ),
                        port: Some(564),
                        allowed_files: Some(vec!["config.json".into(), "hostname".into()]),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                hv_socket: Some(VirtualMachineHvSocket {
                    hv_socket_config: Some(HvSocketSystemConfig {
                        default_bind_security_descriptor: s(LCOW_SDDL),
                        default_connect_security_descriptor: s(LCOW_SDDL),
                        service_table: map([(
                            "0000006d-facb-11e6-bd58-64006a7986d3",
                            HvSocketServiceConfig {
                                bind_security_descriptor: s(LCOW_SDDL),
                                connect_security_descriptor: s(LCOW_SDDL),
                                allow_wildcard_binds: Some(true),
                                ..Default::default()
                            },
                        )]),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                com_ports: map([(
                    "0",
                    ComPort {
                        named_pipe: s(r"\\.\pipe\uvm-42-com1"),
                        ..Default::default()
                    },
                )]),
                network_adapters: map([(
                    "c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21",
                    NetworkAdapter {
                        endpoint_id: Some(guid("c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21")),
                        mac_address: Some(MacAddress::parse("00-15-5D-52-C0-01").unwrap()),
                        ..Default::default()
                    },
                )]),
                ..Default::default()
            }),
            guest_connection: Some(GuestConnection {
                use_vsock: Some(true),
                use_connected_suspend: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A WCOW (Windows) utility VM booting from the VMBFS share of its base layer.
fn windows_utility_vm() -> ComputeSystem {
    let base = r"C:\ProgramData\containerd\root\io.containerd.snapshotter.v1.windows\snapshots\7";
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: version(2, 1),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            stop_on_reset: Some(true),
            chipset: Some(Chipset {
                uefi: Some(Uefi {
                    boot_this: Some(UefiBootEntry {
                        device_type: Some(UefiBootDevice::VmbFs),
                        device_path: s(r"\EFI\Microsoft\Boot\bootmgfw.efi"),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(2048),
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
            registry_changes: Some(RegistryChanges {
                add_values: Some(vec![RegistryValue {
                    key: Some(RegistryKey {
                        hive: Some(RegistryHive::System),
                        name: s(r"ControlSet001\Control"),
                        ..Default::default()
                    }),
                    name: s("BootDriverFlags"),
                    r#type: Some(RegistryValueType::DWord),
                    dword_value: Some(0),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            devices: Some(Devices {
                scsi: map([(
                    "0",
                    Scsi {
                        attachments: map([(
                            "0",
                            Attachment {
                                r#type: Some(AttachmentType::VirtualDisk),
                                path: Some(format!(r"{base}\sandbox.vhdx")),
                                ..Default::default()
                            },
                        )]),
                        ..Default::default()
                    },
                )]),
                hv_socket: Some(VirtualMachineHvSocket {
                    hv_socket_config: Some(HvSocketSystemConfig {
                        default_bind_security_descriptor: s("D:P(A;;FA;;;SY)(A;;FA;;;BA)"),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                virtual_smb: Some(VirtualSmb {
                    direct_file_mapping_in_mb: Some(1024),
                    shares: Some(vec![VirtualSmbShare {
                        name: s("os"),
                        path: Some(format!(r"{base}\Files")),
                        options: Some(VirtualSmbShareOptions {
                            read_only: Some(true),
                            pseudo_oplocks: Some(true),
                            take_backup_privilege: Some(true),
                            cache_io: Some(true),
                            share_read: Some(true),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            guest_state: Some(GuestState {
                guest_state_file_path: Some(format!(r"{base}\vm.vmgs")),
                force_transient_state: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn container_layers() -> Vec<Layer> {
    vec![
        Layer {
            id: Some(guid("8d3a6e4f-0c5b-5f1e-9d2a-7b4c3e2f1a0b")),
            path: s(
                r"C:\ProgramData\containerd\root\io.containerd.snapshotter.v1.windows\snapshots\12",
            ),
            ..Default::default()
        },
        Layer {
            id: Some(guid("3C6B2A19-4E7D-5A8F-B1C0-9D2E3F4A5B6C")),
            path: s(
                r"C:\ProgramData\containerd\root\io.containerd.snapshotter.v1.windows\snapshots\7",
            ),
            ..Default::default()
        },
    ]
}

/// A process-isolated Windows Server container.
fn process_isolated_container() -> ComputeSystem {
    ComputeSystem {
        owner: s("docker"),
        schema_version: version(2, 1),
        should_terminate_on_last_handle_closed: Some(true),
        container: Some(Container {
            guest_os: Some(GuestOs {
                host_name: s("web-0"),
                ..Default::default()
            }),
            storage: Some(Storage {
                layers: Some(container_layers()),
                path: s(r"\\?\Volume{f2b1a7c4-5e3d-4c2b-9a1f-0e8d7c6b5a49}\"),
                qos: Some(StorageQoS {
                    iops_maximum: Some(5000),
                    bandwidth_maximum: Some(104_857_600),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            mapped_directories: Some(vec![MappedDirectory {
                host_path: s(r"C:\data\web"),
                container_path: s(r"C:\inetpub\wwwroot"),
                read_only: Some(true),
                ..Default::default()
            }]),
            mapped_pipes: Some(vec![MappedPipe {
                container_pipe_name: s("docker_engine"),
                host_path: s(r"\\.\pipe\docker_engine"),
                host_path_type: Some(MappedPipePathType::AbsolutePath),
                ..Default::default()
            }]),
            memory: Some(ContainerMemory {
                size_in_mb: Some(2048),
                ..Default::default()
            }),
            processor: Some(ContainerProcessor {
                count: Some(2),
                maximum: Some(5000),
                ..Default::default()
            }),
            networking: Some(Networking {
                allow_unqualified_dns_query: Some(true),
                dns_search_list: s("corp.example.com,example.com"),
                namespace: s("b7e2f5c8-0d1a-4e3b-8c7d-6f5e4a3b2c1d"),
                network_adapters: Some(vec![guid("c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21")]),
                ..Default::default()
            }),
            hv_socket: Some(ContainerHvSocket {
                enable_power_shell_direct: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A Hyper-V isolated container: the container document hosted in a utility VM.
fn hyperv_isolated_container() -> ComputeSystem {
    let hosted = HostedSystem {
        schema_version: version(2, 1),
        container: Some(Container {
            guest_os: Some(GuestOs {
                host_name: s("isolated-0"),
                ..Default::default()
            }),
            storage: Some(Storage {
                layers: Some(vec![Layer {
                    id: Some(guid("8d3a6e4f-0c5b-5f1e-9d2a-7b4c3e2f1a0b")),
                    path: s(r"\\?\VMSMB\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\s1"),
                    path_type: Some(PathType::VirtualSmbShareName),
                    ..Default::default()
                }]),
                path: s(r"C:\c\42\scratch"),
                ..Default::default()
            }),
            mapped_directories: Some(vec![MappedDirectory {
                host_path: s(r"\\?\VMSMB\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\s2"),
                host_path_type: Some(PathType::VirtualSmbShareName),
                container_path: s(r"C:\config"),
                read_only: Some(true),
                ..Default::default()
            }]),
            networking: Some(Networking {
                namespace: s("b7e2f5c8-0d1a-4e3b-8c7d-6f5e4a3b2c1d"),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    ComputeSystem {
        owner: s("containerd-shim-runhcs-v1.exe"),
        schema_version: version(2, 1),
        hosting_system_id: s("42@vm"),
        hosted_system: payload(hosted),
        should_terminate_on_last_handle_closed: Some(true),
        ..Default::default()
    }
}

fn process_parameters() -> ProcessParameters {
    ProcessParameters {
        command_line: s(r#"C:\Windows\System32\cmd.exe /S /C "echo hello & exit 3""#),
        user: s(r"NT AUTHORITY\SYSTEM"),
        working_directory: s(r"C:\"),
        environment: map([
            ("PATH", r"C:\Windows\system32;C:\Windows".to_owned()),
            ("TERM", "xterm".to_owned()),
        ]),
        emulate_console: Some(true),
        create_std_in_pipe: Some(true),
        create_std_out_pipe: Some(true),
        create_std_err_pipe: Some(false),
        console_size: Some(vec![30, 120]),
        ..Default::default()
    }
}

#[test]
fn golden_linux_utility_vm() {
    let doc = linux_utility_vm();
    // What a schema 2.1 host would reject: `LinuxKernelDirect` and more need 2.2, the MMIO gaps 2.3.
    assert_eq!(doc.min_schema_version(), SchemaVersion::V2_3);
    let paths: Vec<String> = doc
        .check_schema_version(SchemaVersion::V2_1)
        .into_iter()
        .map(|finding| finding.path)
        .collect();
    assert_eq!(
        paths,
        [
            "VirtualMachine.Chipset.LinuxKernelDirect",
            "VirtualMachine.ComputeTopology.Memory.EnableColdDiscardHint",
            "VirtualMachine.ComputeTopology.Memory.LowMmioGapInMB",
            "VirtualMachine.ComputeTopology.Memory.HighMmioBaseInMB",
            "VirtualMachine.ComputeTopology.Memory.HighMmioGapInMB",
            "VirtualMachine.Devices.Plan9.Shares[0].AllowedFiles",
        ]
    );
    golden("linux-utility-vm.json", &doc);
}

#[test]
fn golden_windows_utility_vm() {
    golden("windows-utility-vm.json", &windows_utility_vm());
}

#[test]
fn golden_process_isolated_container() {
    golden(
        "process-isolated-container.json",
        &process_isolated_container(),
    );
}

#[test]
fn golden_hyperv_isolated_container() {
    let doc = hyperv_isolated_container();
    golden("hyperv-isolated-container.json", &doc);
    let hosted: HostedSystem = typed_payload(&doc.hosted_system);
    assert_eq!(hosted.schema_version, version(2, 1));
}

#[test]
fn golden_process_parameters() {
    golden("process-parameters.json", &process_parameters());
}

#[test]
fn golden_modify_scsi_disk_add() {
    let doc = ModifySettingRequest {
        resource_path: s("VirtualMachine/Devices/Scsi/0/Attachments/1"),
        request_type: Some(ModifyRequestType::Add),
        settings: payload(Attachment {
            r#type: Some(AttachmentType::VirtualDisk),
            path: s(r"C:\ProgramData\volumes\data.vhdx"),
            caching_mode: Some(CachingMode::ReadOnlyCached),
            read_only: Some(false),
            ..Default::default()
        }),
        guest_request: payload(GuestModifySettingRequest {
            resource_type: Some(ModifyResourceType::MappedVirtualDisk),
            request_type: Some(ModifyRequestType::Add),
            settings: payload(MappedVirtualDisk {
                container_path: s("/run/mounts/scsi/m1"),
                lun: Some(1),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("modify-scsi-disk-add.json", &doc);
    let attachment: Attachment = typed_payload(&doc.settings);
    assert_eq!(attachment.caching_mode, Some(CachingMode::ReadOnlyCached));
    let guest: GuestModifySettingRequest = typed_payload(&doc.guest_request);
    let disk: MappedVirtualDisk = typed_payload(&guest.settings);
    assert_eq!(disk.lun, Some(1));
}

#[test]
fn golden_modify_vsmb_share_add() {
    let doc = ModifySettingRequest {
        resource_path: s("VirtualMachine/Devices/VirtualSmb/Shares"),
        request_type: Some(ModifyRequestType::Add),
        settings: payload(VirtualSmbShare {
            name: s("s2"),
            path: s(r"C:\data\config"),
            allowed_files: Some(vec!["app.json".into()]),
            options: Some(VirtualSmbShareOptions {
                read_only: Some(true),
                cache_io: Some(true),
                share_read: Some(true),
                restrict_file_access: Some(true),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("modify-vsmb-share-add.json", &doc);
    let _: VirtualSmbShare = typed_payload(&doc.settings);
}

#[test]
fn golden_modify_plan9_share_add() {
    let doc = ModifySettingRequest {
        resource_path: s("VirtualMachine/Devices/Plan9/Shares"),
        request_type: Some(ModifyRequestType::Add),
        settings: payload(Plan9Share {
            name: s("2"),
            access_name: s("2"),
            path: s(r"C:\data\logs"),
            port: Some(564),
            ..Default::default()
        }),
        guest_request: payload(GuestModifySettingRequest {
            resource_type: Some(ModifyResourceType::MappedDirectory),
            request_type: Some(ModifyRequestType::Add),
            settings: Some(
                json!({ "MountPath": "/run/mounts/m2", "ShareName": "2", "Port": 564, "ReadOnly": false }),
            ),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("modify-plan9-share-add.json", &doc);
    let _: Plan9Share = typed_payload(&doc.settings);
}

#[test]
fn golden_modify_network_adapter_add() {
    let doc = ModifySettingRequest {
        resource_path: s(
            "VirtualMachine/Devices/NetworkAdapters/d1b0c6a2-3f4e-4b5a-8c9d-0e1f2a3b4c5d",
        ),
        request_type: Some(ModifyRequestType::Add),
        settings: payload(NetworkAdapter {
            endpoint_id: Some(guid("d1b0c6a2-3f4e-4b5a-8c9d-0e1f2a3b4c5d")),
            mac_address: Some(MacAddress::parse("00-15-5d-52-c0-02").unwrap()),
            iov_settings: Some(IovSettings {
                offload_weight: Some(100),
                queue_pairs_requested: Some(4),
                interrupt_moderation: Some(InterruptModerationMode::Adaptive),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("modify-network-adapter-add.json", &doc);
    let adapter: NetworkAdapter = typed_payload(&doc.settings);
    // The MAC address keeps the case it was written with.
    assert_eq!(adapter.mac_address.unwrap().as_str(), "00-15-5d-52-c0-02");
}

#[test]
fn golden_modify_memory_size() {
    // The published tutorial's request: `Settings` is a bare number.
    let doc = ModifySettingRequest {
        resource_path: s("VirtualMachine/ComputeTopology/Memory/SizeInMB"),
        request_type: Some(ModifyRequestType::Update),
        settings: Some(json!(4096)),
        ..Default::default()
    };
    golden("modify-memory-size.json", &doc);
}

#[test]
fn golden_modify_cpu_limits() {
    let doc = ModifySettingRequest {
        resource_path: s("VirtualMachine/ComputeTopology/Processor/CpuLimits"),
        request_type: Some(ModifyRequestType::Update),
        settings: payload(ProcessorLimits {
            limit: Some(50_000),
            weight: Some(200),
            reservation: Some(0),
            maximum_frequency_mhz: Some(2400),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("modify-cpu-limits.json", &doc);
    let limits: ProcessorLimits = typed_payload(&doc.settings);
    assert_eq!(limits.maximum_frequency_mhz, Some(2400));
}

#[test]
fn golden_property_query() {
    let doc = SystemPropertyQuery {
        property_types: Some(vec![
            SystemPropertyType::Memory,
            SystemPropertyType::Statistics,
            SystemPropertyType::ProcessList,
            SystemPropertyType::GuestConnection,
        ]),
        ..Default::default()
    };
    golden("property-query.json", &doc);
}

#[test]
fn golden_properties_response() {
    let doc = Properties {
        id: s("42@vm"),
        system_type: Some(SystemType::VirtualMachine),
        runtime_os_type: Some(OsType::Linux),
        owner: s("containerd-shim-runhcs-v1.exe"),
        runtime_id: Some(guid("6f1c2e3d-4b5a-4c9d-8e7f-0a1b2c3d4e5f")),
        state: Some(State::Running),
        stopped: Some(false),
        memory: Some(MemoryInformationForVm {
            virtual_node_count: Some(1),
            virtual_machine_memory: Some(VmMemory {
                available_memory: Some(812),
                available_memory_buffer: Some(-20),
                reserved_memory: Some(0),
                assigned_memory: Some(262_144),
                slp_active: Some(false),
                balancing_enabled: Some(true),
                dm_operation_in_progress: Some(false),
                ..Default::default()
            }),
            virtual_nodes: Some(vec![VirtualNodeInfo {
                virtual_node_index: Some(0),
                physical_node_number: Some(0),
                virtual_processor_count: Some(2),
                memory_usage_in_pages: Some(262_144),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        statistics: Some(Statistics {
            timestamp: Some(DateTime::parse("2026-11-23T13:45:07.1234567Z").unwrap()),
            container_start_time: Some(DateTime::parse("2026-11-23T13:40:00.0000000Z").unwrap()),
            uptime100ns: Some(3_071_234_567),
            processor: Some(ProcessorStats {
                total_runtime100ns: Some(1_234_567_890),
                runtime_user100ns: Some(1_000_000_000),
                runtime_kernel100ns: Some(234_567_890),
                ..Default::default()
            }),
            memory: Some(MemoryStats {
                memory_usage_commit_bytes: Some(536_870_912),
                memory_usage_commit_peak_bytes: Some(805_306_368),
                memory_usage_private_working_set_bytes: Some(402_653_184),
                ..Default::default()
            }),
            storage: Some(StorageStats {
                read_count_normalized: Some(10_240),
                read_size_bytes: Some(335_544_320),
                write_count_normalized: Some(2048),
                write_size_bytes: Some(67_108_864),
                ..Default::default()
            }),
            ..Default::default()
        }),
        process_list: Some(vec![
            ProcessDetails {
                process_id: Some(1),
                image_name: s("init"),
                create_timestamp: Some(DateTime::parse("2026-11-23T13:40:00.5000000Z").unwrap()),
                user_time100ns: Some(1_200_000),
                kernel_time100ns: Some(800_000),
                memory_commit_bytes: Some(4_194_304),
                memory_working_set_private_bytes: Some(2_097_152),
                memory_working_set_shared_bytes: Some(1_048_576),
                ..Default::default()
            },
            ProcessDetails {
                process_id: Some(108),
                image_name: s("gcs"),
                create_timestamp: Some(DateTime::parse("2026-11-23T13:40:01.0000000Z").unwrap()),
                user_time100ns: Some(54_000_000),
                kernel_time100ns: Some(21_000_000),
                memory_commit_bytes: Some(33_554_432),
                memory_working_set_private_bytes: Some(16_777_216),
                memory_working_set_shared_bytes: Some(4_194_304),
                ..Default::default()
            },
        ]),
        guest_connection_info: Some(GuestConnectionInfo {
            supported_schema_versions: Some(vec![
                Version {
                    major: Some(2),
                    minor: Some(1),
                    ..Default::default()
                },
                Version {
                    major: Some(2),
                    minor: Some(6),
                    ..Default::default()
                },
            ]),
            protocol_version: Some(4),
            guest_defined_capabilities: Some(
                json!({ "NamespaceAddRequestSupported": true, "SignalProcessSupported": true }),
            ),
            ..Default::default()
        }),
        ..Default::default()
    };
    golden("properties-response.json", &doc);
}

#[test]
fn golden_service_properties_response() {
    let doc = ServiceProperties {
        properties: Some(vec![
            payload(BasicInformation {
                supported_schema_versions: Some(vec![
                    Version {
                        major: Some(2),
                        minor: Some(0),
                        ..Default::default()
                    },
                    Version {
                        major: Some(2),
                        minor: Some(6),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            })
            .unwrap(),
        ]),
        ..Default::default()
    };
    golden("service-properties-response.json", &doc);
}

#[test]
fn golden_result_error() {
    let doc = ResultError {
        error: Some(-2_143_878_907),
        error_message: s("The virtual machine or container exited unexpectedly."),
        error_events: Some(vec![ErrorEvent {
            message: s("The virtual machine or container exited unexpectedly."),
            provider: Some(guid("17103E3F-3C6E-4677-BB17-3B267EB5BE57")),
            event_id: Some(11_001),
            flags: Some(0),
            source: s(
                "onecore\\vm\\compute\\management\\orchestration\\vmhostedcontainer\\processmanagement.cpp",
            ),
            data: Some(vec![EventData {
                r#type: Some(EventDataType::Int32),
                value: s("-2143878907"),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        attribution: Some(vec![AttributionRecord {
            system_exit: Some(SystemExit {
                detail: Some(SystemExitDetail::UnexpectedExit),
                initiator: Some(ExitInitiator::GuestOs),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    };
    golden("result-error.json", &doc);
}

#[test]
fn golden_layer_data() {
    let doc = LayerData {
        schema_version: version(2, 1),
        layers: Some(container_layers()),
        ..Default::default()
    };
    golden("layer-data.json", &doc);
}

#[test]
fn every_golden_file_has_a_test() {
    let mut on_disk: Vec<String> = std::fs::read_dir(support::golden_dir())
        .expect("tests/golden exists")
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".json"))
        .collect();
    on_disk.sort();
    let known = |name: &str| FILES.contains(&name) || support::OBSERVED_GOLDEN.contains(&name);
    if support::updating_golden() {
        // The other tests may not have written their files yet: no stale files is all we know.
        for name in &on_disk {
            assert!(known(name), "{name} has no test");
        }
        return;
    }
    let mut expected: Vec<&str> = FILES
        .iter()
        .chain(support::OBSERVED_GOLDEN)
        .copied()
        .collect();
    expected.sort_unstable();
    assert_eq!(on_disk, expected);
}
