//! Service calls, VM file utilities and the computestorage layer functions.

mod common;

use std::path::{Path, PathBuf};

use common::{doc, hcs, unique_id, vm_document};
use hcs::{Error, HResult, VhdHandle};
use serde_json::json;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique_id(&format!("hcs-test-{name}")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn service_properties_in_every_form() {
    let hcs = hcs();
    let properties = hcs
        .service_properties(&doc(json!({ "PropertyTypes": ["Basic"] })))
        .unwrap();
    let first = &properties.properties.as_ref().expect("Properties")[0];
    assert!(
        first.to_string().contains("SupportedSchemaVersions"),
        "{first}"
    );
    let raw = hcs.service_properties_raw(None).unwrap();
    assert!(raw.contains("SupportedSchemaVersions"), "{raw}");
    let value: serde_json::Value = hcs
        .service_properties_as(&json!({ "PropertyTypes": ["ProcessorTopology"] }))
        .unwrap();
    assert!(
        value["Properties"][0]["LogicalProcessorCount"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let error = hcs
        .service_properties_raw(Some("{\"PropertyTypes\": [42]}"))
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
}

#[test]
fn modify_service_settings_and_wer_reports() {
    let hcs = hcs();
    hcs.modify_service_settings(&doc(json!({
        "PropertyType": "CpuGroup",
        "Settings": { "Operation": "CreateGroup", "OperationDetails": { "GroupId": "00000000-0000-0000-0000-000000000001", "LogicalProcessors": [0], "LogicalProcessorCount": 1 } }
    })))
    .unwrap();
    let error = hcs.modify_service_settings_raw("{}").unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    let result = error
        .hcs_error()
        .unwrap()
        .result
        .as_ref()
        .expect("a ResultError document");
    assert!(
        result
            .error_message
            .as_deref()
            .unwrap_or_default()
            .contains("PropertyType"),
        "{result:?}"
    );

    let report = doc(
        json!({ "SystemId": unique_id("wer"), "ActivityId": "00000000-0000-0000-0000-000000000002" }),
    );
    hcs.submit_wer_report(&report).unwrap();
    hcs.submit_wer_report_raw(&serde_json::to_string(&report).unwrap())
        .unwrap();
    let error = hcs.submit_wer_report_raw("{\"SystemId\": 5}").unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
}

#[test]
fn state_files_access_grants_and_processor_compatibility() {
    let hcs = hcs();
    let dir = scratch("files");
    let vmgs = dir.join("guest.vmgs");
    let vmrs = dir.join("runtime.vmrs");
    hcs.create_empty_guest_state_file(&vmgs).unwrap();
    hcs.create_empty_runtime_state_file(&vmrs).unwrap();
    assert!(vmgs.is_file() && vmrs.is_file());

    let vm = unique_id("vm");
    hcs.grant_vm_access(&vm, &vmgs).unwrap();
    hcs.revoke_vm_access(&vm, &vmgs).unwrap();
    hcs.grant_vm_group_access(&vmrs).unwrap();
    hcs.revoke_vm_group_access(&vmrs).unwrap();
    let missing = dir.join("missing.vhdx");
    let error = hcs.grant_vm_access(&vm, &missing).unwrap_err();
    assert!(
        error.code().is_some_and(|c| c.win32_code().is_some()),
        "{error:?}"
    );
    assert!(hcs.grant_vm_group_access(&missing).is_err());
    let error = hcs.grant_vm_access("bad\0vm", &vmgs).unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }));

    // Processor compatibility of a file saved by HcsSaveComputeSystem.
    let system = hcs
        .create_compute_system(&unique_id("save"), &vm_document())
        .unwrap();
    system.start().unwrap();
    system.pause().unwrap();
    let saved = dir.join("saved.vmrs");
    system
        .save_with(&doc(
            json!({ "SaveType": "ToFile", "SaveStateFilePath": saved.to_str().unwrap() }),
        ))
        .unwrap();
    let features = hcs
        .processor_compatibility_from_saved_state(&saved)
        .unwrap()
        .expect("features");
    assert!(
        serde_json::from_str::<serde_json::Value>(&features).is_ok(),
        "{features}"
    );
    let error = hcs
        .processor_compatibility_from_saved_state(&missing)
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    system.terminate().unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

fn layer_data(path: &Path) -> hcs::schema::LayerData {
    doc(
        json!({ "SchemaVersion": { "Major": 2, "Minor": 1 }, "Layers": [ { "Id": "00000000-0000-0000-0000-0000000000aa", "Path": path.to_str().unwrap() } ] }),
    )
}

#[test]
fn layers_import_export_destroy_and_filters() {
    let hcs = hcs();
    let dir = scratch("layers");
    let source = dir.join("source");
    std::fs::create_dir_all(&source).unwrap();
    std::fs::write(source.join("file.txt"), b"layer content").unwrap();
    let layer = dir.join("layer");
    let data = layer_data(&layer);

    hcs.import_layer(&layer, &source, &data).unwrap();
    assert_eq!(
        std::fs::read(layer.join("file.txt")).unwrap(),
        b"layer content"
    );
    let export = dir.join("export");
    hcs.export_layer(&layer, &export, &data, &Default::default())
        .unwrap();
    assert!(export.join("file.txt").is_file());
    let export_raw = dir.join("export-raw");
    hcs.export_layer_raw(
        &layer,
        &export_raw,
        &serde_json::to_string(&data).unwrap(),
        "{}",
    )
    .unwrap();
    assert!(export_raw.join("file.txt").is_file());
    let imported_raw = dir.join("imported-raw");
    hcs.import_layer_raw(
        &imported_raw,
        &source,
        &serde_json::to_string(&data).unwrap(),
    )
    .unwrap();

    hcs.attach_layer_storage_filter(&layer, &data).unwrap();
    hcs.detach_layer_storage_filter(&layer).unwrap();
    let error = hcs.detach_layer_storage_filter(&layer).unwrap_err();
    assert!(error.code().is_some(), "detaching twice: {error:?}");

    let writable = dir.join("writable");
    hcs.initialize_writable_layer(&writable, &data, None)
        .unwrap();
    hcs.initialize_writable_layer(&dir.join("writable2"), &data, Some("{}"))
        .unwrap();
    let legacy = dir.join("legacy");
    hcs.initialize_legacy_writable_layer(&dir.join("mount"), &legacy, &data, None)
        .unwrap();
    hcs.export_legacy_writable_layer(
        &dir.join("mount"),
        &legacy,
        &dir.join("legacy-export"),
        &data,
    )
    .unwrap();

    let base = dir.join("base");
    hcs.setup_base_os_volume(&base, &dir, &doc(json!({ "Type": "Container" })))
        .unwrap();

    hcs.destroy_layer(&layer).unwrap();
    assert!(!layer.exists());
    let error = hcs
        .import_layer(&dir.join("x"), &dir.join("no-such-source"), &data)
        .unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    let error = hcs
        .import_layer_raw(&dir.join("y"), &source, "{\"Layers\": 7}")
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn vhd_functions_take_borrowed_handles() {
    let hcs = hcs();
    let dir = scratch("vhd");
    let path = dir.join("disk.vhdx");
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    file.set_len(4096).unwrap();
    let vhd = VhdHandle::from(&file);
    assert!(format!("{vhd:?}").starts_with("VhdHandle"));
    hcs.format_writable_layer_vhd(vhd).unwrap();
    let mount = hcs.layer_vhd_mount_path(vhd).unwrap();
    assert!(!mount.is_empty());
    assert_eq!(
        hcs.layer_vhd_mount_path(vhd).unwrap(),
        mount,
        "stable per file"
    );
    hcs.setup_base_os_layer(
        &dir.join("base-layer"),
        vhd,
        &doc(json!({ "Type": "Container" })),
    )
    .unwrap();
    hcs.setup_base_os_layer_raw(&dir.join("base-layer-raw"), vhd, "{}")
        .unwrap();
    drop(file);
    if cfg!(unix) {
        let content = std::fs::read(&path).unwrap();
        assert!(content.starts_with(b"HCS-EMULATOR-NTFS"));
    }
    // SAFETY: NULL is never a valid VHD handle; HCS rejects it.
    let null = unsafe { VhdHandle::from_raw(std::ptr::null_mut()) };
    let error = hcs.format_writable_layer_vhd(null).unwrap_err();
    assert!(error.is(HResult::E_HANDLE), "{error:?}");
    let error = hcs.layer_vhd_mount_path(null).unwrap_err();
    assert!(error.is(HResult::E_HANDLE), "{error:?}");
    std::fs::remove_dir_all(&dir).ok();
}
