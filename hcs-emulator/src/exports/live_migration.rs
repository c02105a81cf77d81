//! Live migration (newer Windows builds): the handles are checked, then `E_NOTIMPL`.

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

use super::{HANDLE, PCWSTR, ffi};
use crate::engine::*;
use crate::hresult::*;

fn live_migration(computeSystem: HANDLE, operation: HANDLE) -> HRESULT {
    ffi(|| {
        let mut st = emu().lock();
        st.system_mut(computeSystem as usize)?;
        st.op_mut(operation as usize)?;
        Err(HcsError::with(E_NOTIMPL, "live migration is not emulated"))
    })
}

/// `HcsInitializeLiveMigrationOnSource`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsInitializeLiveMigrationOnSource(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsStartLiveMigrationOnSource`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsStartLiveMigrationOnSource(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsStartLiveMigrationTransfer`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsStartLiveMigrationTransfer(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsFinalizeLiveMigration`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsFinalizeLiveMigration(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}

/// `HcsCancelLiveMigration`: not emulated (`E_NOTIMPL`).
#[unsafe(no_mangle)]
pub unsafe extern "system" fn HcsCancelLiveMigration(
    computeSystem: HANDLE,
    operation: HANDLE,
    _options: PCWSTR,
) -> HRESULT {
    live_migration(computeSystem, operation)
}
