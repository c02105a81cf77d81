//! The computecore.dll exports: operations, compute systems, processes, service functions.
//!
//! Every export wraps its body in `catch_unwind` (a panic becomes `E_FAIL`, or NULL / no-op for
//! functions without an HRESULT) and takes handles as opaque integers looked up in the handle
//! table, so a stale or forged handle is `E_HANDLE`, never a dereference.

//!
//! # Safety
//!
//! These are C ABI entry points: every pointer argument must satisfy the contract of the HCS C
//! API (NULL where the API allows it, otherwise valid: NUL-terminated UTF-16 strings, writable
//! out-parameters, callbacks with the documented signature). Handles are never dereferenced.

#![allow(
    non_snake_case,
    clippy::missing_safety_doc,
    clippy::upper_case_acronyms
)]

use std::ffi::c_void;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::engine::*;
use crate::hresult::*;
use crate::process::{self, Behaviour, StdioSet};
use crate::schema::{self, Acceptance};
use crate::wide;

type HANDLE = *mut c_void;
type PCWSTR = *const u16;
type PWSTR = *mut u16;

/// Runs an export body: `Ok` is `S_OK`, `Err` its code, a panic `E_FAIL`.
pub(crate) fn ffi(f: impl FnOnce() -> Result<(), HcsError>) -> HRESULT {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => S_OK,
        Ok(Err(e)) => e.code,
        Err(_) => E_FAIL,
    }
}

/// Validates an optional document of schema type `ty` (`HCS_E_INVALID_JSON` naming the field).
pub(crate) fn parse_doc(
    max: Acceptance,
    ty: &str,
    text: Option<&str>,
) -> Result<Option<Value>, HcsError> {
    match text {
        None => Ok(None),
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => schema::validate_named(ty, t, max)
            .map(Some)
            .map_err(|e| HcsError::with(HCS_E_INVALID_JSON, format!("{ty}: {e}"))),
    }
}

/// Checks a document whose type HCS does not define (it must be JSON).
fn parse_free(text: Option<&str>) -> Result<(), HcsError> {
    match text {
        Some(t) if !t.trim().is_empty() => serde_json::from_str::<Value>(t)
            .map(drop)
            .map_err(|e| HcsError::with(HCS_E_INVALID_JSON, e)),
        _ => Ok(()),
    }
}

enum Target {
    System(u64),
    Detached,
}

type Prepared = (Target, Work, Option<Box<dyn FnOnce() + Send>>);

/// Starts an asynchronous call tracked by `op`. Failures found here are returned and also
/// recorded as the operation's result (unless the operation itself is unusable).
fn submit(
    op: HANDLE,
    op_type: i32,
    system: HANDLE,
    process: HANDLE,
    prepare: impl FnOnce(&mut State) -> Result<Prepared, HcsError>,
) -> Result<(), HcsError> {
    if op.is_null() {
        return Err(HcsError::with(E_INVALIDARG, "operation is NULL"));
    }
    let op = op as usize;
    let mut sink = Deliveries::default();
    let emu = emu();
    let (r, detached) = {
        let mut st = emu.lock();
        // With operation callbacks enabled on the handle, operations with their own callback
        // are refused (HCS_EVENT_OPTIONS documentation).
        let own_callback = st
            .op_mut(op)
            .is_ok_and(|o| o.completion.is_some() || o.event.is_some());
        if own_callback
            && [system as usize, process as usize]
                .iter()
                .any(|h| st.operation_callbacks_of(*h).is_some())
        {
            return Err(HcsError::with(
                HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET,
                "the handle has operation callbacks enabled; use an operation without a callback",
            ));
        }
        let generation = st.begin_op(op, op_type, system as usize, process as usize)?;
        let injected = st
            .config
            .take_injected(function_name(op_type, !process.is_null()))
            .map(|code| Err(HcsError::with(code, "injected by HcsEmulatorConfigure")));
        match injected.unwrap_or_else(|| prepare(&mut st)) {
            Ok((Target::System(uid), work, on_cancel)) => {
                st.enqueue(uid, op, generation, work, on_cancel);
                (Ok(()), None)
            }
            Ok((Target::Detached, work, _)) => (Ok(()), Some((generation, work))),
            Err(e) => {
                st.complete_op(op, generation, Err(e.clone()), None, false, &mut sink);
                emu.notify();
                (Err(e), None)
            }
        }
    };
    sink.deliver();
    if let Some((generation, work)) = detached {
        spawn_detached(op, generation, work);
    }
    r
}

/// The export that started a call of this operation type.
pub(crate) fn function_name(op_type: i32, on_process: bool) -> &'static str {
    match (op_type, on_process) {
        (optype::ENUMERATE, _) => "HcsEnumerateComputeSystems",
        (optype::CREATE, _) => "HcsCreateComputeSystem",
        (optype::START, _) => "HcsStartComputeSystem",
        (optype::SHUTDOWN, _) => "HcsShutDownComputeSystem",
        (optype::PAUSE, _) => "HcsPauseComputeSystem",
        (optype::RESUME, _) => "HcsResumeComputeSystem",
        (optype::SAVE, _) => "HcsSaveComputeSystem",
        (optype::TERMINATE, false) => "HcsTerminateComputeSystem",
        (optype::TERMINATE, true) => "HcsTerminateProcess",
        (optype::MODIFY, _) => "HcsModifyComputeSystem",
        (optype::GET_PROPERTIES, _) => "HcsGetComputeSystemProperties",
        (optype::CREATE_PROCESS, _) => "HcsCreateProcess",
        (optype::SIGNAL_PROCESS, _) => "HcsSignalProcess",
        (optype::GET_PROCESS_INFO, _) => "HcsGetProcessInfo",
        (optype::GET_PROCESS_PROPERTIES, _) => "HcsGetProcessProperties",
        (optype::MODIFY_PROCESS, _) => "HcsModifyProcess",
        (optype::CRASH, _) => "HcsCrashComputeSystem",
        _ => "",
    }
}

/// The functions `HcsEmulatorConfigure` can inject failures into.
pub(crate) const INJECTABLE: &[&str] = &[
    "HcsEnumerateComputeSystems",
    "HcsCreateComputeSystem",
    "HcsStartComputeSystem",
    "HcsShutDownComputeSystem",
    "HcsPauseComputeSystem",
    "HcsResumeComputeSystem",
    "HcsSaveComputeSystem",
    "HcsTerminateComputeSystem",
    "HcsTerminateProcess",
    "HcsModifyComputeSystem",
    "HcsGetComputeSystemProperties",
    "HcsCreateProcess",
    "HcsSignalProcess",
    "HcsGetProcessInfo",
    "HcsGetProcessProperties",
    "HcsModifyProcess",
    "HcsCrashComputeSystem",
    "HcsGetServiceProperties",
];

fn system_target(st: &State, uid: u64) -> Target {
    if st.systems.contains_key(&uid) {
        Target::System(uid)
    } else {
        Target::Detached
    }
}

// ---------------------------------------------------------------------------------------------
// Operations

/// `HcsCreateOperation`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateOperation(
    context: *const c_void,
    callback: OperationCompletion,
) -> HANDLE {
    catch_unwind(|| emu().lock().add_operation(context as usize, callback, None) as HANDLE)
        .unwrap_or(std::ptr::null_mut())
}

/// `HcsCreateOperationWithNotifications`: the callback receives `HcsEventOperationCallback`
/// with the result document when the tracked call completes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateOperationWithNotifications(
    options: i32,
    context: *const c_void,
    callback: EventCallback,
) -> HANDLE {
    catch_unwind(|| {
        let Some(cb) = callback else {
            return std::ptr::null_mut();
        };
        let reg = EventReg {
            callback: cb,
            context: context as usize,
            options: options as u32,
        };
        emu()
            .lock()
            .add_operation(context as usize, None, Some(reg)) as HANDLE
    })
    .unwrap_or(std::ptr::null_mut())
}

fn close(handle: HANDLE, kind: HandleKind) {
    let _ = catch_unwind(|| {
        let guard = with_state(|st, sink| st.close_handle(handle as usize, kind, sink));
        if let Some(g) = guard {
            g.close();
        }
    });
}

/// `HcsCloseOperation`: a pending call keeps running, but its completion is not reported and
/// no callback of this operation runs after this returns.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCloseOperation(operation: HANDLE) {
    close(operation, HandleKind::Operation)
}

/// `HcsGetOperationContext`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationContext(operation: HANDLE) -> *mut c_void {
    catch_unwind(|| {
        emu()
            .lock()
            .op_mut(operation as usize)
            .map_or(std::ptr::null_mut(), |o| o.context as *mut c_void)
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `HcsSetOperationContext`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetOperationContext(
    operation: HANDLE,
    context: *const c_void,
) -> HRESULT {
    ffi(|| {
        emu().lock().op_mut(operation as usize)?.context = context as usize;
        Ok(())
    })
}

/// `HcsGetComputeSystemFromOperation`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetComputeSystemFromOperation(operation: HANDLE) -> HANDLE {
    catch_unwind(|| {
        emu()
            .lock()
            .op_mut(operation as usize)
            .map_or(std::ptr::null_mut(), |o| o.system as HANDLE)
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `HcsGetProcessFromOperation`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetProcessFromOperation(operation: HANDLE) -> HANDLE {
    catch_unwind(|| {
        emu()
            .lock()
            .op_mut(operation as usize)
            .map_or(std::ptr::null_mut(), |o| o.process as HANDLE)
    })
    .unwrap_or(std::ptr::null_mut())
}

/// `HcsGetOperationType` (`HcsOperationTypeNone` for an invalid handle or an unused operation).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationType(operation: HANDLE) -> i32 {
    catch_unwind(|| {
        emu()
            .lock()
            .op_mut(operation as usize)
            .map_or(optype::NONE, |o| o.op_type)
    })
    .unwrap_or(optype::NONE)
}

/// `HcsGetOperationId` (`HCS_INVALID_OPERATION_ID` for an invalid handle).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationId(operation: HANDLE) -> u64 {
    catch_unwind(|| {
        emu()
            .lock()
            .op_mut(operation as usize)
            .map_or(u64::MAX, |o| o.id)
    })
    .unwrap_or(u64::MAX)
}

/// Reads an operation's result, optionally waiting.
fn op_result(
    operation: HANDLE,
    deadline: Option<Option<std::time::Instant>>,
    info: *mut HcsProcessInformation,
    doc: *mut PWSTR,
) -> Result<(), HcsError> {
    // SAFETY: `doc` is NULL or a caller-provided writable pointer.
    unsafe { wide::clear(doc) };
    if !info.is_null() {
        // SAFETY: `info` is a caller-provided writable HCS_PROCESS_INFORMATION.
        unsafe {
            info.write(HcsProcessInformation {
                process_id: 0,
                reserved: 0,
                std_input: std::ptr::null_mut(),
                std_output: std::ptr::null_mut(),
                std_error: std::ptr::null_mut(),
            })
        };
    }
    let emu = emu();
    let mut st = emu.lock();
    loop {
        let o = st.op_mut(operation as usize)?;
        match &mut o.status {
            OpStatus::Idle => return Err(HcsError::new(HCS_E_OPERATION_NOT_STARTED)),
            OpStatus::Pending => {
                let Some(d) = deadline else {
                    return Err(HcsError::new(HCS_E_OPERATION_PENDING));
                };
                let (g, in_time) = emu.wait(st, d);
                st = g;
                if !in_time {
                    return Err(HcsError::new(HCS_E_OPERATION_TIMEOUT));
                }
            }
            OpStatus::Done {
                hr,
                doc: d,
                process,
                ..
            } => {
                // SAFETY: as above.
                unsafe { wide::store(doc, d.as_deref()) };
                if *hr < 0 {
                    return Err(HcsError::new(*hr));
                }
                if !info.is_null() {
                    let Some((pid, stdio)) = process else {
                        return Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE));
                    };
                    let stdio = std::mem::take(stdio);
                    // SAFETY: `info` is a caller-provided writable HCS_PROCESS_INFORMATION.
                    unsafe {
                        info.write(HcsProcessInformation {
                            process_id: *pid,
                            reserved: 0,
                            std_input: process::into_handle(stdio.stdin),
                            std_output: process::into_handle(stdio.stdout),
                            std_error: process::into_handle(stdio.stderr),
                        })
                    };
                }
                return Ok(());
            }
        }
    }
}

/// `HcsGetOperationResult`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationResult(
    operation: HANDLE,
    resultDocument: *mut PWSTR,
) -> HRESULT {
    ffi(|| op_result(operation, None, std::ptr::null_mut(), resultDocument))
}

/// `HcsGetOperationResultAndProcessInfo`: the standard I/O handles are handed out once (see
/// the crate docs); later calls report NULL handles.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationResultAndProcessInfo(
    operation: HANDLE,
    processInformation: *mut HcsProcessInformation,
    resultDocument: *mut PWSTR,
) -> HRESULT {
    ffi(|| op_result(operation, None, processInformation, resultDocument))
}

/// `HcsWaitForOperationResult`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsWaitForOperationResult(
    operation: HANDLE,
    timeoutMs: u32,
    resultDocument: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        op_result(
            operation,
            Some(deadline(timeoutMs)),
            std::ptr::null_mut(),
            resultDocument,
        )
    })
}

/// `HcsWaitForOperationResultAndProcessInfo`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsWaitForOperationResultAndProcessInfo(
    operation: HANDLE,
    timeoutMs: u32,
    processInformation: *mut HcsProcessInformation,
    resultDocument: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        op_result(
            operation,
            Some(deadline(timeoutMs)),
            processInformation,
            resultDocument,
        )
    })
}

/// `HcsSetOperationCallback` (`HCS_E_OPERATION_ALREADY_STARTED` while a call is pending).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetOperationCallback(
    operation: HANDLE,
    context: *const c_void,
    callback: OperationCompletion,
) -> HRESULT {
    ffi(|| {
        let mut st = emu().lock();
        let o = st.op_mut(operation as usize)?;
        if matches!(o.status, OpStatus::Pending) {
            return Err(HcsError::new(HCS_E_OPERATION_ALREADY_STARTED));
        }
        o.context = context as usize;
        o.completion = callback;
        Ok(())
    })
}

/// `HcsCancelOperation`: a pending call completes at once with
/// `HRESULT_FROM_WIN32(ERROR_CANCELLED)`; if its work has not run yet it never runs.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCancelOperation(operation: HANDLE) -> HRESULT {
    ffi(|| {
        with_state(|st, sink| {
            let o = st.op_mut(operation as usize)?;
            let generation = o.generation;
            match o.status {
                OpStatus::Idle => Err(HcsError::new(HCS_E_OPERATION_NOT_STARTED)),
                OpStatus::Done {
                    cancelled: true, ..
                } => Err(HcsError::new(HCS_E_OPERATION_ALREADY_CANCELLED)),
                OpStatus::Done { .. } => Ok(()),
                OpStatus::Pending => {
                    st.complete_op(
                        operation as usize,
                        generation,
                        Err(HcsError::new(HR_CANCELLED)),
                        None,
                        true,
                        sink,
                    );
                    Ok(())
                }
            }
        })
    })
}

/// `HcsAddResourceToOperation`: recorded and reported by `HcsGetOperationProperties`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsAddResourceToOperation(
    operation: HANDLE,
    r#type: i32,
    uri: PCWSTR,
    _handle: HANDLE,
) -> HRESULT {
    ffi(|| {
        // SAFETY: `uri` is a caller-provided NUL-terminated UTF-16 string.
        let uri = unsafe { wide::read_required(uri, "uri") }?;
        if !(1..=4).contains(&r#type) {
            return Err(HcsError::with(E_INVALIDARG, "unknown HCS_RESOURCE_TYPE"));
        }
        emu()
            .lock()
            .op_mut(operation as usize)?
            .resources
            .push((r#type, uri));
        Ok(())
    })
}

fn operation_type_name(t: i32) -> &'static str {
    match t {
        optype::CREATE => "Construct",
        optype::START => "Start",
        optype::PAUSE => "Pause",
        optype::RESUME => "Resume",
        optype::SHUTDOWN => "Shutdown",
        optype::TERMINATE => "Terminate",
        optype::SAVE => "Save",
        optype::GET_PROPERTIES | optype::GET_PROCESS_PROPERTIES => "GetProperties",
        optype::MODIFY => "Modify",
        optype::CRASH => "Crash",
        optype::CREATE_PROCESS => "ExecuteProcess",
        optype::GET_PROCESS_INFO => "GetProcessInfo",
        optype::SIGNAL_PROCESS => "SignalProcess",
        optype::MODIFY_PROCESS => "ModifyProcess",
        _ => "None",
    }
}

/// `HcsGetOperationProperties`: an `OperationInfo` document.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetOperationProperties(
    operation: HANDLE,
    options: PCWSTR,
    resultDocument: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        // SAFETY: `resultDocument` is NULL or writable.
        unsafe { wide::clear(resultDocument) };
        if resultDocument.is_null() {
            return Err(HcsError::with(E_POINTER, "resultDocument is NULL"));
        }
        // SAFETY: `options` is NULL or a caller-provided string.
        parse_free(unsafe { wide::read(options) }?.as_deref())?;
        let mut st = emu().lock();
        let o = st.op_mut(operation as usize)?;
        let mut doc = json!({ "Operation": operation_type_name(o.op_type) });
        if let Some(t) = o.started {
            doc["StartTimestamp"] = rfc3339(t).into();
        }
        if let Some(t) = o.ended {
            doc["EndTimestamp"] = rfc3339(t).into();
        }
        if let OpStatus::Done { hr, .. } = o.status {
            if hr < 0 {
                doc["FailureInfo"] = json!({ "Result": hr });
            }
        }
        let s = doc.to_string();
        // SAFETY: checked non-NULL above.
        unsafe { wide::store(resultDocument, Some(&s)) };
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Compute systems

fn summary(s: &System) -> Value {
    let mut v = json!({
        "Id": s.id,
        "SystemType": s.system_type(),
        "Name": s.id,
        "State": s.state.as_str(),
        "RuntimeId": s.runtime_id,
        "RuntimeOsType": os_type(s),
    });
    if let Some(owner) = s.doc.get("Owner").and_then(Value::as_str) {
        v["Owner"] = owner.into();
    }
    if let Some(h) = s.doc.get("HostingSystemId").and_then(Value::as_str) {
        v["HostingSystemId"] = h.into();
    }
    v
}

fn os_type(s: &System) -> &'static str {
    if s.doc
        .pointer("/VirtualMachine/Chipset/LinuxKernelDirect")
        .is_some()
    {
        "Linux"
    } else {
        "Windows"
    }
}

fn enumerate(namespace: Option<String>, query: PCWSTR, operation: HANDLE) -> Result<(), HcsError> {
    // SAFETY: `query` is NULL or a caller-provided string.
    let query = unsafe { wide::read(query) };
    submit(
        operation,
        optype::ENUMERATE,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        |st| {
            let q = parse_doc(st.config.acceptance(), "SystemQuery", query?.as_deref())?
                .unwrap_or_default();
            let work: Work = Box::new(move || {
                let st = emu().lock();
                let list = |k: &str| -> Option<Vec<String>> {
                    q.get(k)?.as_array().map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                            .collect()
                    })
                };
                let (ids, names, types, owners) =
                    (list("Ids"), list("Names"), list("Types"), list("Owners"));
                let ok = |filter: &Option<Vec<String>>, v: &str| {
                    filter
                        .as_ref()
                        .is_none_or(|f| f.contains(&v.to_ascii_lowercase()))
                };
                let mut systems: Vec<&System> = st
                    .systems
                    .values()
                    .filter(|s| s.state != SysState::Creating)
                    .filter(|s| {
                        namespace
                            .as_ref()
                            .is_none_or(|n| s.namespace.eq_ignore_ascii_case(n))
                    })
                    .filter(|s| ok(&ids, &s.id) && ok(&names, &s.id) && ok(&types, s.system_type()))
                    .filter(|s| {
                        ok(
                            &owners,
                            s.doc.get("Owner").and_then(Value::as_str).unwrap_or(""),
                        )
                    })
                    .collect();
                systems.sort_by_key(|s| s.uid);
                let arr: Vec<Value> = systems.into_iter().map(summary).collect();
                Outcome::result(Ok(Some(Value::Array(arr).to_string())))
            });
            Ok((Target::Detached, work, None))
        },
    )
}

/// `HcsEnumerateComputeSystems`: the result is a JSON array of `ComputeSystemProperties`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsEnumerateComputeSystems(
    query: PCWSTR,
    operation: HANDLE,
) -> HRESULT {
    ffi(|| enumerate(None, query, operation))
}

/// `HcsEnumerateComputeSystemsInNamespace`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsEnumerateComputeSystemsInNamespace(
    idNamespace: PCWSTR,
    query: PCWSTR,
    operation: HANDLE,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let ns = unsafe { wide::read_required(idNamespace, "idNamespace") }?;
        enumerate(Some(ns), query, operation)
    })
}

/// `HCS_CREATE_OPTIONS_1`.
#[repr(C)]
struct CreateOptions1 {
    version: i32,
    user_token: HANDLE,
    security_descriptor: *const c_void,
    callback_options: i32,
    callback_context: *mut c_void,
    callback: EventCallback,
}

fn create(
    namespace: &str,
    id: PCWSTR,
    configuration: PCWSTR,
    operation: HANDLE,
    reg: Option<EventReg>,
    computeSystem: *mut HANDLE,
) -> Result<(), HcsError> {
    if computeSystem.is_null() {
        return Err(HcsError::with(E_POINTER, "computeSystem is NULL"));
    }
    // SAFETY: checked non-NULL; the caller provides a writable HCS_SYSTEM.
    unsafe { *computeSystem = std::ptr::null_mut() };
    // SAFETY: caller-provided strings.
    let id = unsafe { wide::read_required(id, "id") };
    // SAFETY: caller-provided strings.
    let config = unsafe { wide::read_required(configuration, "configuration") };
    let namespace = namespace.to_string();
    let out = computeSystem as usize;
    submit(
        operation,
        optype::CREATE,
        std::ptr::null_mut(),
        std::ptr::null_mut(),
        move |st| {
            let id = id?;
            if id.is_empty() {
                return Err(HcsError::with(E_INVALIDARG, "id is empty"));
            }
            let doc = parse_doc(st.config.acceptance(), "ComputeSystem", Some(&config?))?
                .ok_or_else(|| HcsError::with(HCS_E_INVALID_JSON, "configuration is empty"))?;
            let kinds = ["Container", "VirtualMachine", "HostedSystem"]
                .iter()
                .filter(|k| doc.get(**k).is_some_and(|v| !v.is_null()))
                .count();
            if kinds != 1 {
                return Err(HcsError::with(
                    HCS_E_INVALID_JSON,
                    "ComputeSystem: exactly one of Container, VirtualMachine or HostedSystem is required",
                ));
            }
            if let Some(host) = doc.get("HostingSystemId").and_then(Value::as_str) {
                if st.find_system(&namespace, host).is_none() {
                    return Err(HcsError::with(
                        HCS_E_SYSTEM_NOT_FOUND,
                        format!("HostingSystemId {host}"),
                    ));
                }
            }
            if st.find_system(&namespace, &id).is_some() {
                return Err(HcsError::with(HCS_E_SYSTEM_ALREADY_EXISTS, id));
            }
            let (uid, handle) = st.add_system(&namespace, &id, doc);
            if let Some(r) = reg {
                if let Some(Handle::System { reg, .. }) = st.handles.get_mut(&handle) {
                    *reg = Some(r);
                }
            }
            if let Ok(o) = st.op_mut(operation as usize) {
                o.system = handle;
            }
            // SAFETY: `out` is the caller's writable HCS_SYSTEM pointer (checked above).
            unsafe { *(out as *mut HANDLE) = handle as HANDLE };
            let work: Work = Box::new(move || {
                with_state(|st, _| {
                    if let Some(s) = st.systems.get_mut(&uid) {
                        if s.state == SysState::Creating {
                            s.state = SysState::Created;
                        }
                    }
                });
                Outcome::result(Ok(None))
            });
            let on_cancel: Box<dyn FnOnce() + Send> = Box::new(move || {
                with_state(|st, _| {
                    if st
                        .systems
                        .get(&uid)
                        .is_some_and(|s| s.state == SysState::Creating)
                    {
                        st.systems.remove(&uid);
                    }
                })
            });
            Ok((Target::System(uid), work, Some(on_cancel)))
        },
    )
}

/// `HcsCreateComputeSystem`: the handle is returned at once; the system is `Created` when the
/// operation completes.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateComputeSystem(
    id: PCWSTR,
    configuration: PCWSTR,
    operation: HANDLE,
    _securityDescriptor: *const c_void,
    computeSystem: *mut HANDLE,
) -> HRESULT {
    ffi(|| create("", id, configuration, operation, None, computeSystem))
}

/// `HcsCreateComputeSystemInNamespace`: `options` may be NULL or point to an
/// `HCS_CREATE_OPTIONS_1` whose callback is registered on the new handle.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateComputeSystemInNamespace(
    idNamespace: PCWSTR,
    id: PCWSTR,
    configuration: PCWSTR,
    operation: HANDLE,
    options: *const i32,
    computeSystem: *mut HANDLE,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let ns = unsafe { wide::read_required(idNamespace, "idNamespace") }?;
        let mut reg = None;
        if !options.is_null() {
            // SAFETY: non-NULL options point at least to the version tag.
            let version = unsafe { *options };
            if version != 0x0001_0000 {
                return Err(HcsError::with(
                    E_INVALIDARG,
                    "unknown HCS_CREATE_OPTIONS version",
                ));
            }
            // SAFETY: the version tag says this is an HCS_CREATE_OPTIONS_1.
            let o = unsafe { &*(options as *const CreateOptions1) };
            if let Some(cb) = o.callback {
                reg = Some(EventReg {
                    callback: cb,
                    context: o.callback_context as usize,
                    options: o.callback_options as u32,
                });
            }
        }
        create(&ns, id, configuration, operation, reg, computeSystem)
    })
}

fn open(namespace: &str, id: PCWSTR, computeSystem: *mut HANDLE) -> Result<(), HcsError> {
    if computeSystem.is_null() {
        return Err(HcsError::with(E_POINTER, "computeSystem is NULL"));
    }
    // SAFETY: checked non-NULL.
    unsafe { *computeSystem = std::ptr::null_mut() };
    // SAFETY: caller-provided string.
    let id = unsafe { wide::read_required(id, "id") }?;
    let mut st = emu().lock();
    let uid = st
        .find_system(namespace, &id)
        .ok_or_else(|| HcsError::with(HCS_E_SYSTEM_NOT_FOUND, &id))?;
    let h = st.open_system(uid);
    // SAFETY: checked non-NULL.
    unsafe { *computeSystem = h as HANDLE };
    Ok(())
}

/// `HcsOpenComputeSystem`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsOpenComputeSystem(
    id: PCWSTR,
    _requestedAccess: u32,
    computeSystem: *mut HANDLE,
) -> HRESULT {
    ffi(|| open("", id, computeSystem))
}

/// `HcsOpenComputeSystemInNamespace`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsOpenComputeSystemInNamespace(
    idNamespace: PCWSTR,
    id: PCWSTR,
    _requestedAccess: u32,
    computeSystem: *mut HANDLE,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let ns = unsafe { wide::read_required(idNamespace, "idNamespace") }?;
        open(&ns, id, computeSystem)
    })
}

/// `HcsCloseComputeSystem`: a stopped system disappears with its last handle; a running one
/// stays (or is terminated if `ShouldTerminateOnLastHandleClosed`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCloseComputeSystem(computeSystem: HANDLE) {
    close(computeSystem, HandleKind::System)
}

type Transition = fn(&mut State, u64, &Value, &mut Deliveries) -> Result<Option<String>, HcsError>;

fn system_call(
    computeSystem: HANDLE,
    operation: HANDLE,
    op_type: i32,
    options_type: Option<&'static str>,
    options: PCWSTR,
    apply: Transition,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let options = unsafe { wide::read(options) };
        submit(
            operation,
            op_type,
            computeSystem,
            std::ptr::null_mut(),
            |st| {
                let uid = st.system_mut(computeSystem as usize)?.uid;
                let options = options?;
                let opts = match options_type {
                    Some(t) => parse_doc(st.config.acceptance(), t, options.as_deref())?
                        .unwrap_or_default(),
                    None => {
                        parse_free(options.as_deref())?;
                        Value::Null
                    }
                };
                let work: Work = Box::new(move || {
                    Outcome::result(with_state(|st, sink| {
                        if !st.systems.contains_key(&uid) {
                            return Err(HcsError::new(HCS_E_SYSTEM_NOT_FOUND));
                        }
                        apply(st, uid, &opts, sink)
                    }))
                });
                Ok((Target::System(uid), work, None))
            },
        )
    })
}

fn sys(st: &mut State, uid: u64) -> &mut System {
    st.systems.get_mut(&uid).expect("checked by system_call")
}

fn invalid_state(s: &System, what: &str) -> HcsError {
    HcsError::with(
        HCS_E_INVALID_STATE,
        format!("cannot {what} a system in state {}", s.state.as_str()),
    )
}

/// `HcsStartComputeSystem`: `Created` → `Running`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsStartComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::START,
        None,
        options,
        |st, uid, _, _| {
            let s = sys(st, uid);
            if s.state != SysState::Created {
                return Err(invalid_state(s, "start"));
            }
            s.state = SysState::Running;
            s.started = Some(SystemTime::now());
            Ok(None)
        },
    )
}

/// `HcsShutDownComputeSystem`: a graceful exit (`SystemExitStatus` `GracefulExit`, status 0).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsShutDownComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::SHUTDOWN,
        Some("ShutdownOptions"),
        options,
        |st, uid, _, sink| {
            if sys(st, uid).state == SysState::Stopped {
                return Err(HcsError::new(HCS_E_SYSTEM_ALREADY_STOPPED));
            }
            st.stop_system(uid, S_OK, "GracefulExit", sink);
            Ok(None)
        },
    )
}

/// `HcsTerminateComputeSystem`: a forced exit (`ForcedExit`, status `HCS_E_TERMINATED`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsTerminateComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::TERMINATE,
        None,
        options,
        |st, uid, _, sink| {
            if sys(st, uid).state == SysState::Stopped {
                return Err(HcsError::new(HCS_E_SYSTEM_ALREADY_STOPPED));
            }
            st.stop_system(uid, HCS_E_TERMINATED, "ForcedExit", sink);
            Ok(None)
        },
    )
}

/// `HcsCrashComputeSystem`: `SystemCrashInitiated`, `SystemCrashReport`, then an unexpected
/// exit (status `HCS_E_GUEST_CRITICAL_ERROR`). The system must be running or paused.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCrashComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::CRASH,
        Some("CrashOptions"),
        options,
        |st, uid, _, sink| {
            let s = sys(st, uid);
            if !matches!(s.state, SysState::Running | SysState::Paused) {
                return Err(invalid_state(s, "crash"));
            }
            let id = s.id.clone();
            let report = json!({ "SystemId": id, "ActivityId": new_guid(), "CrashParameters": [0xE2u64, 0, 0, 0, 0], "CrashLog": "Crash initiated by HcsCrashComputeSystem", "Status": HCS_E_GUEST_CRITICAL_ERROR });
            st.system_event(
                uid,
                event::SYSTEM_CRASH_INITIATED,
                &json!({ "SystemId": id }).to_string(),
                sink,
            );
            st.system_event(uid, event::SYSTEM_CRASH_REPORT, &report.to_string(), sink);
            st.stop_system(uid, HCS_E_GUEST_CRITICAL_ERROR, "UnexpectedExit", sink);
            Ok(None)
        },
    )
}

/// `HcsPauseComputeSystem`: `Running` → `Paused`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsPauseComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::PAUSE,
        Some("PauseOptions"),
        options,
        |st, uid, _, _| {
            let s = sys(st, uid);
            if s.state != SysState::Running {
                return Err(invalid_state(s, "pause"));
            }
            s.state = SysState::Paused;
            Ok(None)
        },
    )
}

/// `HcsResumeComputeSystem`: `Paused` → `Running`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsResumeComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::RESUME,
        None,
        options,
        |st, uid, _, _| {
            let s = sys(st, uid);
            if s.state != SysState::Paused {
                return Err(invalid_state(s, "resume"));
            }
            s.state = SysState::Running;
            s.saved = false;
            Ok(None)
        },
    )
}

/// `HcsSaveComputeSystem`: the system must be paused. `AsTemplate` → `SavedAsTemplate`;
/// otherwise it stays paused, and an absolute `SaveStateFilePath` gets a real file that
/// `HcsGetProcessorCompatibilityFromSavedState` can read.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSaveComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::SAVE,
        Some("SaveOptions"),
        options,
        |st, uid, opts, _| {
            let s = sys(st, uid);
            if s.state != SysState::Paused {
                return Err(invalid_state(s, "save"));
            }
            if opts.get("SaveType").and_then(Value::as_str) == Some("AsTemplate") {
                s.state = SysState::SavedAsTemplate;
            }
            s.saved = true;
            if let Some(path) = opts.get("SaveStateFilePath").and_then(Value::as_str) {
                if Path::new(path).is_absolute() {
                    let content = json!({ "HcsEmulatorSavedState": { "SystemId": s.id, "SystemType": s.system_type(), "ProcessorFeatures": crate::service::processor_features() } });
                    std::fs::write(path, content.to_string()).map_err(|e| from_io(&e))?;
                }
            }
            Ok(None)
        },
    )
}

fn properties(st: &State, s: &System, types: &[String]) -> Value {
    let mut v = summary(s);
    v["Stopped"] = (s.state == SysState::Stopped).into();
    if let Some(e) = &s.exit {
        v["ExitType"] = e.exit_type.into();
    }
    let now = SystemTime::now();
    for t in types {
        match t.as_str() {
            "Memory" => {
                let mb = s
                    .doc
                    .pointer("/VirtualMachine/ComputeTopology/Memory/SizeInMB")
                    .or_else(|| s.doc.pointer("/Container/Memory/SizeInMB"))
                    .and_then(Value::as_u64)
                    .unwrap_or(1024);
                v["Memory"] = json!({
                    "VirtualNodeCount": 1,
                    "VirtualMachineMemory": {
                        "AvailableMemory": mb.min(i32::MAX as u64),
                        "AvailableMemoryBuffer": 0,
                        "ReservedMemory": 0,
                        "AssignedMemory": mb * 256,
                        "SlpActive": false,
                        "BalancingEnabled": false,
                        "DmOperationInProgress": false
                    }
                });
            }
            "Statistics" => {
                let start = s.started.unwrap_or(s.created);
                let up = if s.state == SysState::Stopped || s.started.is_none() {
                    0
                } else {
                    now.duration_since(start).unwrap_or_default().as_nanos() / 100
                };
                v["Statistics"] = json!({
                    "Timestamp": rfc3339(now),
                    "ContainerStartTime": rfc3339(start),
                    "Uptime100ns": up as u64,
                    "Processor": { "TotalRuntime100ns": 0, "RuntimeUser100ns": 0, "RuntimeKernel100ns": 0 },
                    "Memory": { "MemoryUsageCommitBytes": 0, "MemoryUsageCommitPeakBytes": 0, "MemoryUsagePrivateWorkingSetBytes": 0 },
                    "Storage": { "ReadCountNormalized": 0, "ReadSizeBytes": 0, "WriteCountNormalized": 0, "WriteSizeBytes": 0 }
                });
            }
            "ProcessList" => {
                let list: Vec<Value> = s
                    .processes
                    .iter()
                    .filter_map(|pid| st.processes.get(pid))
                    .filter(|p| p.state == ProcState::Running)
                    .map(|p| {
                        json!({
                            "ProcessId": p.pid,
                            "ImageName": p.command_line.split_whitespace().next().unwrap_or(""),
                            "CreateTimestamp": rfc3339(p.created),
                            "UserTime100ns": 0,
                            "KernelTime100ns": 0,
                            "MemoryCommitBytes": 0,
                            "MemoryWorkingSetPrivateBytes": 0,
                            "MemoryWorkingSetSharedBytes": 0
                        })
                    })
                    .collect();
                v["ProcessList"] = list.into();
            }
            "TerminateOnLastHandleClosed" => {
                v["TerminateOnLastHandleClosed"] = s.terminate_on_last_close().into();
            }
            "SharedMemoryRegion" => v["SharedMemoryRegionInfo"] = json!([]),
            "GuestConnection" => {
                v["GuestConnectionInfo"] = json!({
                    "SupportedSchemaVersions": crate::service::versions_json(&st.config),
                    "ProtocolVersion": 4
                });
            }
            _ => {}
        }
    }
    v
}

/// `HcsGetComputeSystemProperties`: the `Properties` document for a `System_PropertyQuery`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetComputeSystemProperties(
    computeSystem: HANDLE,
    operation: HANDLE,
    propertyQuery: PCWSTR,
) -> HRESULT {
    system_call(
        computeSystem,
        operation,
        optype::GET_PROPERTIES,
        Some("System_PropertyQuery"),
        propertyQuery,
        |st, uid, q, _| {
            let types: Vec<String> = q
                .get("PropertyTypes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            let s = st.systems.get(&uid).expect("checked by system_call");
            let mut v = properties(st, s, &types);
            // Schema 2.5 `Queries`: one `PropertyResponse` per requested property.
            if let Some(queries) = q.get("Queries").and_then(Value::as_object) {
                let mut responses = serde_json::Map::new();
                for name in queries.keys() {
                    let field = match name.as_str() {
                        "SharedMemoryRegion" => "SharedMemoryRegionInfo",
                        "GuestConnection" => "GuestConnectionInfo",
                        other => other,
                    };
                    let one = properties(st, s, std::slice::from_ref(name));
                    let response = match one.get(field) {
                        Some(r) if !matches!(name.as_str(), "Id" | "State") => {
                            json!({ "Response": r })
                        }
                        _ => json!({ "Error": {
                            "Error": E_INVALIDARG,
                            "ErrorMessage": format!("{name} is not a property the emulator knows"),
                        } }),
                    };
                    responses.insert(name.clone(), response);
                }
                v["PropertyResponses"] = Value::Object(responses);
            }
            Ok(Some(v.to_string()))
        },
    )
}

/// `HcsModifyComputeSystem`: applies a `ModifySettingRequest` to the stored document (see the
/// crate docs for the resource paths understood).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsModifyComputeSystem(
    computeSystem: HANDLE,
    operation: HANDLE,
    configuration: PCWSTR,
    _identity: HANDLE,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let config = unsafe { wide::read_required(configuration, "configuration") };
        submit(
            operation,
            optype::MODIFY,
            computeSystem,
            std::ptr::null_mut(),
            |st| {
                let uid = st.system_mut(computeSystem as usize)?.uid;
                let max = st.config.acceptance();
                let req = parse_doc(max, "ModifySettingRequest", Some(&config?))?
                    .ok_or_else(|| HcsError::with(HCS_E_INVALID_JSON, "configuration is empty"))?;
                // Check the settings payload now, so the error is synchronous like other
                // validation errors.
                crate::modify::check(&req, max)?;
                let work: Work = Box::new(move || {
                    Outcome::result(with_state(|st, _| {
                        let s = st
                            .systems
                            .get_mut(&uid)
                            .ok_or_else(|| HcsError::new(HCS_E_SYSTEM_NOT_FOUND))?;
                        if s.state == SysState::Stopped {
                            return Err(invalid_state(s, "modify"));
                        }
                        crate::modify::apply(&mut s.doc, &req)?;
                        Ok(None)
                    }))
                });
                Ok((Target::System(uid), work, None))
            },
        )
    })
}

/// `HcsWaitForComputeSystemExit`: the `SystemExitStatus` document once the system stopped.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsWaitForComputeSystemExit(
    computeSystem: HANDLE,
    timeoutMs: u32,
    result: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        // SAFETY: NULL or writable.
        unsafe { wide::clear(result) };
        let d = deadline(timeoutMs);
        let emu = emu();
        let mut st = emu.lock();
        loop {
            let uid = st.system_uid(computeSystem as usize)?;
            let s = st
                .systems
                .get(&uid)
                .ok_or_else(|| HcsError::new(HCS_E_SYSTEM_NOT_FOUND))?;
            if let Some(e) = &s.exit {
                let doc = exit_status_doc(e.status, e.exit_type);
                // SAFETY: NULL or writable.
                unsafe { wide::store(result, Some(&doc)) };
                return Ok(());
            }
            let (g, in_time) = emu.wait(st, d);
            st = g;
            if !in_time {
                return Err(HcsError::new(HCS_E_OPERATION_TIMEOUT));
            }
        }
    })
}

/// `HcsSetComputeSystemCallback`: one callback per handle
/// (`HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET` for a second one).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetComputeSystemCallback(
    computeSystem: HANDLE,
    callbackOptions: i32,
    context: *const c_void,
    callback: EventCallback,
) -> HRESULT {
    ffi(|| {
        let cb = callback.ok_or_else(|| HcsError::with(E_INVALIDARG, "callback is NULL"))?;
        let mut st = emu().lock();
        match st.handles.get_mut(&(computeSystem as usize)) {
            Some(Handle::System { reg, .. }) => {
                if reg.is_some() {
                    return Err(HcsError::new(HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET));
                }
                *reg = Some(EventReg {
                    callback: cb,
                    context: context as usize,
                    options: callbackOptions as u32,
                });
                Ok(())
            }
            _ => Err(HcsError::with(E_HANDLE, "not a compute system handle")),
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Live migration: validated, then E_NOTIMPL.

fn live_migration(computeSystem: HANDLE, operation: HANDLE) -> HRESULT {
    ffi(|| {
        let mut st = emu().lock();
        st.system_mut(computeSystem as usize)?;
        st.op_mut(operation as usize)?;
        Err(HcsError::with(E_NOTIMPL, "live migration is not emulated"))
    })
}

/// `HcsInitializeLiveMigrationOnSource`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsInitializeLiveMigrationOnSource(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsStartLiveMigrationOnSource`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsStartLiveMigrationOnSource(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsStartLiveMigrationTransfer`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsStartLiveMigrationTransfer(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsFinalizeLiveMigration`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsFinalizeLiveMigration(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsCancelLiveMigration`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCancelLiveMigration(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

// ---------------------------------------------------------------------------------------------
// Processes

fn finish(pid: u32, code: u32) {
    with_state(|st, sink| st.exit_process(pid, code, sink));
}

fn behaviour_after(pid: u32, b: Behaviour) -> Option<Box<dyn FnOnce() + Send>> {
    use std::io::{Read, Write};
    let to_err = matches!(b, Behaviour::PrintStderr(_));
    Some(match b {
        Behaviour::SleepForever => return None,
        Behaviour::Exit(code) => Box::new(move || finish(pid, code)),
        Behaviour::Print(text) | Behaviour::PrintStderr(text) => Box::new(move || {
            let out = with_state(|st, _| {
                st.processes.get_mut(&pid).and_then(|p| {
                    if to_err {
                        p.child.stderr.take()
                    } else {
                        p.child.stdout.take()
                    }
                })
            });
            if let Some(mut f) = out {
                let _ = writeln!(f, "{text}");
            }
            finish(pid, 0)
        }),
        Behaviour::Sleep(ms) => Box::new(move || {
            let stop = with_state(|st, _| st.processes.get(&pid).map(|p| p.stop.clone()));
            let Some(stop) = stop else { return };
            std::thread::spawn(move || {
                // A duration too long for the clock sleeps until stopped.
                let end = std::time::Instant::now().checked_add(Duration::from_millis(ms));
                while end.is_none_or(|e| std::time::Instant::now() < e)
                    && !stop.load(Ordering::SeqCst)
                {
                    let left = end.map_or(Duration::MAX, |e| {
                        e.saturating_duration_since(std::time::Instant::now())
                    });
                    std::thread::sleep(Duration::from_millis(5).min(left));
                }
                if !stop.load(Ordering::SeqCst) {
                    finish(pid, 0);
                }
            });
        }),
        Behaviour::Echo => Box::new(move || {
            let taken = with_state(|st, _| {
                st.processes.get_mut(&pid).map(|p| {
                    (
                        p.child.stdin.take(),
                        p.child.stdout.take(),
                        p.stop.clone(),
                        p.stdin_closed.clone(),
                    )
                })
            });
            let Some((stdin, stdout, stop, stdin_closed)) = taken else {
                return;
            };
            std::thread::spawn(move || {
                if let Some(mut input) = stdin {
                    let mut output = stdout;
                    let mut buf = [0u8; 4096];
                    loop {
                        if stop.load(Ordering::SeqCst) {
                            return;
                        }
                        if stdin_closed.load(Ordering::SeqCst) {
                            break;
                        }
                        if !process::poll_readable(&input, 20) {
                            continue;
                        }
                        match input.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if let Some(o) = output.as_mut() {
                                    if o.write_all(&buf[..n]).is_err() {
                                        output = None;
                                    }
                                }
                            }
                        }
                    }
                    drop(output);
                }
                finish(pid, 0);
            });
        }),
    })
}

/// `HcsCreateProcess`: see the crate docs for the `CommandLine` convention and the standard I/O
/// handles.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateProcess(
    computeSystem: HANDLE,
    processParameters: PCWSTR,
    operation: HANDLE,
    _securityDescriptor: *const c_void,
    process: *mut HANDLE,
) -> HRESULT {
    ffi(|| {
        if process.is_null() {
            return Err(HcsError::with(E_POINTER, "process is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe { *process = std::ptr::null_mut() };
        // SAFETY: caller-provided string.
        let params = unsafe { wide::read_required(processParameters, "processParameters") };
        let out = process as usize;
        submit(
            operation,
            optype::CREATE_PROCESS,
            computeSystem,
            std::ptr::null_mut(),
            move |st| {
                let uid = st.system_mut(computeSystem as usize)?.uid;
                let params =
                    parse_doc(st.config.acceptance(), "ProcessParameters", Some(&params?))?
                        .ok_or_else(|| {
                            HcsError::with(HCS_E_INVALID_JSON, "processParameters is empty")
                        })?;
                let cmd = match params.get("CommandLine").and_then(Value::as_str) {
                    Some(c) => c.to_string(),
                    None => params
                        .get("CommandArgs")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(" ")
                        })
                        .unwrap_or_default(),
                };
                let flag = |k: &str| params.get(k).and_then(Value::as_bool).unwrap_or(false);
                let (want_in, want_out, want_err) = (
                    flag("CreateStdInPipe"),
                    flag("CreateStdOutPipe"),
                    flag("CreateStdErrPipe") && !flag("EmulateConsole"),
                );
                let (pid, handle) = st.add_process(uid, cmd, params);
                if let Ok(o) = st.op_mut(operation as usize) {
                    o.process = handle;
                }
                // SAFETY: `out` is the caller's writable HCS_PROCESS pointer (checked above).
                unsafe { *(out as *mut HANDLE) = handle as HANDLE };
                let work: Work = Box::new(move || {
                    let r =
                        with_state(|st, _| -> Result<(StdioSet, Option<Behaviour>), HcsError> {
                            let running = st
                                .systems
                                .get(&uid)
                                .is_some_and(|s| s.state == SysState::Running);
                            let p = st
                                .processes
                                .get_mut(&pid)
                                .ok_or_else(|| HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE))?;
                            if !running {
                                p.state = ProcState::Failed;
                                return Err(HcsError::with(
                                    HCS_E_INVALID_STATE,
                                    "the compute system is not running",
                                ));
                            }
                            let Some(b) = p.behaviour.clone() else {
                                p.state = ProcState::Failed;
                                return Err(HcsError::with(
                                    HR_FILE_NOT_FOUND,
                                    format!("{:?} follows no emulator convention", p.command_line),
                                ));
                            };
                            let mut caller = StdioSet::default();
                            let mk = |want: bool,
                                      child_reads: bool|
                             -> Result<
                                (Option<std::fs::File>, Option<std::fs::File>),
                                HcsError,
                            > {
                                if !want {
                                    return Ok((None, None));
                                }
                                match process::pipe() {
                                    Ok((r, w)) if child_reads => Ok((Some(r), Some(w))),
                                    Ok((r, w)) => Ok((Some(w), Some(r))),
                                    Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                                        Ok((None, None))
                                    }
                                    Err(e) => Err(from_io(&e)),
                                }
                            };
                            let (ci, hi) = mk(want_in, true)?;
                            let (co, ho) = mk(want_out, false)?;
                            let (ce, he) = mk(want_err, false)?;
                            p.child = StdioSet {
                                stdin: ci,
                                stdout: co,
                                stderr: ce,
                            };
                            caller.stdin = hi;
                            caller.stdout = ho;
                            caller.stderr = he;
                            p.state = ProcState::Running;
                            Ok((caller, Some(b)))
                        });
                    match r {
                        Ok((caller, b)) => Outcome {
                            result: Ok(None),
                            process: Some((pid, caller)),
                            after: b.and_then(|b| behaviour_after(pid, b)),
                        },
                        Err(e) => Outcome::result(Err(e)),
                    }
                });
                Ok((Target::System(uid), work, None))
            },
        )
    })
}

/// `HcsOpenProcess` (`HRESULT_FROM_WIN32(ERROR_NOT_FOUND)` for a pid not in the system).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsOpenProcess(
    computeSystem: HANDLE,
    processId: u32,
    _requestedAccess: u32,
    process: *mut HANDLE,
) -> HRESULT {
    ffi(|| {
        if process.is_null() {
            return Err(HcsError::with(E_POINTER, "process is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe { *process = std::ptr::null_mut() };
        let mut st = emu().lock();
        let uid = st.system_mut(computeSystem as usize)?.uid;
        if st
            .processes
            .get(&processId)
            .is_none_or(|p| p.system_uid != uid)
        {
            return Err(HcsError::with(HR_NOT_FOUND, format!("process {processId}")));
        }
        let h = st.open_process(processId);
        // SAFETY: checked non-NULL.
        unsafe { *process = h as HANDLE };
        Ok(())
    })
}

/// `HcsCloseProcess`: the process keeps running; no callback of this handle runs after this
/// returns.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCloseProcess(process: HANDLE) {
    close(process, HandleKind::Process)
}

type ProcWork = fn(&mut State, u32, &Value, &mut Deliveries) -> Result<Outcome, HcsError>;

fn process_call(
    process: HANDLE,
    operation: HANDLE,
    op_type: i32,
    options_type: Option<&'static str>,
    options: PCWSTR,
    required: bool,
    apply: ProcWork,
) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let options = unsafe { wide::read(options) };
        submit(operation, op_type, std::ptr::null_mut(), process, |st| {
            let pid = st.process_pid(process as usize)?;
            let options = options?;
            if required && options.is_none() {
                return Err(HcsError::with(E_INVALIDARG, "settings is NULL"));
            }
            let opts = match options_type {
                Some(t) => {
                    parse_doc(st.config.acceptance(), t, options.as_deref())?.unwrap_or_default()
                }
                None => {
                    parse_free(options.as_deref())?;
                    Value::Null
                }
            };
            let target = match st.processes.get(&pid) {
                Some(p) => system_target(st, p.system_uid),
                None => Target::Detached,
            };
            let work: Work = Box::new(move || {
                with_state(|st, sink| {
                    if !st.processes.contains_key(&pid) {
                        return Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE));
                    }
                    apply(st, pid, &opts, sink)
                })
                .unwrap_or_else(|e| Outcome::result(Err(e)))
            });
            Ok((target, work, None))
        })
    })
}

fn proc_state(st: &State, pid: u32) -> ProcState {
    st.processes
        .get(&pid)
        .map_or(ProcState::Failed, |p| p.state)
}

fn require_running(st: &State, pid: u32) -> Result<(), HcsError> {
    match proc_state(st, pid) {
        ProcState::Running => Ok(()),
        ProcState::Exited(_) => Err(HcsError::new(HCS_E_PROCESS_ALREADY_STOPPED)),
        _ => Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE)),
    }
}

/// `HcsTerminateProcess`: the process exits with code 1.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsTerminateProcess(
    process: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    process_call(
        process,
        operation,
        optype::TERMINATE,
        None,
        options,
        false,
        |st, pid, _, sink| {
            require_running(st, pid)?;
            st.exit_process(pid, process::TERMINATE_EXIT_CODE, sink);
            Ok(Outcome::result(Ok(None)))
        },
    )
}

/// `HcsSignalProcess`: any `SignalProcessOptions` signal (default `CtrlC`) makes the process exit
/// with `STATUS_CONTROL_C_EXIT` (0xC000013A).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSignalProcess(
    process: HANDLE,
    operation: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    process_call(
        process,
        operation,
        optype::SIGNAL_PROCESS,
        Some("SignalProcessOptions"),
        options,
        false,
        |st, pid, _, sink| {
            require_running(st, pid)?;
            st.exit_process(pid, process::SIGNAL_EXIT_CODE, sink);
            Ok(Outcome::result(Ok(None)))
        },
    )
}

/// `HcsGetProcessInfo`: the process id (the standard I/O handles are only handed out by the
/// `HcsCreateProcess` operation, so they are NULL here) and a `ProcessStatus` document.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetProcessInfo(process: HANDLE, operation: HANDLE) -> HRESULT {
    process_call(
        process,
        operation,
        optype::GET_PROCESS_INFO,
        None,
        std::ptr::null(),
        false,
        |st, pid, _, _| {
            let p = &st.processes[&pid];
            if matches!(p.state, ProcState::Failed | ProcState::Starting) {
                return Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE));
            }
            Ok(Outcome {
                result: Ok(Some(process_status_doc(p))),
                process: Some((pid, StdioSet::default())),
                after: None,
            })
        },
    )
}

/// `HcsGetProcessProperties`: a `ProcessStatus` document.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetProcessProperties(
    process: HANDLE,
    operation: HANDLE,
    propertyQuery: PCWSTR,
) -> HRESULT {
    process_call(
        process,
        operation,
        optype::GET_PROCESS_PROPERTIES,
        None,
        propertyQuery,
        false,
        |st, pid, _, _| {
            Ok(Outcome::result(Ok(Some(process_status_doc(
                &st.processes[&pid],
            )))))
        },
    )
}

/// `HcsModifyProcess`: `ProcessModifyRequest` `ConsoleSize` (recorded) or `CloseHandle`
/// (closes the process's end of that stream; an `echo` process sees end of input).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsModifyProcess(
    process: HANDLE,
    operation: HANDLE,
    settings: PCWSTR,
) -> HRESULT {
    process_call(
        process,
        operation,
        optype::MODIFY_PROCESS,
        Some("ProcessModifyRequest"),
        settings,
        true,
        |st, pid, req, _| {
            require_running(st, pid)?;
            let p = st.processes.get_mut(&pid).expect("checked");
            match req.get("Operation").and_then(Value::as_str) {
                Some("ConsoleSize") => {
                    let size = req.get("ConsoleSize").ok_or_else(|| {
                        HcsError::with(
                            HCS_E_INVALID_JSON,
                            "ProcessModifyRequest: ConsoleSize is required",
                        )
                    })?;
                    let n = |k: &str| size.get(k).and_then(Value::as_u64).unwrap_or(0) as u16;
                    p.console_size = (n("Height"), n("Width"));
                }
                Some("CloseHandle") => {
                    let which = req
                        .pointer("/CloseHandle/Handle")
                        .and_then(Value::as_str)
                        .ok_or_else(|| {
                            HcsError::with(
                                HCS_E_INVALID_JSON,
                                "ProcessModifyRequest: CloseHandle.Handle is required",
                            )
                        })?;
                    if matches!(which, "StdIn" | "All") {
                        p.child.stdin = None;
                        p.stdin_closed.store(true, Ordering::SeqCst);
                    }
                    if matches!(which, "StdOut" | "All") {
                        p.child.stdout = None;
                    }
                    if matches!(which, "StdErr" | "All") {
                        p.child.stderr = None;
                    }
                }
                _ => {
                    return Err(HcsError::with(
                        HCS_E_INVALID_JSON,
                        "ProcessModifyRequest: Operation is required",
                    ));
                }
            }
            Ok(Outcome::result(Ok(None)))
        },
    )
}

/// `HcsSetProcessCallback`: one callback per handle; `HcsEventProcessExited` carries a
/// `ProcessStatus` document.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetProcessCallback(
    process: HANDLE,
    callbackOptions: i32,
    context: *const c_void,
    callback: EventCallback,
) -> HRESULT {
    ffi(|| {
        let cb = callback.ok_or_else(|| HcsError::with(E_INVALIDARG, "callback is NULL"))?;
        let mut st = emu().lock();
        match st.handles.get_mut(&(process as usize)) {
            Some(Handle::Process { reg, .. }) => {
                if reg.is_some() {
                    return Err(HcsError::new(HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET));
                }
                *reg = Some(EventReg {
                    callback: cb,
                    context: context as usize,
                    options: callbackOptions as u32,
                });
                Ok(())
            }
            _ => Err(HcsError::with(E_HANDLE, "not a process handle")),
        }
    })
}

/// `HcsWaitForProcessExit`: the `ProcessStatus` document once the process exited.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsWaitForProcessExit(
    process: HANDLE,
    timeoutMs: u32,
    result: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        // SAFETY: NULL or writable.
        unsafe { wide::clear(result) };
        let d = deadline(timeoutMs);
        let emu = emu();
        let mut st = emu.lock();
        loop {
            let pid = st.process_pid(process as usize)?;
            let p = st
                .processes
                .get(&pid)
                .ok_or_else(|| HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE))?;
            match p.state {
                ProcState::Exited(_) => {
                    let doc = process_status_doc(p);
                    // SAFETY: NULL or writable.
                    unsafe { wide::store(result, Some(&doc)) };
                    return Ok(());
                }
                ProcState::Failed => return Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE)),
                _ => {}
            }
            let (g, in_time) = emu.wait(st, d);
            st = g;
            if !in_time {
                return Err(HcsError::new(HCS_E_OPERATION_TIMEOUT));
            }
        }
    })
}
