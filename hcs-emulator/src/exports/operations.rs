//! Operations: creating, querying, waiting for, cancelling and closing `HCS_OPERATION`s.

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
use std::panic::catch_unwind;

use serde_json::json;

use super::{HANDLE, PCWSTR, PWSTR, close, ffi, parse_free};
use crate::engine::*;
use crate::hresult::*;
use crate::wide;

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
/// with the result document when the tracked call completes. The context is the operation's
/// one context (`HcsSetOperationContext` and `HcsSetOperationCallback` change it for both
/// callbacks).
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
        let notifications = OpNotifications {
            callback: cb,
            options: options as u32,
        };
        emu()
            .lock()
            .add_operation(context as usize, None, Some(notifications)) as HANDLE
    })
    .unwrap_or(std::ptr::null_mut())
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
        let (hr, process, op_type) = match &o.status {
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
                continue;
            }
            OpStatus::Done {
                hr,
                doc: d,
                process,
                ..
            } => {
                // SAFETY: as above.
                unsafe { wide::store(doc, d.as_deref()) };
                (*hr, *process, o.op_type)
            }
        };
        if hr < 0 {
            return Err(HcsError::new(hr));
        }
        if !info.is_null() {
            // HcsWaitForOperationResultAndProcessInfo.md, Return Values: E_INVALIDARG when the
            // operation tracked neither HcsCreateProcess nor HcsGetProcessInfo.
            if !matches!(op_type, optype::CREATE_PROCESS | optype::GET_PROCESS_INFO) {
                return Err(HcsError::with(
                    E_INVALIDARG,
                    "the operation tracked neither HcsCreateProcess nor HcsGetProcessInfo",
                ));
            }
            let Some(pid) = process else {
                return Err(HcsError::new(HCS_E_PROCESS_INFO_NOT_AVAILABLE));
            };
            let information = st.process_information(pid);
            // SAFETY: `info` is a caller-provided writable HCS_PROCESS_INFORMATION.
            unsafe { info.write(information) };
        }
        return Ok(());
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

/// `HcsGetOperationResultAndProcessInfo`: the first read of a process's information hands out
/// its standard I/O handles; later reads report NULL handles, or the same values again (see
/// the crate docs, `StdioHandles`).
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

/// `HcsCancelOperation`: `E_NOTIMPL`, as documented. With `"CancelOperation":"Cancels"` a
/// pending call completes at once with `HRESULT_FROM_WIN32(ERROR_CANCELLED)`; if its work has
/// not run yet it never runs.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCancelOperation(operation: HANDLE) -> HRESULT {
    ffi(|| {
        with_state(|st, sink| {
            if st.config.cancel == CancelBehaviour::NotImplemented {
                return Err(HcsError::with(
                    E_NOTIMPL,
                    "HcsCancelOperation is not implemented",
                ));
            }
            let o = st.op_mut(operation as usize)?;
            let generation = o.generation;
            match o.status {
                OpStatus::Idle => Err(HcsError::new(HCS_E_OPERATION_NOT_STARTED)),
                OpStatus::Done {
                    cancelled: true, ..
                } => Err(HcsError::new(HCS_E_OPERATION_ALREADY_CANCELLED)),
                OpStatus::Done { .. } => Ok(()),
                OpStatus::Pending => {
                    o.cancel_flag
                        .store(true, std::sync::atomic::Ordering::SeqCst);
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
