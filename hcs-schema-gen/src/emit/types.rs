//! Schema types -> Rust types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::spec::{IntFormat, TypeExpr};

use super::Context;

/// The Rust type of a property value (without the `Option`).
pub(crate) fn rust_type(context: &Context<'_>, ty: &TypeExpr) -> TokenStream {
    match ty {
        TypeExpr::Bool => quote! { bool },
        TypeExpr::String | TypeExpr::Binary => quote! { String },
        TypeExpr::Integer(format) => match format {
            IntFormat::U8 => quote! { u8 },
            IntFormat::U16 => quote! { u16 },
            IntFormat::U32 => quote! { u32 },
            IntFormat::U64 => quote! { u64 },
            IntFormat::I32 => quote! { i32 },
            IntFormat::I64 => quote! { i64 },
        },
        // `serde_json::Number`, not `f64`: it keeps the exact text and is `Eq + Hash`, which every
        // generated type derives.
        TypeExpr::Number => quote! { serde_json::Number },
        TypeExpr::Guid => quote! { Guid },
        TypeExpr::DateTime => quote! { DateTime },
        TypeExpr::Base64 => quote! { Base64Bytes },
        TypeExpr::MacAddress => quote! { MacAddress },
        TypeExpr::Any => quote! { serde_json::Value },
        TypeExpr::Ref(name) => {
            let ident = format_ident!("{}", context.rust_name(name));
            quote! { #ident }
        }
        TypeExpr::Array(inner) => {
            let inner = rust_type(context, inner);
            quote! { Vec<#inner> }
        }
        TypeExpr::Map(inner) => {
            let inner = rust_type(context, inner);
            quote! { BTreeMap<String, #inner> }
        }
    }
}

/// The hand-written crate-root items a type uses, for the file's `use` list.
pub(crate) fn support_items(ty: &TypeExpr, out: &mut Vec<&'static str>) {
    match ty {
        TypeExpr::Guid => out.push("Guid"),
        TypeExpr::DateTime => out.push("DateTime"),
        TypeExpr::Base64 => out.push("Base64Bytes"),
        TypeExpr::MacAddress => out.push("MacAddress"),
        TypeExpr::Array(inner) => support_items(inner, out),
        TypeExpr::Map(inner) => {
            out.push("BTreeMap");
            support_items(inner, out);
        }
        _ => {}
    }
}

/// A short description of the JSON shape, for docs (`uint64`, `array of Attachment`).
pub(crate) fn describe(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Array(inner) => format!("array of {}", describe(inner)),
        TypeExpr::Map(inner) => format!("map of string to {}", describe(inner)),
        TypeExpr::Any => "any JSON value".to_owned(),
        TypeExpr::Binary => "string (binary)".to_owned(),
        TypeExpr::Base64 => "string (base64)".to_owned(),
        other => other.to_string(),
    }
}
