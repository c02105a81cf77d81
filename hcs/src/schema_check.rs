//! Checking documents against the schema versions the host supports, before sending them.
//!
//! HCS rejects a document that uses a field or enum value its schema version does not know with
//! an opaque `HCS_E_INVALID_JSON` (hcsshim issue 2714: `CombinedLayers.FilterType`, new in schema
//! 2.9, sent to a Windows Server 2022 guest, broke a containerd release). The generated types know
//! the version that introduced every published field and value, and what observed sources say
//! about the rest, so the runtime checks every typed document against the host first, with the
//! one policy of `hcs_schema::check`: what is **known** to fail there is refused locally, naming
//! each JSON path and the version it needs (and its evidence); what is not known either way
//! (observed items of unknown version, items the newest published file lacks, properties no
//! source has) is sent, and returned as warnings ([`SchemaCheckReport`]). The strict checks
//! refuse those too.
//!
//! **Fallback.** When `HcsGetServiceProperties` fails, or its answer has no
//! `SupportedSchemaVersions`, the host's version is unknown: typed calls are not refused for it.
//! [`SchemaCheck::Host`] then checks without a target (nothing is an error by version; observed
//! items with no version facts at all are warnings), [`SchemaCheck::StrictHost`] refuses only
//! warnings, and the report says why the target is unknown. The answer (or the failure) is asked
//! once per loaded library and cached.

use std::fmt;
use std::sync::Mutex;

use hcs_schema::{BasicInformation, Finding, Policy, SchemaVersion, ServiceProperties, Walk};

use crate::error::{Error, Result};
use crate::library::Hcs;

/// How typed documents are checked before they are sent (see [`Hcs::with_schema_check`]).
///
/// Raw-JSON (`_raw`) calls and the generic `_as` calls are never checked: they are the escape
/// hatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaCheck {
    /// Against the highest schema version the host reports (`HcsGetServiceProperties`, queried
    /// once per loaded library and cached): only what is known to fail there is refused. The
    /// default. If the host's versions cannot be had, see the module's fallback.
    #[default]
    Host,
    /// Against this version, without asking the host: only what is known to fail is refused.
    Version(SchemaVersion),
    /// Like [`SchemaCheck::Host`], and warnings are refused too: observed items not known for
    /// the host, items the newest published schema lacks, properties and values no source has.
    StrictHost,
    /// Like [`SchemaCheck::Version`], and warnings are refused too.
    StrictVersion(SchemaVersion),
    /// Against this policy, without asking the host: a version and, when the caller knows it, the
    /// host's Windows build, so that evidence naming only a build counts (a shim on Windows
    /// Server 2025, build 26100, sends vNUMA and live-migration settings, which hcsshim's
    /// evidence places at that build, without warnings, even under a strict policy). The
    /// host's version is [`Hcs::supported_schema_versions`]; `target: None` checks as the
    /// fallback does.
    Policy(Policy),
    /// Not at all: documents go to HCS as they are.
    Off,
}

impl SchemaCheck {
    fn strict(self) -> bool {
        match self {
            SchemaCheck::StrictHost | SchemaCheck::StrictVersion(_) => true,
            SchemaCheck::Policy(policy) => policy.strict,
            SchemaCheck::Host | SchemaCheck::Version(_) | SchemaCheck::Off => false,
        }
    }
}

/// What checking a document found short of refusing it (returned by [`Hcs::check_document`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SchemaCheckReport {
    /// The version the document was checked against; `None` when the check is off, or when the
    /// host's versions could not be had (the fallback).
    pub target: Option<SchemaVersion>,
    /// Why the host's versions are unknown, when they are.
    pub host_unknown: Option<String>,
    /// The warnings: sent anyway (under a strict check they are errors and nothing is sent).
    pub warnings: Vec<Finding>,
}

/// The schema versions a host supports, from `BasicInformation.SupportedSchemaVersions`.
///
/// Each reported version `A.X` means `A.0` through `A.X`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportedSchemaVersions {
    newest: Vec<SchemaVersion>,
}

impl SupportedSchemaVersions {
    /// From the reported versions (`A.X` meaning `A.0` to `A.X`).
    pub fn new(reported: impl IntoIterator<Item = SchemaVersion>) -> Self {
        let mut newest: Vec<SchemaVersion> = reported.into_iter().collect();
        newest.sort();
        newest.dedup();
        Self { newest }
    }

    /// Reads a `ServiceProperties` document answering a `Basic` query.
    pub fn from_service_properties(properties: &ServiceProperties) -> Result<Self> {
        let mut reported = Vec::new();
        for value in properties.properties.iter().flatten() {
            let Ok(basic) = serde_json::from_value::<BasicInformation>(value.clone()) else {
                continue;
            };
            for version in basic.supported_schema_versions.iter().flatten() {
                if let (Some(major), Some(minor)) = (version.major, version.minor) {
                    let major = u16::try_from(major).unwrap_or(u16::MAX);
                    let minor = u16::try_from(minor).unwrap_or(u16::MAX);
                    reported.push(SchemaVersion::new(major, minor));
                }
            }
        }
        if reported.is_empty() {
            return Err(Error::Document {
                operation: "HcsGetServiceProperties",
                message: "the host reported no SupportedSchemaVersions".to_owned(),
                text: serde_json::to_string(properties).ok(),
            });
        }
        Ok(Self::new(reported))
    }

    /// True when the host supports `version`.
    pub fn supports(&self, version: SchemaVersion) -> bool {
        self.newest
            .iter()
            .any(|newest| newest.major == version.major && version.minor <= newest.minor)
    }

    /// The highest supported version.
    pub fn highest(&self) -> SchemaVersion {
        self.newest.last().copied().unwrap_or(SchemaVersion::V2_0)
    }

    /// The reported versions, oldest first.
    pub fn reported(&self) -> &[SchemaVersion] {
        &self.newest
    }
}

impl fmt::Display for SupportedSchemaVersions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listed: Vec<String> = self
            .newest
            .iter()
            .map(|v| format!("{}.0-{v}", v.major))
            .collect();
        f.write_str(&listed.join(", "))
    }
}

/// A document a host would reject: what [`Error::SchemaVersion`] carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaVersionError {
    /// The HCS function the document was for.
    pub operation: &'static str,
    /// The version the document was checked against (`None`: the host's could not be had, and a
    /// strict check refused warnings).
    pub target: Option<SchemaVersion>,
    /// Every finding, with its JSON path: the errors (what the target is known to reject, or
    /// under a strict check anything not known to work), then the warnings.
    pub findings: Vec<Finding>,
}

impl fmt::Display for SchemaVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.target {
            Some(target) => write!(
                f,
                "{}: the document does not fit schema {target}: ",
                self.operation
            )?,
            None => write!(
                f,
                "{}: the document is not known to fit the host (its schema version is unknown): ",
                self.operation
            )?,
        }
        let findings: Vec<String> = self
            .findings
            .iter()
            .filter(|finding| finding.is_error())
            .map(ToString::to_string)
            .collect();
        f.write_str(&findings.join("; "))?;
        f.write_str(
            " (nothing was sent; `Hcs::with_schema_check(SchemaCheck::Off)` sends it anyway)",
        )
    }
}

/// Supported versions per loaded library (keyed by its function table), queried once; a failure
/// is kept as its message.
static CACHE: Mutex<Vec<(usize, std::result::Result<SupportedSchemaVersions, String>)>> =
    Mutex::new(Vec::new());

impl Hcs {
    /// A copy that checks typed documents as `check` says (the default is [`SchemaCheck::Host`]).
    #[must_use]
    pub fn with_schema_check(self, check: SchemaCheck) -> Hcs {
        let mut hcs = self;
        hcs.schema_check = check;
        hcs
    }

    /// How this instance checks documents.
    pub fn schema_check(&self) -> SchemaCheck {
        self.schema_check
    }

    /// The schema versions the host supports: `HcsGetServiceProperties` with a `Basic` query,
    /// asked once per loaded library and cached for the life of the process (a failure too: it
    /// is returned again, as [`Error::Document`], without asking again).
    pub fn supported_schema_versions(&self) -> Result<SupportedSchemaVersions> {
        let key = std::ptr::from_ref(self.api) as usize;
        let cached = CACHE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone());
        let outcome = match cached {
            Some(outcome) => outcome,
            None => {
                let outcome = self
                    .query_supported_schema_versions()
                    .map_err(|e| e.to_string());
                let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
                if !cache.iter().any(|(k, _)| *k == key) {
                    cache.push((key, outcome.clone()));
                }
                outcome
            }
        };
        outcome.map_err(|message| Error::Document {
            operation: "HcsGetServiceProperties",
            message,
            text: None,
        })
    }

    fn query_supported_schema_versions(&self) -> Result<SupportedSchemaVersions> {
        let answer = self.service_properties_raw(Some(r#"{"PropertyTypes":["Basic"]}"#))?;
        let properties: ServiceProperties =
            hcs_schema::json::from_str(&answer).map_err(|e| Error::Document {
                operation: "HcsGetServiceProperties",
                message: e.to_string(),
                text: Some(answer.clone()),
            })?;
        SupportedSchemaVersions::from_service_properties(&properties)
    }

    /// Checks a typed document as [`Hcs::schema_check`] says. An error lists every path the
    /// target is known to reject (and, under a strict check, every warning); otherwise the
    /// report has the warnings, and the target (`None` under the fallback, with the reason).
    pub fn check_document(
        &self,
        operation: &'static str,
        document: &dyn Walk,
    ) -> Result<SchemaCheckReport> {
        let mut report = SchemaCheckReport::default();
        let target = match self.schema_check {
            SchemaCheck::Off => return Ok(report),
            SchemaCheck::Version(version) | SchemaCheck::StrictVersion(version) => Some(version),
            SchemaCheck::Policy(policy) => policy.target,
            SchemaCheck::Host | SchemaCheck::StrictHost => match self.supported_schema_versions() {
                Ok(versions) => Some(versions.highest()),
                Err(error) => {
                    report.host_unknown = Some(error.to_string());
                    None
                }
            },
        };
        let build = match self.schema_check {
            SchemaCheck::Policy(policy) => policy.build,
            _ => None,
        };
        let policy = Policy {
            target,
            build,
            strict: self.schema_check.strict(),
        };
        let findings = hcs_schema::check_with(document, &policy);
        crate::trace::schema_findings(operation, target, &findings);
        report.target = target;
        if findings.iter().any(Finding::is_error) {
            let mut findings = findings;
            findings.sort_by_key(|f| f.severity);
            return Err(Error::SchemaVersion(Box::new(SchemaVersionError {
                operation,
                target,
                findings,
            })));
        }
        report.warnings = findings;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reported_version_covers_its_minor_versions() {
        let versions =
            SupportedSchemaVersions::new([SchemaVersion::V2_1, SchemaVersion::new(1, 0)]);
        assert!(versions.supports(SchemaVersion::V2_0));
        assert!(versions.supports(SchemaVersion::V2_1));
        assert!(!versions.supports(SchemaVersion::V2_2));
        assert!(versions.supports(SchemaVersion::new(1, 0)));
        assert_eq!(versions.highest(), SchemaVersion::V2_1);
        assert_eq!(versions.to_string(), "1.0-1.0, 2.0-2.1");
    }

    #[test]
    fn versions_come_from_basic_information() {
        let properties: ServiceProperties = serde_json::from_str(
            r#"{"Properties":[{"SupportedSchemaVersions":[{"Major":2,"Minor":3},{"Major":2,"Minor":1}]}]}"#,
        )
        .unwrap();
        let versions = SupportedSchemaVersions::from_service_properties(&properties).unwrap();
        assert_eq!(versions.highest(), SchemaVersion::V2_3);
        let empty: ServiceProperties = serde_json::from_str(r#"{"Properties":[{}]}"#).unwrap();
        assert!(SupportedSchemaVersions::from_service_properties(&empty).is_err());
    }
}
