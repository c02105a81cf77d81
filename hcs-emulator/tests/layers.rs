//! Layer functions (computestorage) on real directories.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handles the emulator returned, as
// the HCS C API requires; callback contexts point to boxes that outlive the handle they were
// registered on (closing the handle guarantees no later call).

mod common;
use common::*;

const LAYER_DATA: &str = r#"{"SchemaVersion":{"Major":2,"Minor":1},"Layers":[{"Id":"12345678-1234-1234-1234-123456789abc","Path":"/layers/base"}]}"#;

#[test]
fn import_export_destroy() {
    let (h, _g) = hcs();
    let f = &h.f;
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("Files/Windows")).unwrap();
    std::fs::write(src.join("Files/Windows/hello.txt"), "hi").unwrap();
    let layer = dir.path().join("layer");
    let export = dir.path().join("export");
    let p = |x: &std::path::Path| w(x.to_str().unwrap());
    let data = w(LAYER_DATA);
    unsafe {
        assert_eq!(
            (f.HcsImportLayer)(p(&layer).as_ptr(), p(&src).as_ptr(), data.as_ptr()),
            S_OK
        );
        assert_eq!(
            std::fs::read_to_string(layer.join("Files/Windows/hello.txt")).unwrap(),
            "hi"
        );
        assert!(layer.join("hcs-emulator-layer.json").is_file());
        let opts = w(r#"{"IsWritableLayer":false}"#);
        assert_eq!(
            (f.HcsExportLayer)(
                p(&layer).as_ptr(),
                p(&export).as_ptr(),
                data.as_ptr(),
                opts.as_ptr()
            ),
            S_OK
        );
        assert_eq!(
            std::fs::read_to_string(export.join("Files/Windows/hello.txt")).unwrap(),
            "hi"
        );
        assert!(!export.join("hcs-emulator-layer.json").exists());
        let bad = w(r#"{"Layers":[{"Id":"not-a-guid"}]}"#);
        assert_eq!(
            (f.HcsImportLayer)(p(&layer).as_ptr(), p(&src).as_ptr(), bad.as_ptr()),
            HCS_E_INVALID_JSON
        );
        let missing = dir.path().join("missing");
        assert_eq!(
            (f.HcsImportLayer)(p(&layer).as_ptr(), p(&missing).as_ptr(), data.as_ptr()),
            HR_PATH_NOT_FOUND
        );
        assert_eq!(
            (f.HcsImportLayer)(std::ptr::null(), p(&src).as_ptr(), data.as_ptr()),
            E_INVALIDARG
        );
        assert_eq!(
            (f.HcsAttachLayerStorageFilter)(p(&layer).as_ptr(), data.as_ptr()),
            S_OK
        );
        assert_eq!(
            (f.HcsAttachLayerStorageFilter)(p(&layer).as_ptr(), data.as_ptr()),
            HR_ALREADY_EXISTS
        );
        assert_eq!(
            h.stats()["AttachedLayerStorageFilters"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!((f.HcsDetachLayerStorageFilter)(p(&layer).as_ptr()), S_OK);
        assert_eq!(
            (f.HcsDetachLayerStorageFilter)(p(&layer).as_ptr()),
            HR_NOT_FOUND
        );
        assert_eq!((f.HcsDestroyLayer)(p(&layer).as_ptr()), S_OK);
        assert!(!layer.exists());
        assert_eq!((f.HcsDestroyLayer)(p(&layer).as_ptr()), HR_PATH_NOT_FOUND);

        let writable = dir.path().join("writable");
        assert_eq!(
            (f.HcsInitializeWritableLayer)(p(&writable).as_ptr(), data.as_ptr(), std::ptr::null()),
            S_OK
        );
        assert!(writable.join("hcs-emulator-layer.json").is_file());
        let legacy = dir.path().join("legacy");
        let mount = w("/mnt/legacy");
        assert_eq!(
            (f.HcsInitializeLegacyWritableLayer)(
                mount.as_ptr(),
                p(&legacy).as_ptr(),
                data.as_ptr(),
                std::ptr::null()
            ),
            S_OK
        );
        std::fs::write(legacy.join("file"), "x").unwrap();
        let legacy_export = dir.path().join("legacy-export");
        assert_eq!(
            (f.HcsExportLegacyWritableLayer)(
                mount.as_ptr(),
                p(&legacy).as_ptr(),
                p(&legacy_export).as_ptr(),
                data.as_ptr()
            ),
            S_OK
        );
        assert!(legacy_export.join("file").is_file());
        let base = dir.path().join("base");
        let os_opts = w(r#"{"Type":"Container"}"#);
        assert_eq!(
            (f.HcsSetupBaseOSLayer)(p(&base).as_ptr(), std::ptr::null_mut(), os_opts.as_ptr()),
            E_INVALIDARG
        );
        assert_eq!(
            (f.HcsSetupBaseOSLayer)(p(&base).as_ptr(), 3 as H, os_opts.as_ptr()),
            S_OK
        );
        let bad_opts = w(r#"{"Type":7}"#);
        assert_eq!(
            (f.HcsSetupBaseOSVolume)(p(&base).as_ptr(), p(&src).as_ptr(), bad_opts.as_ptr()),
            HCS_E_INVALID_JSON
        );
        assert_eq!(
            (f.HcsSetupBaseOSVolume)(p(&base).as_ptr(), p(&src).as_ptr(), os_opts.as_ptr()),
            S_OK
        );
        let vol = w("/volumes/v1");
        assert_eq!(
            (f.HcsAttachOverlayFilter)(vol.as_ptr(), data.as_ptr()),
            S_OK
        );
        assert_eq!(
            (f.HcsDetachOverlayFilter)(vol.as_ptr(), data.as_ptr()),
            S_OK
        );
        assert_eq!(
            (f.HcsDetachOverlayFilter)(vol.as_ptr(), data.as_ptr()),
            HR_NOT_FOUND
        );
    }
    h.finish();
}

#[cfg(unix)]
#[test]
fn vhd_handles_are_file_descriptors() {
    use std::io::Read;
    use std::os::fd::AsRawFd;
    let (h, _g) = hcs();
    let f = &h.f;
    let dir = tempfile::tempdir().unwrap();
    let vhd_path = dir.path().join("scratch.vhdx");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(&vhd_path)
        .unwrap();
    let handle = file.as_raw_fd() as isize as H;
    unsafe {
        assert_eq!((f.HcsFormatWritableLayerVhd)(handle), S_OK);
        let mut sig = String::new();
        std::fs::File::open(&vhd_path)
            .unwrap()
            .read_to_string(&mut sig)
            .unwrap();
        assert_eq!(sig, "HCS-EMULATOR-NTFS");
        assert_eq!(
            (f.HcsFormatWritableLayerVhd)(std::ptr::null_mut()),
            E_HANDLE
        );
        assert_eq!((f.HcsFormatWritableLayerVhd)(1_000_000 as H), E_HANDLE);
        let mut out = std::ptr::null_mut();
        assert_eq!((f.HcsGetLayerVhdMountPath)(handle, &mut out), S_OK);
        let mount = h.take(out).unwrap();
        assert!(std::path::Path::new(&mount).is_dir());
        // The same file through another descriptor has the same mount path.
        let again = std::fs::File::open(&vhd_path).unwrap();
        assert_eq!(
            (f.HcsGetLayerVhdMountPath)(again.as_raw_fd() as isize as H, &mut out),
            S_OK
        );
        assert_eq!(h.take(out).unwrap(), mount);
        assert_eq!(
            (f.HcsGetLayerVhdMountPath)(handle, std::ptr::null_mut()),
            E_POINTER
        );
        std::fs::remove_dir_all(&mount).unwrap();
    }
    h.finish();
}
