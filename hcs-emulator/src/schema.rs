//! Strict, schema-version-aware validation of the JSON documents callers pass in.
//!
//! Everything goes through one function, [`validate_document`]: it parses the text, deserializes
//! it into the `hcs-schema` type with `serde_path_to_error` (so a wrong JSON type, an integer out
//! of range or a malformed GUID carries the JSON path of the bad field), and then runs
//! `hcs_schema::check` against the highest schema version the emulator is configured to support:
//! a property no published schema has (HCS rejects unknown properties), a property or enum value
//! newer than that version, one removed by then, or an enum value no schema has, is an error
//! naming its path. A failure is a [`ValidationError`]; callers turn it into
//! `HCS_E_INVALID_JSON` and a `ResultError` document that names the field. A `SchemaVersion`
//! property above the supported version is rejected too.
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

/// Validates `json` as the `hcs-schema` type `T` under schema version `max` (the highest version
/// the emulator is configured to support).
pub fn validate_document<T>(json: &str, max: SchemaVersion) -> Result<T, ValidationError>
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

fn check_value<T>(value: &Value, max: SchemaVersion, prefix: &str) -> Result<T, ValidationError>
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
    let target = hcs_schema::SchemaVersion::new(
        u16::try_from(max.major).unwrap_or(u16::MAX),
        u16::try_from(max.minor).unwrap_or(u16::MAX),
    );
    if let Some(finding) = hcs_schema::check(&typed, target).into_iter().next() {
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
    max: SchemaVersion,
    path: &str,
) -> Result<(), ValidationError> {
    use hcs_schema as s;
    fn run<T: DeserializeOwned + Walk>(
        v: &Value,
        max: SchemaVersion,
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
    max: SchemaVersion,
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

    const V26: SchemaVersion = SchemaVersion::new(2, 6);

    fn named(t: &str, json: &str, max: SchemaVersion) -> Result<Value, ValidationError> {
        validate_named(t, json, max)
    }

    #[test]
    fn unknown_property_is_named() {
        let e = named(
            "ComputeSystem",
            r#"{"VirtualMachine":{"ComputeTopology":{"Memory":{"Backing":"Physical"}}}}"#,
            V26,
        )
        .unwrap_err();
        assert_eq!(e.path, "VirtualMachine.ComputeTopology.Memory.Backing");
    }

    #[test]
    fn version_limits_fields_and_values() {
        let doc = r#"{"Mechanism":"GuestConnection"}"#;
        assert!(named("ShutdownOptions", doc, V26).is_ok());
        let e = named("ShutdownOptions", doc, SchemaVersion::new(2, 4)).unwrap_err();
        assert_eq!(e.path, "Mechanism");
        let e = named(
            "ComputeSystem",
            r#"{"SchemaVersion":{"Major":2,"Minor":5}}"#,
            SchemaVersion::new(2, 1),
        )
        .unwrap_err();
        assert_eq!(e.path, "SchemaVersion");
    }

    #[test]
    fn types_and_enums() {
        let e = named(
            "Service_PropertyQuery",
            r#"{"PropertyTypes":["Memory"]}"#,
            V26,
        )
        .unwrap_err();
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
