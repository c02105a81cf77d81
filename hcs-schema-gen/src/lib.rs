//! `hcs-schema-gen` reads Microsoft's published HCS schema files, merges every release into one
//! versioned model, and emits the Rust types of the `hcs-schema` crate.
//!
//! The pipeline, one module per step:
//! 1. [`load`]: one schema file -> [`spec::SchemaFile`] (the file's own names and constructs);
//!    [`mod@reference`]: `SchemaReference.md` -> documented versions and descriptions.
//! 2. [`merge`]: all files + [`release_data`] + reference -> [`model::Model`].
//! 3. The model is committed as `schema-json/model.json`.
//! 4. [`emit`]: model -> Rust source files for `hcs-schema/src/generated/`.

pub mod diff;
pub mod emit;
pub mod error;
pub mod evidence;
pub mod import;
pub mod load;
pub mod merge;
pub mod model;
pub mod observed_data;
pub mod reference;
pub mod release_data;
pub mod spec;
pub mod version;
pub mod workspace;

pub use error::{Error, Result};
