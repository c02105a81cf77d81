//! Shared test helpers: the emulator library, ids, documents, a tiny executor.

#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use hcs::Hcs;
use serde_json::{Value, json};

/// The HCS emulator library these tests load: `HCS_EMULATOR_PATH` if set;
/// on Windows (Wine) `computecore.dll` next to the test executable when
/// `cargo xtask test-windows` put it there; else the emulator cdylib found
/// (or built) by `hcs_emulator::cdylib_path`.
pub fn emulator_path() -> PathBuf {
    if let Some(path) = std::env::var_os("HCS_EMULATOR_PATH") {
        return PathBuf::from(path);
    }
    if cfg!(windows) {
        let exe = std::env::current_exe().expect("current_exe");
        let dll = exe
            .parent()
            .expect("test executable folder")
            .join("computecore.dll");
        if dll.exists() {
            return dll;
        }
    }
    hcs_emulator::cdylib_path().expect("find or build the HCS emulator cdylib")
}

/// The emulator's control exports (statistics, configuration), on the same
/// loaded instance the runtime uses.
pub fn control() -> hcs_emulator::Emulator {
    hcs_emulator::Emulator::load(&emulator_path()).expect("load the emulator controls")
}

/// The emulator, loaded through the runtime's explicit constructor. Every
/// test starts here, so every test also checks that nothing in this process
/// has passed `LocalFree` a pointer the emulator did not hand out, or one
/// already freed.
pub fn hcs() -> Hcs {
    let hcs = Hcs::load_from(&emulator_path()).expect("load the HCS emulator");
    assert_no_bad_frees();
    hcs
}

/// Fails when the emulator counted a `LocalFree` of a pointer it never
/// handed out, or of one already freed (for the life of this process).
pub fn assert_no_bad_frees() {
    let (invalid, double) = control().bad_frees().expect("emulator statistics");
    assert_eq!(
        (invalid, double),
        (0, 0),
        "LocalFree was called with invalid pointers ({invalid}) or freed strings ({double})"
    );
}

/// Waits (at most 30 s) until every call the runtime stopped waiting for has
/// completed and been cleaned up; fails otherwise.
pub fn wait_for_cleanups() {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while hcs::pending_cleanups() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} cleanups still pending",
            hcs::pending_cleanups()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A compute system id unique in this process run.
pub fn unique_id(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Converts a JSON value into a typed `hcs-schema` document.
pub fn doc<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("a valid typed document")
}

/// A minimal utility-VM document (schema 2.1), typed.
pub fn vm_document() -> hcs::schema::ComputeSystem {
    doc(vm_json())
}

/// The same document as JSON.
pub fn vm_json() -> Value {
    json!({
        "SchemaVersion": { "Major": 2, "Minor": 1 },
        "Owner": "hcs-tests",
        "ShouldTerminateOnLastHandleClosed": true,
        "VirtualMachine": {
            "Chipset": { "Uefi": {} },
            "ComputeTopology": {
                "Memory": { "SizeInMB": 1024 },
                "Processor": { "Count": 2 }
            }
        }
    })
}

/// Process parameters running `command_line` (the emulator's conventions:
/// `exit N`, `sleep MS`, `sleep-forever`, `echo [TEXT]`, `echo-stderr TEXT`).
pub fn process_parameters(command_line: &str, pipes: bool) -> hcs::schema::ProcessParameters {
    doc(json!({
        "CommandLine": command_line,
        "CreateStdInPipe": pipes,
        "CreateStdOutPipe": pipes,
        "CreateStdErrPipe": pipes
    }))
}

pub const LONG: Option<Duration> = Some(Duration::from_secs(30));

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread (no runtime needed: the
/// runtime's futures only use the `Waker`).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        std::thread::park_timeout(Duration::from_millis(200));
    }
}

/// Polls a future once with a no-op waker.
pub fn poll_once<F: Future + Unpin>(future: &mut F) -> Poll<F::Output> {
    let waker = Waker::noop();
    let mut cx = Context::from_waker(waker);
    std::pin::Pin::new(future).poll(&mut cx)
}
