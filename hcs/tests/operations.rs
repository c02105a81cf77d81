//! The 14 operation functions (plus `HcsAddResourceToOperation`), blocking
//! waits with timeouts, completion callbacks and futures.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{LONG, block_on, hcs, poll_once, unique_id, vm_document};
use hcs::{HResult, Operation, OperationType};

#[test]
fn fresh_operation_queries() {
    let hcs = hcs();
    let operation = Operation::new(&hcs).unwrap();
    assert_eq!(operation.operation_type().unwrap(), OperationType::NONE);
    assert_eq!(operation.compute_system().unwrap(), None);
    assert_eq!(operation.process().unwrap(), None);
    let error = operation.wait(Some(Duration::from_millis(10))).unwrap_err();
    assert!(error.is(HResult::HCS_E_OPERATION_NOT_STARTED), "{error:?}");
    let error = operation.result().unwrap_err();
    assert!(error.is(HResult::HCS_E_OPERATION_NOT_STARTED), "{error:?}");
    let error = operation.result_and_process_info().unwrap_err();
    assert!(error.is(HResult::HCS_E_OPERATION_NOT_STARTED), "{error:?}");
    let id = operation.id().unwrap();
    let other = Operation::new(&hcs).unwrap();
    assert_ne!(other.id().unwrap(), id);
    assert!(format!("{operation:?}").contains("Operation"));
}

#[test]
fn context_round_trip() {
    let hcs = hcs();
    let mut operation = Operation::new(&hcs).unwrap();
    assert_eq!(operation.context().unwrap(), 0);
    operation.set_context(0xC0FFEE).unwrap();
    assert_eq!(operation.context().unwrap(), 0xC0FFEE);
    let mut with_callback = Operation::with_callback(&hcs, false, |_| {}).unwrap();
    assert_ne!(with_callback.context().unwrap(), 0);
    assert!(with_callback.set_context(1).is_err());
}

#[test]
fn disarmed_callback_never_fires() {
    let hcs = hcs();
    let (tx, rx) = mpsc::channel();
    let operation = Operation::with_callback(&hcs, false, move |result| {
        let _ = tx.send(result.map(|output| output.document));
    })
    .unwrap();
    drop(operation); // disarmed before use: never fires
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
}

#[test]
fn low_level_operation_tracks_a_raw_call() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("lowlevel"), &vm_document())
        .unwrap();
    let operation = Operation::new(&hcs).unwrap();
    // Drive HcsStartComputeSystem through the raw escape hatch with a
    // windows-sys-typed function pointer resolved from the same library.
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    type Start =
        unsafe extern "system" fn(hcs::raw::HCS_SYSTEM, hcs::raw::HCS_OPERATION, *const u16) -> i32;
    // SAFETY: the export has this signature (pinned in the crate).
    let start: libloading::Symbol<'_, Start> =
        unsafe { library.get(b"HcsStartComputeSystem\0") }.unwrap();
    // SAFETY: valid handles, no options.
    let hr = unsafe { start(system.as_raw(), operation.as_raw(), std::ptr::null()) };
    assert!(hr >= 0);
    assert_eq!(operation.operation_type().unwrap(), OperationType::START);
    assert_eq!(
        operation.compute_system().unwrap(),
        Some(system.raw_value())
    );
    operation.wait(LONG).unwrap();
    assert!(operation.result().is_ok());
    // A start operation has no process information: E_INVALIDARG
    // (HcsWaitForOperationResultAndProcessInfo.md, Return Values).
    let error = operation.wait_and_process_info(LONG).unwrap_err();
    assert!(error.is(HResult::E_INVALIDARG), "{error:?}");
    // HcsCancelOperation.md: always E_NOTIMPL; nothing changes.
    let error = operation.cancel().unwrap_err();
    assert!(error.is(HResult::E_NOTIMPL), "{error:?}");
    assert!(operation.result().is_ok());
    std::mem::forget(library); // never unloaded, like the runtime's copy
}

#[test]
fn completion_callback_and_set_callback() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("cb"), &vm_document())
        .unwrap();
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    type Start =
        unsafe extern "system" fn(hcs::raw::HCS_SYSTEM, hcs::raw::HCS_OPERATION, *const u16) -> i32;
    // SAFETY: the export has this signature.
    let start: libloading::Symbol<'_, Start> =
        unsafe { library.get(b"HcsStartComputeSystem\0") }.unwrap();

    let (tx, rx) = mpsc::channel();
    let mut operation = Operation::new(&hcs).unwrap();
    operation
        .set_callback(false, move |result| {
            let _ = tx.send(result.is_ok());
        })
        .unwrap();
    // SAFETY: valid handles, no options.
    assert!(unsafe { start(system.as_raw(), operation.as_raw(), std::ptr::null()) } >= 0);
    assert!(rx.recv_timeout(Duration::from_secs(30)).unwrap());
    drop(operation);

    // A failing call reports its error through the callback.
    let (tx, rx) = mpsc::channel();
    let operation = Operation::with_callback(&hcs, true, move |result| {
        let _ = tx.send(result.err().and_then(|e| e.code()));
    })
    .unwrap();
    // SAFETY: valid handles; starting a running system fails. The call is
    // accepted and the state error comes back through the operation (the
    // emulator's choice, FIDELITY.md "HRESULTs per state").
    let hr = unsafe { start(system.as_raw(), operation.as_raw(), std::ptr::null()) };
    assert_eq!(HResult(hr), HResult::S_OK);
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        Some(HResult::HCS_E_INVALID_STATE)
    );
    std::mem::forget(library);
}

#[test]
fn dropped_futures_stop_waiting_and_the_call_completes() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("slow"), &vm_document())
        .unwrap();
    system.start().unwrap();
    // A process that runs forever: its wait times out.
    let process = system
        .create_process(&common::process_parameters("sleep-forever", false))
        .unwrap();
    let quick = hcs.with_timeout(Some(Duration::from_millis(20)));
    let error = process.wait_for_exit(quick.timeout()).unwrap_err();
    assert!(error.is_timeout(), "{error:?}");

    // A future dropped after it was polled once stops waiting. HcsCancelOperation
    // is documented as E_NOTIMPL, so HCS goes on: the system ends up paused.
    let mut future = system.pause_async();
    let first_poll = poll_once(&mut future);
    drop(future);
    if let std::task::Poll::Ready(result) = first_poll {
        result.unwrap();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let state = loop {
        let properties: serde_json::Value =
            serde_json::from_str(&system.properties_raw(None).unwrap()).unwrap();
        if properties["State"] == "Paused" || std::time::Instant::now() > deadline {
            break properties["State"].clone();
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert_eq!(state, "Paused");
    process.terminate().unwrap();
    block_on(system.resume_async()).unwrap();
    let finished = block_on(system.properties_async(&Default::default())).unwrap();
    assert_eq!(finished.state, Some(hcs::schema::State::Running));
}

#[test]
fn add_resource_to_operation() {
    let hcs = hcs();
    let operation = Operation::new(&hcs).unwrap();
    // SAFETY: a NULL handle with a file URI; HCS validates it.
    unsafe {
        operation.add_resource(
            hcs::ResourceType::FILE,
            "file://C:/disk.vhdx",
            std::ptr::null_mut(),
        )
    }
    .unwrap();
    let properties: serde_json::Value =
        serde_json::from_str(&operation.properties_raw(None).unwrap()).unwrap();
    assert_eq!(properties["Operation"], "None", "{properties}");
    let error = unsafe {
        operation.add_resource(hcs::ResourceType::FILE, "bad\0uri", std::ptr::null_mut())
    }
    .unwrap_err();
    assert!(matches!(error, hcs::Error::InvalidInput { .. }));
}

#[test]
fn futures_complete_on_any_executor_thread() {
    let hcs = hcs();
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let system = block_on(
                    hcs.create_compute_system_async(&unique_id(&format!("fut{i}")), &vm_document()),
                )
                .unwrap();
                block_on(system.start_async()).unwrap();
                block_on(system.terminate_async()).unwrap();
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}
