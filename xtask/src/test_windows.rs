//! `cargo xtask test-windows`: runs the `hcs` runtime's tests as a Windows
//! program under Wine, against the HCS emulator built as `computecore.dll`.
//!
//! Steps: make sure the `x86_64-pc-windows-gnu` target, the mingw-w64 C
//! compiler and `wine64` are there (installing them with rustup/apt-get when
//! possible); build `hcs-emulator` for Windows and copy its DLL as
//! `computecore.dll` next to the test executables; build the
//! `bcryptprimitives.dll` shim (`xtask/shim/bcryptprimitives.c`, which Rust
//! programs need under Wine 8); run `cargo test -p hcs --features tracing`
//! for the Windows target with Wine as the runner.
//!
//! When the toolchain cannot be had, it fails with one line saying why where
//! nothing may be skipped (`CI` or `HCS_REQUIRE_INPUTS` set, as in `.ci/run`:
//! see `hcs_schema_gen::workspace::inputs_required`); elsewhere it prints one
//! line `skipped: Windows tests under Wine: <reason>` and succeeds.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use hcs_schema_gen::workspace;

const TARGET: &str = "x86_64-pc-windows-gnu";
const MINGW_GCC: &str = "x86_64-w64-mingw32-gcc";

/// Runs the Windows tests under Wine, or skips them with one line (fails where skipping is not
/// allowed).
pub fn run() -> Result<(), String> {
    let root = workspace_root();
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = env::var_os("CARGO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "cargo".into());

    if let Err(reason) = ensure_target() {
        return skip(&reason);
    }
    if let Err(reason) = ensure_tool(MINGW_GCC, "gcc-mingw-w64-x86-64") {
        return skip(&reason);
    }
    let wine = match find_wine().or_else(|| {
        ensure_tool("wine64", "wine64").ok()?;
        find_wine()
    }) {
        Some(wine) => wine,
        None => return skip("wine64 is not installed and could not be installed with apt-get"),
    };
    let runs = Command::new(&wine)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !runs {
        return skip(&format!("`{} --version` does not run", wine.display()));
    }

    // The emulator as a Windows DLL.
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "-p", "hcs-emulator", "--target", TARGET])
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("building hcs-emulator for x86_64-pc-windows-gnu failed".to_owned());
    }
    let out_dir = target_dir.join(TARGET).join("debug");
    let deps = out_dir.join("deps");
    std::fs::create_dir_all(&deps).map_err(|e| format!("cannot create {}: {e}", deps.display()))?;
    let emulator = out_dir.join("hcs_emulator.dll");
    let computecore = deps.join("computecore.dll");
    std::fs::copy(&emulator, &computecore).map_err(|e| {
        format!(
            "cannot copy {} to {}: {e}",
            emulator.display(),
            computecore.display()
        )
    })?;

    // The ProcessPrng shim, next to the test executables.
    let shim_source = root.join("xtask").join("shim").join("bcryptprimitives.c");
    let shim = deps.join("bcryptprimitives.dll");
    let status = Command::new(MINGW_GCC)
        .arg("-shared")
        .arg("-O2")
        .arg("-o")
        .arg(&shim)
        .arg(&shim_source)
        .arg("-ladvapi32")
        .status()
        .map_err(|e| format!("cannot run {MINGW_GCC}: {e}"))?;
    if !status.success() {
        return Err("building the bcryptprimitives.dll shim failed".to_owned());
    }

    // The tests, run by Wine.
    let prefix = target_dir.join("wine-prefix");
    std::fs::create_dir_all(&prefix)
        .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let status = Command::new(&cargo)
        .current_dir(&root)
        // `--tests`: the library and integration tests (doc tests run on the
        // host only; their temporary executables would lack the shim). With
        // the `tracing` feature, so every call also runs through its
        // recording and `tests/tracing.rs` checks the records under Wine
        // (the Linux run covers the feature off).
        .args([
            "test",
            "-p",
            "hcs",
            "--features",
            "tracing",
            "--tests",
            "--target",
            TARGET,
        ])
        .env("CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER", &wine)
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "mscoree,mshtml=")
        .env("HCS_EMULATOR_DLL", "computecore.dll")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        println!("windows tests passed under Wine ({})", wine.display());
        Ok(())
    } else {
        Err("the hcs tests failed under Wine".to_owned())
    }
}

fn skip(reason: &str) -> Result<(), String> {
    workspace::skip_missing(&format!("Windows tests under Wine: {reason}"))
}

fn workspace_root() -> PathBuf {
    let manifest = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

fn ensure_target() -> Result<(), String> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is not available ({e})"))?;
    if String::from_utf8_lossy(&installed.stdout)
        .lines()
        .any(|l| l.trim() == TARGET)
    {
        return Ok(());
    }
    let status = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .map_err(|e| format!("rustup target add {TARGET} could not run ({e})"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("rustup target add {TARGET} failed"))
    }
}

fn on_path(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure `tool` is on PATH, installing Debian's `package` if needed.
fn ensure_tool(tool: &str, package: &str) -> Result<(), String> {
    if on_path(tool) {
        return Ok(());
    }
    if !on_path("apt-get") {
        return Err(format!(
            "{tool} is not installed and apt-get is not available"
        ));
    }
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            // Wait for another apt-get (another checkout's run) instead of failing at once.
            .args(["-o", "DPkg::Lock::Timeout=300"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            // The caller says in one line which command failed; run it by hand to see why.
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    // Try the package lists as they are first; refresh them only when that fails.
    let installed = apt(&["install", "-y", "-q", package])
        || (apt(&["update", "-q"]) && apt(&["install", "-y", "-q", package]));
    if !installed {
        return Err(format!(
            "{tool} is not installed and `apt-get install {package}` failed"
        ));
    }
    if on_path(tool) || (tool == "wine64" && find_wine().is_some()) {
        Ok(())
    } else {
        Err(format!(
            "{tool} is still missing after installing {package}"
        ))
    }
}

fn find_wine() -> Option<PathBuf> {
    if on_path("wine64") {
        return Some(PathBuf::from("wine64"));
    }
    let debian = Path::new("/usr/lib/wine/wine64");
    debian.exists().then(|| debian.to_path_buf())
}
