#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
//!
//! # Crate layout
//!
//! The C exports live in [`exports`] (computecore: operations, systems, processes),
//! [`service`] (service and utility functions), [`storage`] (computestorage) and [`control`]
//! (`LocalFree`, `HcsEmulator*`); the state machine and callback machinery in [`engine`];
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
pub mod service;
pub mod storage;
pub mod wide;

pub use loader::{Emulator, EmulatorError, cdylib_file_name, cdylib_path};
