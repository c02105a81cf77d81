//! Doc comments: schema descriptions made safe for rustdoc, and the version sentences every type,
//! field and variant carries.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Availability, Model};

/// Escapes what rustdoc would misread in schema prose: `[x]` (a link), `<x>` (an HTML tag) and bare
/// URLs (a lint), and splits it into lines.
pub fn prose(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            for word in line.split_inclusive(' ') {
                let bare = word.trim_end();
                if bare.starts_with("http://") || bare.starts_with("https://") {
                    out.push('<');
                    out.push_str(bare);
                    out.push('>');
                    out.push_str(&word[bare.len()..]);
                    continue;
                }
                for c in word.chars() {
                    match c {
                        '[' | ']' | '<' | '>' | '*' | '_' | '`' => {
                            out.push('\\');
                            out.push(c);
                        }
                        _ => out.push(c),
                    }
                }
            }
            out.trim_end().to_owned()
        })
        .collect()
}

/// `#[doc = " line"]` for each line (prettyplease prints them as `///` comments).
pub fn attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #( #[doc = #lines] )* }
}

/// "Since schema 2.3 (Windows 10 SDK, version 2004 (10.0.19041.0))." plus, where the reference and
/// the files disagree or the item was removed, what they say.
pub fn availability(model: &Model, availability: &Availability) -> String {
    let mut text = format!("Since schema {}", availability.since);
    if let Some(info) = model.version_info(availability.since) {
        text.push_str(&format!(" ({})", info.windows));
    }
    text.push('.');
    let first = model.release(&availability.first_release);
    let first_name = first.map_or(availability.first_release.as_str(), |r| r.name.as_str());
    match availability.documented {
        Some(documented) if !first.is_some_and(|r| r.schema_versions.contains(&documented)) => {
            text.push_str(&format!(
                " The reference documents it as new in {documented}; the {first_name} schema already has it."
            ));
        }
        Some(_) => {}
        None => text.push_str(&format!(
            " Not in the schema reference; first in the {first_name} schema."
        )),
    }
    if let Some(removed) = &availability.removed_in {
        text.push_str(&format!(" {}.", removal(model, removed)));
    }
    text
}

/// "Removed in Windows 10 SDK, version 20H2".
pub fn removal(model: &Model, removed_in: &str) -> String {
    let name = model
        .release(removed_in)
        .map_or(removed_in, |r| r.name.as_str());
    format!("Removed in {name}: no later schema has it")
}

/// The description's paragraphs (if any), a blank line, then `facts`.
pub fn described(description: Option<&str>, facts: String) -> Vec<String> {
    let mut lines = description.map(prose).unwrap_or_default();
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.push(facts);
    lines
}

/// `#[deprecated(note = "Removed in ...")]` for an item a release removed.
pub fn deprecated(model: &Model, availability: &Availability) -> Option<TokenStream> {
    availability.removed_in.as_ref().map(|release| {
        let note = removal(model, release);
        quote! { #[deprecated(note = #note)] }
    })
}
