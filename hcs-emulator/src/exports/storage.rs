//! The computestorage.dll exports, on real directories.
//!
//! Layers are ordinary folders. Each function checks its arguments and documents as HCS does,
//! then does the file-system part for real: importing copies the source folder into the layer,
//! exporting copies it back out, destroying removes it, and the set-up/initialize functions
//! create the folder and write a marker file `hcs-emulator-layer.json` recording what was done.
//! Storage filters are recorded in memory (see `HcsEmulatorGetStatistics`). VHD handles are
//! file descriptors on Unix: formatting writes a signature at the start of the file and the
//! mount path is a real directory under the temp directory, stable per file.

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
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::engine::emu;
use crate::exports::{ffi, parse_doc};
use crate::hresult::*;
use crate::wide;

type PCWSTR = *const u16;
type PWSTR = *mut u16;
type HANDLE = *mut c_void;

/// The marker file written into layer folders.
pub const MARKER: &str = "hcs-emulator-layer.json";

fn read(p: PCWSTR, what: &str) -> Result<String, HcsError> {
    // SAFETY: caller-provided NUL-terminated string.
    let s = unsafe { wide::read_required(p, what) }?;
    if s.is_empty() {
        return Err(HcsError::with(E_INVALIDARG, format!("{what} is empty")));
    }
    Ok(s)
}

fn opt(p: PCWSTR) -> Result<Option<String>, HcsError> {
    // SAFETY: caller-provided string or NULL.
    unsafe { wide::read(p) }
}

fn doc(ty: &str, text: Option<&str>) -> Result<Option<Value>, HcsError> {
    let max = emu().lock().config.acceptance();
    parse_doc(max, ty, text)
}

fn require_dir(p: &str) -> Result<(), HcsError> {
    if Path::new(p).is_dir() {
        Ok(())
    } else {
        Err(HcsError::with(HR_PATH_NOT_FOUND, p))
    }
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), HcsError> {
    std::fs::create_dir_all(to).map_err(|e| from_io(&e))?;
    for entry in std::fs::read_dir(from).map_err(|e| from_io(&e))? {
        let entry = entry.map_err(|e| from_io(&e))?;
        if entry.file_name() == MARKER {
            continue;
        }
        let target = to.join(entry.file_name());
        let ft = entry.file_type().map_err(|e| from_io(&e))?;
        if ft.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| from_io(&e))?;
        }
    }
    Ok(())
}

fn mark(dir: &str, record: Value) -> Result<(), HcsError> {
    std::fs::create_dir_all(dir).map_err(|e| from_io(&e))?;
    std::fs::write(Path::new(dir).join(MARKER), record.to_string()).map_err(|e| from_io(&e))
}

/// `HcsImportLayer`: copies `sourceFolderPath` into `layerPath`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsImportLayer(
    layerPath: PCWSTR,
    sourceFolderPath: PCWSTR,
    layerData: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        let source = read(sourceFolderPath, "sourceFolderPath")?;
        let data = doc("LayerData", Some(&read(layerData, "layerData")?))?;
        require_dir(&source)?;
        copy_dir(Path::new(&source), Path::new(&layer))?;
        mark(&layer, json!({ "Kind": "Imported", "LayerData": data }))
    })
}

/// `HcsExportLayer`: copies `layerPath` into `exportFolderPath`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsExportLayer(
    layerPath: PCWSTR,
    exportFolderPath: PCWSTR,
    layerData: PCWSTR,
    options: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        let export = read(exportFolderPath, "exportFolderPath")?;
        doc("LayerData", Some(&read(layerData, "layerData")?))?;
        doc("ExportLayerOptions", opt(options)?.as_deref())?;
        require_dir(&layer)?;
        copy_dir(Path::new(&layer), Path::new(&export))
    })
}

/// `HcsExportLegacyWritableLayer`: copies `writableLayerFolderPath` into `exportFolderPath`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsExportLegacyWritableLayer(
    writableLayerMountPath: PCWSTR,
    writableLayerFolderPath: PCWSTR,
    exportFolderPath: PCWSTR,
    layerData: PCWSTR,
) -> HRESULT {
    ffi(|| {
        read(writableLayerMountPath, "writableLayerMountPath")?;
        let folder = read(writableLayerFolderPath, "writableLayerFolderPath")?;
        let export = read(exportFolderPath, "exportFolderPath")?;
        doc("LayerData", Some(&read(layerData, "layerData")?))?;
        require_dir(&folder)?;
        copy_dir(Path::new(&folder), Path::new(&export))
    })
}

/// `HcsDestroyLayer`: removes the folder (and any storage filter recorded for it).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsDestroyLayer(layerPath: PCWSTR) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        require_dir(&layer)?;
        std::fs::remove_dir_all(&layer).map_err(|e| from_io(&e))?;
        emu().lock().attached_layers.remove(&layer);
        Ok(())
    })
}

/// `HcsSetupBaseOSLayer`: `vhdHandle` must not be NULL; `options` is an `OsLayerOptions`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetupBaseOSLayer(
    layerPath: PCWSTR,
    vhdHandle: HANDLE,
    options: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        if vhdHandle.is_null() {
            return Err(HcsError::with(E_INVALIDARG, "vhdHandle is NULL"));
        }
        let o = doc("OsLayerOptions", opt(options)?.as_deref())?;
        mark(&layer, json!({ "Kind": "BaseOSLayer", "Options": o }))
    })
}

/// `HcsSetupBaseOSVolume`: `volumePath` must be an existing folder.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsSetupBaseOSVolume(
    layerPath: PCWSTR,
    volumePath: PCWSTR,
    options: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        let volume = read(volumePath, "volumePath")?;
        let o = doc("OsLayerOptions", opt(options)?.as_deref())?;
        require_dir(&volume)?;
        mark(
            &layer,
            json!({ "Kind": "BaseOSVolume", "Volume": volume, "Options": o }),
        )
    })
}

/// `HcsInitializeWritableLayer`: creates the folder with its marker.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsInitializeWritableLayer(
    writableLayerPath: PCWSTR,
    layerData: PCWSTR,
    options: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(writableLayerPath, "writableLayerPath")?;
        let data = doc("LayerData", Some(&read(layerData, "layerData")?))?;
        let o = opt(options)?;
        if let Some(o) = o.as_deref().filter(|o| !o.trim().is_empty()) {
            serde_json::from_str::<Value>(o).map_err(|e| HcsError::with(HCS_E_INVALID_JSON, e))?;
        }
        mark(&layer, json!({ "Kind": "Writable", "LayerData": data }))
    })
}

/// `HcsInitializeLegacyWritableLayer`: creates `writableLayerFolderPath` with its marker.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsInitializeLegacyWritableLayer(
    writableLayerMountPath: PCWSTR,
    writableLayerFolderPath: PCWSTR,
    layerData: PCWSTR,
    _options: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let mount = read(writableLayerMountPath, "writableLayerMountPath")?;
        let folder = read(writableLayerFolderPath, "writableLayerFolderPath")?;
        let data = doc("LayerData", Some(&read(layerData, "layerData")?))?;
        mark(
            &folder,
            json!({ "Kind": "LegacyWritable", "Mount": mount, "LayerData": data }),
        )
    })
}

/// `HcsAttachLayerStorageFilter`: the layer folder must exist; attaching twice is
/// `HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)`.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsAttachLayerStorageFilter(
    layerPath: PCWSTR,
    layerData: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        doc("LayerData", Some(&read(layerData, "layerData")?))?;
        require_dir(&layer)?;
        if !emu().lock().attached_layers.insert(layer.clone()) {
            return Err(HcsError::with(HR_ALREADY_EXISTS, layer));
        }
        Ok(())
    })
}

/// `HcsDetachLayerStorageFilter`: `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)` if not attached.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsDetachLayerStorageFilter(layerPath: PCWSTR) -> HRESULT {
    ffi(|| {
        let layer = read(layerPath, "layerPath")?;
        if !emu().lock().attached_layers.remove(&layer) {
            return Err(HcsError::with(HR_NOT_FOUND, layer));
        }
        Ok(())
    })
}

/// The identity of the file behind a VHD handle.
#[cfg(unix)]
fn vhd_identity(h: HANDLE) -> Result<String, HcsError> {
    let fd = h as isize;
    if h.is_null() || fd < 0 || fd > i32::MAX as isize {
        return Err(HcsError::with(
            E_HANDLE,
            "vhdHandle is not a file descriptor",
        ));
    }
    // SAFETY: an all-zero `stat` is a valid value for fstat to overwrite.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat only reads the descriptor number and writes `st`.
    if unsafe { libc::fstat(fd as i32, &mut st) } != 0 {
        return Err(HcsError::with(E_HANDLE, "vhdHandle is not an open file"));
    }
    if st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return Err(HcsError::with(
            E_INVALIDARG,
            "vhdHandle is not a regular file",
        ));
    }
    Ok(format!("{}-{}", st.st_dev, st.st_ino))
}

/// The identity of the file behind a VHD handle (the handle value off Unix).
#[cfg(not(unix))]
fn vhd_identity(h: HANDLE) -> Result<String, HcsError> {
    if h.is_null() {
        return Err(HcsError::with(E_HANDLE, "vhdHandle is NULL"));
    }
    Ok(format!("{:x}", h as usize))
}

/// The signature `HcsFormatWritableLayerVhd` writes at the start of the file.
pub const VHD_SIGNATURE: &[u8] = b"HCS-EMULATOR-NTFS";

/// `HcsFormatWritableLayerVhd`: writes [`VHD_SIGNATURE`] at offset 0 of the file.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsFormatWritableLayerVhd(vhdHandle: HANDLE) -> HRESULT {
    ffi(|| {
        vhd_identity(vhdHandle)?;
        #[cfg(unix)]
        {
            // SAFETY: the descriptor was checked to be an open regular file; the buffer is
            // valid for its length.
            let n = unsafe {
                libc::pwrite(
                    vhdHandle as isize as i32,
                    VHD_SIGNATURE.as_ptr().cast(),
                    VHD_SIGNATURE.len(),
                    0,
                )
            };
            if n != VHD_SIGNATURE.len() as isize {
                return Err(from_io(&std::io::Error::last_os_error()));
            }
        }
        Ok(())
    })
}

/// `HcsGetLayerVhdMountPath`: a real directory, the same for every handle to the same file.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsGetLayerVhdMountPath(
    vhdHandle: HANDLE,
    mountPath: *mut PWSTR,
) -> HRESULT {
    ffi(|| {
        if mountPath.is_null() {
            return Err(HcsError::with(E_POINTER, "mountPath is NULL"));
        }
        // SAFETY: checked non-NULL.
        unsafe { wide::clear(mountPath) };
        let id = vhd_identity(vhdHandle)?;
        let path = {
            let mut st = emu().lock();
            st.vhd_mounts
                .entry(id.clone())
                .or_insert_with(|| {
                    let dir: PathBuf = std::env::temp_dir()
                        .join("hcs-emulator-mounts")
                        .join(format!("{}-{id}", std::process::id()));
                    dir.to_string_lossy().into_owned()
                })
                .clone()
        };
        std::fs::create_dir_all(&path).map_err(|e| from_io(&e))?;
        // SAFETY: checked non-NULL.
        unsafe { wide::store(mountPath, Some(&path)) };
        Ok(())
    })
}

/// `HcsAttachOverlayFilter`: recorded.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsAttachOverlayFilter(
    VolumeMountPoint: PCWSTR,
    LayerData: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let volume = read(VolumeMountPoint, "VolumeMountPoint")?;
        let data = read(LayerData, "LayerData")?;
        doc("LayerData", Some(&data))?;
        if !emu().lock().overlays.insert((volume.clone(), data)) {
            return Err(HcsError::with(HR_ALREADY_EXISTS, volume));
        }
        Ok(())
    })
}

/// `HcsDetachOverlayFilter`: `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)` if not attached.
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsDetachOverlayFilter(
    VolumeMountPoint: PCWSTR,
    LayerData: PCWSTR,
) -> HRESULT {
    ffi(|| {
        let volume = read(VolumeMountPoint, "VolumeMountPoint")?;
        let data = read(LayerData, "LayerData")?;
        if !emu().lock().overlays.remove(&(volume.clone(), data)) {
            return Err(HcsError::with(HR_NOT_FOUND, volume));
        }
        Ok(())
    })
}
