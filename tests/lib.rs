//! Shared helpers of the workspace-level tests: where the published inputs are.
//!
//! Tests that need the published schema files or sample documents find them under
//! `$HCS_SHARED_DIR` (default: `../shared` next to the workspace). When they are missing, such a
//! test prints one `skipped: inputs not found at ...` line and passes, unless
//! `HCS_REQUIRE_INPUTS=1` (set by `.ci/run`), which turns their absence into a failure.

use std::path::{Path, PathBuf};

/// The README's Rust examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeExamples;

pub use hcs_schema_gen::workspace::{SHARED_DIR_VAR, root, shared_dir};

/// The variable that makes missing inputs a failure.
pub const REQUIRE_INPUTS_VAR: &str = "HCS_REQUIRE_INPUTS";

/// `$HCS_SHARED_DIR/<name>` when it exists; otherwise prints the skip line (or panics when inputs
/// are required) and returns `None`.
pub fn input_dir(name: &str) -> Option<PathBuf> {
    let dir = shared_dir(&root()).join(name);
    if dir.is_dir() {
        return Some(dir);
    }
    missing(&dir)
}

/// The published schema folder, if present.
pub fn schema_dir() -> Option<PathBuf> {
    let dir = input_dir("schema-json")?;
    if hcs_schema_gen::import::inputs_present(&hcs_schema_gen::workspace::data_dir(&root()), &dir) {
        Some(dir)
    } else {
        missing(&dir)
    }
}

/// The published sample documents folder, if present.
pub fn samples_dir() -> Option<PathBuf> {
    input_dir("samples")
}

fn missing(dir: &Path) -> Option<PathBuf> {
    let required = std::env::var(REQUIRE_INPUTS_VAR).is_ok_and(|v| v == "1");
    assert!(
        !required,
        "inputs not found at {} ({REQUIRE_INPUTS_VAR}=1; set {SHARED_DIR_VAR} to the folder holding schema-json/ and samples/)",
        dir.display()
    );
    println!("skipped: inputs not found at {}", dir.display());
    None
}
