//! Loading, the global instance, HRESULT names and the error type.

mod common;

use std::path::Path;
use std::time::Duration;

use hcs::{ComputeSystem, Error, HResult, Hcs};

#[test]
fn load_from_missing_file_is_a_load_error() {
    let error = Hcs::load_from(Path::new("/nonexistent/computecore-missing.dll")).unwrap_err();
    assert!(matches!(error, Error::Load { .. }), "{error:?}");
    assert!(error.to_string().contains("computecore-missing"), "{error}");
}

#[test]
fn system32_loader_is_a_typed_error_without_hcs() {
    // Neither Linux nor Wine has a real computecore.dll in System32.
    match Hcs::system() {
        Err(Error::Load { library, .. }) => assert_eq!(library, "computecore.dll"),
        Err(other) => panic!("expected a load error, got {other:?}"),
        Ok(hcs) => {
            // A host with HCS: the loader must at least have found the core.
            assert!(hcs.is_supported("HcsCreateOperation"));
        }
    }
}

#[test]
fn emulator_exports_every_bound_function() {
    let hcs = common::hcs();
    let exports = hcs.exports();
    assert!(exports.len() >= 66, "{}", exports.len());
    let missing: Vec<_> = exports
        .iter()
        .filter(|(_, found)| !found)
        .map(|(name, _)| *name)
        .collect();
    assert!(missing.is_empty(), "missing exports: {missing:?}");
    assert!(hcs.is_supported("HcsGetLayerVhdMountPath"));
    assert!(hcs.is_supported("LocalFree"));
    assert!(!hcs.is_supported("HcsNoSuchFunction"));
}

#[test]
fn a_missing_export_is_not_supported_when_called() {
    // The core without computestorage, as on a host without that DLL.
    let core_only = Hcs::load_split(&common::emulator_path(), None).expect("core only");
    assert!(core_only.source().contains("no computestorage"));
    assert!(core_only.is_supported("HcsCreateOperation"));
    assert!(!core_only.is_supported("HcsImportLayer"));
    let error = core_only.destroy_layer(Path::new("layer")).unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotSupported {
                function: "HcsDestroyLayer"
            }
        ),
        "{error:?}"
    );
    assert!(error.is_not_supported());
    assert_eq!(
        error.to_string(),
        "HcsDestroyLayer is not supported on this host"
    );
    // Everything else still works.
    let system = core_only
        .create_compute_system(&common::unique_id("coreonly"), &common::vm_document())
        .unwrap();
    system.start().unwrap();
    system.terminate().unwrap();
    // A computestorage path that does not load is a load error.
    let error = Hcs::load_split(
        &common::emulator_path(),
        Some(Path::new("/nonexistent/computestorage.dll")),
    )
    .unwrap_err();
    assert!(matches!(error, Error::Load { .. }), "{error:?}");
}

#[test]
fn loading_twice_returns_the_same_table() {
    let a = common::hcs();
    let b = common::hcs();
    assert_eq!(a.source(), b.source());
    assert!(format!("{a:?}").contains("Hcs"));
}

#[test]
fn timeouts_are_configured_per_copy() {
    let hcs = common::hcs();
    assert_eq!(hcs.timeout(), None);
    let short = hcs.with_timeout(Some(Duration::from_millis(1500)));
    assert_eq!(short.timeout(), Some(Duration::from_millis(1500)));
    assert_eq!(hcs.timeout(), None);
    // Absurd timeouts saturate instead of wrapping to something short.
    let long = hcs.with_timeout(Some(Duration::from_secs(u64::MAX / 4)));
    assert!(
        long.timeout()
            .is_some_and(|t| t > Duration::from_secs(3600 * 24))
    );
}

#[test]
fn global_instance_drives_the_shortcuts() {
    let hcs = common::hcs();
    hcs.install_global()
        .expect("install the emulator as the global HCS");
    // Installing the same library again is fine.
    hcs.install_global().expect("idempotent");
    let id = common::unique_id("global");
    let system = ComputeSystem::create(&id, &common::vm_document()).expect("create via global");
    system.start().expect("start");
    let opened = ComputeSystem::open(&id).expect("open via global");
    opened.terminate().expect("terminate");
}

#[test]
fn hresult_names_and_forms() {
    assert_eq!(HResult::HCS_E_INVALID_STATE.as_u32(), 0x8037_0105);
    assert_eq!(HResult::HCS_E_INVALID_STATE_C037.as_u32(), 0xC037_0105);
    assert_eq!(
        HResult::HCS_E_INVALID_STATE.name(),
        Some("HCS_E_INVALID_STATE")
    );
    assert_eq!(
        HResult::HCS_E_INVALID_STATE_C037.name(),
        Some("HCS_E_INVALID_STATE")
    );
    assert!(HResult::HCS_E_INVALID_STATE_C037.is(HResult::HCS_E_INVALID_STATE));
    assert!(!HResult::HCS_E_INVALID_STATE.is(HResult::HCS_E_TERMINATED));
    assert_eq!(
        HResult::VMCOMPUTE_E_OPERATION_PENDING.normalized(),
        HResult::HCS_E_OPERATION_PENDING
    );
    assert_eq!(
        HResult::HCS_E_OPERATION_ALREADY_CANCELLED.as_u32(),
        0x8037_0121
    );
    assert_eq!(HResult::ALL_HCS_CODES.len(), 32);
    for code in HResult::ALL_HCS_CODES {
        assert!(code.is_err());
        assert!(
            code.name().is_some_and(|n| n.starts_with("HCS_E_")),
            "{code:?}"
        );
        assert!(code.message().is_some(), "{code:?}");
        let legacy = HResult((code.as_u32() | 0x4000_0000) as i32);
        assert_eq!(legacy.name(), code.name());
    }
    assert_eq!(HResult(0x8037_0103u32 as i32).name(), None); // unassigned
    assert_eq!(HResult(0x8007_0002u32 as i32).win32_code(), Some(2));
    assert_eq!(HResult::S_OK.win32_code(), None);
    assert!(HResult::S_OK.is_ok());
    assert_eq!(
        format!("{:?}", HResult::HCS_E_TERMINATED),
        "HCS_E_TERMINATED (0x80370107)"
    );
    assert_eq!(format!("{}", HResult::HCS_E_TERMINATED), "0x80370107");
    assert_eq!(format!("{:?}", HResult(0x1234)), "HResult(0x00001234)");
}

#[test]
fn failures_carry_code_function_and_result_document() {
    let hcs = common::hcs();
    let error = hcs
        .open_compute_system(&common::unique_id("missing"), hcs::Access::GENERIC_ALL)
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_SYSTEM_NOT_FOUND), "{error:?}");
    let hcs_error = error.hcs_error().expect("an HCS failure");
    assert_eq!(hcs_error.operation, "HcsOpenComputeSystem");
    let text = error.to_string();
    assert!(
        text.contains("HcsOpenComputeSystem") && text.contains("0x8037010E"),
        "{text}"
    );

    // An invalid document: HCS_E_INVALID_JSON with a ResultError naming the field.
    let mut document = common::vm_json();
    document["VirtualMachine"]["ComputeTopology"]["Memory"]["SizeInMB"] = serde_json::json!("lots");
    let error = hcs
        .create_compute_system_as(&common::unique_id("badjson"), &document)
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    let hcs_error = error.hcs_error().unwrap();
    assert_eq!(hcs_error.operation, "HcsCreateComputeSystem");
    let result = hcs_error.result.as_ref().expect("a ResultError document");
    assert_eq!(result.error, Some(HResult::HCS_E_INVALID_JSON.0));
    let message = result.error_message.clone().unwrap_or_default();
    assert!(message.contains("SizeInMB"), "{message}");
    assert!(error.to_string().contains("SizeInMB"), "{error}");
}

#[test]
fn bad_input_is_rejected_before_hcs_and_never_panics() {
    let hcs = common::hcs();
    let error = hcs
        .create_compute_system("bad\0id", &common::vm_document())
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    let error = hcs
        .create_compute_system_raw(&common::unique_id("nul"), "{\"a\":\"\0\"}")
        .unwrap_err();
    assert!(matches!(error, Error::InvalidInput { .. }), "{error:?}");
    // Not JSON at all: HCS says so.
    let error = hcs
        .create_compute_system_raw(&common::unique_id("notjson"), "this is not json")
        .unwrap_err();
    assert!(error.is(HResult::HCS_E_INVALID_JSON), "{error:?}");
    // A value that cannot be serialized is a document error.
    let mut map = std::collections::HashMap::new();
    map.insert(vec![1u8], 1);
    let error = hcs
        .create_compute_system_as(&common::unique_id("unser"), &map)
        .unwrap_err();
    assert!(matches!(error, Error::Document { .. }), "{error:?}");
    assert!(!error.is_timeout() && !error.is_not_supported() && error.code().is_none());
}
