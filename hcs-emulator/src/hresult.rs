//! HRESULT values the emulator returns, with the texts used in `ResultError` documents.

/// An HRESULT as the C API carries it (`i32`, failure iff negative).
pub type HRESULT = i32;

const fn hr(v: u32) -> HRESULT {
    v as i32
}

/// Success.
pub const S_OK: HRESULT = 0;
/// Unspecified failure (also returned when an export body panics).
pub const E_FAIL: HRESULT = hr(0x8000_4005);
/// The function is not implemented.
pub const E_NOTIMPL: HRESULT = hr(0x8000_4001);
/// A required pointer argument was NULL.
pub const E_POINTER: HRESULT = hr(0x8000_4003);
/// An argument was invalid.
pub const E_INVALIDARG: HRESULT = hr(0x8007_0057);
/// A handle argument was not a live handle of the expected kind.
pub const E_HANDLE: HRESULT = hr(0x8007_0006);
/// Access denied.
pub const E_ACCESSDENIED: HRESULT = hr(0x8007_0005);
/// `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)`.
pub const HR_FILE_NOT_FOUND: HRESULT = hr(0x8007_0002);
/// `HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)`.
pub const HR_PATH_NOT_FOUND: HRESULT = hr(0x8007_0003);
/// `HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)`.
pub const HR_ALREADY_EXISTS: HRESULT = hr(0x8007_00B7);
/// `HRESULT_FROM_WIN32(ERROR_NOT_FOUND)`.
pub const HR_NOT_FOUND: HRESULT = hr(0x8007_0490);
/// `HRESULT_FROM_WIN32(ERROR_CANCELLED)`: the result of a cancelled operation.
pub const HR_CANCELLED: HRESULT = hr(0x8007_04C7);

/// The virtual machine or container exited unexpectedly while starting.
pub const HCS_E_TERMINATED_DURING_START: HRESULT = hr(0x8037_0100);
/// The requested virtual machine or container operation is not valid in the current state.
pub const HCS_E_INVALID_STATE: HRESULT = hr(0x8037_0105);
/// The virtual machine or container exited unexpectedly.
pub const HCS_E_UNEXPECTED_EXIT: HRESULT = hr(0x8037_0106);
/// The virtual machine or container was forcefully exited.
pub const HCS_E_TERMINATED: HRESULT = hr(0x8037_0107);
/// The virtual machine or container JSON document is invalid.
pub const HCS_E_INVALID_JSON: HRESULT = hr(0x8037_010D);
/// A virtual machine or container with the specified identifier does not exist.
pub const HCS_E_SYSTEM_NOT_FOUND: HRESULT = hr(0x8037_010E);
/// A virtual machine or container with the specified identifier already exists.
pub const HCS_E_SYSTEM_ALREADY_EXISTS: HRESULT = hr(0x8037_010F);
/// The virtual machine or container with the specified identifier is not running.
pub const HCS_E_SYSTEM_ALREADY_STOPPED: HRESULT = hr(0x8037_0110);
/// The operation has not started.
pub const HCS_E_OPERATION_NOT_STARTED: HRESULT = hr(0x8037_0115);
/// The operation is already running.
pub const HCS_E_OPERATION_ALREADY_STARTED: HRESULT = hr(0x8037_0116);
/// The operation is still running.
pub const HCS_E_OPERATION_PENDING: HRESULT = hr(0x8037_0117);
/// The operation did not complete in time.
pub const HCS_E_OPERATION_TIMEOUT: HRESULT = hr(0x8037_0118);
/// An event callback has already been registered on this handle.
pub const HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET: HRESULT = hr(0x8037_0119);
/// The virtual machine or container reported a critical error and was stopped or restarted.
pub const HCS_E_GUEST_CRITICAL_ERROR: HRESULT = hr(0x8037_011C);
/// The process information is not available.
pub const HCS_E_PROCESS_INFO_NOT_AVAILABLE: HRESULT = hr(0x8037_011D);
/// The process has already exited.
pub const HCS_E_PROCESS_ALREADY_STOPPED: HRESULT = hr(0x8037_011F);
/// The operation was already cancelled.
pub const HCS_E_OPERATION_ALREADY_CANCELLED: HRESULT = hr(0x8037_0121);

/// The message HCS documents for `code`, or a generic one.
pub fn message(code: HRESULT) -> &'static str {
    match code {
        S_OK => "The operation completed successfully",
        E_FAIL => "Unspecified error",
        E_NOTIMPL => "Not implemented",
        E_POINTER => "Invalid pointer",
        E_INVALIDARG => "The parameter is incorrect",
        E_HANDLE => "The handle is invalid",
        E_ACCESSDENIED => "Access is denied",
        HR_FILE_NOT_FOUND => "The system cannot find the file specified",
        HR_PATH_NOT_FOUND => "The system cannot find the path specified",
        HR_ALREADY_EXISTS => "Cannot create a file when that file already exists",
        HR_NOT_FOUND => "Element not found",
        HR_CANCELLED => "The operation was canceled by the user",
        HCS_E_TERMINATED_DURING_START => {
            "The virtual machine or container exited unexpectedly while starting"
        }
        HCS_E_INVALID_STATE => {
            "The requested virtual machine or container operation is not valid in the current state"
        }
        HCS_E_UNEXPECTED_EXIT => "The virtual machine or container exited unexpectedly",
        HCS_E_TERMINATED => "The virtual machine or container was forcefully exited",
        HCS_E_INVALID_JSON => "The virtual machine or container JSON document is invalid",
        HCS_E_SYSTEM_NOT_FOUND => {
            "A virtual machine or container with the specified identifier does not exist"
        }
        HCS_E_SYSTEM_ALREADY_EXISTS => {
            "A virtual machine or container with the specified identifier already exists."
        }
        HCS_E_SYSTEM_ALREADY_STOPPED => {
            "The virtual machine or container with the specified identifier is not running"
        }
        HCS_E_OPERATION_NOT_STARTED => "The operation has not started",
        HCS_E_OPERATION_ALREADY_STARTED => "The operation is already running",
        HCS_E_OPERATION_PENDING => "The operation is still running",
        HCS_E_OPERATION_TIMEOUT => "The operation did not complete in time",
        HCS_E_OPERATION_SYSTEM_CALLBACK_ALREADY_SET => {
            "An event callback has already been registered on this handle"
        }
        HCS_E_GUEST_CRITICAL_ERROR => {
            "The virtual machine or container reported a critical error and was stopped or restarted"
        }
        HCS_E_PROCESS_INFO_NOT_AVAILABLE => "The process information is not available",
        HCS_E_PROCESS_ALREADY_STOPPED => "The process has already exited",
        HCS_E_OPERATION_ALREADY_CANCELLED => "The operation was already cancelled",
        _ => "Unexpected error",
    }
}

/// An HRESULT with the detail that goes into a `ResultError` document.
#[derive(Debug, Clone, PartialEq)]
pub struct HcsError {
    /// The HRESULT.
    pub code: HRESULT,
    /// A human-readable message (the documented text plus detail).
    pub message: String,
}

impl HcsError {
    /// An error with the documented message of `code`.
    pub fn new(code: HRESULT) -> Self {
        HcsError {
            code,
            message: message(code).to_string(),
        }
    }

    /// An error with the documented message of `code` followed by `detail`.
    pub fn with(code: HRESULT, detail: impl std::fmt::Display) -> Self {
        HcsError {
            code,
            message: format!("{}: {detail}", message(code)),
        }
    }

    /// The `ResultError` JSON document for this error.
    pub fn to_result_document(&self) -> String {
        serde_json::json!({ "Error": self.code, "ErrorMessage": self.message }).to_string()
    }
}

impl From<HRESULT> for HcsError {
    fn from(code: HRESULT) -> Self {
        HcsError::new(code)
    }
}

/// Maps an I/O error to the HRESULT Windows would report.
pub fn from_io(e: &std::io::Error) -> HcsError {
    use std::io::ErrorKind;
    let code = match e.kind() {
        ErrorKind::NotFound => HR_PATH_NOT_FOUND,
        ErrorKind::PermissionDenied => E_ACCESSDENIED,
        ErrorKind::AlreadyExists => HR_ALREADY_EXISTS,
        ErrorKind::InvalidInput => E_INVALIDARG,
        _ => E_FAIL,
    };
    HcsError::with(code, e)
}
