//! Every form (`x`, `x_raw`, `x_with`, `x_async`, `x_raw_async`,
//! `x_with_async`) of every lifecycle call, the low-level operation queries on
//! a process-creating operation, and the small value types.

mod common;

use std::time::Duration;

use common::{LONG, block_on, doc, hcs, process_parameters, unique_id, vm_document};
use hcs::{
    ComputeSystem, EventOptions, EventType, HResult, Operation, OperationOptions, StdioHandle,
};
use serde_json::json;

fn running() -> ComputeSystem {
    let system = hcs()
        .create_compute_system(&unique_id("form"), &vm_document())
        .unwrap();
    block_on(system.start_raw_async(None)).unwrap();
    system
}

fn state(system: &ComputeSystem) -> String {
    let properties = system.properties(&Default::default()).unwrap();
    serde_json::to_value(&properties.state)
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn pause_resume_and_save_forms() {
    let system = running();
    block_on(system.pause_with_async(&Default::default())).unwrap();
    assert_eq!(state(&system), "Paused");
    block_on(system.resume_async()).unwrap();
    assert_eq!(state(&system), "Running");
    system.pause().unwrap();
    let dir = std::env::temp_dir().join(unique_id("saves"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name).to_str().unwrap().replace('\\', "\\\\");
    system
        .save_raw(Some(&format!(
            "{{\"SaveType\": \"ToFile\", \"SaveStateFilePath\": \"{}\"}}",
            file("a.vmrs")
        )))
        .unwrap();
    block_on(system.save_raw_async(Some(&format!(
        "{{\"SaveType\": \"ToFile\", \"SaveStateFilePath\": \"{}\"}}",
        file("b.vmrs")
    ))))
    .unwrap();
    // Without options (the page: SaveOptions is optional): a paused system saves.
    system.save().unwrap();
    block_on(system.save_async()).unwrap();
    system.resume().unwrap();
    system.terminate().unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_way_to_stop() {
    type Stop = fn(&ComputeSystem) -> hcs::Result<()>;
    let stops: [(&str, Stop); 9] = [
        ("crash", |s| s.crash()),
        ("crash_raw", |s| s.crash_raw(None)),
        ("crash_with_async", |s| {
            block_on(s.crash_with_async(&doc(json!({ "Type": "CrashGuest" }))))
        }),
        ("crash_raw_async", |s| block_on(s.crash_raw_async(None))),
        ("shut_down_with", |s| s.shut_down_with(&Default::default())),
        ("shut_down_with_async", |s| {
            block_on(s.shut_down_with_async(&doc(json!({ "Mechanism": "GuestConnection" }))))
        }),
        ("shut_down_raw_async", |s| {
            block_on(s.shut_down_raw_async(Some("{}")))
        }),
        ("terminate_raw_async", |s| {
            block_on(s.terminate_raw_async(None))
        }),
        ("start_raw (already running)", |s| {
            s.start_raw(Some("{}")).and_then(|_| s.terminate())
        }),
    ];
    for (name, stop) in stops {
        let system = running();
        let events = system.events(EventOptions::NONE).unwrap();
        match stop(&system) {
            Ok(()) => {}
            Err(error) if name.starts_with("start_raw") => {
                assert!(error.code().is_some(), "{name}: {error:?}");
                system.terminate().unwrap();
            }
            Err(error) => panic!("{name}: {error:?}"),
        }
        // Crashes report SystemCrashInitiated (and a report) first.
        let mut seen = Vec::new();
        while !seen.contains(&EventType::SYSTEM_EXITED) {
            seen.push(
                events
                    .recv_timeout(Duration::from_secs(30))
                    .unwrap()
                    .event_type,
            );
        }
        if name.starts_with("crash") {
            assert!(
                seen.contains(&EventType::SYSTEM_CRASH_INITIATED),
                "{name}: {seen:?}"
            );
        }
        system.wait_for_exit(LONG).unwrap();
        assert!(
            events.try_recv().is_none(),
            "{name}: nothing after SystemExited"
        );
    }
}

#[test]
fn operation_tracking_a_process_creation() {
    let hcs = hcs();
    let system = running();
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    type CreateProcess = unsafe extern "system" fn(
        hcs::raw::HCS_SYSTEM,
        *const u16,
        hcs::raw::HCS_OPERATION,
        *const std::ffi::c_void,
        *mut hcs::raw::HCS_PROCESS,
    ) -> i32;
    // SAFETY: the export has this signature (pinned in the crate).
    let create: libloading::Symbol<'_, CreateProcess> =
        unsafe { library.get(b"HcsCreateProcess\0") }.unwrap();
    let parameters: Vec<u16> = serde_json::to_string(&process_parameters("echo hi", true))
        .unwrap()
        .encode_utf16()
        .chain([0])
        .collect();
    let operation = Operation::new(&hcs).unwrap();
    let mut raw_process: hcs::raw::HCS_PROCESS = std::ptr::null_mut();
    // SAFETY: valid handles; the parameters and out-pointer outlive the call.
    let hr = unsafe {
        create(
            system.as_raw(),
            parameters.as_ptr(),
            operation.as_raw(),
            std::ptr::null(),
            &mut raw_process,
        )
    };
    assert!(hr >= 0);
    // SAFETY: HCS handed us this process handle.
    let process = unsafe { hcs::Process::from_raw(&hcs, raw_process, 0) };
    let output = operation.wait_and_process_info(LONG).unwrap();
    let info = output.process.expect("process information");
    assert!(info.process_id > 0);
    assert_eq!(
        operation.operation_type().unwrap(),
        hcs::OperationType::CREATE_PROCESS
    );
    assert_eq!(operation.process().unwrap(), Some(process.raw_value()));
    assert_eq!(
        operation.compute_system().unwrap(),
        Some(system.raw_value())
    );
    // The emulator's default hands the handles out once: a second read
    // reports none. Reads report raw values; this first one is ours to own.
    let again = operation.result_and_process_info().unwrap();
    assert!(again.process.is_some_and(|p| p.stdout.is_none()));
    if let Some(stdout) = info.stdout {
        use std::io::Read;
        // SAFETY: the first read of this HcsCreateProcess operation handed
        // the handle to us, and nothing else owns it.
        let stdout = unsafe { hcs::StdioHandle::from_raw(stdout.0 as hcs::raw::HANDLE) }
            .expect("a pipe handle");
        let mut text = String::new();
        stdout.into_file().read_to_string(&mut text).unwrap();
        assert_eq!(text, "hi\n");
    }
    process.wait_for_exit(LONG).unwrap();

    // Raw round trip of an operation handle.
    let value = operation.raw_value();
    let raw = operation.into_raw();
    // SAFETY: from into_raw, no other owner.
    let operation = unsafe { Operation::from_raw(&hcs, raw) };
    assert_eq!(operation.raw_value(), value);
    std::mem::forget(library);
}

#[test]
fn stdio_handle_ownership_round_trip() {
    let path = std::env::temp_dir().join(unique_id("stdio"));
    std::fs::write(&path, b"owned").unwrap();
    let file = std::fs::File::open(&path).unwrap();
    #[cfg(unix)]
    let raw = {
        use std::os::fd::IntoRawFd;
        file.into_raw_fd() as isize as hcs::raw::HANDLE
    };
    #[cfg(windows)]
    let raw = {
        use std::os::windows::io::IntoRawHandle;
        file.into_raw_handle()
    };
    // SAFETY: we own the descriptor/handle.
    let handle = unsafe { StdioHandle::from_raw(raw) }.expect("a valid handle");
    assert_eq!(handle.as_raw(), raw);
    assert!(format!("{handle:?}").starts_with("StdioHandle"));
    let raw = handle.into_raw();
    // SAFETY: still owned by us after into_raw.
    let handle = unsafe { StdioHandle::from_raw(raw) }.unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut handle.into_file(), &mut text).unwrap();
    assert_eq!(text, "owned");
    // NULL and INVALID_HANDLE_VALUE own nothing.
    // SAFETY: neither value is a handle.
    unsafe {
        assert!(StdioHandle::from_raw(std::ptr::null_mut()).is_none());
        assert!(StdioHandle::from_raw(-1isize as hcs::raw::HANDLE).is_none());
    }
    std::fs::remove_file(&path).ok();
}

#[test]
fn value_types() {
    let options = EventOptions::ENABLE_OPERATION_CALLBACKS | EventOptions::ENABLE_VM_LIFECYCLE;
    assert!(options.contains(EventOptions::ENABLE_VM_LIFECYCLE));
    assert!(!EventOptions::NONE.contains(EventOptions::ENABLE_VM_LIFECYCLE));
    let mut flags = OperationOptions::NONE;
    flags |= OperationOptions::PROGRESS_UPDATE;
    assert_eq!(flags, OperationOptions::PROGRESS_UPDATE);
    assert_eq!(EventType::SYSTEM_EXITED.name(), Some("SYSTEM_EXITED"));
    assert_eq!(EventType(0x4242).name(), None);
    assert_eq!(format!("{:?}", EventType(0x4242)), "EventType(0x4242)");
    assert_eq!(
        format!("{:?}", EventType::PROCESS_EXITED),
        "EventType::PROCESS_EXITED"
    );
    assert_eq!(EventType::GROUP_VM_LIFECYCLE.0 as u32, 0x8000_0002);
    assert_eq!(hcs::OperationType::CRASH.0, 15);
    assert_eq!(hcs::Access::GENERIC_ALL.0, 0x1000_0000);
    assert!(
        (hcs::Access::GENERIC_READ | hcs::Access::GENERIC_WRITE)
            .contains(hcs::Access::GENERIC_WRITE)
    );
    assert_eq!(hcs::ResourceType::FILE.0, 1);
    assert_eq!(
        format!("{:?}", hcs::RawHandleValue(0x10)),
        "RawHandleValue(0x10)"
    );
    // SAFETY: a dangling value is never passed to HCS here.
    let vhd = unsafe { hcs::VhdHandle::from_raw(0x20 as hcs::raw::HANDLE) };
    assert_eq!(vhd.as_raw() as usize, 0x20);
    assert!(HResult::HCS_E_INVALID_JSON.is(HResult::HCS_E_INVALID_JSON_C037));
    assert_eq!(i32::from(HResult::S_OK), 0);
    assert_eq!(HResult::from(-1).as_u32(), 0xFFFF_FFFF);
}
