//! Processes: create, open, close, terminate, signal, information, properties, modify, event
//! callbacks and exit.

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
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

use super::{
    HANDLE, PCWSTR, PWSTR, Target, close, ffi, parse_doc, parse_free, submit, system_target,
};
use crate::engine::*;
use crate::hresult::*;
use crate::process::{self, Behaviour, StdioSet};
use crate::wide;

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
                    let r = with_state(|st, _| -> Result<Option<Behaviour>, HcsError> {
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
                        // The caller's ends wait in the process record for the first read
                        // of its information.
                        p.caller = StdioSet {
                            stdin: hi,
                            stdout: ho,
                            stderr: he,
                        };
                        p.state = ProcState::Running;
                        Ok(Some(b))
                    });
                    match r {
                        Ok(b) => Outcome {
                            result: Ok(None),
                            process: Some(pid),
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

/// `HcsGetProcessInfo`: the process's information, read with
/// `HcsWaitForOperationResultAndProcessInfo` (the first read of a process's information, from
/// this operation or the `HcsCreateProcess` one, hands out its standard I/O handles; see
/// `StdioHandles`), and a `ProcessStatus` document.
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
                process: Some(pid),
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
