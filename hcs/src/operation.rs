//! HCS operations: the handle that tracks one asynchronous HCS call, waited
//! on blocking (with a timeout) or awaited as a [`Future`], and what happens
//! when nobody waits for it any more.
//!
//! # Stopping waiting
//!
//! `HcsCancelOperation` is documented as not implemented ("will always return
//! an `E_NOTIMPL` HRESULT value"), so a call its caller stops waiting for (a
//! blocking call past the [`Hcs`] timeout, a dropped [`OperationFuture`], an
//! [`Operation`] dropped while its call runs) goes on inside HCS. The
//! operation handle is therefore never closed while its call is pending:
//! [`release`] hands it to whoever learns of the completion first, the
//! operation's completion callback or a thread waiting with
//! `HcsWaitForOperationResult`, which closes it then (`HcsCloseOperation.md`:
//! "An operation can be closed from within a callback"). The callback context
//! is an integer key, never a pointer (see `registry`), so nothing it names
//! can be freed under HCS. What the call produced is torn down at the same
//! time ([`Abandon`]): a compute system or process whose creation completes
//! after its caller gave up is terminated and closed, never orphaned. The
//! runtime still calls `HcsCancelOperation` when it stops waiting, as a hint
//! to a Windows that implements it, and ignores the answer.

use std::ffi::c_void;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::call::{call, call_returning};
use crate::error::{Error, Result};
use crate::ffi::{Api, HCS_OPERATION, HCS_PROCESS_INFORMATION, HRESULT, INFINITE, PWSTR};
use crate::hresult::HResult;
use crate::library::{Hcs, timeout_ms};
use crate::registry::{Registry, guard};
use crate::strings::{WideString, take_string};
use crate::trace::{Call, Subject};
use crate::types::{OperationOptions, OperationType, RawHandleValue, ResourceType};

/// What HCS reported in an `HCS_PROCESS_INFORMATION`: the process id and the
/// raw values of the standard I/O handles, **owned by nobody here**.
///
/// No page says whether HCS hands these handles out once or reports the same
/// values on every read, so the runtime takes ownership in exactly one place:
/// the read of the `HcsCreateProcess` operation it makes itself, whose handles
/// become the [`Process`](crate::Process)'s
/// [`StdioHandle`](crate::StdioHandle)s. Everywhere else
/// ([`Operation::result_and_process_info`], [`Operation::wait_and_process_info`],
/// [`Process::info`](crate::Process::info)) the values are only reported; wrap
/// one with `StdioHandle::from_raw` only if you know nobody else owns it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ProcessInformation {
    /// The process id in the compute system.
    pub process_id: u32,
    /// The write end of the process's stdin pipe, if HCS reported one.
    pub stdin: Option<RawHandleValue>,
    /// The read end of the process's stdout pipe, if HCS reported one.
    pub stdout: Option<RawHandleValue>,
    /// The read end of the process's stderr pipe, if HCS reported one.
    pub stderr: Option<RawHandleValue>,
}

impl ProcessInformation {
    fn from_raw(info: &HCS_PROCESS_INFORMATION) -> ProcessInformation {
        let value = |handle: crate::ffi::HANDLE| {
            (!handle.is_null() && handle as isize != -1).then_some(RawHandleValue(handle as usize))
        };
        ProcessInformation {
            process_id: info.ProcessId,
            stdin: value(info.StdInput),
            stdout: value(info.StdOutput),
            stderr: value(info.StdError),
        }
    }
}

/// What a completed operation returned.
#[derive(Debug, Default)]
pub struct OperationOutput {
    /// The result document, if the tracked function returns one.
    pub document: Option<String>,
    /// The process information, when the operation was read with it.
    pub process: Option<ProcessInformation>,
}

type Completion = Box<dyn FnOnce(Result<OperationOutput>) + Send + 'static>;

/// A completion waiting for the operation's callback.
struct Armed {
    completion: Completion,
    with_process_info: bool,
    function: &'static str,
}

/// Where an operation's completion goes when its callback fires.
enum Slot {
    /// To this closure.
    Armed(Armed),
    /// To this closure, then the registration goes (the handle was given away
    /// with [`Operation::into_raw`]).
    Detached(Armed),
    /// Nowhere: its owner let go while the call was pending; the callback
    /// closes the operation.
    Orphaned(Orphan),
    /// Nowhere (fired, disarmed or never armed).
    Empty,
}

/// An operation handle nobody owns any more, closed when its call completes.
struct Orphan {
    raw: HCS_OPERATION,
    key: usize,
    notifications: Option<usize>,
    _cleanup: Cleanup,
}

// SAFETY: an HCS operation handle may be closed from any thread.
unsafe impl Send for Orphan {}

/// The registry entry behind an operation's completion callback. It stays
/// registered as long as the operation handle is open, so every completion of
/// a reused operation finds it.
struct CallbackEntry {
    api: &'static Api,
    slot: Mutex<Slot>,
}

impl CallbackEntry {
    fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }
}

static OPERATIONS: Registry<CallbackEntry> = Registry::new();

/// How many operation completion callbacks are registered right now (for
/// leak checks; 0 when every [`Operation`] and future is gone and every call
/// the runtime stopped waiting for has completed).
pub fn live_operation_callbacks() -> usize {
    OPERATIONS.len()
}

static CLEANUPS: AtomicUsize = AtomicUsize::new(0);

/// How many calls the runtime stopped waiting for (a timeout, a dropped
/// future, an [`Operation`] dropped while its call ran) have not completed
/// and been cleaned up yet, counting the teardown of what they created. It
/// drops to 0 once HCS has finished them all.
pub fn pending_cleanups() -> usize {
    CLEANUPS.load(Ordering::SeqCst)
}

/// Counts one pending cleanup while it lives.
pub(crate) struct Cleanup(());

impl Cleanup {
    pub(crate) fn new() -> Cleanup {
        CLEANUPS.fetch_add(1, Ordering::SeqCst);
        Cleanup(())
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        CLEANUPS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `work` on a thread of its own, counted as a pending cleanup (it may
/// wait for HCS, which must never happen on an HCS callback thread).
pub(crate) fn spawn_cleanup(work: impl FnOnce() + Send + 'static) {
    let cleanup = Cleanup::new();
    let spawned = std::thread::Builder::new()
        .name("hcs-cleanup".to_owned())
        .spawn(move || {
            guard("cleanup", work);
            drop(cleanup);
        });
    // Without a thread there is no one to wait: leaving the work undone is
    // the safe failure (a handle stays open; nothing is closed early).
    drop(spawned);
}

/// What a tracked call produced before it completed (the handle
/// `HcsCreateComputeSystem` or `HcsCreateProcess` writes at once), to tear
/// down when its caller stopped waiting.
pub(crate) trait Abandon: Send + 'static {
    /// Called once the call completed with `outcome` and nobody wants its
    /// product; runs on any thread, so it must not wait for HCS itself
    /// ([`spawn_cleanup`] does).
    fn abandon(self, outcome: &Result<OperationOutput>);
}

impl Abandon for () {
    fn abandon(self, _: &Result<OperationOutput>) {}
}

impl<T: Abandon> Abandon for Option<T> {
    fn abandon(self, outcome: &Result<OperationOutput>) {
        if let Some(product) = self {
            product.abandon(outcome);
        }
    }
}

/// The `HCS_OPERATION_COMPLETION` trampoline. The context is a registry key.
unsafe extern "system" fn operation_completed(operation: HCS_OPERATION, context: *const c_void) {
    guard("operation completion", || {
        let key = context as usize;
        let Some(entry) = OPERATIONS.get(key) else {
            return;
        };
        let mut slot = entry.slot();
        match std::mem::replace(&mut *slot, Slot::Empty) {
            Slot::Armed(armed) => {
                // Read the result while holding the slot: `release` takes the
                // same lock before closing the operation, so the handle is
                // open.
                let outcome = read_result(
                    entry.api,
                    operation,
                    armed.with_process_info,
                    armed.function,
                );
                drop(slot);
                (armed.completion)(outcome);
            }
            Slot::Detached(armed) => {
                let outcome = read_result(
                    entry.api,
                    operation,
                    armed.with_process_info,
                    armed.function,
                );
                drop(slot);
                OPERATIONS.remove(key);
                (armed.completion)(outcome);
            }
            Slot::Orphaned(orphan) => {
                drop(slot);
                close_now(
                    entry.api,
                    orphan.raw,
                    Some(orphan.key),
                    orphan.notifications,
                );
            }
            Slot::Empty => {}
        }
    });
}

/// `HcsGetOperationResult[AndProcessInfo]` on a completed operation.
fn read_result(
    api: &'static Api,
    operation: HCS_OPERATION,
    with_process_info: bool,
    function: &'static str,
) -> Result<OperationOutput> {
    let mut document: PWSTR = std::ptr::null_mut();
    let mut info = HCS_PROCESS_INFORMATION::default();
    let hr = if with_process_info {
        let f = api.HcsGetOperationResultAndProcessInfo()?;
        // SAFETY: valid operation handle and out-pointers.
        unsafe { f(operation, &mut info, &mut document) }
    } else {
        let f = api.HcsGetOperationResult()?;
        // SAFETY: valid operation handle and out-pointer.
        unsafe { f(operation, &mut document) }
    };
    // SAFETY: HCS allocated the document for us to free with LocalFree.
    let document = unsafe { take_string(document, api) };
    finish(hr, document, with_process_info.then_some(&info), function)
}

fn finish(
    hr: HRESULT,
    document: Option<String>,
    info: Option<&HCS_PROCESS_INFORMATION>,
    function: &'static str,
) -> Result<OperationOutput> {
    if hr < 0 {
        return Err(Error::hcs(HResult(hr), function, document));
    }
    Ok(OperationOutput {
        document,
        process: info.map(ProcessInformation::from_raw),
    })
}

/// True while the operation's call runs (`HcsGetOperationResult` answers
/// `HCS_E_OPERATION_PENDING`; its document parameter is optional).
fn is_pending(api: &'static Api, operation: HCS_OPERATION) -> bool {
    let Ok(get) = api.HcsGetOperationResult() else {
        return false;
    };
    // SAFETY: valid operation handle; no document requested.
    let hr = unsafe { get(operation, std::ptr::null_mut()) };
    HResult(hr).is(HResult::HCS_E_OPERATION_PENDING)
}

fn close_now(
    api: &'static Api,
    raw: HCS_OPERATION,
    callback: Option<usize>,
    notifications: Option<usize>,
) {
    if let Ok(close) = api.HcsCloseOperation() {
        // SAFETY: the handle is owned by the caller and closed exactly once.
        unsafe { close(raw) };
    }
    // Closed: no callback of this handle starts any more.
    if let Some(key) = callback {
        OPERATIONS.remove(key);
    }
    if let Some(key) = notifications {
        crate::events::EVENTS.remove(key);
    }
}

/// What to do with a call's outcome once it completes, when its caller
/// stopped waiting.
struct After {
    with_process_info: bool,
    function: &'static str,
    then: Box<dyn FnOnce(Result<OperationOutput>) + Send>,
}

/// The owned parts of an [`Operation`].
struct Parts {
    hcs: Hcs,
    raw: HCS_OPERATION,
    callback: Option<(usize, Arc<CallbackEntry>)>,
    notifications: Option<usize>,
}

// SAFETY: HCS operation handles may be used and closed from any thread.
unsafe impl Send for Parts {}

/// Lets go of an operation: closes it now when no call is pending, else
/// leaves it to the completion (see the module docs) and runs `after` on the
/// outcome.
fn release(parts: Parts, after: Option<After>) {
    let api = parts.hcs.api;
    if parts.raw.is_null() {
        return;
    }
    if let Some((key, entry)) = &parts.callback {
        let mut slot = entry.slot();
        // Asked under the slot lock, so a completion cannot slip between the
        // answer and the hand-over.
        if after.is_none() && is_pending(api, parts.raw) {
            *slot = Slot::Orphaned(Orphan {
                raw: parts.raw,
                key: *key,
                notifications: parts.notifications,
                _cleanup: Cleanup::new(),
            });
            return;
        }
        *slot = Slot::Empty;
    }
    if is_pending(api, parts.raw) {
        let cleanup = Cleanup::new();
        let spawned = std::thread::Builder::new()
            .name("hcs-operation-wait".to_owned())
            .spawn(move || {
                let parts = parts;
                guard("operation wait", || {
                    let with_process_info = after.as_ref().is_some_and(|a| a.with_process_info);
                    let function = after
                        .as_ref()
                        .map_or("HcsWaitForOperationResult", |a| a.function);
                    let outcome = wait_raw(api, parts.raw, INFINITE, with_process_info, function);
                    close_now(
                        api,
                        parts.raw,
                        parts.callback.as_ref().map(|(key, _)| *key),
                        parts.notifications,
                    );
                    if let Some(after) = after {
                        (after.then)(outcome);
                    }
                });
                drop(cleanup);
            });
        // Without a thread, nobody can wait: the handle stays open (a leak,
        // never an early close).
        drop(spawned);
        return;
    }
    if let Some(after) = after {
        let outcome = read_result(api, parts.raw, after.with_process_info, after.function);
        close_now(
            api,
            parts.raw,
            parts.callback.as_ref().map(|(key, _)| *key),
            parts.notifications,
        );
        (after.then)(outcome);
        return;
    }
    close_now(
        api,
        parts.raw,
        parts.callback.as_ref().map(|(key, _)| *key),
        parts.notifications,
    );
}

/// `HcsWaitForOperationResult[AndProcessInfo]`.
fn wait_raw(
    api: &'static Api,
    operation: HCS_OPERATION,
    timeout_ms: u32,
    with_process_info: bool,
    function: &'static str,
) -> Result<OperationOutput> {
    let mut document: PWSTR = std::ptr::null_mut();
    let mut info = HCS_PROCESS_INFORMATION::default();
    let hr = if with_process_info {
        let wait = api.HcsWaitForOperationResultAndProcessInfo()?;
        // SAFETY: valid handle and out-pointers.
        unsafe { wait(operation, timeout_ms, &mut info, &mut document) }
    } else {
        let wait = api.HcsWaitForOperationResult()?;
        // SAFETY: valid handle and out-pointer.
        unsafe { wait(operation, timeout_ms, &mut document) }
    };
    // SAFETY: HCS allocated the document for us.
    let document = unsafe { take_string(document, api) };
    finish(hr, document, with_process_info.then_some(&info), function)
}

/// An `HCS_OPERATION`: tracks one asynchronous HCS call at a time (it may be
/// reused once that call completed).
///
/// Most code never sees one: every method of [`ComputeSystem`](crate::ComputeSystem)
/// and [`Process`](crate::Process) creates, waits for and closes its own. Use
/// it directly to drive the operation functions yourself.
///
/// Dropping it closes the handle, except while a call is pending: then the
/// handle is closed when that call completes (the call goes on; a completion
/// callback set through this value no longer runs).
pub struct Operation {
    hcs: Hcs,
    raw: HCS_OPERATION,
    callback: Option<(usize, Arc<CallbackEntry>)>,
    /// The event-callback registration of an operation created with
    /// notifications.
    notifications: Option<usize>,
}

// SAFETY: HCS operation handles may be used from any thread; the handle is
// closed only in `Drop`, which needs exclusive ownership.
unsafe impl Send for Operation {}
// SAFETY: every `&self` method is a thread-safe HCS call.
unsafe impl Sync for Operation {}

impl Operation {
    /// `HcsCreateOperation` without a callback (to be waited on).
    pub fn new(hcs: &Hcs) -> Result<Operation> {
        let create = hcs.api.HcsCreateOperation()?;
        // SAFETY: no context, no callback.
        let raw = unsafe { create(std::ptr::null(), None) };
        Operation::from_created(hcs, raw, None)
    }

    /// `HcsCreateOperation` with a completion callback, called once on an
    /// HCS thread with the operation's result (read with
    /// `HcsGetOperationResult`, or `...AndProcessInfo` when
    /// `with_process_info`). Dropping the operation first disarms it.
    pub fn with_callback<F>(hcs: &Hcs, with_process_info: bool, callback: F) -> Result<Operation>
    where
        F: FnOnce(Result<OperationOutput>) + Send + 'static,
    {
        Operation::with_completion(
            hcs,
            if with_process_info {
                "HcsGetOperationResultAndProcessInfo"
            } else {
                "HcsGetOperationResult"
            },
            with_process_info,
            Box::new(callback),
        )
    }

    fn with_completion(
        hcs: &Hcs,
        function: &'static str,
        with_process_info: bool,
        completion: Completion,
    ) -> Result<Operation> {
        let create = hcs.api.HcsCreateOperation()?;
        let entry = Arc::new(CallbackEntry {
            api: hcs.api,
            slot: Mutex::new(Slot::Armed(Armed {
                completion,
                with_process_info,
                function,
            })),
        });
        let key = OPERATIONS.insert(entry.clone());
        // SAFETY: the context is an integer key, never dereferenced.
        let raw = unsafe { create(key as *const c_void, Some(operation_completed)) };
        Operation::from_created(hcs, raw, Some((key, entry)))
    }

    fn from_created(
        hcs: &Hcs,
        raw: HCS_OPERATION,
        callback: Option<(usize, Arc<CallbackEntry>)>,
    ) -> Result<Operation> {
        if raw.is_null() {
            if let Some((key, _)) = callback {
                OPERATIONS.remove(key);
            }
            return Err(Error::hcs(
                HResult::E_OUTOFMEMORY,
                "HcsCreateOperation",
                None,
            ));
        }
        Ok(Operation {
            hcs: *hcs,
            raw,
            callback,
            notifications: None,
        })
    }

    /// `HcsCreateOperationWithNotifications`: an operation (to be waited on)
    /// that reports progress as events (`OperationOptions::PROGRESS_UPDATE`)
    /// to `callback`, on HCS threads, until it is closed. Panics in the
    /// callback are caught. Its one context belongs to `callback`, so
    /// [`Operation::set_callback`] and [`Operation::set_context`] refuse it.
    pub fn with_notifications<F>(
        hcs: &Hcs,
        options: OperationOptions,
        callback: F,
    ) -> Result<Operation>
    where
        F: Fn(crate::Event) + Send + Sync + 'static,
    {
        let create = hcs.api.HcsCreateOperationWithNotifications()?;
        let callback = crate::trace::traced_events(&Subject::NONE, Arc::new(callback));
        let key = crate::events::EVENTS.insert(callback);
        // SAFETY: the context is an integer key, never dereferenced.
        let raw = unsafe {
            create(
                options.0,
                key as *const c_void,
                Some(crate::events::event_callback),
            )
        };
        if raw.is_null() {
            crate::events::EVENTS.remove(key);
            return Err(Error::hcs(
                HResult::E_OUTOFMEMORY,
                "HcsCreateOperationWithNotifications",
                None,
            ));
        }
        Ok(Operation {
            hcs: *hcs,
            raw,
            callback: None,
            notifications: Some(key),
        })
    }

    /// `HcsSetOperationCallback`: sets (or replaces) the completion callback.
    ///
    /// An operation has one context (`HcsGetOperationContext.md`), passed to
    /// every callback it has, so this is refused (`Error::InvalidInput`, nothing
    /// sent to HCS) on an operation created
    /// [`with_notifications`](Operation::with_notifications): taking the
    /// context over would silently cut off its events.
    pub fn set_callback<F>(&mut self, with_process_info: bool, callback: F) -> Result<()>
    where
        F: FnOnce(Result<OperationOutput>) + Send + 'static,
    {
        if self.notifications.is_some() {
            return Err(Error::invalid_input(
                "the operation was created with notifications: its one context belongs to the \
                 event callback, and a completion callback would take it over",
            ));
        }
        let armed = Armed {
            completion: Box::new(callback),
            with_process_info,
            function: if with_process_info {
                "HcsGetOperationResultAndProcessInfo"
            } else {
                "HcsGetOperationResult"
            },
        };
        if let Some((_, entry)) = &self.callback {
            // Already registered with HCS: the same context gets the new closure.
            *entry.slot() = Slot::Armed(armed);
            return Ok(());
        }
        let set = self.hcs.api.HcsSetOperationCallback()?;
        let entry = Arc::new(CallbackEntry {
            api: self.hcs.api,
            slot: Mutex::new(Slot::Armed(armed)),
        });
        let key = OPERATIONS.insert(entry.clone());
        let raw = self.raw;
        let set = call("HcsSetOperationCallback", &Subject::NONE, &[], || {
            // SAFETY: valid handle; the context is an integer key.
            unsafe { set(raw, key as *const c_void, Some(operation_completed)) }
        });
        if let Err(error) = set {
            OPERATIONS.remove(key);
            return Err(error);
        }
        self.callback = Some((key, entry));
        Ok(())
    }

    /// `HcsGetOperationContext`: the context value (a callback's registry
    /// key, or what [`Operation::set_context`] stored).
    pub fn context(&self) -> Result<usize> {
        let get = self.hcs.api.HcsGetOperationContext()?;
        // SAFETY: valid handle.
        Ok(unsafe { get(self.raw) } as usize)
    }

    /// `HcsSetOperationContext`: stores an integer context. Refused
    /// (`Error::InvalidInput`) on an operation with a completion callback or
    /// notifications: an operation has one context, and theirs is the key
    /// their callback is found by.
    pub fn set_context(&mut self, context: usize) -> Result<()> {
        if self.callback.is_some() || self.notifications.is_some() {
            return Err(Error::invalid_input(
                "the context of an operation with a callback belongs to that callback",
            ));
        }
        let set = self.hcs.api.HcsSetOperationContext()?;
        call("HcsSetOperationContext", &Subject::NONE, &[], || {
            // SAFETY: valid handle; the context is an opaque integer.
            unsafe { set(self.raw, context as *const c_void) }
        })
    }

    /// `HcsGetOperationId`.
    pub fn id(&self) -> Result<u64> {
        let get = self.hcs.api.HcsGetOperationId()?;
        // SAFETY: valid handle.
        Ok(unsafe { get(self.raw) })
    }

    /// `HcsGetOperationType`.
    pub fn operation_type(&self) -> Result<OperationType> {
        let get = self.hcs.api.HcsGetOperationType()?;
        // SAFETY: valid handle.
        Ok(OperationType(unsafe { get(self.raw) }))
    }

    /// `HcsGetComputeSystemFromOperation`: the system the operation is
    /// working on, as a raw value to compare with
    /// [`ComputeSystem::raw_value`](crate::ComputeSystem::raw_value).
    pub fn compute_system(&self) -> Result<Option<RawHandleValue>> {
        let get = self.hcs.api.HcsGetComputeSystemFromOperation()?;
        // SAFETY: valid handle; the returned handle is not owned by us.
        let raw = unsafe { get(self.raw) };
        Ok((!raw.is_null()).then_some(RawHandleValue(raw as usize)))
    }

    /// `HcsGetProcessFromOperation`: the process the operation is working
    /// on, as a raw value.
    pub fn process(&self) -> Result<Option<RawHandleValue>> {
        let get = self.hcs.api.HcsGetProcessFromOperation()?;
        // SAFETY: valid handle; the returned handle is not owned by us.
        let raw = unsafe { get(self.raw) };
        Ok((!raw.is_null()).then_some(RawHandleValue(raw as usize)))
    }

    /// `HcsGetOperationResult`: the result document of a completed
    /// operation. Fails with `HCS_E_OPERATION_PENDING` while it runs and
    /// `HCS_E_OPERATION_NOT_STARTED` before it is used.
    pub fn result(&self) -> Result<Option<String>> {
        self.traced("HcsGetOperationResult", || {
            read_result(self.hcs.api, self.raw, false, "HcsGetOperationResult")
        })
        .map(|o| o.document)
    }

    /// `HcsGetOperationResultAndProcessInfo`.
    pub fn result_and_process_info(&self) -> Result<OperationOutput> {
        self.traced("HcsGetOperationResultAndProcessInfo", || {
            read_result(
                self.hcs.api,
                self.raw,
                true,
                "HcsGetOperationResultAndProcessInfo",
            )
        })
    }

    /// `HcsWaitForOperationResult`: waits at most `timeout` (`None`:
    /// forever). Running out of time is `HCS_E_OPERATION_TIMEOUT` and leaves
    /// the operation running.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Option<String>> {
        self.traced("HcsWaitForOperationResult", || {
            self.wait_ms(timeout_ms(timeout), false, "HcsWaitForOperationResult")
        })
        .map(|o| o.document)
    }

    /// `HcsWaitForOperationResultAndProcessInfo`.
    pub fn wait_and_process_info(&self, timeout: Option<Duration>) -> Result<OperationOutput> {
        self.traced("HcsWaitForOperationResultAndProcessInfo", || {
            self.wait_ms(
                timeout_ms(timeout),
                true,
                "HcsWaitForOperationResultAndProcessInfo",
            )
        })
    }

    /// Records a call on this operation that a user makes (the runtime's own
    /// waits and reads are part of the call that uses the operation).
    fn traced(
        &self,
        function: &'static str,
        f: impl FnOnce() -> Result<OperationOutput>,
    ) -> Result<OperationOutput> {
        let mut call = Call::begin(function, &Subject::NONE);
        call.operation(self.hcs.api, self.raw);
        let result = f();
        call.finish(
            &result,
            result.as_ref().ok().and_then(|o| o.document.as_deref()),
        );
        result
    }

    fn wait_ms(
        &self,
        timeout_ms: u32,
        with_process_info: bool,
        function: &'static str,
    ) -> Result<OperationOutput> {
        wait_raw(
            self.hcs.api,
            self.raw,
            timeout_ms,
            with_process_info,
            function,
        )
    }

    /// `HcsGetOperationProperties` (newer Windows builds): the operation's
    /// properties document, with raw JSON options.
    pub fn properties_raw(&self, options: Option<&str>) -> Result<String> {
        let get = self.hcs.api.HcsGetOperationProperties()?;
        let options = crate::document::encode_optional("HcsGetOperationProperties", options)?;
        let options = options.as_ref();
        let document = call_returning(
            self.hcs.api,
            "HcsGetOperationProperties",
            &Subject::NONE,
            &[options],
            // SAFETY: valid handle; the options and out-pointer outlive the call.
            |document| unsafe { get(self.raw, crate::strings::opt_ptr(options), document) },
        )?;
        Ok(document.unwrap_or_default())
    }

    /// `HcsCancelOperation`. Documented as not implemented: it "will always
    /// return an `E_NOTIMPL` HRESULT value" (`HcsCancelOperation.md`), and the
    /// call goes on.
    pub fn cancel(&self) -> Result<()> {
        let cancel = self.hcs.api.HcsCancelOperation()?;
        call("HcsCancelOperation", &Subject::NONE, &[], || {
            // SAFETY: valid handle.
            unsafe { cancel(self.raw) }
        })
    }

    /// `HcsCancelOperation` as the runtime's own hint when it stops waiting:
    /// the answer (documented as always `E_NOTIMPL`) is ignored, so it is not
    /// recorded as a failing call.
    fn cancel_hint(&self) {
        if let Ok(cancel) = self.hcs.api.HcsCancelOperation() {
            // SAFETY: valid handle.
            unsafe { cancel(self.raw) };
        }
    }

    /// `HcsAddResourceToOperation`: attaches a resource (a file, a job...)
    /// the tracked call needs. The handle is borrowed for the call.
    ///
    /// # Safety
    /// `handle` must be a valid handle of the kind `resource_type` names (or
    /// NULL where HCS accepts none) for the duration of the call.
    pub unsafe fn add_resource(
        &self,
        resource_type: ResourceType,
        uri: &str,
        handle: crate::ffi::HANDLE,
    ) -> Result<()> {
        let add = self.hcs.api.HcsAddResourceToOperation()?;
        let uri = WideString::new(uri, "resource URI")?;
        call("HcsAddResourceToOperation", &Subject::NONE, &[], || {
            // SAFETY: valid operation handle; the URI outlives the call; the
            // caller vouches for `handle`.
            unsafe { add(self.raw, resource_type.0, uri.as_ptr(), handle) }
        })
    }

    /// The raw `HCS_OPERATION` handle, still owned by `self`.
    pub fn as_raw(&self) -> HCS_OPERATION {
        self.raw
    }

    /// The raw handle value, for comparing and logging.
    pub fn raw_value(&self) -> RawHandleValue {
        RawHandleValue(self.raw as usize)
    }

    /// Gives up ownership of the handle. A completion callback stays
    /// registered until it fires once; a notification callback stays
    /// registered for the life of the process.
    #[must_use]
    pub fn into_raw(self) -> HCS_OPERATION {
        let mut this = std::mem::ManuallyDrop::new(self);
        if let Some((key, entry)) = this.callback.take() {
            let mut slot = entry.slot();
            match std::mem::replace(&mut *slot, Slot::Empty) {
                Slot::Armed(armed) => *slot = Slot::Detached(armed),
                _ => {
                    drop(slot);
                    OPERATIONS.remove(key);
                }
            }
        }
        this.raw
    }

    /// Takes ownership of an operation handle.
    ///
    /// # Safety
    /// `raw` must be a valid, open `HCS_OPERATION` of the library `hcs`
    /// wraps, owned by nobody else.
    pub unsafe fn from_raw(hcs: &Hcs, raw: HCS_OPERATION) -> Operation {
        Operation {
            hcs: *hcs,
            raw,
            callback: None,
            notifications: None,
        }
    }

    fn into_parts(self) -> Parts {
        let mut this = std::mem::ManuallyDrop::new(self);
        Parts {
            hcs: this.hcs,
            raw: this.raw,
            callback: this.callback.take(),
            notifications: this.notifications.take(),
        }
    }

    /// Closes an operation whose call is known to have completed (a wait
    /// returned its result, or its completion callback ran): no need to ask
    /// HCS whether it is pending.
    fn close_completed(self) {
        let parts = self.into_parts();
        if let Some((_, entry)) = &parts.callback {
            *entry.slot() = Slot::Empty;
        }
        close_now(
            parts.hcs.api,
            parts.raw,
            parts.callback.as_ref().map(|(key, _)| *key),
            parts.notifications,
        );
    }

    /// Stops waiting for the pending call (see the module docs): hints
    /// `HcsCancelOperation`, then `then` gets the outcome once the call
    /// completes, and the handle is closed.
    fn stop_waiting(
        self,
        with_process_info: bool,
        function: &'static str,
        then: Box<dyn FnOnce(Result<OperationOutput>) + Send>,
    ) {
        self.cancel_hint();
        release(
            self.into_parts(),
            Some(After {
                with_process_info,
                function,
                then,
            }),
        );
    }
}

impl Drop for Operation {
    fn drop(&mut self) {
        release(
            Parts {
                hcs: self.hcs,
                raw: self.raw,
                callback: self.callback.take(),
                notifications: self.notifications.take(),
            },
            None,
        );
    }
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Operation")
            .field("raw", &self.raw_value())
            .finish()
    }
}

/// The error of a tracked call that failed synchronously: HCS may still
/// have recorded a `ResultError` document as the operation's result.
fn start_failure(
    api: &'static Api,
    operation: HCS_OPERATION,
    hr: HRESULT,
    function: &'static str,
) -> Error {
    let mut document: PWSTR = std::ptr::null_mut();
    if let Ok(get) = api.HcsGetOperationResult() {
        // SAFETY: valid operation handle and out-pointer.
        unsafe { get(operation, &mut document) };
    }
    // SAFETY: HCS allocated the document (if any) for us.
    let document = unsafe { take_string(document, api) };
    Error::hcs(HResult(hr), function, document)
}

/// Runs one tracked HCS call and waits for it with the `Hcs` timeout.
pub(crate) fn run_blocking(
    hcs: &Hcs,
    function: &'static str,
    subject: &Subject,
    sends: &[Option<&WideString>],
    with_process_info: bool,
    start: impl FnOnce(HCS_OPERATION) -> HRESULT,
) -> Result<OperationOutput> {
    run_tracked(hcs, function, subject, sends, with_process_info, |op| {
        (start(op), ())
    })
    .map(|(output, ())| output)
}

/// Runs one tracked HCS call that produces `P` at once (a handle written by
/// the call) and waits for it with the `Hcs` timeout. When the time runs out
/// the error is returned at once and the call is left to complete (see the
/// module docs); `P` is then [abandoned](Abandon) with its outcome. When the
/// call fails, `P` is dropped.
pub(crate) fn run_tracked<P: Abandon>(
    hcs: &Hcs,
    function: &'static str,
    subject: &Subject,
    sends: &[Option<&WideString>],
    with_process_info: bool,
    start: impl FnOnce(HCS_OPERATION) -> (HRESULT, P),
) -> Result<(OperationOutput, P)> {
    // Recorded as one call from the operation's creation to its result.
    let mut call = Call::begin(function, subject);
    sends.iter().for_each(|document| call.sends(*document));
    let result = run_tracked_untraced(hcs, function, with_process_info, &mut call, start);
    let received = result
        .as_ref()
        .ok()
        .and_then(|(o, _)| o.document.as_deref());
    call.finish(&result, received);
    result
}

fn run_tracked_untraced<P: Abandon>(
    hcs: &Hcs,
    function: &'static str,
    with_process_info: bool,
    call: &mut Call,
    start: impl FnOnce(HCS_OPERATION) -> (HRESULT, P),
) -> Result<(OperationOutput, P)> {
    let operation = Operation::new(hcs)?;
    call.operation(hcs.api, operation.raw);
    let (hr, product) = start(operation.raw);
    if hr < 0 {
        drop(product);
        return Err(start_failure(hcs.api, operation.raw, hr, function));
    }
    match operation.wait_ms(hcs.timeout_ms(), with_process_info, function) {
        Ok(output) => {
            operation.close_completed();
            Ok((output, product))
        }
        Err(error) if error.is_timeout() => {
            let late = call.late();
            operation.stop_waiting(
                with_process_info,
                function,
                Box::new(move |outcome| {
                    late.record(&outcome);
                    product.abandon(&outcome);
                }),
            );
            Err(error)
        }
        Err(error) if error.code().is_some() => {
            // The wait returned the call's own failure: it completed.
            operation.close_completed();
            Err(error)
        }
        // The wait could not be made (an export missing): ask before closing.
        Err(error) => Err(error),
    }
}

/// The teardown of what a call produced, run on its outcome.
type Teardown = Box<dyn FnOnce(&Result<OperationOutput>) + Send>;

/// Turns a completed call's output, and what the call produced, into the
/// future's value; or tears the product down when nobody awaits it.
trait Finish<T>: Send {
    fn decode(self: Box<Self>, output: OperationOutput) -> Result<T>;
    /// The product's teardown, to run on the outcome once the call completed.
    fn into_abandon(self: Box<Self>) -> Teardown;
}

struct Finisher<P, D> {
    product: P,
    decode: D,
}

impl<T, P, D> Finish<T> for Finisher<P, D>
where
    P: Abandon,
    D: FnOnce(OperationOutput, P) -> Result<T> + Send,
{
    fn decode(self: Box<Self>, output: OperationOutput) -> Result<T> {
        (self.decode)(output, self.product)
    }

    fn into_abandon(self: Box<Self>) -> Teardown {
        let product = self.product;
        Box::new(move |outcome| product.abandon(outcome))
    }
}

/// What a dropped future leaves to its completion callback.
struct Abandoned {
    operation: Operation,
    then: Teardown,
    _cleanup: Cleanup,
}

#[derive(Default)]
struct FutureState {
    result: Option<Result<OperationOutput>>,
    waker: Option<Waker>,
    abandoned: Option<Abandoned>,
    /// The call being recorded, ended by its completion.
    call: Option<Call>,
}

struct Running<T> {
    operation: Option<Operation>,
    state: Arc<Mutex<FutureState>>,
    finish: Option<Box<dyn Finish<T>>>,
}

fn lock(state: &Mutex<FutureState>) -> MutexGuard<'_, FutureState> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// A [`Future`] completed from the HCS operation callback; runtime-agnostic
/// (it only uses the `Waker`). Dropping it before it completes stops waiting:
/// the call goes on inside HCS, its operation is closed when it completes,
/// and a compute system or process it creates is then torn down (see the
/// crate README).
#[must_use = "futures do nothing unless awaited; dropping one stops waiting for its call"]
pub struct OperationFuture<T> {
    inner: std::result::Result<Running<T>, Option<Error>>,
}

impl<T> Unpin for OperationFuture<T> {}

impl<T> fmt::Debug for OperationFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OperationFuture")
            .field("running", &self.inner.is_ok())
            .finish()
    }
}

impl<T: 'static> OperationFuture<T> {
    /// Starts one tracked HCS call whose completion callback completes the
    /// future; `decode` turns the output into `T`.
    pub(crate) fn start(
        hcs: &Hcs,
        function: &'static str,
        subject: &Subject,
        sends: &[Option<&WideString>],
        with_process_info: bool,
        start: impl FnOnce(HCS_OPERATION) -> HRESULT,
        decode: impl FnOnce(OperationOutput) -> Result<T> + Send + 'static,
    ) -> OperationFuture<T> {
        OperationFuture::start_tracked(
            hcs,
            function,
            subject,
            sends,
            with_process_info,
            |op| (start(op), ()),
            move |output, ()| decode(output),
        )
    }

    /// [`OperationFuture::start`] for a call that produces `P` at once (see
    /// [`run_tracked`]): `decode` gets it with the output; when the future is
    /// dropped first, `P` is abandoned once the call completes.
    pub(crate) fn start_tracked<P: Abandon>(
        hcs: &Hcs,
        function: &'static str,
        subject: &Subject,
        sends: &[Option<&WideString>],
        with_process_info: bool,
        start: impl FnOnce(HCS_OPERATION) -> (HRESULT, P),
        decode: impl FnOnce(OperationOutput, P) -> Result<T> + Send + 'static,
    ) -> OperationFuture<T> {
        let mut call = Call::begin(function, subject);
        sends.iter().for_each(|document| call.sends(*document));
        let state = Arc::new(Mutex::new(FutureState::default()));
        let completion_state = state.clone();
        let completion: Completion = Box::new(move |outcome| {
            let mut state = lock(&completion_state);
            // Recorded before the outcome is visible to the awaiting task.
            if let Some(call) = state.call.take() {
                let received = outcome.as_ref().ok().and_then(|o| o.document.as_deref());
                call.finish(&outcome, received);
            }
            if let Some(abandoned) = state.abandoned.take() {
                drop(state);
                (abandoned.then)(&outcome);
                // Closed from within its completion callback (HcsCloseOperation.md).
                abandoned.operation.close_completed();
                return;
            }
            state.result = Some(outcome);
            let waker = state.waker.take();
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        let operation =
            match Operation::with_completion(hcs, function, with_process_info, completion) {
                Ok(operation) => operation,
                Err(error) => {
                    call.failed(&error);
                    return OperationFuture::failed(error);
                }
            };
        call.operation(hcs.api, operation.raw);
        // Stored before the start: the completion may run before it returns.
        lock(&state).call = Some(call);
        let (hr, product) = start(operation.raw);
        if hr < 0 {
            drop(product);
            let error = start_failure(hcs.api, operation.raw, hr, function);
            if let Some(call) = lock(&state).call.take() {
                call.failed(&error);
            }
            return OperationFuture::failed(error);
        }
        OperationFuture {
            inner: Ok(Running {
                operation: Some(operation),
                state,
                finish: Some(Box::new(Finisher { product, decode })),
            }),
        }
    }
}

impl<T> OperationFuture<T> {
    pub(crate) fn failed(error: Error) -> OperationFuture<T> {
        OperationFuture {
            inner: Err(Some(error)),
        }
    }
}

impl<T> Future for OperationFuture<T> {
    type Output = Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        let this = self.get_mut();
        let running = match &mut this.inner {
            Ok(running) => running,
            Err(error) => {
                return Poll::Ready(Err(error.take().unwrap_or_else(|| {
                    Error::invalid_input("OperationFuture polled after completion")
                })));
            }
        };
        let result = {
            let mut state = lock(&running.state);
            match state.result.take() {
                Some(result) => result,
                None => {
                    state.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        let finish = running.finish.take();
        // Completed (its callback ran): the operation is closed now.
        if let Some(operation) = running.operation.take() {
            operation.close_completed();
        }
        this.inner = Err(None);
        Poll::Ready(match (result, finish) {
            (Ok(output), Some(finish)) => finish.decode(output),
            (Err(error), finish) => {
                drop(finish);
                Err(error)
            }
            (Ok(_), None) => Err(Error::invalid_input("OperationFuture decoder already used")),
        })
    }
}

impl<T> Drop for Running<T> {
    fn drop(&mut self) {
        let (Some(operation), Some(finish)) = (self.operation.take(), self.finish.take()) else {
            return;
        };
        if lock(&self.state).result.is_none() {
            // A hint only: documented as E_NOTIMPL. It may complete the call
            // at once on a Windows that implements it.
            operation.cancel_hint();
        }
        let mut state = lock(&self.state);
        match state.result.take() {
            Some(outcome) => {
                drop(state);
                finish.into_abandon()(&outcome);
                drop(operation);
            }
            None => {
                // Still running: its completion callback finishes the job.
                state.abandoned = Some(Abandoned {
                    operation,
                    then: finish.into_abandon(),
                    _cleanup: Cleanup::new(),
                });
            }
        }
    }
}
