//! Import: published schema files + `SchemaReference.md` + observed source files + release and
//! observed-source data -> merged model.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::merge::{MergeReport, ObservedFile, ReleaseFile, merge_all};
use crate::model::Model;
use crate::observed_data::ObservedData;
use crate::reference::load_reference;
use crate::release_data::ReleaseData;

/// The name of the reference page inside the input folder.
pub const REFERENCE_FILE: &str = "SchemaReference.md";

/// Where the inputs of an import are.
#[derive(Debug, Clone)]
pub struct ImportInputs {
    /// The project's `schema-json/` folder (release and observed-source data).
    pub data_dir: PathBuf,
    /// The published schema folder (`windows-10-sdk-1809.json`, ..., `SchemaReference.md`,
    /// `observed/...`).
    pub input_dir: PathBuf,
}

/// Loads every release's files, the reference and every observed source's file from
/// `inputs.input_dir`, and merges them.
pub fn import(inputs: &ImportInputs) -> Result<(Model, MergeReport)> {
    let data = ReleaseData::load(&inputs.data_dir)?;
    let observed = ObservedData::load(&inputs.data_dir)?;
    if !inputs.input_dir.is_dir() {
        return Err(Error::new(
            &inputs.input_dir,
            "",
            "the published schema folder does not exist",
        ));
    }
    merge_files(&data, &observed, &|relative| {
        Ok(inputs.input_dir.join(relative))
    })
}

/// Like [`import`], from a list of files instead of a folder: every file the release and
/// observed-source data name (matched by the end of its path:
/// `untrimmed-2022-01-10/windows-10-sdk-1809.json` needs that folder name,
/// `windows-10-sdk-1809.json` matches any other file of that name) and `SchemaReference.md`. A
/// missing or ambiguous file is an error.
pub fn import_files(data_dir: &Path, files: &[PathBuf]) -> Result<(Model, MergeReport)> {
    let data = ReleaseData::load(data_dir)?;
    let observed = ObservedData::load(data_dir)?;
    let wanted = wanted_files(&data, &observed);
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
    merge_files(&data, &observed, &resolve)
}

/// Every input file the data names, relative to the import folder.
fn wanted_files<'d>(data: &'d ReleaseData, observed: &'d ObservedData) -> Vec<&'d str> {
    data.releases
        .iter()
        .flat_map(|r| r.files.iter().map(String::as_str))
        .chain([REFERENCE_FILE])
        .chain(observed.sources.iter().map(|s| s.file.as_str()))
        .collect()
}

fn merge_files(
    data: &ReleaseData,
    observed: &ObservedData,
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
    let mut observed_files = Vec::new();
    for (index, source) in observed.sources.iter().enumerate() {
        let path = resolve(&source.file)?;
        let text = std::fs::read_to_string(&path)
            .map_err(|e| Error::with_source(&path, "", "cannot read the observed file", e))?;
        if let Some(pinned) = &source.sha256 {
            let actual = hex(&Sha256::digest(text.as_bytes()));
            if !actual.eq_ignore_ascii_case(pinned) {
                return Err(Error::new(
                    &path,
                    "",
                    format!(
                        "SHA-256 {actual} is not the {pinned} that schema-json/observed.json pins for `{}`: \
                         another version of the file (update observed.json after reviewing it)",
                        source.id
                    ),
                ));
            }
        }
        observed_files.push(ObservedFile {
            source: index,
            file: crate::load::load_str(&path, &text)?,
        });
    }
    let reference = load_reference(&resolve(REFERENCE_FILE)?)?;
    merge_all(data, &files, &reference, observed, &observed_files)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// True when `dir` holds every file the release and observed-source data name and the reference.
pub fn inputs_present(data_dir: &Path, input_dir: &Path) -> bool {
    let (Ok(data), Ok(observed)) = (ReleaseData::load(data_dir), ObservedData::load(data_dir))
    else {
        return false;
    };
    wanted_files(&data, &observed)
        .iter()
        .all(|f| input_dir.join(f).is_file())
}
