//! `schemars` support for the hand-written format types and the generated enums.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{Base64Bytes, DateTime, Guid, MacAddress, VariantInfo};

/// The schema of a generated string enum: the published values.
pub(crate) fn string_enum(variants: &[VariantInfo]) -> Schema {
    let values: Vec<&str> = variants.iter().map(|v| v.json_value).collect();
    json_schema!({ "type": "string", "enum": values })
}

macro_rules! string_schema {
    ($ty:ident, $name:literal, $schema:tt) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!($schema)
            }
        }
    };
}

string_schema!(Guid, "Guid", { "type": "string", "pattern": crate::GUID_PATTERN });
string_schema!(MacAddress, "MacAddress", { "type": "string", "format": "mac-address" });
string_schema!(DateTime, "DateTime", { "type": "string", "format": "date-time" });
string_schema!(Base64Bytes, "Base64Bytes", { "type": "string", "format": "byte" });
