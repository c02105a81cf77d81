//! Shared test harness: the built emulator cdylib, loaded by path, with typed exports.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).
#![allow(dead_code, non_snake_case, clippy::upper_case_acronyms)]

use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard, OnceLock};

use hcs_emulator::Emulator;
pub use hcs_emulator::engine::{HcsEvent, HcsProcessInformation};
#[allow(unused_imports)]
pub use serde_json::{Value, json};

pub type H = *mut c_void;
pub type PCWSTR = *const u16;
pub type PWSTR = *mut u16;
pub type Completion = Option<unsafe extern "system" fn(H, *mut c_void)>;
pub type EventCb = Option<unsafe extern "system" fn(*const HcsEvent, *mut c_void)>;

macro_rules! fns {
    ($($name:ident : fn($($a:ty),*) -> $r:ty;)*) => {
        pub struct Fns { $(pub $name: unsafe extern "system" fn($($a),*) -> $r,)* }
        fn load_fns(lib: &libloading::Library) -> Fns {
            Fns { $($name: unsafe { *lib.get::<unsafe extern "system" fn($($a),*) -> $r>(concat!(stringify!($name), "\0").as_bytes()).expect(stringify!($name)) },)* }
        }
    };
}

fns! {
    HcsCreateOperation: fn(*const c_void, Completion) -> H;
    HcsCreateOperationWithNotifications: fn(i32, *const c_void, EventCb) -> H;
    HcsCloseOperation: fn(H) -> ();
    HcsGetOperationContext: fn(H) -> *mut c_void;
    HcsSetOperationContext: fn(H, *const c_void) -> i32;
    HcsGetComputeSystemFromOperation: fn(H) -> H;
    HcsGetProcessFromOperation: fn(H) -> H;
    HcsGetOperationType: fn(H) -> i32;
    HcsGetOperationId: fn(H) -> u64;
    HcsGetOperationResult: fn(H, *mut PWSTR) -> i32;
    HcsGetOperationResultAndProcessInfo: fn(H, *mut HcsProcessInformation, *mut PWSTR) -> i32;
    HcsWaitForOperationResult: fn(H, u32, *mut PWSTR) -> i32;
    HcsWaitForOperationResultAndProcessInfo: fn(H, u32, *mut HcsProcessInformation, *mut PWSTR) -> i32;
    HcsSetOperationCallback: fn(H, *const c_void, Completion) -> i32;
    HcsCancelOperation: fn(H) -> i32;
    HcsAddResourceToOperation: fn(H, i32, PCWSTR, H) -> i32;
    HcsGetOperationProperties: fn(H, PCWSTR, *mut PWSTR) -> i32;
    HcsEnumerateComputeSystems: fn(PCWSTR, H) -> i32;
    HcsEnumerateComputeSystemsInNamespace: fn(PCWSTR, PCWSTR, H) -> i32;
    HcsCreateComputeSystem: fn(PCWSTR, PCWSTR, H, *const c_void, *mut H) -> i32;
    HcsCreateComputeSystemInNamespace: fn(PCWSTR, PCWSTR, PCWSTR, H, *const i32, *mut H) -> i32;
    HcsOpenComputeSystem: fn(PCWSTR, u32, *mut H) -> i32;
    HcsOpenComputeSystemInNamespace: fn(PCWSTR, PCWSTR, u32, *mut H) -> i32;
    HcsCloseComputeSystem: fn(H) -> ();
    HcsStartComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsShutDownComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsTerminateComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsCrashComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsPauseComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsResumeComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsSaveComputeSystem: fn(H, H, PCWSTR) -> i32;
    HcsGetComputeSystemProperties: fn(H, H, PCWSTR) -> i32;
    HcsModifyComputeSystem: fn(H, H, PCWSTR, H) -> i32;
    HcsWaitForComputeSystemExit: fn(H, u32, *mut PWSTR) -> i32;
    HcsSetComputeSystemCallback: fn(H, i32, *const c_void, EventCb) -> i32;
    HcsInitializeLiveMigrationOnSource: fn(H, H, PCWSTR) -> i32;
    HcsCreateProcess: fn(H, PCWSTR, H, *const c_void, *mut H) -> i32;
    HcsOpenProcess: fn(H, u32, u32, *mut H) -> i32;
    HcsCloseProcess: fn(H) -> ();
    HcsTerminateProcess: fn(H, H, PCWSTR) -> i32;
    HcsSignalProcess: fn(H, H, PCWSTR) -> i32;
    HcsGetProcessInfo: fn(H, H) -> i32;
    HcsGetProcessProperties: fn(H, H, PCWSTR) -> i32;
    HcsModifyProcess: fn(H, H, PCWSTR) -> i32;
    HcsSetProcessCallback: fn(H, i32, *const c_void, EventCb) -> i32;
    HcsWaitForProcessExit: fn(H, u32, *mut PWSTR) -> i32;
    HcsGetServiceProperties: fn(PCWSTR, *mut PWSTR) -> i32;
    HcsModifyServiceSettings: fn(PCWSTR, *mut PWSTR) -> i32;
    HcsSubmitWerReport: fn(PCWSTR) -> i32;
    HcsCreateEmptyGuestStateFile: fn(PCWSTR) -> i32;
    HcsCreateEmptyRuntimeStateFile: fn(PCWSTR) -> i32;
    HcsGrantVmAccess: fn(PCWSTR, PCWSTR) -> i32;
    HcsRevokeVmAccess: fn(PCWSTR, PCWSTR) -> i32;
    HcsGrantVmGroupAccess: fn(PCWSTR) -> i32;
    HcsRevokeVmGroupAccess: fn(PCWSTR) -> i32;
    HcsGetProcessorCompatibilityFromSavedState: fn(PCWSTR, *mut PCWSTR) -> i32;
    HcsImportLayer: fn(PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsExportLayer: fn(PCWSTR, PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsExportLegacyWritableLayer: fn(PCWSTR, PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsDestroyLayer: fn(PCWSTR) -> i32;
    HcsSetupBaseOSLayer: fn(PCWSTR, H, PCWSTR) -> i32;
    HcsSetupBaseOSVolume: fn(PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsInitializeWritableLayer: fn(PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsInitializeLegacyWritableLayer: fn(PCWSTR, PCWSTR, PCWSTR, PCWSTR) -> i32;
    HcsAttachLayerStorageFilter: fn(PCWSTR, PCWSTR) -> i32;
    HcsDetachLayerStorageFilter: fn(PCWSTR) -> i32;
    HcsFormatWritableLayerVhd: fn(H) -> i32;
    HcsGetLayerVhdMountPath: fn(H, *mut PWSTR) -> i32;
    HcsAttachOverlayFilter: fn(PCWSTR, PCWSTR) -> i32;
    HcsDetachOverlayFilter: fn(PCWSTR, PCWSTR) -> i32;
    LocalFree: fn(*mut c_void) -> *mut c_void;
}

pub use hcs_emulator::hresult::*;
/// The name the tests use for `HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET`.
pub const HCS_E_CALLBACK_ALREADY_SET: i32 = HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET;
pub const INFINITE: u32 = u32::MAX;
pub const WAIT: u32 = 10_000;

pub struct Hcs {
    pub emu: Emulator,
    pub f: Fns,
}

static HCS: OnceLock<Hcs> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

/// The emulator, reset, with exclusive use for the calling test.
pub fn hcs() -> (&'static Hcs, MutexGuard<'static, ()>) {
    let h = HCS.get_or_init(|| {
        let emu = Emulator::load_built().expect("load the emulator cdylib");
        let f = load_fns(emu.library());
        Hcs { emu, f }
    });
    let g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    h.emu.reset().unwrap();
    (h, g)
}

pub fn w(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

pub const VM: &str = r#"{"SchemaVersion":{"Major":2,"Minor":1},"Owner":"tests","VirtualMachine":{"ComputeTopology":{"Memory":{"SizeInMB":1024},"Processor":{"Count":2}},"Devices":{"Scsi":{"0":{"Attachments":{}}}}}}"#;
pub const CONTAINER: &str = r#"{"SchemaVersion":{"Major":2,"Minor":1},"Owner":"tests","Container":{"Storage":{"Layers":[]}}}"#;

impl Hcs {
    /// Reads and frees a returned string.
    pub fn take(&self, p: PWSTR) -> Option<String> {
        if p.is_null() {
            return None;
        }
        let s = unsafe { hcs_emulator::wide::read(p) }.unwrap();
        assert!(
            unsafe { (self.f.LocalFree)(p.cast()) }.is_null(),
            "LocalFree failed"
        );
        s
    }

    pub fn op(&self) -> H {
        let op = unsafe { (self.f.HcsCreateOperation)(std::ptr::null(), None) };
        assert!(!op.is_null());
        op
    }

    /// Waits for an operation: (hr, document).
    pub fn wait(&self, op: H) -> (i32, Option<String>) {
        let mut doc = std::ptr::null_mut();
        let hr = unsafe { (self.f.HcsWaitForOperationResult)(op, WAIT, &mut doc) };
        (hr, self.take(doc))
    }

    /// Runs a call on a fresh operation and waits: (sync hr, async hr, document).
    pub fn call(&self, f: impl FnOnce(H) -> i32) -> (i32, i32, Option<String>) {
        let op = self.op();
        let hr = f(op);
        let (r, d) = self.wait(op);
        unsafe { (self.f.HcsCloseOperation)(op) };
        (hr, r, d)
    }

    /// Creates a system and waits; panics on failure.
    pub fn create(&self, id: &str, doc: &str) -> H {
        let (hr, r, d, sys) = self.try_create(id, doc);
        assert_eq!((hr, r), (S_OK, S_OK), "create {id}: {d:?}");
        sys
    }

    pub fn try_create(&self, id: &str, doc: &str) -> (i32, i32, Option<String>, H) {
        let mut sys = std::ptr::null_mut();
        let (id, doc) = (w(id), w(doc));
        let (hr, r, d) = self.call(|op| unsafe {
            (self.f.HcsCreateComputeSystem)(
                id.as_ptr(),
                doc.as_ptr(),
                op,
                std::ptr::null(),
                &mut sys,
            )
        });
        (hr, r, d, sys)
    }

    /// A system call of the start/pause/... shape: (sync, async, doc).
    pub fn sys_call(
        &self,
        f: unsafe extern "system" fn(H, H, PCWSTR) -> i32,
        sys: H,
        options: Option<&str>,
    ) -> (i32, i32, Option<String>) {
        let o = options.map(w);
        self.call(|op| unsafe { f(sys, op, o.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())) })
    }

    pub fn start(&self, sys: H) {
        let (a, b, d) = self.sys_call(self.f.HcsStartComputeSystem, sys, None);
        assert_eq!((a, b), (S_OK, S_OK), "{d:?}");
    }

    pub fn properties(&self, sys: H, query: Option<&str>) -> Value {
        let (a, b, d) = self.sys_call(self.f.HcsGetComputeSystemProperties, sys, query);
        assert_eq!((a, b), (S_OK, S_OK), "{d:?}");
        serde_json::from_str(&d.unwrap()).unwrap()
    }

    pub fn state(&self, sys: H) -> String {
        self.properties(sys, None)["State"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Creates a process; returns (process handle, info) after waiting.
    pub fn spawn(&self, sys: H, params: &str) -> (i32, H, HcsProcessInformation) {
        let op = self.op();
        let p = w(params);
        let mut proc_ = std::ptr::null_mut();
        let hr =
            unsafe { (self.f.HcsCreateProcess)(sys, p.as_ptr(), op, std::ptr::null(), &mut proc_) };
        assert_eq!(hr, S_OK);
        let mut info = HcsProcessInformation {
            process_id: 0,
            reserved: 0,
            std_input: std::ptr::null_mut(),
            std_output: std::ptr::null_mut(),
            std_error: std::ptr::null_mut(),
        };
        let mut doc = std::ptr::null_mut();
        let r = unsafe {
            (self.f.HcsWaitForOperationResultAndProcessInfo)(op, WAIT, &mut info, &mut doc)
        };
        self.take(doc);
        unsafe { (self.f.HcsCloseOperation)(op) };
        (r, proc_, info)
    }

    pub fn stats(&self) -> Value {
        self.emu.statistics().unwrap()
    }

    /// Resets and checks that nothing leaked (no live allocations).
    pub fn finish(&self) {
        self.emu.reset().unwrap();
        let s = self.stats();
        assert_eq!(s["LiveAllocations"], 0, "leaked strings: {s}");
        assert_eq!(s["LiveSystemHandles"], 0);
        assert_eq!(s["LiveOperations"], 0);
    }

    pub fn error_of(doc: &Option<String>) -> Value {
        serde_json::from_str(doc.as_deref().expect("a ResultError document")).unwrap()
    }
}

/// Takes ownership of a standard I/O handle the emulator handed out (a file descriptor on
/// Unix, a pipe `HANDLE` on Windows); `None` for NULL.
pub fn file_from_handle(h: H) -> Option<std::fs::File> {
    if h.is_null() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::fd::FromRawFd;
        Some(unsafe { std::fs::File::from_raw_fd(h as isize as i32) })
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::FromRawHandle;
        Some(unsafe { std::fs::File::from_raw_handle(h) })
    }
}

/// The loaded emulator without taking the test lock (for threads of a test holding it).
pub fn instance() -> &'static Hcs {
    HCS.get().expect("hcs() first")
}
