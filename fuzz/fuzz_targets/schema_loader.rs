//! The schema loader on random and mutated schema files: `load_str` must return `Ok` or `Err`,
//! never panic; what it accepts must merge without panicking, and a model that merges must emit
//! Rust without panicking.
//!
//! The input is one schema file, or two separated by a NUL byte: the first is the oldest
//! release's, the second the newest's, so that merging across releases (properties added,
//! removed, retyped; definitions that change kind) is exercised too. The merge uses the project's
//! releases without its renames and removals (they name the published definitions, which a random
//! file lacks).

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
        let data = ReleaseData::load(&dir).expect("the committed release data loads");
        ReleaseData {
            releases: data.releases,
            renames: Vec::new(),
            removals: Vec::new(),
        }
    })
}

fn load(data: &[u8]) -> Option<hcs_schema_gen::spec::SchemaFile> {
    let text = std::str::from_utf8(data).ok()?;
    hcs_schema_gen::load::load_str(Path::new("fuzz.json"), text).ok()
}

fuzz_target!(|data: &[u8]| {
    let (first, second) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let releases = release_data();
    let newest = releases.releases.len() - 1;
    let mut files = Vec::new();
    match second {
        None => files.extend(load(first).map(|file| ReleaseFile {
            release: newest,
            file,
        })),
        Some(second) => {
            let (Some(old), Some(new)) = (load(first), load(second)) else {
                return;
            };
            files.push(ReleaseFile {
                release: 0,
                file: old,
            });
            files.push(ReleaseFile {
                release: newest,
                file: new,
            });
        }
    }
    if files.is_empty() {
        return;
    }
    let reference = Reference {
        path: "SchemaReference.md".into(),
        types: Default::default(),
        version_map: Vec::new(),
    };
    if let Ok((model, _)) = merge(releases, &files, &reference) {
        let _ = hcs_schema_gen::emit::emit(&model);
    }
});
