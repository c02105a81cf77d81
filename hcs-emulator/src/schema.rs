//! Schema-version-aware validation of the JSON documents callers pass in.
//!
//! Everything goes through one function, [`validate_document`]: it parses the text, deserializes
//! it into the `hcs-schema` type with `serde_path_to_error` (so a wrong JSON type, an integer out
//! of range or a malformed GUID carries the JSON path of the bad field), and then runs
//! `hcs_schema::check_with` against the highest schema version the emulator is configured to
//! support, with the same policy as the runtime and the CLI: by default only what is known to fail
//! there is rejected (a published property or enum value newer than that version, an observed one
//! whose source says a newer version introduced it); observed items of unknown version, items the
//! newest published schema lacks, and properties or values no source has are accepted, as a real
//! host may well accept them. With [`Acceptance::strict`] (`HcsEmulatorConfigure`
//! `"SchemaCheck": "Strict"`) those are rejected too. A failure is a [`ValidationError`]; callers
//! turn it into `HCS_E_INVALID_JSON` and a `ResultError` document that names the field. A
//! `SchemaVersion` property above the supported version is rejected too.
//!
//! [`validate_value_at`] does the same for payloads whose type depends on a sibling field
//! (`ModifySettingRequest.Settings`), by schema type name.

use std::fmt;

use hcs_schema::Walk;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A schema version (`Major.Minor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SchemaVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl SchemaVersion {
    /// `Major.Minor`.
    pub const fn new(major: u32, minor: u32) -> Self {
        SchemaVersion { major, minor }
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// What the emulated host accepts: documents up to its highest schema version, judged by the
/// default policy of `hcs_schema::check`, or strictly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acceptance {
    /// The highest supported schema version.
    pub max: SchemaVersion,
    /// Reject the check's warnings too (observed items of unknown version, items the newest
    /// published schema lacks, properties and values no source has).
    pub strict: bool,
}

impl Acceptance {
    /// The default policy for a host of `max`.
    pub const fn new(max: SchemaVersion) -> Self {
        Self { max, strict: false }
    }

    fn policy(self) -> hcs_schema::Policy {
        let target = hcs_schema::SchemaVersion::new(
            u16::try_from(self.max.major).unwrap_or(u16::MAX),
            u16::try_from(self.max.minor).unwrap_or(u16::MAX),
        );
        let policy = hcs_schema::Policy::target(target);
        if self.strict { policy.strict() } else { policy }
    }
}

/// A document that failed validation: where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationError {
    /// The JSON path of the bad value (`VirtualMachine.ComputeTopology.Memory.Backing`,
    /// `PropertyTypes[0]`; empty for the document itself).
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Validates `json` as the `hcs-schema` type `T` for a host that accepts `max`.
pub fn validate_document<T>(json: &str, max: Acceptance) -> Result<T, ValidationError>
where
    T: DeserializeOwned + Walk,
{
    let de = &mut serde_json::Deserializer::from_str(json);
    let value: Value = serde_path_to_error::deserialize(de).map_err(|e| ValidationError {
        path: String::new(),
        message: format!("not valid JSON: {}", e.inner()),
    })?;
    check_value::<T>(&value, max, "")
}

fn check_value<T>(value: &Value, accept: Acceptance, prefix: &str) -> Result<T, ValidationError>
where
    T: DeserializeOwned + Walk,
{
    let typed: T = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        ValidationError {
            path: join(prefix, &path),
            message: e.inner().to_string(),
        }
    })?;
    let max = accept.max;
    let findings = hcs_schema::check_with(&typed, &accept.policy());
    if let Some(finding) = findings.into_iter().find(hcs_schema::Finding::is_error) {
        let message = finding.to_string();
        let message = message
            .strip_prefix(finding.path.as_str())
            .map(|m| m.trim_start_matches([' ', '=']).to_string())
            .unwrap_or(message);
        return Err(ValidationError {
            path: join(prefix, &finding.path),
            message: format!("{message} (supported schema: {max})"),
        });
    }
    if let Some(v) = value.get("SchemaVersion").filter(|v| v.is_object()) {
        let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0) as u32;
        let version = SchemaVersion::new(n("Major"), n("Minor"));
        if version.major != max.major || version.minor > max.minor {
            return Err(ValidationError {
                path: join(prefix, "SchemaVersion"),
                message: format!("schema version {version} is not supported (supported: {max})"),
            });
        }
    }
    Ok(typed)
}

/// Validates an already parsed value as the schema type named `type_name` (schema spelling,
/// e.g. `System_PropertyQuery`); `path` prefixes the paths in errors. A name the emulator does
/// not map is accepted as any JSON value.
pub fn validate_value_at(
    type_name: &str,
    value: &Value,
    max: Acceptance,
    path: &str,
) -> Result<(), ValidationError> {
    use hcs_schema as s;
    fn run<T: DeserializeOwned + Walk>(
        v: &Value,
        max: Acceptance,
        p: &str,
    ) -> Result<(), ValidationError> {
        check_value::<T>(v, max, p).map(drop)
    }
    match type_name {
        "ComputeSystem" => run::<s::ComputeSystem>(value, max, path),
        "ProcessParameters" => run::<s::ProcessParameters>(value, max, path),
        "ProcessModifyRequest" => run::<s::ProcessModifyRequest>(value, max, path),
        "SignalProcessOptions" => run::<s::SignalProcessOptions>(value, max, path),
        "System_PropertyQuery" => run::<s::SystemPropertyQuery>(value, max, path),
        "Service_PropertyQuery" => run::<s::ServicePropertyQuery>(value, max, path),
        "SystemQuery" => run::<s::SystemQuery>(value, max, path),
        "ModifySettingRequest" => run::<s::ModifySettingRequest>(value, max, path),
        "ShutdownOptions" => run::<s::ShutdownOptions>(value, max, path),
        "PauseOptions" => run::<s::PauseOptions>(value, max, path),
        "SaveOptions" => run::<s::SaveOptions>(value, max, path),
        "CrashOptions" => run::<s::CrashOptions>(value, max, path),
        "ModificationRequest" => run::<s::ModificationRequest>(value, max, path),
        "HostProcessorModificationRequest" => {
            run::<s::HostProcessorModificationRequest>(value, max, path)
        }
        "ContainerCredentialGuardOperationRequest" => {
            run::<s::ContainerCredentialGuardOperationRequest>(value, max, path)
        }
        "CreateGroupOperation" => run::<s::CreateGroupOperation>(value, max, path),
        "DeleteGroupOperation" => run::<s::DeleteGroupOperation>(value, max, path),
        "SetPropertyOperation" => run::<s::SetPropertyOperation>(value, max, path),
        "ContainerCredentialGuardAddInstanceRequest" => {
            run::<s::ContainerCredentialGuardAddInstanceRequest>(value, max, path)
        }
        "ContainerCredentialGuardRemoveInstanceRequest" => {
            run::<s::ContainerCredentialGuardRemoveInstanceRequest>(value, max, path)
        }
        "CrashReport" => run::<s::CrashReport>(value, max, path),
        "LayerData" => run::<s::LayerData>(value, max, path),
        "OsLayerOptions" => run::<s::OsLayerOptions>(value, max, path),
        "ExportLayerOptions" => run::<s::ExportLayerOptions>(value, max, path),
        "Attachment" => run::<s::Attachment>(value, max, path),
        "NetworkAdapter" => run::<s::NetworkAdapter>(value, max, path),
        "VirtualSmbShare" => run::<s::VirtualSmbShare>(value, max, path),
        "Plan9Share" => run::<s::Plan9Share>(value, max, path),
        "CombinedLayers" => run::<s::CombinedLayers>(value, max, path),
        "GuestModifySettingRequest" => run::<s::GuestModifySettingRequest>(value, max, path),
        "MappedDirectory" => run::<s::MappedDirectory>(value, max, path),
        "ConsoleSize" => run::<s::ConsoleSize>(value, max, path),
        "u64" => value.as_u64().map(drop).ok_or_else(|| ValidationError {
            path: path.to_string(),
            message: "expected an unsigned integer".into(),
        }),
        "u32" => value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .map(drop)
            .ok_or_else(|| ValidationError {
                path: path.to_string(),
                message: "expected a 32-bit unsigned integer".into(),
            }),
        _ => Ok(()),
    }
}

/// Validates `json` as the schema type named `type_name` and returns it as a JSON value.
pub fn validate_named(
    type_name: &str,
    json: &str,
    max: Acceptance,
) -> Result<Value, ValidationError> {
    let de = &mut serde_json::Deserializer::from_str(json);
    let value: Value = serde_path_to_error::deserialize(de).map_err(|e| ValidationError {
        path: String::new(),
        message: format!("not valid JSON: {}", e.inner()),
    })?;
    validate_value_at(type_name, &value, max, "")?;
    Ok(value)
}

fn join(path: &str, key: &str) -> String {
    match (path.is_empty(), key.is_empty()) {
        (_, true) => path.to_string(),
        (true, false) => key.to_string(),
        (false, false) if key.starts_with('[') => format!("{path}{key}"),
        (false, false) => format!("{path}.{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V26: Acceptance = Acceptance::new(SchemaVersion::new(2, 6));
    const STRICT_V26: Acceptance = Acceptance {
        max: SchemaVersion::new(2, 6),
        strict: true,
    };

    fn at(major: u32, minor: u32) -> Acceptance {
        Acceptance::new(SchemaVersion::new(major, minor))
    }

    fn named(t: &str, json: &str, max: Acceptance) -> Result<Value, ValidationError> {
        validate_named(t, json, max)
    }

    #[test]
    fn only_what_is_known_to_fail_is_rejected_by_default() {
        // `Memory.Backing` is observed (Microsoft's own client sends it), not published, and in
        // Windows Server 2022's own schema (2.5): known to work on 2.6, even when strict.
        let doc = r#"{"VirtualMachine":{"ComputeTopology":{"Memory":{"Backing":"Physical"}}}}"#;
        assert!(named("ComputeSystem", doc, STRICT_V26).is_ok());
        // `ResourcePartitionId` is observed with no version anywhere: a warning, so accepted by
        // default and rejected when strict, naming the path.
        let doc = r#"{"VirtualMachine":{"ResourcePartitionId":"p"}}"#;
        assert!(named("ComputeSystem", doc, V26).is_ok());
        let e = named("ComputeSystem", doc, STRICT_V26).unwrap_err();
        assert_eq!(e.path, "VirtualMachine.ResourcePartitionId");
        // A property no source has: the same.
        let doc = r#"{"VirtualMachine":{"NoSuchThing":1}}"#;
        assert!(named("ComputeSystem", doc, V26).is_ok());
        let e = named("ComputeSystem", doc, STRICT_V26).unwrap_err();
        assert_eq!(e.path, "VirtualMachine.NoSuchThing");
        // hcsshim#2714: `FilterType` came with schema 2.9; a 2.5 host rejects it.
        let doc = r#"{"Layers":[],"FilterType":"WCIFS"}"#;
        let e = named("CombinedLayers", doc, at(2, 5)).unwrap_err();
        assert_eq!(e.path, "FilterType");
        assert!(e.message.contains("2.9"), "{e}");
    }

    #[test]
    fn version_limits_fields_and_values() {
        let doc = r#"{"Mechanism":"GuestConnection"}"#;
        assert!(named("ShutdownOptions", doc, V26).is_ok());
        let e = named("ShutdownOptions", doc, at(2, 4)).unwrap_err();
        assert_eq!(e.path, "Mechanism");
        let e = named(
            "ComputeSystem",
            r#"{"SchemaVersion":{"Major":2,"Minor":5}}"#,
            at(2, 1),
        )
        .unwrap_err();
        assert_eq!(e.path, "SchemaVersion");
    }

    #[test]
    fn types_and_enums() {
        // "Memory" is a service property type the published files dropped in 20H2 (and
        // Windows Server 2022's own schema still has): accepted unless strict.
        let doc = r#"{"PropertyTypes":["Memory"]}"#;
        assert!(named("Service_PropertyQuery", doc, V26).is_ok());
        let e = named("Service_PropertyQuery", doc, STRICT_V26).unwrap_err();
        assert!(e.path.starts_with("PropertyTypes[0]"), "{e}");
        let e = named("ConsoleSize", r#"{"Height":70000}"#, V26).unwrap_err();
        assert_eq!(e.path, "Height");
        let e = named("ProcessParameters", "{", V26).unwrap_err();
        assert!(e.message.contains("not valid JSON"));
        let e = validate_value_at(
            "Attachment",
            &serde_json::json!({"Type": 3}),
            V26,
            "Settings",
        )
        .unwrap_err();
        assert_eq!(e.path, "Settings.Type");
        let typed: hcs_schema::ProcessParameters =
            validate_document(r#"{"CommandLine":"exit 1"}"#, V26).unwrap();
        assert_eq!(typed.command_line.as_deref(), Some("exit 1"));
    }
}
