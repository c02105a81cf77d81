#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! # Crate layout
//!
//! The C exports live in [`exports`], one module per API area ([`exports::operations`],
//! [`exports::systems`], [`exports::live_migration`], [`exports::processes`],
//! [`exports::service`] for the service and VM utility functions, [`exports::storage`] for
//! computestorage), and [`control`] (`LocalFree`, `HcsEmulator*`); the state machine and
//! callback machinery in [`engine`];
//! document validation in [`schema`]; loading the built cdylib in [`loader`] ([`Emulator`],
//! [`cdylib_path`]).

pub mod control;
pub mod engine;
pub mod exports;
pub mod hresult;
pub mod loader;
pub mod modify;
pub mod process;
pub mod schema;
pub mod wide;

pub use loader::{Emulator, EmulatorError, cdylib_file_name, cdylib_path};
