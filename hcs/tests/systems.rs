//! Compute-system lifecycle, properties, modify, enumerate, open, exit, events.

mod common;

use std::time::Duration;

use common::{LONG, block_on, doc, hcs, unique_id, vm_document};
use hcs::{Access, EventOptions, EventType, HResult};
use serde_json::{Value, json};

fn state(system: &hcs::ComputeSystem) -> String {
    let properties: Value = system.properties_as(&json!({})).expect("properties");
    properties["State"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn create_start_pause_resume_save_shut_down() {
    let hcs = hcs();
    let id = unique_id("life");
    let system = hcs
        .create_compute_system(&id, &vm_document())
        .expect("create");
    assert_eq!(state(&system), "Created");
    system.start().expect("start");
    assert_eq!(state(&system), "Running");
    system.pause().expect("pause");
    assert_eq!(state(&system), "Paused");
    system.resume().expect("resume");
    assert_eq!(state(&system), "Running");
    system
        .pause_with(&doc(json!({ "SuspensionLevel": "Suspend" })))
        .expect("pause with options");
    system
        .save_with(&doc(
            json!({ "SaveType": "ToFile", "SaveStateFilePath": "C:\\state.vmrs" }),
        ))
        .expect("save");
    system.resume().expect("resume after save");
    system.shut_down_raw(None).expect("shut down");
    let status = system.wait_for_exit(LONG).expect("exit status");
    assert!(status.status.is_some(), "{status:?}");
    // A stopped system cannot start again: typed error.
    let error = system.start().unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_STATE), "{error:?}");
}

#[test]
fn terminate_and_crash() {
    let hcs = hcs();
    let a = hcs
        .create_compute_system(&unique_id("term"), &vm_document())
        .unwrap();
    a.start().unwrap();
    a.terminate().unwrap();
    let exit = a.wait_for_exit_raw(LONG).unwrap();
    assert!(exit.is_some());

    let b = hcs
        .create_compute_system(&unique_id("crash"), &vm_document())
        .unwrap();
    b.start().unwrap();
    let events = b.events(EventOptions::NONE).unwrap();
    b.crash_with(&doc(json!({ "Type": "CrashGuest" }))).unwrap();
    let exited = events
        .take_while(|_| true)
        .find(|e| e.event_type == EventType::SYSTEM_EXITED)
        .expect("a SystemExited event");
    let status: hcs::schema::SystemExitStatus = exited.decode().unwrap();
    assert_eq!(
        status.status,
        Some(HResult::HCS_E_GUEST_CRITICAL_ERROR.0),
        "{status:?}"
    );
    assert_eq!(
        status.exit_type,
        Some(hcs::schema::NotificationType::UnexpectedExit),
        "{status:?}"
    );
}

#[test]
fn options_in_every_form() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("opts"), &vm_document())
        .unwrap();
    system.start_raw(None).unwrap();
    system.pause_raw(Some("{}")).unwrap();
    system.resume_raw(Some("{}")).unwrap();
    // Options of the wrong type are rejected by HCS with a typed error.
    let error = system
        .shut_down_raw(Some("{\"Mechanism\": 1}"))
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    system.terminate_raw(Some("{}")).unwrap();
}

#[test]
fn duplicate_ids_and_invalid_states_are_typed_errors() {
    let hcs = hcs();
    let id = unique_id("dup");
    let system = hcs.create_compute_system(&id, &vm_document()).unwrap();
    let error = hcs.create_compute_system(&id, &vm_document()).unwrap_err();
    assert!(error.is(HResult::HCS_E_SYSTEM_ALREADY_EXISTS), "{error:?}");
    // Pausing a system that never started.
    let error = system.pause().unwrap_err();
    assert!(error.code().is_some_and(|c| c.is_err()), "{error:?}");
    assert_eq!(
        error.hcs_error().unwrap().operation,
        "HcsPauseComputeSystem"
    );
}

#[test]
fn properties_modify_and_raw_forms() {
    let hcs = hcs();
    let id = unique_id("props");
    let system = hcs.create_compute_system(&id, &vm_document()).unwrap();
    system.start().unwrap();
    let raw = system.properties_raw(None).unwrap();
    let value: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(value["Id"], json!(id));
    let typed: hcs::schema::Properties = system
        .properties(&doc(json!({ "PropertyTypes": ["Memory"] })))
        .unwrap();
    assert_eq!(typed.id.as_deref(), Some(id.as_str()));
    let error = system
        .properties_raw(Some("{\"PropertyTypes\": \"Memory\"}"))
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");

    system
        .modify(&doc(json!({
            "ResourcePath": "VirtualMachine/ComputeTopology/Memory/SizeInMB",
            "RequestType": "Update",
            "Settings": 2048
        })))
        .expect("modify memory");
    // SAFETY: NULL is the documented "no identity".
    unsafe {
        system.modify_with_identity(
            &doc(json!({
                "ResourcePath": "VirtualMachine/ComputeTopology/Memory/SizeInMB",
                "RequestType": "Update",
                "Settings": 1024
            })),
            std::ptr::null_mut(),
        )
    }
    .expect("modify with identity");
    let error = system.modify_raw("{\"ResourcePath\": 5}").unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
}

#[test]
fn open_enumerate_and_handles() {
    let hcs = hcs();
    let id = unique_id("enum");
    let system = hcs.create_compute_system(&id, &vm_document()).unwrap();
    let opened = hcs.open_compute_system(&id, Access::GENERIC_ALL).unwrap();
    assert_ne!(opened.raw_value(), system.raw_value());
    opened.start().unwrap();
    assert_eq!(state(&system), "Running");

    let all = hcs.enumerate_compute_systems(None).unwrap();
    assert!(
        all.iter().any(|p| p.id.as_deref() == Some(id.as_str())),
        "{all:?}"
    );
    let raw = hcs
        .enumerate_compute_systems_raw(Some(&format!("{{\"Ids\": [\"{id}\"]}}")))
        .unwrap();
    let listed: Vec<Value> = serde_json::from_str(&raw).unwrap();
    assert_eq!(listed.len(), 1);
    let typed = hcs
        .enumerate_compute_systems(Some(&doc(json!({ "Ids": [id.clone()] }))))
        .unwrap();
    assert_eq!(typed.len(), 1);
    assert_eq!(typed[0].id.as_deref(), Some(id.as_str()));

    // into_raw / from_raw round trip keeps one owner.
    let raw_handle = opened.into_raw();
    // SAFETY: the handle came from into_raw and has no other owner.
    let reopened = unsafe { hcs::ComputeSystem::from_raw(&hcs, raw_handle) };
    assert_eq!(reopened.as_raw(), raw_handle);
    reopened.terminate().unwrap();
    drop(reopened);
    assert!(format!("{system:?}").contains("ComputeSystem"));
}

#[test]
fn wait_for_exit_times_out_with_a_typed_error() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("wait"), &vm_document())
        .unwrap();
    system.start().unwrap();
    let error = system
        .wait_for_exit(Some(Duration::from_millis(50)))
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    system.terminate().unwrap();
    system.wait_for_exit(LONG).unwrap();
}

#[test]
fn async_lifecycle() {
    let hcs = hcs();
    let id = unique_id("async");
    let system = block_on(hcs.create_compute_system_async(&id, &vm_document())).expect("create");
    block_on(system.start_async()).expect("start");
    block_on(system.pause_raw_async(None)).expect("pause");
    block_on(system.resume_raw_async(Some("{}"))).expect("resume");
    let properties = block_on(system.properties_async(&Default::default())).expect("properties");
    assert_eq!(
        serde_json::to_value(&properties.state).unwrap(),
        json!("Running")
    );
    block_on(system.modify_async(&doc(json!({
        "ResourcePath": "VirtualMachine/ComputeTopology/Memory/SizeInMB",
        "RequestType": "Update",
        "Settings": 4096
    }))))
    .expect("modify");
    block_on(system.save_with_async(&doc(json!({ "SaveType": "AsTemplate" })))).ok();
    block_on(system.crash_async()).ok();
    block_on(system.shut_down_async()).ok();
    block_on(system.terminate_raw_async(Some("{}"))).ok();
    system.wait_for_exit(LONG).unwrap();
    // Failures come through the future too.
    let error = block_on(system.start_async()).unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    let error = block_on(hcs.create_compute_system_async(&id, &vm_document())).unwrap_err();
    assert!(error.code().is_some(), "{error:?}");
    let error = block_on(hcs.create_compute_system_async("nul\0", &vm_document())).unwrap_err();
    assert!(matches!(error, hcs::Error::InvalidInput { .. }));
}

#[test]
fn events_as_iterator_and_stream() {
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("events"), &vm_document())
        .unwrap();
    let events = system.events(EventOptions::NONE).unwrap();
    // One callback per handle.
    let error = system.events(EventOptions::NONE).unwrap_err();
    assert!(
        error.is(HResult::HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET),
        "{error:?}"
    );
    system.start().unwrap();
    system.terminate().unwrap();
    let event = events
        .recv_timeout(Duration::from_secs(30))
        .expect("SystemExited");
    assert_eq!(event.event_type, EventType::SYSTEM_EXITED);
    assert!(event.data.is_some());
    // Closing the handle ends the receiver once the queue is drained.
    drop(system);
    let rest: Vec<_> = events.collect();
    assert!(
        rest.iter().all(|e| e.event_type != EventType::INVALID),
        "{rest:?}"
    );

    // As a stream.
    let system = hcs
        .create_compute_system(&unique_id("stream"), &vm_document())
        .unwrap();
    let mut stream = system
        .events(EventOptions::ENABLE_OPERATION_CALLBACKS)
        .unwrap();
    system.start().unwrap();
    system.terminate().unwrap();
    let exited = block_on(async {
        loop {
            match std::future::poll_fn(|cx| {
                futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)
            })
            .await
            {
                Some(event) if event.event_type == EventType::SYSTEM_EXITED => return Some(event),
                Some(_) => continue,
                None => return None,
            }
        }
    });
    assert!(exited.is_some());
    drop(system);
    let mut remaining = 0;
    while block_on(std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)
    }))
    .is_some()
    {
        remaining += 1;
        assert!(
            remaining < 100,
            "the stream must end after the handle closed"
        );
    }
}

#[test]
fn panicking_callback_is_caught_and_closing_during_callbacks_is_safe() {
    // Keep the intended panic's message out of the test output.
    let default_hook = std::sync::Arc::new(std::panic::take_hook());
    let hook = default_hook.clone();
    std::panic::set_hook(Box::new(move |info| {
        let intended = info
            .payload()
            .downcast_ref::<&str>()
            .is_some_and(|m| m.contains("test panic inside"));
        if !intended {
            hook(info);
        }
    }));
    let hcs = hcs();
    let system = hcs
        .create_compute_system(&unique_id("panic"), &vm_document())
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    system
        .set_event_callback(EventOptions::NONE, move |event| {
            let _ = tx.send(event.event_type);
            panic!("test panic inside an HCS callback");
        })
        .unwrap();
    system.start().unwrap();
    system.terminate().unwrap();
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(30)).unwrap(),
        EventType::SYSTEM_EXITED
    );
    // The process is still alive and the handle still works after the panic.
    assert!(system.properties_raw(None).is_ok());

    // A slow callback in flight while the handle is closed on another thread.
    let system = hcs
        .create_compute_system(&unique_id("slowcb"), &vm_document())
        .unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    system
        .set_event_callback(EventOptions::NONE, move |_| {
            let _ = started_tx.send(());
            std::thread::sleep(Duration::from_millis(200));
        })
        .unwrap();
    system.start().unwrap();
    system.terminate().unwrap();
    started_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    drop(system); // closes while the callback sleeps
}
