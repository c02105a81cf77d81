//! The one error type of the crate.

use std::fmt;

use crate::hresult::HResult;
use crate::schema::ResultError;

/// `Result<T, hcs::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when calling HCS.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// A library could not be loaded (no HCS on this host, or a bad path).
    Load {
        /// The library (or file) that failed to load.
        library: String,
        /// Why.
        message: String,
    },
    /// The loaded `computecore.dll`/`computestorage.dll` does not export this
    /// function (an older Windows build).
    NotSupported {
        /// The export that is missing.
        function: &'static str,
    },
    /// An HCS function returned a failure `HRESULT`.
    Hcs(Box<HcsError>),
    /// The caller passed something HCS cannot take (an interior NUL in a
    /// string, a path that is not Unicode, ...). Nothing was sent to HCS.
    InvalidInput {
        /// What was wrong.
        message: String,
    },
    /// A typed document uses fields, values or properties that the host's schema version does
    /// not accept (see [`crate::SchemaCheck`]). Nothing was sent to HCS.
    SchemaVersion(Box<crate::SchemaVersionError>),
    /// A document could not be serialized, or a document HCS returned could
    /// not be decoded into the requested type.
    Document {
        /// The HCS function whose document it was.
        operation: &'static str,
        /// The decoding error.
        message: String,
        /// The text HCS returned, when decoding failed.
        text: Option<String>,
    },
}

/// An `HRESULT` failure returned by an HCS function, with the parsed
/// `ResultError` document when HCS sent one.
#[derive(Debug, Clone)]
pub struct HcsError {
    /// The failure code.
    pub code: HResult,
    /// The HCS function that failed (for example `"HcsStartComputeSystem"`).
    pub operation: &'static str,
    /// The `ResultError` document HCS returned with the failure, if any.
    pub result: Option<ResultError>,
    /// The raw text of the result document, if any (kept when it did not
    /// parse as a `ResultError`).
    pub raw_result: Option<String>,
}

impl HcsError {
    /// The best message: the `ErrorMessage` of the result document when HCS
    /// sent one, else the documented message of the code.
    pub fn message(&self) -> String {
        if let Some(message) = self.result.as_ref().and_then(|r| r.error_message.clone()) {
            if !message.is_empty() {
                return message;
            }
        }
        match self.code.message() {
            Some(text) => text.to_owned(),
            None => "HCS call failed".to_owned(),
        }
    }
}

impl Error {
    /// Builds an [`Error::Hcs`] from a code, the failing function and the
    /// result document text, parsing it as a `ResultError` when possible.
    pub(crate) fn hcs(code: HResult, operation: &'static str, document: Option<String>) -> Error {
        let result = document
            .as_deref()
            .filter(|text| !text.trim().is_empty())
            .and_then(|text| hcs_schema::json::from_str::<ResultError>(text).ok());
        Error::Hcs(Box::new(HcsError {
            code,
            operation,
            result,
            raw_result: document,
        }))
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Error {
        Error::InvalidInput {
            message: message.into(),
        }
    }

    /// The `HRESULT` of an [`Error::Hcs`].
    pub fn code(&self) -> Option<HResult> {
        match self {
            Error::Hcs(error) => Some(error.code),
            _ => None,
        }
    }

    /// The HCS failure, if this is one.
    pub fn hcs_error(&self) -> Option<&HcsError> {
        match self {
            Error::Hcs(error) => Some(error),
            _ => None,
        }
    }

    /// True when this is an HCS failure with the given code (in either the
    /// `0x8037` or the `0xC037` form).
    pub fn is(&self, code: HResult) -> bool {
        self.code().is_some_and(|c| c.is(code))
    }

    /// True when a wait ran out of time (`HCS_E_OPERATION_TIMEOUT`).
    pub fn is_timeout(&self) -> bool {
        self.is(HResult::HCS_E_OPERATION_TIMEOUT)
    }

    /// True when the host lacks the function ([`Error::NotSupported`]).
    pub fn is_not_supported(&self) -> bool {
        matches!(self, Error::NotSupported { .. })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Load { library, message } => write!(f, "cannot load {library}: {message}"),
            Error::NotSupported { function } => {
                write!(f, "{function} is not supported on this host")
            }
            Error::Hcs(error) => fmt::Display::fmt(error, f),
            Error::InvalidInput { message } => write!(f, "invalid input: {message}"),
            Error::SchemaVersion(error) => fmt::Display::fmt(error, f),
            Error::Document {
                operation, message, ..
            } => {
                write!(f, "{operation}: bad document: {message}")
            }
        }
    }
}

impl fmt::Display for HcsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (0x{:08X}",
            self.operation,
            self.message(),
            self.code.as_u32()
        )?;
        if let Some(name) = self.code.name() {
            write!(f, " {name}")?;
        }
        write!(f, ")")
    }
}

impl std::error::Error for Error {}
impl std::error::Error for HcsError {}

const _: () = {
    const fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Error>();
};
