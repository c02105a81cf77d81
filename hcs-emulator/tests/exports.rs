//! Every computecore/computestorage export is there under its Windows name, and bad input is
//! refused with an HRESULT instead of crashing.

// SAFETY (every `unsafe` block in this file): the emulator exports are called with live local
// NUL-terminated UTF-16 buffers, writable out-parameters and handle values, as the HCS C API
// requires (forged handle values are numbers the emulator never dereferences).

mod common;
use common::*;

const EXPORTS: &[&str] = &[
    "HcsAddResourceToOperation",
    "HcsAttachLayerStorageFilter",
    "HcsAttachOverlayFilter",
    "HcsCancelLiveMigration",
    "HcsCancelOperation",
    "HcsCloseComputeSystem",
    "HcsCloseOperation",
    "HcsCloseProcess",
    "HcsCrashComputeSystem",
    "HcsCreateComputeSystem",
    "HcsCreateComputeSystemInNamespace",
    "HcsCreateEmptyGuestStateFile",
    "HcsCreateEmptyRuntimeStateFile",
    "HcsCreateOperation",
    "HcsCreateOperationWithNotifications",
    "HcsCreateProcess",
    "HcsDestroyLayer",
    "HcsDetachLayerStorageFilter",
    "HcsDetachOverlayFilter",
    "HcsEnumerateComputeSystems",
    "HcsEnumerateComputeSystemsInNamespace",
    "HcsExportLayer",
    "HcsExportLegacyWritableLayer",
    "HcsFinalizeLiveMigration",
    "HcsFormatWritableLayerVhd",
    "HcsGetComputeSystemFromOperation",
    "HcsGetComputeSystemProperties",
    "HcsGetLayerVhdMountPath",
    "HcsGetOperationContext",
    "HcsGetOperationId",
    "HcsGetOperationProperties",
    "HcsGetOperationResult",
    "HcsGetOperationResultAndProcessInfo",
    "HcsGetOperationType",
    "HcsGetProcessFromOperation",
    "HcsGetProcessInfo",
    "HcsGetProcessProperties",
    "HcsGetProcessorCompatibilityFromSavedState",
    "HcsGetServiceProperties",
    "HcsGrantVmAccess",
    "HcsGrantVmGroupAccess",
    "HcsImportLayer",
    "HcsInitializeLegacyWritableLayer",
    "HcsInitializeLiveMigrationOnSource",
    "HcsInitializeWritableLayer",
    "HcsModifyComputeSystem",
    "HcsModifyProcess",
    "HcsModifyServiceSettings",
    "HcsOpenComputeSystem",
    "HcsOpenComputeSystemInNamespace",
    "HcsOpenProcess",
    "HcsPauseComputeSystem",
    "HcsResumeComputeSystem",
    "HcsRevokeVmAccess",
    "HcsRevokeVmGroupAccess",
    "HcsSaveComputeSystem",
    "HcsSetComputeSystemCallback",
    "HcsSetOperationCallback",
    "HcsSetOperationContext",
    "HcsSetProcessCallback",
    "HcsSetupBaseOSLayer",
    "HcsSetupBaseOSVolume",
    "HcsShutDownComputeSystem",
    "HcsSignalProcess",
    "HcsStartComputeSystem",
    "HcsStartLiveMigrationOnSource",
    "HcsStartLiveMigrationTransfer",
    "HcsSubmitWerReport",
    "HcsTerminateComputeSystem",
    "HcsTerminateProcess",
    "HcsWaitForComputeSystemExit",
    "HcsWaitForOperationResult",
    "HcsWaitForOperationResultAndProcessInfo",
    "HcsWaitForProcessExit",
    "LocalFree",
    "HcsEmulatorReset",
    "HcsEmulatorConfigure",
    "HcsEmulatorGetStatistics",
];

#[test]
fn every_export_resolves() {
    let (h, _g) = hcs();
    assert_eq!(EXPORTS.len(), 74 + 4);
    for name in EXPORTS {
        let sym = format!("{name}\0");
        let found = unsafe { h.emu.library().get::<*const ()>(sym.as_bytes()) };
        assert!(found.is_ok(), "{name} is not exported");
    }
    h.finish();
}

#[test]
fn bad_input_is_refused() {
    let (h, _g) = hcs();
    let f = &h.f;
    let forged = [0x10 as H, 0x1000_0000 as H, usize::MAX as H];
    let op = h.op();
    let mut out = std::ptr::null_mut();
    unsafe {
        for bad in forged {
            assert_eq!(
                (f.HcsStartComputeSystem)(bad, op, std::ptr::null()),
                E_HANDLE
            );
            assert_eq!((f.HcsSignalProcess)(bad, op, std::ptr::null()), E_HANDLE);
            assert_eq!((f.HcsWaitForOperationResult)(bad, 0, &mut out), E_HANDLE);
            assert_eq!((f.HcsWaitForComputeSystemExit)(bad, 0, &mut out), E_HANDLE);
            assert_eq!((f.HcsWaitForProcessExit)(bad, 0, &mut out), E_HANDLE);
            assert_eq!((f.HcsSetOperationContext)(bad, std::ptr::null()), E_HANDLE);
            assert_eq!((f.HcsGetOperationType)(bad), -1);
            assert!((f.HcsGetOperationContext)(bad).is_null());
            (f.HcsCloseComputeSystem)(bad);
            (f.HcsCloseProcess)(bad);
            (f.HcsCloseOperation)(bad);
            h.take(out);
        }
        // A lone surrogate is not UTF-16 text.
        let bad_text: Vec<u16> = vec![0x61, 0xD800, 0x62, 0];
        let cfg = w(VM);
        let mut sys = std::ptr::null_mut();
        assert_eq!(
            (f.HcsCreateComputeSystem)(
                bad_text.as_ptr(),
                cfg.as_ptr(),
                op,
                std::ptr::null(),
                &mut sys
            ),
            E_INVALIDARG
        );
        assert!(sys.is_null());
        let (hr, d) = h.wait(op);
        assert_eq!(hr, E_INVALIDARG);
        assert!(
            Hcs::error_of(&d)["ErrorMessage"]
                .as_str()
                .unwrap()
                .contains("UTF-16")
        );
        assert_eq!(
            (f.HcsGetServiceProperties)(bad_text.as_ptr(), &mut out),
            E_INVALIDARG
        );
        h.take(out);
        // Non-ASCII ids and documents round-trip.
        let id = "système-日本-😀";
        let sys = h.create(id, VM);
        let p = h.properties(sys, None);
        assert_eq!(p["Id"], id);
        (f.HcsCloseComputeSystem)(sys);
        (f.HcsCloseOperation)(op);
    }
    h.finish();
}
