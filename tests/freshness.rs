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
    let observed =
        hcs_schema_gen::observed_data::ObservedData::load(&workspace::data_dir(&root())).unwrap();
    files.extend(observed.sources.iter().map(|s| dir.join(&s.file)));
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

/// Reviewable regeneration: a new release (here a synthetic 22H2: the 21H2 files plus seven
/// additive changes, one of which publishes an item only observed sources had) rewrites exactly
/// the generated files of the items it changes, plus the fixed index files (`mod.rs`,
/// `releases.rs`, the availability table `since.rs`). No file header lists releases, so the other
/// few hundred files stay byte for byte the same.
#[test]
fn a_new_release_touches_only_the_files_of_what_it_changes() {
    let Some(dir) = schema_dir() else { return };
    let data_dir = workspace::data_dir(&root());
    let scratch = std::env::temp_dir().join(format!("hcs-new-release-{}", std::process::id()));
    let new_data = scratch.join("schema-json");
    std::fs::create_dir_all(&new_data).unwrap();
    for file in [
        "renames.json",
        "removals.json",
        "observed.json",
        "evidence.json",
    ] {
        std::fs::copy(data_dir.join(file), new_data.join(file)).unwrap();
    }
    // releases.json with a 22H2 release after 21H2.
    let mut releases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data_dir.join("releases.json")).unwrap())
            .unwrap();
    releases["releases"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "22H2", "name": "Windows 11 SDK, version 22H2", "build": 22621,
            "schema_versions": ["2.7"],
            "files": ["synthetic/windows-11-sdk-22h2.json", "untrimmed-2022-01-10/windows-11-sdk-21h2.json"]
        }));
    std::fs::write(new_data.join("releases.json"), releases.to_string()).unwrap();
    // The synthetic file: the current 21H2 file with seven additive changes.
    let mut file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("windows-11-sdk-21h2.json")).unwrap(),
    )
    .unwrap();
    let definitions = file["definitions"].as_object_mut().unwrap();
    definitions.insert(
        "GpuPartition".into(),
        serde_json::json!({ "type": "object", "properties": { "PartitionId": { "type": "integer", "format": "uint32" } } }),
    );
    definitions["Devices"]["properties"]["GpuPartitions"] =
        serde_json::json!({ "type": "array", "items": { "$ref": "#/definitions/GpuPartition" } });
    definitions["VirtualMachine"]["properties"]["NewSetting"] =
        serde_json::json!({ "type": "boolean" });
    definitions["Attachment"]["properties"]["PrefetchHint"] =
        serde_json::json!({ "type": "boolean" });
    definitions["AttachmentType"]["enum"]
        .as_array_mut()
        .unwrap()
        .push("PersistentMemory".into());
    // Published at last: `Memory.Backing` and its enum (observed until now).
    definitions.insert(
        "MemoryBackingType".into(),
        serde_json::json!({ "type": "string", "enum": ["Physical", "Virtual"] }),
    );
    definitions["VirtualMachine_Memory"]["properties"]["Backing"] =
        serde_json::json!({ "type": "string", "$ref": "#/definitions/MemoryBackingType" });
    let synthetic = scratch.join("synthetic").join("windows-11-sdk-22h2.json");
    std::fs::create_dir_all(synthetic.parent().unwrap()).unwrap();
    std::fs::write(&synthetic, file.to_string()).unwrap();

    let observed = hcs_schema_gen::observed_data::ObservedData::load(&data_dir).unwrap();
    let data = hcs_schema_gen::release_data::ReleaseData::load(&data_dir).unwrap();
    let mut files: Vec<std::path::PathBuf> = data
        .releases
        .iter()
        .flat_map(|r| r.files.iter().map(|f| dir.join(f)))
        .collect();
    files.push(dir.join("SchemaReference.md"));
    files.extend(observed.sources.iter().map(|s| dir.join(&s.file)));
    let (before, _) = hcs_schema_gen::import::import_files(&data_dir, &files).expect("import");
    files.push(synthetic);
    let (after, _) = hcs_schema_gen::import::import_files(&new_data, &files).expect("import");
    std::fs::remove_dir_all(&scratch).unwrap();

    let before = hcs_schema_gen::emit::emit(&before).expect("emit");
    let after = hcs_schema_gen::emit::emit(&after).expect("emit");
    let mut touched: Vec<&str> = after
        .iter()
        .filter(|file| !before.contains(file))
        .map(|file| file.path.as_str())
        .collect();
    touched.sort_unstable();
    assert_eq!(
        touched,
        [
            "attachment.rs",
            "attachment_type.rs",
            "devices.rs",
            "gpu_partition.rs",
            // The name table: new property names (`GpuPartitions`, `PartitionId`, ...).
            "json_names.rs",
            "memory_backing_type.rs",
            "mod.rs",
            "releases.rs",
            "since.rs",
            "virtual_machine.rs",
            "virtual_machine_memory.rs",
        ]
    );
    assert!(
        before
            .iter()
            .all(|file| after.iter().any(|f| f.path == file.path))
    );
    assert!(before.len() > 300, "{} files", before.len());
}
