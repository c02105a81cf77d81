//! Container layers and storage (computestorage.dll).

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use crate::call::{call, call_returning};
use crate::document::{encode_document, encode_schema};
use crate::error::{Error, Result};
use crate::ffi::HANDLE;
use crate::hresult::HResult;
use crate::library::Hcs;
use crate::schema::{ExportLayerOptions, LayerData, OsLayerOptions};
use crate::strings::{WideString, opt_ptr};
use crate::trace::Subject;

/// A borrowed handle to an attached VHD, for the layer functions that take
/// one (`HcsSetupBaseOSLayer`, `HcsFormatWritableLayerVhd`,
/// `HcsGetLayerVhdMountPath`).
#[derive(Clone, Copy)]
pub struct VhdHandle<'a> {
    raw: HANDLE,
    _borrow: PhantomData<&'a ()>,
}

impl VhdHandle<'_> {
    /// Borrows a raw VHD handle.
    ///
    /// # Safety
    /// `raw` must stay a valid VHD handle for the borrow's lifetime.
    pub unsafe fn from_raw(raw: HANDLE) -> Self {
        VhdHandle {
            raw,
            _borrow: PhantomData,
        }
    }

    /// The raw handle.
    pub fn as_raw(&self) -> HANDLE {
        self.raw
    }
}

#[cfg(windows)]
impl<'a> From<std::os::windows::io::BorrowedHandle<'a>> for VhdHandle<'a> {
    fn from(handle: std::os::windows::io::BorrowedHandle<'a>) -> Self {
        use std::os::windows::io::AsRawHandle;
        VhdHandle {
            raw: handle.as_raw_handle(),
            _borrow: PhantomData,
        }
    }
}

/// Borrows an open file's handle (on Windows its `HANDLE`; elsewhere its
/// file descriptor, the emulator's convention).
impl<'a> From<&'a std::fs::File> for VhdHandle<'a> {
    fn from(file: &'a std::fs::File) -> Self {
        #[cfg(windows)]
        let raw = {
            use std::os::windows::io::AsRawHandle;
            file.as_raw_handle()
        };
        #[cfg(unix)]
        let raw = {
            use std::os::fd::AsRawFd;
            file.as_raw_fd() as isize as HANDLE
        };
        #[cfg(not(any(windows, unix)))]
        let raw = {
            let _ = file;
            std::ptr::null_mut()
        };
        VhdHandle {
            raw,
            _borrow: PhantomData,
        }
    }
}

impl fmt::Debug for VhdHandle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VhdHandle({:#x})", self.raw as usize)
    }
}

fn path(path: &Path, what: &str) -> Result<WideString> {
    WideString::from_path(path, what)
}

fn layer_data_typed(hcs: &Hcs, function: &'static str, data: &LayerData) -> Result<WideString> {
    encode_schema(hcs, function, data)
}

impl Hcs {
    /// `HcsImportLayer`: imports a layer from `source_folder` into `layer_path`.
    pub fn import_layer(
        &self,
        layer_path: &Path,
        source_folder: &Path,
        layer_data: &LayerData,
    ) -> Result<()> {
        let data = layer_data_typed(self, "HcsImportLayer", layer_data)?;
        self.import_layer_encoded(layer_path, source_folder, data)
    }

    /// `HcsImportLayer` with raw JSON `LayerData`.
    pub fn import_layer_raw(
        &self,
        layer_path: &Path,
        source_folder: &Path,
        layer_data: &str,
    ) -> Result<()> {
        let data = encode_document("HcsImportLayer", layer_data)?;
        self.import_layer_encoded(layer_path, source_folder, data)
    }

    fn import_layer_encoded(
        &self,
        layer_path: &Path,
        source_folder: &Path,
        data: WideString,
    ) -> Result<()> {
        let f = self.api.HcsImportLayer()?;
        let layer = path(layer_path, "layer path")?;
        let source = path(source_folder, "source folder path")?;
        call("HcsImportLayer", &Subject::NONE, &[Some(&data)], || {
            // SAFETY: every string outlives the call.
            unsafe { f(layer.as_ptr(), source.as_ptr(), data.as_ptr()) }
        })
    }

    /// `HcsExportLayer` with typed `LayerData` and options.
    pub fn export_layer(
        &self,
        layer_path: &Path,
        export_folder: &Path,
        layer_data: &LayerData,
        options: &ExportLayerOptions,
    ) -> Result<()> {
        let data = layer_data_typed(self, "HcsExportLayer", layer_data)?;
        let options = encode_schema(self, "HcsExportLayer", options)?;
        self.export_layer_encoded(layer_path, export_folder, data, options)
    }

    /// `HcsExportLayer` with raw JSON `LayerData` and options.
    pub fn export_layer_raw(
        &self,
        layer_path: &Path,
        export_folder: &Path,
        layer_data: &str,
        options: &str,
    ) -> Result<()> {
        let data = encode_document("HcsExportLayer", layer_data)?;
        let options = encode_document("HcsExportLayer", options)?;
        self.export_layer_encoded(layer_path, export_folder, data, options)
    }

    fn export_layer_encoded(
        &self,
        layer_path: &Path,
        export_folder: &Path,
        data: WideString,
        options: WideString,
    ) -> Result<()> {
        let f = self.api.HcsExportLayer()?;
        let layer = path(layer_path, "layer path")?;
        let export = path(export_folder, "export folder path")?;
        let sends = [Some(&data), Some(&options)];
        call("HcsExportLayer", &Subject::NONE, &sends, || {
            // SAFETY: every string outlives the call.
            unsafe {
                f(
                    layer.as_ptr(),
                    export.as_ptr(),
                    data.as_ptr(),
                    options.as_ptr(),
                )
            }
        })
    }

    /// `HcsExportLegacyWritableLayer`.
    pub fn export_legacy_writable_layer(
        &self,
        mount_path: &Path,
        folder_path: &Path,
        export_folder: &Path,
        layer_data: &LayerData,
    ) -> Result<()> {
        let f = self.api.HcsExportLegacyWritableLayer()?;
        let data = layer_data_typed(self, "HcsExportLegacyWritableLayer", layer_data)?;
        let mount = path(mount_path, "writable layer mount path")?;
        let folder = path(folder_path, "writable layer folder path")?;
        let export = path(export_folder, "export folder path")?;
        let sends = [Some(&data)];
        call(
            "HcsExportLegacyWritableLayer",
            &Subject::NONE,
            &sends,
            || {
                // SAFETY: every string outlives the call.
                unsafe {
                    f(
                        mount.as_ptr(),
                        folder.as_ptr(),
                        export.as_ptr(),
                        data.as_ptr(),
                    )
                }
            },
        )
    }

    /// `HcsDestroyLayer`: deletes a layer from disk.
    pub fn destroy_layer(&self, layer_path: &Path) -> Result<()> {
        let f = self.api.HcsDestroyLayer()?;
        let layer = path(layer_path, "layer path")?;
        call("HcsDestroyLayer", &Subject::NONE, &[], || {
            // SAFETY: the string outlives the call.
            unsafe { f(layer.as_ptr()) }
        })
    }

    /// `HcsSetupBaseOSLayer`: sets up a base OS layer on a VHD.
    pub fn setup_base_os_layer(
        &self,
        layer_path: &Path,
        vhd: VhdHandle<'_>,
        options: &OsLayerOptions,
    ) -> Result<()> {
        let options = encode_schema(self, "HcsSetupBaseOSLayer", options)?;
        self.setup_base_os_layer_encoded(layer_path, vhd, options)
    }

    /// `HcsSetupBaseOSLayer` with raw JSON `OsLayerOptions`.
    pub fn setup_base_os_layer_raw(
        &self,
        layer_path: &Path,
        vhd: VhdHandle<'_>,
        options: &str,
    ) -> Result<()> {
        let options = encode_document("HcsSetupBaseOSLayer", options)?;
        self.setup_base_os_layer_encoded(layer_path, vhd, options)
    }

    fn setup_base_os_layer_encoded(
        &self,
        layer_path: &Path,
        vhd: VhdHandle<'_>,
        options: WideString,
    ) -> Result<()> {
        let f = self.api.HcsSetupBaseOSLayer()?;
        let layer = path(layer_path, "layer path")?;
        call(
            "HcsSetupBaseOSLayer",
            &Subject::NONE,
            &[Some(&options)],
            || {
                // SAFETY: the strings outlive the call; the VHD handle is borrowed.
                unsafe { f(layer.as_ptr(), vhd.raw, options.as_ptr()) }
            },
        )
    }

    /// `HcsSetupBaseOSVolume`: sets up a base OS layer on a mounted volume
    /// (newer Windows builds only).
    pub fn setup_base_os_volume(
        &self,
        layer_path: &Path,
        volume_path: &Path,
        options: &OsLayerOptions,
    ) -> Result<()> {
        let f = self.api.HcsSetupBaseOSVolume()?;
        let options = encode_schema(self, "HcsSetupBaseOSVolume", options)?;
        let layer = path(layer_path, "layer path")?;
        let volume = path(volume_path, "volume path")?;
        call(
            "HcsSetupBaseOSVolume",
            &Subject::NONE,
            &[Some(&options)],
            || {
                // SAFETY: every string outlives the call.
                unsafe { f(layer.as_ptr(), volume.as_ptr(), options.as_ptr()) }
            },
        )
    }

    /// `HcsInitializeWritableLayer`, with optional raw JSON options.
    pub fn initialize_writable_layer(
        &self,
        writable_layer_path: &Path,
        layer_data: &LayerData,
        options: Option<&str>,
    ) -> Result<()> {
        let f = self.api.HcsInitializeWritableLayer()?;
        let data = layer_data_typed(self, "HcsInitializeWritableLayer", layer_data)?;
        let options = options
            .map(|o| encode_document("HcsInitializeWritableLayer", o))
            .transpose()?;
        let layer = path(writable_layer_path, "writable layer path")?;
        let sends = [Some(&data), options.as_ref()];
        call("HcsInitializeWritableLayer", &Subject::NONE, &sends, || {
            // SAFETY: every string outlives the call.
            unsafe { f(layer.as_ptr(), data.as_ptr(), opt_ptr(options.as_ref())) }
        })
    }

    /// `HcsInitializeLegacyWritableLayer`, with optional raw JSON options.
    pub fn initialize_legacy_writable_layer(
        &self,
        mount_path: &Path,
        folder_path: &Path,
        layer_data: &LayerData,
        options: Option<&str>,
    ) -> Result<()> {
        let f = self.api.HcsInitializeLegacyWritableLayer()?;
        let data = layer_data_typed(self, "HcsInitializeLegacyWritableLayer", layer_data)?;
        let options = options
            .map(|o| encode_document("HcsInitializeLegacyWritableLayer", o))
            .transpose()?;
        let mount = path(mount_path, "writable layer mount path")?;
        let folder = path(folder_path, "writable layer folder path")?;
        let sends = [Some(&data), options.as_ref()];
        call(
            "HcsInitializeLegacyWritableLayer",
            &Subject::NONE,
            &sends,
            || {
                // SAFETY: every string outlives the call.
                unsafe {
                    f(
                        mount.as_ptr(),
                        folder.as_ptr(),
                        data.as_ptr(),
                        opt_ptr(options.as_ref()),
                    )
                }
            },
        )
    }

    /// `HcsAttachLayerStorageFilter`.
    pub fn attach_layer_storage_filter(
        &self,
        layer_path: &Path,
        layer_data: &LayerData,
    ) -> Result<()> {
        let f = self.api.HcsAttachLayerStorageFilter()?;
        let data = layer_data_typed(self, "HcsAttachLayerStorageFilter", layer_data)?;
        let layer = path(layer_path, "layer path")?;
        call(
            "HcsAttachLayerStorageFilter",
            &Subject::NONE,
            &[Some(&data)],
            || {
                // SAFETY: the strings outlive the call.
                unsafe { f(layer.as_ptr(), data.as_ptr()) }
            },
        )
    }

    /// `HcsDetachLayerStorageFilter`.
    pub fn detach_layer_storage_filter(&self, layer_path: &Path) -> Result<()> {
        let f = self.api.HcsDetachLayerStorageFilter()?;
        let layer = path(layer_path, "layer path")?;
        call("HcsDetachLayerStorageFilter", &Subject::NONE, &[], || {
            // SAFETY: the string outlives the call.
            unsafe { f(layer.as_ptr()) }
        })
    }

    /// `HcsFormatWritableLayerVhd`: formats an attached VHD for a writable layer.
    pub fn format_writable_layer_vhd(&self, vhd: VhdHandle<'_>) -> Result<()> {
        let f = self.api.HcsFormatWritableLayerVhd()?;
        call("HcsFormatWritableLayerVhd", &Subject::NONE, &[], || {
            // SAFETY: the VHD handle is borrowed for the call.
            unsafe { f(vhd.raw) }
        })
    }

    /// `HcsAttachOverlayFilter` (newer Windows builds): attaches the layers
    /// of `layer_data` as an overlay on a mounted volume.
    pub fn attach_overlay_filter(
        &self,
        volume_mount_point: &Path,
        layer_data: &LayerData,
    ) -> Result<()> {
        self.overlay_filter(true, volume_mount_point, layer_data)
    }

    /// `HcsDetachOverlayFilter` (newer Windows builds).
    pub fn detach_overlay_filter(
        &self,
        volume_mount_point: &Path,
        layer_data: &LayerData,
    ) -> Result<()> {
        self.overlay_filter(false, volume_mount_point, layer_data)
    }

    fn overlay_filter(&self, attach: bool, volume: &Path, layer_data: &LayerData) -> Result<()> {
        let (f, name) = if attach {
            (self.api.HcsAttachOverlayFilter()?, "HcsAttachOverlayFilter")
        } else {
            (self.api.HcsDetachOverlayFilter()?, "HcsDetachOverlayFilter")
        };
        let data = layer_data_typed(self, name, layer_data)?;
        let volume = path(volume, "volume mount point")?;
        call(name, &Subject::NONE, &[Some(&data)], || {
            // SAFETY: the strings outlive the call.
            unsafe { f(volume.as_ptr(), data.as_ptr()) }
        })
    }

    /// `HcsGetLayerVhdMountPath`: where an attached layer VHD is mounted.
    pub fn layer_vhd_mount_path(&self, vhd: VhdHandle<'_>) -> Result<String> {
        let f = self.api.HcsGetLayerVhdMountPath()?;
        let mount_path = call_returning(
            self.api,
            "HcsGetLayerVhdMountPath",
            &Subject::NONE,
            &[],
            // SAFETY: the VHD handle is borrowed; the out-pointer outlives the call.
            |result| unsafe { f(vhd.raw, result) },
        )?;
        mount_path.ok_or_else(|| Error::hcs(HResult::E_POINTER, "HcsGetLayerVhdMountPath", None))
    }
}
