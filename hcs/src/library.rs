//! Loading the HCS libraries: [`Hcs`], a cheap copyable handle to a resolved,
//! never-unloaded function table.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libloading::Library;

use crate::error::{Error, Result};
use crate::ffi::{Api, INFINITE, Libraries};
use crate::schema_check::SchemaCheck;

/// A loaded Host Compute System: the resolved exports of `computecore.dll`,
/// `computestorage.dll` and `kernel32.dll`'s `LocalFree`, plus the timeout
/// blocking calls wait for.
///
/// Libraries are loaded once and never unloaded, so an `Hcs` is a plain
/// `Copy` value that every handle carries. A function the host lacks is
/// reported as [`Error::NotSupported`] when it is called, not at load time.
///
/// * [`Hcs::system`]: the real HCS from System32 (Windows only; elsewhere a
///   typed [`Error::Load`]).
/// * [`Hcs::load_from`]: one file exporting all of them, such as the
///   project's HCS emulator.
/// * [`Hcs::global`] / [`Hcs::install_global`]: the instance the
///   `ComputeSystem::create`-style shortcuts use.
#[derive(Clone, Copy)]
pub struct Hcs {
    pub(crate) api: &'static Api,
    source: &'static str,
    timeout_ms: u32,
    pub(crate) schema_check: SchemaCheck,
}

/// Where the `Api` tables already loaded came from, so loading the same file
/// twice yields the same table.
type Loaded = Vec<((PathBuf, Option<PathBuf>), &'static Api, &'static str)>;
static LOADED: Mutex<Loaded> = Mutex::new(Vec::new());
/// The System32 table, or the library and message of the load failure.
type SystemLoad = std::result::Result<(&'static Api, &'static str), (String, String)>;
static SYSTEM: OnceLock<SystemLoad> = OnceLock::new();
static GLOBAL: OnceLock<Hcs> = OnceLock::new();

impl Hcs {
    /// The real Host Compute System: `computecore.dll`, `computestorage.dll`
    /// and `kernel32.dll` loaded from System32 only
    /// (`LOAD_LIBRARY_SEARCH_SYSTEM32`), once per process.
    ///
    /// Fails with [`Error::Load`] when `computecore.dll` is missing (the
    /// feature is not installed) and always on non-Windows hosts. A missing
    /// `computestorage.dll` only makes the layer functions
    /// [`Error::NotSupported`].
    pub fn system() -> Result<Hcs> {
        let loaded = SYSTEM.get_or_init(load_system);
        match loaded {
            Ok((api, source)) => Ok(Hcs {
                api,
                source,
                timeout_ms: INFINITE,
                schema_check: SchemaCheck::Host,
            }),
            Err((library, message)) => Err(Error::Load {
                library: library.clone(),
                message: message.clone(),
            }),
        }
    }

    /// Loads one library that exports the computecore and computestorage
    /// functions and `LocalFree` together, such as the project's HCS
    /// emulator (`libhcs_emulator.so`, or `computecore.dll` built from it).
    ///
    /// The library is never unloaded; loading the same path again returns
    /// the same table. Fails with [`Error::Load`] when the file cannot be
    /// loaded or does not export `LocalFree` (results could not be freed).
    pub fn load_from(path: &Path) -> Result<Hcs> {
        Hcs::load_split(path, Some(path))
    }

    /// Loads the computecore functions (and `LocalFree`) from `computecore`
    /// and the computestorage functions from `computestorage`; with `None`
    /// every layer function is [`Error::NotSupported`], as on a host without
    /// `computestorage.dll`. On Windows, `LocalFree` falls back to
    /// System32's `kernel32.dll` when `computecore` does not export it.
    pub fn load_split(computecore: &Path, computestorage: Option<&Path>) -> Result<Hcs> {
        let key = (
            computecore.to_path_buf(),
            computestorage.map(Path::to_path_buf),
        );
        let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, api, source)) = loaded.iter().find(|(k, _, _)| *k == key) {
            return Ok(Hcs {
                api,
                source,
                timeout_ms: INFINITE,
                schema_check: SchemaCheck::Host,
            });
        }
        let open = |path: &Path| {
            // SAFETY: loading runs the library's initialisers; the caller
            // chose this file as an HCS implementation.
            unsafe { Library::new(path) }.map_err(|e| Error::Load {
                library: path.display().to_string(),
                message: e.to_string(),
            })
        };
        let core = open(computecore)?;
        let storage = match computestorage {
            Some(path) if path == computecore => None,
            Some(path) => Some(open(path)?),
            None => None,
        };
        let storage_ref = match computestorage {
            Some(path) if path == computecore => Some(&core),
            _ => storage.as_ref(),
        };
        let mut api = Api::resolve(&Libraries {
            computecore: Some(&core),
            computestorage: storage_ref,
            kernel32: Some(&core),
        });
        if api.LocalFree().is_err() {
            api.use_system_local_free();
        }
        if api.LocalFree().is_err() {
            return Err(Error::Load {
                library: computecore.display().to_string(),
                message: "the library does not export LocalFree".to_owned(),
            });
        }
        // Never unloaded: handles and callbacks may outlive any scope.
        std::mem::forget(core);
        std::mem::forget(storage);
        let api: &'static Api = Box::leak(Box::new(api));
        let source = match computestorage {
            Some(path) if path != computecore => {
                format!("{} + {}", computecore.display(), path.display())
            }
            Some(_) => computecore.display().to_string(),
            None => format!("{} (no computestorage)", computecore.display()),
        };
        let source: &'static str = Box::leak(source.into_boxed_str());
        loaded.push((key, api, source));
        Ok(Hcs {
            api,
            source,
            timeout_ms: INFINITE,
            schema_check: SchemaCheck::Host,
        })
    }

    /// The process-wide instance: the one given to [`Hcs::install_global`],
    /// else [`Hcs::system`].
    pub fn global() -> Result<Hcs> {
        match GLOBAL.get() {
            Some(hcs) => Ok(*hcs),
            None => Hcs::system(),
        }
    }

    /// Makes this instance the one [`Hcs::global`] returns (and so the one
    /// `ComputeSystem::create` and the other shortcuts use), for example to
    /// run code written for Windows against the emulator.
    ///
    /// Installing the same library again is fine; a different one is an
    /// [`Error::InvalidInput`].
    pub fn install_global(self) -> Result<()> {
        let installed = GLOBAL.get_or_init(|| self);
        if std::ptr::eq(installed.api, self.api) {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "a different HCS library ({}) is already installed as the global one",
                installed.source
            )))
        }
    }

    /// A copy whose blocking calls wait at most `timeout` (`None`: forever,
    /// the default). A call that runs out of time fails with
    /// `HCS_E_OPERATION_TIMEOUT` (see [`Error::is_timeout`]) while HCS goes on
    /// with it (`HcsCancelOperation` is documented as not implemented): its
    /// operation is closed when it completes, and a compute system or process
    /// whose creation completes after the timeout is then terminated and
    /// closed (see [`pending_cleanups`](crate::pending_cleanups) and the
    /// crate README).
    #[must_use]
    pub fn with_timeout(self, timeout: Option<Duration>) -> Hcs {
        Hcs {
            timeout_ms: timeout_ms(timeout),
            ..self
        }
    }

    /// The timeout blocking calls use (`None`: forever).
    pub fn timeout(&self) -> Option<Duration> {
        if self.timeout_ms == INFINITE {
            None
        } else {
            Some(Duration::from_millis(u64::from(self.timeout_ms)))
        }
    }

    pub(crate) fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// Where the functions were loaded from.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// True when the loaded libraries export `function` (for example
    /// `"HcsSetupBaseOSVolume"`, which only newer Windows builds have).
    pub fn is_supported(&self, function: &str) -> bool {
        self.api
            .exports()
            .iter()
            .any(|(name, found)| *name == function && *found)
    }

    /// Every export this crate binds, with whether the host has it.
    pub fn exports(&self) -> Vec<(&'static str, bool)> {
        self.api.exports()
    }
}

impl fmt::Debug for Hcs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hcs")
            .field("source", &self.source)
            .field("timeout", &self.timeout())
            .finish()
    }
}

/// A `Duration` as the `DWORD` milliseconds HCS takes, saturating below
/// `INFINITE`.
pub(crate) fn timeout_ms(timeout: Option<Duration>) -> u32 {
    match timeout {
        None => INFINITE,
        Some(duration) => u32::try_from(duration.as_millis())
            .unwrap_or(INFINITE - 1)
            .min(INFINITE - 1),
    }
}

#[cfg(windows)]
fn load_system() -> SystemLoad {
    use libloading::os::windows::{LOAD_LIBRARY_SEARCH_SYSTEM32, Library as WinLibrary};

    fn open(name: &str) -> std::result::Result<Library, String> {
        // SAFETY: system libraries from System32 only.
        unsafe { WinLibrary::load_with_flags(name, LOAD_LIBRARY_SEARCH_SYSTEM32) }
            .map(Library::from)
            .map_err(|e| e.to_string())
    }
    let computecore = open("computecore.dll").map_err(|e| ("computecore.dll".to_owned(), e))?;
    let computestorage = open("computestorage.dll").ok();
    let kernel32 = open("kernel32.dll").map_err(|e| ("kernel32.dll".to_owned(), e))?;
    let api = Api::resolve(&Libraries {
        computecore: Some(&computecore),
        computestorage: computestorage.as_ref(),
        kernel32: Some(&kernel32),
    });
    // Never unloaded.
    std::mem::forget(computecore);
    std::mem::forget(computestorage);
    std::mem::forget(kernel32);
    Ok((Box::leak(Box::new(api)), "System32"))
}

#[cfg(not(windows))]
fn load_system() -> SystemLoad {
    Err((
        "computecore.dll".to_owned(),
        "the Host Compute System exists only on Windows; use Hcs::load_from with the HCS \
         emulator on this host"
            .to_owned(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_convert_to_milliseconds_and_saturate() {
        assert_eq!(timeout_ms(None), INFINITE);
        assert_eq!(timeout_ms(Some(Duration::from_millis(1500))), 1500);
        assert_eq!(
            timeout_ms(Some(Duration::from_secs(u64::MAX))),
            INFINITE - 1
        );
        assert_eq!(timeout_ms(Some(Duration::ZERO)), 0);
    }
}
