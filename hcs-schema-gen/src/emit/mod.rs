//! Model -> Rust source files.

use crate::error::Result;
use crate::model::Model;

/// One generated file, relative to `hcs-schema/src/generated/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path.
    pub path: String,
    /// Formatted Rust source.
    pub contents: String,
}

/// Emits every generated file for `model`.
pub fn emit(_model: &Model) -> Result<Vec<GeneratedFile>> {
    Ok(Vec::new())
}
