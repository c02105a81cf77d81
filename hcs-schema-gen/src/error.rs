//! The one error type of the generator: every failure names the file and, where it has one, the JSON
//! pointer (or line) of the offending input.

use std::fmt;
use std::path::{Path, PathBuf};

/// A failure to read, merge or emit the schema, located in its input.
#[derive(Debug, thiserror::Error)]
pub struct Error {
    /// The file the problem is in (a schema file, `SchemaReference.md`, or a model/data file).
    pub file: PathBuf,
    /// Where in the file: a JSON pointer (`/definitions/Memory/properties/SizeInMB`), a line
    /// (`line 42`), or empty when the whole file is meant.
    pub location: String,
    /// What is wrong, as a sentence fragment.
    pub message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error at `location` in `file`.
    pub fn new(file: &Path, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            location: location.into(),
            message: message.into(),
            source: None,
        }
    }

    /// An error caused by an I/O or parse failure.
    pub fn with_source(
        file: &Path,
        location: impl Into<String>,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self {
            source: Some(Box::new(source)),
            ..Self::new(file, location, message)
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if !self.location.is_empty() {
            write!(f, " at {}", self.location)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Builds an RFC 6901 JSON pointer from path segments, escaping `~` and `/`.
pub(crate) fn pointer(segments: &[&str]) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    out
}
