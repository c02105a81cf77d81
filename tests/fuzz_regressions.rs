//! Inputs the fuzzers (`fuzz/`) found to crash, kept so they stay fixed. Each goes through the
//! same steps as its fuzz target and must return `Ok` or `Err`, never panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use hcs_schema_gen::merge::{ReleaseFile, merge};
use hcs_schema_gen::reference::Reference;
use hcs_schema_gen::release_data::ReleaseData;

/// The `schema_loader` target: load one file, merge it as the newest release (the project's
/// releases without its renames and removals), emit. A panic is a failure; an error is fine;
/// emitted code must be valid Rust.
fn schema_loader(input: &str) -> Result<String, String> {
    let data = ReleaseData::load(&hcs_schema_gen::workspace::data_dir(
        &hcs_workspace_tests::root(),
    ))
    .unwrap();
    let data = ReleaseData {
        releases: data.releases,
        renames: Vec::new(),
        removals: Vec::new(),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let file = hcs_schema_gen::load::load_str(Path::new("fuzz.json"), input)
            .map_err(|e| e.to_string())?;
        let reference = Reference {
            path: "SchemaReference.md".into(),
            types: Default::default(),
            version_map: Vec::new(),
        };
        let files = [ReleaseFile {
            release: data.releases.len() - 1,
            file,
        }];
        let (model, _) = merge(&data, &files, &reference).map_err(|e| e.to_string())?;
        let generated = hcs_schema_gen::emit::emit(&model).map_err(|e| e.to_string())?;
        for file in &generated {
            if file.path.ends_with(".rs") {
                syn::parse_file(&file.contents)
                    .unwrap_or_else(|e| panic!("{} is not valid Rust: {e}", file.path));
            }
        }
        Ok(format!("{} files", generated.len()))
    }));
    match outcome {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("the schema pipeline panicked on {input}: {message}")
        }
    }
}

/// Found by `schema_loader` (crash-2066485365fd714f4f780c2e7c174b6bbe4703d0): a definition name
/// that starts with a digit passed the loader and made `emit` panic in `format_ident!` (fixed in
/// 9ea082d: the loader rejects it).
#[test]
fn definition_name_starting_with_a_digit() {
    let outcome = schema_loader(
        r#"{
 "definitions": {
  "1ontainersDef_BatchedBinding": {
   "type": "object",
   "properties": {}
  }
 }
}"#,
    );
    assert!(outcome.is_err(), "{outcome:?}");
}

/// The same bug, minimised by hand: names that become an empty Rust identifier.
#[test]
fn definition_names_of_underscores_only() {
    for name in ["_", "__"] {
        let input =
            format!(r#"{{"definitions":{{"{name}":{{"type":"object","properties":{{}}}}}}}}"#);
        let outcome = schema_loader(&input);
        assert!(outcome.is_err(), "{name}: {outcome:?}");
    }
}

/// Neighbours that were already handled (errors, or valid code), kept as a fence.
#[test]
fn odd_names_that_are_handled() {
    for input in [
        r#"{"definitions":{"Self":{"type":"object","properties":{}}}}"#,
        r#"{"definitions":{"A":{"type":"object","properties":{"1x":{"type":"boolean"}}}}}"#,
        r#"{"definitions":{"A":{"type":"object","properties":{"a-b":{"type":"boolean"},"a_b":{"type":"boolean"}}}}}"#,
        r#"{"definitions":{"A":{"type":"object","properties":{"self":{"type":"boolean"},"Self":{"type":"boolean"}}}}}"#,
        r#"{"definitions":{"E":{"type":"string","enum":["1","-1","é"]}}}"#,
        r#"{"definitions":{"A":{"type":"object","properties":{"":{"type":"boolean"}}}}}"#,
    ] {
        let _ = schema_loader(input);
    }
}
