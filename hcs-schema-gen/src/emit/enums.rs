//! A string-enum definition -> a Rust enum that keeps unknown values (`Unrecognized`), with
//! `as_str`, a strict `try_parse`, an infallible `From<&str>`, serde impls, metadata and `Walk`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Definition, Variant};

use super::{Context, docs, names, structs};

pub(crate) fn emit(
    context: &Context<'_>,
    definition: &Definition,
    variants: &[Variant],
) -> Result<TokenStream> {
    let model = context.model;
    let type_ident = format_ident!("{}", context.rust_name(&definition.name));
    let schema_name = &definition.name;
    let mut taken = BTreeMap::new();
    let mut uses_deprecated = definition.availability.removed_in().is_some();

    let mut declarations = Vec::with_capacity(variants.len());
    let mut from_str = Vec::with_capacity(variants.len());
    let mut indices = Vec::with_capacity(variants.len());
    let mut infos = Vec::with_capacity(variants.len());
    for (index, variant) in variants.iter().enumerate() {
        let refuse = |message: String| {
            Error::new(
                Path::new("schema-json/model.json"),
                format!("definition {schema_name}, value {:?}", variant.value),
                message,
            )
        };
        let name = names::variant_name(&variant.value, variant.documented_as.as_deref())
            .ok_or_else(|| refuse("no Rust variant name can be made from this value".to_owned()))?;
        let other = if name == names::UNRECOGNIZED_VARIANT {
            Some("the variant that keeps unknown values".to_owned())
        } else if let Some(first) = taken.get(&name) {
            Some(format!("value {first:?}"))
        } else {
            taken.insert(name.clone(), variant.value.as_str());
            None
        };
        if let Some(other) = other {
            return Err(refuse(format!(
                "value {:?} and {other} both become variant `{name}`",
                variant.value
            )));
        }
        let ident = format_ident!("{}", name);
        let value = &variant.value;
        let mut line = format!("JSON `\"{}\"`", docs::prose(value).join(""));
        if let Some(documented_as) = &variant.documented_as {
            line.push_str(&format!(" (the reference writes it `\"{documented_as}\"`)"));
        }
        line.push_str(". ");
        line.push_str(&docs::availability(model, &variant.availability));
        let doc = docs::attrs(&docs::described(variant.description.as_deref(), line));
        let deprecated = docs::deprecated(model, &variant.availability);
        uses_deprecated |= deprecated.is_some();
        declarations.push(quote! {
            #doc
            #deprecated
            #ident,
        });
        from_str.push(quote! { #value => Some(Self::#ident), });
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        indices.push(quote! { Self::#ident => Ok(#index), });
        let availability = context.availability_tokens(&variant.availability);
        let name_text = name.as_str();
        infos.push(quote! {
            VariantInfo { rust_name: #name_text, json_value: #value, availability: #availability }
        });
    }

    let mut doc = docs::described(
        definition.description.as_deref(),
        structs::type_sentence(context, definition),
    );
    doc.push(String::new());
    doc.push(
        "A value that no schema source has is kept in `Unrecognized`, so a document from a newer Windows \
         still deserializes and serializes back unchanged."
            .to_owned(),
    );
    let doc = docs::attrs(&doc);
    let deprecated = docs::deprecated(model, &definition.availability);
    let former: Vec<&str> = definition
        .former_names
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    let availability = context.availability_tokens(&definition.availability);
    let former_names = (!former.is_empty()).then(|| {
        quote! { const FORMER_NAMES: &'static [&'static str] = &[#(#former),*]; }
    });
    let imports = structs::imports(
        &[
            "Availability",
            "SchemaType",
            "UnrecognizedValue",
            "VariantInfo",
            "Walk",
            "Walker",
        ],
        &BTreeSet::new(),
    );
    let allow = uses_deprecated.then(|| quote! { #![allow(deprecated)] });

    Ok(quote! {
        #allow

        use std::fmt;
        use std::str::FromStr;

        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        #imports

        #doc
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #deprecated
        pub enum #type_ident {
            #(#declarations)*
            /// A value that no schema source has, kept as sent.
            Unrecognized(UnrecognizedValue),
        }

        impl #type_ident {
            /// The exact JSON string.
            pub fn as_str(&self) -> &str {
                match self.known() {
                    Ok(index) => Self::VARIANTS[index].json_value,
                    Err(value) => value.as_str(),
                }
            }

            /// The variant of a value a schema source has; `None` for any other value.
            pub fn try_parse(value: &str) -> Option<Self> {
                match value {
                    #(#from_str)*
                    _ => None,
                }
            }

            /// The metadata of this value's variant; `None` for `Unrecognized`.
            pub fn variant_info(&self) -> Option<&'static VariantInfo> {
                match self.known() {
                    Ok(index) => Some(&Self::VARIANTS[index]),
                    Err(_) => None,
                }
            }

            /// The index of this value's variant in `VARIANTS`, or the value no schema source
            /// has: the one `match` over the variants that `as_str`, `variant_info` and `Debug`
            /// share.
            fn known(&self) -> Result<usize, &UnrecognizedValue> {
                match self {
                    #(#indices)*
                    Self::Unrecognized(value) => Err(value),
                }
            }
        }

        impl SchemaType for #type_ident {
            const SCHEMA_NAME: &'static str = #schema_name;
            #former_names
            const AVAILABILITY: Availability = #availability;
            const VARIANTS: &'static [VariantInfo] = &[#(#infos),*];
        }

        impl From<&str> for #type_ident {
            fn from(value: &str) -> Self {
                Self::try_parse(value).unwrap_or_else(|| Self::Unrecognized(UnrecognizedValue::new(value)))
            }
        }

        impl FromStr for #type_ident {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl fmt::Debug for #type_ident {
            /// What `#[derive(Debug)]` writes: the variant's name.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.known() {
                    Ok(index) => f.write_str(Self::VARIANTS[index].rust_name),
                    Err(value) => f.debug_tuple("Unrecognized").field(value).finish(),
                }
            }
        }

        impl fmt::Display for #type_ident {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for #type_ident {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for #type_ident {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::de::deserialize_enum(deserializer)
            }
        }

        impl Walk for #type_ident {
            fn walk(&self, walker: &mut dyn Walker) {
                walker.variant(self.variant_info(), self.as_str());
            }
        }

        #[cfg(feature = "schemars")]
        impl schemars::JsonSchema for #type_ident {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                #schema_name.into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                crate::json_schema::string_enum(Self::VARIANTS)
            }
        }
    })
}
