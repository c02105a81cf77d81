//! The Rust name and module of every definition, refusing every way two names could meet in the
//! generated code: two definitions that become one type or one module (`VM_Memory` and `VmMemory`
//! are both `vm_memory.rs`), a definition named like a generated support module (`since`,
//! `releases`) or a crate the generated code uses, and a type that would shadow the Rust prelude
//! (`Option`, `String`), a name the generated code imports (`Serialize`) or a name of the
//! hand-written core of `hcs-schema` (`Guid`). Each refusal names both sides. (Fields and variants,
//! which can only meet within their definition, are checked where they are emitted.)
//!
//! Renaming silently instead would change what a user's `use hcs_schema::*` or a generated
//! `use crate::{...}` means, so every collision is an error to resolve in the release data.

use std::collections::BTreeMap;
use std::path::Path;

use super::names;
use crate::error::{Error, Result};
use crate::model::Model;

/// One definition's Rust names.
pub(crate) struct RustNames {
    /// The type: `VirtualMachineMemory`.
    pub type_name: String,
    /// The module and file stem under `generated/`: `virtual_machine_memory`.
    pub module: String,
}

/// Schema name -> Rust names, for every definition of `model`, or the first collision.
pub(crate) fn rust_names(model: &Model) -> Result<BTreeMap<&str, RustNames>> {
    let mut out = BTreeMap::new();
    let mut types: BTreeMap<String, &str> = BTreeMap::new();
    let mut modules: BTreeMap<String, &str> = BTreeMap::new();
    for definition in &model.definitions {
        let schema_name = definition.name.as_str();
        let refuse = |message: String| {
            Error::new(
                Path::new("schema-json/model.json"),
                format!("definition {schema_name}"),
                message,
            )
        };
        let type_name = names::type_name(schema_name);
        // The loader only admits identifiers, but a model file can say anything.
        if !names::is_type_name(&type_name) {
            return Err(refuse(format!(
                "`{schema_name}` does not make a Rust type name"
            )));
        }
        if let Some(owner) = names::reserved_type_name(&type_name) {
            return Err(refuse(format!(
                "`{schema_name}` becomes type `{type_name}`, the name of {owner}, which it would \
                 shadow wherever the type is imported"
            )));
        }
        if let Some(other) = types.insert(type_name.clone(), schema_name) {
            return Err(refuse(format!(
                "`{schema_name}` and `{other}` both become type `{type_name}`"
            )));
        }
        let module = names::module_name(&type_name);
        if let Some(owner) = names::reserved_module_name(&module) {
            return Err(refuse(format!(
                "`{schema_name}` becomes module `{module}`, which is {owner} `{module}`"
            )));
        }
        if let Some(other) = modules.insert(module.clone(), schema_name) {
            return Err(refuse(format!(
                "`{schema_name}` and `{other}` both become module `{module}` (`{module}.rs`; \
                 types `{type_name}` and `{}`)",
                names::type_name(other)
            )));
        }
        out.insert(schema_name, RustNames { type_name, module });
    }
    Ok(out)
}
