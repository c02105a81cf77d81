//! Many systems from several threads, then the leak account: no live
//! emulator handles or strings, no registered callbacks.
//!
//! One test in its own binary, so nothing else runs in the process while
//! it counts.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{LONG, block_on, doc, hcs, poll_once, process_parameters, unique_id, vm_document};
use hcs::{EventOptions, EventType, Operation};
use serde_json::json;

const THREADS: usize = 4;
const SYSTEMS_PER_THREAD: usize = 8;

fn statistics() -> serde_json::Value {
    common::control().statistics().expect("emulator statistics")
}

#[test]
fn concurrent_lifecycles_leave_nothing_behind() {
    let hcs = hcs();
    let baseline = statistics();

    let exits = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let exits = exits.clone();
            std::thread::spawn(move || {
                for i in 0..SYSTEMS_PER_THREAD {
                    let id = unique_id(&format!("conc-{t}-{i}"));
                    let system = hcs.create_compute_system(&id, &vm_document()).unwrap();
                    let seen = exits.clone();
                    system
                        .set_event_callback(EventOptions::NONE, move |event| {
                            if event.event_type == EventType::SYSTEM_EXITED {
                                seen.fetch_add(1, Ordering::SeqCst);
                            }
                        })
                        .unwrap();
                    if i % 2 == 0 {
                        system.start().unwrap();
                    } else {
                        block_on(system.start_async()).unwrap();
                    }
                    let process = system
                        .create_process(&process_parameters("exit 7", false))
                        .unwrap();
                    assert_eq!(process.wait_for_exit(LONG).unwrap().exit_code, Some(7));
                    let _ = system.properties(&Default::default()).unwrap();
                    match i % 3 {
                        0 => system.terminate().unwrap(),
                        1 => system.shut_down().unwrap(),
                        _ => block_on(system.terminate_async()).unwrap(),
                    }
                    system.wait_for_exit(LONG).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    // Every SystemExited was delivered (callbacks run before the close returns).
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while exits.load(Ordering::SeqCst) < THREADS * SYSTEMS_PER_THREAD
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(exits.load(Ordering::SeqCst), THREADS * SYSTEMS_PER_THREAD);

    // Shared handles: one system used from several threads at once.
    let shared = Arc::new(
        hcs.create_compute_system(&unique_id("shared"), &vm_document())
            .unwrap(),
    );
    shared.start().unwrap();
    let users: Vec<_> = (0..THREADS)
        .map(|_| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for _ in 0..10 {
                    let props = shared.properties(&Default::default()).unwrap();
                    assert!(props.id.is_some());
                    let p = shared
                        .create_process(&process_parameters("exit 1", false))
                        .unwrap();
                    assert_eq!(p.wait_for_exit(LONG).unwrap().exit_code, Some(1));
                }
            })
        })
        .collect();
    for user in users {
        user.join().unwrap();
    }
    let events = shared.events(EventOptions::NONE).unwrap();
    shared.terminate().unwrap();
    assert_eq!(
        events
            .recv_timeout(Duration::from_secs(30))
            .unwrap()
            .event_type,
        EventType::SYSTEM_EXITED
    );
    drop(shared);
    assert!(events.collect::<Vec<_>>().len() < 10);

    // Dropped futures and a blocking call that runs out of time.
    let system = hcs
        .create_compute_system(&unique_id("cancel"), &vm_document())
        .unwrap();
    system.start().unwrap();
    common::control()
        .configure(&json!({ "CompletionDelayMs": 200 }).to_string())
        .unwrap();
    for _ in 0..5 {
        let mut pending = system.pause_async();
        assert!(poll_once(&mut pending).is_pending());
        drop(pending); // stops waiting; HCS goes on
    }
    // The slow create runs out of time; the system HCS then creates is torn
    // down, and its handle closed, once the create completes.
    let impatient = hcs.with_timeout(Some(Duration::from_millis(20)));
    let error = impatient
        .create_compute_system(&unique_id("timeout"), &vm_document())
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        error.hcs_error().unwrap().operation,
        "HcsCreateComputeSystem"
    );
    common::control().configure_defaults().unwrap();
    common::wait_for_cleanups();
    // HcsCancelOperation is E_NOTIMPL: the five pauses went on (the first
    // paused the system, the others found it paused).
    system.resume().unwrap();
    let _unused = Operation::new(&hcs).unwrap();
    let _armed = Operation::with_callback(&hcs, false, |_| {}).unwrap();
    let process = system
        .create_process(&process_parameters("sleep-forever", true))
        .unwrap();
    let mut with_pipes = system
        .create_process(&process_parameters("echo done", true))
        .unwrap();
    let _stdout = with_pipes.take_stdout();
    drop(with_pipes);
    process.terminate().unwrap();
    drop(process);
    system.terminate().unwrap();
    drop(system);
    drop(_unused);
    drop(_armed);
    let _ = doc::<hcs::schema::SystemQuery>(json!({}));

    // The account: everything the runtime opened or was handed is released.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let stats = loop {
        let stats = statistics();
        let idle = stats["LiveSystemHandles"] == 0
            && stats["LiveProcessHandles"] == 0
            && stats["LiveOperations"] == 0
            && stats["LiveSystems"] == 0
            && stats["LiveAllocations"] == baseline["LiveAllocations"];
        if idle || std::time::Instant::now() > deadline {
            break stats;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(stats["LiveSystemHandles"], 0, "{stats}");
    assert_eq!(stats["LiveProcessHandles"], 0, "{stats}");
    assert_eq!(stats["LiveOperations"], 0, "{stats}");
    assert_eq!(stats["LiveAllocations"], 0, "{stats}");
    assert_eq!(stats["LiveSystems"], 0, "{stats}");
    assert_eq!(stats["LiveProcesses"], 0, "{stats}");
    assert_eq!(stats["InvalidFrees"], 0, "{stats}");
    assert_eq!(stats["DoubleFrees"], 0, "{stats}");
    assert_eq!(hcs::live_event_callbacks(), 0);
    assert_eq!(hcs::live_operation_callbacks(), 0);
    assert_eq!(hcs::pending_cleanups(), 0);
}
