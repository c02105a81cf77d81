//! UTF-16 strings in (owned, NUL-terminated, outliving the call) and out
//! (callee-allocated, freed with `LocalFree` on drop).

use std::path::Path;
use std::ptr::NonNull;

use crate::error::{Error, Result};
use crate::ffi::{Api, PCWSTR, PWSTR};

/// An owned, NUL-terminated UTF-16 string to pass as `PCWSTR`.
pub(crate) struct WideString(Vec<u16>);

impl WideString {
    /// Encodes `text`; an interior NUL is an error (HCS would see a
    /// truncated string).
    pub(crate) fn new(text: &str, what: &str) -> Result<WideString> {
        let mut buffer = Vec::with_capacity(text.len() + 1);
        buffer.extend(text.encode_utf16());
        if buffer.contains(&0) {
            return Err(Error::invalid_input(format!(
                "{what} contains a NUL character"
            )));
        }
        buffer.push(0);
        Ok(WideString(buffer))
    }

    /// Encodes a path. On Windows any path is accepted; elsewhere (the
    /// emulator) it must be Unicode.
    pub(crate) fn from_path(path: &Path, what: &str) -> Result<WideString> {
        #[cfg(windows)]
        {
            use std::os::windows::ffi::OsStrExt;
            let mut buffer: Vec<u16> = path.as_os_str().encode_wide().collect();
            if buffer.contains(&0) {
                return Err(Error::invalid_input(format!(
                    "{what} contains a NUL character"
                )));
            }
            buffer.push(0);
            Ok(WideString(buffer))
        }
        #[cfg(not(windows))]
        {
            match path.to_str() {
                Some(text) => WideString::new(text, what),
                None => Err(Error::invalid_input(format!("{what} is not valid Unicode"))),
            }
        }
    }

    pub(crate) fn as_ptr(&self) -> PCWSTR {
        self.0.as_ptr()
    }

    /// The text again (for the `tracing` records of documents).
    #[cfg(feature = "tracing")]
    pub(crate) fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(&self.0[..self.0.len() - 1])
    }
}

/// `Option<&WideString>` as a nullable `PCWSTR`.
pub(crate) fn opt_ptr(text: Option<&WideString>) -> PCWSTR {
    text.map_or(std::ptr::null(), WideString::as_ptr)
}

/// A string HCS allocated and returned through an out-parameter, freed with
/// the loaded library's `LocalFree` on drop.
pub(crate) struct HcsString {
    ptr: NonNull<u16>,
    api: &'static Api,
}

impl HcsString {
    /// Takes ownership of a string HCS returned; `None` for NULL.
    ///
    /// # Safety
    /// `ptr` must be NULL or a NUL-terminated UTF-16 string allocated by the
    /// HCS library whose `LocalFree` is in `api`, and not freed elsewhere.
    pub(crate) unsafe fn from_raw(ptr: PWSTR, api: &'static Api) -> Option<HcsString> {
        NonNull::new(ptr).map(|ptr| HcsString { ptr, api })
    }

    /// The string as UTF-16, without the terminating NUL.
    pub(crate) fn as_wide(&self) -> &[u16] {
        // SAFETY: the pointer is a valid NUL-terminated string we own until drop.
        unsafe { wide_slice(self.ptr.as_ptr()) }
    }

    /// Decodes the string; invalid UTF-16 is replaced, never a panic.
    pub(crate) fn to_string_lossy(&self) -> String {
        String::from_utf16_lossy(self.as_wide())
    }
}

impl Drop for HcsString {
    fn drop(&mut self) {
        if let Ok(local_free) = self.api.LocalFree() {
            // SAFETY: the pointer was allocated by HCS for us to free with LocalFree.
            unsafe {
                local_free(self.ptr.as_ptr().cast());
            }
        }
    }
}

/// Reads a NUL-terminated UTF-16 string.
///
/// # Safety
/// `ptr` must be non-NULL and point to a NUL-terminated UTF-16 string that
/// stays valid for the returned lifetime.
pub(crate) unsafe fn wide_slice<'a>(ptr: *const u16) -> &'a [u16] {
    let mut len = 0;
    // SAFETY: the caller guarantees a terminating NUL within the allocation.
    unsafe {
        while *ptr.add(len) != 0 {
            len += 1;
        }
        std::slice::from_raw_parts(ptr, len)
    }
}

/// Copies a borrowed, possibly NULL `PCWSTR` into a `String`.
///
/// # Safety
/// As for [`wide_slice`] when non-NULL.
pub(crate) unsafe fn copy_pcwstr(ptr: PCWSTR) -> Option<String> {
    if ptr.is_null() {
        None
    } else {
        // SAFETY: forwarded to the caller.
        Some(String::from_utf16_lossy(unsafe { wide_slice(ptr) }))
    }
}

/// Takes an out-parameter string from HCS and decodes it.
///
/// # Safety
/// As for [`HcsString::from_raw`].
pub(crate) unsafe fn take_string(ptr: PWSTR, api: &'static Api) -> Option<String> {
    // SAFETY: forwarded to the caller.
    unsafe { HcsString::from_raw(ptr, api) }.map(|s| s.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_strings_are_nul_terminated_and_reject_interior_nuls() {
        let text = WideString::new("vm-1 ü 😀", "id").unwrap();
        // SAFETY: a NUL-terminated buffer we own.
        let read = unsafe { copy_pcwstr(text.as_ptr()) }.unwrap();
        assert_eq!(read, "vm-1 ü 😀");
        assert!(WideString::new("a\0b", "id").is_err());
        assert!(opt_ptr(None).is_null());
        // SAFETY: NULL is handled.
        assert_eq!(unsafe { copy_pcwstr(std::ptr::null()) }, None);
        let path = WideString::from_path(Path::new("C:/layers/base"), "path").unwrap();
        // SAFETY: as above.
        assert_eq!(
            unsafe { copy_pcwstr(path.as_ptr()) }.unwrap(),
            "C:/layers/base"
        );
    }
}
