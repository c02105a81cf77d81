//! A struct definition -> a Rust struct with a generated `Serialize` and `Deserialize` that keep
//! unknown properties, its [`SchemaType`](../../hcs_schema/trait.SchemaType.html) metadata and
//! its `Walk`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Definition, Property};
use crate::spec::TypeExpr;

use super::{Context, docs, names, types};

/// A field identifier, raw where the name is a keyword.
fn field_ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

pub(crate) fn emit(
    context: &Context<'_>,
    definition: &Definition,
    properties: &[Property],
) -> Result<TokenStream> {
    let model = context.model;
    let type_ident = format_ident!("{}", context.rust_name(&definition.name));
    let schema_name = &definition.name;

    let mut field_names = BTreeMap::new();
    let mut uses_deprecated = definition.availability.removed_in().is_some();
    let mut support: Vec<&'static str> = vec!["Availability", "SchemaType"];
    support.extend(["UnknownProperties", "Walk", "Walker"]);
    if !properties.is_empty() {
        support.push("FieldInfo");
    }
    let mut referenced = BTreeSet::new();

    let mut fields = Vec::with_capacity(properties.len());
    let mut reads = Vec::with_capacity(properties.len());
    let mut visits = Vec::with_capacity(properties.len());
    let mut defaults = Vec::with_capacity(properties.len());
    let mut infos = Vec::with_capacity(properties.len());
    for (index, property) in properties.iter().enumerate() {
        let rust_name = names::field_name(&property.name);
        let other = if rust_name == names::UNKNOWN_PROPERTIES_FIELD {
            Some("the field that keeps unknown properties".to_owned())
        } else if let Some(first) = field_names.get(&rust_name) {
            Some(format!("property `{first}`"))
        } else {
            field_names.insert(rust_name.clone(), property.name.as_str());
            None
        };
        if let Some(other) = other {
            return Err(Error::new(
                Path::new("schema-json/model.json"),
                format!("definition {schema_name}, property {}", property.name),
                format!(
                    "property `{}` and {other} both become field `{rust_name}`",
                    property.name
                ),
            ));
        }
        let ident = field_ident(&rust_name);
        let json_name = &property.name;
        let mut value_type = types::rust_type(context, &property.ty);
        if context
            .boxed
            .contains(&(definition.name.as_str(), property.name.as_str()))
        {
            value_type = quote! { Box<#value_type> };
        }
        types::support_items(&property.ty, &mut support);
        property.ty.visit_refs(&mut |name| {
            referenced.insert(context.rust_name(name).to_owned());
            uses_deprecated |= context.removed.contains(name);
        });

        let facts = format!(
            "JSON `{}`: {}. {}",
            json_name,
            docs::prose(&types::describe(&property.ty)).join(" "),
            docs::availability(model, &property.availability)
        );
        let mut doc = docs::described(property.description.as_deref(), facts);
        for change in &property.type_history {
            if change.ty != property.ty {
                doc.push(String::new());
                doc.push(format!(
                    "In releases {} the schema gave it the type `{}`; this field has the newest type.",
                    change.releases.join(", "),
                    change.ty
                ));
            }
        }
        let doc = docs::attrs(&doc);
        let deprecated = docs::deprecated(model, &property.availability);
        uses_deprecated |= deprecated.is_some();
        fields.push(quote! {
            #doc
            #[cfg_attr(feature = "schemars", schemars(rename = #json_name, skip_serializing_if = "Option::is_none"))]
            #deprecated
            pub #ident: Option<#value_type>,
        });
        let boxed = context
            .boxed
            .contains(&(definition.name.as_str(), property.name.as_str()));
        let is_struct =
            |ty: &TypeExpr| matches!(ty, TypeExpr::Ref(target) if context.is_struct(target));
        let nested_struct = is_struct(&property.ty);
        // One call per property, each returning a `Result` that the `match` returns: cheaper to
        // type-check than a `?` and an assignment in every arm.
        reads.push(if nested_struct && !boxed {
            quote! { #json_name => de::read_struct_field(map, &mut self.#ident), }
        } else if matches!(&property.ty, TypeExpr::Array(item) if is_struct(item)) {
            // Each element built in place, as a struct field is.
            quote! { #json_name => de::read_struct_vec_field(map, &mut self.#ident), }
        } else if matches!(&property.ty, TypeExpr::Map(value) if is_struct(value)) {
            quote! { #json_name => de::read_struct_map_field(map, &mut self.#ident), }
        } else if property.ty == TypeExpr::Any {
            // Any JSON value, `null` included: kept as `Some(Value::Null)` so it is sent back.
            quote! { #json_name => de::read_any_field(map, &mut self.#ident), }
        } else {
            quote! { #json_name => de::read_field(map, &mut self.#ident), }
        });
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        visits.push(quote! { visitor.field(#index, &self.#ident); });
        defaults.push(quote! { #ident: None, });
        let availability = context.availability_tokens(&property.availability);
        let rust_name_text = rust_name.trim_start_matches("r#");
        // The name as its constant of the name table (`json_names.rs`), a slice the JSON writer
        // copies without looking for characters to escape; a name the table does not have (one
        // that needs escaping or is no identifier) as a literal.
        let json_name_value = if context.json_names.contains(json_name.as_str()) {
            let constant = super::json_name_ident(json_name);
            quote! { super::json_names::#constant }
        } else {
            quote! { #json_name }
        };
        infos.push(quote! {
            FieldInfo { rust_name: #rust_name_text, json_name: #json_name_value, availability: #availability }
        });
    }

    let doc = docs::attrs(&docs::described(
        definition.description.as_deref(),
        type_sentence(context, definition),
    ));
    let deprecated = docs::deprecated(model, &definition.availability);
    let former: Vec<&str> = definition
        .former_names
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let availability = context.availability_tokens(&definition.availability);

    // Every arm, the unknown property's included, is a call whose result is the method's: a
    // tail call (a jump), so no arm comes back to a shared exit.
    let read_unknown = quote! { de::read_unknown(map, key, &mut self.unknown_properties) };
    let read_field = if reads.is_empty() {
        read_unknown
    } else {
        quote! {
            match key {
                #(#reads)*
                _ => #read_unknown,
            }
        }
    };

    referenced.remove(&type_ident.to_string());
    let std_imports = support
        .contains(&"BTreeMap")
        .then(|| quote! { use std::collections::BTreeMap; });
    let imports = imports(&support, &referenced);
    let allow = uses_deprecated.then(|| quote! { #![allow(deprecated)] });

    let former_names = (!former.is_empty()).then(|| {
        quote! { const FORMER_NAMES: &'static [&'static str] = &[#(#former),*]; }
    });
    let field_infos = (!infos.is_empty()).then(|| {
        quote! { const FIELDS: &'static [FieldInfo] = &[#(#infos),*]; }
    });
    let type_name = type_ident.to_string();

    // `Serialize`, `Walk`, `Debug` and `Hash` are one-line calls into `crate::fields`, built on
    // `visit_fields`: the per-field code is written once per struct, not once per trait
    // (ARCHITECTURE.md, "The shape of a generated struct").
    Ok(quote! {
        #allow

        #std_imports
        use std::fmt;
        use std::hash::{Hash, Hasher};

        use serde::de::MapAccess;
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        use crate::de;
        use crate::fields::{self, FieldVisitor, StructFields};
        #imports

        #doc
        #[derive(Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema), schemars(rename = #schema_name))]
        #deprecated
        pub struct #type_ident {
            #(#fields)*
            /// Properties that no schema source has (a newer Windows sent them), kept so the
            /// document serializes back unchanged.
            #[cfg_attr(feature = "schemars", schemars(flatten))]
            pub unknown_properties: UnknownProperties,
        }

        impl Default for #type_ident {
            /// Every field `None`, no unknown properties.
            #[inline]
            fn default() -> Self {
                Self {
                    #(#defaults)*
                    unknown_properties: UnknownProperties::new(),
                }
            }
        }

        impl SchemaType for #type_ident {
            const SCHEMA_NAME: &'static str = #schema_name;
            #former_names
            const AVAILABILITY: Availability = #availability;
            #field_infos
        }

        impl StructFields for #type_ident {
            const RUST_NAME: &'static str = #type_name;

            fn visit_fields<V: FieldVisitor>(&self, visitor: &mut V) {
                #(#visits)*
                visitor.unknown_properties(&self.unknown_properties);
            }

            // `#[inline]`: the one caller is `de`'s `PropertyTarget` method, the entry of the
            // vtable `de::read_properties` calls through. Out of line, that method was a 5-byte
            // jump to this one, alone in its aligned slot: one more instruction-cache line for
            // every struct type a document has. (A comment in `quote!`: not in the output.)
            #[inline]
            fn read_field<'de, A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<(), A::Error> {
                #read_field
            }
        }

        impl Serialize for #type_ident {
            /// The set fields in schema order, then the unknown properties: one map, of exact
            /// length for formats that are not human-readable.
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                fields::serialize_struct(self, serializer)
            }
        }

        impl<'de> Deserialize<'de> for #type_ident {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                de::deserialize_struct(deserializer)
            }
        }

        impl Walk for #type_ident {
            fn walk(&self, walker: &mut dyn Walker) {
                fields::walk_struct(self, walker);
            }
        }

        impl fmt::Debug for #type_ident {
            /// What `#[derive(Debug)]` writes. Inline like the derive's: compiled where it is used.
            #[inline]
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fields::debug_struct(self, f)
            }
        }

        impl Hash for #type_ident {
            /// What `#[derive(Hash)]` hashes: every field in order.
            fn hash<H: Hasher>(&self, state: &mut H) {
                fields::hash_struct(self, state);
            }
        }
    })
}

/// "Schema definition `X` (formerly `Y`). Since schema ... ."
pub(crate) fn type_sentence(context: &Context<'_>, definition: &Definition) -> String {
    let mut text = format!("Schema definition `{}`", definition.name);
    if !definition.former_names.is_empty() {
        let former: Vec<String> = definition
            .former_names
            .iter()
            .map(|f| format!("`{}`", f.name))
            .collect();
        text.push_str(&format!(" (formerly {})", former.join(", ")));
    }
    text.push_str(". ");
    text.push_str(&docs::availability(context.model, &definition.availability));
    text
}

/// `use crate::{...};` for the support items and referenced types a file needs, sorted.
pub(crate) fn imports(support: &[&'static str], referenced: &BTreeSet<String>) -> TokenStream {
    let mut names: BTreeSet<String> = support
        .iter()
        .filter(|s| **s != "BTreeMap")
        .map(|s| (*s).to_owned())
        .collect();
    names.extend(referenced.iter().cloned());
    let idents = names.iter().map(|name| format_ident!("{}", name));
    quote! {
        use super::since;
        use crate::{#(#idents),*};
    }
}
