//! Time of the generator's pipeline on the published inputs (`$HCS_SHARED_DIR/schema-json`,
//! default `../shared/schema-json`; skipped with a message when absent):
//!
//! * `load_one_release`: read and normalise one schema file (21H2), the unit typify's 0.12 s is
//!   quoted for;
//! * `import_all`: load all eleven files and `SchemaReference.md`, and merge them into the model;
//! * `emit`: the committed model -> the Rust source of `hcs-schema/src/generated/`;
//! * `format_only`: the syn parse + prettyplease print part of `emit`, measured alone;
//! * `import_and_emit`: both, the whole of `cargo xtask import` minus file writes.
//!
//! `cargo bench -p hcs-schema-gen --bench pipeline`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use hcs_schema_gen::import::{ImportInputs, import, inputs_present};
use hcs_schema_gen::workspace;

fn inputs() -> Option<ImportInputs> {
    let root = workspace::root();
    let input_dir: PathBuf = workspace::shared_dir(&root).join("schema-json");
    let data_dir = workspace::data_dir(&root);
    if !inputs_present(&data_dir, &input_dir) {
        return workspace::skip_missing_inputs(&input_dir);
    }
    Some(ImportInputs {
        data_dir,
        input_dir,
    })
}

fn benches(c: &mut Criterion) {
    let Some(inputs) = inputs() else { return };
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));

    let one = inputs.input_dir.join("windows-11-sdk-21h2.json");
    let text = std::fs::read_to_string(&one).unwrap();
    group.bench_function("load_one_release", |b| {
        b.iter(|| hcs_schema_gen::load::load_str(&one, black_box(&text)).unwrap())
    });
    group.bench_function("import_all", |b| {
        b.iter(|| import(black_box(&inputs)).unwrap())
    });
    let (model, _) = import(&inputs).unwrap();
    group.bench_function("emit", |b| {
        b.iter(|| hcs_schema_gen::emit::emit(black_box(&model)).unwrap())
    });
    // The share of `emit` that is formatting: parse the emitted files back with syn and print
    // them with prettyplease (what `emit` does once per file after building the tokens).
    let files = hcs_schema_gen::emit::emit(&model).unwrap();
    group.bench_function("format_only", |b| {
        b.iter(|| {
            for file in &files {
                if file.path.ends_with(".rs") {
                    let parsed = syn::parse_file(black_box(&file.contents)).unwrap();
                    black_box(prettyplease::unparse(&parsed));
                }
            }
        })
    });
    group.bench_function("import_and_emit", |b| {
        b.iter(|| {
            let (model, _) = import(black_box(&inputs)).unwrap();
            hcs_schema_gen::emit::emit(&model).unwrap()
        })
    });
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
