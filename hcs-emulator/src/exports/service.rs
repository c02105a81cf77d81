//! Service-level and utility exports: service properties and settings, WER reports, guest and
//! runtime state files, VM access grants, processor compatibility.

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

use std::path::Path;

use serde_json::{Value, json};

use crate::engine::{Config, emu};
use crate::exports::{ffi, parse_doc};
use crate::hresult::*;
use crate::wide;

type PCWSTR = *const u16;
type PWSTR = *mut u16;

/// The configured versions as `Version` objects.
pub fn versions_json(c: &Config) -> Value {
    c.supported_versions
        .iter()
        .map(|v| json!({ "Major": v.major, "Minor": v.minor }))
        .collect()
}

/// The emulated host's processor features (a `ProcessorCapabilitiesInfo`-shaped document).
pub fn processor_features() -> Value {
    json!({
        "ProcessorFeatures": ["Sse3", "Sse4_1", "Sse4_2", "Avx", "Avx2"],
        "XsaveProcessorFeatures": ["Xsave", "Avx"],
        "CacheLineFlushSize": 64,
        "ImplementedPhysicalAddressBits": 46
    })
}

/// Runs a synchronous function whose out-parameter receives a `ResultError` on failure.
fn with_result(
    result: *mut PWSTR,
    f: impl FnOnce() -> Result<Option<String>, HcsError>,
) -> HRESULT {
    ffi(|| {
        // SAFETY: NULL or writable.
        unsafe { wide::clear(result) };
        match f() {
            Ok(doc) => {
                // SAFETY: NULL or writable.
                unsafe { wide::store(result, doc.as_deref()) };
                Ok(())
            }
            Err(e) => {
                // SAFETY: NULL or writable.
                unsafe { wide::store(result, Some(&e.to_result_document())) };
                Err(e)
            }
        }
    })
}

/// `HcsGetServiceProperties`: a `ServiceProperties` document whose `Properties` array answers
/// the `Service_PropertyQuery` in order (NULL query: `Basic`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetServiceProperties(
    propertyQuery: PCWSTR,
    result: *mut PWSTR,
) -> HRESULT {
    if result.is_null() {
        return E_POINTER;
    }
    with_result(result, || {
        if let Some(error) = emu().lock().config.take_injected("HcsGetServiceProperties") {
            return Err(HcsError::with(error, "injected failure"));
        }
        // SAFETY: caller-provided string.
        let q = unsafe { wide::read(propertyQuery) }?;
        let config = emu().lock().config.clone();
        let q = parse_doc(config.acceptance(), "Service_PropertyQuery", q.as_deref())?;
        let types: Vec<String> = match q
            .as_ref()
            .and_then(|q| q.get("PropertyTypes"))
            .and_then(Value::as_array)
        {
            Some(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            None => vec!["Basic".to_string()],
        };
        let props: Vec<Value> = types.iter().map(|t| service_property(t, &config)).collect();
        let mut doc = json!({ "Properties": props });
        // Schema 2.5 `PropertyQueries`: one `PropertyResponse` per requested property.
        if let Some(queries) = q
            .as_ref()
            .and_then(|q| q.get("PropertyQueries"))
            .and_then(Value::as_object)
        {
            let responses: serde_json::Map<String, Value> = queries
                .keys()
                .map(|name| {
                    let r = match service_property(name, &config) {
                        Value::Null => json!({ "Error": {
                            "Error": E_INVALIDARG,
                            "ErrorMessage": format!("{name} is not a service property the emulator knows"),
                        } }),
                        v => json!({ "Response": v }),
                    };
                    (name.clone(), r)
                })
                .collect();
            doc["PropertyResponses"] = Value::Object(responses);
        }
        Ok(Some(doc.to_string()))
    })
}

/// One service property (`GetPropertyType`), or `Null` for an unknown name.
fn service_property(t: &str, config: &Config) -> Value {
    match t {
        "Basic" if config.report_schema_versions => {
            json!({ "SupportedSchemaVersions": versions_json(config) })
        }
        "Basic" => json!({}),
        "CpuGroup" => json!({ "CpuGroups": [] }),
        "ProcessorTopology" => {
            let n = std::thread::available_parallelism().map_or(1, |n| n.get());
            json!({
                "LogicalProcessorCount": n,
                "LogicalProcessors": (0..n).map(|i| json!({ "LpIndex": i, "NodeNumber": 0, "PackageId": 0, "CoreId": i, "RootVpIndex": i })).collect::<Vec<_>>()
            })
        }
        "ContainerCredentialGuard" => json!({ "Instances": [] }),
        "QoSCapabilities" => json!({ "ProcessorQoSSupported": false }),
        _ => Value::Null,
    }
}

/// `HcsModifyServiceSettings`: validates a `ModificationRequest` (and its `Settings` by
/// `PropertyType`) and accepts it.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsModifyServiceSettings(
    settings: PCWSTR,
    result: *mut PWSTR,
) -> HRESULT {
    with_result(result, || {
        // SAFETY: caller-provided string.
        let s = unsafe { wide::read_required(settings, "settings") }?;
        let max = emu().lock().config.acceptance();
        let req = parse_doc(max, "ModificationRequest", Some(&s))?.unwrap_or_default();
        let ty = match req.get("PropertyType").and_then(Value::as_str) {
            Some("CpuGroup") => "HostProcessorModificationRequest",
            Some("ContainerCredentialGuard") => "ContainerCredentialGuardOperationRequest",
            _ => {
                return Err(HcsError::with(
                    HCS_E_INVALID_JSON,
                    "ModificationRequest: PropertyType is required",
                ));
            }
        };
        let invalid = |e: crate::schema::ValidationError| {
            HcsError::with(HCS_E_INVALID_JSON, format!("ModificationRequest: {e}"))
        };
        if let Some(settings) = req.get("Settings") {
            crate::schema::validate_value_at(ty, settings, max, "Settings").map_err(invalid)?;
            // OperationDetails' type follows Operation.
            let details = match settings.get("Operation").and_then(Value::as_str) {
                Some("CreateGroup") => "CreateGroupOperation",
                Some("DeleteGroup") => "DeleteGroupOperation",
                Some("SetProperty") => "SetPropertyOperation",
                Some("AddInstance") => "ContainerCredentialGuardAddInstanceRequest",
                Some("RemoveInstance") => "ContainerCredentialGuardRemoveInstanceRequest",
                _ => "",
            };
            if let Some(d) = settings.get("OperationDetails") {
                crate::schema::validate_value_at(details, d, max, "Settings.OperationDetails")
                    .map_err(invalid)?;
            }
        }
        Ok(None)
    })
}

/// `HcsSubmitWerReport`: validates a `CrashReport` and counts it.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSubmitWerReport(settings: PCWSTR) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let s = unsafe { wide::read_required(settings, "settings") }?;
        let max = emu().lock().config.acceptance();
        parse_doc(max, "CrashReport", Some(&s))?;
        emu().lock().wer_reports += 1;
        Ok(())
    })
}

fn create_state_file(path: PCWSTR, magic: &str) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let p = unsafe { wide::read_required(path, "path") }?;
        if p.is_empty() {
            return Err(HcsError::with(E_INVALIDARG, "path is empty"));
        }
        std::fs::write(&p, magic).map_err(|e| from_io(&e))
    })
}

/// `HcsCreateEmptyGuestStateFile`: creates (or truncates) a real file.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateEmptyGuestStateFile(guestStateFilePath: PCWSTR) -> HRESULT {
    create_state_file(guestStateFilePath, "HCS-EMULATOR-VMGS\n")
}

/// `HcsCreateEmptyRuntimeStateFile`: creates (or truncates) a real file.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCreateEmptyRuntimeStateFile(
    runtimeStateFilePath: PCWSTR,
) -> HRESULT {
    create_state_file(runtimeStateFilePath, "HCS-EMULATOR-VMRS\n")
}

fn existing_file(p: PCWSTR, what: &str) -> Result<String, HcsError> {
    // SAFETY: caller-provided string.
    let p = unsafe { wide::read_required(p, what) }?;
    if !Path::new(&p).exists() {
        return Err(HcsError::with(HR_FILE_NOT_FOUND, &p));
    }
    Ok(p)
}

/// `HcsGrantVmAccess`: the file must exist; the grant is recorded (see statistics).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGrantVmAccess(vmId: PCWSTR, filePath: PCWSTR) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let vm = unsafe { wide::read_required(vmId, "vmId") }?;
        if vm.is_empty() {
            return Err(HcsError::with(E_INVALIDARG, "vmId is empty"));
        }
        let f = existing_file(filePath, "filePath")?;
        emu().lock().vm_grants.insert((vm, f));
        Ok(())
    })
}

/// `HcsRevokeVmAccess`: removes a recorded grant (revoking a missing grant succeeds).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsRevokeVmAccess(vmId: PCWSTR, filePath: PCWSTR) -> HRESULT {
    ffi(|| {
        // SAFETY: caller-provided string.
        let vm = unsafe { wide::read_required(vmId, "vmId") }?;
        let f = existing_file(filePath, "filePath")?;
        emu().lock().vm_grants.remove(&(vm, f));
        Ok(())
    })
}

/// `HcsGrantVmGroupAccess`: the file must exist; the grant is recorded.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGrantVmGroupAccess(filePath: PCWSTR) -> HRESULT {
    ffi(|| {
        let f = existing_file(filePath, "filePath")?;
        emu().lock().group_grants.insert(f);
        Ok(())
    })
}

/// `HcsRevokeVmGroupAccess`: removes a recorded group grant.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsRevokeVmGroupAccess(filePath: PCWSTR) -> HRESULT {
    ffi(|| {
        let f = existing_file(filePath, "filePath")?;
        emu().lock().group_grants.remove(&f);
        Ok(())
    })
}

/// `HcsGetProcessorCompatibilityFromSavedState`: for a file written by `HcsSaveComputeSystem`
/// (or any existing file), the emulated host's processor features as JSON.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetProcessorCompatibilityFromSavedState(
    RuntimeFileName: PCWSTR,
    ProcessorFeaturesString: *mut PCWSTR,
) -> HRESULT {
    let out = ProcessorFeaturesString as *mut PWSTR;
    ffi(|| {
        // SAFETY: NULL or writable.
        unsafe { wide::clear(out) };
        let f = existing_file(RuntimeFileName, "RuntimeFileName")?;
        let saved = std::fs::read_to_string(&f)
            .ok()
            .and_then(|s| serde_json::from_str::<Value>(&s).ok())
            .and_then(|v| {
                v.pointer("/HcsEmulatorSavedState/ProcessorFeatures")
                    .cloned()
            });
        let doc = saved.unwrap_or_else(processor_features).to_string();
        // SAFETY: NULL or writable.
        unsafe { wide::store(out, Some(&doc)) };
        Ok(())
    })
}
