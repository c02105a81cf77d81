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

/// The environment variable that makes missing inputs a failure (`.ci/run` sets it to `1`).
pub const REQUIRE_INPUTS_VAR: &str = "HCS_REQUIRE_INPUTS";

/// The variables that make missing inputs a failure, in the order they are reported.
const REQUIRING_VARS: [&str; 2] = [REQUIRE_INPUTS_VAR, "CI"];

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

/// Whether something a test or `cargo xtask` needs and cannot find (the published inputs, the
/// toolchain of `cargo xtask test-windows`) is a failure rather than a skip: `Some("CI=true")`,
/// naming the variable that requires it, when `HCS_REQUIRE_INPUTS` or `CI` is set.
///
/// This is the one place that reads the switch. A variable counts as set when its value is
/// anything but empty, `0`, `false` or `no` (ASCII case-insensitive): `.ci/run` sets
/// `HCS_REQUIRE_INPUTS=1`, CI services set `CI=true`; `HCS_REQUIRE_INPUTS=0` requires nothing.
pub fn inputs_required() -> Option<String> {
    required_by(|name| std::env::var_os(name))
}

fn required_by(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<String> {
    REQUIRING_VARS.iter().find_map(|name| {
        let value = var(name)?;
        let text = value.to_string_lossy();
        let unset = ["", "0", "false", "no"]
            .iter()
            .any(|off| text.trim().eq_ignore_ascii_case(off));
        (!unset).then(|| format!("{name}={text}"))
    })
}

/// What to do when `missing` (a sentence fragment: what is missing, and where) cannot be found.
///
/// When [`inputs_required`], an error that says so. Otherwise writes one line, `skipped:
/// <missing>` (followed by the test's name inside a test), straight to the process's standard
/// error and returns `Ok`: a test calling this passes, and `cargo test` still shows the line,
/// because libtest captures only what `print!` and `eprint!` write, not the stream itself.
pub fn skip_missing(missing: &str) -> Result<(), String> {
    use std::io::Write as _;

    if let Some(requirement) = inputs_required() {
        return Err(format!("{missing} ({requirement}: nothing may be skipped)"));
    }
    let thread = std::thread::current();
    let line = match thread.name() {
        Some(test) if test != "main" => format!("skipped: {missing} ({test})\n"),
        _ => format!("skipped: {missing}\n"),
    };
    // One write of the whole line, so that parallel tests do not interleave within it.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
    Ok(())
}

/// [`skip_missing`] for the published inputs at `dir`, in a test: panics when they are required
/// (saying which variable to set), returns `None` otherwise, for `let Some(dir) = ... else {
/// return }`.
#[track_caller]
pub fn skip_missing_inputs<T>(dir: &Path) -> Option<T> {
    if let Err(message) = skip_missing(&format!("inputs not found at {}", dir.display())) {
        panic!("{message}; set {SHARED_DIR_VAR} to the folder holding schema-json/ and samples/");
    }
    None
}

/// The project's `schema-json/` folder.
pub fn data_dir(root: &Path) -> PathBuf {
    root.join("schema-json")
}

/// The committed model.
pub fn model_path(root: &Path) -> PathBuf {
    data_dir(root).join("model.json")
}

/// The copy of the committed model that the `hcs-schema` command embeds. `cargo package` takes
/// only files inside a crate's folder, so the CLI cannot embed `schema-json/model.json` itself;
/// codegen and import keep this copy byte-identical to it (and `--check` fails when it is not).
pub fn cli_model_path(root: &Path) -> PathBuf {
    root.join("hcs-schema-cli").join("model.json")
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
    let model_json = model.to_json();
    ensure_file(&model_path(root), &model_json, mode, &mut changed)?;
    ensure_file(&cli_model_path(root), &model_json, mode, &mut changed)?;
    changed.extend(write_generated(root, &files, mode)?);
    Ok(ImportOutcome {
        changed,
        report,
        definitions: model.definitions.len(),
    })
}

/// Generates the code, and the CLI's copy of the model, from the committed model.
pub fn codegen(root: &Path, mode: Mode) -> Result<Vec<PathBuf>> {
    let path = model_path(root);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::with_source(&path, "", "cannot read the model", e))?
        .replace("\r\n", "\n");
    let model = Model::from_json(&path, &text)?;
    let mut changed = write_generated(root, &crate::emit::emit(&model)?, mode)?;
    ensure_file(&cli_model_path(root), &text, mode, &mut changed)?;
    Ok(changed)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn required(vars: &[(&str, &str)]) -> Option<String> {
        required_by(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| std::ffi::OsString::from(v))
        })
    }

    #[test]
    fn either_variable_requires_inputs() {
        assert_eq!(required(&[]), None);
        assert_eq!(
            required(&[("HCS_REQUIRE_INPUTS", "1")]).as_deref(),
            Some("HCS_REQUIRE_INPUTS=1")
        );
        assert_eq!(required(&[("CI", "true")]).as_deref(), Some("CI=true"));
        assert_eq!(
            required(&[("CI", "true"), ("HCS_REQUIRE_INPUTS", "yes")]).as_deref(),
            Some("HCS_REQUIRE_INPUTS=yes")
        );
    }

    #[test]
    fn off_values_require_nothing() {
        for off in ["", "0", "false", "FALSE", "no", " 0 "] {
            assert_eq!(required(&[("HCS_REQUIRE_INPUTS", off), ("CI", off)]), None);
        }
        // One variable off does not switch the other off.
        assert_eq!(
            required(&[("HCS_REQUIRE_INPUTS", "0"), ("CI", "1")]).as_deref(),
            Some("CI=1")
        );
    }
}
