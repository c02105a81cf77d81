//! Owned standard-stream handles of a process created through HCS.

use std::fmt;

use crate::ffi::HANDLE;

/// One standard stream (stdin, stdout or stderr) of a process created with
/// `CreateStdInPipe`/`CreateStdOutPipe`/`CreateStdErrPipe`, as returned in
/// `HCS_PROCESS_INFORMATION`. Owned: closed on drop.
///
/// On Windows it is a pipe `HANDLE` (closed with `CloseHandle`) and
/// [`StdioHandle::into_file`] gives a [`std::fs::File`] to read or write.
/// On other hosts (the emulator) the value is a file descriptor, closed with
/// `close`, and `into_file` works the same.
pub struct StdioHandle {
    raw: HANDLE,
}

// SAFETY: an owned OS handle / file descriptor may be used and closed from
// any thread.
unsafe impl Send for StdioHandle {}
// SAFETY: `&StdioHandle` only exposes the raw value.
unsafe impl Sync for StdioHandle {}

impl StdioHandle {
    /// Takes ownership of a handle HCS returned; `None` for NULL or
    /// `INVALID_HANDLE_VALUE` (and, off Windows, for values that cannot be
    /// a file descriptor).
    ///
    /// # Safety
    /// `raw` must be a handle the caller owns and nobody else closes.
    pub unsafe fn from_raw(raw: HANDLE) -> Option<StdioHandle> {
        let value = raw as isize;
        if raw.is_null() || value == -1 {
            return None;
        }
        #[cfg(not(windows))]
        if i32::try_from(value).is_err() {
            return None;
        }
        if cfg!(any(windows, unix)) {
            Some(StdioHandle { raw })
        } else {
            None
        }
    }

    /// The raw value (a `HANDLE`, or a file descriptor off Windows).
    pub fn as_raw(&self) -> HANDLE {
        self.raw
    }

    /// Gives up ownership without closing.
    #[must_use]
    pub fn into_raw(self) -> HANDLE {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }

    /// The stream as a file (reading stdout/stderr, writing stdin).
    pub fn into_file(self) -> std::fs::File {
        let raw = self.into_raw();
        #[cfg(windows)]
        {
            use std::os::windows::io::FromRawHandle;
            // SAFETY: we owned the handle and hand ownership to the File.
            unsafe { std::fs::File::from_raw_handle(raw) }
        }
        #[cfg(unix)]
        {
            use std::os::fd::FromRawFd;
            // SAFETY: off Windows the value is an owned file descriptor
            // (checked to fit in an i32 at construction).
            unsafe { std::fs::File::from_raw_fd(raw as isize as i32) }
        }
        #[cfg(not(any(windows, unix)))]
        {
            // Never constructed on these targets (`from_raw` returns None).
            let _ = raw;
            unreachable!("HCS stdio handles exist only on Windows and unix hosts")
        }
    }
}

impl Drop for StdioHandle {
    fn drop(&mut self) {
        #[cfg(windows)]
        {
            use std::os::windows::io::{FromRawHandle, OwnedHandle};
            // SAFETY: we own the handle; it is closed exactly once here.
            drop(unsafe { OwnedHandle::from_raw_handle(self.raw) });
        }
        #[cfg(unix)]
        {
            use std::os::fd::{FromRawFd, OwnedFd};
            // SAFETY: off Windows the value is an owned file descriptor.
            drop(unsafe { OwnedFd::from_raw_fd(self.raw as isize as i32) });
        }
    }
}

impl fmt::Debug for StdioHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StdioHandle({:#x})", self.raw as usize)
    }
}
