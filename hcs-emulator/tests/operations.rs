//! Operations: asynchronous completion, callbacks, cancellation, reuse, LocalFree accounting,
//! and the guarantee that no callback runs after its handle is closed.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).

mod common;
use common::*;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

struct Done {
    tx: mpsc::Sender<(std::thread::ThreadId, usize)>,
}

unsafe extern "system" fn on_complete(op: H, ctx: *mut c_void) {
    let d = unsafe { &*(ctx as *const Done) };
    let _ = d.tx.send((std::thread::current().id(), op as usize));
}

#[test]
fn completion_runs_on_another_thread() {
    let (h, _g) = hcs();
    let f = &h.f;
    let (tx, rx) = mpsc::channel();
    let done = Box::new(Done { tx });
    let ctx = &*done as *const Done as *const c_void;
    let op = unsafe { (f.HcsCreateOperation)(ctx, Some(on_complete)) };
    assert_eq!(
        unsafe { (f.HcsGetOperationContext)(op) },
        ctx as *mut c_void
    );
    assert_eq!(unsafe { (f.HcsGetOperationType)(op) }, -1);
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsGetOperationResult)(op, &mut doc) },
        HCS_E_OPERATION_NOT_STARTED
    );
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResult)(op, 0, &mut doc) },
        HCS_E_OPERATION_NOT_STARTED
    );
    let (id, cfg) = (w("async"), w(VM));
    let mut sys = std::ptr::null_mut();
    assert_eq!(
        unsafe {
            (f.HcsCreateComputeSystem)(id.as_ptr(), cfg.as_ptr(), op, std::ptr::null(), &mut sys)
        },
        S_OK
    );
    assert!(!sys.is_null());
    let (thread, op_seen) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_ne!(thread, std::thread::current().id());
    assert_eq!(op_seen, op as usize);
    assert_eq!(unsafe { (f.HcsGetOperationResult)(op, &mut doc) }, S_OK);
    assert!(doc.is_null());
    assert_eq!(unsafe { (f.HcsGetOperationType)(op) }, 1);
    assert_eq!(unsafe { (f.HcsGetComputeSystemFromOperation)(op) }, sys);
    assert!(unsafe { (f.HcsGetProcessFromOperation)(op) }.is_null());
    assert_ne!(unsafe { (f.HcsGetOperationId)(op) }, u64::MAX);
    assert_eq!(
        unsafe { (f.HcsGetOperationId)(std::ptr::null_mut()) },
        u64::MAX
    );
    // Reuse after completion: start on the same operation.
    assert_eq!(
        unsafe { (f.HcsStartComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(unsafe { (f.HcsGetOperationType)(op) }, 2);
    let props = w("{}");
    assert_eq!(
        unsafe { (f.HcsGetOperationProperties)(op, props.as_ptr(), &mut doc) },
        S_OK
    );
    let info: Value = serde_json::from_str(&h.take(doc).unwrap()).unwrap();
    assert_eq!(info["Operation"], "Start");
    assert!(info["EndTimestamp"].is_string());
    let uri = w("file:///tmp/x");
    assert_eq!(
        unsafe { (f.HcsAddResourceToOperation)(op, 1, uri.as_ptr(), std::ptr::null_mut()) },
        S_OK
    );
    assert_eq!(
        unsafe { (f.HcsAddResourceToOperation)(op, 9, uri.as_ptr(), std::ptr::null_mut()) },
        E_INVALIDARG
    );
    unsafe {
        (f.HcsCloseOperation)(op);
        (f.HcsCloseComputeSystem)(sys);
    }
    drop(done);
    h.finish();
}

#[test]
fn delay_pending_timeout_cancel() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("slow", VM);
    h.emu.configure(r#"{"CompletionDelayMs":300}"#).unwrap();
    let op = h.op();
    assert_eq!(
        unsafe { (f.HcsStartComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsGetOperationResult)(op, &mut doc) },
        HCS_E_OPERATION_PENDING
    );
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResult)(op, 10, &mut doc) },
        HCS_E_OPERATION_TIMEOUT
    );
    assert!(doc.is_null());
    assert_eq!(h.stats()["PendingOperations"], 1);
    // One call at a time.
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, op, std::ptr::null()) },
        HCS_E_OPERATION_ALREADY_STARTED
    );
    assert_eq!(
        unsafe { (f.HcsSetOperationCallback)(op, std::ptr::null(), None) },
        HCS_E_OPERATION_ALREADY_STARTED
    );
    // Calls on one system complete in order: a pause queued behind the start succeeds.
    let pause = h.op();
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, pause, std::ptr::null()) },
        S_OK
    );
    let t = Instant::now();
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResult)(op, INFINITE, &mut doc) },
        S_OK
    );
    assert_eq!(h.wait(pause).0, S_OK);
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(h.stats()["RunningSystems"], 0);
    // HcsCancelOperation.md: "not currently implemented and will always return an E_NOTIMPL
    // HRESULT value". The pending resume goes on and completes.
    assert_eq!(
        unsafe { (f.HcsResumeComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(unsafe { (f.HcsCancelOperation)(op) }, E_NOTIMPL);
    assert_eq!(
        unsafe { (f.HcsCancelOperation)(std::ptr::null_mut()) },
        E_NOTIMPL
    );
    assert_eq!(h.wait(op).0, S_OK);
    assert_eq!(h.state(sys), "Running", "the resume ran");
    let (a, b, _) = h.sys_call(f.HcsPauseComputeSystem, sys, None);
    assert_eq!((a, b), (S_OK, S_OK));
    // The optional cancel that works (a future Windows): before the work runs, it never runs.
    h.emu.configure(r#"{"CancelOperation":"Cancels"}"#).unwrap();
    assert_eq!(h.stats()["Configuration"]["CancelOperation"], "Cancels");
    assert_eq!(
        unsafe { (f.HcsResumeComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(unsafe { (f.HcsCancelOperation)(op) }, S_OK);
    assert_eq!(
        unsafe { (f.HcsCancelOperation)(op) },
        HCS_E_OPERATION_ALREADY_CANCELLED
    );
    let (hr, d) = h.wait(op);
    assert_eq!(hr, HR_CANCELLED);
    assert_eq!(Hcs::error_of(&d)["Error"], HR_CANCELLED);
    h.emu.configure(r#"{"CompletionDelayMs":0}"#).unwrap();
    // The properties call queues behind the cancelled resume on the system's FIFO worker.
    assert_eq!(h.state(sys), "Paused", "the cancelled resume never ran");
    let fresh = h.op();
    assert_eq!(
        unsafe { (f.HcsCancelOperation)(fresh) },
        HCS_E_OPERATION_NOT_STARTED
    );
    // Cancelling a completed call: S_OK, nothing changes.
    let (a, b, _) = h.sys_call(f.HcsResumeComputeSystem, sys, None);
    assert_eq!((a, b), (S_OK, S_OK));
    assert_eq!(
        unsafe { (f.HcsResumeComputeSystem)(sys, fresh, std::ptr::null()) },
        S_OK
    );
    assert_eq!(h.wait(fresh).0, HCS_E_INVALID_STATE);
    assert_eq!(unsafe { (f.HcsCancelOperation)(fresh) }, S_OK);
    assert_eq!(h.wait(fresh).0, HCS_E_INVALID_STATE);
    // A cancelled call stays cancelled when its operation is closed before its work was due:
    // a cancelled create never creates the system.
    h.emu
        .configure(r#"{"CancelOperation":"Cancels","CompletionDelayMs":200}"#)
        .unwrap();
    let create = h.op();
    let (id, cfg) = (w("cancelled-create"), w(VM));
    let mut cancelled = std::ptr::null_mut();
    assert_eq!(
        unsafe {
            (f.HcsCreateComputeSystem)(
                id.as_ptr(),
                cfg.as_ptr(),
                create,
                std::ptr::null(),
                &mut cancelled,
            )
        },
        S_OK
    );
    assert_eq!(unsafe { (f.HcsCancelOperation)(create) }, S_OK);
    unsafe {
        (f.HcsCloseOperation)(create);
        (f.HcsCloseComputeSystem)(cancelled);
    }
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        h.stats()["LiveSystems"],
        1,
        "only the system `slow` is left"
    );
    // Every configuration value is checked.
    assert!(
        h.emu
            .configure(r#"{"CancelOperation":"Sometimes"}"#)
            .is_err()
    );
    h.emu.configure_defaults().unwrap();
    assert_eq!(
        h.stats()["Configuration"]["CancelOperation"],
        "NotImplemented"
    );
    unsafe {
        (f.HcsCloseOperation)(fresh);
        (f.HcsCloseOperation)(op);
        (f.HcsCloseOperation)(pause);
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

#[test]
fn local_free_accounting() {
    let (h, _g) = hcs();
    let f = &h.f;
    assert_eq!(h.emu.live_allocations().unwrap(), 0);
    let mut docs = Vec::new();
    for _ in 0..5 {
        let mut p = std::ptr::null_mut();
        assert_eq!(
            unsafe { (f.HcsGetServiceProperties)(std::ptr::null(), &mut p) },
            S_OK
        );
        docs.push(p);
    }
    assert_eq!(h.emu.live_allocations().unwrap(), 5);
    for p in &docs {
        assert!(unsafe { (f.LocalFree)(p.cast()) }.is_null());
    }
    assert_eq!(h.emu.live_allocations().unwrap(), 0);
    // Double free and foreign pointers are refused, not freed, and counted (the counts live as
    // long as the library: reset keeps them).
    let (invalid, double) = h.emu.bad_frees().unwrap();
    assert_eq!(unsafe { (f.LocalFree)(docs[0].cast()) }, docs[0].cast());
    let mut local = 7u16;
    let foreign = &mut local as *mut u16 as *mut c_void;
    assert_eq!(unsafe { (f.LocalFree)(foreign) }, foreign);
    assert!(unsafe { (f.LocalFree)(std::ptr::null_mut()) }.is_null());
    assert_eq!(h.emu.bad_frees().unwrap(), (invalid + 1, double + 1));
    h.emu.reset().unwrap();
    assert_eq!(h.emu.bad_frees().unwrap(), (invalid + 1, double + 1));
    // A freed string is poisoned and its address is never handed out again, so a late second
    // free cannot free someone else's string.
    let freed = unsafe { hcs_emulator::wide::read(docs[1]) }
        .unwrap()
        .unwrap();
    assert!(
        !freed.is_empty() && freed.chars().all(|c| c == '\u{FFFD}'),
        "{freed}"
    );
    let mut later = Vec::new();
    for _ in 0..50 {
        let mut p = std::ptr::null_mut();
        assert_eq!(
            unsafe { (f.HcsGetServiceProperties)(std::ptr::null(), &mut p) },
            S_OK
        );
        assert!(!docs.contains(&p), "a freed address was handed out again");
        later.push(p);
    }
    for p in later {
        assert!(h.take(p).is_some());
    }
    // Results not fetched are not allocated; results fetched twice are two allocations.
    let sys = h.create("alloc", VM);
    let op = h.op();
    assert_eq!(
        unsafe { (f.HcsGetComputeSystemProperties)(sys, op, std::ptr::null()) },
        S_OK
    );
    let (mut a, mut b) = (std::ptr::null_mut(), std::ptr::null_mut());
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResult)(op, WAIT, &mut a) },
        S_OK
    );
    assert_eq!(unsafe { (f.HcsGetOperationResult)(op, &mut b) }, S_OK);
    assert_ne!(a, b);
    assert_eq!(h.emu.live_allocations().unwrap(), 2);
    assert_eq!(h.take(a), h.take(b));
    assert_eq!(h.emu.live_allocations().unwrap(), 0);
    unsafe {
        (f.HcsCloseOperation)(op);
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

struct Slow {
    entered: mpsc::Sender<()>,
    finished: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
}

unsafe extern "system" fn slow_event(_e: *const HcsEvent, ctx: *mut c_void) {
    let s = unsafe { &*(ctx as *const Slow) };
    s.calls.fetch_add(1, Ordering::SeqCst);
    let _ = s.entered.send(());
    std::thread::sleep(Duration::from_millis(200));
    s.finished.store(true, Ordering::SeqCst);
}

#[test]
fn close_waits_for_callbacks_in_flight() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("inflight", VM);
    h.start(sys);
    let (tx, rx) = mpsc::channel();
    let finished = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let slow = Box::new(Slow {
        entered: tx,
        finished: finished.clone(),
        calls: calls.clone(),
    });
    let ctx = &*slow as *const Slow as *const c_void;
    assert_eq!(
        unsafe { (f.HcsSetComputeSystemCallback)(sys, 0, ctx, Some(slow_event)) },
        S_OK
    );
    let op = h.op();
    assert_eq!(
        unsafe { (f.HcsTerminateComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    rx.recv_timeout(Duration::from_secs(5)).unwrap();
    // The callback is running now; closing must wait for it.
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    assert!(
        finished.load(Ordering::SeqCst),
        "HcsCloseComputeSystem returned while the callback ran"
    );
    drop(slow);
    assert_eq!(h.wait(op).0, S_OK);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    unsafe { (f.HcsCloseOperation)(op) };
    h.finish();
}

struct Count(AtomicUsize);

unsafe extern "system" fn count_completion(_op: H, ctx: *mut c_void) {
    unsafe { &*(ctx as *const Count) }
        .0
        .fetch_add(1, Ordering::SeqCst);
}

unsafe extern "system" fn count_event(e: *const HcsEvent, ctx: *mut c_void) {
    assert_eq!(unsafe { (*e).event_type }, 0x0100_0000);
    unsafe { &*(ctx as *const Count) }
        .0
        .fetch_add(1, Ordering::SeqCst);
}

#[test]
fn closed_operations_never_call_back() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("closed-op", VM);
    h.emu.configure(r#"{"CompletionDelayMs":100}"#).unwrap();
    let count = Box::new(Count(AtomicUsize::new(0)));
    let ctx = &*count as *const Count as *const c_void;
    let op = unsafe { (f.HcsCreateOperation)(ctx, Some(count_completion)) };
    assert_eq!(
        unsafe { (f.HcsStartComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    unsafe { (f.HcsCloseOperation)(op) };
    // The start still happens, silently (the properties call queues behind it).
    let mut doc = std::ptr::null_mut();
    assert_eq!(h.state(sys), "Running");
    assert_eq!(count.0.load(Ordering::SeqCst), 0);
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResult)(op, 0, &mut doc) },
        E_HANDLE
    );
    h.emu.configure(r#"{"CompletionDelayMs":0}"#).unwrap();
    // Operations with notifications get an OperationCallback event.
    let op = unsafe { (f.HcsCreateOperationWithNotifications)(0, ctx, Some(count_event)) };
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(h.wait(op).0, S_OK);
    // The event is delivered by the system's worker right after the result is recorded, before
    // it runs the next call: the properties call below comes after it.
    h.state(sys);
    unsafe {
        (f.HcsCloseOperation)(op);
        (f.HcsCloseComputeSystem)(sys);
    }
    assert_eq!(count.0.load(Ordering::SeqCst), 1);
    drop(count);
    h.finish();
}

#[test]
fn many_threads_at_once() {
    let (h, _g) = hcs();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            std::thread::spawn(move || {
                let h: &Hcs = common_hcs();
                let f = &h.f;
                for i in 0..10 {
                    let id = format!("t{t}-{i}");
                    let sys = h.create(&id, VM);
                    h.start(sys);
                    let (r, p, _) = h.spawn(sys, &format!(r#"{{"CommandLine":"exit {i}"}}"#));
                    assert_eq!(r, S_OK);
                    let mut doc = std::ptr::null_mut();
                    assert_eq!(
                        unsafe { (f.HcsWaitForProcessExit)(p, WAIT, &mut doc) },
                        S_OK
                    );
                    let s: Value = serde_json::from_str(&h.take(doc).unwrap()).unwrap();
                    assert_eq!(s["ExitCode"], i);
                    let (_, r, _) = h.sys_call(f.HcsShutDownComputeSystem, sys, None);
                    assert_eq!(r, S_OK);
                    unsafe {
                        (f.HcsCloseProcess)(p);
                        (f.HcsCloseComputeSystem)(sys);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = h.stats();
    assert_eq!(s["LiveSystems"], 0, "{s}");
    assert_eq!(s["LiveSystemHandles"], 0);
    assert_eq!(s["LiveProcessHandles"], 0);
    assert_eq!(s["ProcessRecords"], 0);
    assert_eq!(s["LiveAllocations"], 0);
    h.finish();
}

/// The harness instance, for threads spawned by a test that already holds the lock.
fn common_hcs() -> &'static Hcs {
    common::instance()
}

struct Watch {
    closed: AtomicBool,
    violations: AtomicUsize,
    calls: AtomicUsize,
}

unsafe extern "system" fn watch_event(_e: *const HcsEvent, ctx: *mut c_void) {
    let w = unsafe { &*(ctx as *const Watch) };
    w.calls.fetch_add(1, Ordering::SeqCst);
    std::thread::yield_now();
    if w.closed.load(Ordering::SeqCst) {
        w.violations.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn no_callback_after_close_under_races() {
    let (h, _g) = hcs();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let h = common::instance();
                let f = &h.f;
                let mut total = (0, 0);
                for i in 0..25 {
                    let sys = h.create(&format!("race-{t}-{i}"), VM);
                    h.start(sys);
                    let (_, p, _) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
                    let watch = Box::new(Watch {
                        closed: AtomicBool::new(false),
                        violations: AtomicUsize::new(0),
                        calls: AtomicUsize::new(0),
                    });
                    let ctx = &*watch as *const Watch as *const c_void;
                    unsafe {
                        assert_eq!(
                            (f.HcsSetComputeSystemCallback)(sys, 1, ctx, Some(watch_event)),
                            S_OK
                        );
                        assert_eq!(
                            (f.HcsSetProcessCallback)(p, 0, ctx, Some(watch_event)),
                            S_OK
                        );
                        // Terminate without waiting, and close both handles while the events
                        // may be in flight.
                        let op = h.op();
                        assert_eq!(
                            (f.HcsTerminateComputeSystem)(sys, op, std::ptr::null()),
                            S_OK
                        );
                        if i % 2 == 0 {
                            std::thread::yield_now();
                        }
                        (f.HcsCloseProcess)(p);
                        (f.HcsCloseComputeSystem)(sys);
                        watch.closed.store(true, Ordering::SeqCst);
                        assert_eq!(h.wait(op).0, S_OK);
                        (f.HcsCloseOperation)(op);
                    }
                    total.0 += watch.violations.load(Ordering::SeqCst);
                    total.1 += watch.calls.load(Ordering::SeqCst);
                    drop(watch);
                }
                total
            })
        })
        .collect();
    let mut calls = 0;
    for t in threads {
        let (violations, c) = t.join().unwrap();
        assert_eq!(violations, 0, "a callback ran after its handle was closed");
        calls += c;
    }
    // Some events won the race (the exact number is timing-dependent).
    assert!(calls <= 4 * 25 * 3);
    let s = h.stats();
    assert_eq!(s["LiveSystems"], 0, "{s}");
    h.finish();
}

#[test]
fn injected_failures() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("inject", VM);
    const CONNECTION_TIMEOUT: u32 = 0x8037_0109;
    h.emu
        .configure(&format!(
            r#"{{"InjectFailures":[{{"Function":"HcsStartComputeSystem","Error":{CONNECTION_TIMEOUT},"Count":2}}]}}"#
        ))
        .unwrap();
    assert_eq!(h.stats()["Configuration"]["InjectFailures"][0]["Count"], 2);
    for _ in 0..2 {
        let (a, b, d) = h.sys_call(f.HcsStartComputeSystem, sys, None);
        assert_eq!(
            (a, b),
            (CONNECTION_TIMEOUT as i32, CONNECTION_TIMEOUT as i32)
        );
        assert!(
            Hcs::error_of(&d)["ErrorMessage"]
                .as_str()
                .unwrap()
                .contains("injected")
        );
        assert_eq!(h.state(sys), "Created", "an injected failure does nothing");
    }
    h.start(sys);
    assert_eq!(h.stats()["Configuration"]["InjectFailures"], json!([]));
    for bad in [
        r#"{"InjectFailures":[{"Function":"HcsNope","Error":-1}]}"#,
        r#"{"InjectFailures":[{"Function":"HcsStartComputeSystem","Error":0}]}"#,
        r#"{"InjectFailures":[{"Function":"HcsStartComputeSystem","Error":-1,"Count":0}]}"#,
        r#"{"InjectFailures":[{"Function":"HcsStartComputeSystem","Error":-1,"When":"now"}]}"#,
    ] {
        assert!(h.emu.configure(bad).is_err(), "{bad}");
    }
    unsafe { (f.HcsCloseComputeSystem)(sys) };
    h.finish();
}

struct Seen(mpsc::Sender<(i32, usize)>);

unsafe extern "system" fn seen_event(e: *const HcsEvent, ctx: *mut c_void) {
    let _ = unsafe { &*(ctx as *const Seen) }
        .0
        .send((unsafe { (*e).event_type }, ctx as usize));
}

unsafe extern "system" fn seen_completion(_op: H, ctx: *mut c_void) {
    let _ = unsafe { &*(ctx as *const Seen) }.0.send((0, ctx as usize));
}

#[test]
fn one_context_per_operation() {
    // HcsGetOperationContext.md: "the context pointer stored in the operation" (one);
    // HcsSetOperationContext.md: the context "that is passed to the callback". An operation
    // created with notifications has that one context too: changing it redirects its events.
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = h.create("contexts", VM);
    let (tx, rx) = mpsc::channel();
    let first = Box::new(Seen(tx.clone()));
    let second = Box::new(Seen(tx));
    let (a, b) = (
        &*first as *const Seen as *const c_void,
        &*second as *const Seen as *const c_void,
    );
    let op = unsafe { (f.HcsCreateOperationWithNotifications)(0, a, Some(seen_event)) };
    assert_eq!(unsafe { (f.HcsGetOperationContext)(op) }, a as *mut c_void);
    assert_eq!(unsafe { (f.HcsSetOperationContext)(op, b) }, S_OK);
    assert_eq!(unsafe { (f.HcsGetOperationContext)(op) }, b as *mut c_void);
    assert_eq!(
        unsafe { (f.HcsStartComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        (0x0100_0000, b as usize),
        "the event carries the operation's current context"
    );
    assert_eq!(h.wait(op).0, S_OK);
    // HcsSetOperationCallback sets the one context for the completion and the events alike.
    assert_eq!(
        unsafe { (f.HcsSetOperationCallback)(op, a, Some(seen_completion)) },
        S_OK
    );
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    let mut got = [
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
        rx.recv_timeout(Duration::from_secs(5)).unwrap(),
    ];
    got.sort();
    assert_eq!(got, [(0, a as usize), (0x0100_0000, a as usize)]);
    assert_eq!(h.wait(op).0, S_OK);
    unsafe {
        (f.HcsCloseOperation)(op);
        (f.HcsCloseComputeSystem)(sys);
    }
    drop((first, second));
    h.finish();
}
