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

#[test]
fn importing_a_list_of_files_is_importing_their_folder() {
    let Some(dir) = schema_dir() else { return };
    let inputs = ImportInputs {
        data_dir: workspace::data_dir(&root()),
        input_dir: dir.clone(),
    };
    let (from_dir, _) = import(&inputs).expect("import");
    let data =
        hcs_schema_gen::release_data::ReleaseData::load(&workspace::data_dir(&root())).unwrap();
    let mut files: Vec<std::path::PathBuf> = data
        .releases
        .iter()
        .flat_map(|r| r.files.iter().map(|f| dir.join(f)))
        .collect();
    files.push(dir.join("SchemaReference.md"));
    let (from_files, _) =
        hcs_schema_gen::import::import_files(&workspace::data_dir(&root()), &files)
            .expect("import");
    assert_eq!(from_files, from_dir);
    // Without the untrimmed 1809 file the import names what is missing, and writes nothing.
    files.retain(|f| !f.ends_with("untrimmed-2022-01-10/windows-10-sdk-1809.json"));
    let error = workspace::import_files(&root(), &files, Mode::Write)
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("untrimmed-2022-01-10/windows-10-sdk-1809.json: no file given"),
        "{error}"
    );
}
