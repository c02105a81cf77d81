//! `cargo xtask codegen` and `cargo xtask import`.

use std::path::{Path, PathBuf};

use hcs_schema_gen::workspace;

pub fn codegen(check: bool) -> Result<(), String> {
    let root = workspace::root();
    let changed = workspace::codegen(&root, mode(check)).map_err(|e| e.to_string())?;
    report(&changed, check)
}

pub fn import(inputs: Vec<PathBuf>, check: bool, verbose: bool) -> Result<(), String> {
    let root = workspace::root();
    let outcome = match inputs.as_slice() {
        [] => workspace::import(
            &root,
            &workspace::shared_dir(&root).join("schema-json"),
            mode(check),
        ),
        [dir] if dir.is_dir() => workspace::import(&root, dir, mode(check)),
        files => workspace::import_files(&root, files, mode(check)),
    }
    .map_err(|e| e.to_string())?;
    if verbose {
        for line in &outcome.report.version_disagreements {
            println!("version: {line}");
        }
    }
    for line in &outcome.report.gaps {
        println!("gap: {line}");
    }
    for line in &outcome.report.type_changes {
        println!("type change: {line}");
    }
    // Every type an observed source gives otherwise than the model: kept in the model
    // (`observed_types`), never applied to a published item.
    for line in &outcome.report.observed_disagreements {
        println!("observed type: {line}");
    }
    println!(
        "{} definitions; {} property type changes; {} version disagreements with the reference{}",
        outcome.definitions,
        outcome.report.type_changes.len(),
        outcome.report.version_disagreements.len(),
        if verbose {
            ""
        } else {
            " (--verbose lists them)"
        }
    );
    for count in &outcome.report.observed_counts {
        println!(
            "observed source {}: {} definitions, {} properties, {} enum values that no published file has; \
             {} properties typed otherwise",
            count.source, count.definitions, count.properties, count.values, count.disagreements
        );
    }
    report(&outcome.changed, check)
}

fn mode(check: bool) -> workspace::Mode {
    if check {
        workspace::Mode::Check
    } else {
        workspace::Mode::Write
    }
}

fn report(changed: &[PathBuf], check: bool) -> Result<(), String> {
    if changed.is_empty() {
        println!("up to date");
        return Ok(());
    }
    let list: Vec<String> = changed.iter().map(|p| display(p)).collect();
    if check {
        return Err(format!(
            "stale generated files (run `cargo xtask codegen` or `cargo xtask import` and commit):\n  {}",
            list.join("\n  ")
        ));
    }
    println!("updated {} files:\n  {}", list.len(), list.join("\n  "));
    Ok(())
}

fn display(path: &Path) -> String {
    let root = workspace::root();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}
