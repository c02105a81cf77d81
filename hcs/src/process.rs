//! Processes in a compute system (`HCS_PROCESS`).

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{call, call_returning, call_void};
use crate::document::{
    decode_document, encode_document, encode_optional, encode_schema, encode_typed,
};
use crate::error::{Error, Result};
use crate::events::{EventReceiver, Registrations, channel, event_callback};
use crate::ffi::HANDLE;
use crate::ffi::{Api, HCS_PROCESS, pfn};
use crate::hresult::HResult;
use crate::library::{Hcs, timeout_ms};
use crate::operation::{
    Abandon, OperationFuture, OperationOutput, ProcessInformation, run_blocking, run_tracked,
    spawn_cleanup,
};
use crate::schema::{ProcessModifyRequest, ProcessParameters, ProcessStatus, SignalProcessOptions};
use crate::stdio::StdioHandle;
use crate::strings::{WideString, opt_ptr};
use crate::trace::Subject;
use crate::types::{Access, EventOptions, RawHandleValue};
use crate::{ComputeSystem, Event};

/// A process in a compute system (`HCS_PROCESS`). Closed with
/// `HcsCloseProcess` on drop (which does not kill it).
///
/// `Send + Sync` for the same reasons as [`ComputeSystem`].
pub struct Process {
    hcs: Hcs,
    raw: HCS_PROCESS,
    process_id: u32,
    stdin: Option<StdioHandle>,
    stdout: Option<StdioHandle>,
    stderr: Option<StdioHandle>,
    registrations: Registrations,
    /// The system id and process id for the `tracing` records (empty
    /// without the feature).
    subject: Subject,
}

// SAFETY: HCS process handles are usable from any thread; closing needs
// ownership (`Drop`).
unsafe impl Send for Process {}
// SAFETY: every `&self` method is a thread-safe HCS call.
unsafe impl Sync for Process {}

type ProcessOp = pfn::HcsTerminateProcess;

impl ComputeSystem {
    /// `HcsCreateProcess` with typed `ProcessParameters`, waiting; the
    /// process id and the stdio pipes it asked for come with it.
    pub fn create_process(&self, parameters: &ProcessParameters) -> Result<Process> {
        self.hcs().check_document("HcsCreateProcess", parameters)?;
        self.create_process_as(parameters)
    }

    /// `HcsCreateProcess` with any serializable parameters document.
    pub fn create_process_as<T: Serialize + ?Sized>(&self, parameters: &T) -> Result<Process> {
        let parameters = encode_typed("HcsCreateProcess", parameters)?;
        self.create_process_encoded(parameters)
    }

    /// `HcsCreateProcess` with a raw JSON `ProcessParameters` document.
    pub fn create_process_raw(&self, parameters: &str) -> Result<Process> {
        let parameters = encode_document("HcsCreateProcess", parameters)?;
        self.create_process_encoded(parameters)
    }

    fn create_process_encoded(&self, parameters: WideString) -> Result<Process> {
        let f = self.hcs().api.HcsCreateProcess()?;
        let system = self.as_raw();
        let hcs = *self.hcs();
        let subject = self.subject();
        let (output, process) = run_tracked(
            self.hcs(),
            "HcsCreateProcess",
            subject,
            &[Some(&parameters)],
            true,
            |op| {
                let mut raw: HCS_PROCESS = std::ptr::null_mut();
                // SAFETY: valid handles; the parameters and out-pointer outlive the call.
                let hr = unsafe { f(system, parameters.as_ptr(), op, std::ptr::null(), &mut raw) };
                (
                    hr,
                    (!raw.is_null()).then(|| Process::new(&hcs, raw, 0, subject)),
                )
            },
        )?;
        Process::created(process, output)
    }

    /// `HcsCreateProcess` as a future.
    pub fn create_process_async(&self, parameters: &ProcessParameters) -> OperationFuture<Process> {
        let prepared = (|| {
            let f = self.hcs().api.HcsCreateProcess()?;
            let parameters = encode_schema(self.hcs(), "HcsCreateProcess", parameters)?;
            Ok((f, parameters))
        })();
        let (f, parameters) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => return OperationFuture::failed(error),
        };
        let system = self.as_raw();
        let hcs = *self.hcs();
        let subject = self.subject().clone();
        OperationFuture::start_tracked(
            self.hcs(),
            "HcsCreateProcess",
            &subject,
            &[Some(&parameters)],
            true,
            |op| {
                let mut raw: HCS_PROCESS = std::ptr::null_mut();
                // SAFETY: valid handles; the parameters and out-pointer outlive the call.
                let hr = unsafe { f(system, parameters.as_ptr(), op, std::ptr::null(), &mut raw) };
                (
                    hr,
                    (!raw.is_null()).then(|| Process::new(&hcs, raw, 0, &subject)),
                )
            },
            |output, process| Process::created(process, output),
        )
    }

    /// `HcsOpenProcess`: opens a process of this system by id (no stdio).
    pub fn open_process(&self, process_id: u32, access: Access) -> Result<Process> {
        let f = self.hcs().api.HcsOpenProcess()?;
        let mut raw: HCS_PROCESS = std::ptr::null_mut();
        call(
            "HcsOpenProcess",
            &self.subject().process(process_id),
            &[],
            // SAFETY: valid handle and out-pointer.
            || unsafe { f(self.as_raw(), process_id, access.0, &mut raw) },
        )?;
        if raw.is_null() {
            return Err(Error::hcs(HResult::E_HANDLE, "HcsOpenProcess", None));
        }
        Ok(Process::new(self.hcs(), raw, process_id, self.subject()))
    }
}

impl Process {
    fn new(hcs: &Hcs, raw: HCS_PROCESS, process_id: u32, system: &Subject) -> Process {
        Process {
            hcs: *hcs,
            raw,
            process_id,
            stdin: None,
            stdout: None,
            stderr: None,
            registrations: Registrations::default(),
            subject: system.process(process_id),
        }
    }

    /// The process an `HcsCreateProcess` call made, with the id and standard
    /// I/O handles from the runtime's own read of that operation.
    fn created(process: Option<Process>, output: OperationOutput) -> Result<Process> {
        let mut process =
            process.ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateProcess", None))?;
        if let Some(info) = output.process {
            // SAFETY: the runtime read its own HcsCreateProcess operation once,
            // and this is the read that hands the handles out.
            unsafe { process.adopt(info) };
        }
        Ok(process)
    }

    /// Takes ownership of the standard I/O handles in `info`: the one place
    /// the runtime owns them (see [`ProcessInformation`]).
    ///
    /// # Safety
    /// The handles must have been handed to us by HCS and be owned by nobody
    /// else.
    unsafe fn adopt(&mut self, info: ProcessInformation) {
        // SAFETY: forwarded to the caller.
        let own = |value: Option<RawHandleValue>| {
            value.and_then(|value| unsafe { StdioHandle::from_raw(value.0 as HANDLE) })
        };
        self.subject = self.subject.process(info.process_id);
        self.process_id = info.process_id;
        self.stdin = own(info.stdin);
        self.stdout = own(info.stdout);
        self.stderr = own(info.stderr);
    }

    /// The process id in the compute system.
    pub fn id(&self) -> u32 {
        self.process_id
    }

    /// Takes the process's stdin pipe (write end), if it was created with one.
    pub fn take_stdin(&mut self) -> Option<StdioHandle> {
        self.stdin.take()
    }

    /// Takes the process's stdout pipe (read end), if it was created with one.
    pub fn take_stdout(&mut self) -> Option<StdioHandle> {
        self.stdout.take()
    }

    /// Takes the process's stderr pipe (read end), if it was created with one.
    pub fn take_stderr(&mut self) -> Option<StdioHandle> {
        self.stderr.take()
    }

    fn process_op(
        &self,
        function: &'static str,
        get: fn(&Api) -> Result<ProcessOp>,
        options: Option<WideString>,
    ) -> Result<()> {
        let f = get(self.hcs.api)?;
        let raw = self.raw;
        let options = options.as_ref();
        run_blocking(
            &self.hcs,
            function,
            &self.subject,
            &[options],
            false,
            |op| {
                // SAFETY: valid handles; the options outlive the call.
                unsafe { f(raw, op, opt_ptr(options)) }
            },
        )
        .map(drop)
    }

    fn process_op_async(
        &self,
        function: &'static str,
        get: fn(&Api) -> Result<ProcessOp>,
        options: Result<Option<WideString>>,
    ) -> OperationFuture<()> {
        let (f, options) = match get(self.hcs.api).and_then(|f| Ok((f, options?))) {
            Ok(prepared) => prepared,
            Err(error) => return OperationFuture::failed(error),
        };
        let raw = self.raw;
        OperationFuture::start(
            &self.hcs,
            function,
            &self.subject,
            &[options.as_ref()],
            false,
            |op| {
                // SAFETY: valid handles; the options outlive the call.
                unsafe { f(raw, op, opt_ptr(options.as_ref())) }
            },
            |_| Ok(()),
        )
    }

    /// `HcsTerminateProcess`, waiting.
    pub fn terminate(&self) -> Result<()> {
        self.process_op("HcsTerminateProcess", Api::HcsTerminateProcess, None)
    }

    /// `HcsTerminateProcess` with raw JSON options, waiting.
    pub fn terminate_raw(&self, options: Option<&str>) -> Result<()> {
        let options = encode_optional("HcsTerminateProcess", options)?;
        self.process_op("HcsTerminateProcess", Api::HcsTerminateProcess, options)
    }

    /// `HcsTerminateProcess` as a future.
    pub fn terminate_async(&self) -> OperationFuture<()> {
        self.process_op_async("HcsTerminateProcess", Api::HcsTerminateProcess, Ok(None))
    }

    /// `HcsSignalProcess` with typed options, waiting.
    pub fn signal(&self, options: &SignalProcessOptions) -> Result<()> {
        let options = encode_schema(&self.hcs, "HcsSignalProcess", options)?;
        self.process_op("HcsSignalProcess", Api::HcsSignalProcess, Some(options))
    }

    /// `HcsSignalProcess` with raw JSON options, waiting.
    pub fn signal_raw(&self, options: Option<&str>) -> Result<()> {
        let options = encode_optional("HcsSignalProcess", options)?;
        self.process_op("HcsSignalProcess", Api::HcsSignalProcess, options)
    }

    /// `HcsSignalProcess` as a future.
    pub fn signal_async(&self, options: &SignalProcessOptions) -> OperationFuture<()> {
        let options = encode_schema(&self.hcs, "HcsSignalProcess", options).map(Some);
        self.process_op_async("HcsSignalProcess", Api::HcsSignalProcess, options)
    }

    /// `HcsModifyProcess` with a typed request, waiting.
    pub fn modify(&self, request: &ProcessModifyRequest) -> Result<()> {
        let request = encode_schema(&self.hcs, "HcsModifyProcess", request)?;
        self.process_op("HcsModifyProcess", Api::HcsModifyProcess, Some(request))
    }

    /// `HcsModifyProcess` with a raw JSON request, waiting.
    pub fn modify_raw(&self, request: &str) -> Result<()> {
        let request = encode_document("HcsModifyProcess", request)?;
        self.process_op("HcsModifyProcess", Api::HcsModifyProcess, Some(request))
    }

    /// `HcsModifyProcess` as a future.
    pub fn modify_async(&self, request: &ProcessModifyRequest) -> OperationFuture<()> {
        let request = encode_schema(&self.hcs, "HcsModifyProcess", request).map(Some);
        self.process_op_async("HcsModifyProcess", Api::HcsModifyProcess, request)
    }

    /// `HcsGetProcessProperties` with any query type, decoding any type.
    pub fn properties_as<Q: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        query: &Q,
    ) -> Result<R> {
        let query = encode_typed("HcsGetProcessProperties", query)?;
        let document = self.properties_encoded(Some(query))?;
        decode_document("HcsGetProcessProperties", document)
    }

    /// `HcsGetProcessProperties` with a raw JSON query (or none), returning
    /// the raw result.
    pub fn properties_raw(&self, query: Option<&str>) -> Result<String> {
        let query = encode_optional("HcsGetProcessProperties", query)?;
        Ok(self.properties_encoded(query)?.unwrap_or_default())
    }

    fn properties_encoded(&self, query: Option<WideString>) -> Result<Option<String>> {
        let f = self.hcs.api.HcsGetProcessProperties()?;
        let raw = self.raw;
        let query = query.as_ref();
        run_blocking(
            &self.hcs,
            "HcsGetProcessProperties",
            &self.subject,
            &[query],
            false,
            |op| {
                // SAFETY: valid handles; the query outlives the call.
                unsafe { f(raw, op, opt_ptr(query)) }
            },
        )
        .map(|output| output.document)
    }

    /// `HcsGetProcessInfo`: the process's startup information, as HCS reports
    /// it. The standard I/O handle values are reported, not owned (no page
    /// says whether HCS reports them again, or NULL, after the
    /// `HcsCreateProcess` result handed them out; this `Process` owns those:
    /// [`Process::take_stdout`] and friends).
    pub fn info(&self) -> Result<ProcessInformation> {
        let f = self.hcs.api.HcsGetProcessInfo()?;
        let raw = self.raw;
        let output = run_blocking(
            &self.hcs,
            "HcsGetProcessInfo",
            &self.subject,
            &[],
            true,
            |op| {
                // SAFETY: valid handles.
                unsafe { f(raw, op) }
            },
        )?;
        Ok(output.process.unwrap_or_default())
    }

    /// `HcsGetProcessInfo` as a future.
    pub fn info_async(&self) -> OperationFuture<ProcessInformation> {
        let f = match self.hcs.api.HcsGetProcessInfo() {
            Ok(f) => f,
            Err(error) => return OperationFuture::failed(error),
        };
        let raw = self.raw;
        OperationFuture::start(
            &self.hcs,
            "HcsGetProcessInfo",
            &self.subject,
            &[],
            true,
            |op| {
                // SAFETY: valid handles.
                unsafe { f(raw, op) }
            },
            |output| Ok(output.process.unwrap_or_default()),
        )
    }

    /// `HcsWaitForProcessExit`: waits at most `timeout` (`None`: forever)
    /// and decodes the `ProcessStatus` (with the exit code).
    pub fn wait_for_exit(&self, timeout: Option<Duration>) -> Result<ProcessStatus> {
        let document = self.wait_for_exit_raw(timeout)?;
        decode_document("HcsWaitForProcessExit", document)
    }

    /// `HcsWaitForProcessExit`, returning the raw result document.
    pub fn wait_for_exit_raw(&self, timeout: Option<Duration>) -> Result<Option<String>> {
        let f = self.hcs.api.HcsWaitForProcessExit()?;
        call_returning(
            self.hcs.api,
            "HcsWaitForProcessExit",
            &self.subject,
            &[],
            // SAFETY: valid handle and out-pointer.
            |result| unsafe { f(self.raw, timeout_ms(timeout), result) },
        )
    }

    /// `HcsSetProcessCallback`: calls `callback` on an HCS thread for every
    /// event of this process (see [`ComputeSystem::set_event_callback`]).
    pub fn set_event_callback<F>(&self, options: EventOptions, callback: F) -> Result<()>
    where
        F: Fn(Event) + Send + Sync + 'static,
    {
        let f = self.hcs.api.HcsSetProcessCallback()?;
        let raw = self.raw;
        self.registrations.register(
            "HcsSetProcessCallback",
            &self.subject,
            std::sync::Arc::new(callback),
            |context| {
                // SAFETY: valid handle; the context is an integer key, not a pointer.
                unsafe { f(raw, options.0, context, Some(event_callback)) }
            },
        )
    }

    /// The process's events as a blocking iterator and async stream; ends
    /// when this handle is closed.
    pub fn events(&self, options: EventOptions) -> Result<EventReceiver> {
        let (sender, receiver) = channel();
        self.set_event_callback(options, move |event| sender.send(event))?;
        Ok(receiver)
    }

    /// The raw `HCS_PROCESS`, still owned by `self`.
    pub fn as_raw(&self) -> HCS_PROCESS {
        self.raw
    }

    /// The raw handle value, for comparing and logging.
    pub fn raw_value(&self) -> RawHandleValue {
        RawHandleValue(self.raw as usize)
    }

    /// Gives up ownership of the handle without closing it (the stdio
    /// handles not taken are closed).
    #[must_use]
    pub fn into_raw(self) -> HCS_PROCESS {
        self.registrations.clear();
        let raw = self.raw;
        let mut this = std::mem::ManuallyDrop::new(self);
        drop(this.stdin.take());
        drop(this.stdout.take());
        drop(this.stderr.take());
        raw
    }

    /// Takes ownership of a process handle.
    ///
    /// # Safety
    /// `raw` must be a valid, open `HCS_PROCESS` of the library `hcs` wraps,
    /// owned by nobody else.
    pub unsafe fn from_raw(hcs: &Hcs, raw: HCS_PROCESS, process_id: u32) -> Process {
        Process::new(hcs, raw, process_id, &Subject::NONE)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(close) = self.hcs.api.HcsCloseProcess() {
            // SAFETY: we own the handle; it is closed exactly once.
            call_void("HcsCloseProcess", &self.subject, || unsafe {
                close(self.raw)
            });
        }
        self.registrations.clear();
    }
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("raw", &self.raw_value())
            .field("process_id", &self.process_id)
            .finish()
    }
}

/// A process whose creation completed after its caller stopped waiting: its
/// standard I/O handles (handed out by that completion) are closed and it is
/// terminated, so nothing keeps running in the guest that nobody owns.
impl Abandon for Process {
    fn abandon(mut self, outcome: &Result<OperationOutput>) {
        let Ok(output) = outcome else {
            return;
        };
        if let Some(info) = output.process {
            // SAFETY: the outcome of the runtime's own read of its
            // HcsCreateProcess operation, the one that hands the handles out.
            unsafe { self.adopt(info) };
        }
        spawn_cleanup(move || {
            let mut process = self;
            process.hcs = process.hcs.with_timeout(None);
            let _ = process.terminate();
        });
    }
}
