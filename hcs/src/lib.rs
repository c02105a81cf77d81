//! Safe Rust over the Windows Host Compute System (HCS) C API.
//!
//! ```no_run
//! # fn main() -> hcs::Result<()> {
//! # let document = hcs::schema::ComputeSystem::default();
//! let system = hcs::ComputeSystem::create("vm1", &document)?;
//! system.start()?;
//! # Ok(()) }
//! ```
//!
//! * Every function of `computecore.dll` and `computestorage.dll` is resolved
//!   at run time ([`Hcs`]), once, from System32, and never unloaded; a
//!   function an older Windows build lacks is [`Error::NotSupported`] when
//!   called. The crate compiles on every OS; off Windows, [`Hcs::load_from`]
//!   loads the project's HCS emulator instead.
//! * Each function-pointer type is pinned at compile time to its
//!   `windows-sys` declaration, except the eight newer exports `windows-sys`
//!   does not declare, whose signatures come from hcsshim's bindings and are
//!   not pinned.
//! * Handles ([`ComputeSystem`], [`Process`], [`Operation`]) are RAII and
//!   `Send + Sync`; documents go in and out as `hcs-schema` types (or raw
//!   JSON with the `_raw` methods); errors carry the `HRESULT`, the function
//!   and the parsed `ResultError` ([`Error`]).
//! * Operations can be waited on (with the [`Hcs::with_timeout`] timeout) or
//!   awaited ([`OperationFuture`], runtime-agnostic). Stopping waiting (a
//!   timeout, a dropped future) never closes an operation HCS is still
//!   working on, and what a late creation produces is torn down
//!   ([`pending_cleanups`]).
//! * Events arrive through an integer registry key, never a raw pointer, with
//!   panics caught at the FFI boundary ([`EventReceiver`]: an iterator and a
//!   `Stream`).
//! * With the optional `tracing` feature every HCS call is a `tracing` span
//!   (target `hcs`): function, compute system and process ids, operation id,
//!   elapsed time and `HRESULT` name; failures at `ERROR`/`WARN` with the
//!   `ResultError`, events at `DEBUG`, schema-check findings at `WARN`, and
//!   the documents at `TRACE` only, redacted by [`redact`]. Without it
//!   nothing is compiled in.
//!
//! # What was exercised where
//!
//! Every public function is tested against the project's HCS emulator, on
//! Linux (`cargo test -p hcs`) and as a Windows program under Wine
//! (`cargo xtask test-windows`, which loads the emulator built as
//! `computecore.dll` through `LoadLibrary` with the win64 calling convention
//! and UTF-16 strings). **No path has been run against a real Windows HCS**
//! yet: the System32 loader ([`Hcs::system`]) and the behaviour of the real
//! service (timing, which documents it returns, real stdio pipe handles) are
//! exercised only as far as the emulator reproduces them.

#![warn(missing_docs)]

mod call;
mod document;
mod error;
mod events;
mod ffi;
mod hresult;
mod layer;
mod library;
mod operation;
mod process;
pub mod redact;
mod registry;
mod schema_check;
mod service;
mod stdio;
mod strings;
mod system;
mod trace;
mod types;

pub use error::{Error, HcsError, Result};
pub use events::{Event, EventReceiver, live_event_callbacks};
/// The typed HCS JSON documents (the `hcs-schema` crate) the methods take
/// and return.
pub use hcs_schema as schema;
pub use hresult::HResult;
pub use layer::VhdHandle;
pub use library::Hcs;
pub use operation::{
    Operation, OperationFuture, OperationOutput, ProcessInformation, live_operation_callbacks,
    pending_cleanups,
};
pub use process::Process;
pub use schema_check::{
    SchemaCheck, SchemaCheckReport, SchemaVersionError, SupportedSchemaVersions,
};
pub use stdio::StdioHandle;
pub use system::ComputeSystem;
pub use types::{
    Access, EventOptions, EventType, OperationOptions, OperationType, RawHandleValue, ResourceType,
};

/// The raw C types of the HCS API (re-exported from `windows-sys`), for the
/// `from_raw`/`as_raw` escape hatches.
pub mod raw {
    pub use windows_sys::Win32::Foundation::HANDLE;
    pub use windows_sys::Win32::System::HostComputeSystem::{
        HCS_OPERATION, HCS_PROCESS, HCS_SYSTEM,
    };
}

// The handles are `Send + Sync`; the receiver can move between threads.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<ComputeSystem>();
    send_sync::<Process>();
    send_sync::<Operation>();
    send_sync::<StdioHandle>();
    send_sync::<Hcs>();
    send::<EventReceiver>();
    send::<OperationFuture<ComputeSystem>>();
};
