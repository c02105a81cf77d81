//! Processes: the CommandLine convention, exit codes, signals, stdio pipes, events.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).

mod common;
use common::*;
use std::io::{Read, Write};
use std::sync::mpsc;

fn running_vm(h: &Hcs, id: &str) -> H {
    let sys = h.create(id, VM);
    h.start(sys);
    sys
}

fn status(h: &Hcs, p: H) -> Value {
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (h.f.HcsWaitForProcessExit)(p, WAIT, &mut doc) },
        S_OK
    );
    serde_json::from_str(&h.take(doc).unwrap()).unwrap()
}

#[test]
fn exit_codes_and_failures() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = running_vm(h, "exits");
    let (r, p, info) = h.spawn(sys, r#"{"CommandLine":"exit 3"}"#);
    assert_eq!(r, S_OK);
    assert!(info.process_id > 0);
    let s = status(h, p);
    assert_eq!(s["Exited"], true);
    assert_eq!(s["ExitCode"], 3);
    assert_eq!(s["ProcessId"], info.process_id);
    let (r, p2, _) = h.spawn(sys, r#"{"CommandArgs":["cmd","/c","exit","-1"]}"#);
    assert_eq!(r, S_OK);
    assert_eq!(status(h, p2)["ExitCode"], u32::MAX);
    let (r, p3, _) = h.spawn(sys, r#"{"CommandLine":"notepad.exe"}"#);
    assert_eq!(r, HR_FILE_NOT_FOUND);
    // A stopped or never-started system cannot run processes.
    let created = h.create("not-started", VM);
    let (r, p4, _) = h.spawn(created, r#"{"CommandLine":"exit 0"}"#);
    assert_eq!(r, HCS_E_INVALID_STATE);
    // Invalid parameters fail synchronously.
    let op = h.op();
    let bad = w(r#"{"CommandLine":"exit 0","CreateStdInPipe":"yes"}"#);
    let mut p5 = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsCreateProcess)(sys, bad.as_ptr(), op, std::ptr::null(), &mut p5) },
        HCS_E_INVALID_JSON
    );
    assert!(p5.is_null());
    assert!(
        Hcs::error_of(&h.wait(op).1)["ErrorMessage"]
            .as_str()
            .unwrap()
            .contains("CreateStdInPipe")
    );
    unsafe {
        (f.HcsCloseOperation)(op);
        for p in [p, p2, p3, p4] {
            (f.HcsCloseProcess)(p);
        }
        (f.HcsCloseComputeSystem)(sys);
        (f.HcsCloseComputeSystem)(created);
    }
    h.finish();
}

#[test]
fn signal_terminate_and_properties() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = running_vm(h, "signals");
    let (_, p, info) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsWaitForProcessExit)(p, 20, &mut doc) },
        HCS_E_OPERATION_TIMEOUT
    );
    assert!(doc.is_null());
    let props = h.properties(sys, Some(r#"{"PropertyTypes":["ProcessList"]}"#));
    assert_eq!(props["ProcessList"][0]["ProcessId"], info.process_id);
    assert_eq!(props["ProcessList"][0]["ImageName"], "sleep-forever");
    let (_, r, d) = h.call(|op| unsafe { (f.HcsGetProcessProperties)(p, op, std::ptr::null()) });
    assert_eq!(r, S_OK);
    assert_eq!(
        serde_json::from_str::<Value>(&d.unwrap()).unwrap()["Exited"],
        false
    );
    // A Linux signal number where HCS takes a `ProcessSignal` name: a real error.
    let bad = w(r#"{"Signal":9}"#);
    assert_eq!(
        h.call(|op| unsafe { (f.HcsSignalProcess)(p, op, bad.as_ptr()) })
            .0,
        HCS_E_INVALID_JSON
    );
    let sig = w(r#"{"Signal":"CtrlC"}"#);
    assert_eq!(
        h.call(|op| unsafe { (f.HcsSignalProcess)(p, op, sig.as_ptr()) })
            .1,
        S_OK
    );
    assert_eq!(status(h, p)["ExitCode"], 0xC000_013Au32);
    assert_eq!(
        h.call(|op| unsafe { (f.HcsSignalProcess)(p, op, sig.as_ptr()) })
            .1,
        HCS_E_PROCESS_ALREADY_STOPPED
    );
    assert_eq!(
        h.call(|op| unsafe { (f.HcsTerminateProcess)(p, op, std::ptr::null()) })
            .1,
        HCS_E_PROCESS_ALREADY_STOPPED
    );

    let (_, q, qi) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
    // HcsOpenProcess gives another handle to the same process.
    let mut q2 = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsOpenProcess)(sys, qi.process_id, 0, &mut q2) },
        S_OK
    );
    assert_eq!(
        unsafe { (f.HcsOpenProcess)(sys, 999_999, 0, &mut q2.clone()) },
        HR_NOT_FOUND
    );
    assert_eq!(
        h.call(|op| unsafe { (f.HcsTerminateProcess)(q2, op, std::ptr::null()) })
            .1,
        S_OK
    );
    assert_eq!(status(h, q)["ExitCode"], 1);
    // Process info: the pid, no handles.
    let op = h.op();
    assert_eq!(unsafe { (f.HcsGetProcessInfo)(q, op) }, S_OK);
    let mut info = HcsProcessInformation {
        process_id: 0,
        reserved: 0,
        std_input: std::ptr::null_mut(),
        std_output: std::ptr::null_mut(),
        std_error: std::ptr::null_mut(),
    };
    let mut d = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResultAndProcessInfo)(op, WAIT, &mut info, &mut d) },
        S_OK
    );
    h.take(d);
    assert_eq!(info.process_id, qi.process_id);
    assert!(info.std_input.is_null());
    // An operation that tracked neither HcsCreateProcess nor HcsGetProcessInfo:
    // E_INVALIDARG (HcsWaitForOperationResultAndProcessInfo.md, Return Values).
    assert_eq!(
        unsafe { (f.HcsGetComputeSystemProperties)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(
        unsafe { (f.HcsWaitForOperationResultAndProcessInfo)(op, WAIT, &mut info, &mut d) },
        E_INVALIDARG
    );
    h.take(d);
    unsafe { (f.HcsCloseOperation)(op) };

    // Stopping the system ends its processes.
    let (_, z, _) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
    assert_eq!(h.sys_call(f.HcsTerminateComputeSystem, sys, None).1, S_OK);
    assert_eq!(status(h, z)["ExitCode"], u32::MAX);
    unsafe {
        for x in [p, q, q2, z] {
            (f.HcsCloseProcess)(x);
        }
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

#[test]
fn stdio_pipes_are_real() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = running_vm(h, "stdio");
    let (r, p, info) = h.spawn(sys, r#"{"CommandLine":"echo","CreateStdInPipe":true,"CreateStdOutPipe":true,"CreateStdErrPipe":true}"#);
    assert_eq!(r, S_OK);
    let mut stdin = file_from_handle(info.std_input).expect("stdin pipe");
    let mut stdout = file_from_handle(info.std_output).expect("stdout pipe");
    let mut stderr = file_from_handle(info.std_error).expect("stderr pipe");
    stdin.write_all(b"hello emulator\n").unwrap();
    let mut buf = [0u8; 15];
    stdout.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"hello emulator\n");
    drop(stdin);
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(status(h, p)["ExitCode"], 0);
    let mut err = Vec::new();
    stderr.read_to_end(&mut err).unwrap();

    let (_, p2, info2) = h.spawn(
        sys,
        r#"{"CommandLine":"echo hi there","CreateStdOutPipe":true}"#,
    );
    assert!(info2.std_input.is_null());
    let mut out = String::new();
    file_from_handle(info2.std_output)
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "hi there\n");
    let (_, p3, info3) = h.spawn(
        sys,
        r#"{"CommandLine":"echo-stderr oops","CreateStdErrPipe":true}"#,
    );
    let mut e = String::new();
    file_from_handle(info3.std_error)
        .unwrap()
        .read_to_string(&mut e)
        .unwrap();
    assert_eq!(e, "oops\n");

    // CloseHandle StdIn ends an echo process although the caller keeps its end open.
    let (_, p4, info4) = h.spawn(
        sys,
        r#"{"CommandLine":"echo","CreateStdInPipe":true,"CreateStdOutPipe":true}"#,
    );
    let _keep = file_from_handle(info4.std_input).unwrap();
    let _out = file_from_handle(info4.std_output).unwrap();
    let close = w(r#"{"Operation":"CloseHandle","CloseHandle":{"Handle":"StdIn"}}"#);
    assert_eq!(
        h.call(|op| unsafe { (f.HcsModifyProcess)(p4, op, close.as_ptr()) })
            .1,
        S_OK
    );
    assert_eq!(status(h, p4)["ExitCode"], 0);
    let resize = w(r#"{"Operation":"ConsoleSize","ConsoleSize":{"Height":50,"Width":132}}"#);
    assert_eq!(
        h.call(|op| unsafe { (f.HcsModifyProcess)(p4, op, resize.as_ptr()) })
            .1,
        HCS_E_PROCESS_ALREADY_STOPPED
    );
    assert_eq!(
        h.call(|op| unsafe { (f.HcsModifyProcess)(p4, op, std::ptr::null()) })
            .0,
        E_INVALIDARG
    );
    unsafe {
        for x in [p, p2, p3, p4] {
            (f.HcsCloseProcess)(x);
        }
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

struct Sink(mpsc::Sender<(i32, Option<String>)>);

unsafe extern "system" fn on_event(e: *const HcsEvent, ctx: *mut std::ffi::c_void) {
    let sink = unsafe { &*(ctx as *const Sink) };
    let e = unsafe { &*e };
    let data = unsafe { hcs_emulator::wide::read(e.event_data) }.unwrap();
    let _ = sink.0.send((e.event_type, data));
}

#[test]
fn process_and_system_events() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = running_vm(h, "events");
    let (tx, rx) = mpsc::channel();
    let sys_sink = Box::new(Sink(tx.clone()));
    let proc_sink = Box::new(Sink(tx));
    let ctx = |s: &Sink| s as *const Sink as *const std::ffi::c_void;
    assert_eq!(
        unsafe { (f.HcsSetComputeSystemCallback)(sys, 0, ctx(&sys_sink), Some(on_event)) },
        S_OK
    );
    assert_eq!(
        unsafe { (f.HcsSetComputeSystemCallback)(sys, 0, ctx(&sys_sink), Some(on_event)) },
        HCS_E_CALLBACK_ALREADY_SET
    );
    assert_eq!(
        unsafe { (f.HcsSetComputeSystemCallback)(sys, 0, ctx(&sys_sink), None) },
        E_INVALIDARG
    );
    let (_, p, info) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
    assert_eq!(
        unsafe { (f.HcsSetProcessCallback)(p, 0, ctx(&proc_sink), Some(on_event)) },
        S_OK
    );
    assert_eq!(
        h.call(|op| unsafe { (f.HcsTerminateProcess)(p, op, std::ptr::null()) })
            .1,
        S_OK
    );
    let (t, d) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(t, 0x0001_0000);
    let d: Value = serde_json::from_str(&d.unwrap()).unwrap();
    assert_eq!(
        d,
        json!({"ProcessId": info.process_id, "Exited": true, "ExitCode": 1, "LastWaitResult": 0})
    );
    assert_eq!(
        h.sys_call(
            f.HcsCrashComputeSystem,
            sys,
            Some(r#"{"Type":"CrashGuest"}"#)
        )
        .1,
        S_OK
    );
    let types: Vec<i32> = (0..3)
        .map(|_| {
            rx.recv_timeout(std::time::Duration::from_secs(5))
                .unwrap()
                .0
        })
        .collect();
    assert_eq!(types, [2, 3, 1]);
    let mut doc = std::ptr::null_mut();
    assert_eq!(
        unsafe { (f.HcsWaitForComputeSystemExit)(sys, WAIT, &mut doc) },
        S_OK
    );
    let exit: Value = serde_json::from_str(&h.take(doc).unwrap()).unwrap();
    assert_eq!(
        exit,
        json!({"Status": HCS_E_GUEST_CRITICAL_ERROR, "ExitType": "UnexpectedExit"})
    );
    unsafe {
        (f.HcsCloseProcess)(p);
        (f.HcsCloseComputeSystem)(sys);
    }
    assert!(rx.try_recv().is_err(), "no event after close");
    h.finish();
}

fn no_info() -> HcsProcessInformation {
    HcsProcessInformation {
        process_id: 0,
        reserved: 0,
        std_input: std::ptr::null_mut(),
        std_output: std::ptr::null_mut(),
        std_error: std::ptr::null_mut(),
    }
}

/// `HcsGetProcessInfo` on `p`, read with `HcsWaitForOperationResultAndProcessInfo`.
fn process_info(h: &Hcs, p: H) -> HcsProcessInformation {
    let op = h.op();
    assert_eq!(unsafe { (h.f.HcsGetProcessInfo)(p, op) }, S_OK);
    let mut info = no_info();
    let mut d = std::ptr::null_mut();
    assert_eq!(
        unsafe { (h.f.HcsWaitForOperationResultAndProcessInfo)(op, WAIT, &mut info, &mut d) },
        S_OK
    );
    h.take(d);
    unsafe { (h.f.HcsCloseOperation)(op) };
    info
}

/// No page says whether HCS hands a process's standard I/O handles out once or reports the same
/// values on every read; the emulator does either (`StdioHandles`), and the first read, from
/// the create operation or from `HcsGetProcessInfo` (HcsCreateProcess.md, Remarks: "You can
/// still get this through a call to HcsGetProcessInfo"), hands them to the caller.
#[test]
fn stdio_handles_once_or_repeated() {
    let (h, _g) = hcs();
    let f = &h.f;
    let sys = running_vm(h, "sleepy");
    for mode in ["Once", "Repeated"] {
        h.emu
            .configure(&format!(r#"{{"StdioHandles":"{mode}"}}"#))
            .unwrap();
        let op = h.op();
        let params = w(r#"{"CommandLine":"sleep 30","CreateStdOutPipe":true}"#);
        let mut p = std::ptr::null_mut();
        assert_eq!(
            unsafe { (f.HcsCreateProcess)(sys, params.as_ptr(), op, std::ptr::null(), &mut p) },
            S_OK
        );
        assert_eq!(unsafe { (f.HcsGetProcessFromOperation)(op) }, p);
        assert_eq!(unsafe { (f.HcsGetOperationType)(op) }, 10);
        let (mut first, mut second) = (no_info(), no_info());
        let mut d = std::ptr::null_mut();
        unsafe {
            assert_eq!(
                (f.HcsWaitForOperationResultAndProcessInfo)(op, WAIT, &mut first, &mut d),
                S_OK
            );
            assert_eq!(
                (f.HcsGetOperationResultAndProcessInfo)(op, &mut second, &mut d),
                S_OK
            );
        }
        let third = process_info(h, p);
        assert_eq!(first.process_id, second.process_id);
        assert_eq!(first.process_id, third.process_id);
        assert!(!first.std_output.is_null());
        assert!(first.std_input.is_null(), "no stdin pipe was asked for");
        if mode == "Once" {
            assert!(second.std_output.is_null(), "handed out once");
            assert!(third.std_output.is_null(), "handed out once");
        } else {
            assert_eq!(second.std_output, first.std_output, "the same value again");
            assert_eq!(third.std_output, first.std_output, "the same value again");
        }
        // The caller owns the handle from the first read: it closes it once.
        let mut out = Vec::new();
        file_from_handle(first.std_output)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        assert!(out.is_empty(), "end of file when the process exits");
        assert_eq!(status(h, p)["ExitCode"], 0);
        unsafe {
            (f.HcsCloseOperation)(op);
            (f.HcsCloseProcess)(p);
        }
    }
    // Without a read of the create operation, HcsGetProcessInfo hands them out.
    h.emu.configure(r#"{"StdioHandles":"Once"}"#).unwrap();
    let params = w(r#"{"CommandLine":"echo late","CreateStdOutPipe":true}"#);
    let mut p = std::ptr::null_mut();
    let (hr, r, _) = h.call(|op| unsafe {
        (f.HcsCreateProcess)(sys, params.as_ptr(), op, std::ptr::null(), &mut p)
    });
    assert_eq!((hr, r), (S_OK, S_OK));
    let info = process_info(h, p);
    let mut out = String::new();
    file_from_handle(info.std_output)
        .expect("handed out by HcsGetProcessInfo")
        .read_to_string(&mut out)
        .unwrap();
    assert_eq!(out, "late\n");
    assert!(process_info(h, p).std_output.is_null());
    assert!(h.emu.configure(r#"{"StdioHandles":"Twice"}"#).is_err());
    unsafe {
        (f.HcsCloseProcess)(p);
        (f.HcsCloseComputeSystem)(sys);
    }
    h.finish();
}

unsafe extern "system" fn count_ops(e: *const HcsEvent, ctx: *mut std::ffi::c_void) {
    let sink = unsafe { &*(ctx as *const Sink) };
    let e = unsafe { &*e };
    let _ = sink
        .0
        .send((e.event_type, Some(format!("{:p}", e.operation))));
}

#[test]
fn operation_events_and_namespace_options_callback() {
    let (h, _g) = hcs();
    let f = &h.f;
    let (tx, rx) = mpsc::channel();
    let sink = Box::new(Sink(tx));
    let ctx = &*sink as *const Sink as *mut std::ffi::c_void;
    #[repr(C)]
    struct CreateOptions1 {
        version: i32,
        user_token: H,
        security_descriptor: *const std::ffi::c_void,
        callback_options: i32,
        callback_context: *mut std::ffi::c_void,
        callback: EventCb,
    }
    let options = CreateOptions1 {
        version: 0x0001_0000,
        user_token: std::ptr::null_mut(),
        security_descriptor: std::ptr::null(),
        callback_options: 1, // HcsEventOptionEnableOperationCallbacks
        callback_context: ctx,
        callback: Some(count_ops),
    };
    let (ns, id, doc) = (w("ns"), w("opevents"), w(VM));
    let mut sys = std::ptr::null_mut();
    let (a, b, _) = h.call(|op| unsafe {
        (f.HcsCreateComputeSystemInNamespace)(
            ns.as_ptr(),
            id.as_ptr(),
            doc.as_ptr(),
            op,
            &options.version,
            &mut sys,
        )
    });
    assert_eq!((a, b), (S_OK, S_OK));
    // The create itself is reported to the handle created with it.
    let (t, _) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(t, 0x0100_0000);
    let op = h.op();
    assert_eq!(
        unsafe { (f.HcsStartComputeSystem)(sys, op, std::ptr::null()) },
        S_OK
    );
    assert_eq!(h.wait(op).0, S_OK);
    let (t, seen) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(t, 0x0100_0000);
    assert_eq!(seen.unwrap(), format!("{op:p}"));
    // Operations with their own callback are refused on such a handle.
    unsafe extern "system" fn nop(_op: H, _ctx: *mut std::ffi::c_void) {}
    let with_cb = unsafe { (f.HcsCreateOperation)(std::ptr::null(), Some(nop)) };
    assert_eq!(
        unsafe { (f.HcsPauseComputeSystem)(sys, with_cb, std::ptr::null()) },
        HCS_E_CALLBACK_ALREADY_SET
    );
    assert_eq!(
        unsafe { (f.HcsGetOperationType)(with_cb) },
        -1,
        "left untouched"
    );
    unsafe { (f.HcsCloseOperation)(with_cb) };
    // A process handle can opt in too.
    let (_, p, _) = h.spawn(sys, r#"{"CommandLine":"sleep-forever"}"#);
    // HcsCreateProcess was called on the system handle: it hears about that operation.
    let (t, _) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!(t, 0x0100_0000);
    assert_eq!(
        unsafe { (f.HcsSetProcessCallback)(p, 1, ctx, Some(count_ops)) },
        S_OK
    );
    let pop = h.op();
    assert_eq!(
        unsafe { (f.HcsGetProcessProperties)(p, pop, std::ptr::null()) },
        S_OK
    );
    assert_eq!(h.wait(pop).0, S_OK);
    let (t, seen) = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert_eq!((t, seen.unwrap()), (0x0100_0000, format!("{pop:p}")));
    unsafe {
        (f.HcsCloseOperation)(pop);
        (f.HcsCloseProcess)(p);
    }
    let bad = CreateOptions1 {
        version: 7,
        ..options
    };
    let mut other = std::ptr::null_mut();
    let id2 = w("opevents2");
    assert_eq!(
        unsafe {
            (f.HcsCreateComputeSystemInNamespace)(
                ns.as_ptr(),
                id2.as_ptr(),
                doc.as_ptr(),
                op,
                &bad.version,
                &mut other,
            )
        },
        E_INVALIDARG
    );
    unsafe {
        (f.HcsCloseOperation)(op);
        (f.HcsCloseComputeSystem)(sys);
    }
    drop(sink);
    h.finish();
}
