//! The error of [`crate::json`].

use std::fmt;

/// Why a document could not be serialized or deserialized by [`crate::json`].
///
/// Its text is serde_json's: the message, then `at line L column C` when the error has a place
/// in the input. A deserialization error also names the JSON path of the value it is about
/// ([`Error::path`]).
pub struct Error(Box<Inner>);

struct Inner {
    message: String,
    line: usize,
    column: usize,
    path: String,
}

impl Error {
    pub(crate) fn new(message: String) -> Self {
        Self(Box::new(Inner {
            message,
            line: 0,
            column: 0,
            path: String::new(),
        }))
    }

    /// The message, without place or path.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The line (from 1) where the input went wrong; 0 for an error of serialization.
    pub fn line(&self) -> usize {
        self.0.line
    }

    /// The column (from 1, in bytes) where the input went wrong; 0 for an error of serialization.
    pub fn column(&self) -> usize {
        self.0.column
    }

    /// The JSON path of the value the error is about, like `VirtualMachine.Devices.Scsi.0`, or
    /// `.` for the document itself.
    pub fn path(&self) -> &str {
        if self.0.path.is_empty() {
            "."
        } else {
            &self.0.path
        }
    }

    /// Sets the place of an error that has none yet.
    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        if self.0.line == 0 {
            self.0.line = line;
            self.0.column = column;
        }
        self
    }

    /// Puts `segment` (a property name or an index) in front of the path.
    pub(crate) fn within(mut self, segment: &dyn fmt::Display) -> Self {
        let inner = std::mem::take(&mut self.0.path);
        self.0.path = if inner.is_empty() {
            segment.to_string()
        } else {
            format!("{segment}.{inner}")
        };
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.path.is_empty() {
            write!(f, "{}: ", self.0.path)?;
        }
        f.write_str(&self.0.message)?;
        if self.0.line != 0 {
            write!(f, " at line {} column {}", self.0.line, self.0.column)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Error({:?}, path: {:?}, line: {}, column: {})",
            self.0.message,
            self.path(),
            self.0.line,
            self.0.column
        )
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(message.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self::new(message.to_string())
    }

    fn invalid_type(found: serde::de::Unexpected, expected: &dyn serde::de::Expected) -> Self {
        Self::new(format!(
            "invalid type: {}, expected {expected}",
            JsonUnexpected(found)
        ))
    }

    fn invalid_value(found: serde::de::Unexpected, expected: &dyn serde::de::Expected) -> Self {
        Self::new(format!(
            "invalid value: {}, expected {expected}",
            JsonUnexpected(found)
        ))
    }
}

/// What was found, in serde_json's words: `null` rather than "unit value", floats in JSON.
struct JsonUnexpected<'a>(serde::de::Unexpected<'a>);

impl fmt::Display for JsonUnexpected<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            serde::de::Unexpected::Unit => f.write_str("null"),
            serde::de::Unexpected::Float(value) => {
                write!(f, "floating point `{}`", zmij::Buffer::new().format(value))
            }
            found => fmt::Display::fmt(&found, f),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(error: serde_json::Error) -> Self {
        // serde_json's text is "message at line L column C"; keep the message alone.
        let text = error.to_string();
        let message = match text.rfind(" at line ") {
            Some(at) if error.line() != 0 => text[..at].to_owned(),
            _ => text,
        };
        Self::new(message).at(error.line(), error.column())
    }
}
