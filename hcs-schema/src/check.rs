//! The one check policy: which schema version a document needs, and what in it a host would reject
//! (errors) or might reject (warnings). Generated metadata, no serialization.
//!
//! Errors are only what is **known** to fail on the target:
//! - a published item (type, field or enum value) whose version is newer than the target;
//! - an observed item whose source says which version (or build) introduced it, newer than the
//!   target's.
//!
//! Warnings, each naming its evidence, are what is not known either way:
//! - an observed item that no fact places at or before the target (its version is unknown, or
//!   known only for a newer host, or only as a Windows build when the target's build is not
//!   known);
//! - an item absent from the newest published schema (a release dropped it; the published files
//!   are trimmed, so that is not proof that Windows rejects it);
//! - a property or enum value that no source has.
//!
//! [`Policy::strict`] turns every warning into an error. Without a target (a host whose version
//! is not known), nothing is an error by version; observed items are warnings only when no fact
//! names any version or build for them.

use std::fmt;

use crate::{
    Availability, Evidence, EvidenceKind, FieldInfo, Observed, ObservedSource, Release,
    SchemaVersion, VariantInfo, Walk, Walker,
};

/// What a document is checked against, and how strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// The highest schema version the host accepts; `None` when it is not known.
    pub target: Option<SchemaVersion>,
    /// The host's Windows build, when known (observed evidence sometimes names only a build).
    pub build: Option<u32>,
    /// Every warning is an error.
    pub strict: bool,
}

impl Policy {
    /// Against a host of `version` (its highest supported schema version), default strictness.
    pub const fn target(version: SchemaVersion) -> Self {
        Self {
            target: Some(version),
            build: None,
            strict: false,
        }
    }

    /// Against a host whose version is not known.
    pub const fn unknown_target() -> Self {
        Self {
            target: None,
            build: None,
            strict: false,
        }
    }

    /// The same, for a host of Windows build `build`.
    #[must_use]
    pub const fn with_build(self, build: u32) -> Self {
        Self {
            build: Some(build),
            ..self
        }
    }

    /// The same, with every warning an error.
    #[must_use]
    pub const fn strict(self) -> Self {
        Self {
            strict: true,
            ..self
        }
    }
}

/// How bad a [`Finding`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Known to fail on the target (or a warning under [`Policy::strict`]).
    Error,
    /// Not known to work on the target; sent anyway unless strict.
    Warning,
}

/// Something in a document that a host of the target would, or might, not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// JSON path from the document root: `VirtualMachine.Devices.Scsi["0"].Attachments["0"].Type`;
    /// an enum value's path ends in `="Value"`.
    pub path: String,
    /// What it is.
    pub kind: FindingKind,
    /// Error or warning, by the policy.
    pub severity: Severity,
}

impl Finding {
    /// True for an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The kinds of [`Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// Known to need a newer schema version than the target (an error).
    NeedsVersion {
        /// The version it needs.
        needs: SchemaVersion,
        /// The observed fact that says so; `None` for a published item.
        evidence: Option<&'static Evidence>,
    },
    /// Known to need a newer Windows build than the target's (an error).
    NeedsBuild {
        /// The build it needs.
        needs: u32,
        /// The observed fact that says so.
        evidence: &'static Evidence,
    },
    /// Only observed sources have it, and none places it at or before the target (a warning).
    Observed {
        /// The sources and their evidence.
        observed: Observed,
    },
    /// Absent from the newest published schema: a release dropped it (a warning).
    Removed {
        /// The first release without it.
        removed_in: &'static Release,
        /// Observed sources that still have it.
        still_observed_in: &'static [&'static ObservedSource],
    },
    /// A property that no source has, kept in `unknown_properties` (a warning).
    UnknownProperty,
    /// An enum value that no source has (a warning).
    UnrecognizedValue {
        /// The value.
        value: String,
    },
}

fn names(sources: &[&ObservedSource]) -> String {
    sources
        .iter()
        .map(|s| s.name)
        .collect::<Vec<_>>()
        .join(" and ")
}

fn fact(evidence: &Evidence) -> String {
    let verb = match evidence.kind {
        EvidenceKind::Introduced => "introduced in",
        EvidenceKind::Accepted => "accepted by",
    };
    let what = match (evidence.version, evidence.build) {
        (Some(version), Some(build)) => format!("schema {version} and build {build}"),
        (Some(version), None) => format!("schema {version}"),
        (None, Some(build)) => format!("Windows build {build}"),
        (None, None) => "an unnamed version".to_owned(),
    };
    format!("{verb} {what} ({evidence})")
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = &self.path;
        match &self.kind {
            FindingKind::NeedsVersion {
                needs,
                evidence: None,
            } => {
                write!(f, "{path} needs schema {needs}")?;
                if let Some(windows) = needs.windows_release() {
                    write!(f, " ({})", windows.windows)?;
                }
                Ok(())
            }
            FindingKind::NeedsVersion {
                needs,
                evidence: Some(evidence),
            } => write!(
                f,
                "{path} needs schema {needs} (observed: {evidence}: {})",
                evidence.says
            ),
            FindingKind::NeedsBuild { needs, evidence } => write!(
                f,
                "{path} needs Windows build {needs} or later (observed: {evidence}: {})",
                evidence.says
            ),
            FindingKind::Observed { observed } => {
                write!(
                    f,
                    "{path} is in no published schema, only in {}",
                    names(observed.sources)
                )?;
                if observed.evidence.is_empty() {
                    f.write_str("; version unknown")
                } else {
                    let facts: Vec<String> = observed.evidence.iter().map(|e| fact(e)).collect();
                    write!(f, "; {}; not known for the target", facts.join("; "))
                }
            }
            FindingKind::Removed {
                removed_in,
                still_observed_in,
            } => {
                write!(
                    f,
                    "{path} is absent from the newest published schema (the {} files dropped it)",
                    removed_in.name
                )?;
                if !still_observed_in.is_empty() {
                    write!(f, "; {} still has it", names(still_observed_in))?;
                }
                Ok(())
            }
            FindingKind::UnknownProperty => {
                write!(
                    f,
                    "{path} is a property of no published schema and no observed source"
                )
            }
            FindingKind::UnrecognizedValue { value } => write!(
                f,
                "{path} = \"{value}\" is a value of no published schema and no observed source"
            ),
        }
    }
}

/// The lowest schema version known to have every field and enum value set in `document` (2.0 for
/// an empty document): published items' versions, and the versions observed sources say
/// introduced observed items. Items whose version is unknown do not raise it: see [`check`].
pub fn min_version(document: &dyn Walk) -> SchemaVersion {
    let mut walker = Checker::new(None);
    document.walk(&mut walker);
    walker.max
}

/// Everything in `document` that a host of `target` would reject (errors) or might reject
/// (warnings), by the default policy ([`Policy::target`]). A field reported as an error is not
/// looked into further.
pub fn check(document: &dyn Walk, target: SchemaVersion) -> Vec<Finding> {
    check_with(document, &Policy::target(target))
}

/// [`check`] with any [`Policy`].
pub fn check_with(document: &dyn Walk, policy: &Policy) -> Vec<Finding> {
    let mut walker = Checker::new(Some(*policy));
    document.walk(&mut walker);
    walker.findings
}

/// What the policy says about an item with `availability` itself (not its contents), as a finding
/// with an empty path: for the type of a whole document, say.
pub fn check_availability(availability: &Availability, policy: &Policy) -> Option<Finding> {
    let mut walker = Checker::new(Some(*policy));
    walker.judge(availability, None);
    walker.findings.pop()
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

    /// See [`check_with`].
    fn check_with_policy(&self, policy: &Policy) -> Vec<Finding> {
        check_with(self.as_walk(), policy)
    }

    #[doc(hidden)]
    fn as_walk(&self) -> &dyn Walk;
}

impl<T: Walk> VersionCheck for T {
    fn as_walk(&self) -> &dyn Walk {
        self
    }
}

/// What judging one item found.
enum Verdict {
    /// Nothing to report.
    Fine,
    /// A warning of this kind: its contents are still checked, without repeating the same kind
    /// of warning (the members of an observed type are observed too).
    Warned(Repeat),
    /// An error: its contents are not looked into.
    Failed,
}

/// The kinds of warning that a nested item would only repeat.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Repeat {
    Observed,
    Removed,
    None,
}

fn repeat_of(kind: &FindingKind) -> Repeat {
    match kind {
        FindingKind::Observed { .. } => Repeat::Observed,
        FindingKind::Removed { .. } => Repeat::Removed,
        _ => Repeat::None,
    }
}

struct Checker {
    path: String,
    policy: Option<Policy>,
    findings: Vec<Finding>,
    max: SchemaVersion,
    /// The warnings of the items the walk is inside: the same kind again would repeat them.
    quiet: Vec<Repeat>,
}

impl Checker {
    fn new(policy: Option<Policy>) -> Self {
        Self {
            path: String::new(),
            policy,
            findings: Vec::new(),
            max: SchemaVersion::new(2, 0),
            quiet: Vec::new(),
        }
    }

    fn at(&mut self, segment: fmt::Arguments<'_>, value: &dyn Walk) {
        let length = self.path.len();
        fmt::write(&mut self.path, segment).expect("writing to a String");
        value.walk(self);
        self.path.truncate(length);
    }

    fn dot(&self) -> &'static str {
        if self.path.is_empty() { "" } else { "." }
    }

    fn push(&mut self, path: String, kind: FindingKind, warning: bool) -> Verdict {
        let Some(policy) = self.policy else {
            return Verdict::Fine;
        };
        let repeat = repeat_of(&kind);
        if warning && repeat != Repeat::None && self.quiet.contains(&repeat) {
            return Verdict::Warned(repeat);
        }
        let severity = if warning && !policy.strict {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.findings.push(Finding {
            path,
            kind,
            severity,
        });
        if warning {
            Verdict::Warned(repeat)
        } else {
            Verdict::Failed
        }
    }

    /// Judges the item at the current path (`value`: an enum value's text).
    fn judge(&mut self, availability: &Availability, value: Option<&str>) -> Verdict {
        if let Some(since) = availability.since() {
            self.max = self.max.max(since);
        }
        let Some(policy) = self.policy else {
            return Verdict::Fine;
        };
        let path = match value {
            Some(value) => format!("{}=\"{value}\"", self.path),
            None => self.path.clone(),
        };
        match availability {
            Availability::Published(published) => {
                if policy.target.is_some_and(|target| published.since > target) {
                    let kind = FindingKind::NeedsVersion {
                        needs: published.since,
                        evidence: None,
                    };
                    return self.push(path, kind, false);
                }
                let removed = published.removed_in.filter(|removed_in| {
                    let dropped_at = removed_in.schema_versions.first();
                    match policy.target {
                        Some(target) => dropped_at.is_some_and(|v| *v <= target),
                        None => true,
                    }
                });
                match removed {
                    Some(removed_in) => {
                        let kind = FindingKind::Removed {
                            removed_in,
                            still_observed_in: published.still_observed_in,
                        };
                        self.push(path, kind, true)
                    }
                    None => Verdict::Fine,
                }
            }
            Availability::Observed(observed) => self.judge_observed(&policy, observed, path),
        }
    }

    fn judge_observed(&mut self, policy: &Policy, observed: &Observed, path: String) -> Verdict {
        for evidence in observed
            .evidence
            .iter()
            .filter(|e| e.kind == EvidenceKind::Introduced)
        {
            if let (Some(needs), Some(target)) = (evidence.version, policy.target) {
                if needs > target {
                    let kind = FindingKind::NeedsVersion {
                        needs,
                        evidence: Some(evidence),
                    };
                    return self.push(path, kind, false);
                }
            }
            if let (Some(needs), Some(build)) = (evidence.build, policy.build) {
                if needs > build {
                    let kind = FindingKind::NeedsBuild { needs, evidence };
                    return self.push(path, kind, false);
                }
            }
        }
        let known = match policy.target {
            // Without a target, any fact about its version will do.
            None if policy.build.is_none() => !observed.evidence.is_empty(),
            _ => observed.evidence.iter().any(|e| {
                let by_version = e
                    .version
                    .zip(policy.target)
                    .is_some_and(|(v, target)| v <= target);
                let by_build = e.build.zip(policy.build).is_some_and(|(b, host)| b <= host);
                by_version || by_build
            }),
        };
        if known {
            return Verdict::Fine;
        }
        let kind = FindingKind::Observed {
            observed: *observed,
        };
        self.push(path, kind, true)
    }

    /// Walks `value` after its item was judged.
    fn descend(&mut self, verdict: Verdict, value: &dyn Walk) {
        match verdict {
            Verdict::Fine => value.walk(self),
            Verdict::Warned(repeat) => {
                self.quiet.push(repeat);
                value.walk(self);
                self.quiet.pop();
            }
            Verdict::Failed => {}
        }
    }
}

impl Walker for Checker {
    fn field(&mut self, field: &'static FieldInfo, value: &dyn Walk) {
        let length = self.path.len();
        let dot = self.dot();
        self.path.push_str(dot);
        self.path.push_str(field.json_name);
        let verdict = self.judge(&field.availability, None);
        self.descend(verdict, value);
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
            None => {
                let kind = FindingKind::UnrecognizedValue {
                    value: value.to_owned(),
                };
                self.push(self.path.clone(), kind, true);
            }
        }
    }

    fn unknown_property(&mut self, name: &str, _: &serde_json::Value) {
        let dot = self.dot();
        let path = format!("{}{dot}{name}", self.path);
        self.push(path, FindingKind::UnknownProperty, true);
    }
}
