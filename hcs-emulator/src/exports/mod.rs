//! The C exports, one module per API area: [`operations`], [`systems`], [`live_migration`],
//! [`processes`], [`service`] (service and VM utility functions) and [`storage`]
//! (computestorage.dll). This module holds what they share: running an export body, validating
//! documents and submitting asynchronous calls.
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

use serde_json::Value;

use crate::engine::*;
use crate::hresult::*;
use crate::schema::{self, Acceptance};

pub mod live_migration;
pub mod operations;
pub mod processes;
pub mod service;
pub mod storage;
pub mod systems;

pub use live_migration::*;
pub use operations::*;
pub use processes::*;
pub use service::*;
pub use storage::*;
pub use systems::*;

pub(crate) type HANDLE = *mut c_void;
pub(crate) type PCWSTR = *const u16;
pub(crate) type PWSTR = *mut u16;

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
pub(crate) fn parse_free(text: Option<&str>) -> Result<(), HcsError> {
    match text {
        Some(t) if !t.trim().is_empty() => serde_json::from_str::<Value>(t)
            .map(drop)
            .map_err(|e| HcsError::with(HCS_E_INVALID_JSON, e)),
        _ => Ok(()),
    }
}

pub(crate) enum Target {
    System(u64),
    Detached,
}

pub(crate) type Prepared = (Target, Work, Option<Box<dyn FnOnce() + Send>>);

/// Starts an asynchronous call tracked by `op`. Failures found here are returned and also
/// recorded as the operation's result (unless the operation itself is unusable).
pub(crate) fn submit(
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
            .is_ok_and(|o| o.completion.is_some() || o.notifications.is_some());
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

pub(crate) fn system_target(st: &State, uid: u64) -> Target {
    if st.systems.contains_key(&uid) {
        Target::System(uid)
    } else {
        Target::Detached
    }
}

/// `HcsClose*`: removes the handle, then waits for its callbacks in flight on other threads.
pub(crate) fn close(handle: HANDLE, kind: HandleKind) {
    let _ = catch_unwind(|| {
        let guard = with_state(|st, sink| st.close_handle(handle as usize, kind, sink));
        if let Some(g) = guard {
            g.close();
        }
    });
}
