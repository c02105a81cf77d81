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
    assert!(error.code().is_some(), "{error:?}");
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
    // A start operation has no process information: a typed error.
    let error = operation.wait_and_process_info(LONG).unwrap_err();
    assert!(
        error.is(HResult::HCS_E_PROCESS_INFO_NOT_AVAILABLE),
        "{error:?}"
    );
    // Cancelling a finished operation changes nothing (it may or may not
    // report an error).
    if let Err(error) = operation.cancel() {
        assert!(error.code().is_some(), "{error:?}");
    }
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
    // SAFETY: valid handles; starting a running system fails.
    let hr = unsafe { start(system.as_raw(), operation.as_raw(), std::ptr::null()) };
    let code = if hr < 0 {
        Some(HResult(hr))
    } else {
        rx.recv_timeout(Duration::from_secs(30)).unwrap()
    };
    assert!(code.is_some_and(|c| c.is_err()), "{code:?}");
    std::mem::forget(library);
}

#[test]
fn timeouts_cancel_and_futures_cancel_on_drop() {
    let hcs = hcs();
    let slow = unique_id("slow");
    let system = hcs.create_compute_system(&slow, &vm_document()).unwrap();
    system.start().unwrap();
    // A process that runs forever: its wait times out.
    let process = system
        .create_process(&common::process_parameters("sleep-forever", false))
        .unwrap();
    let quick = hcs.with_timeout(Some(Duration::from_millis(20)));
    let error = process.wait_for_exit(quick.timeout()).unwrap_err();
    assert!(error.is_timeout());

    // A future dropped before completion cancels its operation (the leak
    // test checks that no callback stays registered).
    let mut future = system.pause_async();
    let _ = poll_once(&mut future);
    drop(future);
    process.terminate().unwrap();
    // The system still answers.
    let finished = block_on(system.properties_async(&Default::default()));
    assert!(finished.is_ok(), "{finished:?}");
}

#[test]
fn add_resource_to_operation() {
    let hcs = hcs();
    let operation = Operation::new(&hcs).unwrap();
    // SAFETY: a NULL handle with a file URI; HCS validates it.
    let result = unsafe {
        operation.add_resource(
            hcs::ResourceType::FILE,
            "file://C:/disk.vhdx",
            std::ptr::null_mut(),
        )
    };
    // Either accepted or a typed failure; never a crash.
    if let Err(error) = result {
        assert!(error.code().is_some(), "{error:?}");
    }
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
