//! Doc comments: schema descriptions made safe for rustdoc, and the version sentences every type,
//! field and variant carries.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Availability, Model};
use crate::observed_data::{Evidence, EvidenceKind};

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
/// the files disagree or the item was removed, what they say; for an observed item, the sources
/// and what their evidence says about its version.
pub fn availability(model: &Model, availability: &Availability) -> String {
    let published = match availability {
        Availability::Published(published) => published,
        Availability::Observed(observed) => return observed_text(model, observed),
    };
    let mut text = format!("Since schema {}", published.since);
    if let Some(info) = model.version_info(published.since) {
        text.push_str(&format!(" ({})", info.windows));
    }
    text.push('.');
    let first = model.release(&published.first_release);
    let first_name = first.map_or(published.first_release.as_str(), |r| r.name.as_str());
    match published.documented {
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
    if let Some(removed) = &published.removed_in {
        text.push_str(&format!(" {}.", removal(model, removed)));
        let still = crate::emit::still_observed_in(published);
        if !still.is_empty() {
            text.push_str(&format!(
                " Observed sources still have it: {}.",
                source_names(model, still)
            ));
        }
    }
    text
}

fn source_names(model: &Model, ids: &[String]) -> String {
    ids.iter()
        .map(|id| {
            model
                .observed_source(id)
                .map_or(id.as_str(), |s| s.name.as_str())
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// "Observed, not published: ... Accepted by schema 2.5, build 20348 according to ... (a link to
/// the `Evidence` constant)." or
/// "... Version unknown."
fn observed_text(model: &Model, observed: &crate::model::ObservedAvailability) -> String {
    let sources = &observed.observed_in;
    let mut text = format!(
        "Observed, not published: no published schema file has it; {} {}.",
        source_names(model, sources),
        if sources.len() == 1 { "does" } else { "do" }
    );
    let facts: Vec<String> = observed
        .evidence
        .iter()
        .filter_map(|id| model.evidence(id))
        .map(|fact| {
            let name = crate::emit::releases::evidence_const(&fact.id);
            format!(
                "{} ([`Evidence::{name}`](crate::Evidence::{name}))",
                fact_summary(model, fact)
            )
        })
        .collect();
    if facts.is_empty() {
        text.push_str(
            " Version unknown: no source says which schema version or Windows build has it.",
        );
    } else {
        text.push_str(&format!(" {}.", facts.join(". ")));
    }
    text
}

/// "Introduced in schema 2.9 (hcsshim 7c9ff7f)", "Accepted by schema 2.5, build 20348 (...)".
pub fn fact_summary(model: &Model, fact: &Evidence) -> String {
    let verb = match fact.kind {
        EvidenceKind::Introduced => "Introduced in",
        EvidenceKind::Accepted => "Accepted by",
    };
    let what = match (fact.version, fact.build) {
        (Some(version), Some(build)) => format!("schema {version}, build {build}"),
        (Some(version), None) => format!("schema {version}"),
        (None, Some(build)) => format!("Windows build {build}"),
        (None, None) => "an unnamed version".to_owned(),
    };
    let source = model
        .observed_source(&fact.source)
        .map_or(fact.source.as_str(), |s| s.name.as_str());
    format!("{verb} {what} according to {source}")
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
    availability.removed_in().map(|release| {
        let note = removal(model, release);
        quote! { #[deprecated(note = #note)] }
    })
}
