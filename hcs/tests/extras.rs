//! The exports beyond the documented set: namespaces, operation
//! notifications and properties, live migration, overlay filters.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::{LONG, doc, hcs, unique_id, vm_document};
use hcs::{Access, EventType, HResult, Operation, OperationOptions};
use serde_json::json;

#[test]
fn namespaces() {
    let hcs = hcs();
    let namespace = unique_id("ns");
    let id = unique_id("nsvm");
    let system = hcs
        .create_compute_system_in_namespace(&namespace, &id, &vm_document())
        .unwrap();
    let opened = hcs
        .open_compute_system_in_namespace(&namespace, &id, Access::GENERIC_ALL)
        .unwrap();
    opened.start().unwrap();
    let listed = hcs
        .enumerate_compute_systems_in_namespace(&namespace, None)
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id.as_deref(), Some(id.as_str()));
    let other = hcs
        .enumerate_compute_systems_in_namespace(&unique_id("empty-ns"), None)
        .unwrap();
    assert!(other.is_empty());
    // Not visible by id in the default namespace.
    let error = hcs
        .open_compute_system(&id, Access::GENERIC_ALL)
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_SYSTEM_NOT_FOUND), "{error:?}");
    let error = hcs
        .open_compute_system_in_namespace(&namespace, "nope", Access::GENERIC_ALL)
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_SYSTEM_NOT_FOUND), "{error:?}");
    let error = hcs
        .create_compute_system_in_namespace(&namespace, &id, &vm_document())
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_SYSTEM_ALREADY_EXISTS), "{error:?}");
    system.terminate().unwrap();
}

#[test]
fn operation_notifications_and_properties() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("notify"), &vm_document())
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let operation =
        Operation::with_notifications(&hcs, OperationOptions::PROGRESS_UPDATE, move |event| {
            let _ = tx.send(event.event_type);
        })
        .unwrap();
    assert!(operation.context().unwrap() != 0);
    // One context per operation (HcsGetOperationContext.md): it belongs to the
    // event callback, so neither a completion callback nor a context may take
    // it over.
    let mut operation = operation;
    let error = operation.set_callback(false, |_| {}).unwrap_err();
    assert!(
        matches!(error, hcs::Error::InvalidInput { .. }),
        "{error:?}"
    );
    let error = operation.set_context(7).unwrap_err();
    assert!(
        matches!(error, hcs::Error::InvalidInput { .. }),
        "{error:?}"
    );
    let library = unsafe { libloading::Library::new(common::emulator_path()) }.unwrap();
    type Start =
        unsafe extern "system" fn(hcs::raw::HCS_SYSTEM, hcs::raw::HCS_OPERATION, *const u16) -> i32;
    // SAFETY: the export has this signature.
    let start: libloading::Symbol<'_, Start> =
        unsafe { library.get(b"HcsStartComputeSystem\0") }.unwrap();
    // SAFETY: valid handles, no options.
    assert!(unsafe { start(system.as_raw(), operation.as_raw(), std::ptr::null()) } >= 0);
    operation.wait(LONG).unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        EventType::OPERATION_CALLBACK
    );

    let properties: serde_json::Value =
        serde_json::from_str(&operation.properties_raw(None).unwrap()).unwrap();
    assert!(properties.get("Operation").is_some(), "{properties}");
    let error = operation.properties_raw(Some("not json")).unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    drop(operation);
    assert!(rx.recv_timeout(Duration::from_millis(50)).is_err());
    system.terminate().unwrap();
    std::mem::forget(library);
}

#[test]
fn live_migration_is_typed_even_where_unsupported() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("lm"), &vm_document())
        .unwrap();
    system.start().unwrap();
    for result in [
        system.initialize_live_migration_on_source(),
        system.start_live_migration_on_source_raw(Some("{}")),
        system.start_live_migration_transfer(),
        system.finalize_live_migration(),
        system.cancel_live_migration(),
        common::block_on(system.cancel_live_migration_async()),
    ] {
        let error = result.unwrap_err();
        assert!(error.is(HResult::E_NOTIMPL), "{error:?}");
    }
    system.terminate().unwrap();
}

#[test]
fn overlay_filters() {
    let hcs = hcs();
    let volume = std::env::temp_dir().join(unique_id("overlay"));
    std::fs::create_dir_all(&volume).unwrap();
    let data: hcs::schema::LayerData = doc(
        json!({ "Layers": [ { "Id": "00000000-0000-0000-0000-0000000000bb", "Path": volume.to_str().unwrap() } ] }),
    );
    hcs.attach_overlay_filter(&volume, &data).unwrap();
    let error = hcs.attach_overlay_filter(&volume, &data).unwrap_err();
    assert!(
        error.is(HResult::HR_ALREADY_EXISTS),
        "attaching twice: {error:?}"
    );
    hcs.detach_overlay_filter(&volume, &data).unwrap();
    std::fs::remove_dir_all(&volume).ok();
}
