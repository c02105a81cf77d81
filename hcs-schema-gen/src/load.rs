//! Loads one published schema file (Swagger 2.0 / JSON Schema draft 7) into a [`SchemaFile`].
//!
//! The loader accepts exactly the constructs the published files use and rejects everything else
//! with an [`Error`] naming the file and the JSON pointer, so a new construct in a future release
//! is noticed instead of being silently mistranslated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result, pointer};
use crate::spec::{Definition, DefinitionKind, IntFormat, Property, SchemaFile, TypeExpr};

/// The one `pattern` the files use: a GUID in its registry format without braces.
pub const GUID_PATTERN: &str = "^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$";

/// Reads and loads the schema file at `path`.
pub fn load_file(path: &Path) -> Result<SchemaFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::with_source(path, "", "cannot read the schema file", e))?;
    load_str(path, &text)
}

/// Loads schema text; `path` only names the input in errors.
pub fn load_str(path: &Path, text: &str) -> Result<SchemaFile> {
    let root: Value = serde_json::from_str(text).map_err(|e| {
        Error::with_source(
            path,
            format!("line {}, column {}", e.line(), e.column()),
            "not valid JSON",
            e,
        )
    })?;
    Loader { path }.file(&root)
}

struct Loader<'a> {
    path: &'a Path,
}

impl Loader<'_> {
    fn error(&self, at: &[&str], message: impl Into<String>) -> Error {
        Error::new(self.path, pointer(at), message)
    }

    fn object<'v>(
        &self,
        value: &'v Value,
        at: &[&str],
        what: &str,
    ) -> Result<&'v Map<String, Value>> {
        value
            .as_object()
            .ok_or_else(|| self.error(at, format!("{what} must be a JSON object")))
    }

    fn string<'v>(&self, value: &'v Value, at: &[&str], what: &str) -> Result<&'v str> {
        value
            .as_str()
            .ok_or_else(|| self.error(at, format!("{what} must be a string")))
    }

    /// Every key of `object` is one of `allowed` or a Swagger extension (`x-...`, which Swagger
    /// allows anywhere and which never changes what a schema means).
    fn only_keys(&self, object: &Map<String, Value>, at: &[&str], allowed: &[&str]) -> Result<()> {
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) && !is_extension(key) {
                let mut here = at.to_vec();
                here.push(key);
                return Err(self.error(
                    &here,
                    format!(
                        "unexpected keyword `{key}` (the generator understands: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    fn description(&self, object: &Map<String, Value>, at: &[&str]) -> Result<Option<String>> {
        match object.get("description") {
            None => Ok(None),
            Some(value) => {
                let mut here = at.to_vec();
                here.push("description");
                let text = self.string(value, &here, "`description`")?.trim();
                Ok((!text.is_empty()).then(|| text.to_owned()))
            }
        }
    }

    fn file(&self, root: &Value) -> Result<SchemaFile> {
        let root = self.object(root, &[], "the document")?;
        self.only_keys(
            root,
            &[],
            &["swagger", "info", "paths", "$schema", "definitions"],
        )?;
        let definitions = root
            .get("definitions")
            .ok_or_else(|| self.error(&[], "missing `definitions`"))?;
        let definitions = self.object(definitions, &["definitions"], "`definitions`")?;
        let mut loaded = Vec::with_capacity(definitions.len());
        for (name, body) in definitions {
            loaded.push(self.definition(name, body)?);
        }
        let file = SchemaFile {
            path: self.path.to_path_buf(),
            definitions: loaded,
        };
        self.check_refs(&file)?;
        Ok(file)
    }

    fn definition(&self, name: &str, body: &Value) -> Result<Definition> {
        let at = ["definitions", name];
        // A letter first, then letters, digits and `_`: every published name, and what the
        // emitter can turn into a Rust type name.
        let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            return Err(self.error(
                &at,
                format!("definition name `{name}` is not an identifier"),
            ));
        }
        let body = self.object(body, &at, "a definition")?;
        self.only_keys(body, &at, &["type", "description", "properties", "enum"])?;
        let description = self.description(body, &at)?;
        let ty = match body.get("type") {
            Some(ty) => self.string(ty, &[&at[..], &["type"]].concat(), "`type`")?,
            None => return Err(self.error(&at, "a definition needs a `type`")),
        };
        let kind = match (ty, body.get("enum"), body.get("properties")) {
            ("string", Some(values), None) => DefinitionKind::Enum(self.enum_values(values, &at)?),
            ("object", None, properties) => {
                DefinitionKind::Struct(self.properties(properties, &at)?)
            }
            ("string", None, _) => {
                return Err(self.error(&at, "a string definition needs an `enum`"));
            }
            _ => {
                return Err(self.error(
                    &at,
                    format!("unsupported definition: `type: {ty}` (only objects and string enums are understood)"),
                ));
            }
        };
        Ok(Definition {
            name: name.to_owned(),
            description,
            kind,
        })
    }

    fn enum_values(&self, values: &Value, at: &[&str]) -> Result<Vec<String>> {
        let here = [at, &["enum"]].concat();
        let array = values
            .as_array()
            .ok_or_else(|| self.error(&here, "`enum` must be an array"))?;
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(array.len());
        for (index, value) in array.iter().enumerate() {
            let index = index.to_string();
            let at_value = [&here[..], &[index.as_str()]].concat();
            let value = self.string(value, &at_value, "an enum value")?;
            if !seen.insert(value) {
                return Err(self.error(&at_value, format!("duplicate enum value `{value}`")));
            }
            out.push(value.to_owned());
        }
        Ok(out)
    }

    fn properties(&self, properties: Option<&Value>, at: &[&str]) -> Result<Vec<Property>> {
        let Some(properties) = properties else {
            return Ok(Vec::new());
        };
        let here = [at, &["properties"]].concat();
        let properties = self.object(properties, &here, "`properties`")?;
        let mut out = Vec::with_capacity(properties.len());
        for (name, body) in properties {
            let at_property = [&here[..], &[name.as_str()]].concat();
            if name.is_empty() {
                return Err(self.error(&at_property, "empty property name"));
            }
            let object = self.object(body, &at_property, "a property")?;
            let description = self.description(object, &at_property)?;
            let ty = self.type_expr(body, &at_property)?;
            let mut extensions = BTreeMap::new();
            collect_extensions(body, &mut extensions);
            out.push(Property {
                name: name.clone(),
                description,
                ty,
                extensions,
            });
        }
        Ok(out)
    }

    /// Translates a property schema (or an `items` / `additionalProperties` schema) into a type.
    fn type_expr(&self, schema: &Value, at: &[&str]) -> Result<TypeExpr> {
        let object = self.object(schema, at, "a type schema")?;
        self.only_keys(
            object,
            at,
            &[
                "type",
                "$ref",
                "description",
                "format",
                "items",
                "pattern",
                "additionalProperties",
            ],
        )?;
        let keyword = |name: &'static str| [at, &[name]].concat();
        // `$ref` wins over a `type` written next to it: the files say `"type": "string"` beside
        // references to string enums, and `"type": "object"` beside some struct references.
        if let Some(reference) = object.get("$ref") {
            let reference = self.string(reference, &keyword("$ref"), "`$ref`")?;
            let name = reference.strip_prefix("#/definitions/").ok_or_else(|| {
                self.error(
                    &keyword("$ref"),
                    format!("`{reference}` is not a reference to `#/definitions/`"),
                )
            })?;
            return Ok(TypeExpr::Ref(name.to_owned()));
        }
        let ty = match object.get("type") {
            Some(ty) => self.string(ty, &keyword("type"), "`type`")?,
            None => return Err(self.error(at, "a property needs a `type` or a `$ref`")),
        };
        let format = match object.get("format") {
            Some(format) => Some(self.string(format, &keyword("format"), "`format`")?),
            None => None,
        };
        let pattern = match object.get("pattern") {
            Some(pattern) => Some(self.string(pattern, &keyword("pattern"), "`pattern`")?),
            None => None,
        };
        if pattern.is_some_and(|p| p != GUID_PATTERN) {
            return Err(self.error(
                &keyword("pattern"),
                "the only `pattern` understood is the GUID pattern",
            ));
        }
        if pattern.is_some() && (ty != "string" || format.is_some()) {
            return Err(self.error(
                &keyword("pattern"),
                "a GUID `pattern` must be on a plain `type: string`",
            ));
        }
        let misplaced = |name: &'static str| -> Result<()> {
            if object.contains_key(name) {
                Err(self.error(
                    &keyword(name),
                    format!("`{name}` does not belong to `type: {ty}`"),
                ))
            } else {
                Ok(())
            }
        };
        match ty {
            "boolean" => {
                misplaced("format")?;
                misplaced("items")?;
                misplaced("additionalProperties")?;
                Ok(TypeExpr::Bool)
            }
            "integer" => {
                misplaced("items")?;
                misplaced("additionalProperties")?;
                match format {
                    // An integer without a format is a JSON Schema integer: the widest signed type.
                    None => Ok(TypeExpr::Integer(IntFormat::I64)),
                    Some(format) => {
                        IntFormat::parse(format)
                            .map(TypeExpr::Integer)
                            .ok_or_else(|| {
                                self.error(
                                    &keyword("format"),
                                    format!("unknown integer format `{format}`"),
                                )
                            })
                    }
                }
            }
            "number" => {
                misplaced("items")?;
                misplaced("additionalProperties")?;
                match format {
                    None | Some("double" | "float") => Ok(TypeExpr::Number),
                    Some(other) => Err(self.error(
                        &keyword("format"),
                        format!("unknown number format `{other}`"),
                    )),
                }
            }
            "string" => {
                misplaced("items")?;
                misplaced("additionalProperties")?;
                match (format, pattern) {
                    (None, Some(_)) => Ok(TypeExpr::Guid),
                    (None, None) => Ok(TypeExpr::String),
                    (Some("date-time"), None) => Ok(TypeExpr::DateTime),
                    (Some("byte"), None) => Ok(TypeExpr::Base64),
                    (Some("binary"), None) => Ok(TypeExpr::Binary),
                    (Some("mac-address"), None) => Ok(TypeExpr::MacAddress),
                    (Some(other), _) => Err(self.error(
                        &keyword("format"),
                        format!("unknown string format `{other}`"),
                    )),
                }
            }
            "array" => {
                misplaced("format")?;
                misplaced("additionalProperties")?;
                let items = object
                    .get("items")
                    .ok_or_else(|| self.error(at, "`type: array` needs `items`"))?;
                Ok(TypeExpr::Array(Box::new(
                    self.type_expr(items, &keyword("items"))?,
                )))
            }
            "object" => {
                misplaced("format")?;
                misplaced("items")?;
                match object.get("additionalProperties") {
                    // An object with no shape is "any JSON value": the published tutorial sends
                    // `"Settings": 4096` where the schema says `type: object`.
                    None => Ok(TypeExpr::Any),
                    Some(values) => Ok(TypeExpr::Map(Box::new(
                        self.type_expr(values, &keyword("additionalProperties"))?,
                    ))),
                }
            }
            other => self.non_json_schema_type(other, &keyword("type")),
        }
    }

    /// Type names that are not JSON Schema at all, written by the schema exporter from C# types.
    /// Each one is recognised by name, on purpose, so anything else stays an error.
    fn non_json_schema_type(&self, ty: &str, at: &[&str]) -> Result<TypeExpr> {
        // 1809-2004 say `NvramVendor.Variables` is
        // `CaseInsensitiveStringMap<Schema.VirtualMachines.Resources.GuestState.NvramVariable>`:
        // a map with string keys (compared case-insensitively by HCS) of the named definition.
        if let Some(inner) = ty
            .strip_prefix("CaseInsensitiveStringMap<")
            .and_then(|rest| rest.strip_suffix('>'))
        {
            let name = inner.rsplit('.').next().unwrap_or(inner);
            return Ok(TypeExpr::Map(Box::new(TypeExpr::Ref(name.to_owned()))));
        }
        Err(self.error(at, format!("unknown type `{ty}`")))
    }

    /// Every `$ref` must name a definition of the same file.
    fn check_refs(&self, file: &SchemaFile) -> Result<()> {
        let names: BTreeSet<&str> = file.definitions.iter().map(|d| d.name.as_str()).collect();
        for definition in &file.definitions {
            let DefinitionKind::Struct(properties) = &definition.kind else {
                continue;
            };
            for property in properties {
                let mut missing = None;
                property.ty.visit_refs(&mut |name| {
                    if missing.is_none() && !names.contains(name) {
                        missing = Some(name.to_owned());
                    }
                });
                if let Some(name) = missing {
                    return Err(self.error(
                        &[
                            "definitions",
                            &definition.name,
                            "properties",
                            &property.name,
                        ],
                        format!("refers to `{name}`, which the file does not define"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A Swagger extension key: `x-` and a name.
fn is_extension(key: &str) -> bool {
    key.len() > 2 && key.starts_with("x-")
}

/// The extension keys of a property schema and of its nested `items` / `additionalProperties`
/// schemas (an outer key wins over the same key further in).
fn collect_extensions(schema: &Value, out: &mut BTreeMap<String, Value>) {
    let Some(object) = schema.as_object() else {
        return;
    };
    for (key, value) in object {
        if is_extension(key) {
            out.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    for nested in ["items", "additionalProperties"] {
        if let Some(inner) = object.get(nested) {
            collect_extensions(inner, out);
        }
    }
}
