//! The Windows Host Compute System (HCS) API, emulated in memory behind the same C ABI.
//!
//! Built as a `cdylib`, this crate exports every function of Windows' `computecore.dll` and
//! `computestorage.dll` under its Windows name with the same `extern "system"` signature, plus
//! its own `LocalFree` for the strings it returns, plus a few `HcsEmulator*` control exports.
//! Code written against HCS (such as the `hcs` runtime, which loads it by path) can then be
//! tested on Linux without Windows. See `README.md` in this crate for the full behaviour; the
//! essentials follow.
//!
//! # Operations and errors
//!
//! Asynchronous calls (`HcsCreateComputeSystem`, `HcsStartComputeSystem`, `HcsCreateProcess`, ...)
//! return at once. Errors found when the call is made — NULL or invalid arguments (`E_POINTER`,
//! `E_INVALIDARG`), stale handles (`E_HANDLE`), invalid documents (`HCS_E_INVALID_JSON`), an
//! existing id (`HCS_E_SYSTEM_ALREADY_EXISTS`) — are returned by the call *and* recorded as the
//! operation's result with a `ResultError` document naming the bad field, so both styles of
//! caller see them (except when the operation itself is unusable: NULL, not an operation, or
//! already tracking a call, `HCS_E_OPERATION_ALREADY_STARTED`). The work then runs on an
//! emulator thread: each compute system has a FIFO queue, so calls on one system complete in
//! the order they were made, and state errors (`HCS_E_INVALID_STATE`,
//! `HCS_E_SYSTEM_ALREADY_STOPPED`) come back through the operation. Completion callbacks run on
//! emulator threads.
//!
//! An operation tracks one call at a time. Once that call completed it can be passed to
//! another call, which discards the previous result (and any standard I/O handles not
//! retrieved). `HcsCancelOperation` completes a pending call with
//! `HRESULT_FROM_WIN32(ERROR_CANCELLED)`; if its work has not started it never runs.
//!
//! # State machine
//!
//! `Created` → start → `Running` ⇄ pause/resume `Paused` → save (`AsTemplate`:
//! `SavedAsTemplate`) ; shutdown (`GracefulExit`, status 0), terminate (`ForcedExit`,
//! `HCS_E_TERMINATED`) or crash (`UnexpectedExit`, `HCS_E_GUEST_CRITICAL_ERROR`) → `Stopped`.
//! Systems are ephemeral: a stopped system disappears when its last handle is closed
//! (`HCS_E_SYSTEM_NOT_FOUND` afterwards); until then its exit status can be queried
//! (`HcsWaitForComputeSystemExit`, `HcsGetComputeSystemProperties`). Closing the last handle of
//! a system that is not stopped leaves it running, unless `ShouldTerminateOnLastHandleClosed`.
//!
//! # Callbacks
//!
//! Events and completions are delivered on emulator threads, never with an internal lock
//! held. **Once `HcsCloseComputeSystem`, `HcsCloseProcess` or `HcsCloseOperation` has
//! returned, no callback registered through that handle is called again**: closing waits for
//! callbacks in flight on other threads (closing a handle from inside its own callback is
//! allowed and does not wait for itself). A callback must not block on work of the same
//! system (it runs on that system's worker).
//!
//! # Processes: the `CommandLine` convention
//!
//! `CommandLine` (or `CommandArgs` joined by spaces), optionally prefixed by `cmd /c`:
//!
//! | command | behaviour |
//! |---|---|
//! | `exit N` | exits with code `N` (decimal, negative values wrap to `u32`) right after it started |
//! | `sleep-forever` | runs until signalled, terminated or its system stops |
//! | `sleep MS` | exits with code 0 after `MS` milliseconds |
//! | `echo` | copies stdin to stdout until stdin reaches end of file (or `CloseHandle` `StdIn`), then exits 0 |
//! | `echo TEXT` | writes `TEXT` and a newline to stdout, exits 0 |
//! | `echo-stderr TEXT` | writes `TEXT` and a newline to stderr, exits 0 |
//! | anything else | the create operation fails with `HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)` |
//!
//! `HcsSignalProcess` (any signal) makes a running process exit with `0xC000013A`
//! (`STATUS_CONTROL_C_EXIT`); `HcsTerminateProcess` with 1; a system stop with `0xFFFFFFFF`.
//!
//! # Standard I/O handles
//!
//! With `CreateStdInPipe`/`CreateStdOutPipe`/`CreateStdErrPipe`, the emulator makes real pipes.
//! On Unix the `HANDLE`s in `HCS_PROCESS_INFORMATION` are the caller's ends as file descriptor
//! numbers (`fd as isize as HANDLE`, e.g. `File::from_raw_fd(h as i32)`); the caller owns them
//! and closes them, as it would `CloseHandle` on Windows. They are handed out once, by the
//! first `HcsGetOperationResultAndProcessInfo`/`HcsWaitForOperationResultAndProcessInfo` on the
//! `HcsCreateProcess` operation; later calls and `HcsGetProcessInfo` report NULL handles. Real
//! pipes were chosen over fake handle values so that tests exercise real I/O (the runtime's
//! stdio plumbing, end-of-file, `CloseHandle` requests).
//!
//! # Control exports
//!
//! * `HRESULT HcsEmulatorReset(void)`
//! * `HRESULT HcsEmulatorConfigure(PCWSTR json)`: `SupportedSchemaVersions`, `CompletionDelayMs`
//! * `HRESULT HcsEmulatorGetStatistics(PWSTR* json)`
//!
//! Use them through [`Emulator`], which loads the built cdylib by path ([`cdylib_path`]).

pub mod control;
pub mod engine;
pub mod exports;
pub mod hresult;
pub mod loader;
pub mod modify;
pub mod process;
pub mod schema;
pub mod service;
pub mod storage;
pub mod wide;

pub use loader::{Emulator, EmulatorError, cdylib_file_name, cdylib_path};
