//! Compute systems: state machine, error codes, properties, modify, validation, service.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).

mod common;
use common::*;

#[test]
fn lifecycle_and_invalid_states() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("lifecycle", VM);
    assert_eq!(h.state(sys), "Created");
    // Pause before start is an invalid state, reported through the operation.
    let (a, b, d) = h.sys_call(f.HcsPauseComputeSystem, sys, None);
    assert_eq!((a, b), (S_OK, HCS_E_INVALID_STATE));
    assert_eq!(Hcs::error_of(&d)["Error"], HCS_E_INVALID_STATE);
    h.start(sys);
    assert_eq!(h.state(sys), "Running");
    assert_eq!(
        h.sys_call(f.HcsStartComputeSystem, sys, None).1,
        HCS_E_INVALID_STATE
    );
    assert_eq!(
        h.sys_call(
            f.HcsPauseComputeSystem,
            sys,
            Some(r#"{"SuspensionLevel":"Suspend","HostedNotification":{"Reason":"Save"}}"#)
        )
        .1,
        S_OK
    );
    assert_eq!(h.state(sys), "Paused");
    assert_eq!(
        h.sys_call(
            f.HcsSaveComputeSystem,
            sys,
            Some(r#"{"SaveType":"ToFile"}"#)
        )
        .1,
        S_OK
    );
    assert_eq!(h.sys_call(f.HcsResumeComputeSystem, sys, None).1, S_OK);
    assert_eq!(h.state(sys), "Running");
    // Save needs a paused system.
    assert_eq!(
        h.sys_call(f.HcsSaveComputeSystem, sys, None).1,
        HCS_E_INVALID_STATE
    );
    assert_eq!(h.sys_call(f.HcsShutDownComputeSystem, sys, None).1, S_OK);
    let p = h.properties(sys, None);
    assert_eq!(p["State"], "Stopped");
    assert_eq!(p["Stopped"], true);
    assert_eq!(p["ExitType"], "GracefulExit");
    assert_eq!(
        h.sys_call(f.HcsShutDownComputeSystem, sys, None).1,
        HCS_E_SYSTEM_ALREADY_STOPPED
    );
    assert_eq!(
        h.sys_call(f.HcsTerminateComputeSystem, sys, None).1,
        HCS_E_SYSTEM_ALREADY_STOPPED
    );
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsWaitForComputeSystemExit)(sys, 0, &mut doc) },
        S_OK
    );
    let status: Value = serde_json::from_str(&h.take(doc).unwrap()).unwrap();
    assert_eq!(status, json!({"Status": 0, "ExitType": "GracefulExit"}));
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn stopped_systems_vanish_with_their_last_handle() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("ephemeral", CONTAINER);
    let id = w("ephemeral");
    let mut second = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsOpenComputeSystem)(id.as_ptr(), 0, &mut second) },
        S_OK
    );
    assert_ne!(second, sys);
    h.start(sys);
    let (_, r, _) = h.sys_call(f.HcsTerminateComputeSystem, sys, None);
    assert_eq!(r, S_OK);
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    // Still open through the second handle: the exit status is queryable.
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsWaitForComputeSystemExit)(second, INFINITE, &mut doc) },
        S_OK
    );
    let status: Value = serde_json::from_str(&h.take(doc).unwrap()).unwrap();
    assert_eq!(status["ExitType"], "ForcedExit");
    assert_eq!(status["Status"], HCS_E_TERMINATED);
    unsafe { (f.HcsCloseComputeSystem)(second) };
    let mut third = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsOpenComputeSystem)(id.as_ptr(), 0, &mut third) },
        HCS_E_SYSTEM_NOT_FOUND
    );
    assert!(third.is_null());
    // The id can be used again.
    let again = h.create("ephemeral", CONTAINER);
    unsafe { (f.HcsCloseComputeSystem)(again) };
    // A created system outlives its handles unless ShouldTerminateOnLastHandleClosed.
    let kept = h.create("kept", CONTAINER);
    unsafe { (f.HcsCloseComputeSystem)(kept) };
    let kid = w("kept");
    let mut k = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsOpenComputeSystem)(kid.as_ptr(), 0, &mut k) },
        S_OK
    );
    unsafe { (f.HcsCloseComputeSystem)(k) };
    let doomed = h.create(
        "doomed",
        r#"{"Container":{},"ShouldTerminateOnLastHandleClosed":true}"#,
    );
    h.start(doomed);
    unsafe { (f.HcsCloseComputeSystem)(doomed) };
    let did = w("doomed");
    assert_eq!(
        unsafe { (f.HcsOpenComputeSystem)(did.as_ptr(), 0, &mut k) },
        HCS_E_SYSTEM_NOT_FOUND
    );
    h.finish();
}

#[test]
fn ids_and_argument_errors() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("dup", VM);
    let (hr, r, d, other) = h.try_create("DUP", VM);
    assert_eq!(
        (hr, r),
        (HCS_E_SYSTEM_ALREADY_EXISTS, HCS_E_SYSTEM_ALREADY_EXISTS)
    );
    assert!(other.is_null());
    assert_eq!(Hcs::error_of(&d)["Error"], HCS_E_SYSTEM_ALREADY_EXISTS);
    let op = h.op();
    let (id, doc) = (w("x"), w(VM));
    unsafe {
        assert_eq!(
            (f.HcsCreateComputeSystem)(
                id.as_ptr(),
                doc.as_ptr(),
                op,
                std::ptr::null(),
                std::ptr::null_mut()
            ),
            E_POINTER
        );
        let mut s = std::ptr::null_mut();
        assert_eq!(
            (f.HcsCreateComputeSystem)(
                id.as_ptr(),
                doc.as_ptr(),
                std::ptr::null_mut(),
                std::ptr::null(),
                &mut s
            ),
            E_INVALIDARG
        );
        assert_eq!(
            (f.HcsCreateComputeSystem)(
                id.as_ptr(),
                doc.as_ptr(),
                0x7777 as H,
                std::ptr::null(),
                &mut s
            ),
            E_HANDLE
        );
        assert_eq!(
            (f.HcsCreateComputeSystem)(
                std::ptr::null(),
                doc.as_ptr(),
                op,
                std::ptr::null(),
                &mut s
            ),
            E_INVALIDARG
        );
        assert!(s.is_null());
        // A system handle is not an operation, and vice versa.
        assert_eq!(
            (f.HcsStartComputeSystem)(sys, sys, std::ptr::null()),
            E_HANDLE
        );
        assert_eq!(
            (f.HcsStartComputeSystem)(op, op, std::ptr::null()),
            E_HANDLE
        );
        assert_eq!(
            (f.HcsStartComputeSystem)(std::ptr::null_mut(), op, std::ptr::null()),
            E_HANDLE
        );
        let mut doc_out = std::ptr::null_mut();
        assert_eq!((f.HcsWaitForOperationResult)(op, 0, &mut doc_out), E_HANDLE);
        assert!(h.take(doc_out).is_some());
        let missing = w("missing");
        let mut o = std::ptr::null_mut();
        assert_eq!(
            (f.HcsOpenComputeSystem)(missing.as_ptr(), 0, &mut o),
            HCS_E_SYSTEM_NOT_FOUND
        );
        assert_eq!(
            (f.HcsOpenComputeSystem)(missing.as_ptr(), 0, std::ptr::null_mut()),
            E_POINTER
        );
        (f.HcsCloseOperation)(op);
        // Closing a bogus handle is harmless.
        (f.HcsCloseComputeSystem)(0x1234 as H);
        (f.HcsCloseOperation)(std::ptr::null_mut());
        assert_eq!(
            (f.HcsInitializeLiveMigrationOnSource)(sys, h.op(), std::ptr::null()),
            E_NOTIMPL
        );
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

#[test]
fn invalid_documents_name_the_field() {
    let (h, _g) = hcs();
    let f = &h.f;
    // The published tutorial's VM uses Memory.Backing, which no published file defines but
    // Windows Server 2022's own schema (2.5) has: accepted. Strictness does not change that (a
    // version is known); a property no source has is rejected only when strict.
    let tutorial = r#"{"SchemaVersion":{"Major":2,"Minor":1},"Owner":"Sample","VirtualMachine":{"Chipset":{"Uefi":{}},"ComputeTopology":{"Memory":{"Backing":"Physical","SizeInMB":1024},"Processor":{"Count":2}}},"ShouldTerminateOnLastHandleClosed":true}"#;
    let (hr, r, _, sys) = h.try_create("tutorial", tutorial);
    assert_eq!((hr, r), (S_OK, S_OK));
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    let unknown = r#"{"SchemaVersion":{"Major":2,"Minor":1},"VirtualMachine":{"ComputeTopology":{"Memory":{"SizeInMB":1024,"Startup":1}}}}"#;
    let (hr, _, _, sys) = h.try_create("unknown-default", unknown);
    assert_eq!(hr, S_OK);
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.emu.configure(r#"{"SchemaCheck":"Strict"}"#).unwrap();
    assert_eq!(h.stats()["Configuration"]["SchemaCheck"], "Strict");
    let (hr, r, d, sys) = h.try_create("unknown-strict", unknown);
    assert_eq!((hr, r), (HCS_E_INVALID_JSON, HCS_E_INVALID_JSON));
    assert!(sys.is_null());
    let err = Hcs::error_of(&d);
    assert_eq!(err["Error"], HCS_E_INVALID_JSON);
    assert!(
        err["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("VirtualMachine.ComputeTopology.Memory.Startup"),
        "{err}"
    );
    assert!(h.emu.configure(r#"{"SchemaCheck":"Lenient"}"#).is_err());
    h.emu.configure_defaults().unwrap();
    for (doc, field) in [
        ("not json", "not valid JSON"),
        (
            r#"{"VirtualMachine":{"ComputeTopology":{"Processor":{"Count":"two"}}}}"#,
            "Processor.Count",
        ),
        (
            r#"{"VirtualMachine":{"Devices":{"NetworkAdapters":{"n":{"EndpointId":"%ws"}}}}}"#,
            "NetworkAdapters.n.EndpointId",
        ),
        (r#"{"Owner":"x"}"#, "exactly one of"),
    ] {
        let (hr, _, d, _) = h.try_create("bad", doc);
        assert_eq!(hr, HCS_E_INVALID_JSON, "{doc}");
        assert!(
            Hcs::error_of(&d)["ErrorMessage"]
                .as_str()
                .unwrap()
                .contains(field),
            "{d:?}"
        );
    }
    let sys = h.create("ok", VM);
    let (a, b, d) = h.sys_call(
        f.HcsGetComputeSystemProperties,
        sys,
        Some(r#"{"PropertyTypes":[7]}"#),
    );
    assert_eq!((a, b), (HCS_E_INVALID_JSON, HCS_E_INVALID_JSON));
    assert!(
        Hcs::error_of(&d)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("PropertyTypes[0]")
    );
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn configured_schema_versions_limit_documents() {
    let (h, _g) = hcs();
    let f = &h.f;
    let query = w(r#"{"PropertyTypes":["Basic"]}"#);
    let mut out = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(query.as_ptr(), &mut out) },
        S_OK
    );
    let props: Value = serde_json::from_str(&h.take(out).unwrap()).unwrap();
    assert_eq!(
        props["Properties"][0]["SupportedSchemaVersions"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    h.emu
        .configure(r#"{"SupportedSchemaVersions":[{"Major":2,"Minor":0},{"Major":2,"Minor":1}]}"#)
        .unwrap();
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(query.as_ptr(), &mut out) },
        S_OK
    );
    let props: Value = serde_json::from_str(&h.take(out).unwrap()).unwrap();
    assert_eq!(
        props,
        json!({"Properties":[{"SupportedSchemaVersions":[{"Major":2,"Minor":0},{"Major":2,"Minor":1}]}]})
    );
    // A 2.2 property and a 2.5 schema version are beyond 2.1.
    let (hr, _, d, _) = h.try_create("v", r#"{"VirtualMachine":{"ComputeTopology":{"Memory":{"SizeInMB":1,"PinBackingPages":true}}}}"#);
    assert_eq!(hr, HCS_E_INVALID_JSON);
    assert!(
        Hcs::error_of(&d)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("PinBackingPages")
    );
    let (hr, _, _, _) = h.try_create(
        "v",
        r#"{"SchemaVersion":{"Major":2,"Minor":5},"Container":{}}"#,
    );
    assert_eq!(hr, HCS_E_INVALID_JSON);
    let sys = h.create("v", VM);
    h.start(sys);
    let (a, _, d) = h.sys_call(
        f.HcsShutDownComputeSystem,
        sys,
        Some(r#"{"Mechanism":"GuestConnection"}"#),
    );
    assert_eq!(a, HCS_E_INVALID_JSON);
    assert!(
        Hcs::error_of(&d)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("Mechanism")
    );
    assert!(h.emu.configure(r#"{"Bogus":1}"#).is_err());
    assert!(
        h.emu
            .configure(r#"{"SupportedSchemaVersions":[{"Major":3,"Minor":0}]}"#)
            .is_err()
    );
    h.emu.configure_defaults().unwrap();
    assert_eq!(
        h.sys_call(
            f.HcsShutDownComputeSystem,
            sys,
            Some(r#"{"Mechanism":"GuestConnection"}"#)
        )
        .1,
        S_OK
    );
    // The docs' service sample asks for "Memory", a GetPropertyType the published files dropped
    // in 20H2 (Windows Server 2022's own schema still has it): accepted by default (the answer
    // has no such property), rejected when strict.
    let memory = w(r#"{"PropertyTypes":["Memory"]}"#);
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(memory.as_ptr(), &mut out) },
        S_OK
    );
    assert!(h.take(out).is_some());
    h.emu.configure(r#"{"SchemaCheck":"Strict"}"#).unwrap();
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(memory.as_ptr(), &mut out) },
        HCS_E_INVALID_JSON
    );
    assert!(h.take(out).unwrap().contains("PropertyTypes[0]"));
    h.emu.configure_defaults().unwrap();
    let bad = w(r#"{"PropertyTypes":[1]}"#);
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(bad.as_ptr(), &mut out) },
        HCS_E_INVALID_JSON
    );
    assert!(h.take(out).unwrap().contains("PropertyTypes[0]"));
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(bad.as_ptr(), std::ptr::null_mut()) },
        E_POINTER
    );
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn properties_and_modify() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("props", VM);
    h.start(sys);
    let p = h.properties(sys, Some(r#"{"PropertyTypes":["Memory","Statistics","ProcessList","TerminateOnLastHandleClosed"]}"#));
    assert_eq!(p["Id"], "props");
    assert_eq!(p["SystemType"], "VirtualMachine");
    assert_eq!(p["Owner"], "tests");
    assert_eq!(p["RuntimeOsType"], "Windows");
    assert_eq!(p["Memory"]["VirtualMachineMemory"]["AvailableMemory"], 1024);
    assert!(p["Statistics"]["Uptime100ns"].is_u64());
    assert_eq!(p["ProcessList"], json!([]));
    assert_eq!(p["TerminateOnLastHandleClosed"], false);
    let modify = |doc: &str| {
        let d = w(doc);
        h.call(|op| unsafe {
            (f.HcsModifyComputeSystem)(sys, op, d.as_ptr(), std::ptr::null_mut())
        })
    };
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/ComputeTopology/Memory/SizeInMB","RequestType":"Update","Settings":4096}"#).1, S_OK);
    let p = h.properties(sys, Some(r#"{"PropertyTypes":["Memory"]}"#));
    assert_eq!(p["Memory"]["VirtualMachineMemory"]["AvailableMemory"], 4096);
    let disk = r#"{"ResourcePath":"VirtualMachine/Devices/Scsi/0/Attachments/1","RequestType":"Add","Settings":{"Type":"VirtualDisk","Path":"/tmp/disk.vhdx"}}"#;
    assert_eq!(modify(disk).1, S_OK);
    assert_eq!(modify(disk).1, HR_ALREADY_EXISTS);
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/Devices/Scsi/9/Attachments/1","RequestType":"Add","Settings":{"Type":"VirtualDisk"}}"#).1, HR_NOT_FOUND);
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/Devices/Scsi/0/Attachments/1","RequestType":"Remove"}"#).1, S_OK);
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/Devices/Scsi/0/Attachments/1","RequestType":"Remove"}"#).1, HR_NOT_FOUND);
    let (a, _, d) = modify(
        r#"{"ResourcePath":"VirtualMachine/Devices/Scsi/0/Attachments/2","RequestType":"Add","Settings":{"Type":3}}"#,
    );
    assert_eq!(a, HCS_E_INVALID_JSON);
    assert!(
        Hcs::error_of(&d)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("Settings.Type")
    );
    let share = r#"{"ResourcePath":"VirtualMachine/Devices/VirtualSmb/Shares","RequestType":"Add","Settings":{"Name":"BaseImageLayer","Path":"c:\\HCS_Test\\","Options":{"ReadOnly":true},"AllowedFiles":["BaseImage.vhdx"]}}"#;
    assert_eq!(modify(share).1, S_OK);
    assert_eq!(modify(share).1, HR_ALREADY_EXISTS);
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/Devices/NetworkAdapters/eth0","RequestType":"Add","Settings":{"EndpointId":"12345678-1234-1234-1234-123456789abc"}}"#).1, S_OK);
    assert_eq!(modify(r#"{"ResourcePath":"VirtualMachine/Devices/NetworkAdapters/eth0","RequestType":"Remove"}"#).1, S_OK);
    // The 2020 tutorial's path is not a resource path.
    assert_eq!(
        modify(r#"{"ResourcePath":"c:\\HCS_Test\\VirtualSMB","RequestType":"Add","Settings":{}}"#)
            .0,
        E_INVALIDARG
    );
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn enumerate_and_namespaces() {
    let (h, _g) = hcs();
    let f = &h.f;
    let a = h.create("enum-a", VM);
    let b = h.create("enum-b", r#"{"Owner":"other","Container":{}}"#);
    let enumerate = |q: Option<&str>| -> Vec<String> {
        let q = q.map(w);
        let (s, r, d) = h.call(|op| unsafe {
            (f.HcsEnumerateComputeSystems)(q.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()), op)
        });
        assert_eq!((s, r), (S_OK, S_OK));
        let v: Value = serde_json::from_str(&d.unwrap()).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["Id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(enumerate(None), ["enum-a", "enum-b"]);
    assert_eq!(enumerate(Some(r#"{"Types":["Container"]}"#)), ["enum-b"]);
    assert_eq!(enumerate(Some(r#"{"Owners":["tests"]}"#)), ["enum-a"]);
    assert_eq!(enumerate(Some(r#"{"Ids":["ENUM-B"]}"#)), ["enum-b"]);
    let ns = w("ns1");
    let id = w("enum-a");
    let doc = w(CONTAINER);
    let mut n = std::ptr::null_mut();
    let (s, r, _) = h.call(|op| unsafe {
        (f.HcsCreateComputeSystemInNamespace)(
            ns.as_ptr(),
            id.as_ptr(),
            doc.as_ptr(),
            op,
            std::ptr::null(),
            &mut n,
        )
    });
    assert_eq!((s, r), (S_OK, S_OK), "the same id in another namespace");
    let (_, _, d) = h.call(|op| unsafe {
        (f.HcsEnumerateComputeSystemsInNamespace)(ns.as_ptr(), std::ptr::null(), op)
    });
    assert_eq!(
        serde_json::from_str::<Value>(&d.unwrap())
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let mut o = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsOpenComputeSystemInNamespace)(ns.as_ptr(), id.as_ptr(), 0, &mut o) },
        S_OK
    );
    unsafe {
        for s in [a, b, n, o] {
            (f.HcsCloseComputeSystem)(s);
        }
    }
    h.finish();
}

#[test]
fn service_and_utilities() {
    let (h, _g) = hcs();
    let f = &h.f;
    let dir = tempfile::tempdir().unwrap();
    let vmgs = dir.path().join("a.vmgs");
    let vmgs_w = w(vmgs.to_str().unwrap());
    unsafe {
        assert_eq!((f.HcsCreateEmptyGuestStateFile)(vmgs_w.as_ptr()), S_OK);
        assert!(vmgs.is_file());
        let rs = w(dir.path().join("a.vmrs").to_str().unwrap());
        assert_eq!((f.HcsCreateEmptyRuntimeStateFile)(rs.as_ptr()), S_OK);
        let nowhere = w(dir.path().join("no/such/dir/x.vmgs").to_str().unwrap());
        assert_eq!(
            (f.HcsCreateEmptyGuestStateFile)(nowhere.as_ptr()),
            HR_PATH_NOT_FOUND
        );
        assert_eq!(
            (f.HcsCreateEmptyGuestStateFile)(std::ptr::null()),
            E_INVALIDARG
        );
        let vm = w("vm1");
        assert_eq!((f.HcsGrantVmAccess)(vm.as_ptr(), vmgs_w.as_ptr()), S_OK);
        assert_eq!((f.HcsGrantVmGroupAccess)(vmgs_w.as_ptr()), S_OK);
        assert_eq!(
            (f.HcsGrantVmAccess)(vm.as_ptr(), nowhere.as_ptr()),
            HR_FILE_NOT_FOUND
        );
        let s = h.stats();
        assert_eq!(s["VmAccessGrants"][0]["VmId"], "vm1");
        assert_eq!(s["VmGroupAccessGrants"].as_array().unwrap().len(), 1);
        assert_eq!((f.HcsRevokeVmAccess)(vm.as_ptr(), vmgs_w.as_ptr()), S_OK);
        assert_eq!((f.HcsRevokeVmGroupAccess)(vmgs_w.as_ptr()), S_OK);
        assert_eq!(h.stats()["VmAccessGrants"], json!([]));
        let mut out: PCWSTR = std::ptr::null();
        assert_eq!(
            (f.HcsGetProcessorCompatibilityFromSavedState)(rs.as_ptr(), &mut out),
            S_OK
        );
        let feats: Value = serde_json::from_str(&h.take(out as PWSTR).unwrap()).unwrap();
        assert!(feats["ProcessorFeatures"].is_array());
        let report = w(
            r#"{"SystemId":"vm1","ActivityId":"12345678-1234-1234-1234-123456789abc","CrashParameters":[1,2]}"#,
        );
        assert_eq!((f.HcsSubmitWerReport)(report.as_ptr()), S_OK);
        assert_eq!(h.stats()["WerReports"], 1);
        let bad = w(r#"{"SystemId":"vm1","CrashParameters":"1,2"}"#);
        assert_eq!((f.HcsSubmitWerReport)(bad.as_ptr()), HCS_E_INVALID_JSON);
        let modify = w(
            r#"{"PropertyType":"CpuGroup","Settings":{"Operation":"CreateGroup","OperationDetails":{"GroupId":"12345678-1234-1234-1234-123456789abc","LogicalProcessorCount":1,"LogicalProcessors":[0]}}}"#,
        );
        let mut res = std::ptr::null_mut();
        assert_eq!(
            (f.HcsModifyServiceSettings)(modify.as_ptr(), &mut res),
            S_OK
        );
        assert!(h.take(res).is_none());
        let modify = w(r#"{"PropertyType":"CpuGroup","Settings":{"Operation":3}}"#);
        assert_eq!(
            (f.HcsModifyServiceSettings)(modify.as_ptr(), &mut res),
            HCS_E_INVALID_JSON
        );
        assert!(h.take(res).unwrap().contains("Settings.Operation"));
    }
    h.finish();
}

#[test]
fn save_to_file_feeds_processor_compatibility() {
    let (h, _g) = hcs();
    let f = &h.f;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.vmrs");
    let sys = h.create("saver", VM);
    h.start(sys);
    assert_eq!(h.sys_call(f.HcsPauseComputeSystem, sys, None).1, S_OK);
    let opts = json!({"SaveType":"ToFile","SaveStateFilePath": path.to_str().unwrap()}).to_string();
    assert_eq!(h.sys_call(f.HcsSaveComputeSystem, sys, Some(&opts)).1, S_OK);
    assert!(path.is_file());
    let p = w(path.to_str().unwrap());
    let mut out: PCWSTR = std::ptr::null();
    assert_eq!(
        unsafe { (f.HcsGetProcessorCompatibilityFromSavedState)(p.as_ptr(), &mut out) },
        S_OK
    );
    assert!(h.take(out as PWSTR).unwrap().contains("ProcessorFeatures"));
    assert_eq!(
        h.sys_call(
            f.HcsSaveComputeSystem,
            sys,
            Some(r#"{"SaveType":"AsTemplate"}"#)
        )
        .1,
        S_OK
    );
    assert_eq!(h.state(sys), "SavedAsTemplate");
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn schema_2_5_queries() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("queries", VM);
    let p = h.properties(
        sys,
        Some(r#"{"Queries":{"Memory":{},"ProcessList":null,"Nonsense":{}}}"#),
    );
    let r = &p["PropertyResponses"];
    assert_eq!(
        r["Memory"]["Response"]["VirtualMachineMemory"]["AvailableMemory"],
        1024
    );
    assert_eq!(r["ProcessList"]["Response"], json!([]));
    assert_eq!(r["Nonsense"]["Error"]["Error"], E_INVALIDARG);
    // 2.5 properties are refused when the emulator speaks 2.4.
    h.emu
        .configure(r#"{"SupportedSchemaVersions":[{"Major":2,"Minor":4}]}"#)
        .unwrap();
    let (a, _, d) = h.sys_call(
        f.HcsGetComputeSystemProperties,
        sys,
        Some(r#"{"Queries":{"Memory":{}}}"#),
    );
    assert_eq!(a, HCS_E_INVALID_JSON);
    assert!(
        Hcs::error_of(&d)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("Queries")
    );
    h.emu.configure_defaults().unwrap();
    let q = w(
        r#"{"PropertyTypes":["Basic","QoSCapabilities"],"PropertyQueries":{"ProcessorTopology":{},"Bogus":{}}}"#,
    );
    let mut out = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(q.as_ptr(), &mut out) },
        S_OK
    );
    let v: Value = serde_json::from_str(&h.take(out).unwrap()).unwrap();
    assert_eq!(v["Properties"][1], json!({"ProcessorQoSSupported": false}));
    assert!(
        v["PropertyResponses"]["ProcessorTopology"]["Response"]["LogicalProcessorCount"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert_eq!(
        v["PropertyResponses"]["Bogus"]["Error"]["Error"],
        E_INVALIDARG
    );
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

#[test]
fn reset_invalidates_everything_without_leaks() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("reset-me", VM);
    h.start(sys);
    let (_, p, info) = h.spawn(
        sys,
        r#"{"CommandLine":"echo","CreateStdInPipe":true,"CreateStdOutPipe":true}"#,
    );
    h.emu.configure(r#"{"CompletionDelayMs":60000}"#).unwrap();
    let pending = h.op();
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, pending, std::ptr::null()) },
        S_OK
    );
    let mut leaked_doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsGetServiceProperties)(std::ptr::null(), &mut leaked_doc) },
        S_OK
    );
    h.emu.reset().unwrap();
    let s = h.stats();
    assert_eq!(s["Configuration"]["CompletionDelayMs"], 0);
    assert_eq!(s["LiveSystems"], 0);
    assert_eq!(s["LiveOperations"], 0);
    assert_eq!(s["ProcessRecords"], 0);
    // Strings handed out before the reset stay valid until freed.
    assert_eq!(s["LiveAllocations"], 1);
    assert!(h.take(leaked_doc).is_some());
    let mut doc = std::ptr::null_mut();
    unsafe {
        assert_eq!(
            (f.HcsWaitForOperationResult)(pending, 0, &mut doc),
            E_HANDLE
        );
        assert_eq!(
            (f.HcsStartComputeSystem)(sys, h.op(), std::ptr::null()),
            E_HANDLE
        );
        assert_eq!((f.HcsWaitForProcessExit)(p, 0, &mut doc), E_HANDLE);
        (f.HcsCloseProcess)(p);
        (f.HcsCloseComputeSystem)(sys);
        (f.HcsCloseOperation)(pending);
    }
    // The caller's pipe ends still belong to the caller.
    drop(file_from_handle(info.std_input));
    drop(file_from_handle(info.std_output));
    h.finish();
}
