//! A Linux utility VM (the kind containerd's Linux containers on Windows run in), built in typed
//! Rust, checked against the schema version of an older host, and printed as JSON.

use std::collections::BTreeMap;

use hcs_schema::{
    Attachment, AttachmentType, Chipset, ComputeSystem, Devices, LinuxKernelDirect, Plan9,
    Plan9Share, SchemaVersion, Scsi, Topology, Version, VersionCheck, VirtualMachine,
    VirtualMachineMemory, VirtualMachineProcessor,
};

fn main() {
    let uvm = ComputeSystem {
        owner: Some("my-shim".into()),
        schema_version: Some(Version {
            major: Some(2),
            minor: Some(2),
            ..Default::default()
        }),
        should_terminate_on_last_handle_closed: Some(true),
        virtual_machine: Some(VirtualMachine {
            stop_on_reset: Some(true),
            chipset: Some(Chipset {
                linux_kernel_direct: Some(LinuxKernelDirect {
                    kernel_file_path: Some(r"C:\Program Files\Linux Containers\kernel".into()),
                    init_rd_path: Some(r"C:\Program Files\Linux Containers\initrd.img".into()),
                    kernel_cmd_line: Some("console=ttyS0 panic=-1 quiet".into()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            compute_topology: Some(Topology {
                memory: Some(VirtualMachineMemory {
                    size_in_mb: Some(1024),
                    allow_overcommit: Some(true),
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
                                path: Some(r"C:\containers\uvm\scratch.vhdx".into()),
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
                        path: Some(r"C:\containers\layers\0".into()),
                        port: Some(564),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };

    // Kernel-direct boot came with schema 2.2 (Windows 10 1903): a 1809 host would reject it.
    assert_eq!(uvm.min_schema_version(), SchemaVersion::V2_2);
    for finding in uvm.check_schema_version(SchemaVersion::V2_1) {
        eprintln!("not for a 2.1 host: {finding}");
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&uvm).expect("serializes")
    );
}
