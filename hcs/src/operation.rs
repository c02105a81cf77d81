//! HCS operations: the handle that tracks one asynchronous HCS call, waited
//! on blocking (with a timeout) or awaited as a [`Future`].

use std::ffi::c_void;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crate::call::{call, call_returning};
use crate::error::{Error, Result};
use crate::ffi::{Api, HCS_OPERATION, HCS_PROCESS_INFORMATION, HRESULT, PWSTR};
use crate::hresult::HResult;
use crate::library::{Hcs, timeout_ms};
use crate::registry::{Registry, guard};
use crate::stdio::StdioHandle;
use crate::strings::{WideString, take_string};
use crate::trace::{Call, Subject};
use crate::types::{OperationOptions, OperationType, RawHandleValue, ResourceType};

/// The process information an operation that created a process returns
/// (`HCS_PROCESS_INFORMATION`), with the standard streams as owned handles.
#[derive(Debug, Default)]
pub struct ProcessInformation {
    /// The process id in the compute system.
    pub process_id: u32,
    /// The write end of the process's stdin pipe, if one was requested.
    pub stdin: Option<StdioHandle>,
    /// The read end of the process's stdout pipe, if one was requested.
    pub stdout: Option<StdioHandle>,
    /// The read end of the process's stderr pipe, if one was requested.
    pub stderr: Option<StdioHandle>,
}

impl ProcessInformation {
    /// # Safety
    /// The handles in `info` must be owned by the caller.
    unsafe fn from_raw(info: &HCS_PROCESS_INFORMATION) -> ProcessInformation {
        // SAFETY: forwarded to the caller: HCS hands the handles to us.
        unsafe {
            ProcessInformation {
                process_id: info.ProcessId,
                stdin: StdioHandle::from_raw(info.StdInput),
                stdout: StdioHandle::from_raw(info.StdOutput),
                stderr: StdioHandle::from_raw(info.StdError),
            }
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

/// The registry entry behind an operation's completion callback.
struct CallbackEntry {
    api: &'static Api,
    function: &'static str,
    with_process_info: bool,
    /// Taken by the first completion; emptied by `Drop` to disarm.
    slot: Mutex<Option<Completion>>,
}

static OPERATIONS: Registry<CallbackEntry> = Registry::new();

/// How many operation completion callbacks are registered right now (for
/// leak checks; 0 when every [`Operation`] and future is gone).
pub fn live_operation_callbacks() -> usize {
    OPERATIONS.len()
}

/// The `HCS_OPERATION_COMPLETION` trampoline. The context is a registry key.
unsafe extern "system" fn operation_completed(operation: HCS_OPERATION, context: *const c_void) {
    guard("operation completion", || {
        let key = context as usize;
        let Some(entry) = OPERATIONS.get(key) else {
            return;
        };
        let mut slot = entry.slot.lock().unwrap_or_else(|e| e.into_inner());
        let Some(completion) = slot.take() else {
            return;
        };
        // Read the result while holding the slot: `Drop` disarms under the
        // same lock before closing the operation, so the handle is alive.
        let outcome = read_result(
            entry.api,
            operation,
            entry.with_process_info,
            entry.function,
        );
        drop(slot);
        OPERATIONS.remove(key);
        completion(outcome);
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
    // SAFETY: the handles in `info` were just handed to us by HCS (and are
    // closed here on failure).
    let process = info.map(|info| unsafe { ProcessInformation::from_raw(info) });
    if hr < 0 {
        return Err(Error::hcs(HResult(hr), function, document));
    }
    Ok(OperationOutput { document, process })
}

/// An `HCS_OPERATION`: tracks one asynchronous HCS call. Closed on drop.
///
/// Most code never sees one: every method of [`ComputeSystem`](crate::ComputeSystem)
/// and [`Process`](crate::Process) creates, waits for and closes its own. Use
/// it directly to drive the operation functions yourself.
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
            "HcsGetOperationResult",
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
            function,
            with_process_info,
            slot: Mutex::new(Some(completion)),
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
    /// callback are caught.
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
    pub fn set_callback<F>(&mut self, with_process_info: bool, callback: F) -> Result<()>
    where
        F: FnOnce(Result<OperationOutput>) + Send + 'static,
    {
        let set = self.hcs.api.HcsSetOperationCallback()?;
        let entry = Arc::new(CallbackEntry {
            api: self.hcs.api,
            function: "HcsGetOperationResult",
            with_process_info,
            slot: Mutex::new(Some(Box::new(callback))),
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
        if let Some(old) = self.callback.replace((key, entry)) {
            disarm(old);
        }
        Ok(())
    }

    /// `HcsGetOperationContext`: the context value (a callback's registry
    /// key, or what [`Operation::set_context`] stored).
    pub fn context(&self) -> Result<usize> {
        let get = self.hcs.api.HcsGetOperationContext()?;
        // SAFETY: valid handle.
        Ok(unsafe { get(self.raw) } as usize)
    }

    /// `HcsSetOperationContext`: stores an integer context. Refused on an
    /// operation with a completion callback (its context is the callback's
    /// registry key).
    pub fn set_context(&mut self, context: usize) -> Result<()> {
        if self.callback.is_some() || self.notifications.is_some() {
            return Err(Error::invalid_input(
                "the context of an operation with a completion callback belongs to the callback",
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

    /// Records a call on this operation (one the user makes; the runtime's
    /// own waits are part of the call that created the operation).
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
        let api = self.hcs.api;
        let mut document: PWSTR = std::ptr::null_mut();
        let mut info = HCS_PROCESS_INFORMATION::default();
        let hr = if with_process_info {
            let wait = api.HcsWaitForOperationResultAndProcessInfo()?;
            // SAFETY: valid handle and out-pointers.
            unsafe { wait(self.raw, timeout_ms, &mut info, &mut document) }
        } else {
            let wait = api.HcsWaitForOperationResult()?;
            // SAFETY: valid handle and out-pointer.
            unsafe { wait(self.raw, timeout_ms, &mut document) }
        };
        // SAFETY: HCS allocated the document for us.
        let document = unsafe { take_string(document, api) };
        finish(hr, document, with_process_info.then_some(&info), function)
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

    /// `HcsCancelOperation`.
    pub fn cancel(&self) -> Result<()> {
        let cancel = self.hcs.api.HcsCancelOperation()?;
        call("HcsCancelOperation", &Subject::NONE, &[], || {
            // SAFETY: valid handle.
            unsafe { cancel(self.raw) }
        })
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

    /// Gives up ownership of the handle (a completion callback stays
    /// registered until it fires; a notification callback stays registered
    /// for the life of the process).
    #[must_use]
    pub fn into_raw(self) -> HCS_OPERATION {
        let raw = self.raw;
        std::mem::forget(self);
        raw
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
}

fn disarm((key, entry): (usize, Arc<CallbackEntry>)) {
    // Taking the slot under its lock waits for a completion that is reading
    // the result right now; afterwards no completion can touch the handle.
    let completion = entry.slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    drop(completion);
    OPERATIONS.remove(key);
}

impl Drop for Operation {
    fn drop(&mut self) {
        if let Some(callback) = self.callback.take() {
            disarm(callback);
        }
        if let Ok(close) = self.hcs.api.HcsCloseOperation() {
            // SAFETY: we own the handle; it is closed exactly once.
            unsafe { close(self.raw) };
        }
        if let Some(key) = self.notifications.take() {
            crate::events::EVENTS.remove(key);
        }
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

/// Runs one tracked HCS call and waits for it with the `Hcs` timeout. On
/// timeout the operation is cancelled. Recorded as one [`Call`] from the
/// operation's creation to its result.
pub(crate) fn run_blocking(
    hcs: &Hcs,
    function: &'static str,
    subject: &Subject,
    sends: &[Option<&WideString>],
    with_process_info: bool,
    start: impl FnOnce(HCS_OPERATION) -> HRESULT,
) -> Result<OperationOutput> {
    let mut call = Call::begin(function, subject);
    sends.iter().for_each(|document| call.sends(*document));
    let result = (|| {
        let operation = Operation::new(hcs)?;
        call.operation(hcs.api, operation.raw);
        let hr = start(operation.raw);
        if hr < 0 {
            return Err(start_failure(hcs.api, operation.raw, hr, function));
        }
        let result = operation.wait_ms(hcs.timeout_ms(), with_process_info, function);
        if let Err(error) = &result {
            if error.is_timeout() {
                let _ = operation.cancel();
            }
        }
        result
    })();
    let received = result.as_ref().ok().and_then(|o| o.document.as_deref());
    call.finish(&result, received);
    result
}

type Decode<T> = Box<dyn FnOnce(OperationOutput) -> Result<T> + Send + 'static>;

struct FutureState {
    result: Option<Result<OperationOutput>>,
    waker: Option<Waker>,
    /// The call being recorded, ended by the completion.
    call: Option<Call>,
}

struct Running<T> {
    operation: Operation,
    state: Arc<Mutex<FutureState>>,
    decode: Option<Decode<T>>,
}

/// A [`Future`] completed from the HCS operation callback; runtime-agnostic
/// (it only uses the `Waker`). Dropping it before it completes cancels the
/// operation (`HcsCancelOperation`) and closes it.
#[must_use = "futures do nothing unless awaited; dropping it cancels the operation"]
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

impl<T> OperationFuture<T> {
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
        let mut call = Call::begin(function, subject);
        sends.iter().for_each(|document| call.sends(*document));
        let state = Arc::new(Mutex::new(FutureState {
            result: None,
            waker: None,
            call: None,
        }));
        let completion_state = state.clone();
        let completion: Completion = Box::new(move |result| {
            let waker = {
                let mut state = completion_state.lock().unwrap_or_else(|e| e.into_inner());
                // Recorded before the result is visible to the awaiting task.
                if let Some(call) = state.call.take() {
                    let received = result.as_ref().ok().and_then(|o| o.document.as_deref());
                    call.finish(&result, received);
                }
                state.result = Some(result);
                state.waker.take()
            };
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
        // Stored before the start: the completion may run before `start` returns.
        state.lock().unwrap_or_else(|e| e.into_inner()).call = Some(call);
        let hr = start(operation.raw);
        if hr < 0 {
            let error = start_failure(hcs.api, operation.raw, hr, function);
            let call = state.lock().unwrap_or_else(|e| e.into_inner()).call.take();
            if let Some(call) = call {
                call.failed(&error);
            }
            return OperationFuture::failed(error);
        }
        OperationFuture {
            inner: Ok(Running {
                operation,
                state,
                decode: Some(Box::new(decode)),
            }),
        }
    }

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
            let mut state = running.state.lock().unwrap_or_else(|e| e.into_inner());
            match state.result.take() {
                Some(result) => result,
                None => {
                    state.waker = Some(cx.waker().clone());
                    return Poll::Pending;
                }
            }
        };
        let decode = running.decode.take();
        // Completed: close the operation now (no cancel).
        this.inner = Err(None);
        Poll::Ready(match decode {
            Some(decode) => result.and_then(decode),
            None => Err(Error::invalid_input("OperationFuture decoder already used")),
        })
    }
}

impl<T> Drop for Running<T> {
    fn drop(&mut self) {
        let completed = self
            .state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .result
            .is_some()
            || self.decode.is_none();
        if !completed {
            let _ = self.operation.cancel();
        }
    }
}
