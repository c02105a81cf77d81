//! The raw model of one published schema file: what the file says, in its own names, with no Rust
//! naming and no cross-release knowledge. [`crate::load`] builds it; [`crate::merge`] consumes it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// One published schema file (for example `windows-10-sdk-1809.json`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its definitions, in file order.
    pub definitions: Vec<Definition>,
}

/// A named definition under `#/definitions`.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    /// The name as the file spells it (`VirtualMachine_Memory`, `Memory_2`).
    pub name: String,
    /// The `description`, if any.
    pub description: Option<String>,
    /// A struct or a string enum.
    pub kind: DefinitionKind,
}

/// What a definition is.
#[derive(Debug, Clone, PartialEq)]
pub enum DefinitionKind {
    /// `type: object` with `properties` (possibly none: an empty struct, sent as `{}`).
    Struct(Vec<Property>),
    /// `type: string` with `enum`: the values in file order.
    Enum(Vec<String>),
}

/// One property of a struct definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The JSON name exactly as the file spells it.
    pub name: String,
    /// The `description`, if any.
    pub description: Option<String>,
    /// The property's type.
    pub ty: TypeExpr,
    /// Swagger extension keys (`x-...`) of the property's schema and of its `items` /
    /// `additionalProperties` schemas, with their values (the observed files write the Go type of
    /// a shapeless property as `x-go-type`). They do not change the type.
    pub extensions: BTreeMap<String, serde_json::Value>,
}

/// A property type, normalised from the JSON Schema constructs the files use.
///
/// The text form (`Display`/`FromStr`) is the one stored in the merged model:
/// `bool`, `string`, `uint8` ... `int64`, `number`, `guid`, `date-time`, `byte` (base64), `binary`,
/// `mac-address`, `any`, a definition name, `[T]` for arrays and `{T}` for string-keyed maps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeExpr {
    /// `type: boolean`.
    Bool,
    /// `type: string` with no format and no pattern.
    String,
    /// `type: integer` with the given `format`.
    Integer(IntFormat),
    /// `type: number` (a JSON number that may have a fraction; `format: double` or `float`).
    Number,
    /// `type: string` with the GUID `pattern`.
    Guid,
    /// `type: string, format: date-time`.
    DateTime,
    /// `type: string, format: byte`: base64-encoded bytes.
    Base64,
    /// `type: string, format: binary`: an opaque string of octets.
    Binary,
    /// `type: string, format: mac-address`.
    MacAddress,
    /// `type: object` with neither `properties` nor `additionalProperties`: any JSON value.
    Any,
    /// `$ref: #/definitions/Name` (a `type` next to it is ignored: the `$ref` wins).
    Ref(String),
    /// `type: array` with `items`.
    Array(Box<TypeExpr>),
    /// `type: object` with `additionalProperties`: a map with string keys.
    Map(Box<TypeExpr>),
}

/// The integer formats the files use, each mapped to the exact Rust width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IntFormat {
    /// `uint8`
    U8,
    /// `uint16`
    U16,
    /// `uint32`
    U32,
    /// `uint64`
    U64,
    /// `int32`
    I32,
    /// `int64`
    I64,
}

impl IntFormat {
    /// All formats with their schema spelling.
    pub const ALL: [(IntFormat, &'static str); 6] = [
        (IntFormat::U8, "uint8"),
        (IntFormat::U16, "uint16"),
        (IntFormat::U32, "uint32"),
        (IntFormat::U64, "uint64"),
        (IntFormat::I32, "int32"),
        (IntFormat::I64, "int64"),
    ];

    /// The schema's spelling of the format.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, s)| *s)
            .unwrap_or("int64")
    }

    /// Parses the schema's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, s)| *s == text).map(|(f, _)| *f)
    }
}

impl TypeExpr {
    /// Calls `f` on every definition name this type refers to.
    pub fn visit_refs(&self, f: &mut impl FnMut(&str)) {
        match self {
            TypeExpr::Ref(name) => f(name),
            TypeExpr::Array(inner) | TypeExpr::Map(inner) => inner.visit_refs(f),
            _ => {}
        }
    }

    /// The same type with every definition name passed through `rename`, which may fail.
    pub fn try_map_refs<E>(
        &self,
        rename: &mut impl FnMut(&str) -> Result<String, E>,
    ) -> Result<TypeExpr, E> {
        Ok(match self {
            TypeExpr::Ref(name) => TypeExpr::Ref(rename(name)?),
            TypeExpr::Array(inner) => TypeExpr::Array(Box::new(inner.try_map_refs(rename)?)),
            TypeExpr::Map(inner) => TypeExpr::Map(Box::new(inner.try_map_refs(rename)?)),
            other => other.clone(),
        })
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Bool => f.write_str("bool"),
            TypeExpr::String => f.write_str("string"),
            TypeExpr::Integer(format) => f.write_str(format.as_str()),
            TypeExpr::Number => f.write_str("number"),
            TypeExpr::Guid => f.write_str("guid"),
            TypeExpr::DateTime => f.write_str("date-time"),
            TypeExpr::Base64 => f.write_str("byte"),
            TypeExpr::Binary => f.write_str("binary"),
            TypeExpr::MacAddress => f.write_str("mac-address"),
            TypeExpr::Any => f.write_str("any"),
            TypeExpr::Ref(name) => f.write_str(name),
            TypeExpr::Array(inner) => write!(f, "[{inner}]"),
            TypeExpr::Map(inner) => write!(f, "{{{inner}}}"),
        }
    }
}

impl std::str::FromStr for TypeExpr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if let Some(inner) = text.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| format!("unclosed `[` in `{text}`"))?;
            return Ok(TypeExpr::Array(Box::new(inner.parse()?)));
        }
        if let Some(inner) = text.strip_prefix('{') {
            let inner = inner
                .strip_suffix('}')
                .ok_or_else(|| format!("unclosed `{{` in `{text}`"))?;
            return Ok(TypeExpr::Map(Box::new(inner.parse()?)));
        }
        if let Some(format) = IntFormat::parse(text) {
            return Ok(TypeExpr::Integer(format));
        }
        Ok(match text {
            "bool" => TypeExpr::Bool,
            "string" => TypeExpr::String,
            "number" => TypeExpr::Number,
            "guid" => TypeExpr::Guid,
            "date-time" => TypeExpr::DateTime,
            "byte" => TypeExpr::Base64,
            "binary" => TypeExpr::Binary,
            "mac-address" => TypeExpr::MacAddress,
            "any" => TypeExpr::Any,
            name if !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && name.starts_with(|c: char| c.is_ascii_uppercase()) =>
            {
                TypeExpr::Ref(name.to_owned())
            }
            _ => return Err(format!("`{text}` is not a type expression")),
        })
    }
}
