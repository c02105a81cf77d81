//! HRESULT values the emulator returns (the project's one table, `hcs-hresult`), with the texts
//! used in `ResultError` documents.

/// An HRESULT as the C API carries it (`i32`, failure iff negative).
pub type HRESULT = i32;

pub use hcs_hresult::codes::*;

/// The documented message of `code` (the shared table), or a generic one.
pub fn message(code: HRESULT) -> &'static str {
    hcs_hresult::HResult(code)
        .message()
        .unwrap_or("Unexpected error")
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
