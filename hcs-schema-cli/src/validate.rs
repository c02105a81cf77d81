//! `hcs-schema validate`: parse a document with a generated type and report every problem.

use hcs_schema::{Finding, FindingKind, Policy, SchemaVersion, Walk};
use serde::Serialize;
use serde_json::Value;

use crate::position::{self, Position, PositionIndex, Segment};
use crate::registry::TypeEntry;

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Makes the document invalid (exit status 1).
    Error,
    /// Reported, but the document stays valid.
    Warning,
}

/// One problem in a document.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// `syntax`, `parse`, `needs-version`, `needs-build`, `observed`, `removed`,
    /// `unknown-property`, `unrecognized-value`, `duplicate-property`, `declared-version`,
    /// `too-many-errors`.
    pub kind: &'static str,
    /// The JSON path (`VirtualMachine.Devices.Scsi["0"]`); empty for the whole document, absent
    /// for syntax errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Line, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Column, from 1, in characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// The result of validating one document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The file as named on the command line (`<stdin>` for `-`).
    pub file: String,
    /// The schema name of the type.
    #[serde(rename = "type")]
    pub type_name: &'static str,
    /// `--target`, if given.
    pub target: Option<SchemaVersion>,
    /// The target's Windows build (`--build`, or the build of a `--target` release), if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<u32>,
    /// `--strict`: every warning is an error.
    pub strict: bool,
    /// No errors.
    pub valid: bool,
    /// Number of errors.
    pub errors: usize,
    /// Number of warnings.
    pub warnings: usize,
    /// The lowest schema version with the type and every field and value the document sets
    /// (ignoring values that failed to parse); absent when the document could not be read as the
    /// type at all.
    pub min_version: Option<SchemaVersion>,
    /// The Windows release that introduced `min_version`.
    pub min_version_windows: Option<&'static str>,
    /// Every problem, by position.
    pub problems: Vec<Problem>,
}

/// What to check beyond parsing: the policy of `hcs_schema::check` (the host's version and
/// build, if known, and strictness).
pub type Options = Policy;

/// The most parse errors reported for one document.
const MAX_PARSE_ERRORS: usize = 200;

/// Validates `bytes` (named `file`) as `entry`.
pub fn validate(file: &str, bytes: &[u8], entry: &TypeEntry, options: Options) -> Report {
    let mut problems = Vec::new();
    let mut min_version = None;
    if let Some((text, value)) = read_json(bytes, &mut problems) {
        let index = PositionIndex::build(text).unwrap_or_default();
        let schema = serde_json::to_value((entry.json_schema)()).unwrap_or(Value::Null);
        let at = |segments: &[Segment], member: bool| {
            if member {
                index.member(segments)
            } else {
                index.value(segments)
            }
        };
        let mut push = |severity, kind, path: String, position: Option<Position>, message| {
            problems.push(Problem {
                severity,
                kind,
                path: Some(path),
                line: position.map(|p| p.line),
                column: position.map(|p| p.column),
                message,
            })
        };
        // The type itself (`check` judges only what is in it).
        if let Some(finding) = hcs_schema::check_availability(&entry.availability, &options) {
            let (severity, kind, message) =
                describe(&finding, &format!("type {}", entry.schema_name), &options);
            push(severity, kind, String::new(), at(&[], false), message);
        }
        let (document, parse_errors, placeholders) = parse_all(&value, entry);
        // What the checks find inside a placeholder is not in the document.
        let in_placeholder =
            |segments: &[Segment]| placeholders.iter().any(|p| segments.starts_with(p));
        let too_many = parse_errors.len() >= MAX_PARSE_ERRORS;
        for (segments, message) in parse_errors {
            let path = position::render_path(&segments, &schema);
            push(
                Severity::Error,
                "parse",
                path,
                at(&segments, false),
                message,
            );
        }
        for (segments, position) in &index.duplicates {
            let path = position::render_path(segments, &schema);
            push(
                Severity::Warning,
                "duplicate-property",
                path,
                Some(*position),
                "appears more than once in its object; the last value is used".to_owned(),
            );
        }
        if let Some(document) = document {
            let needs = hcs_schema::min_version(document.as_ref())
                .max(entry.availability.since().unwrap_or(SchemaVersion::V2_0));
            min_version = Some(needs);
            if let Some(declared) = declared_version(&value, entry) {
                if declared < needs {
                    let segments = [Segment::Key("SchemaVersion".to_owned())];
                    push(
                        Severity::Warning,
                        "declared-version",
                        "SchemaVersion".to_owned(),
                        at(&segments, true),
                        format!(
                            "the document declares schema {declared} but uses items of schema \
                             {needs} (`--target {declared}` lists them)"
                        ),
                    );
                }
            }
            for finding in hcs_schema::check_with(document.as_ref(), &options) {
                let (segments, value) =
                    position::parse_check_path(&finding.path).unwrap_or_default();
                if in_placeholder(&segments) {
                    continue;
                }
                let path = match &value {
                    Some(_) => finding
                        .path
                        .rsplit_once("=\"")
                        .map_or(finding.path.clone(), |(p, _)| p.to_owned()),
                    None => finding.path.clone(),
                };
                let what = match &value {
                    Some(value) => format!("value {value:?}"),
                    None => String::new(),
                };
                let (severity, kind, message) = describe(&finding, &what, &options);
                // A property is found at its name; an enum value, a wrong value, at the value.
                let member = value.is_none()
                    && !matches!(finding.kind, FindingKind::UnrecognizedValue { .. });
                let position = at(&segments, member);
                push(severity, kind, path, position, message);
            }
        }
        if too_many {
            problems.push(Problem {
                severity: Severity::Error,
                kind: "too-many-errors",
                path: None,
                line: None,
                column: None,
                message: format!(
                    "stopped after {MAX_PARSE_ERRORS} parse errors; the rest of the document is \
                     not checked"
                ),
            });
        }
    }
    problems.sort_by_key(|p| (p.line.is_none(), p.line, p.column));
    let errors = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    Report {
        file: file.to_owned(),
        type_name: entry.schema_name,
        target: options.target,
        build: options.build,
        strict: options.strict,
        valid: errors == 0,
        errors,
        warnings: problems.len() - errors,
        min_version,
        min_version_windows: min_version
            .and_then(SchemaVersion::windows_release)
            .map(|w| w.windows),
        problems,
    }
}

/// The `SchemaVersion` a document of a type with that field declares (`{"Major": 2, "Minor": 1}`).
fn declared_version(value: &Value, entry: &TypeEntry) -> Option<SchemaVersion> {
    if !entry.fields.iter().any(|f| f.json_name == "SchemaVersion") {
        return None;
    }
    let declared = value.get("SchemaVersion")?;
    let part = |name: &str| -> Option<u16> { declared.get(name)?.as_u64()?.try_into().ok() };
    Some(SchemaVersion::new(part("Major")?, part("Minor")?))
}

fn windows_suffix(version: SchemaVersion) -> String {
    version
        .windows_release()
        .map(|w| format!(" ({})", w.windows))
        .unwrap_or_default()
}

/// The text and JSON value of `bytes`, or a syntax problem.
fn read_json<'a>(bytes: &'a [u8], problems: &mut Vec<Problem>) -> Option<(&'a str, Value)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let syntax = |position: Position, message: String| Problem {
        severity: Severity::Error,
        kind: "syntax",
        path: None,
        line: Some(position.line),
        column: Some(position.column),
        message,
    };
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let position = position::position_of_offset(bytes, e.valid_up_to());
            problems.push(syntax(position, "not UTF-8 text".to_owned()));
            return None;
        }
    };
    match serde_json::from_str::<Value>(text) {
        Ok(value) => Some((text, value)),
        Err(e) => {
            let position = Position {
                line: e.line().max(1),
                column: position::char_column(text, e.line(), e.column()),
            };
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let message = message.strip_suffix(&suffix).unwrap_or(&message);
            problems.push(syntax(position, format!("not valid JSON: {message}")));
            None
        }
    }
}

/// JSON values that parse as most schema types, tried in place of a bad array element so the
/// elements after it are still checked (removing it would renumber them).
const PLACEHOLDERS: &[&str] = &[
    "{}",
    "\"\"",
    "0",
    "false",
    "\"00000000-0000-0000-0000-000000000000\"",
    "\"00-00-00-00-00-00\"",
    "\"1970-01-01T00:00:00Z\"",
    "[]",
    "null",
];

/// Parses `value` as `entry`; after each error, removes the offending value (or replaces a bad
/// array element) and parses again, so every error is found. Returns the document without the
/// bad values (if it could be repaired), every error with its path, and the paths of the
/// placeholders put in.
fn parse_all(value: &Value, entry: &TypeEntry) -> ParseAll {
    let mut work = value.clone();
    let mut errors = Vec::new();
    let mut placeholders = Vec::new();
    let mut result = (entry.parse)(&work);
    while let Err(error) = result {
        let segments = segments_of(error.path());
        errors.push((segments.clone(), error.inner().to_string()));
        if errors.len() >= MAX_PARSE_ERRORS {
            return (None, errors, placeholders);
        }
        match repair(&mut work, &segments, entry) {
            Some(next) => result = next,
            None => return (None, errors, placeholders),
        }
        if matches!(segments.last(), Some(Segment::Index(_))) {
            placeholders.push(segments);
        }
    }
    (result.ok(), errors, placeholders)
}

/// The document (if it could be repaired), the errors, the placeholder paths.
type ParseAll = (
    Option<Box<dyn Walk>>,
    Vec<(Vec<Segment>, String)>,
    Vec<Vec<Segment>>,
);

type Parsed = Result<Box<dyn Walk>, crate::registry::PathError>;

/// Removes (or replaces) the value at `segments`; the parse of the repaired value, or `None` when
/// nothing can be done (the whole document is wrong).
fn repair(work: &mut Value, segments: &[Segment], entry: &TypeEntry) -> Option<Parsed> {
    let (last, parent_path) = segments.split_last()?;
    let mut parent = &mut *work;
    for segment in parent_path {
        parent = match segment {
            Segment::Key(key) => parent.get_mut(key.as_str())?,
            Segment::Index(i) => parent.get_mut(*i)?,
        };
    }
    match (last, parent) {
        (Segment::Key(key), Value::Object(map)) => {
            map.remove(key.as_str())?;
            Some((entry.parse)(work))
        }
        (Segment::Index(_), Value::Array(_)) => {
            for placeholder in PLACEHOLDERS {
                let placeholder: Value = serde_json::from_str(placeholder).ok()?;
                set_at(work, segments, placeholder)?;
                let parsed = (entry.parse)(work);
                match &parsed {
                    Err(e) if segments_of(e.path()).starts_with(segments) => continue,
                    _ => return Some(parsed),
                }
            }
            None
        }
        _ => None,
    }
}

fn set_at(work: &mut Value, segments: &[Segment], value: Value) -> Option<()> {
    let mut node = work;
    for segment in segments {
        node = match segment {
            Segment::Key(key) => node.get_mut(key.as_str())?,
            Segment::Index(i) => node.get_mut(*i)?,
        };
    }
    *node = value;
    Some(())
}

fn segments_of(path: &serde_path_to_error::Path) -> Vec<Segment> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
            serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Enum { variant } => Some(Segment::Key(variant.clone())),
            serde_path_to_error::Segment::Unknown => None,
        })
        .collect()
}

/// The severity, kind and message of a check finding; `what` names the item when the path does
/// not (`type X`, `value "Y"`, or empty).
fn describe(finding: &Finding, what: &str, policy: &Policy) -> (Severity, &'static str, String) {
    let severity = if finding.is_error() {
        Severity::Error
    } else {
        Severity::Warning
    };
    let target = policy
        .target
        .map_or_else(String::new, |t| format!("; the target is {t}"));
    let subject = if what.is_empty() {
        String::new()
    } else {
        format!("{what} ")
    };
    let (kind, message) = match &finding.kind {
        FindingKind::NeedsVersion {
            needs,
            evidence: None,
        } => (
            "needs-version",
            format!(
                "{subject}needs schema {needs}{}{target}",
                windows_suffix(*needs)
            ),
        ),
        FindingKind::NeedsVersion {
            needs,
            evidence: Some(evidence),
        } => (
            "needs-version",
            format!(
                "{subject}needs schema {needs}{target} (observed, not published: {evidence}: {})",
                evidence.says
            ),
        ),
        FindingKind::NeedsBuild { needs, evidence } => (
            "needs-build",
            format!(
                "{subject}needs Windows build {needs} or later{} (observed, not published: {evidence}: {})",
                policy
                    .build
                    .map_or_else(String::new, |b| format!("; the target's build is {b}")),
                evidence.says
            ),
        ),
        FindingKind::Observed { .. } => ("observed", without_path(finding, &subject)),
        FindingKind::Removed { .. } => ("removed", without_path(finding, &subject)),
        FindingKind::UnknownProperty => (
            "unknown-property",
            format!("{subject}not a property of any published schema or observed source"),
        ),
        FindingKind::UnrecognizedValue { value } => (
            "unrecognized-value",
            format!("{value:?} is not a value of any published schema or observed source"),
        ),
        _ => ("check", without_path(finding, &subject)),
    };
    (severity, kind, message)
}

/// The finding's own text, with the subject in place of the path.
fn without_path(finding: &Finding, subject: &str) -> String {
    let text = finding.to_string();
    let rest = text
        .strip_prefix(finding.path.as_str())
        .unwrap_or(&text)
        .trim_start();
    let rest = rest
        .strip_prefix("is ")
        .map_or(rest.to_owned(), |r| format!("is {r}"));
    format!("{subject}{rest}").trim_start().to_owned()
}

/// The report as text: one line per problem (`FILE:LINE:COLUMN: SEVERITY[KIND]: PATH: MESSAGE`),
/// then the minimum version, the target and the result.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for problem in &report.problems {
        out.push_str(&report.file);
        if let (Some(line), Some(column)) = (problem.line, problem.column) {
            out.push_str(&format!(":{line}:{column}"));
        }
        let severity = match problem.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!(": {severity}[{}]: ", problem.kind));
        match problem.path.as_deref() {
            Some("") => out.push_str("(document): "),
            Some(path) => out.push_str(&format!("{path}: ")),
            None => {}
        }
        out.push_str(&problem.message);
        out.push('\n');
    }
    out.push_str(&format!("type: {}\n", report.type_name));
    let parse_failed = report.problems.iter().any(|p| p.kind == "parse");
    match report.min_version {
        Some(version) => out.push_str(&format!(
            "minimum schema version: {version}{}{}\n",
            windows_suffix(version),
            if parse_failed {
                " (not counting values that failed to parse)"
            } else {
                ""
            }
        )),
        None => out.push_str("minimum schema version: unknown\n"),
    }
    if let Some(target) = report.target {
        out.push_str(&format!("target: {target}{}", windows_suffix(target)));
        if let Some(build) = report.build {
            out.push_str(&format!(", build {build}"));
        }
        out.push('\n');
    } else if let Some(build) = report.build {
        out.push_str(&format!("target: build {build}\n"));
    }
    if report.strict {
        out.push_str("strict: warnings are errors\n");
    }
    let counts = format!(
        "{} error{}, {} warning{}",
        report.errors,
        if report.errors == 1 { "" } else { "s" },
        report.warnings,
        if report.warnings == 1 { "" } else { "s" }
    );
    out.push_str(&format!(
        "result: {} ({counts})\n",
        if report.valid { "valid" } else { "invalid" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, type_name: &str, target: Option<SchemaVersion>) -> Report {
        let entry = crate::registry::find(type_name).unwrap();
        let options = Options {
            target,
            ..Options::default()
        };
        validate("doc.json", text.as_bytes(), entry, options)
    }

    fn kinds(report: &Report) -> Vec<(&'static str, String)> {
        report
            .problems
            .iter()
            .map(|p| (p.kind, p.path.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn stops_after_the_limit_and_says_so() {
        let adapters: Vec<String> = (0..MAX_PARSE_ERRORS + 5)
            .map(|i| format!("\"n{i}\": {{\"EndpointId\": \"bad\"}}"))
            .collect();
        let text = format!(
            "{{\"VirtualMachine\": {{\"Devices\": {{\"NetworkAdapters\": {{{}}}}}}}}}",
            adapters.join(",")
        );
        let report = run(&text, "ComputeSystem", None);
        assert_eq!(report.errors, MAX_PARSE_ERRORS + 1);
        assert_eq!(report.problems.last().unwrap().kind, "too-many-errors");
        assert_eq!(report.min_version, None);
    }

    #[test]
    fn placeholders_report_nothing_themselves() {
        let report = run(
            r#"{"PropertyTypes": [1, "Memory", {"a": 1}, "Nope"]}"#,
            "System_PropertyQuery",
            Some(SchemaVersion::V2_1),
        );
        assert_eq!(
            kinds(&report),
            [
                ("parse", "PropertyTypes[0]".to_owned()),
                ("parse", "PropertyTypes[2]".to_owned()),
                ("unrecognized-value", "PropertyTypes[3]".to_owned()),
            ]
        );
    }

    #[test]
    fn declared_version_and_type_level_findings() {
        let report = run(
            r#"{"SchemaVersion": {"Major": 2, "Minor": 0}, "VirtualMachine": {"GuestState": {}}}"#,
            "ComputeSystem",
            None,
        );
        assert_eq!(
            kinds(&report),
            [("declared-version", "SchemaVersion".to_owned())]
        );
        assert!(report.valid);
        assert_eq!(report.min_version, Some(SchemaVersion::V2_1));
        let report = run("{}", "OperationInfo", Some(SchemaVersion::V2_5));
        assert_eq!(kinds(&report), [("needs-version", String::new())]);
        assert_eq!(report.min_version, Some(SchemaVersion::V2_6));
    }

    #[test]
    fn positions_follow_the_text() {
        let report = run(
            "{\r\n  \"VirtualMachine\": {\r\n    \"StopOnReset\": 1\r\n  }\r\n}",
            "ComputeSystem",
            None,
        );
        let problem = &report.problems[0];
        assert_eq!((problem.line, problem.column), (Some(3), Some(20)));
        // A byte-order mark is skipped.
        let report = run("\u{feff}{\"Owner\": \"x\"}", "ComputeSystem", None);
        assert!(report.valid, "{:?}", report.problems);
    }
}
