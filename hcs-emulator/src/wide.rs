//! UTF-16 strings at the C boundary and the emulator's own `LocalFree` heap.
//!
//! Strings cross the ABI as NUL-terminated UTF-16 (`u16` units, whatever the platform's
//! `wchar_t` is). Every string the emulator hands out is allocated here and recorded in a
//! table of live allocations, so `LocalFree` frees only what the emulator allocated (an
//! unknown or already freed pointer is refused, never freed, and counted) and the number of
//! live allocations can be reported. Freed strings are poisoned and kept, so no address is
//! ever handed out twice: a double free cannot free someone else's live string.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, OnceLock};

use crate::hresult::{E_INVALIDARG, HcsError};

/// The longest string read from a caller (in UTF-16 units): a guard against unterminated input.
pub const MAX_INPUT_UNITS: usize = 64 * 1024 * 1024;

/// Reads a NUL-terminated UTF-16 string; `None` when `p` is NULL.
///
/// # Safety
/// `p` must be NULL or point to a readable, NUL-terminated sequence of `u16`.
pub unsafe fn read(p: *const u16) -> Result<Option<String>, HcsError> {
    if p.is_null() {
        return Ok(None);
    }
    let mut len = 0usize;
    // SAFETY: the caller guarantees a NUL-terminated buffer; we stop at the first NUL.
    while unsafe { *p.add(len) } != 0 {
        len += 1;
        if len > MAX_INPUT_UNITS {
            return Err(HcsError::with(E_INVALIDARG, "string is not NUL-terminated"));
        }
    }
    // SAFETY: `len` units were just read from `p`.
    let units = unsafe { std::slice::from_raw_parts(p, len) };
    String::from_utf16(units)
        .map(Some)
        .map_err(|_| HcsError::with(E_INVALIDARG, "string is not valid UTF-16"))
}

/// Reads a required string: NULL is `E_INVALIDARG` naming `what`.
///
/// # Safety
/// As [`read`].
pub unsafe fn read_required(p: *const u16, what: &str) -> Result<String, HcsError> {
    // SAFETY: forwarded contract.
    match unsafe { read(p) }? {
        Some(s) => Ok(s),
        None => Err(HcsError::with(E_INVALIDARG, format!("{what} is NULL"))),
    }
}

/// The strings handed out: the live ones, and the freed ones, kept (poisoned) so that their
/// addresses are never handed out again and a second `LocalFree` of one is recognised.
#[derive(Default)]
struct Heap {
    live: HashMap<usize, Box<[u16]>>,
    freed: HashMap<usize, Box<[u16]>>,
    invalid_frees: u64,
    double_frees: u64,
}

fn heap() -> MutexGuard<'static, Heap> {
    static HEAP: OnceLock<Mutex<Heap>> = OnceLock::new();
    HEAP.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Allocates `s` as a NUL-terminated UTF-16 string to be released with `LocalFree`.
pub fn alloc(s: &str) -> *mut u16 {
    let mut units: Vec<u16> = s.encode_utf16().collect();
    units.push(0);
    let mut boxed = units.into_boxed_slice();
    let ptr = boxed.as_mut_ptr();
    heap().live.insert(ptr as usize, boxed);
    ptr
}

/// Frees a string from [`alloc`]; returns false (and frees nothing) for any other pointer,
/// counting it as an invalid free, or as a double free when it was freed before. A freed string
/// is overwritten with U+FFFD (a later read shows garbage, not the old text) and kept, so its
/// address is never reused.
pub fn free(p: *mut core::ffi::c_void) -> bool {
    let mut heap = heap();
    let key = p as usize;
    match heap.live.remove(&key) {
        Some(mut units) => {
            let end = units.len() - 1;
            units[..end].fill(0xFFFD);
            heap.freed.insert(key, units);
            true
        }
        None if heap.freed.contains_key(&key) => {
            heap.double_frees += 1;
            false
        }
        None => {
            heap.invalid_frees += 1;
            false
        }
    }
}

/// The number of strings allocated and not yet freed.
pub fn live_allocations() -> usize {
    heap().live.len()
}

/// How many `LocalFree` calls passed a pointer the emulator never allocated (for the life of the
/// loaded library; `HcsEmulatorReset` keeps the count).
pub fn invalid_frees() -> u64 {
    heap().invalid_frees
}

/// How many `LocalFree` calls passed a string that was already freed (for the life of the loaded
/// library).
pub fn double_frees() -> u64 {
    heap().double_frees
}

/// Stores `s` into an optional out-parameter (`*out = alloc(s)`), doing nothing for NULL.
///
/// # Safety
/// `out` must be NULL or valid for a pointer write.
pub unsafe fn store(out: *mut *mut u16, s: Option<&str>) {
    if out.is_null() {
        return;
    }
    let p = s.map_or(std::ptr::null_mut(), alloc);
    // SAFETY: `out` is non-NULL and writable per the contract.
    unsafe { *out = p };
}

/// Clears an optional out-parameter (`*out = NULL`).
///
/// # Safety
/// `out` must be NULL or valid for a pointer write.
pub unsafe fn clear(out: *mut *mut u16) {
    if !out.is_null() {
        // SAFETY: `out` is non-NULL and writable per the contract.
        unsafe { *out = std::ptr::null_mut() };
    }
}
