//! Processes: create (with stdio), open, exit codes, terminate, signal,
//! info, properties, modify, events.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use common::{LONG, block_on, doc, hcs, process_parameters, unique_id, vm_document};
use hcs::{Access, ComputeSystem, EventOptions, EventType, HResult};
use serde_json::json;

fn running_system() -> ComputeSystem {
    let system = hcs()
        .create_compute_system(&unique_id("proc"), &vm_document())
        .unwrap();
    system.start().unwrap();
    system
}

#[test]
fn exit_code_comes_back() {
    let system = running_system();
    let process = system
        .create_process(&process_parameters("cmd /c exit 3", false))
        .unwrap();
    assert!(process.id() > 0);
    let status = process.wait_for_exit(LONG).unwrap();
    assert_eq!(status.exit_code, Some(3));
    assert_eq!(status.exited, Some(true));
    let raw = process.wait_for_exit_raw(LONG).unwrap().unwrap();
    assert!(raw.contains("ExitCode"), "{raw}");
}

#[test]
fn stdio_pipes_are_owned_handles() {
    let system = running_system();
    let mut process = system
        .create_process(&process_parameters("echo", true))
        .unwrap();
    let stdin = process.take_stdin();
    let stdout = process.take_stdout();
    if cfg!(windows) && stdin.is_none() {
        // The emulator built for Windows has no pipes: the handles are NULL.
        assert!(stdout.is_none());
        process.terminate().unwrap();
        return;
    }
    let mut stdin = stdin.expect("stdin pipe").into_file();
    let mut stdout = stdout.expect("stdout pipe").into_file();
    assert!(process.take_stdin().is_none());
    stdin.write_all(b"hello hcs\n").unwrap();
    drop(stdin); // EOF: echo exits
    let mut text = String::new();
    stdout.read_to_string(&mut text).unwrap();
    assert_eq!(text, "hello hcs\n");
    assert_eq!(process.wait_for_exit(LONG).unwrap().exit_code, Some(0));

    let mut printer = system
        .create_process_raw(
            &serde_json::to_string(&process_parameters("echo-stderr oops", true)).unwrap(),
        )
        .unwrap();
    let mut stderr = printer.take_stderr().expect("stderr pipe").into_file();
    let mut text = String::new();
    stderr.read_to_string(&mut text).unwrap();
    assert_eq!(text, "oops\n");
    // Untaken handles are closed with the process.
    drop(printer);
}

#[test]
fn terminate_signal_and_failures() {
    let system = running_system();
    let process = system
        .create_process(&process_parameters("sleep-forever", false))
        .unwrap();
    let error = process
        .wait_for_exit(Some(Duration::from_millis(30)))
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    process.terminate().unwrap();
    let status = process.wait_for_exit(LONG).unwrap();
    assert_eq!(status.exited, Some(true));
    let error = process.terminate().unwrap_err();
    assert!(
        error.is(HResult::HCS_E_PROCESS_ALREADY_STOPPED),
        "{error:?}"
    );

    let signalled = system
        .create_process(&process_parameters("sleep-forever", false))
        .unwrap();
    signalled
        .signal(&doc(json!({ "Signal": "CtrlC" })))
        .unwrap();
    assert!(signalled.wait_for_exit(LONG).unwrap().exit_code.is_some());
    let error = signalled
        .signal_raw(Some("{\"Signal\": \"NoSuchSignal\"}"))
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");

    let other = system
        .create_process(&process_parameters("sleep-forever", false))
        .unwrap();
    other.terminate_raw(None).unwrap();

    // An unknown program fails to start with a typed error.
    let error = system
        .create_process(&process_parameters("no-such-program", false))
        .unwrap_err();
    assert!(error.code().is_some_and(|c| c.is_err()), "{error:?}");
    assert_eq!(error.hcs_error().unwrap().operation, "HcsCreateProcess");
    // A process in a system that is not running.
    let stopped = hcs()
        .create_compute_system(&unique_id("stopped"), &vm_document())
        .unwrap();
    let error = stopped
        .create_process(&process_parameters("exit 0", false))
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
}

#[test]
fn open_info_properties_modify() {
    let system = running_system();
    let process = system
        .create_process(&process_parameters("sleep-forever", true))
        .unwrap();
    let info = process.info().unwrap();
    assert_eq!(info.process_id, process.id());
    let opened = system
        .open_process(process.id(), Access::GENERIC_ALL)
        .unwrap();
    assert_eq!(opened.id(), process.id());
    let properties: serde_json::Value = opened.properties_as(&json!({})).unwrap();
    assert!(properties.is_object(), "{properties}");
    let raw = opened.properties_raw(None).unwrap();
    assert!(!raw.is_empty());
    opened
        .modify(&doc(
            json!({ "Operation": "ConsoleSize", "ConsoleSize": { "Height": 40, "Width": 120 } }),
        ))
        .unwrap();
    opened
        .modify_raw("{\"Operation\": \"CloseHandle\", \"CloseHandle\": { \"Handle\": \"StdIn\" }}")
        .unwrap();
    let error = opened.modify_raw("{\"Operation\": 17}").unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    let error = system
        .open_process(999_999, Access::GENERIC_ALL)
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    opened.terminate().unwrap();

    let raw = process.into_raw();
    // SAFETY: the handle came from into_raw and has no other owner.
    let process = unsafe { hcs::Process::from_raw(system.hcs(), raw, 0) };
    assert_eq!(process.as_raw(), raw);
    assert!(format!("{process:?}").contains("Process"));
}

#[test]
fn process_events_and_async() {
    let system = running_system();
    let process = system
        .create_process(&process_parameters("sleep 50", false))
        .unwrap();
    let events = process.events(EventOptions::NONE).unwrap();
    let event = events
        .recv_timeout(Duration::from_secs(30))
        .expect("ProcessExited");
    assert_eq!(event.event_type, EventType::PROCESS_EXITED);
    let status: hcs::schema::ProcessStatus = event.decode().unwrap();
    assert_eq!(status.exit_code, Some(0));

    let process =
        block_on(system.create_process_async(&process_parameters("sleep-forever", false))).unwrap();
    let info = block_on(process.info_async()).unwrap();
    assert_eq!(info.process_id, process.id());
    block_on(process.modify_async(&doc(
        json!({ "Operation": "ConsoleSize", "ConsoleSize": { "Height": 1, "Width": 1 } }),
    )))
    .unwrap();
    block_on(process.signal_async(&doc(json!({ "Signal": "CtrlBreak" })))).unwrap();
    process.wait_for_exit(LONG).unwrap();
    let error = block_on(process.terminate_async()).unwrap_err();
    assert!(
        error.is(HResult::HCS_E_PROCESS_ALREADY_STOPPED),
        "{error:?}"
    );

    // Exactly one ProcessExited reaches the callback, and nothing after the
    // handle is closed.
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = counter.clone();
    let (exited_tx, exited_rx) = std::sync::mpsc::channel();
    let process = system
        .create_process(&process_parameters("sleep-forever", false))
        .unwrap();
    process
        .set_event_callback(EventOptions::NONE, move |event| {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = exited_tx.send(event.event_type);
        })
        .unwrap();
    process.terminate().unwrap();
    assert_eq!(
        exited_rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        EventType::PROCESS_EXITED
    );
    process.wait_for_exit(LONG).unwrap();
    drop(process);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(counter.load(std::sync::atomic::Ordering::SeqCst), 1);
}
