//! `LocalFree` and the emulator's own control exports.

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

use serde_json::{Value, json};

use crate::engine::{
    CancelBehaviour, Config, Handle, ProcState, StdioHandles, SysState, emu, reset,
};
use crate::exports::ffi;
use crate::hresult::*;
use crate::schema::SchemaVersion;
use crate::wide;

/// `LocalFree`: frees a string the emulator returned and returns NULL. NULL returns NULL; a
/// pointer the emulator did not allocate, or already freed, is returned unchanged and nothing
/// is freed (Windows reports failure the same way), and it is counted (`InvalidFrees`,
/// `DoubleFrees` in `HcsEmulatorGetStatistics`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn LocalFree(hMem: *mut c_void) -> *mut c_void {
    if hMem.is_null() {
        return hMem;
    }
    match std::panic::catch_unwind(|| wide::free(hMem)) {
        Ok(true) => std::ptr::null_mut(),
        _ => hMem,
    }
}

/// `HRESULT HcsEmulatorReset(void)`: terminates every system and process without events,
/// invalidates every handle (waiting for callbacks in flight), clears grants and filters and
/// restores the default configuration. Strings already returned stay valid until `LocalFree`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsEmulatorReset() -> HRESULT {
    ffi(|| {
        reset();
        Ok(())
    })
}

/// Parses an `HcsEmulatorConfigure` document (every property optional, unknown ones rejected).
pub fn parse_config(text: &str, base: &Config) -> Result<Config, HcsError> {
    let bad = |m: String| HcsError::with(HCS_E_INVALID_JSON, m);
    let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad("expected an object".into()))?;
    let mut c = base.clone();
    for (k, val) in obj {
        match k.as_str() {
            "SupportedSchemaVersions" => {
                let arr = val
                    .as_array()
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| bad(format!("{k}: expected a non-empty array")))?;
                let mut versions = Vec::new();
                for (i, item) in arr.iter().enumerate() {
                    let o = item
                        .as_object()
                        .ok_or_else(|| bad(format!("{k}[{i}]: expected a Version object")))?;
                    if let Some(extra) = o.keys().find(|k| *k != "Major" && *k != "Minor") {
                        return Err(bad(format!("{k}[{i}].{extra}: unknown property")));
                    }
                    let n = |f: &str| {
                        o.get(f)
                            .and_then(Value::as_u64)
                            .and_then(|n| u32::try_from(n).ok())
                            .ok_or_else(|| {
                                bad(format!("{k}[{i}].{f}: expected an unsigned integer"))
                            })
                    };
                    let v = SchemaVersion::new(n("Major")?, n("Minor")?);
                    if v.major != 2 {
                        return Err(bad(format!("{k}[{i}]: only major version 2 exists")));
                    }
                    versions.push(v);
                }
                c.supported_versions = versions;
            }
            "SchemaCheck" => {
                c.strict_schema = match val.as_str() {
                    Some("KnownToFail") => false,
                    Some("Strict") => true,
                    _ => {
                        return Err(bad(format!(
                            "{k}: expected \"KnownToFail\" (the default) or \"Strict\""
                        )));
                    }
                };
            }
            "ReportSchemaVersions" => {
                c.report_schema_versions = val
                    .as_bool()
                    .ok_or_else(|| bad(format!("{k}: expected true or false")))?;
            }
            "CompletionDelayMs" => {
                c.completion_delay_ms = val
                    .as_u64()
                    .filter(|n| *n <= 60_000)
                    .ok_or_else(|| bad(format!("{k}: expected milliseconds (0..=60000)")))?;
            }
            "InjectFailures" => {
                let arr = val
                    .as_array()
                    .ok_or_else(|| bad(format!("{k}: expected an array")))?;
                let mut list = Vec::new();
                for (i, item) in arr.iter().enumerate() {
                    let o = item
                        .as_object()
                        .ok_or_else(|| bad(format!("{k}[{i}]: expected an object")))?;
                    if let Some(extra) = o
                        .keys()
                        .find(|k| !matches!(k.as_str(), "Function" | "Error" | "Count"))
                    {
                        return Err(bad(format!("{k}[{i}].{extra}: unknown property")));
                    }
                    let function = o
                        .get("Function")
                        .and_then(Value::as_str)
                        .filter(|f| crate::exports::INJECTABLE.contains(f))
                        .ok_or_else(|| {
                            bad(format!(
                                "{k}[{i}].Function: expected one of {}",
                                crate::exports::INJECTABLE.join(", ")
                            ))
                        })?;
                    // An HRESULT as int32 or as its unsigned spelling; it must be a failure.
                    let error = o
                        .get("Error")
                        .and_then(Value::as_i64)
                        .and_then(|n| {
                            i32::try_from(n)
                                .ok()
                                .or_else(|| u32::try_from(n).ok().map(|u| u as i32))
                        })
                        .filter(|e| *e < 0)
                        .ok_or_else(|| {
                            bad(format!("{k}[{i}].Error: expected a failure HRESULT"))
                        })?;
                    let remaining = match o.get("Count") {
                        None => 1,
                        Some(c) => c
                            .as_u64()
                            .and_then(|c| u32::try_from(c).ok())
                            .filter(|c| *c > 0)
                            .ok_or_else(|| {
                                bad(format!("{k}[{i}].Count: expected a positive integer"))
                            })?,
                    };
                    list.push(crate::engine::InjectedFailure {
                        function: function.to_string(),
                        error,
                        remaining,
                    });
                }
                c.injected_failures = list;
            }
            "CancelOperation" => {
                c.cancel = match val.as_str() {
                    Some("NotImplemented") => CancelBehaviour::NotImplemented,
                    Some("Cancels") => CancelBehaviour::Cancels,
                    _ => {
                        return Err(bad(format!(
                            "{k}: expected \"NotImplemented\" or \"Cancels\""
                        )));
                    }
                };
            }
            "StdioHandles" => {
                c.stdio_handles = match val.as_str() {
                    Some("Once") => StdioHandles::Once,
                    Some("Repeated") => StdioHandles::Repeated,
                    _ => return Err(bad(format!("{k}: expected \"Once\" or \"Repeated\""))),
                };
            }
            other => return Err(bad(format!("{other}: unknown property"))),
        }
    }
    Ok(c)
}

/// `HRESULT HcsEmulatorConfigure(PCWSTR configuration)`: changes the given settings
/// (`{"SupportedSchemaVersions":[{"Major":2,"Minor":1}],"CompletionDelayMs":0,
/// "InjectFailures":[{"Function":"HcsStartComputeSystem","Error":-2143878904,"Count":1}],
/// "SchemaCheck":"Strict","ReportSchemaVersions":false}`); NULL restores the defaults (schema
/// 2.0 to 2.6, no delay, no injected failures, documents rejected only for what is known to fail
/// there, versions reported). Invalid documents are `HCS_E_INVALID_JSON` and change nothing.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsEmulatorConfigure(configuration: *const u16) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string or NULL.
        let text = unsafe { wide::read(configuration) }?;
        let mut st = emu().lock();
        st.config = match text {
            None => Config::default(),
            Some(t) => parse_config(&t, &st.config)?,
        };
        Ok(())
    })
}

/// `HRESULT HcsEmulatorGetStatistics(PWSTR* statistics)`: a JSON document (free it with
/// `LocalFree`) with the live handles of each kind, live allocations (not counting this
/// document), systems, processes, pending operations, grants and filters.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsEmulatorGetStatistics(statistics: *mut *mut u16) -> HRESULT {
    ffi(|| {
        if statistics.is_null() {
            return Err(HcsError::with(E_POINTER, "statistics is NULL"));
        }
        let doc = {
            let st = emu().lock();
            let count = |f: fn(&Handle) -> bool| st.handles.values().filter(|h| f(h)).count();
            json!({
                "LiveSystemHandles": count(|h| matches!(h, Handle::System { .. })),
                "LiveProcessHandles": count(|h| matches!(h, Handle::Process { .. })),
                "LiveOperations": count(|h| matches!(h, Handle::Operation(_))),
                "PendingOperations": count(|h| matches!(h, Handle::Operation(o) if matches!(o.status, crate::engine::OpStatus::Pending))),
                "LiveAllocations": wide::live_allocations(),
                "InvalidFrees": wide::invalid_frees(),
                "DoubleFrees": wide::double_frees(),
                "LiveSystems": st.systems.len(),
                "RunningSystems": st.systems.values().filter(|s| s.state == SysState::Running).count(),
                "LiveProcesses": st.processes.values().filter(|p| p.state == ProcState::Running).count(),
                "ProcessRecords": st.processes.len(),
                "VmAccessGrants": st.vm_grants.iter().map(|(v, f)| json!({ "VmId": v, "FilePath": f })).collect::<Vec<_>>(),
                "VmGroupAccessGrants": st.group_grants.iter().collect::<Vec<_>>(),
                "AttachedLayerStorageFilters": st.attached_layers.iter().collect::<Vec<_>>(),
                "AttachedOverlayFilters": st.overlays.iter().map(|(v, d)| json!({ "VolumeMountPoint": v, "LayerData": d })).collect::<Vec<_>>(),
                "WerReports": st.wer_reports,
                "Configuration": {
                    "SupportedSchemaVersions": crate::exports::service::versions_json(&st.config),
                    "CompletionDelayMs": st.config.completion_delay_ms,
                    "SchemaCheck": if st.config.strict_schema { "Strict" } else { "KnownToFail" },
                    "ReportSchemaVersions": st.config.report_schema_versions,
                    "CancelOperation": st.config.cancel.as_str(),
                    "StdioHandles": st.config.stdio_handles.as_str(),
                    "InjectFailures": st.config.injected_failures.iter().map(|f| json!({ "Function": f.function, "Error": f.error, "Count": f.remaining })).collect::<Vec<_>>()
                }
            })
            .to_string()
        };
        // SAFETY: checked non-NULL.
        unsafe { wide::store(statistics, Some(&doc)) };
        Ok(())
    })
}
