//! The committed model and generated code are what the generator makes today, and the generator's
//! output is byte-identical from run to run.

use hcs_schema_gen::import::{ImportInputs, import};
use hcs_schema_gen::model::Model;
use hcs_schema_gen::workspace::{self, Mode};
use hcs_workspace_tests::{root, schema_dir};

#[test]
fn generated_code_is_fresh() {
    let changed = workspace::codegen(&root(), Mode::Check).expect("codegen runs");
    assert!(
        changed.is_empty(),
        "generated code is stale; run `cargo xtask codegen` and commit:\n{changed:#?}"
    );
}

#[test]
fn model_is_fresh() {
    let Some(dir) = schema_dir() else { return };
    let outcome = workspace::import(&root(), &dir, Mode::Check).expect("import runs");
    assert!(
        outcome.changed.is_empty(),
        "the committed model or code is stale; run `cargo xtask import` and commit:\n{:#?}",
        outcome.changed
    );
}

#[test]
fn codegen_is_deterministic() {
    let model = Model::load(&workspace::model_path(&root())).expect("the committed model loads");
    let first = hcs_schema_gen::emit::emit(&model).expect("emit");
    let second = hcs_schema_gen::emit::emit(&model.clone()).expect("emit");
    assert_eq!(first, second);
    // The model survives its own JSON form unchanged.
    let reparsed =
        Model::from_json(std::path::Path::new("model.json"), &model.to_json()).expect("reparse");
    assert_eq!(reparsed, model);
}

#[test]
fn import_is_deterministic() {
    let Some(dir) = schema_dir() else { return };
    let inputs = ImportInputs {
        data_dir: workspace::data_dir(&root()),
        input_dir: dir,
    };
    let (first, _) = import(&inputs).expect("import");
    let (second, _) = import(&inputs).expect("import");
    assert_eq!(first.to_json(), second.to_json());
}
