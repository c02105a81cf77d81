//! The raw C ABI: one function-pointer type per HCS export, each pinned at
//! compile time to its `windows-sys` declaration, and the table of resolved
//! pointers. The eight exports `windows-sys` 0.61 does not declare (live
//! migration, `HcsGetOperationProperties`, the overlay filters) are not
//! pinned: their signatures are hcsshim's bindings, checked by nothing here.
//!
//! `windows-sys` is used for types and constants only. Its `link!` macro
//! declares every function on every target (without linking it anywhere but
//! on Windows), so each pin below is a `const` that coerces the `windows-sys`
//! function item to our pointer type. A `const` that is never used is
//! evaluated by the compiler but never emitted, so no symbol is referenced at
//! link time; a signature that drifts (a parameter type, the count, the return
//! type or the ABI) is a type error on every target.

#![allow(non_snake_case, non_camel_case_types)]

use core::ffi::c_void;

use libloading::Library;

use crate::error::Error;

pub(crate) use windows_sys::Win32::Foundation::{HANDLE, HLOCAL};
pub(crate) use windows_sys::Win32::Security::SECURITY_DESCRIPTOR;
pub(crate) use windows_sys::Win32::System::HostComputeSystem::{
    HCS_CREATE_OPTIONS, HCS_EVENT, HCS_EVENT_CALLBACK, HCS_EVENT_OPTIONS, HCS_OPERATION,
    HCS_OPERATION_COMPLETION, HCS_OPERATION_OPTIONS, HCS_OPERATION_TYPE, HCS_PROCESS,
    HCS_PROCESS_INFORMATION, HCS_RESOURCE_TYPE, HCS_SYSTEM,
};
pub(crate) use windows_sys::core::{HRESULT, PCWSTR, PWSTR};

/// `INFINITE` for the `timeoutMs` parameters.
pub(crate) const INFINITE: u32 = 0xFFFF_FFFF;

/// The `windows-sys` declarations the pins compare against, one module per DLL.
mod pin_computecore {
    pub(super) use windows_sys::Win32::System::HostComputeSystem::*;
}
mod pin_computestorage {
    pub(super) use windows_sys::Win32::System::HostComputeSystem::*;
}
mod pin_kernel32 {
    pub(super) use windows_sys::Win32::Foundation::LocalFree;
}

macro_rules! functions {
    ($(
        $group:ident $(($pin:ident))? {
            $( fn $name:ident ( $( $arg:ident : $ty:ty ),* $(,)? ) $( -> $ret:ty )? ; )*
        }
    )*) => {
        /// One `unsafe extern "system" fn` pointer type per export, named as the export.
        pub(crate) mod pfn {
            #[allow(unused_imports)]
            use super::*;
            $($(
                #[doc = concat!("`", stringify!($name), "`")]
                pub(crate) type $name = unsafe extern "system" fn( $( $ty ),* ) $( -> $ret )?;
            )*)*
        }

        // The compile-time pins: each `windows-sys` function item must coerce
        // to exactly our pointer type (groups without a pin module have none).
        $( pins!( $( ($pin) )? ; $( $name ),* ); )*

        /// The table of resolved exports. `None` means "not exported by the
        /// loaded DLL" (an older Windows build).
        #[derive(Default)]
        pub(crate) struct Api {
            $($( $name: Option<pfn::$name>, )*)*
        }

        impl Api {
            /// Resolves every export from the libraries given for each group.
            pub(crate) fn resolve(libs: &Libraries<'_>) -> Api {
                let mut api = Api::default();
                $(
                    if let Some(lib) = libs.$group {
                        $(
                            // SAFETY: the symbol is an HCS export whose C
                            // signature is the pinned pointer type above.
                            api.$name = unsafe {
                                lib.get::<pfn::$name>(concat!(stringify!($name), "\0").as_bytes())
                                    .ok()
                                    .map(|symbol| *symbol)
                            };
                        )*
                    }
                )*
                api
            }

            $($(
                #[doc = concat!("`", stringify!($name), "`, or `Error::NotSupported` when the host lacks it.")]
                #[allow(dead_code)]
                #[inline]
                pub(crate) fn $name(&self) -> Result<pfn::$name, Error> {
                    self.$name.ok_or(Error::NotSupported { function: stringify!($name) })
                }
            )*)*

            /// Takes `LocalFree` from System32's `kernel32.dll` (Windows only;
            /// elsewhere nothing changes).
            pub(crate) fn use_system_local_free(&mut self) {
                #[cfg(windows)]
                {
                    use libloading::os::windows::{LOAD_LIBRARY_SEARCH_SYSTEM32, Library as WinLibrary};
                    // SAFETY: kernel32 from System32; LocalFree has the pinned signature.
                    unsafe {
                        if let Ok(kernel32) = WinLibrary::load_with_flags("kernel32.dll", LOAD_LIBRARY_SEARCH_SYSTEM32) {
                            let kernel32 = Library::from(kernel32);
                            self.LocalFree = kernel32.get::<pfn::LocalFree>(b"LocalFree\0").ok().map(|s| *s);
                            std::mem::forget(kernel32);
                        }
                    }
                }
            }

            /// The names of every export the table knows, with whether it was found.
            pub(crate) fn exports(&self) -> Vec<(&'static str, bool)> {
                vec![ $($( (stringify!($name), self.$name.is_some()), )*)* ]
            }
        }
    };
}

/// The pins of one group: `const _: pfn::X = pin::X;` for each export, or
/// nothing for a group without a `windows-sys` declaration to compare with.
macro_rules! pins {
    (($pin:ident) ; $( $name:ident ),* ) => {
        $( const _: pfn::$name = $pin::$name; )*
    };
    ( ; $( $name:ident ),* ) => {};
}

/// The libraries each group of exports is resolved from.
pub(crate) struct Libraries<'a> {
    pub(crate) computecore: Option<&'a Library>,
    pub(crate) computestorage: Option<&'a Library>,
    pub(crate) kernel32: Option<&'a Library>,
}

functions! {
    computecore (pin_computecore) {
        // Operations.
        fn HcsCreateOperation(context: *const c_void, callback: HCS_OPERATION_COMPLETION) -> HCS_OPERATION;
        fn HcsCreateOperationWithNotifications(event_types: HCS_OPERATION_OPTIONS, context: *const c_void, callback: HCS_EVENT_CALLBACK) -> HCS_OPERATION;
        fn HcsCloseOperation(operation: HCS_OPERATION);
        fn HcsGetOperationContext(operation: HCS_OPERATION) -> *mut c_void;
        fn HcsSetOperationContext(operation: HCS_OPERATION, context: *const c_void) -> HRESULT;
        fn HcsGetComputeSystemFromOperation(operation: HCS_OPERATION) -> HCS_SYSTEM;
        fn HcsGetProcessFromOperation(operation: HCS_OPERATION) -> HCS_PROCESS;
        fn HcsGetOperationType(operation: HCS_OPERATION) -> HCS_OPERATION_TYPE;
        fn HcsGetOperationId(operation: HCS_OPERATION) -> u64;
        fn HcsGetOperationResult(operation: HCS_OPERATION, result_document: *mut PWSTR) -> HRESULT;
        fn HcsGetOperationResultAndProcessInfo(operation: HCS_OPERATION, process_information: *mut HCS_PROCESS_INFORMATION, result_document: *mut PWSTR) -> HRESULT;
        fn HcsWaitForOperationResult(operation: HCS_OPERATION, timeout_ms: u32, result_document: *mut PWSTR) -> HRESULT;
        fn HcsWaitForOperationResultAndProcessInfo(operation: HCS_OPERATION, timeout_ms: u32, process_information: *mut HCS_PROCESS_INFORMATION, result_document: *mut PWSTR) -> HRESULT;
        fn HcsSetOperationCallback(operation: HCS_OPERATION, context: *const c_void, callback: HCS_OPERATION_COMPLETION) -> HRESULT;
        fn HcsCancelOperation(operation: HCS_OPERATION) -> HRESULT;
        fn HcsAddResourceToOperation(operation: HCS_OPERATION, resource_type: HCS_RESOURCE_TYPE, uri: PCWSTR, handle: HANDLE) -> HRESULT;

        // Compute systems.
        fn HcsEnumerateComputeSystems(query: PCWSTR, operation: HCS_OPERATION) -> HRESULT;
        fn HcsEnumerateComputeSystemsInNamespace(id_namespace: PCWSTR, query: PCWSTR, operation: HCS_OPERATION) -> HRESULT;
        fn HcsCreateComputeSystem(id: PCWSTR, configuration: PCWSTR, operation: HCS_OPERATION, security_descriptor: *const SECURITY_DESCRIPTOR, compute_system: *mut HCS_SYSTEM) -> HRESULT;
        fn HcsCreateComputeSystemInNamespace(id_namespace: PCWSTR, id: PCWSTR, configuration: PCWSTR, operation: HCS_OPERATION, options: *const HCS_CREATE_OPTIONS, compute_system: *mut HCS_SYSTEM) -> HRESULT;
        fn HcsOpenComputeSystem(id: PCWSTR, requested_access: u32, compute_system: *mut HCS_SYSTEM) -> HRESULT;
        fn HcsOpenComputeSystemInNamespace(id_namespace: PCWSTR, id: PCWSTR, requested_access: u32, compute_system: *mut HCS_SYSTEM) -> HRESULT;
        fn HcsCloseComputeSystem(compute_system: HCS_SYSTEM);
        fn HcsStartComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsShutDownComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsTerminateComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsCrashComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsPauseComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsResumeComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsSaveComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsGetComputeSystemProperties(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, property_query: PCWSTR) -> HRESULT;
        fn HcsModifyComputeSystem(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, configuration: PCWSTR, identity: HANDLE) -> HRESULT;
        fn HcsWaitForComputeSystemExit(compute_system: HCS_SYSTEM, timeout_ms: u32, result: *mut PWSTR) -> HRESULT;
        fn HcsSetComputeSystemCallback(compute_system: HCS_SYSTEM, callback_options: HCS_EVENT_OPTIONS, context: *const c_void, callback: HCS_EVENT_CALLBACK) -> HRESULT;

        // Processes.
        fn HcsCreateProcess(compute_system: HCS_SYSTEM, process_parameters: PCWSTR, operation: HCS_OPERATION, security_descriptor: *const SECURITY_DESCRIPTOR, process: *mut HCS_PROCESS) -> HRESULT;
        fn HcsOpenProcess(compute_system: HCS_SYSTEM, process_id: u32, requested_access: u32, process: *mut HCS_PROCESS) -> HRESULT;
        fn HcsCloseProcess(process: HCS_PROCESS);
        fn HcsTerminateProcess(process: HCS_PROCESS, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsSignalProcess(process: HCS_PROCESS, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsGetProcessInfo(process: HCS_PROCESS, operation: HCS_OPERATION) -> HRESULT;
        fn HcsGetProcessProperties(process: HCS_PROCESS, operation: HCS_OPERATION, property_query: PCWSTR) -> HRESULT;
        fn HcsModifyProcess(process: HCS_PROCESS, operation: HCS_OPERATION, settings: PCWSTR) -> HRESULT;
        fn HcsSetProcessCallback(process: HCS_PROCESS, callback_options: HCS_EVENT_OPTIONS, context: *const c_void, callback: HCS_EVENT_CALLBACK) -> HRESULT;
        fn HcsWaitForProcessExit(process: HCS_PROCESS, timeout_ms: u32, result: *mut PWSTR) -> HRESULT;

        // Service.
        fn HcsGetServiceProperties(property_query: PCWSTR, result: *mut PWSTR) -> HRESULT;
        fn HcsModifyServiceSettings(settings: PCWSTR, result: *mut PWSTR) -> HRESULT;
        fn HcsSubmitWerReport(settings: PCWSTR) -> HRESULT;

        // VM utilities.
        fn HcsCreateEmptyGuestStateFile(guest_state_file_path: PCWSTR) -> HRESULT;
        fn HcsCreateEmptyRuntimeStateFile(runtime_state_file_path: PCWSTR) -> HRESULT;
        fn HcsGrantVmAccess(vm_id: PCWSTR, file_path: PCWSTR) -> HRESULT;
        fn HcsRevokeVmAccess(vm_id: PCWSTR, file_path: PCWSTR) -> HRESULT;
        fn HcsGrantVmGroupAccess(file_path: PCWSTR) -> HRESULT;
        fn HcsRevokeVmGroupAccess(file_path: PCWSTR) -> HRESULT;
        fn HcsGetProcessorCompatibilityFromSavedState(runtime_file_name: PCWSTR, processor_features_string: *mut PCWSTR) -> HRESULT;
    }
    computestorage (pin_computestorage) {
        fn HcsImportLayer(layer_path: PCWSTR, source_folder_path: PCWSTR, layer_data: PCWSTR) -> HRESULT;
        fn HcsExportLayer(layer_path: PCWSTR, export_folder_path: PCWSTR, layer_data: PCWSTR, options: PCWSTR) -> HRESULT;
        fn HcsExportLegacyWritableLayer(writable_layer_mount_path: PCWSTR, writable_layer_folder_path: PCWSTR, export_folder_path: PCWSTR, layer_data: PCWSTR) -> HRESULT;
        fn HcsDestroyLayer(layer_path: PCWSTR) -> HRESULT;
        fn HcsSetupBaseOSLayer(layer_path: PCWSTR, vhd_handle: HANDLE, options: PCWSTR) -> HRESULT;
        fn HcsSetupBaseOSVolume(layer_path: PCWSTR, volume_path: PCWSTR, options: PCWSTR) -> HRESULT;
        fn HcsInitializeWritableLayer(writable_layer_path: PCWSTR, layer_data: PCWSTR, options: PCWSTR) -> HRESULT;
        fn HcsInitializeLegacyWritableLayer(writable_layer_mount_path: PCWSTR, writable_layer_folder_path: PCWSTR, layer_data: PCWSTR, options: PCWSTR) -> HRESULT;
        fn HcsAttachLayerStorageFilter(layer_path: PCWSTR, layer_data: PCWSTR) -> HRESULT;
        fn HcsDetachLayerStorageFilter(layer_path: PCWSTR) -> HRESULT;
        fn HcsFormatWritableLayerVhd(vhd_handle: HANDLE) -> HRESULT;
        fn HcsGetLayerVhdMountPath(vhd_handle: HANDLE, mount_path: *mut PWSTR) -> HRESULT;
    }
    // Newer Windows builds only. `windows-sys` 0.61 does not declare these
    // eight, so nothing pins them: the signatures are hcsshim's bindings
    // (`internal/computecore`, `computestorage`, `?` optional exports), which
    // the unreleased windows-rs generator output agrees with for all but
    // `HcsCancelLiveMigration` (hcsshim only).
    computecore {
        fn HcsGetOperationProperties(operation: HCS_OPERATION, options: PCWSTR, result_document: *mut PWSTR) -> HRESULT;
        fn HcsInitializeLiveMigrationOnSource(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsStartLiveMigrationOnSource(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsStartLiveMigrationTransfer(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsFinalizeLiveMigration(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
        fn HcsCancelLiveMigration(compute_system: HCS_SYSTEM, operation: HCS_OPERATION, options: PCWSTR) -> HRESULT;
    }
    computestorage {
        fn HcsAttachOverlayFilter(volume_mount_point: PCWSTR, layer_data: PCWSTR) -> HRESULT;
        fn HcsDetachOverlayFilter(volume_mount_point: PCWSTR, layer_data: PCWSTR) -> HRESULT;
    }
    kernel32 (pin_kernel32) {
        fn LocalFree(memory: HLOCAL) -> HLOCAL;
    }
}
