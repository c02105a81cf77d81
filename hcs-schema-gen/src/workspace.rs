//! The generator's place in this repository: where the model, the release data and the generated
//! code live, and how committed files are compared with fresh output (rust-analyzer's
//! `ensure_file_contents`, without the panic: the caller decides what a stale file means).

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::import::{ImportInputs, import as run_import};
use crate::merge::MergeReport;
use crate::model::Model;

/// The environment variable naming the folder of published inputs (`schema-json/`, `samples/`).
pub const SHARED_DIR_VAR: &str = "HCS_SHARED_DIR";

/// Whether to write files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write every file whose contents differ.
    Write,
    /// Write nothing; report the files that differ.
    Check,
}

/// The workspace root (the folder holding the workspace `Cargo.toml`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the generator lives in the workspace")
        .to_path_buf()
}

/// `$HCS_SHARED_DIR`, or `../shared` next to the workspace.
pub fn shared_dir(root: &Path) -> PathBuf {
    match std::env::var_os(SHARED_DIR_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => root.join("..").join("shared"),
    }
}

/// The project's `schema-json/` folder.
pub fn data_dir(root: &Path) -> PathBuf {
    root.join("schema-json")
}

/// The committed model.
pub fn model_path(root: &Path) -> PathBuf {
    data_dir(root).join("model.json")
}

/// The folder of generated Rust.
pub fn generated_dir(root: &Path) -> PathBuf {
    root.join("hcs-schema").join("src").join("generated")
}

/// What an import did.
#[derive(Debug)]
pub struct ImportOutcome {
    /// Files written (or, in check mode, stale).
    pub changed: Vec<PathBuf>,
    /// What the merge noticed.
    pub report: MergeReport,
    /// How many definitions the model has.
    pub definitions: usize,
}

/// Merges the published files in `input_dir` into the model, then generates the code.
pub fn import(root: &Path, input_dir: &Path, mode: Mode) -> Result<ImportOutcome> {
    let inputs = ImportInputs {
        data_dir: data_dir(root),
        input_dir: input_dir.to_path_buf(),
    };
    finish_import(root, run_import(&inputs)?, mode)
}

/// [`import`] from a list of files (see [`crate::import::import_files`]).
pub fn import_files(root: &Path, files: &[PathBuf], mode: Mode) -> Result<ImportOutcome> {
    finish_import(
        root,
        crate::import::import_files(&data_dir(root), files)?,
        mode,
    )
}

fn finish_import(
    root: &Path,
    (model, report): (Model, MergeReport),
    mode: Mode,
) -> Result<ImportOutcome> {
    // Everything that can fail on the inputs happens before the first write.
    let files = crate::emit::emit(&model)?;
    let mut changed = Vec::new();
    // Changelog: what this import changed, compared with the committed model (see `crate::diff`).
    crate::diff::record_import_in_changelog(root, &model, mode, &mut changed)?;
    ensure_file(&model_path(root), &model.to_json(), mode, &mut changed)?;
    changed.extend(write_generated(root, &files, mode)?);
    Ok(ImportOutcome {
        changed,
        report,
        definitions: model.definitions.len(),
    })
}

/// Generates the code from the committed model.
pub fn codegen(root: &Path, mode: Mode) -> Result<Vec<PathBuf>> {
    let model = Model::load(&model_path(root))?;
    generate(root, &model, mode)
}

fn generate(root: &Path, model: &Model, mode: Mode) -> Result<Vec<PathBuf>> {
    write_generated(root, &crate::emit::emit(model)?, mode)
}

fn write_generated(
    root: &Path,
    files: &[crate::emit::GeneratedFile],
    mode: Mode,
) -> Result<Vec<PathBuf>> {
    let dir = generated_dir(root);
    let mut changed = Vec::new();
    for file in files {
        ensure_file(&dir.join(&file.path), &file.contents, mode, &mut changed)?;
    }
    // Generated files the model no longer produces are stale too.
    if dir.is_dir() {
        let mut stale = Vec::new();
        collect_rs(&dir, &mut stale).map_err(|e| Error::with_source(&dir, "", "cannot list", e))?;
        stale.retain(|path| !files.iter().any(|f| dir.join(&f.path) == *path));
        stale.sort();
        for path in stale {
            if mode == Mode::Write {
                std::fs::remove_file(&path)
                    .map_err(|e| Error::with_source(&path, "", "cannot remove", e))?;
            }
            changed.push(path);
        }
    }
    Ok(changed)
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Writes `contents` to `path` unless it already holds them (line endings normalised), and
/// records the path when it differed.
pub fn ensure_file(
    path: &Path,
    contents: &str,
    mode: Mode,
    changed: &mut Vec<PathBuf>,
) -> Result<()> {
    let current = std::fs::read_to_string(path).ok();
    if current
        .as_deref()
        .map(|c| c.replace("\r\n", "\n"))
        .as_deref()
        == Some(contents)
    {
        return Ok(());
    }
    changed.push(path.to_path_buf());
    if mode == Mode::Write {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::with_source(parent, "", "cannot create", e))?;
        }
        std::fs::write(path, contents)
            .map_err(|e| Error::with_source(path, "", "cannot write", e))?;
    }
    Ok(())
}
