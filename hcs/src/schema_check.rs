//! Checking documents against the schema versions the host supports, before sending them.
//!
//! HCS rejects a document that uses a field or enum value its schema version does not know with
//! an opaque `HCS_E_INVALID_JSON` (hcsshim issue 2714: a field sent to a Windows Server 2022 guest
//! broke a containerd release). The generated types know the version that introduced every field
//! and value, so the runtime checks every typed document against the host first and fails
//! locally, naming each offending JSON path and the version it needs.

use std::fmt;
use std::sync::Mutex;

use hcs_schema::{BasicInformation, Finding, SchemaVersion, ServiceProperties, Walk};

use crate::error::{Error, Result};
use crate::library::Hcs;

/// How typed documents are checked before they are sent (see [`Hcs::with_schema_check`]).
///
/// Raw-JSON (`_raw`) calls and the generic `_as` calls are never checked: they are the escape
/// hatches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaCheck {
    /// Against the highest schema version the host reports (`HcsGetServiceProperties`, queried
    /// once per loaded library and cached). The default.
    #[default]
    Host,
    /// Against this version, without asking the host.
    Version(SchemaVersion),
    /// Not at all: documents go to HCS as they are.
    Off,
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
    /// The version the document was checked against.
    pub target: SchemaVersion,
    /// Every field, value or unknown property the target does not accept, with its JSON path.
    pub findings: Vec<Finding>,
}

impl fmt::Display for SchemaVersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the document does not fit schema {}: ",
            self.operation, self.target
        )?;
        let findings: Vec<String> = self.findings.iter().map(ToString::to_string).collect();
        f.write_str(&findings.join("; "))?;
        f.write_str(
            " (nothing was sent; `Hcs::with_schema_check(SchemaCheck::Off)` sends it anyway)",
        )
    }
}

/// Supported versions per loaded library (keyed by its function table), queried once.
static CACHE: Mutex<Vec<(usize, SupportedSchemaVersions)>> = Mutex::new(Vec::new());

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
    /// asked once per loaded library and cached for the life of the process.
    pub fn supported_schema_versions(&self) -> Result<SupportedSchemaVersions> {
        let key = std::ptr::from_ref(self.api) as usize;
        let cached = CACHE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone());
        if let Some(versions) = cached {
            return Ok(versions);
        }
        let answer = self.service_properties_raw(Some(r#"{"PropertyTypes":["Basic"]}"#))?;
        let properties: ServiceProperties =
            hcs_schema::json::from_str(&answer).map_err(|e| Error::Document {
                operation: "HcsGetServiceProperties",
                message: e.to_string(),
                text: Some(answer.clone()),
            })?;
        let versions = SupportedSchemaVersions::from_service_properties(&properties)?;
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.iter().any(|(k, _)| *k == key) {
            cache.push((key, versions.clone()));
        }
        Ok(versions)
    }

    /// Checks a typed document as [`Hcs::schema_check`] says; the error lists every path the
    /// target version would reject.
    pub fn check_document(&self, operation: &'static str, document: &dyn Walk) -> Result<()> {
        let target = match self.schema_check {
            SchemaCheck::Off => return Ok(()),
            SchemaCheck::Version(version) => version,
            SchemaCheck::Host => self.supported_schema_versions()?.highest(),
        };
        let findings = hcs_schema::check(document, target);
        if findings.is_empty() {
            return Ok(());
        }
        crate::trace::schema_findings(operation, target, &findings);
        Err(Error::SchemaVersion(Box::new(SchemaVersionError {
            operation,
            target,
            findings,
        })))
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
