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
use crate::ffi::{Api, HCS_PROCESS, pfn};
use crate::hresult::HResult;
use crate::library::{Hcs, timeout_ms};
use crate::operation::{OperationFuture, ProcessInformation, run_blocking};
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
        let mut raw: HCS_PROCESS = std::ptr::null_mut();
        let out: *mut HCS_PROCESS = &mut raw;
        let result = run_blocking(
            self.hcs(),
            "HcsCreateProcess",
            self.subject(),
            &[Some(&parameters)],
            true,
            |op| {
                // SAFETY: valid handles; the parameters and out-pointer outlive the call.
                unsafe { f(system, parameters.as_ptr(), op, std::ptr::null(), out) }
            },
        );
        let process = (!raw.is_null()).then(|| {
            Process::new(
                self.hcs(),
                raw,
                ProcessInformation::default(),
                self.subject(),
            )
        });
        let output = result?;
        let mut process =
            process.ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateProcess", None))?;
        if let Some(info) = output.process {
            process.set_info(info);
        }
        Ok(process)
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
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None::<Process>));
        let decoder_slot = slot.clone();
        OperationFuture::start(
            self.hcs(),
            "HcsCreateProcess",
            self.subject(),
            &[Some(&parameters)],
            true,
            |op| {
                let mut raw: HCS_PROCESS = std::ptr::null_mut();
                // SAFETY: valid handles; the parameters and out-pointer outlive the call.
                let hr = unsafe { f(system, parameters.as_ptr(), op, std::ptr::null(), &mut raw) };
                if !raw.is_null() {
                    *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Process::new(
                        &hcs,
                        raw,
                        ProcessInformation::default(),
                        self.subject(),
                    ));
                }
                hr
            },
            move |output| {
                let mut process = decoder_slot
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .ok_or_else(|| Error::hcs(HResult::E_HANDLE, "HcsCreateProcess", None))?;
                if let Some(info) = output.process {
                    process.set_info(info);
                }
                Ok(process)
            },
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
        let info = ProcessInformation {
            process_id,
            ..ProcessInformation::default()
        };
        Ok(Process::new(self.hcs(), raw, info, self.subject()))
    }
}

impl Process {
    fn new(hcs: &Hcs, raw: HCS_PROCESS, info: ProcessInformation, system: &Subject) -> Process {
        Process {
            hcs: *hcs,
            raw,
            process_id: info.process_id,
            stdin: info.stdin,
            stdout: info.stdout,
            stderr: info.stderr,
            registrations: Registrations::default(),
            subject: system.process(info.process_id),
        }
    }

    fn set_info(&mut self, info: ProcessInformation) {
        self.subject = self.subject.process(info.process_id);
        self.process_id = info.process_id;
        self.stdin = info.stdin;
        self.stdout = info.stdout;
        self.stderr = info.stderr;
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

    /// `HcsGetProcessInfo`: the process's startup information (id and
    /// stdio handles HCS hands out again).
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
        Process::new(
            hcs,
            raw,
            ProcessInformation {
                process_id,
                ..ProcessInformation::default()
            },
            &Subject::NONE,
        )
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
