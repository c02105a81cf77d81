//! The schema loader on random and mutated schema files: `load_str` must return `Ok` or `Err`,
//! never panic; a file it accepts must merge (as the newest release's only file) without
//! panicking, and a model that merges must emit Rust without panicking.

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use hcs_schema_gen::merge::{ReleaseFile, merge};
use hcs_schema_gen::reference::Reference;
use hcs_schema_gen::release_data::ReleaseData;
use libfuzzer_sys::fuzz_target;

fn release_data() -> &'static ReleaseData {
    static DATA: OnceLock<ReleaseData> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema-json");
        ReleaseData::load(&dir).expect("the committed release data loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(file) = hcs_schema_gen::load::load_str(Path::new("fuzz.json"), text) else {
        return;
    };
    let data = release_data();
    let reference = Reference {
        path: "SchemaReference.md".into(),
        types: Default::default(),
        version_map: Vec::new(),
    };
    let files = [ReleaseFile {
        release: data.releases.len() - 1,
        file,
    }];
    if let Ok((model, _)) = merge(data, &files, &reference) {
        let _ = hcs_schema_gen::emit::emit(&model);
    }
});
