//! Loading the emulator's cdylib by path, and a safe handle on its control exports.
//!
//! Tests must talk to the *same* emulator instance the code under test loads, which is the
//! built cdylib, not this rlib's own statics. [`Emulator::load`] opens the library with
//! `libloading` (the OS returns the already loaded instance for the same path) and calls its
//! `HcsEmulator*` exports; [`cdylib_path`] finds the built library next to the running test
//! executable and builds it with cargo when it is missing.

use std::ffi::c_void;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// An error from loading or controlling the emulator.
#[derive(Debug)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The library or one of its exports could not be loaded.
    Load(libloading::Error),
    /// An export failed with this HRESULT.
    Hcs(i32),
    /// The cdylib could not be found or built.
    Build(String),
}

impl fmt::Display for EmulatorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmulatorError::Load(e) => write!(f, "cannot load the HCS emulator: {e}"),
            EmulatorError::Hcs(hr) => {
                write!(f, "{} ({:#010x})", crate::hresult::message(*hr), *hr as u32)
            }
            EmulatorError::Build(m) => write!(f, "cannot build the HCS emulator: {m}"),
        }
    }
}

impl std::error::Error for EmulatorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            EmulatorError::Load(e) => Some(e),
            _ => None,
        }
    }
}

type Hresult0 = unsafe extern "system" fn() -> i32;
type HresultStr = unsafe extern "system" fn(*const u16) -> i32;
type HresultOut = unsafe extern "system" fn(*mut *mut u16) -> i32;
type LocalFreeFn = unsafe extern "system" fn(*mut c_void) -> *mut c_void;

/// The emulator cdylib, loaded by path.
#[derive(Debug)]
pub struct Emulator {
    lib: libloading::Library,
    path: PathBuf,
}

fn check(hr: i32) -> Result<(), EmulatorError> {
    if hr < 0 {
        Err(EmulatorError::Hcs(hr))
    } else {
        Ok(())
    }
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

impl Emulator {
    /// Loads the emulator library at `path` (see [`cdylib_path`]).
    pub fn load(path: &Path) -> Result<Emulator, EmulatorError> {
        // SAFETY: loading the emulator runs no initialisers with preconditions; its exports
        // are only called through the typed wrappers below.
        let lib = unsafe { libloading::Library::new(path) }.map_err(EmulatorError::Load)?;
        let emulator = Emulator {
            lib,
            path: path.to_path_buf(),
        };
        // Fail early if this is not the emulator.
        emulator.symbol::<Hresult0>(b"HcsEmulatorReset\0")?;
        Ok(emulator)
    }

    /// Finds (building it if needed) and loads the emulator cdylib of this workspace.
    pub fn load_built() -> Result<Emulator, EmulatorError> {
        Emulator::load(&cdylib_path()?)
    }

    /// The path it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The loaded library, to resolve the HCS exports themselves.
    pub fn library(&self) -> &libloading::Library {
        &self.lib
    }

    fn symbol<T: Copy>(&self, name: &[u8]) -> Result<T, EmulatorError> {
        // SAFETY: every caller names an emulator export and gives its exact signature.
        unsafe { self.lib.get::<T>(name) }
            .map(|s| *s)
            .map_err(EmulatorError::Load)
    }

    /// `HcsEmulatorReset`: drops every system, process, handle and operation and restores the
    /// default configuration.
    pub fn reset(&self) -> Result<(), EmulatorError> {
        let f = self.symbol::<Hresult0>(b"HcsEmulatorReset\0")?;
        // SAFETY: the export takes no arguments.
        check(unsafe { f() })
    }

    /// `HcsEmulatorConfigure` with a JSON document such as
    /// `{"SupportedSchemaVersions":[{"Major":2,"Minor":1}],"CompletionDelayMs":50}`.
    pub fn configure(&self, json: &str) -> Result<(), EmulatorError> {
        let f = self.symbol::<HresultStr>(b"HcsEmulatorConfigure\0")?;
        let w = wide(json);
        // SAFETY: `w` is NUL-terminated UTF-16 and outlives the call.
        check(unsafe { f(w.as_ptr()) })
    }

    /// `HcsEmulatorConfigure(NULL)`: the default configuration.
    pub fn configure_defaults(&self) -> Result<(), EmulatorError> {
        let f = self.symbol::<HresultStr>(b"HcsEmulatorConfigure\0")?;
        // SAFETY: NULL is documented to restore the defaults.
        check(unsafe { f(std::ptr::null()) })
    }

    /// `HcsEmulatorGetStatistics`, parsed (the document is freed with the library's
    /// `LocalFree`).
    pub fn statistics(&self) -> Result<serde_json::Value, EmulatorError> {
        let f = self.symbol::<HresultOut>(b"HcsEmulatorGetStatistics\0")?;
        let free = self.symbol::<LocalFreeFn>(b"LocalFree\0")?;
        let mut p: *mut u16 = std::ptr::null_mut();
        // SAFETY: `p` is a valid out-pointer.
        check(unsafe { f(&mut p) })?;
        if p.is_null() {
            return Err(EmulatorError::Hcs(crate::hresult::E_FAIL));
        }
        // SAFETY: the emulator returned a NUL-terminated UTF-16 string.
        let s = unsafe { crate::wide::read(p) }
            .ok()
            .flatten()
            .unwrap_or_default();
        // SAFETY: `p` was allocated by this library and is freed once.
        unsafe { free(p.cast()) };
        serde_json::from_str(&s).map_err(|_| EmulatorError::Hcs(crate::hresult::E_FAIL))
    }

    /// The number of strings the emulator returned that were not yet freed.
    pub fn live_allocations(&self) -> Result<u64, EmulatorError> {
        Ok(self.statistics()?["LiveAllocations"].as_u64().unwrap_or(0))
    }

    /// `InvalidFrees` and `DoubleFrees`: the `LocalFree` calls that passed a pointer the
    /// emulator never handed out, or one already freed (counted for the life of the loaded
    /// library; `reset` keeps them).
    pub fn bad_frees(&self) -> Result<(u64, u64), EmulatorError> {
        let statistics = self.statistics()?;
        let count = |name: &str| statistics[name].as_u64().unwrap_or(0);
        Ok((count("InvalidFrees"), count("DoubleFrees")))
    }
}

/// The file name of the emulator cdylib on this platform (`libhcs_emulator.so`,
/// `hcs_emulator.dll`, `libhcs_emulator.dylib`).
pub fn cdylib_file_name() -> String {
    format!(
        "{}hcs_emulator{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// Finds the built emulator cdylib for the running executable: `target/<profile>/` (or its
/// `deps/`) above `std::env::current_exe()`, the newest if both exist. If it is missing, runs
/// `cargo build -p hcs-emulator --lib` (same profile and target triple) with the `CARGO`
/// environment variable or `cargo`, into its own target directory `target/hcs-emulator-build/`
/// so that it never waits for the lock of a `cargo test` that is running. Set
/// `HCS_EMULATOR_PATH` to use a given file.
pub fn cdylib_path() -> Result<PathBuf, EmulatorError> {
    static LOCK: OnceLock<Mutex<()>> = OnceLock::new();
    let _serial = LOCK
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(p) = std::env::var_os("HCS_EMULATOR_PATH") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| EmulatorError::Build(e.to_string()))?;
    cdylib_path_for(&exe)
}

/// [`cdylib_path`] for an executable at `exe` (ignores `HCS_EMULATOR_PATH`).
pub fn cdylib_path_for(exe: &Path) -> Result<PathBuf, EmulatorError> {
    let mut profile_dir = exe
        .parent()
        .ok_or_else(|| EmulatorError::Build("executable has no folder".into()))?
        .to_path_buf();
    if profile_dir
        .file_name()
        .is_some_and(|n| n == "deps" || n == "examples")
    {
        profile_dir.pop();
    }
    let name = cdylib_file_name();
    // `cargo build` refreshes `target/<profile>/`, while `cargo test` only rebuilds the copy in
    // `deps/`: take the newer of the two.
    let candidates = [
        profile_dir.join(&name),
        profile_dir.join("deps").join(&name),
        build_output(&profile_dir).join(&name),
    ];
    let newest = || {
        candidates
            .iter()
            .filter_map(|p| Some((std::fs::metadata(p).ok()?.modified().ok()?, p.clone())))
            .max()
            .map(|(_, p)| p)
    };
    if let Some(p) = newest() {
        return Ok(p);
    }
    build(&profile_dir)?;
    newest().ok_or_else(|| {
        EmulatorError::Build(format!("{name} not found in {}", profile_dir.display()))
    })
}

/// `(target directory, target triple)` of a `target/[<triple>/]<profile>` folder.
fn split_profile_dir(profile_dir: &Path) -> (PathBuf, Option<String>) {
    let mut target_dir = profile_dir.parent().unwrap_or(profile_dir).to_path_buf();
    let mut target_triple = None;
    if !target_dir.join("CACHEDIR.TAG").exists()
        && target_dir
            .parent()
            .is_some_and(|p| p.join("CACHEDIR.TAG").exists())
    {
        target_triple = target_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        target_dir.pop();
    }
    (target_dir, target_triple)
}

/// Where [`build`] puts the library.
fn build_output(profile_dir: &Path) -> PathBuf {
    let (target_dir, triple) = split_profile_dir(profile_dir);
    let mut out = target_dir.join("hcs-emulator-build");
    if let Some(t) = triple {
        out.push(t);
    }
    out.push(profile_dir.file_name().unwrap_or_default());
    out
}

fn build(profile_dir: &Path) -> Result<(), EmulatorError> {
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("debug")
        .to_string();
    let (target_dir, target_triple) = split_profile_dir(profile_dir);
    let target_dir = target_dir.join("hcs-emulator-build");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut cmd = std::process::Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("-p")
        .arg("hcs-emulator")
        .arg("--lib")
        .env("CARGO_TARGET_DIR", &target_dir);
    match profile.as_str() {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.arg("--profile").arg(other);
        }
    }
    if let Some(t) = target_triple {
        cmd.arg("--target").arg(t);
    }
    let status = cmd
        .status()
        .map_err(|e| EmulatorError::Build(format!("cannot run cargo: {e}")))?;
    if !status.success() {
        return Err(EmulatorError::Build(format!(
            "cargo build failed: {status}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_newest_build() {
        let dir = std::env::temp_dir().join(format!("hcs-emulator-loader-{}", std::process::id()));
        let profile = dir.join("target").join("debug");
        std::fs::create_dir_all(profile.join("deps")).unwrap();
        std::fs::write(dir.join("target").join("CACHEDIR.TAG"), "").unwrap();
        let exe = profile.join("deps").join("some-test");
        let name = cdylib_file_name();
        std::fs::write(profile.join(&name), "old").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(profile.join("deps").join(&name), "new").unwrap();
        assert_eq!(
            cdylib_path_for(&exe).unwrap(),
            profile.join("deps").join(&name)
        );
        assert_eq!(
            build_output(&profile),
            dir.join("target").join("hcs-emulator-build").join("debug")
        );
        let cross = dir
            .join("target")
            .join("x86_64-pc-windows-gnu")
            .join("release");
        assert_eq!(
            build_output(&cross),
            dir.join("target/hcs-emulator-build/x86_64-pc-windows-gnu/release")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
