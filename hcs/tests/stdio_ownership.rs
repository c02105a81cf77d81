//! Standard I/O handles have exactly one owner whichever way HCS hands them
//! out, a question no page answers: once (later reads report NULL) or the same
//! values on every read. The emulator does either (`StdioHandles`), and every
//! runtime path that reads process information runs under both here: the
//! `Process` owns the handles its creation handed out, and every other read
//! only reports values, so nothing is closed twice or closed under its owner.
//!
//! One test in its own binary: it changes the emulator's configuration, which
//! is process-wide.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::{LONG, block_on, control, hcs, process_parameters, unique_id, wait_for_cleanups};
use hcs::{ComputeSystem, Operation, Process, RawHandleValue, StdioHandle};
use serde_json::json;

fn value(handle: &StdioHandle) -> RawHandleValue {
    RawHandleValue(handle.as_raw() as usize)
}

/// Writes a line to an `echo` process and reads it back: the pipes are open
/// and owned by the caller.
fn echo_round_trip(process: &mut Process) {
    let mut stdin = process.take_stdin().expect("stdin pipe").into_file();
    let mut stdout = process.take_stdout().expect("stdout pipe").into_file();
    stdin.write_all(b"one owner\n").unwrap();
    drop(stdin); // end of input: echo exits
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert_eq!(text, "one owner\n");
}

fn run(system: &ComputeSystem, mode: &str) {
    control()
        .configure(&json!({ "StdioHandles": mode }).to_string())
        .unwrap();
    let repeated = mode == "Repeated";

    // Blocking create: the Process owns its handles; info() only reports.
    let mut process = system
        .create_process(&process_parameters("echo", true))
        .unwrap();
    let (stdin, stdout) = (
        process.take_stdin().expect("stdin pipe"),
        process.take_stdout().expect("stdout pipe"),
    );
    let info = process.info().unwrap();
    let again = block_on(process.info_async()).unwrap();
    assert_eq!(info.process_id, process.id());
    for reported in [info, again] {
        if repeated {
            assert_eq!(reported.stdin, Some(value(&stdin)), "{mode}");
            assert_eq!(reported.stdout, Some(value(&stdout)), "{mode}");
        } else {
            assert_eq!((reported.stdin, reported.stdout), (None, None), "{mode}");
        }
    }
    // Reporting closed nothing: the pipes still work.
    let (mut stdin, mut stdout) = (stdin.into_file(), stdout.into_file());
    stdin.write_all(b"still open\n").unwrap();
    drop(stdin);
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert_eq!(text, "still open\n", "{mode}");
    process.wait_for_exit(LONG).unwrap();

    // Async create: the same.
    let mut process =
        block_on(system.create_process_async(&process_parameters("echo", true))).unwrap();
    let reported = process.info().unwrap();
    assert_eq!(reported.stdout.is_some(), repeated, "{mode}");
    echo_round_trip(&mut process);
    process.wait_for_exit(LONG).unwrap();
    drop(process);

    // An operation driven by hand: every read reports raw values, none owned
    // by the runtime; the caller owns what the first read handed out.
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    type CreateProcess = unsafe extern "system" fn(
        hcs::raw::HCS_SYSTEM,
        *const u16,
        hcs::raw::HCS_OPERATION,
        *const std::ffi::c_void,
        *mut hcs::raw::HCS_PROCESS,
    ) -> i32;
    // SAFETY: the export has this signature (pinned in the crate).
    let create: CreateProcess =
        *unsafe { library.get::<CreateProcess>(b"HcsCreateProcess\0") }.unwrap();
    std::mem::forget(library);
    let parameters: Vec<u16> = serde_json::to_string(&process_parameters("echo hand", true))
        .unwrap()
        .encode_utf16()
        .chain([0])
        .collect();
    let operation = Operation::new(system.hcs()).unwrap();
    let mut raw: hcs::raw::HCS_PROCESS = std::ptr::null_mut();
    // SAFETY: valid handles; the parameters and out-pointer outlive the call.
    let hr = unsafe {
        create(
            system.as_raw(),
            parameters.as_ptr(),
            operation.as_raw(),
            std::ptr::null(),
            &mut raw,
        )
    };
    assert_eq!(hr, 0);
    // SAFETY: HCS handed us this process handle.
    let process = unsafe { Process::from_raw(system.hcs(), raw, 0) };
    let first = operation
        .wait_and_process_info(LONG)
        .unwrap()
        .process
        .unwrap();
    let second = operation
        .result_and_process_info()
        .unwrap()
        .process
        .unwrap();
    assert!(first.stdout.is_some());
    assert_eq!(
        second.stdout,
        if repeated { first.stdout } else { None },
        "{mode}"
    );
    let owned: Vec<StdioHandle> = [first.stdin, first.stdout, first.stderr]
        .into_iter()
        .flatten()
        // SAFETY: the first read of this operation handed these to us.
        .map(|value| unsafe { StdioHandle::from_raw(value.0 as hcs::raw::HANDLE) }.unwrap())
        .collect();
    let mut text = String::new();
    let mut handles = owned.into_iter();
    let _stdin = handles.next().unwrap();
    handles
        .next()
        .unwrap()
        .into_file()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, "hand\n", "{mode}");
    process.wait_for_exit(LONG).unwrap();
    drop((operation, process));

    // A create that runs out of time: the late completion's read hands the
    // handles out and the teardown closes them, once.
    control()
        .configure(&json!({ "CompletionDelayMs": 500 }).to_string())
        .unwrap();
    let impatient = system.hcs().with_timeout(Some(Duration::from_millis(20)));
    // SAFETY: a raw copy of a handle `system` keeps open for this test.
    let slow = unsafe { ComputeSystem::from_raw(&impatient, system.as_raw()) };
    let error = slow
        .create_process(&process_parameters("sleep-forever", true))
        .unwrap_err();
    std::mem::forget(slow);
    assert!(error.is_timeout(), "{error:?}");
    control()
        .configure(&json!({ "CompletionDelayMs": 0 }).to_string())
        .unwrap();
    wait_for_cleanups();
    common::assert_no_bad_frees();
}

#[test]
fn stdio_handles_have_one_owner_whether_hcs_hands_them_out_once_or_again() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("stdio"), &common::vm_document())
        .unwrap();
    system.start().unwrap();
    for mode in ["Once", "Repeated"] {
        run(&system, mode);
    }
    control().configure_defaults().unwrap();
    system.terminate().unwrap();
    drop(system);
    wait_for_cleanups();
    let stats = control().statistics().unwrap();
    assert_eq!(stats["LiveProcesses"], 0, "{stats}");
    assert_eq!(stats["LiveProcessHandles"], 0, "{stats}");
    assert_eq!(stats["LiveAllocations"], 0, "{stats}");
}
