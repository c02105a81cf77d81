//! Stopping waiting: blocking calls that run out of time, futures dropped
//! before they complete, and `Operation`s dropped while their call runs, under
//! both behaviours of `HcsCancelOperation` the emulator has: the documented
//! one (`E_NOTIMPL`, the call goes on) and a cancel that works (a future
//! Windows). Whatever HCS does, nothing leaks and nothing is orphaned: the
//! operation stays open until its call completes, then is closed; a compute
//! system or process created after its caller gave up is torn down.
//!
//! One test in its own binary: it changes the emulator's configuration, which
//! is process-wide.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{control, hcs, poll_once, unique_id, wait_for_cleanups};
use hcs::{ComputeSystem, HResult, Hcs, Operation};
use serde_json::{Value, json};

/// A VM that is *not* terminated when its last handle closes: only an
/// explicit teardown removes it, so a test can see an orphan.
fn persistent_vm() -> hcs::schema::ComputeSystem {
    let mut document = common::vm_json();
    document["ShouldTerminateOnLastHandleClosed"] = json!(false);
    common::doc(document)
}

/// How long the emulator holds every call back while a test stops waiting
/// for it: long enough that the checks made right after still see it pending
/// on a loaded machine.
const DELAY_MS: u64 = 1000;

fn statistics() -> Value {
    control().statistics().expect("emulator statistics")
}

fn configure(settings: Value) {
    control()
        .configure(&settings.to_string())
        .expect("configure the emulator");
}

/// Waits until the emulator reports `value` for `key` (30 s at most).
fn eventually(key: &str, value: Value) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let stats = statistics();
        if stats[key] == value || Instant::now() > deadline {
            return stats;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The account after every abandoned call completed: nothing the runtime
/// opened, was handed or registered is left, and no system or process
/// survives.
fn assert_nothing_left(context: &str) {
    const KEYS: [&str; 9] = [
        "LiveSystemHandles",
        "LiveProcessHandles",
        "LiveOperations",
        "PendingOperations",
        "LiveAllocations",
        "LiveSystems",
        "LiveProcesses",
        "InvalidFrees",
        "DoubleFrees",
    ];
    wait_for_cleanups();
    // The emulator finishes its own side (a cancelled create's system goes
    // when its queued work would have run) on its threads.
    let deadline = Instant::now() + Duration::from_secs(30);
    let stats = loop {
        let stats = statistics();
        if KEYS.iter().all(|key| stats[*key] == 0) || Instant::now() > deadline {
            break stats;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    for key in KEYS {
        assert_eq!(stats[key], 0, "{context}: {key} in {stats}");
    }
    assert_eq!(hcs::live_operation_callbacks(), 0, "{context}");
    assert_eq!(hcs::live_event_callbacks(), 0, "{context}");
}

/// `HcsStartComputeSystem` resolved from the emulator, to drive an
/// [`Operation`] by hand.
fn raw_start()
-> unsafe extern "system" fn(hcs::raw::HCS_SYSTEM, hcs::raw::HCS_OPERATION, *const u16) -> i32 {
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    // SAFETY: the export has this signature (pinned in the crate).
    let start = *unsafe {
        library.get::<unsafe extern "system" fn(
            hcs::raw::HCS_SYSTEM,
            hcs::raw::HCS_OPERATION,
            *const u16,
        ) -> i32>(b"HcsStartComputeSystem\0")
    }
    .unwrap();
    std::mem::forget(library); // never unloaded, like the runtime's copy
    start
}

fn state(system: &ComputeSystem) -> Value {
    let properties: Value = serde_json::from_str(&system.properties_raw(None).unwrap()).unwrap();
    properties["State"].clone()
}

fn run(hcs: Hcs, cancel: &str) {
    let cancels = cancel == "Cancels";
    configure(json!({ "CancelOperation": cancel, "CompletionDelayMs": 0 }));
    let impatient = hcs.with_timeout(Some(Duration::from_millis(20)));

    // 1. A blocking create runs out of time. The error comes at once; the
    // operation stays open while HCS works (with the documented
    // HcsCancelOperation), and the system is torn down once created.
    configure(json!({ "CompletionDelayMs": DELAY_MS }));
    let id = unique_id("late-create");
    let error = impatient
        .create_compute_system(&id, &persistent_vm())
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        error.hcs_error().unwrap().operation,
        "HcsCreateComputeSystem"
    );
    if !cancels {
        let stats = statistics();
        assert_eq!(stats["PendingOperations"], 1, "still open: {stats}");
        assert_eq!(stats["LiveSystemHandles"], 1, "still held: {stats}");
        assert!(hcs::pending_cleanups() >= 1);
    }
    configure(json!({ "CompletionDelayMs": 0 }));
    assert_nothing_left("timed-out create");
    // The id is free again: nothing was orphaned under it.
    hcs.create_compute_system(&id, &persistent_vm())
        .unwrap()
        .terminate()
        .unwrap();
    assert_nothing_left("id reused");

    // 2. The same with a future dropped while the create runs.
    configure(json!({ "CompletionDelayMs": DELAY_MS }));
    let id = unique_id("dropped-create");
    let mut future = hcs.create_compute_system_async(&id, &persistent_vm());
    assert!(poll_once(&mut future).is_pending());
    drop(future);
    configure(json!({ "CompletionDelayMs": 0 }));
    assert_nothing_left("dropped create future");
    hcs.create_compute_system(&id, &persistent_vm())
        .unwrap()
        .terminate()
        .unwrap();

    // 3. A create future dropped after its call completed but before it was
    // polled again: the system it holds is torn down too.
    let id = unique_id("unpolled-create");
    let mut future = hcs.create_compute_system_async(&id, &persistent_vm());
    let _ = poll_once(&mut future).map(|result| result.unwrap().terminate().unwrap());
    std::thread::sleep(Duration::from_millis(50));
    drop(future);
    assert_nothing_left("unpolled create future");

    // 4. Processes: a create that runs out of time, and a dropped future.
    // Once created, the process is terminated and its stdio handles closed.
    let system = hcs
        .create_compute_system(&unique_id("procs"), &persistent_vm())
        .unwrap();
    system.start().unwrap();
    let parameters = common::process_parameters("sleep-forever", true);
    configure(json!({ "CompletionDelayMs": DELAY_MS }));
    // SAFETY: a raw copy of a handle we keep open for this test.
    let slow_system = unsafe { ComputeSystem::from_raw(&impatient, system.as_raw()) };
    let error = slow_system.create_process(&parameters).unwrap_err();
    std::mem::forget(slow_system); // `system` owns the handle
    assert!(error.is_timeout(), "{error:?}");
    let mut future = system.create_process_async(&parameters);
    assert!(poll_once(&mut future).is_pending());
    drop(future);
    configure(json!({ "CompletionDelayMs": 0 }));
    wait_for_cleanups();
    let stats = eventually("LiveProcesses", json!(0));
    assert_eq!(stats["LiveProcesses"], 0, "no process survives: {stats}");
    assert_eq!(stats["LiveProcessHandles"], 0, "{stats}");

    // 5. A plain call that runs out of time: with the documented
    // HcsCancelOperation it goes on and completes; a cancel that works stops
    // it before it runs.
    system.pause().unwrap();
    configure(json!({ "CompletionDelayMs": DELAY_MS }));
    // SAFETY: as above.
    let slow_system = unsafe { ComputeSystem::from_raw(&impatient, system.as_raw()) };
    let error = slow_system.resume().unwrap_err();
    std::mem::forget(slow_system);
    assert!(error.is_timeout(), "{error:?}");
    configure(json!({ "CompletionDelayMs": 0 }));
    wait_for_cleanups();
    assert_eq!(
        state(&system),
        if cancels { "Paused" } else { "Running" },
        "the resume {}",
        if cancels { "was cancelled" } else { "went on" }
    );
    if cancels {
        system.resume().unwrap();
    }

    // 6. An Operation dropped while its call runs: the call goes on, the
    // callback set through it never runs, and the handle is closed when the
    // call completes. With and without a completion callback.
    let start = raw_start();
    for with_callback in [true, false] {
        let fresh = hcs
            .create_compute_system(&unique_id("dropped-op"), &persistent_vm())
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let operation = if with_callback {
            Operation::with_callback(&hcs, false, move |_| {
                let _ = tx.send(());
            })
            .unwrap()
        } else {
            Operation::new(&hcs).unwrap()
        };
        configure(json!({ "CompletionDelayMs": DELAY_MS }));
        // SAFETY: valid handles, no options.
        let hr = unsafe { start(fresh.as_raw(), operation.as_raw(), std::ptr::null()) };
        assert_eq!(HResult(hr), HResult::S_OK);
        drop(operation);
        let stats = statistics();
        assert_eq!(
            stats["PendingOperations"], 1,
            "not closed while pending: {stats}"
        );
        configure(json!({ "CompletionDelayMs": 0 }));
        wait_for_cleanups();
        assert_eq!(state(&fresh), "Running", "the call went on");
        assert!(
            rx.recv_timeout(Duration::from_millis(50)).is_err(),
            "disarmed"
        );
        fresh.terminate().unwrap();
    }

    system.terminate().unwrap();
    drop(system);
    assert_nothing_left(cancel);
}

#[test]
fn stopping_waiting_never_leaks_or_orphans_under_either_cancel_behaviour() {
    let hcs = hcs();
    for cancel in ["NotImplemented", "Cancels"] {
        run(hcs, cancel);
    }
    control().configure_defaults().unwrap();
    common::assert_no_bad_frees();
}
