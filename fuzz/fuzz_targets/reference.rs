//! The `SchemaReference.md` parser on random and mutated text: `Ok` or `Err`, never a panic.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = hcs_schema_gen::reference::parse_reference(Path::new("SchemaReference.md"), text);
    }
});
