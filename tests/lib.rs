//! Shared helpers of the workspace-level tests: where the published inputs are.
//!
//! Tests that need the published schema files or sample documents find them under
//! `$HCS_SHARED_DIR` (default: `../shared` next to the workspace). When they are missing, such a
//! test prints one visible `skipped: inputs not found at ...` line and passes, unless
//! `HCS_REQUIRE_INPUTS` or `CI` is set (see [`hcs_schema_gen::workspace::inputs_required`]),
//! which turns their absence into a failure.

use std::path::PathBuf;

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

use hcs_schema_gen::workspace::skip_missing_inputs;
pub use hcs_schema_gen::workspace::{SHARED_DIR_VAR, root, shared_dir};

/// `$HCS_SHARED_DIR/<name>` when it exists; otherwise prints the skip line (or panics when inputs
/// are required) and returns `None`.
pub fn input_dir(name: &str) -> Option<PathBuf> {
    let dir = shared_dir(&root()).join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    skip_missing_inputs(&dir)
}

/// The published schema folder, if present.
pub fn schema_dir() -> Option<PathBuf> {
    let dir = input_dir("schema-json")?;
    if hcs_schema_gen::import::inputs_present(&hcs_schema_gen::workspace::data_dir(&root()), &dir) {
        Some(dir)
    } else {
        skip_missing_inputs(&dir)
    }
}

/// The published sample documents folder, if present.
pub fn samples_dir() -> Option<PathBuf> {
    input_dir("samples")
}
