//! Reads `SchemaReference.md`, the published schema reference, for the facts the schema files lack:
//! the schema version that introduced every enum variant and struct field (`NewInVersion`), their
//! descriptions, and the map from schema versions to Windows releases.
//!
//! The page is Markdown generated from the same source as the schema files. Its shape is fixed:
//! a `## Name` heading per type, an optional description paragraph, then a table whose first
//! column is ``"Value"`<br>`` (enums) or `**Field**<br>` (structs) and whose `NewInVersion` column
//! is a link `[2.3](#Schema-Version-Map)`. Rows that look like neither are errors with a line number.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::version::SchemaVersion;

/// Everything the generator takes from the reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reference {
    /// Where it was read from.
    pub path: PathBuf,
    /// Documented types by name (the reference uses the newest names, `Container_Memory`).
    pub types: BTreeMap<String, ReferenceType>,
    /// The "Schema Version Map": each version with the Windows build that introduced it.
    pub version_map: Vec<VersionMapRow>,
}

/// One documented enum or struct.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceType {
    /// The paragraph under the heading, if any.
    pub description: Option<String>,
    /// Variants (for enums) or fields (for structs), in page order.
    pub members: Vec<ReferenceMember>,
    /// True for enums.
    pub is_enum: bool,
}

/// One documented variant or field.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferenceMember {
    /// The JSON value (enums) or JSON property name (structs).
    pub name: String,
    /// `NewInVersion`.
    pub since: SchemaVersion,
    /// The description cell, if not empty.
    pub description: Option<String>,
    /// 1-based line in the page, for messages.
    pub line: usize,
}

/// One row of the "Schema Version Map".
#[derive(Debug, Clone, PartialEq)]
pub struct VersionMapRow {
    /// The schema version.
    pub version: SchemaVersion,
    /// The release as the page names it.
    pub release: String,
    /// The Windows build number in it (`17763`).
    pub build: u32,
}

impl Reference {
    /// The documented version of a member of `type_name`, if the page has one.
    pub fn since(&self, type_name: &str, member: &str) -> Option<SchemaVersion> {
        self.member(type_name, member).map(|m| m.since)
    }

    /// A documented member.
    pub fn member(&self, type_name: &str, member: &str) -> Option<&ReferenceMember> {
        self.types
            .get(type_name)?
            .members
            .iter()
            .find(|m| m.name == member)
    }
}

/// Reads and parses the reference page at `path`.
pub fn load_reference(path: &Path) -> Result<Reference> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::with_source(path, "", "cannot read the schema reference", e))?;
    parse_reference(path, &text)
}

/// Parses reference text; `path` only names the input in errors.
pub fn parse_reference(path: &Path, text: &str) -> Result<Reference> {
    let mut reference = Reference {
        path: path.to_path_buf(),
        ..Reference::default()
    };
    let mut current: Option<String> = None;
    let mut in_version_map = false;
    let mut in_table = false;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let line = raw.trim();
        let at = || format!("line {line_no}");
        if let Some(heading) = line.strip_prefix("## ") {
            let heading = heading.trim();
            in_table = false;
            in_version_map = heading == "Schema Version Map";
            let is_type = !heading.contains(' ')
                && heading
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !matches!(heading, "Agenda" | "Enums" | "Structs");
            current = is_type.then(|| heading.to_owned());
            if let Some(name) = &current {
                if reference
                    .types
                    .insert(name.clone(), ReferenceType::default())
                    .is_some()
                {
                    return Err(Error::new(
                        path,
                        at(),
                        format!("type `{name}` is documented twice"),
                    ));
                }
            }
            continue;
        }
        if line.starts_with("# ") || line == "---" {
            current = None;
            in_table = false;
            continue;
        }
        if in_version_map {
            if let Some(row) = version_map_row(line) {
                let row = row.map_err(|message| Error::new(path, at(), message))?;
                reference.version_map.push(row);
            }
            continue;
        }
        let Some(name) = &current else { continue };
        let documented = reference
            .types
            .get_mut(name)
            .expect("inserted at its heading");
        if line.starts_with('|') {
            if line.starts_with("|---") {
                in_table = true;
                continue;
            }
            if !in_table {
                // The header row: `|Variants|...` or `|Field|...`.
                documented.is_enum = line.starts_with("|Variants|");
                continue;
            }
            let member = member_row(line, documented.is_enum)
                .map_err(|message| Error::new(path, at(), format!("in `{name}`: {message}")))?;
            documented.members.push(ReferenceMember {
                line: line_no,
                ..member
            });
            continue;
        }
        in_table = false;
        let is_prose = !line.is_empty()
            && !line.starts_with("Referenced by:")
            && !line.starts_with("<a name")
            && !line.starts_with("**Note:**");
        if is_prose && documented.members.is_empty() {
            let description = documented.description.get_or_insert_with(String::new);
            if !description.is_empty() {
                description.push(' ');
            }
            description.push_str(line);
        }
    }
    if reference.version_map.is_empty() {
        return Err(Error::new(
            path,
            "",
            "no \"Schema Version Map\" table found",
        ));
    }
    if reference.types.values().all(|t| t.members.is_empty()) {
        return Err(Error::new(
            path,
            "",
            "no documented variants or fields found",
        ));
    }
    Ok(reference)
}

fn cells(line: &str) -> Vec<&str> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(str::trim).collect()
}

fn member_row(line: &str, is_enum: bool) -> std::result::Result<ReferenceMember, String> {
    let cells = cells(line);
    let (name_cell, version_cell, description) = if is_enum {
        // |`"Value"`<br>|[2.3](#Schema-Version-Map)|Description|
        match cells.as_slice() {
            [name, version, rest @ ..] => (*name, *version, rest.join("|")),
            _ => return Err(format!("cannot read the variant row `{line}`")),
        }
    } else {
        // |**Field**<br>|Type|[2.3](#Schema-Version-Map)|Description|
        match cells.as_slice() {
            [name, _ty, version, rest @ ..] => (*name, *version, rest.join("|")),
            _ => return Err(format!("cannot read the field row `{line}`")),
        }
    };
    let name_cell = name_cell.trim_end_matches("<br>");
    let name = if is_enum {
        name_cell
            .strip_prefix("`\"")
            .and_then(|n| n.strip_suffix("\"`"))
    } else {
        name_cell
            .strip_prefix("**")
            .and_then(|n| n.strip_suffix("**"))
    }
    .ok_or_else(|| format!("cannot read the name cell `{name_cell}`"))?;
    let version = version_cell
        .strip_prefix('[')
        .and_then(|v| v.split_once(']'))
        .map(|(v, _)| v)
        .ok_or_else(|| format!("cannot read the version cell `{version_cell}`"))?;
    let since = version.parse::<SchemaVersion>()?;
    let description = description.trim().to_owned();
    Ok(ReferenceMember {
        name: name.to_owned(),
        since,
        description: (!description.is_empty()).then_some(description),
        line: 0,
    })
}

/// `|2.3|Windows 10 SDK, version 2004 (10.0.19041.0)|`; `None` for header and rule rows.
fn version_map_row(line: &str) -> Option<std::result::Result<VersionMapRow, String>> {
    if !line.starts_with('|') || line.starts_with("|---") || line.starts_with("|Schema Version") {
        return None;
    }
    let cells = cells(line);
    let [version, release] = cells.as_slice() else {
        return Some(Err(format!("cannot read the version map row `{line}`")));
    };
    Some((|| {
        let version = version.parse::<SchemaVersion>()?;
        let build = release
            .split(|c: char| !c.is_ascii_digit())
            .find(|run| run.len() == 5)
            .and_then(|run| run.parse().ok())
            .ok_or_else(|| format!("no build number in `{release}`"))?;
        Ok(VersionMapRow {
            version,
            release: (*release).to_owned(),
            build,
        })
    })())
}
