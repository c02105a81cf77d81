//! Keeps `FIDELITY.md` true: every `Hcs*` function the emulator exports has exactly one row,
//! every row names a real export, every test a row names exists, every **assumed** row says what
//! the runtime does about it, and every page and section a row cites exists in the published
//! API reference (`$HCS_SHARED_DIR/reference/hcs-docs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcs_schema_gen::workspace;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One table row of the ledger: its cells, trimmed, and its line number.
struct Row {
    line: usize,
    cells: Vec<String>,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(crate_dir().join("FIDELITY.md")).expect("FIDELITY.md");
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.starts_with("| ") && !line.starts_with("| Function |"))
        .filter(|(_, line)| !line.starts_with("| Behaviour |"))
        .map(|(i, line)| Row {
            line: i + 1,
            cells: line
                .trim()
                .trim_matches('|')
                .split(" | ")
                .map(|cell| cell.trim().to_owned())
                .collect(),
        })
        .collect()
}

/// The `Hcs*` functions `src/exports/` exports (`#[unsafe(no_mangle)]` C functions).
fn exports() -> Vec<String> {
    let mut names = Vec::new();
    let dir = crate_dir().join("src").join("exports");
    for entry in std::fs::read_dir(&dir).expect("src/exports") {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[unsafe(no_mangle)]" {
                continue;
            }
            let next = lines.next().unwrap_or_default();
            let name = next
                .trim()
                .strip_prefix("pub unsafe extern \"system\" fn ")
                .and_then(|rest| rest.split('(').next())
                .unwrap_or_else(|| panic!("{}: unexpected export line {next:?}", path.display()));
            if name.starts_with("Hcs") {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names
}

/// The text between each pair of `open` and `close` in `text`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else { break };
        found.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    found
}

/// `[Page.md § Section]` citations.
fn citations(cell: &str) -> Vec<(String, String)> {
    between(cell, "[", "]")
        .into_iter()
        .filter_map(|inside| {
            let (page, section) = inside.split_once(" § ")?;
            page.ends_with(".md")
                .then(|| (page.to_owned(), section.to_owned()))
        })
        .collect()
}

/// `` `hcs/tests/file.rs::name` `` references.
fn test_references(cell: &str) -> Vec<(String, String)> {
    between(cell, "`", "`")
        .into_iter()
        .filter_map(|inside| {
            let (file, name) = inside.split_once("::")?;
            (file.contains("/tests/") && file.ends_with(".rs"))
                .then(|| (file.to_owned(), name.to_owned()))
        })
        .collect()
}

#[test]
fn every_export_has_one_row_and_every_row_an_export() {
    let exports = exports();
    assert_eq!(exports.len(), 74, "{exports:?}");
    let mut rows_by_function: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for row in rows() {
        if let Some(name) = row.cells[0]
            .strip_prefix('`')
            .and_then(|c| c.strip_suffix('`'))
            .filter(|c| c.starts_with("Hcs"))
        {
            rows_by_function
                .entry(name.to_owned())
                .or_default()
                .push(row.line);
        }
    }
    let missing: Vec<_> = exports
        .iter()
        .filter(|e| !rows_by_function.contains_key(*e))
        .collect();
    assert!(
        missing.is_empty(),
        "exports without a FIDELITY.md row: {missing:?}"
    );
    for (function, lines) in &rows_by_function {
        assert!(
            exports.contains(function),
            "FIDELITY.md line {lines:?}: {function} is not an export of the emulator"
        );
        assert_eq!(lines.len(), 1, "{function} has rows on lines {lines:?}");
    }
}

#[test]
fn every_row_has_a_source_and_every_assumption_a_runtime_answer() {
    let rows = rows();
    assert!(rows.len() > 74, "{} rows", rows.len());
    for row in rows {
        assert_eq!(row.cells.len(), 4, "FIDELITY.md line {}: 4 cells", row.line);
        let source = &row.cells[2];
        let assumed = source.contains("**assumed**");
        assert!(
            assumed || !citations(source).is_empty(),
            "FIDELITY.md line {}: cite a page (`[Page.md § Section]`) or say **assumed**",
            row.line
        );
        if assumed {
            assert!(
                source.contains("Runtime:"),
                "FIDELITY.md line {}: an assumed row says what the runtime does (\"Runtime: ...\")",
                row.line
            );
        }
        assert!(
            !test_references(&row.cells[3]).is_empty(),
            "FIDELITY.md line {}: name the tests that pin the row",
            row.line
        );
    }
}

#[test]
fn every_named_test_exists() {
    let root = workspace::root();
    for row in rows() {
        for (file, name) in test_references(&row.cells[3]) {
            let path = root.join(&file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("FIDELITY.md line {}: {file}: {e}", row.line));
            let test = format!("#[test]\nfn {name}(");
            assert!(
                text.contains(&test),
                "FIDELITY.md line {}: {file} has no test `{name}`",
                row.line
            );
        }
    }
}

fn headings(page: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(page).ok()?;
    Some(
        text.lines()
            .map(|line| line.trim_end_matches('\r'))
            .filter_map(|line| line.strip_prefix('#'))
            .map(|heading| heading.trim_start_matches('#').trim().to_owned())
            .collect(),
    )
}

#[test]
fn every_cited_page_and_section_exists() {
    let docs = workspace::shared_dir(&workspace::root())
        .join("reference")
        .join("hcs-docs");
    if !docs.join("HcsCancelOperation.md").is_file() {
        return workspace::skip_missing_inputs(&docs).unwrap_or(());
    }
    let mut cited = 0;
    for row in rows() {
        for (page, section) in citations(&row.cells[2]) {
            let headings = headings(&docs.join(&page)).unwrap_or_else(|| {
                panic!(
                    "FIDELITY.md line {}: no page {page} in {}",
                    row.line,
                    docs.display()
                )
            });
            assert!(
                headings.contains(&section),
                "FIDELITY.md line {}: {page} has no section {section:?} (it has {headings:?})",
                row.line
            );
            cited += 1;
        }
    }
    assert!(cited > 74, "{cited} citations");
}
