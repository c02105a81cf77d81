//! The in-memory HCS: handles, compute systems, processes, operations, events.
//!
//! All state sits behind one mutex ([`emu`]); a condition variable wakes every waiter when an
//! operation completes, a system stops or a process exits. No callback is ever called with the
//! lock held. Work that HCS does asynchronously runs on emulator threads: each compute system
//! has a FIFO queue of jobs drained by its own worker thread, so the calls made on one system
//! complete in the order they were made.
//!
//! Callback safety: every handle owns a [`Guard`]. A callback runs only between
//! [`Guard::enter`] and [`Guard::exit`], and `HcsClose*` marks the guard closed and waits for the
//! callbacks in flight on other threads to return. So once `HcsClose*` has returned, no callback
//! registered on that handle runs again (a handle closed from inside its own callback does not
//! wait for itself).

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use crate::hresult::*;
use crate::process::{Behaviour, StdioSet};
use crate::schema::{Acceptance, SchemaVersion};

/// `HCS_OPERATION_COMPLETION`.
pub type OperationCompletion = Option<unsafe extern "system" fn(*mut c_void, *mut c_void)>;
/// `HCS_EVENT_CALLBACK`.
pub type EventCallback = Option<unsafe extern "system" fn(*const HcsEvent, *mut c_void)>;

/// `HCS_EVENT`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct HcsEvent {
    /// `HCS_EVENT_TYPE`.
    pub event_type: i32,
    /// The event's JSON document (borrowed for the duration of the callback), or NULL.
    pub event_data: *const u16,
    /// The operation the event belongs to, or NULL.
    pub operation: *mut c_void,
}

/// `HCS_PROCESS_INFORMATION`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct HcsProcessInformation {
    /// The process id.
    pub process_id: u32,
    /// Reserved.
    pub reserved: u32,
    /// The caller's end of the process's standard input (see the crate docs), or NULL.
    pub std_input: *mut c_void,
    /// The caller's end of the process's standard output, or NULL.
    pub std_output: *mut c_void,
    /// The caller's end of the process's standard error, or NULL.
    pub std_error: *mut c_void,
}

/// `HCS_EVENT_TYPE` values used by the emulator.
pub mod event {
    /// `HcsEventSystemExited`.
    pub const SYSTEM_EXITED: i32 = 0x1;
    /// `HcsEventSystemCrashInitiated`.
    pub const SYSTEM_CRASH_INITIATED: i32 = 0x2;
    /// `HcsEventSystemCrashReport`.
    pub const SYSTEM_CRASH_REPORT: i32 = 0x3;
    /// `HcsEventProcessExited`.
    pub const PROCESS_EXITED: i32 = 0x0001_0000;
    /// `HcsEventOperationCallback`.
    pub const OPERATION_CALLBACK: i32 = 0x0100_0000;
}

/// `HCS_OPERATION_TYPE` values.
pub mod optype {
    #![allow(missing_docs)]
    pub const NONE: i32 = -1;
    pub const ENUMERATE: i32 = 0;
    pub const CREATE: i32 = 1;
    pub const START: i32 = 2;
    pub const SHUTDOWN: i32 = 3;
    pub const PAUSE: i32 = 4;
    pub const RESUME: i32 = 5;
    pub const SAVE: i32 = 6;
    pub const TERMINATE: i32 = 7;
    pub const MODIFY: i32 = 8;
    pub const GET_PROPERTIES: i32 = 9;
    pub const CREATE_PROCESS: i32 = 10;
    pub const SIGNAL_PROCESS: i32 = 11;
    pub const GET_PROCESS_INFO: i32 = 12;
    pub const GET_PROCESS_PROPERTIES: i32 = 13;
    pub const MODIFY_PROCESS: i32 = 14;
    pub const CRASH: i32 = 15;
}

// ---------------------------------------------------------------------------------------------
// Callback guards

thread_local! {
    static ACTIVE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// Tracks the callbacks in flight for one handle (see the module docs).
#[derive(Debug, Default)]
pub struct Guard {
    m: Mutex<(bool, usize)>,
    cv: Condvar,
}

impl Guard {
    fn key(&self) -> usize {
        self as *const Guard as usize
    }

    /// Starts a callback; false when the handle is closed.
    pub fn enter(&self) -> bool {
        let mut g = self.m.lock().unwrap_or_else(|e| e.into_inner());
        if g.0 {
            return false;
        }
        g.1 += 1;
        ACTIVE.with(|a| a.borrow_mut().push(self.key()));
        true
    }

    /// Ends a callback started with [`Guard::enter`].
    pub fn exit(&self) {
        ACTIVE.with(|a| {
            let mut a = a.borrow_mut();
            if let Some(i) = a.iter().rposition(|k| *k == self.key()) {
                a.remove(i);
            }
        });
        let mut g = self.m.lock().unwrap_or_else(|e| e.into_inner());
        g.1 -= 1;
        self.cv.notify_all();
    }

    /// Closes the handle: no callback starts afterwards, and this returns once the callbacks
    /// running on other threads have returned.
    pub fn close(&self) {
        let mine = ACTIVE.with(|a| a.borrow().iter().filter(|k| **k == self.key()).count());
        let mut g = self.m.lock().unwrap_or_else(|e| e.into_inner());
        g.0 = true;
        while g.1 > mine {
            g = self.cv.wait(g).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A registered event callback.
#[derive(Debug, Clone, Copy)]
pub struct EventReg {
    /// The callback.
    pub callback: unsafe extern "system" fn(*const HcsEvent, *mut c_void),
    /// Its context.
    pub context: usize,
    /// `HCS_EVENT_OPTIONS`.
    pub options: u32,
}

/// The event callback of an operation created with `HcsCreateOperationWithNotifications` (its
/// context is the operation's one context).
#[derive(Debug, Clone, Copy)]
pub struct OpNotifications {
    /// The callback.
    pub callback: unsafe extern "system" fn(*const HcsEvent, *mut c_void),
    /// `HCS_OPERATION_OPTIONS`.
    pub options: u32,
}

/// An event waiting to be delivered once the lock is released.
pub struct PendingEvent {
    guard: Arc<Guard>,
    reg: EventReg,
    event_type: i32,
    data: Option<String>,
    operation: usize,
}

/// A completion callback waiting to be called once the lock is released.
pub struct PendingCompletion {
    guard: Arc<Guard>,
    callback: unsafe extern "system" fn(*mut c_void, *mut c_void),
    op: usize,
    context: usize,
}

/// Callbacks collected under the lock, called by [`Deliveries::deliver`] after it is released.
#[derive(Default)]
pub struct Deliveries {
    events: Vec<PendingEvent>,
    completions: Vec<PendingCompletion>,
}

impl Deliveries {
    /// Calls every collected callback (never with the state lock held).
    pub fn deliver(self) {
        for e in self.events {
            if !e.guard.enter() {
                continue;
            }
            let data: Option<Vec<u16>> = e
                .data
                .as_deref()
                .map(|s| s.encode_utf16().chain(std::iter::once(0)).collect());
            let ev = HcsEvent {
                event_type: e.event_type,
                event_data: data.as_ref().map_or(std::ptr::null(), |d| d.as_ptr()),
                operation: e.operation as *mut c_void,
            };
            let cb = e.reg.callback;
            let ctx = e.reg.context as *mut c_void;
            // SAFETY: the callback was registered by the caller with this signature; `ev` and
            // the data it points to live until the call returns.
            let _ = std::panic::catch_unwind(|| unsafe { cb(&ev, ctx) });
            e.guard.exit();
        }
        for c in self.completions {
            if !c.guard.enter() {
                continue;
            }
            let cb = c.callback;
            // SAFETY: the callback was registered by the caller with this signature.
            let _ = std::panic::catch_unwind(|| unsafe {
                cb(c.op as *mut c_void, c.context as *mut c_void)
            });
            c.guard.exit();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// State

/// Emulator configuration (see `HcsEmulatorConfigure`).
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The schema versions reported by `HcsGetServiceProperties`; documents using anything
    /// newer than the highest one are rejected.
    pub supported_versions: Vec<SchemaVersion>,
    /// A delay before every asynchronous job runs (milliseconds).
    pub completion_delay_ms: u64,
    /// Failures to inject into the next calls of given functions.
    pub injected_failures: Vec<InjectedFailure>,
    /// Reject documents with warnings too (`"SchemaCheck": "Strict"`); by default only what is
    /// known to fail on `supported_versions` is rejected.
    pub strict_schema: bool,
    /// Whether `HcsGetServiceProperties` reports `SupportedSchemaVersions` in `Basic` (false
    /// emulates a host whose answer has none).
    pub report_schema_versions: bool,
    /// What `HcsCancelOperation` does.
    pub cancel: CancelBehaviour,
    /// How the standard I/O handles of a process are handed out.
    pub stdio_handles: StdioHandles,
}

/// What `HcsCancelOperation` does (`HcsEmulatorConfigure` `CancelOperation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CancelBehaviour {
    /// `"NotImplemented"` (the default): `E_NOTIMPL`, nothing changes, as
    /// `HcsCancelOperation.md` documents.
    #[default]
    NotImplemented,
    /// `"Cancels"`: a cancel that works, as a future Windows might implement it: a pending call
    /// completes at once with `HRESULT_FROM_WIN32(ERROR_CANCELLED)` and, if its work has not run
    /// yet, it never runs.
    Cancels,
}

impl CancelBehaviour {
    /// The configuration value.
    pub fn as_str(self) -> &'static str {
        match self {
            CancelBehaviour::NotImplemented => "NotImplemented",
            CancelBehaviour::Cancels => "Cancels",
        }
    }
}

/// How the standard I/O handles in `HCS_PROCESS_INFORMATION` are handed out (no page says;
/// `HcsEmulatorConfigure` `StdioHandles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StdioHandles {
    /// `"Once"` (the default): the first read of a process's information hands the caller its
    /// ends of the pipes; every later read reports NULL handles.
    #[default]
    Once,
    /// `"Repeated"`: every later read reports the same handle values again (the caller still
    /// owns them once).
    Repeated,
}

impl StdioHandles {
    /// The configuration value.
    pub fn as_str(self) -> &'static str {
        match self {
            StdioHandles::Once => "Once",
            StdioHandles::Repeated => "Repeated",
        }
    }
}

/// A failure `HcsEmulatorConfigure` asked for: the next `remaining` calls of `function` fail
/// with `error`.
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedFailure {
    /// The export's name, e.g. `HcsStartComputeSystem`.
    pub function: String,
    /// The HRESULT.
    pub error: HRESULT,
    /// How many more calls fail.
    pub remaining: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            supported_versions: (0..=6).map(|m| SchemaVersion::new(2, m)).collect(),
            completion_delay_ms: 0,
            injected_failures: Vec::new(),
            strict_schema: false,
            report_schema_versions: true,
            cancel: CancelBehaviour::default(),
            stdio_handles: StdioHandles::default(),
        }
    }
}

impl Config {
    /// Consumes one injected failure for `function`, if any.
    pub fn take_injected(&mut self, function: &str) -> Option<HRESULT> {
        let i = self
            .injected_failures
            .iter()
            .position(|f| f.function == function)?;
        let f = &mut self.injected_failures[i];
        let error = f.error;
        f.remaining -= 1;
        if f.remaining == 0 {
            self.injected_failures.remove(i);
        }
        Some(error)
    }

    /// What documents are accepted: up to the highest supported version, strictly or not.
    pub fn acceptance(&self) -> Acceptance {
        Acceptance {
            max: self.max_version(),
            strict: self.strict_schema,
        }
    }

    /// The highest supported schema version.
    pub fn max_version(&self) -> SchemaVersion {
        self.supported_versions
            .iter()
            .copied()
            .max()
            .unwrap_or(SchemaVersion::new(2, 0))
    }
}

/// A compute system's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysState {
    /// Created by a call whose job has not run yet.
    Creating,
    /// Created, not started.
    Created,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Saved as a template.
    SavedAsTemplate,
    /// Stopped.
    Stopped,
}

impl SysState {
    /// The `State` schema value.
    pub fn as_str(self) -> &'static str {
        match self {
            SysState::Creating | SysState::Created => "Created",
            SysState::Running => "Running",
            SysState::Paused => "Paused",
            SysState::SavedAsTemplate => "SavedAsTemplate",
            SysState::Stopped => "Stopped",
        }
    }
}

/// Why a system stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct ExitInfo {
    /// `SystemExitStatus.Status`.
    pub status: i32,
    /// `SystemExitStatus.ExitType` (`NotificationType`).
    pub exit_type: &'static str,
}

/// The work of an asynchronous call, run on an emulator thread.
pub type Work = Box<dyn FnOnce() -> Outcome + Send>;

/// What a job produced.
pub struct Outcome {
    /// The call's result document or error.
    pub result: Result<Option<String>, HcsError>,
    /// The process whose information `HcsCreateProcess` / `HcsGetProcessInfo` report.
    pub process: Option<u32>,
    /// Work to run after the operation completed (process behaviours).
    pub after: Option<Box<dyn FnOnce() + Send>>,
}

impl Outcome {
    /// A plain result.
    pub fn result(result: Result<Option<String>, HcsError>) -> Self {
        Outcome {
            result,
            process: None,
            after: None,
        }
    }
}

/// A queued asynchronous call.
pub struct Job {
    op: usize,
    generation: u64,
    work: Work,
    on_cancel: Option<Box<dyn FnOnce() + Send>>,
    /// Set when the call is cancelled (even if its operation is closed since).
    cancelled: Arc<AtomicBool>,
}

/// A compute system.
pub struct System {
    /// Internal unique id (never reused).
    pub uid: u64,
    /// The caller's id.
    pub id: String,
    /// The namespace (`""` outside the `*InNamespace` functions).
    pub namespace: String,
    /// The configuration document, as modified.
    pub doc: Value,
    /// The state.
    pub state: SysState,
    /// The runtime id (a GUID made up at creation).
    pub runtime_id: String,
    /// When it was created.
    pub created: SystemTime,
    /// When it last started.
    pub started: Option<SystemTime>,
    /// Set once stopped.
    pub exit: Option<ExitInfo>,
    /// Open `HCS_SYSTEM` handles.
    pub handle_count: usize,
    /// Saved (by `HcsSaveComputeSystem`) since it last ran.
    pub saved: bool,
    /// Its processes.
    pub processes: Vec<u32>,
    queue: VecDeque<Job>,
    worker: bool,
    busy: bool,
}

impl System {
    /// `VirtualMachine` or `Container`.
    pub fn system_type(&self) -> &'static str {
        if self.doc.get("VirtualMachine").is_some() {
            "VirtualMachine"
        } else {
            "Container"
        }
    }

    /// `ShouldTerminateOnLastHandleClosed`.
    pub fn terminate_on_last_close(&self) -> bool {
        self.doc
            .get("ShouldTerminateOnLastHandleClosed")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }
}

/// A process's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcState {
    /// Created by a call whose job has not run yet.
    Starting,
    /// Running.
    Running,
    /// Exited with this code.
    Exited(u32),
    /// Failed to start.
    Failed,
}

/// An emulated process.
pub struct Process {
    /// Process id (unique in the emulator).
    pub pid: u32,
    /// Its compute system.
    pub system_uid: u64,
    /// The command line.
    pub command_line: String,
    /// What it does.
    pub behaviour: Option<Behaviour>,
    /// State.
    pub state: ProcState,
    /// Open `HCS_PROCESS` handles.
    pub handle_count: usize,
    /// Creation time.
    pub created: SystemTime,
    /// Console size (height, width).
    pub console_size: (u16, u16),
    /// The process's own ends of its standard streams.
    pub child: StdioSet,
    /// The caller's ends of its standard streams, until the first read of its information
    /// hands them out.
    pub caller: StdioSet,
    /// The handle values that read handed out (NULL for streams not created).
    pub handed: Option<[usize; 3]>,
    /// Tells its behaviour thread to stop.
    pub stop: Arc<AtomicBool>,
    /// Tells an `echo` process that its standard input was closed.
    pub stdin_closed: Arc<AtomicBool>,
    /// The parameters document.
    pub params: Value,
}

/// An operation's status.
pub enum OpStatus {
    /// No call tracked yet.
    Idle,
    /// A call is in progress.
    Pending,
    /// The tracked call completed.
    Done {
        /// Its HRESULT.
        hr: HRESULT,
        /// Its result document.
        doc: Option<String>,
        /// The process whose information the call reports, if any.
        process: Option<u32>,
        /// Whether it completed by cancellation.
        cancelled: bool,
    },
}

/// An `HCS_OPERATION`.
pub struct Operation {
    /// `HcsGetOperationId`.
    pub id: u64,
    /// The one context of the operation, passed to its completion callback and to its event
    /// callback alike (`HcsGetOperationContext.md`: "the context pointer stored in the
    /// operation").
    pub context: usize,
    /// Completion callback.
    pub completion: OperationCompletion,
    /// Event callback and options (`HcsCreateOperationWithNotifications`).
    pub notifications: Option<OpNotifications>,
    /// Callback guard.
    pub guard: Arc<Guard>,
    /// Status.
    pub status: OpStatus,
    /// `HCS_OPERATION_TYPE` of the tracked call.
    pub op_type: i32,
    /// The system handle of the tracked call, or 0.
    pub system: usize,
    /// The process handle of the tracked call, or 0.
    pub process: usize,
    /// Bumped by every call the operation tracks.
    pub generation: u64,
    /// Set by `HcsCancelOperation` for the call being tracked (a new flag per call; the job
    /// holds it, so it sees the cancel even after the operation is closed).
    pub cancel_flag: Arc<AtomicBool>,
    /// Resources added with `HcsAddResourceToOperation`.
    pub resources: Vec<(i32, String)>,
    /// When the tracked call started.
    pub started: Option<SystemTime>,
    /// When it completed.
    pub ended: Option<SystemTime>,
}

/// What a handle value refers to.
pub enum Handle {
    /// `HCS_SYSTEM`.
    System {
        /// The system.
        uid: u64,
        /// Event callback.
        reg: Option<EventReg>,
        /// Guard.
        guard: Arc<Guard>,
    },
    /// `HCS_PROCESS`.
    Process {
        /// The process.
        pid: u32,
        /// Event callback.
        reg: Option<EventReg>,
        /// Guard.
        guard: Arc<Guard>,
    },
    /// `HCS_OPERATION`.
    Operation(Operation),
}

/// Everything the emulator knows.
pub struct State {
    next_handle: usize,
    next_uid: u64,
    next_pid: u32,
    next_op_id: u64,
    /// Configuration.
    pub config: Config,
    /// Systems by uid.
    pub systems: HashMap<u64, System>,
    /// Live handles.
    pub handles: HashMap<usize, Handle>,
    /// Processes by pid.
    pub processes: HashMap<u32, Process>,
    /// `HcsGrantVmAccess` grants.
    pub vm_grants: BTreeSet<(String, String)>,
    /// `HcsGrantVmGroupAccess` grants.
    pub group_grants: BTreeSet<String>,
    /// Layers with a storage filter attached.
    pub attached_layers: BTreeSet<String>,
    /// Overlay filters attached (volume, layer data).
    pub overlays: BTreeSet<(String, String)>,
    /// Layer VHD mount directories by file identity.
    pub vhd_mounts: HashMap<String, String>,
    /// Number of WER reports submitted.
    pub wer_reports: u64,
}

/// The emulator: state plus the condition variable waiters sleep on.
pub struct Emu {
    state: Mutex<State>,
    cv: Condvar,
}

/// The one emulator instance of this library.
pub fn emu() -> &'static Emu {
    static EMU: OnceLock<Emu> = OnceLock::new();
    EMU.get_or_init(|| Emu {
        state: Mutex::new(State {
            next_handle: 0x1000,
            next_uid: 1,
            next_pid: 1000,
            next_op_id: 1,
            config: Config::default(),
            systems: HashMap::new(),
            handles: HashMap::new(),
            processes: HashMap::new(),
            vm_grants: BTreeSet::new(),
            group_grants: BTreeSet::new(),
            attached_layers: BTreeSet::new(),
            overlays: BTreeSet::new(),
            vhd_mounts: HashMap::new(),
            wer_reports: 0,
        }),
        cv: Condvar::new(),
    })
}

impl Emu {
    /// Locks the state.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wakes every waiter.
    pub fn notify(&self) {
        self.cv.notify_all();
    }

    /// Waits for a change, until `deadline` (None = forever); false on timeout.
    pub fn wait<'a>(
        &'a self,
        guard: MutexGuard<'a, State>,
        deadline: Option<Instant>,
    ) -> (MutexGuard<'a, State>, bool) {
        match deadline {
            None => (self.cv.wait(guard).unwrap_or_else(|e| e.into_inner()), true),
            Some(d) => {
                let now = Instant::now();
                if now >= d {
                    return (guard, false);
                }
                let (g, _) = self
                    .cv
                    .wait_timeout(guard, d - now)
                    .unwrap_or_else(|e| e.into_inner());
                (g, true)
            }
        }
    }
}

/// The deadline for a `timeoutMs` argument (`INFINITE` = `0xFFFFFFFF`).
pub fn deadline(timeout_ms: u32) -> Option<Instant> {
    (timeout_ms != u32::MAX).then(|| Instant::now() + Duration::from_millis(timeout_ms.into()))
}

/// Makes up a GUID (not cryptographically random; unique enough for ids).
pub fn new_guid() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut parts = [0u64; 2];
    for p in &mut parts {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        *p = h.finish();
    }
    let b = ((parts[0] as u128) << 64) | parts[1] as u128;
    let s = format!("{b:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &s[0..8],
        &s[8..12],
        &s[13..16],
        &s[17..20],
        &s[20..32]
    )
}

/// RFC 3339 UTC time (`DateTime` in the schema).
pub fn rfc3339(t: SystemTime) -> String {
    let d = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_nanos() / 100
    )
}

// ---------------------------------------------------------------------------------------------
// State helpers

impl State {
    fn alloc_handle(&mut self, h: Handle) -> usize {
        let v = self.next_handle;
        self.next_handle += 0x10;
        self.handles.insert(v, h);
        v
    }

    /// The system a system handle refers to (`E_HANDLE` / `HCS_E_SYSTEM_NOT_FOUND`).
    pub fn system_uid(&self, handle: usize) -> Result<u64, HcsError> {
        match self.handles.get(&handle) {
            Some(Handle::System { uid, .. }) => Ok(*uid),
            _ => Err(HcsError::with(E_HANDLE, "not a compute system handle")),
        }
    }

    /// The live system behind a handle.
    pub fn system_mut(&mut self, handle: usize) -> Result<&mut System, HcsError> {
        let uid = self.system_uid(handle)?;
        self.systems
            .get_mut(&uid)
            .ok_or_else(|| HcsError::new(HCS_E_SYSTEM_NOT_FOUND))
    }

    /// The pid a process handle refers to.
    pub fn process_pid(&self, handle: usize) -> Result<u32, HcsError> {
        match self.handles.get(&handle) {
            Some(Handle::Process { pid, .. }) => Ok(*pid),
            _ => Err(HcsError::with(E_HANDLE, "not a process handle")),
        }
    }

    /// The operation behind a handle.
    pub fn op_mut(&mut self, handle: usize) -> Result<&mut Operation, HcsError> {
        match self.handles.get_mut(&handle) {
            Some(Handle::Operation(op)) => Ok(op),
            _ => Err(HcsError::with(E_HANDLE, "not an operation handle")),
        }
    }

    /// Finds a system by namespace and id (ids compare case-insensitively).
    pub fn find_system(&self, namespace: &str, id: &str) -> Option<u64> {
        self.systems
            .values()
            .find(|s| s.namespace.eq_ignore_ascii_case(namespace) && s.id.eq_ignore_ascii_case(id))
            .map(|s| s.uid)
    }

    /// Registers a new system (state `Creating`) and returns a handle to it.
    pub fn add_system(&mut self, namespace: &str, id: &str, doc: Value) -> (u64, usize) {
        let uid = self.next_uid;
        self.next_uid += 1;
        self.systems.insert(
            uid,
            System {
                uid,
                id: id.to_string(),
                namespace: namespace.to_string(),
                doc,
                state: SysState::Creating,
                runtime_id: new_guid(),
                created: SystemTime::now(),
                started: None,
                exit: None,
                handle_count: 0,
                saved: false,
                processes: Vec::new(),
                queue: VecDeque::new(),
                worker: false,
                busy: false,
            },
        );
        (uid, self.open_system(uid))
    }

    /// Opens one more handle to a system.
    pub fn open_system(&mut self, uid: u64) -> usize {
        if let Some(s) = self.systems.get_mut(&uid) {
            s.handle_count += 1;
        }
        self.alloc_handle(Handle::System {
            uid,
            reg: None,
            guard: Arc::default(),
        })
    }

    /// Registers a new process (state `Starting`) and returns a handle to it.
    pub fn add_process(&mut self, uid: u64, command_line: String, params: Value) -> (u32, usize) {
        let pid = self.next_pid;
        self.next_pid += 4;
        let console_size = params
            .get("ConsoleSize")
            .and_then(Value::as_array)
            .map(|a| {
                let n = |i: usize| a.get(i).and_then(Value::as_u64).unwrap_or(0) as u16;
                (n(0), n(1))
            })
            .unwrap_or((25, 80));
        self.processes.insert(
            pid,
            Process {
                pid,
                system_uid: uid,
                behaviour: crate::process::parse(&command_line),
                command_line,
                state: ProcState::Starting,
                handle_count: 0,
                created: SystemTime::now(),
                console_size,
                child: StdioSet::default(),
                caller: StdioSet::default(),
                handed: None,
                stop: Arc::default(),
                stdin_closed: Arc::default(),
                params,
            },
        );
        if let Some(s) = self.systems.get_mut(&uid) {
            s.processes.push(pid);
        }
        (pid, self.open_process(pid))
    }

    /// Opens one more handle to a process.
    pub fn open_process(&mut self, pid: u32) -> usize {
        if let Some(p) = self.processes.get_mut(&pid) {
            p.handle_count += 1;
        }
        self.alloc_handle(Handle::Process {
            pid,
            reg: None,
            guard: Arc::default(),
        })
    }

    /// Creates an operation handle.
    pub fn add_operation(
        &mut self,
        context: usize,
        completion: OperationCompletion,
        notifications: Option<OpNotifications>,
    ) -> usize {
        let id = self.next_op_id;
        self.next_op_id += 1;
        self.alloc_handle(Handle::Operation(Operation {
            id,
            context,
            completion,
            notifications,
            guard: Arc::default(),
            status: OpStatus::Idle,
            op_type: optype::NONE,
            system: 0,
            process: 0,
            generation: 0,
            cancel_flag: Arc::default(),
            resources: Vec::new(),
            started: None,
            ended: None,
        }))
    }

    /// Removes a handle; returns its guard to close outside the lock.
    pub fn close_handle(
        &mut self,
        handle: usize,
        kind: HandleKind,
        sink: &mut Deliveries,
    ) -> Option<Arc<Guard>> {
        let matches = matches!(
            (self.handles.get(&handle)?, kind),
            (Handle::System { .. }, HandleKind::System)
                | (Handle::Process { .. }, HandleKind::Process)
                | (Handle::Operation(_), HandleKind::Operation)
        );
        if !matches {
            return None;
        }
        match self.handles.remove(&handle)? {
            Handle::System { uid, guard, .. } => {
                let mut remove = false;
                let mut terminate = false;
                if let Some(s) = self.systems.get_mut(&uid) {
                    s.handle_count -= 1;
                    if s.handle_count == 0 {
                        remove = s.state == SysState::Stopped;
                        terminate = !remove && s.terminate_on_last_close();
                    }
                }
                if terminate {
                    self.stop_system(uid, HCS_E_TERMINATED, "ForcedExit", sink);
                    remove = true;
                }
                if remove {
                    self.remove_if_unused(uid);
                }
                Some(guard)
            }
            Handle::Process { pid, guard, .. } => {
                if let Some(p) = self.processes.get_mut(&pid) {
                    p.handle_count -= 1;
                    if p.handle_count == 0
                        && matches!(p.state, ProcState::Exited(_) | ProcState::Failed)
                    {
                        self.remove_process(pid);
                    }
                }
                Some(guard)
            }
            Handle::Operation(op) => Some(op.guard),
        }
    }

    /// Removes a stopped system nobody holds a handle to, once its queue has drained (the
    /// worker calls this again when it finishes, so queued calls still complete).
    pub fn remove_if_unused(&mut self, uid: u64) {
        if self.systems.get(&uid).is_some_and(|s| {
            s.state == SysState::Stopped && s.handle_count == 0 && s.queue.is_empty() && !s.busy
        }) {
            self.systems.remove(&uid);
        }
    }

    fn remove_process(&mut self, pid: u32) {
        if let Some(p) = self.processes.remove(&pid) {
            if let Some(s) = self.systems.get_mut(&p.system_uid) {
                s.processes.retain(|x| *x != pid);
            }
        }
    }

    /// Event registrations of the handles to a system.
    fn system_regs(&self, uid: u64) -> Vec<(Arc<Guard>, EventReg)> {
        self.handles
            .values()
            .filter_map(|h| match h {
                Handle::System {
                    uid: u,
                    reg: Some(r),
                    guard,
                } if *u == uid => Some((guard.clone(), *r)),
                _ => None,
            })
            .collect()
    }

    /// Queues a system event for every handle of `uid` with a callback.
    pub fn system_event(&self, uid: u64, event_type: i32, data: &str, sink: &mut Deliveries) {
        for (guard, reg) in self.system_regs(uid) {
            sink.events.push(PendingEvent {
                guard,
                reg,
                event_type,
                data: Some(data.to_string()),
                operation: 0,
            });
        }
    }

    /// Stops a system: processes exit, `HcsEventSystemExited` goes to its handles.
    pub fn stop_system(
        &mut self,
        uid: u64,
        status: i32,
        exit_type: &'static str,
        sink: &mut Deliveries,
    ) {
        let Some(s) = self.systems.get_mut(&uid) else {
            return;
        };
        s.state = SysState::Stopped;
        s.exit = Some(ExitInfo { status, exit_type });
        let pids = s.processes.clone();
        for pid in pids {
            self.exit_process(pid, crate::process::SYSTEM_STOPPED_EXIT_CODE, sink);
        }
        let data = exit_status_doc(status, exit_type);
        self.system_event(uid, event::SYSTEM_EXITED, &data, sink);
    }

    /// Marks a running process exited and queues `HcsEventProcessExited`.
    pub fn exit_process(&mut self, pid: u32, code: u32, sink: &mut Deliveries) {
        let Some(p) = self.processes.get_mut(&pid) else {
            return;
        };
        if !matches!(p.state, ProcState::Running | ProcState::Starting) {
            return;
        }
        p.state = if p.state == ProcState::Starting {
            ProcState::Failed
        } else {
            ProcState::Exited(code)
        };
        p.child = StdioSet::default();
        p.stop.store(true, Ordering::SeqCst);
        let data = process_status_doc(p);
        let no_handles = p.handle_count == 0;
        for h in self.handles.values() {
            if let Handle::Process {
                pid: hp,
                reg: Some(reg),
                guard,
            } = h
            {
                if *hp == pid {
                    sink.events.push(PendingEvent {
                        guard: guard.clone(),
                        reg: *reg,
                        event_type: event::PROCESS_EXITED,
                        data: Some(data.clone()),
                        operation: 0,
                    });
                }
            }
        }
        if no_handles {
            self.remove_process(pid);
        }
    }

    /// The `HCS_PROCESS_INFORMATION` of a process: the first read hands the caller its ends of
    /// the pipes (the caller owns them from then on); later reads report NULL handles, or the
    /// same values again with [`StdioHandles::Repeated`]. A process record already removed
    /// reports its id only.
    pub fn process_information(&mut self, pid: u32) -> HcsProcessInformation {
        let mode = self.config.stdio_handles;
        let mut values = [0usize; 3];
        if let Some(p) = self.processes.get_mut(&pid) {
            match p.handed {
                None => {
                    let caller = std::mem::take(&mut p.caller);
                    values = [
                        crate::process::into_handle(caller.stdin) as usize,
                        crate::process::into_handle(caller.stdout) as usize,
                        crate::process::into_handle(caller.stderr) as usize,
                    ];
                    p.handed = Some(values);
                }
                Some(handed) if mode == StdioHandles::Repeated => values = handed,
                Some(_) => {}
            }
        }
        HcsProcessInformation {
            process_id: pid,
            reserved: 0,
            std_input: values[0] as *mut c_void,
            std_output: values[1] as *mut c_void,
            std_error: values[2] as *mut c_void,
        }
    }

    /// Starts tracking a call on an operation (`HCS_E_OPERATION_ALREADY_STARTED` if it is
    /// tracking one). Returns the generation.
    pub fn begin_op(
        &mut self,
        op: usize,
        op_type: i32,
        system: usize,
        process: usize,
    ) -> Result<u64, HcsError> {
        let o = self.op_mut(op)?;
        if matches!(o.status, OpStatus::Pending) {
            return Err(HcsError::new(HCS_E_OPERATION_ALREADY_STARTED));
        }
        o.status = OpStatus::Pending;
        o.op_type = op_type;
        o.system = system;
        o.process = process;
        o.generation += 1;
        o.cancel_flag = Arc::default();
        o.started = Some(SystemTime::now());
        o.ended = None;
        Ok(o.generation)
    }

    /// Completes the call an operation tracks (ignored if it is no longer that call).
    pub fn complete_op(
        &mut self,
        op: usize,
        generation: u64,
        result: Result<Option<String>, HcsError>,
        process: Option<u32>,
        cancelled: bool,
        sink: &mut Deliveries,
    ) -> bool {
        let Ok(o) = self.op_mut(op) else {
            return false;
        };
        if o.generation != generation || !matches!(o.status, OpStatus::Pending) {
            return false;
        }
        let (hr, doc) = match result {
            Ok(doc) => (S_OK, doc),
            Err(e) => (e.code, Some(e.to_result_document())),
        };
        if let Some(n) = o.notifications {
            sink.events.push(PendingEvent {
                guard: o.guard.clone(),
                reg: EventReg {
                    callback: n.callback,
                    context: o.context,
                    options: n.options,
                },
                event_type: event::OPERATION_CALLBACK,
                data: doc.clone(),
                operation: op,
            });
        }
        if let Some(cb) = o.completion {
            sink.completions.push(PendingCompletion {
                guard: o.guard.clone(),
                callback: cb,
                op,
                context: o.context,
            });
        }
        o.status = OpStatus::Done {
            hr,
            doc,
            process,
            cancelled,
        };
        o.ended = Some(SystemTime::now());
        let handles = [o.system, o.process];
        // The handle the call was made on hears about its completion if it registered with
        // HcsEventOptionEnableOperationCallbacks.
        for h in handles {
            if let Some(reg) = self.operation_callbacks_of(h) {
                let guard = match self.handles.get(&h) {
                    Some(Handle::System { guard, .. } | Handle::Process { guard, .. }) => {
                        guard.clone()
                    }
                    _ => continue,
                };
                sink.events.push(PendingEvent {
                    guard,
                    reg,
                    event_type: event::OPERATION_CALLBACK,
                    data: None,
                    operation: op,
                });
            }
        }
        true
    }

    /// The event registration of a system or process handle if it enabled operation callbacks
    /// (`HcsEventOptionEnableOperationCallbacks`).
    pub fn operation_callbacks_of(&self, handle: usize) -> Option<EventReg> {
        match self.handles.get(&handle)? {
            Handle::System { reg: Some(r), .. } | Handle::Process { reg: Some(r), .. }
                if r.options & 1 != 0 =>
            {
                Some(*r)
            }
            _ => None,
        }
    }

    /// Queues a job on a system's worker (starting the worker if needed).
    pub fn enqueue(
        &mut self,
        uid: u64,
        op: usize,
        generation: u64,
        work: Work,
        on_cancel: Option<Box<dyn FnOnce() + Send>>,
    ) {
        let cancelled = self
            .op_mut(op)
            .map(|o| o.cancel_flag.clone())
            .unwrap_or_default();
        let Some(s) = self.systems.get_mut(&uid) else {
            return;
        };
        s.queue.push_back(Job {
            op,
            generation,
            work,
            on_cancel,
            cancelled,
        });
        if !s.worker {
            s.worker = true;
            std::thread::spawn(move || system_worker(uid));
        }
    }
}

/// Which kind of handle `HcsClose*` expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleKind {
    /// `HCS_SYSTEM`.
    System,
    /// `HCS_PROCESS`.
    Process,
    /// `HCS_OPERATION`.
    Operation,
}

/// `SystemExitStatus` document.
pub fn exit_status_doc(status: i32, exit_type: &str) -> String {
    json!({ "Status": status, "ExitType": exit_type }).to_string()
}

/// `ProcessStatus` document.
pub fn process_status_doc(p: &Process) -> String {
    let (exited, code, last) = match p.state {
        ProcState::Exited(c) => (true, c, S_OK),
        ProcState::Failed => (true, u32::MAX, HCS_E_PROCESS_INFO_NOT_AVAILABLE),
        _ => (false, 0, S_OK),
    };
    json!({ "ProcessId": p.pid, "Exited": exited, "ExitCode": code, "LastWaitResult": last })
        .to_string()
}

fn system_worker(uid: u64) {
    let emu = emu();
    loop {
        let (job, delay) = {
            let mut st = emu.lock();
            let delay = st.config.completion_delay_ms;
            let Some(s) = st.systems.get_mut(&uid) else {
                return;
            };
            match s.queue.pop_front() {
                Some(j) => {
                    s.busy = true;
                    (j, delay)
                }
                None => {
                    s.worker = false;
                    st.remove_if_unused(uid);
                    return;
                }
            }
        };
        run_job(job, delay, Some(uid));
    }
}

/// Runs a job that belongs to no system (enumeration) on its own thread.
pub fn spawn_detached(op: usize, generation: u64, work: Work) {
    let (delay, cancelled) = {
        let mut st = emu().lock();
        let cancelled = st
            .op_mut(op)
            .map(|o| o.cancel_flag.clone())
            .unwrap_or_default();
        (st.config.completion_delay_ms, cancelled)
    };
    std::thread::spawn(move || {
        run_job(
            Job {
                op,
                generation,
                work,
                on_cancel: None,
                cancelled,
            },
            delay,
            None,
        )
    });
}

fn run_job(job: Job, delay: u64, system: Option<u64>) {
    let emu = emu();
    if delay > 0 {
        std::thread::sleep(Duration::from_millis(delay));
    }
    let still_wanted = !job.cancelled.load(Ordering::SeqCst);
    let (out, on_cancel) = if still_wanted {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job.work))
            .unwrap_or_else(|_| Outcome::result(Err(HcsError::with(E_FAIL, "internal error"))));
        (Some(out), None)
    } else {
        (None, job.on_cancel)
    };
    if let Some(c) = on_cancel {
        c();
    }
    let mut sink = Deliveries::default();
    let mut after = None;
    {
        let mut st = emu.lock();
        if let Some(out) = out {
            st.complete_op(
                job.op,
                job.generation,
                out.result,
                out.process,
                false,
                &mut sink,
            );
            after = out.after;
        }
        // The last call on a stopped system nobody holds: it vanishes with this completion.
        if let Some(uid) = system {
            if let Some(s) = st.systems.get_mut(&uid) {
                s.busy = false;
            }
            st.remove_if_unused(uid);
        }
        emu.notify();
    }
    sink.deliver();
    if let Some(after) = after {
        after();
    }
}

/// Runs `f` under the lock, then notifies waiters and delivers what it queued.
pub fn with_state<R>(f: impl FnOnce(&mut State, &mut Deliveries) -> R) -> R {
    let emu = emu();
    let mut sink = Deliveries::default();
    let r = {
        let mut st = emu.lock();
        let r = f(&mut st, &mut sink);
        emu.notify();
        r
    };
    sink.deliver();
    r
}

/// Drops every system, process, handle and operation and restores the default configuration.
pub fn reset() {
    let guards: Vec<Arc<Guard>> = {
        let mut st = emu().lock();
        let guards = st
            .handles
            .drain()
            .map(|(_, h)| match h {
                Handle::System { guard, .. } | Handle::Process { guard, .. } => guard,
                Handle::Operation(op) => op.guard,
            })
            .collect();
        for p in st.processes.values() {
            p.stop.store(true, Ordering::SeqCst);
        }
        st.processes.clear();
        st.systems.clear();
        st.config = Config::default();
        st.vm_grants.clear();
        st.group_grants.clear();
        st.attached_layers.clear();
        st.overlays.clear();
        st.vhd_mounts.clear();
        st.wer_reports = 0;
        emu().notify();
        guards
    };
    for g in guards {
        g.close();
    }
}
