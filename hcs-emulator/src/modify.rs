//! `HcsModifyComputeSystem`: `ModifySettingRequest`s applied to the stored document.
//!
//! Resource paths understood (segments separated by `/`):
//!
//! | `ResourcePath` | `RequestType` | `Settings` |
//! |---|---|---|
//! | `VirtualMachine/ComputeTopology/Memory/SizeInMB` | `Update` | a number |
//! | `VirtualMachine/ComputeTopology/Processor/Count` | `Update` | a number |
//! | `VirtualMachine/Devices/Scsi/{controller}/Attachments/{lun}` | `Add`, `Remove`, `Update` | `Attachment` |
//! | `VirtualMachine/Devices/NetworkAdapters/{name}` | `Add`, `Remove`, `Update` | `NetworkAdapter` |
//! | `VirtualMachine/Devices/VirtualSmb/Shares` | `Add`, `Remove`, `Update` (by `Name`) | `VirtualSmbShare` |
//! | `VirtualMachine/Devices/Plan9/Shares` | `Add`, `Remove`, `Update` (by `Name`) | `Plan9Share` |
//! | `Container/MappedDirectories` | `Add`, `Remove` (by `ContainerPath`) | `MappedDirectory` |
//!
//! A `GuestRequest` is validated as a `GuestModifySettingRequest` (and, for the `CombinedLayers`
//! resource, its `Settings` as `CombinedLayers`: hcsshim#2714, a field newer than the guest's
//! schema, is rejected there), then ignored; the guest is not emulated. Any other path is
//! `E_INVALIDARG`; adding something that exists is `HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)`,
//! removing or updating something missing is `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)`.

use serde_json::{Map, Value};

use crate::hresult::*;
use crate::schema::{Acceptance, validate_value_at};

enum Resource {
    Scalar(&'static str),
    Keyed(Vec<String>),
    List(Vec<String>, &'static str),
}

fn resource(path: &str) -> Result<(Resource, &'static str), HcsError> {
    let seg: Vec<&str> = path.trim_matches('/').split('/').collect();
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Ok(match seg.as_slice() {
        ["VirtualMachine", "ComputeTopology", "Memory", "SizeInMB"] => (
            Resource::Scalar("/VirtualMachine/ComputeTopology/Memory/SizeInMB"),
            "u64",
        ),
        ["VirtualMachine", "ComputeTopology", "Processor", "Count"] => (
            Resource::Scalar("/VirtualMachine/ComputeTopology/Processor/Count"),
            "u32",
        ),
        ["VirtualMachine", "Devices", "Scsi", c, "Attachments", lun]
            if lun.parse::<u32>().is_ok() =>
        {
            (
                Resource::Keyed(owned(&[
                    "VirtualMachine",
                    "Devices",
                    "Scsi",
                    c,
                    "Attachments",
                    lun,
                ])),
                "Attachment",
            )
        }
        ["VirtualMachine", "Devices", "NetworkAdapters", n] => (
            Resource::Keyed(owned(&["VirtualMachine", "Devices", "NetworkAdapters", n])),
            "NetworkAdapter",
        ),
        ["VirtualMachine", "Devices", "VirtualSmb", "Shares"] => (
            Resource::List(
                owned(&["VirtualMachine", "Devices", "VirtualSmb", "Shares"]),
                "Name",
            ),
            "VirtualSmbShare",
        ),
        ["VirtualMachine", "Devices", "Plan9", "Shares"] => (
            Resource::List(
                owned(&["VirtualMachine", "Devices", "Plan9", "Shares"]),
                "Name",
            ),
            "Plan9Share",
        ),
        ["Container", "MappedDirectories"] => (
            Resource::List(owned(&["Container", "MappedDirectories"]), "ContainerPath"),
            "MappedDirectory",
        ),
        _ => {
            return Err(HcsError::with(
                E_INVALIDARG,
                format!("ResourcePath {path:?} is not supported by the emulator"),
            ));
        }
    })
}

/// Validates the request's `Settings` against the type its resource path implies.
pub fn check(req: &Value, max: Acceptance) -> Result<(), HcsError> {
    if let Some(guest) = req.get("GuestRequest") {
        check_guest(guest, max)?;
    }
    let Some(path) = req.get("ResourcePath").and_then(Value::as_str) else {
        if req.get("GuestRequest").is_some() {
            return Ok(());
        }
        return Err(HcsError::with(
            HCS_E_INVALID_JSON,
            "ModifySettingRequest: ResourcePath is required",
        ));
    };
    let kind = req
        .get("RequestType")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            HcsError::with(
                HCS_E_INVALID_JSON,
                "ModifySettingRequest: RequestType is required",
            )
        })?;
    let (res, ty) = resource(path)?;
    let settings = req.get("Settings").unwrap_or(&Value::Null);
    let needs_settings = kind != "Remove" || matches!(res, Resource::List(..));
    if settings.is_null() {
        if needs_settings {
            return Err(HcsError::with(
                HCS_E_INVALID_JSON,
                "ModifySettingRequest: Settings is required",
            ));
        }
        return Ok(());
    }
    if matches!(res, Resource::Scalar(_)) && kind != "Update" {
        return Err(HcsError::with(
            E_INVALIDARG,
            format!("{path} only supports Update"),
        ));
    }
    validate_value_at(ty, settings, max, "Settings")
        .map_err(|e| HcsError::with(HCS_E_INVALID_JSON, format!("ModifySettingRequest: {e}")))
}

/// Validates a guest request and the settings of the resources whose type is known.
fn check_guest(guest: &Value, max: Acceptance) -> Result<(), HcsError> {
    let invalid = |e: crate::schema::ValidationError| {
        HcsError::with(HCS_E_INVALID_JSON, format!("ModifySettingRequest: {e}"))
    };
    validate_value_at("GuestModifySettingRequest", guest, max, "GuestRequest").map_err(invalid)?;
    let settings_type = match guest.get("ResourceType").and_then(Value::as_str) {
        Some("CombinedLayers") => "CombinedLayers",
        Some("MappedDirectory") => "MappedDirectory",
        _ => return Ok(()),
    };
    match guest.get("Settings") {
        Some(settings) => validate_value_at(settings_type, settings, max, "GuestRequest.Settings")
            .map_err(invalid),
        None => Ok(()),
    }
}

fn object_at<'a>(
    doc: &'a mut Value,
    path: &[String],
    create: bool,
) -> Result<&'a mut Map<String, Value>, HcsError> {
    let mut cur = doc;
    for seg in path {
        let obj = cur
            .as_object_mut()
            .ok_or_else(|| HcsError::with(HR_NOT_FOUND, seg.clone()))?;
        if !obj.contains_key(seg) {
            if !create {
                return Err(HcsError::with(
                    HR_NOT_FOUND,
                    format!("{seg} does not exist"),
                ));
            }
            obj.insert(seg.clone(), Value::Object(Map::new()));
        }
        cur = obj.get_mut(seg).expect("inserted");
    }
    cur.as_object_mut()
        .ok_or_else(|| HcsError::with(E_INVALIDARG, "not an object"))
}

/// Applies a checked request to a system's document.
pub fn apply(doc: &mut Value, req: &Value) -> Result<(), HcsError> {
    let Some(path) = req.get("ResourcePath").and_then(Value::as_str) else {
        return Ok(());
    };
    let kind = req.get("RequestType").and_then(Value::as_str).unwrap_or("");
    let settings = req.get("Settings").cloned().unwrap_or(Value::Null);
    let (res, _) = resource(path)?;
    let root = path.split('/').find(|s| !s.is_empty()).unwrap_or("");
    if doc.get(root).is_none() {
        return Err(HcsError::with(
            E_INVALIDARG,
            format!("the system has no {root}"),
        ));
    }
    match res {
        Resource::Scalar(pointer) => {
            let (parent, leaf) = pointer.rsplit_once('/').expect("pointer");
            let segs: Vec<String> = parent.split('/').skip(1).map(String::from).collect();
            object_at(doc, &segs, true)?.insert(leaf.to_string(), settings);
        }
        Resource::Keyed(segs) => {
            let (key, parent) = segs.split_last().expect("segments");
            // A SCSI controller must exist before attachments are added to it.
            let create = !parent.iter().any(|s| s == "Attachments");
            let map = object_at(doc, parent, create)?;
            match kind {
                "Add" if map.contains_key(key) => {
                    return Err(HcsError::with(HR_ALREADY_EXISTS, path));
                }
                "Add" => {
                    map.insert(key.clone(), settings);
                }
                "Remove" | "Update" if !map.contains_key(key) => {
                    return Err(HcsError::with(HR_NOT_FOUND, path));
                }
                "Remove" => {
                    map.remove(key);
                }
                _ => {
                    map.insert(key.clone(), settings);
                }
            }
        }
        Resource::List(segs, key_field) => {
            let (leaf, parent) = segs.split_last().expect("segments");
            let obj = object_at(doc, parent, true)?;
            let list = obj
                .entry(leaf.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            let arr = list
                .as_array_mut()
                .ok_or_else(|| HcsError::with(E_INVALIDARG, "not a list"))?;
            let key = settings.get(key_field).cloned().unwrap_or(Value::Null);
            let pos = arr.iter().position(|v| v.get(key_field) == Some(&key));
            match (kind, pos) {
                ("Add", Some(_)) => {
                    return Err(HcsError::with(HR_ALREADY_EXISTS, format!("{path}: {key}")));
                }
                ("Add", None) => arr.push(settings),
                (_, None) => return Err(HcsError::with(HR_NOT_FOUND, format!("{path}: {key}"))),
                ("Remove", Some(i)) => {
                    arr.remove(i);
                }
                (_, Some(i)) => arr[i] = settings,
            }
        }
    }
    Ok(())
}
