//! Version checks: which schema version a document needs, and what in it a host of a given
//! version would reject. Generated metadata, no serialization.

use std::fmt;

use crate::{FieldInfo, Release, SchemaVersion, VariantInfo, Walk, Walker};

/// Something in a document that a host speaking the target version would not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON path from the document root: `VirtualMachine.Devices.Scsi["0"].Attachments["0"].Type`.
    pub path: String,
    /// What is wrong.
    pub kind: FindingKind,
}

/// The kinds of [`Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// The field or enum value needs a newer schema version than the target.
    NeedsVersion {
        /// The version it needs.
        needs: SchemaVersion,
    },
    /// The field or enum value was removed in a release at or before the target.
    Removed {
        /// The first release without it.
        removed_in: &'static Release,
    },
    /// A property no published schema has (kept in `unknown_properties`).
    UnknownProperty,
    /// An enum value no published schema has.
    UnrecognizedValue {
        /// The value.
        value: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FindingKind::NeedsVersion { needs } => {
                write!(f, "{} needs schema {needs}", self.path)?;
                if let Some(windows) = needs.windows_release() {
                    write!(f, " ({})", windows.windows)?;
                }
                Ok(())
            }
            FindingKind::Removed { removed_in } => {
                write!(f, "{} was removed in {}", self.path, removed_in.name)
            }
            FindingKind::UnknownProperty => {
                write!(f, "{} is not a property of any published schema", self.path)
            }
            FindingKind::UnrecognizedValue { value } => {
                write!(
                    f,
                    "{} = \"{value}\" is not a value of any published schema",
                    self.path
                )
            }
        }
    }
}

/// The lowest schema version that has every field and enum value set in `document`
/// (2.0 for an empty document). Unknown properties and values do not raise it: see [`check`].
pub fn min_version(document: &dyn Walk) -> SchemaVersion {
    let mut walker = Checker {
        path: String::new(),
        target: None,
        findings: Vec::new(),
        max: SchemaVersion::new(2, 0),
    };
    document.walk(&mut walker);
    walker.max
}

/// Everything in `document` that a host speaking `target` would reject: fields and values newer
/// than `target`, removed ones, and those no published schema has. Empty when it is safe to send.
/// A reported field's contents are not reported again.
pub fn check(document: &dyn Walk, target: SchemaVersion) -> Vec<Finding> {
    let mut walker = Checker {
        path: String::new(),
        target: Some(target),
        findings: Vec::new(),
        max: SchemaVersion::new(2, 0),
    };
    document.walk(&mut walker);
    walker.findings
}

/// The version checks as methods of every generated type.
pub trait VersionCheck: Walk {
    /// See [`min_version`].
    fn min_schema_version(&self) -> SchemaVersion {
        min_version(self.as_walk())
    }

    /// See [`check`].
    fn check_schema_version(&self, target: SchemaVersion) -> Vec<Finding> {
        check(self.as_walk(), target)
    }

    #[doc(hidden)]
    fn as_walk(&self) -> &dyn Walk;
}

impl<T: Walk> VersionCheck for T {
    fn as_walk(&self) -> &dyn Walk {
        self
    }
}

struct Checker {
    path: String,
    target: Option<SchemaVersion>,
    findings: Vec<Finding>,
    max: SchemaVersion,
}

impl Checker {
    fn at(&mut self, segment: std::fmt::Arguments<'_>, value: &dyn Walk) {
        let length = self.path.len();
        fmt::write(&mut self.path, segment).expect("writing to a String");
        value.walk(self);
        self.path.truncate(length);
    }

    fn dot(&self) -> &'static str {
        if self.path.is_empty() { "" } else { "." }
    }

    /// Records what `availability` means for the item at the current path; true when the item
    /// itself is reported (its contents then need no separate findings).
    fn judge(&mut self, availability: &crate::Availability, suffix: Option<&str>) -> bool {
        self.max = self.max.max(availability.since);
        let Some(target) = self.target else {
            return false;
        };
        let path = match suffix {
            Some(value) => format!("{}=\"{value}\"", self.path),
            None => self.path.clone(),
        };
        if availability.since > target {
            let needs = availability.since;
            self.findings.push(Finding {
                path,
                kind: FindingKind::NeedsVersion { needs },
            });
            return true;
        }
        let removed = availability.removed_in.filter(|removed_in| {
            removed_in
                .schema_versions
                .first()
                .is_some_and(|first| *first <= target)
        });
        if let Some(removed_in) = removed {
            self.findings.push(Finding {
                path,
                kind: FindingKind::Removed { removed_in },
            });
            return true;
        }
        false
    }
}

impl Walker for Checker {
    fn field(&mut self, field: &'static FieldInfo, value: &dyn Walk) {
        let length = self.path.len();
        let dot = self.dot();
        self.path.push_str(dot);
        self.path.push_str(field.json_name);
        let reported = self.judge(&field.availability, None);
        if !reported {
            value.walk(self);
        }
        self.path.truncate(length);
    }

    fn element(&mut self, index: usize, value: &dyn Walk) {
        self.at(format_args!("[{index}]"), value);
    }

    fn entry(&mut self, key: &str, value: &dyn Walk) {
        self.at(format_args!("[{key:?}]"), value);
    }

    fn variant(&mut self, variant: Option<&'static VariantInfo>, value: &str) {
        match variant {
            Some(variant) => {
                self.judge(&variant.availability, Some(value));
            }
            None if self.target.is_some() => self.findings.push(Finding {
                path: self.path.clone(),
                kind: FindingKind::UnrecognizedValue {
                    value: value.to_owned(),
                },
            }),
            None => {}
        }
    }

    fn unknown_property(&mut self, name: &str, _: &serde_json::Value) {
        if self.target.is_some() {
            let dot = self.dot();
            self.findings.push(Finding {
                path: format!("{}{dot}{name}", self.path),
                kind: FindingKind::UnknownProperty,
            });
        }
    }
}
