//! Runs the built `hcs-schema` binary on good and bad input and compares its exit status, stdout
//! and stderr with the golden files in `tests/golden/` (one per case). `UPDATE_GOLDEN=1` rewrites
//! them; otherwise any difference, a missing golden file or a golden file no case uses fails.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// (golden file name, arguments, standard input).
const CASES: &[(&str, &[&str], Option<&str>)] = &[
    // Help and usage.
    ("help", &["--help"], None),
    ("help-validate", &["validate", "--help"], None),
    ("help-diff", &["diff", "--help"], None),
    ("help-json-schema", &["json-schema", "--help"], None),
    ("help-versions", &["versions", "--help"], None),
    ("usage-no-command", &[], None),
    (
        "usage-unknown-option",
        &["validate", "--frobnicate", "x.json"],
        None,
    ),
    // versions, types
    ("versions", &["versions"], None),
    ("versions-json", &["versions", "--json"], None),
    ("types", &["types"], None),
    // validate: documents built for 1809 (schema 2.1) and 21H2 (schema 2.6).
    (
        "validate-1809",
        &["validate", "tests/documents/vm-1809.json"],
        None,
    ),
    (
        "validate-1809-target-2.1",
        &[
            "validate",
            "tests/documents/vm-1809.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-1809-json",
        &[
            "validate",
            "tests/documents/vm-1809.json",
            "--type",
            "ComputeSystem",
            "--target",
            "1809",
            "--format",
            "json",
        ],
        None,
    ),
    (
        "validate-21h2",
        &["validate", "tests/documents/vm-21h2.json"],
        None,
    ),
    (
        "validate-21h2-target-21h2",
        &[
            "validate",
            "tests/documents/vm-21h2.json",
            "--target",
            "21H2",
        ],
        None,
    ),
    (
        "validate-21h2-target-2.1",
        &[
            "validate",
            "tests/documents/vm-21h2.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-needs-2.3-target-2.1",
        &[
            "validate",
            "tests/documents/vm-needs-2.3.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-needs-2.3-target-2.1-json",
        &[
            "validate",
            "tests/documents/vm-needs-2.3.json",
            "--target",
            "2.1",
            "--json",
        ],
        None,
    ),
    (
        "validate-needs-2.3-target-2.3",
        &[
            "validate",
            "tests/documents/vm-needs-2.3.json",
            "--target",
            "2.3",
        ],
        None,
    ),
    // validate: bad documents.
    (
        "validate-wrong-type",
        &[
            "validate",
            "tests/documents/bad-wrong-type.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-wrong-type-json",
        &["validate", "tests/documents/bad-wrong-type.json", "--json"],
        None,
    ),
    (
        "validate-bad-guid",
        &["validate", "tests/documents/bad-guid.json"],
        None,
    ),
    (
        "validate-unknown-property",
        &["validate", "tests/documents/bad-unknown-property.json"],
        None,
    ),
    (
        "validate-unknown-property-strict",
        &[
            "validate",
            "tests/documents/bad-unknown-property.json",
            "--strict",
        ],
        None,
    ),
    // validate: what only observed sources have (the workspace's golden documents).
    (
        "validate-filter-type-target-ws2022",
        &[
            "validate",
            "-t",
            "CombinedLayers",
            "../tests/golden/combined-layers-filter-type.json",
            "--target",
            "2.5",
        ],
        None,
    ),
    (
        "validate-filter-type-target-2.9",
        &[
            "validate",
            "-t",
            "CombinedLayers",
            "../tests/golden/combined-layers-filter-type.json",
            "--target",
            "2.9",
        ],
        None,
    ),
    (
        "validate-confidential-target-2.4",
        &[
            "validate",
            "../tests/golden/confidential-lcow-vm.json",
            "--target",
            "2.4",
        ],
        None,
    ),
    (
        "validate-vnuma-target-ws2022-json",
        &[
            "validate",
            "../tests/golden/vnuma-vm.json",
            "--target",
            "2104",
            "--json",
        ],
        None,
    ),
    (
        "validate-vnuma-target-ws2025",
        &[
            "validate",
            "../tests/golden/vnuma-vm.json",
            "--target",
            "2.11",
            "--build",
            "26100",
        ],
        None,
    ),
    (
        "validate-hostprocess",
        &["validate", "../tests/golden/hostprocess-container.json"],
        None,
    ),
    (
        "validate-hostprocess-strict",
        &[
            "validate",
            "../tests/golden/hostprocess-container.json",
            "--strict",
        ],
        None,
    ),
    (
        "validate-observed-type-target-2.1",
        &[
            "validate",
            "-t",
            "StartOptions",
            "../tests/golden/live-migration-start-options.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-unknown-enum-value",
        &[
            "validate",
            "tests/documents/bad-enum-value.json",
            "--target",
            "2.6",
        ],
        None,
    ),
    (
        "validate-not-json",
        &["validate", "tests/documents/bad-not-json.json"],
        None,
    ),
    (
        "validate-not-json-json",
        &[
            "validate",
            "tests/documents/bad-not-json.json",
            "--format",
            "json",
        ],
        None,
    ),
    (
        "validate-bad-array-elements",
        &[
            "validate",
            "--type",
            "System_PropertyQuery",
            "tests/documents/bad-array.json",
        ],
        None,
    ),
    (
        "validate-duplicate-property",
        &["validate", "-"],
        Some("{\"Owner\": \"a\",\n \"Owner\": \"b\"}\n"),
    ),
    (
        "validate-not-an-object",
        &["validate", "-"],
        Some("[1, 2]\n"),
    ),
    ("validate-empty", &["validate", "-"], Some("")),
    // --type: schema name, Rust name, former name; a miss.
    (
        "validate-type-schema-name",
        &[
            "validate",
            "-t",
            "System_PropertyQuery",
            "tests/documents/property-query.json",
        ],
        None,
    ),
    (
        "validate-type-rust-name",
        &[
            "validate",
            "-t",
            "SystemPropertyQuery",
            "tests/documents/property-query.json",
        ],
        None,
    ),
    (
        "validate-type-former-name",
        &[
            "validate",
            "-t",
            "PropertyQuery_2",
            "tests/documents/property-query.json",
            "--target",
            "2.1",
        ],
        None,
    ),
    (
        "validate-type-unknown",
        &[
            "validate",
            "-t",
            "PropertyQuerry",
            "tests/documents/property-query.json",
        ],
        None,
    ),
    (
        "validate-type-newer-than-target",
        &["validate", "-t", "OperationInfo", "-", "--target", "2.1"],
        Some("{\"Operation\": \"Start\"}"),
    ),
    (
        "validate-enum-document",
        &["validate", "-t", "CacheMode", "-"],
        Some("\"Foo\""),
    ),
    (
        "validate-removed-type",
        &["validate", "-t", "Nvram", "-", "--target", "20H2"],
        Some("{}"),
    ),
    // stdin, missing file, bad target.
    (
        "validate-stdin",
        &["validate", "-", "--target", "2.2"],
        Some(
            "{\"Owner\": \"x\", \"VirtualMachine\": {\"ComputeTopology\": {\"Memory\": {\"SizeInMB\": 512, \"PinBackingPages\": true}}}}",
        ),
    ),
    (
        "validate-stdin-not-json",
        &["validate", "-"],
        Some("{\"Owner\": }"),
    ),
    (
        "validate-missing-file",
        &["validate", "tests/documents/no-such-file.json"],
        None,
    ),
    (
        "validate-bad-target",
        &[
            "validate",
            "tests/documents/vm-1809.json",
            "--target",
            "3.0",
        ],
        None,
    ),
    // diff: releases, schema files, models.
    ("diff-1809-1903", &["diff", "1809", "1903"], None),
    ("diff-2004-20h2", &["diff", "2004", "20h2"], None),
    (
        "diff-2104-21h2-json",
        &["diff", "2104", "21H2", "--json"],
        None,
    ),
    (
        "diff-21h2-2104-fail-on-breaking",
        &["diff", "21H2", "2104", "--fail-on-breaking"],
        None,
    ),
    (
        "diff-files",
        &[
            "diff",
            "tests/documents/schema-old.json",
            "tests/documents/schema-new.json",
        ],
        None,
    ),
    (
        "diff-files-json",
        &[
            "diff",
            "tests/documents/schema-old.json",
            "tests/documents/schema-new.json",
            "--format",
            "json",
        ],
        None,
    ),
    ("diff-same-release", &["diff", "2004", "2004"], None),
    (
        "diff-models-same",
        &["diff", "model.json", "model.json"],
        None,
    ),
    (
        "diff-with-model-option",
        &["diff", "--model", "model.json", "1903", "2004"],
        None,
    ),
    (
        "diff-missing-model",
        &[
            "diff",
            "--model",
            "tests/documents/no-such-model.json",
            "1903",
            "2004",
        ],
        None,
    ),
    (
        "diff-release-and-file",
        &["diff", "2004", "tests/documents/schema-new.json"],
        None,
    ),
    ("diff-unknown-release", &["diff", "2004", "2404"], None),
    // A release and an observed source: Windows Server 2022's published 2104 files and its own
    // schema (the PR).
    (
        "diff-2104-hcsshim-pr1914",
        &["diff", "2104", "hcsshim-pr1914-5d01ee4"],
        None,
    ),
    (
        "diff-model-and-release",
        &["diff", "model.json", "2004"],
        None,
    ),
    (
        "diff-not-a-schema",
        &["diff", "tests/documents/vm-1809.json", "2004"],
        None,
    ),
    (
        "diff-not-json",
        &["diff", "tests/documents/bad-not-json.json", "2004"],
        None,
    ),
    // json-schema
    (
        "json-schema-system-property-query",
        &["json-schema", "System_PropertyQuery"],
        None,
    ),
    (
        "json-schema-former-name",
        &["json-schema", "Memory_2"],
        None,
    ),
    ("json-schema-enum", &["json-schema", "CacheMode"], None),
    (
        "json-schema-unknown",
        &["json-schema", "ComputerSystem"],
        None,
    ),
];

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hcs-schema"))
        .args(args)
        .current_dir(crate_dir())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    {
        let mut input = child.stdin.take().expect("stdin is piped");
        // A command that does not read stdin may have exited already.
        let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    }
    let output = child.wait_with_output().expect("the binary finishes");
    let code = output
        .status
        .code()
        .map_or_else(|| "signal".to_owned(), |c| c.to_string());
    format!(
        "args: {}\nexit: {code}\n--- stdout\n{}--- stderr\n{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn golden_path(name: &str) -> PathBuf {
    crate_dir()
        .join("tests")
        .join("golden")
        .join(format!("{name}.txt"))
}

#[test]
fn golden_outputs() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, args, stdin) in CASES {
        let actual = run(args, *stdin);
        let path = golden_path(name);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &actual).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected.replace("\r\n", "\n") == actual => {}
            Ok(expected) => failures.push(format!(
                "{name}: output differs from {}\n{}",
                path.display(),
                first_difference(&expected, &actual)
            )),
            Err(e) => failures.push(format!("{name}: cannot read {}: {e}", path.display())),
        }
    }
    // Golden files of removed cases are stale.
    let dir = crate_dir().join("tests").join("golden");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !CASES.iter().any(|(name, _, _)| *name == stem) {
            if update {
                std::fs::remove_file(&path).unwrap();
            } else {
                failures.push(format!("{}: no case uses it", path.display()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden mismatches (run with UPDATE_GOLDEN=1 and review the diff):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (index, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}:\n  expected: {e}\n  actual:   {a}", index + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, actual {} lines",
        expected.lines().count(),
        actual.lines().count()
    )
}

/// The exit statuses the README documents.
#[test]
fn exit_statuses() {
    let code = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hcs-schema"))
            .args(args)
            .current_dir(crate_dir())
            .stdin(Stdio::null())
            .output()
            .unwrap()
            .status
            .code()
    };
    assert_eq!(code(&["validate", "tests/documents/vm-1809.json"]), Some(0));
    assert_eq!(
        code(&["validate", "tests/documents/bad-guid.json"]),
        Some(1)
    );
    assert_eq!(code(&["validate", "tests/documents/missing.json"]), Some(2));
    assert_eq!(
        code(&["validate", "-t", "Nope", "tests/documents/vm-1809.json"]),
        Some(2)
    );
    assert_eq!(code(&["diff", "2004", "20H2"]), Some(0));
    assert_eq!(
        code(&["diff", "2004", "20H2", "--fail-on-breaking"]),
        Some(1)
    );
    assert_eq!(
        code(&["diff", "1809", "1903", "--fail-on-breaking"]),
        Some(0)
    );
    assert_eq!(code(&["versions", "--bogus"]), Some(2));
}
