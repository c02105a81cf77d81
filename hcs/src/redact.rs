//! Redaction of the HCS document fields that can carry secrets, applied to
//! every document the `tracing` feature records (and usable on its own).
//!
//! The rule works on the JSON structure, never on the text: a document is
//! parsed, every property named below is replaced at any depth (names
//! compared ASCII case-insensitively, as HCS reads them), and the result is
//! serialized again. Text that is not JSON cannot be redacted field by field,
//! so it is withheld whole.
//!
//! | property | schema type | why |
//! |---|---|---|
//! | `CredentialSpec` | `ContainerCredentialGuardState`, `ContainerCredentialGuardAddInstanceRequest` | the gMSA credential spec of a container |
//! | `Cookie` | `ContainerCredentialGuardState` | the authentication cookie of a Container Credential Guard instance |
//! | `Environment` | `ProcessParameters` | environment variables: each value is redacted, the names are kept |
//! | `StringValue`, `BinaryValue`, `DWordValue`, `QWordValue` | `RegistryValue` (in `RegistryChanges.AddValues`) | registry value data; the key, name and type are kept |
//! | `data_string`, `data_multistring`, `data_binary`, `data_dword` | `RegistryMakeValue` (in `Namespace.registry`) | registry value data of a container's registry namespace |
//!
//! Not redacted: `CommandLine` (`ProcessParameters`): it is what an operator
//! needs most when a process fails, so do not put secrets on command lines
//! (pass them in `Environment`).

use serde_json::Value;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Properties whose whole value is replaced with [`REDACTED`].
pub const SECRET_PROPERTIES: &[&str] = &[
    "CredentialSpec",
    "Cookie",
    "StringValue",
    "BinaryValue",
    "DWordValue",
    "QWordValue",
    "data_string",
    "data_multistring",
    "data_binary",
    "data_dword",
];

/// Map properties whose every value is replaced with [`REDACTED`], keeping
/// the keys (a value that is not a map is replaced whole).
pub const SECRET_MAPS: &[&str] = &["Environment"];

/// Redacts a JSON document: the secret properties replaced as the module
/// documentation lists; text that does not parse as JSON is withheld whole
/// (`<N characters withheld: not JSON, cannot be redacted>`).
pub fn redact_document(text: &str) -> String {
    // Fast path: when no secret property name occurs anywhere in the text,
    // redaction changes nothing; the text only has to be valid JSON (checked
    // without building a tree).
    if !mentions_a_secret(text) && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
        return text.to_owned();
    }
    match serde_json::from_str::<Value>(text) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        Err(_) => format!(
            "<{} characters withheld: not JSON, cannot be redacted>",
            text.chars().count()
        ),
    }
}

/// Redacts a parsed document in place (see [`redact_document`]).
pub fn redact_value(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (name, value) in map.iter_mut() {
                if is_one_of(name, SECRET_PROPERTIES) {
                    *value = Value::from(REDACTED);
                } else if is_one_of(name, SECRET_MAPS) {
                    match value {
                        Value::Object(entries) => {
                            for entry in entries.values_mut() {
                                *entry = Value::from(REDACTED);
                            }
                        }
                        Value::Null => {}
                        other => *other = Value::from(REDACTED),
                    }
                } else {
                    redact_value(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// True when a name of [`SECRET_PROPERTIES`] or [`SECRET_MAPS`] occurs in
/// the text in any case (so a property with that name may).
fn mentions_a_secret(text: &str) -> bool {
    static LOWERCASE: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let names = LOWERCASE.get_or_init(|| {
        SECRET_PROPERTIES
            .iter()
            .chain(SECRET_MAPS)
            .map(|name| name.to_ascii_lowercase())
            .collect()
    });
    let text = text.to_ascii_lowercase();
    names.iter().any(|name| text.contains(name.as_str()))
}

fn is_one_of(name: &str, names: &[&str]) -> bool {
    names.iter().any(|known| known.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redacted(value: Value) -> Value {
        serde_json::from_str(&redact_document(&value.to_string())).unwrap()
    }

    #[test]
    fn environment_values_go_and_names_stay() {
        let out = redacted(json!({
            "CommandLine": "cmd /c echo hi",
            "Environment": { "PATH": "C:\\Windows", "API_TOKEN": "s3cr3t" }
        }));
        assert_eq!(
            out,
            json!({
                "CommandLine": "cmd /c echo hi",
                "Environment": { "PATH": REDACTED, "API_TOKEN": REDACTED }
            })
        );
    }

    #[test]
    fn secrets_are_found_at_any_depth_and_in_any_case() {
        let out = redacted(json!({
            "Container": {
                "ContainerCredentialGuard": {
                    "Cookie": "AAEC", "RpcEndpoint": "ccg", "CredentialSpec": "{\"CmsPlugins\":[]}"
                },
                "RegistryChanges": { "AddValues": [{
                    "Key": { "Hive": "System", "Name": "Software\\App" },
                    "Name": "Password", "Type": "String", "StringValue": "hunter2"
                }]}
            },
            "Settings": { "credentialspec": "x", "QWORDVALUE": 7 },
            "registry": { "hivestack": [{ "mkkey": [{ "mkvalue": [
                { "name": "v", "data_string": "secret", "data_dword": 5 }
            ]}]}]}
        }));
        let guard = &out["Container"]["ContainerCredentialGuard"];
        assert_eq!(guard["Cookie"], REDACTED);
        assert_eq!(guard["CredentialSpec"], REDACTED);
        assert_eq!(guard["RpcEndpoint"], "ccg");
        let value = &out["Container"]["RegistryChanges"]["AddValues"][0];
        assert_eq!(value["StringValue"], REDACTED);
        assert_eq!(value["Name"], "Password");
        assert_eq!(value["Key"]["Name"], "Software\\App");
        assert_eq!(
            out["Settings"],
            json!({ "credentialspec": REDACTED, "QWORDVALUE": REDACTED })
        );
        let made = &out["registry"]["hivestack"][0]["mkkey"][0]["mkvalue"][0];
        assert_eq!(
            made,
            &json!({ "name": "v", "data_string": REDACTED, "data_dword": REDACTED })
        );
    }

    #[test]
    fn documents_without_secrets_come_back_as_they_were() {
        let text = r#"{"Owner":"x","VirtualMachine":{"Chipset":{"Uefi":{}}},"B":1.5}"#;
        assert_eq!(redact_document(text), text);
        // A secret name in a value (not a property) takes the full path and
        // changes nothing either.
        let text = r#"{"Owner":"Environment"}"#;
        assert_eq!(redact_document(text), text);
        assert!(redact_document(r#"{"Owner":"x""#).contains("withheld"));
    }

    #[test]
    fn text_that_is_not_json_is_withheld() {
        let out = redact_document("{\"Environment\": {\"A\": \"secret\"");
        assert!(!out.contains("secret"), "{out}");
        assert!(out.contains("withheld"), "{out}");
        assert_eq!(redact_document("null"), "null");
        assert_eq!(
            redact_document(r#"{"Environment":"A=secret"}"#),
            format!(r#"{{"Environment":"{REDACTED}"}}"#)
        );
    }
}
