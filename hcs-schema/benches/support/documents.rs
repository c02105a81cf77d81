//! The benchmark documents, shared by the Criterion benchmark (`benches/serde.rs`) and the
//! instruction-count profile (`examples/serde_profile.rs`).

use serde_json::{Value, json};

/// A compact Linux utility-VM document of about 1.3 KB, shaped like hcsshim's LCOW documents.
pub fn lcow_uvm() -> Value {
    json!({
        "Owner": "containerd-shim-runhcs-v1.exe",
        "SchemaVersion": { "Major": 2, "Minor": 1 },
        "ShouldTerminateOnLastHandleClosed": true,
        "VirtualMachine": {
            "StopOnReset": true,
            "Chipset": {
                "LinuxKernelDirect": {
                    "KernelFilePath": "C:\\Program Files\\Linux Containers\\kernel",
                    "InitRdPath": "C:\\Program Files\\Linux Containers\\initrd.img",
                    "KernelCmdLine": "8250_core.nr_uarts=0 panic=-1 quiet pci=off nr_cpus=2 -- -e 1 /bin/vsockexec -e 109 /bin/gcs"
                }
            },
            "ComputeTopology": {
                "Memory": { "SizeInMB": 1024, "AllowOvercommit": true, "EnableDeferredCommit": false },
                "Processor": { "Count": 2 }
            },
            "Devices": {
                "Scsi": { "0": { "Attachments": { "0": {
                    "Type": "VirtualDisk",
                    "Path": "C:\\ProgramData\\containerd\\snapshots\\42\\sandbox.vhdx"
                } } } },
                "HvSocket": { "HvSocketConfig": {
                    "DefaultBindSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                    "DefaultConnectSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)"
                } },
                "Plan9": { "Shares": [{
                    "Name": "1", "AccessName": "1",
                    "Path": "C:\\ProgramData\\containerd\\state\\k8s.io\\42\\config",
                    "Port": 564, "AllowedFiles": ["config.json"]
                }] },
                "VirtualPMem": {
                    "MaximumCount": 64, "MaximumSizeBytes": 4294967296u64,
                    "Devices": { "0": {
                        "HostPath": "C:\\Program Files\\Linux Containers\\rootfs.vhd",
                        "ReadOnly": true, "ImageFormat": "Vhd1"
                    } }
                },
                "NetworkAdapters": { "c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21": {
                    "EndpointId": "c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21",
                    "MacAddress": "00-15-5D-52-C0-01"
                } }
            },
            "GuestConnection": { "UseVsock": true }
        }
    })
}

pub fn large_compute_system() -> Value {
    let mut doc = lcow_uvm();
    let devices = doc["VirtualMachine"]["Devices"].as_object_mut().unwrap();
    let mut attachments = serde_json::Map::new();
    for lun in 0..64 {
        attachments.insert(
            lun.to_string(),
            json!({
                "Type": "VirtualDisk",
                "Path": format!("C:\\ProgramData\\containerd\\volumes\\pvc-{lun:04}\\disk.vhdx"),
                "CachingMode": "ReadOnlyCached",
                "ReadOnly": lun % 2 == 0
            }),
        );
    }
    devices.insert(
        "Scsi".into(),
        json!({ "0": { "Attachments": attachments } }),
    );
    let mut adapters = serde_json::Map::new();
    for n in 0..16u32 {
        let id = format!("c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b{n:04x}");
        adapters.insert(
            id.clone(),
            json!({ "EndpointId": id, "MacAddress": format!("00-15-5D-52-C0-{n:02X}"),
                    "IovSettings": { "OffloadWeight": 100, "QueuePairsRequested": 4 } }),
        );
    }
    devices.insert("NetworkAdapters".into(), Value::Object(adapters));
    let shares: Vec<Value> = (0..32)
        .map(|n| {
            json!({ "Name": n.to_string(), "AccessName": n.to_string(),
                         "Path": format!("C:\\data\\share{n}"), "Port": 564,
                         "AllowedFiles": ["a.json", "b.json"] })
        })
        .collect();
    devices.insert("Plan9".into(), json!({ "Shares": shares }));
    let vsmb: Vec<Value> = (0..32)
        .map(|n| {
            json!({ "Name": format!("s{n}"), "Path": format!("C:\\layers\\{n}\\Files"),
                         "Options": { "ReadOnly": true, "CacheIo": true, "ShareRead": true,
                                      "PseudoOplocks": true, "TakeBackupPrivilege": true } })
        })
        .collect();
    devices.insert(
        "VirtualSmb".into(),
        json!({ "Shares": vsmb, "DirectFileMappingInMB": 1024 }),
    );
    let mut pmem = serde_json::Map::new();
    for n in 0..32 {
        pmem.insert(
            n.to_string(),
            json!({ "HostPath": format!("C:\\layers\\{n}\\layer.vhd"), "ReadOnly": true, "ImageFormat": "Vhd1" }),
        );
    }
    devices.insert(
        "VirtualPMem".into(),
        json!({ "MaximumCount": 64, "MaximumSizeBytes": 4294967296u64, "Devices": pmem }),
    );
    let mut services = serde_json::Map::new();
    for n in 0..64u32 {
        services.insert(
            format!("{n:08x}-facb-11e6-bd58-64006a7986d3"),
            json!({ "BindSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                    "ConnectSecurityDescriptor": "D:P(A;;FA;;;SY)(A;;FA;;;BA)",
                    "AllowWildcardBinds": true }),
        );
    }
    devices["HvSocket"]["HvSocketConfig"]["ServiceTable"] = Value::Object(services);
    let values: Vec<Value> = (0..64)
        .map(|n| {
            json!({ "Key": { "Hive": "System", "Name": format!("ControlSet001\\Services\\svc{n}") },
                         "Name": "Start", "Type": "DWord", "DWordValue": n % 5 })
        })
        .collect();
    doc["VirtualMachine"]["RegistryChanges"] = json!({ "AddValues": values });
    doc
}

pub fn properties_response() -> Value {
    let processes: Vec<Value> = (0..200u32)
        .map(|n| json!({
            "ProcessId": 4 + n * 4,
            "ImageName": format!("process-{n}.exe"),
            "CreateTimestamp": format!("2026-11-23T13:{:02}:{:02}.{:07}Z", n / 60 % 60, n % 60, n * 1234),
            "UserTime100ns": 1_000_000u64 * u64::from(n),
            "KernelTime100ns": 250_000u64 * u64::from(n),
            "MemoryCommitBytes": 4_194_304u64 + u64::from(n) * 65_536,
            "MemoryWorkingSetPrivateBytes": 2_097_152u64 + u64::from(n) * 4096,
            "MemoryWorkingSetSharedBytes": 1_048_576u64
        }))
        .collect();
    json!({
        "Id": "42@vm", "SystemType": "VirtualMachine", "RuntimeOsType": "Linux",
        "Owner": "containerd-shim-runhcs-v1.exe",
        "RuntimeId": "6f1c2e3d-4b5a-4c9d-8e7f-0a1b2c3d4e5f", "State": "Running", "Stopped": false,
        "Memory": { "VirtualNodeCount": 1,
            "VirtualMachineMemory": { "AvailableMemory": 812, "AvailableMemoryBuffer": -20,
                "ReservedMemory": 0, "AssignedMemory": 262144, "SlpActive": false,
                "BalancingEnabled": true, "DmOperationInProgress": false },
            "VirtualNodes": [{ "VirtualNodeIndex": 0, "PhysicalNodeNumber": 0,
                "VirtualProcessorCount": 2, "MemoryUsageInPages": 262144 }] },
        "Statistics": { "Timestamp": "2026-11-23T13:45:07.1234567Z",
            "ContainerStartTime": "2026-11-23T13:40:00.0000000Z", "Uptime100ns": 3071234567u64,
            "Processor": { "TotalRuntime100ns": 1234567890u64, "RuntimeUser100ns": 1000000000u64,
                "RuntimeKernel100ns": 234567890u64 },
            "Memory": { "MemoryUsageCommitBytes": 536870912u64,
                "MemoryUsageCommitPeakBytes": 805306368u64,
                "MemoryUsagePrivateWorkingSetBytes": 402653184u64 },
            "Storage": { "ReadCountNormalized": 10240, "ReadSizeBytes": 335544320u64,
                "WriteCountNormalized": 2048, "WriteSizeBytes": 67108864u64 } },
        "ProcessList": processes
    })
}
