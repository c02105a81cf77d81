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

/// Loads every release's files and the reference from `inputs.input_dir`, and merges them.
pub fn import(inputs: &ImportInputs) -> Result<(Model, MergeReport)> {
    let data = ReleaseData::load(&inputs.data_dir)?;
    if !inputs.input_dir.is_dir() {
        return Err(Error::new(
            &inputs.input_dir,
            "",
            "the published schema folder does not exist",
        ));
    }
    merge_files(&data, &|relative| Ok(inputs.input_dir.join(relative)))
}

/// Like [`import`], from a list of files instead of a folder: every file the release data names
/// (matched by the end of its path: `untrimmed-2022-01-10/windows-10-sdk-1809.json` needs that
/// folder name, `windows-10-sdk-1809.json` matches any other file of that name) and
/// `SchemaReference.md`. A missing or ambiguous file is an error.
pub fn import_files(data_dir: &Path, files: &[PathBuf]) -> Result<(Model, MergeReport)> {
    let data = ReleaseData::load(data_dir)?;
    let wanted: Vec<&str> = data
        .releases
        .iter()
        .flat_map(|r| r.files.iter().map(String::as_str))
        .chain([REFERENCE_FILE])
        .collect();
    let resolve = |relative: &str| -> Result<PathBuf> {
        // A file matches `relative` unless it matches a longer wanted path too.
        let matches: Vec<&PathBuf> = files
            .iter()
            .filter(|path| path.ends_with(relative))
            .filter(|path| {
                !wanted.iter().any(|other| {
                    other.len() > relative.len()
                        && other.ends_with(relative)
                        && path.ends_with(other)
                })
            })
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::new(Path::new(relative), "", "no file given for it")),
            _ => Err(Error::new(
                Path::new(relative),
                "",
                "more than one file given for it",
            )),
        }
    };
    merge_files(&data, &resolve)
}

fn merge_files(
    data: &ReleaseData,
    resolve: &dyn Fn(&str) -> Result<PathBuf>,
) -> Result<(Model, MergeReport)> {
    let mut files = Vec::new();
    for (index, release) in data.releases.iter().enumerate() {
        for relative in &release.files {
            files.push(ReleaseFile {
                release: index,
                file: crate::load::load_file(&resolve(relative)?)?,
            });
        }
    }
    let reference = load_reference(&resolve(REFERENCE_FILE)?)?;
    merge(data, &files, &reference)
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
