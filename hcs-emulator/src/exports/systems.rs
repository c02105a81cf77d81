//! Compute systems: enumerate, create, open, close, the state transitions, properties, modify,
//! exit and event callbacks.

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
use std::path::Path;
use std::time::SystemTime;

use serde_json::{Value, json};

use super::{HANDLE, PCWSTR, PWSTR, Target, close, ffi, parse_doc, parse_free, submit};
use crate::engine::*;
use crate::hresult::*;
use crate::wide;

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
                    let content = json!({ "HcsEmulatorSavedState": { "SystemId": s.id, "SystemType": s.system_type(), "ProcessorFeatures": crate::exports::service::processor_features() } });
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
                    "SupportedSchemaVersions": crate::exports::service::versions_json(&st.config),
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
