//! Every generated schema type, found by name at run time.

use hcs_schema::{Availability, FieldInfo, SchemaType, VariantInfo, Walk};
use serde::de::DeserializeOwned;

/// A parse failure with the JSON path where it happened.
pub type PathError = serde_path_to_error::Error<serde_json::Error>;

/// One generated type: its names, version facts, and how to parse and describe it.
pub struct TypeEntry {
    /// The Rust name (`SystemPropertyQuery`).
    pub rust_name: &'static str,
    /// The newest schema name (`System_PropertyQuery`).
    pub schema_name: &'static str,
    /// Names older releases used (`PropertyQuery_2`).
    pub former_names: &'static [&'static str],
    /// When the type exists.
    pub availability: Availability,
    /// The fields (structs).
    pub fields: &'static [FieldInfo],
    /// The variants (enums).
    pub variants: &'static [VariantInfo],
    /// Parses a JSON value as this type.
    pub parse: fn(&serde_json::Value) -> Result<Box<dyn Walk>, PathError>,
    /// The JSON Schema of this type.
    pub json_schema: fn() -> schemars::Schema,
}

fn parse<T: DeserializeOwned + Walk + 'static>(
    value: &serde_json::Value,
) -> Result<Box<dyn Walk>, PathError> {
    serde_path_to_error::deserialize::<_, T>(value).map(|doc| Box::new(doc) as Box<dyn Walk>)
}

fn json_schema<T: schemars::JsonSchema>() -> schemars::Schema {
    schemars::SchemaGenerator::default().into_root_schema_for::<T>()
}

macro_rules! registry {
    ($($ty:ident),* $(,)?) => {
        &[$(TypeEntry {
            rust_name: stringify!($ty),
            schema_name: <hcs_schema::$ty as SchemaType>::SCHEMA_NAME,
            former_names: <hcs_schema::$ty as SchemaType>::FORMER_NAMES,
            availability: <hcs_schema::$ty as SchemaType>::AVAILABILITY,
            fields: <hcs_schema::$ty as SchemaType>::FIELDS,
            variants: <hcs_schema::$ty as SchemaType>::VARIANTS,
            parse: parse::<hcs_schema::$ty>,
            json_schema: json_schema::<hcs_schema::$ty>,
        }),*]
    };
}

/// Every generated type, in the order of `for_each_schema_type!` (by Rust name). Removed types
/// are deprecated; they are listed all the same.
#[allow(deprecated)]
pub static TYPES: &[TypeEntry] = hcs_schema::for_each_schema_type!(registry);

/// The type called `name`: its schema name, Rust name or a former name, case-sensitively.
/// On a miss (or an ambiguous name), the error says what was meant.
pub fn find(name: &str) -> Result<&'static TypeEntry, String> {
    let matches: Vec<&TypeEntry> = TYPES
        .iter()
        .filter(|t| t.schema_name == name || t.rust_name == name || t.former_names.contains(&name))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => {
            let close = suggestions(name);
            let mut message = format!("no schema type `{name}`");
            if !close.is_empty() {
                message.push_str(&format!("; did you mean {}?", quoted_list(&close)));
            }
            message.push_str(" (`hcs-schema types` lists them all)");
            Err(message)
        }
        many => {
            let names: Vec<&str> = many.iter().map(|t| t.schema_name).collect();
            Err(format!(
                "`{name}` names several schema types: {}",
                quoted_list(&names)
            ))
        }
    }
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Up to five names close to `name` (case-insensitive edit distance, or containment).
fn suggestions(name: &str) -> Vec<&'static str> {
    let wanted = name.to_ascii_lowercase();
    let mut scored: Vec<(usize, &'static str)> = Vec::new();
    for entry in TYPES {
        let names = [entry.schema_name, entry.rust_name]
            .into_iter()
            .chain(entry.former_names.iter().copied());
        let best = names
            .map(|candidate| {
                let lower = candidate.to_ascii_lowercase();
                let distance = edit_distance(&wanted, &lower);
                let contains = wanted.len() >= 4 && lower.contains(&wanted);
                if contains { distance.min(2) } else { distance }
            })
            .min()
            .unwrap_or(usize::MAX);
        let limit = (wanted.chars().count() / 3).clamp(1, 4);
        if best <= limit {
            scored.push((best, entry.schema_name));
        }
    }
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(5).map(|(_, name)| name).collect()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_unambiguously() {
        for entry in TYPES {
            assert_eq!(find(entry.schema_name).unwrap().rust_name, entry.rust_name);
            assert_eq!(find(entry.rust_name).unwrap().rust_name, entry.rust_name);
            for former in entry.former_names {
                assert_eq!(find(former).unwrap().rust_name, entry.rust_name);
            }
        }
    }

    #[test]
    fn three_spellings_of_one_type() {
        for name in [
            "System_PropertyQuery",
            "SystemPropertyQuery",
            "PropertyQuery_2",
        ] {
            assert_eq!(find(name).unwrap().schema_name, "System_PropertyQuery");
        }
        let Err(message) = find("computesystem") else {
            panic!("names are case-sensitive")
        };
        assert!(message.contains("`ComputeSystem`"), "{message}");
    }

    #[test]
    fn distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
