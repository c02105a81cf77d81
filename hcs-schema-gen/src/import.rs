//! Import: published schema files + `SchemaReference.md` + release data -> merged model.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::merge::{MergeReport, ReleaseFile, merge};
use crate::model::Model;
use crate::reference::load_reference;
use crate::release_data::ReleaseData;

/// The name of the reference page inside the input folder.
pub const REFERENCE_FILE: &str = "SchemaReference.md";

/// Where the inputs of an import are.
#[derive(Debug, Clone)]
pub struct ImportInputs {
    /// The project's `schema-json/` folder (release data).
    pub data_dir: PathBuf,
    /// The published schema folder (`windows-10-sdk-1809.json`, ..., `SchemaReference.md`).
    pub input_dir: PathBuf,
}

/// Loads every release's files and the reference, and merges them.
pub fn import(inputs: &ImportInputs) -> Result<(Model, MergeReport)> {
    let data = ReleaseData::load(&inputs.data_dir)?;
    if !inputs.input_dir.is_dir() {
        return Err(Error::new(
            &inputs.input_dir,
            "",
            "the published schema folder does not exist",
        ));
    }
    let mut files = Vec::new();
    for (index, release) in data.releases.iter().enumerate() {
        for relative in &release.files {
            let path = inputs.input_dir.join(relative);
            files.push(ReleaseFile {
                release: index,
                file: crate::load::load_file(&path)?,
            });
        }
    }
    let reference = load_reference(&inputs.input_dir.join(REFERENCE_FILE))?;
    merge(&data, &files, &reference)
}

/// True when `dir` holds every file the release data names and the reference.
pub fn inputs_present(data_dir: &Path, input_dir: &Path) -> bool {
    let Ok(data) = ReleaseData::load(data_dir) else {
        return false;
    };
    input_dir.join(REFERENCE_FILE).is_file()
        && data
            .releases
            .iter()
            .flat_map(|r| &r.files)
            .all(|f| input_dir.join(f).is_file())
}
