//! Model -> Rust: one file per definition under `hcs-schema/src/generated/`, a `mod.rs` that
//! re-exports them, and `releases.rs` with the version and release tables.
//!
//! The emitter never sees JSON Schema: it reads only the merged [`Model`]. Naming policy is in
//! [`names`], doc text in [`docs`], type mapping in [`types`].

mod collisions;
pub mod docs;
mod enums;
pub mod names;
pub(crate) mod releases;
mod structs;
pub mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::error::{Error, Result};
use crate::model::{Availability, Definition, DefinitionKind, Model};

/// One generated file, relative to `hcs-schema/src/generated/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path.
    pub path: String,
    /// Formatted Rust source.
    pub contents: String,
}

/// Facts about the whole model that every file needs.
pub(crate) struct Context<'m> {
    pub model: &'m Model,
    /// Schema name -> Rust type and module names.
    pub rust_names: BTreeMap<&'m str, collisions::RustNames>,
    /// Definitions removed by some release (their uses are deprecated).
    pub removed: BTreeSet<&'m str>,
    /// `(definition, property)` pairs whose value must be boxed to break a cycle.
    pub boxed: BTreeSet<(&'m str, &'m str)>,
    /// The property names of the name table (`json_names.rs`).
    pub json_names: BTreeSet<&'m str>,
}

/// Emits every generated file for `model`.
pub fn emit(model: &Model) -> Result<Vec<GeneratedFile>> {
    let context = Context::new(model)?;
    let modules: Vec<(String, String)> = model
        .definitions
        .iter()
        .map(|definition| {
            let names = &context.rust_names[definition.name.as_str()];
            (names.module.clone(), names.type_name.clone())
        })
        .collect();
    // One file per definition, independent of the others: spread over the machine's cores, then
    // put back in definition order so the output does not depend on scheduling.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = model.definitions.len().div_ceil(threads).max(1);
    let mut files: Vec<GeneratedFile> = std::thread::scope(|scope| {
        let workers: Vec<_> = model
            .definitions
            .chunks(chunk)
            .zip(modules.chunks(chunk))
            .map(|(definitions, modules)| {
                let context = &context;
                scope.spawn(move || {
                    definitions
                        .iter()
                        .zip(modules)
                        .map(|(definition, (module, _))| {
                            definition_file(context, definition, module)
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        let mut files = Vec::with_capacity(model.definitions.len() + 3);
        for worker in workers {
            files.extend(worker.join().expect("an emitter thread panicked")?);
        }
        Ok::<_, Error>(files)
    })?;
    files.push(GeneratedFile {
        path: "releases.rs".to_owned(),
        contents: format_file(
            &["Schema versions and Windows releases, generated from the merged model.".to_owned()],
            releases::emit(model),
        )?,
    });
    files.push(GeneratedFile {
        path: "since.rs".to_owned(),
        contents: format_file(
            &[
                "When each type, field and variant appeared: one constant per distinct fact."
                    .to_owned(),
            ],
            context.availability_constants(),
        )?,
    });
    files.push(GeneratedFile {
        path: "json_names.rs".to_owned(),
        contents: format_file(
            &["The JSON name of every property of every struct, in one table.".to_owned()],
            context.name_table(),
        )?,
    });
    files.push(GeneratedFile {
        path: "mod.rs".to_owned(),
        contents: module_file(&modules)?,
    });
    Ok(files)
}

fn definition_file(
    context: &Context<'_>,
    definition: &Definition,
    module: &str,
) -> Result<GeneratedFile> {
    let body = match &definition.kind {
        DefinitionKind::Struct { properties } => structs::emit(context, definition, properties)?,
        DefinitionKind::Enum { variants } => enums::emit(context, definition, variants)?,
    };
    let header = file_header(definition);
    Ok(GeneratedFile {
        path: format!("{module}.rs"),
        contents: format_file(&header, body)?,
    })
}

impl<'m> Context<'m> {
    fn new(model: &'m Model) -> Result<Self> {
        let rust_names = collisions::rust_names(model)?;
        let removed = model
            .definitions
            .iter()
            .filter(|d| d.availability.removed_in().is_some())
            .map(|d| d.name.as_str())
            .collect();
        Ok(Self {
            model,
            rust_names,
            removed,
            boxed: cycle_breaking_boxes(model),
            json_names: json_names(model),
        })
    }

    /// Whether the definition is a struct (not an enum).
    pub fn is_struct(&self, schema_name: &str) -> bool {
        self.model
            .definition(schema_name)
            .is_some_and(|d| matches!(d.kind, DefinitionKind::Struct { .. }))
    }

    pub fn rust_name(&self, schema_name: &str) -> &str {
        &self.rust_names[schema_name].type_name
    }

    /// The name of the `since::` constant that holds `availability`: `V2_1_1809` (documented
    /// as 2.1, first in 1809), `V2_4_2004_DOC_2_4`... see [`availability_name`].
    pub fn availability_tokens(&self, availability: &Availability) -> TokenStream {
        let name = format_ident!("{}", availability_name(availability));
        quote! { since::#name }
    }

    /// `json_names.rs`: the name table every `FieldInfo`'s `json_name` is a slice of
    /// (`hcs_schema::fields::name_table`), and one constant per name, the slice at its place
    /// (`fields::json_name`). A struct's file names its properties by these constants, whose
    /// names are the JSON names, so a new name changes this file and not the files of the other
    /// structs. Nothing is searched when the crate compiles: the slices are placed here.
    fn name_table(&self) -> TokenStream {
        let count = proc_macro2::Literal::usize_unsuffixed(self.json_names.len());
        let names = self.json_names.iter();
        let len = self.json_names.iter().map(|name| name.len()).sum::<usize>();
        let len = proc_macro2::Literal::usize_unsuffixed(len);
        let mut at = 0;
        let constants = self.json_names.iter().map(|name| {
            let ident = json_name_ident(name);
            let offset = proc_macro2::Literal::usize_unsuffixed(at);
            at += name.len();
            quote! { pub(crate) const #ident: &str = fields::json_name(#offset, #name); }
        });
        quote! {
            // The constants are named as the JSON names are written.
            #![allow(non_upper_case_globals)]

            use crate::fields;

            /// The JSON name of every property of every struct that JSON writes as it is, sorted
            /// by bytes.
            const NAMES: [&str; #count] = [#(#names),*];

            /// `NAMES` one after another, then `fields::NAME_PADDING` zero bytes. The
            /// `json_name` of each [`FieldInfo`](crate::FieldInfo) is a slice of this table
            /// (one of the constants below), so the JSON writer knows a property name by its
            /// address and copies it as it is.
            pub(crate) static JSON_NAMES: [u8; #len + fields::NAME_PADDING] = fields::name_table(&NAMES);

            #(#constants)*
        }
    }

    /// `since.rs`: one constant per distinct availability in the model.
    fn availability_constants(&self) -> TokenStream {
        let mut all = BTreeMap::new();
        let mut note = |availability: &Availability| {
            all.entry(availability_name(availability))
                .or_insert_with(|| availability.clone());
        };
        for definition in &self.model.definitions {
            note(&definition.availability);
            match &definition.kind {
                DefinitionKind::Struct { properties } => {
                    properties.iter().for_each(|p| note(&p.availability))
                }
                DefinitionKind::Enum { variants } => {
                    variants.iter().for_each(|v| note(&v.availability))
                }
            }
        }
        let constants = all.iter().map(|(name, availability)| {
            let ident = format_ident!("{}", name);
            let value = match availability {
                Availability::Published(published) => {
                    let since = releases::version_const(published.since);
                    let documented = match published.documented {
                        Some(version) => {
                            let version = releases::version_const(version);
                            quote! { Some(SchemaVersion::#version) }
                        }
                        None => quote! { None },
                    };
                    let first = releases::release_const(&published.first_release);
                    let removed = match &published.removed_in {
                        Some(release) => {
                            let release = releases::release_const(release);
                            quote! { Some(&Release::#release) }
                        }
                        None => quote! { None },
                    };
                    let still = still_observed_in(published)
                        .iter()
                        .map(|id| releases::source_const(id));
                    quote! {
                        Availability::Published(Published {
                            since: SchemaVersion::#since,
                            documented: #documented,
                            first_release: &Release::#first,
                            removed_in: #removed,
                            still_observed_in: &[#(&ObservedSource::#still),*],
                        })
                    }
                }
                Availability::Observed(observed) => {
                    let sources = observed
                        .observed_in
                        .iter()
                        .map(|id| releases::source_const(id));
                    let evidence = observed
                        .evidence
                        .iter()
                        .map(|id| releases::evidence_const(id));
                    quote! {
                        Availability::Observed(Observed {
                            sources: &[#(&ObservedSource::#sources),*],
                            evidence: &[#(&Evidence::#evidence),*],
                        })
                    }
                }
            };
            let doc = format!(" {}", docs::availability(self.model, availability));
            quote! {
                #[doc = #doc]
                pub(crate) const #ident: Availability = #value;
            }
        });
        let published = all.values().any(|a| a.published().is_some());
        let observed = all.values().any(|a| a.published().is_none());
        let still_observed = all
            .values()
            .filter_map(Availability::published)
            .any(|p| !still_observed_in(p).is_empty());
        let mut uses = vec![quote! { Availability }];
        if observed {
            uses.extend([quote! { Evidence }, quote! { Observed }]);
        }
        if observed || still_observed {
            uses.push(quote! { ObservedSource });
        }
        if published {
            uses.extend([
                quote! { Published },
                quote! { Release },
                quote! { SchemaVersion },
            ]);
        }
        quote! {
            use crate::{#(#uses),*};

            #(#constants)*
        }
    }
}

/// For an item a published release removed: the observed sources that still have it (the only
/// published items whose generated availability names observed sources, so that adding a source
/// changes the files of the items it changes).
pub(crate) fn still_observed_in(published: &crate::model::PublishedAvailability) -> &[String] {
    if published.removed_in.is_some() {
        &published.observed_in
    } else {
        &[]
    }
}

/// The constant of a property name in `json_names.rs`: the name itself, a raw identifier if it
/// is a keyword.
fn json_name_ident(name: &str) -> proc_macro2::Ident {
    if names::is_keyword(name) {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        format_ident!("{name}")
    }
}

/// Whether a property name can be its own constant in `json_names.rs`: an identifier, or a
/// keyword that can be raw. (Such names also need no escaping in JSON.)
fn is_constant_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(name, "_" | "self" | "Self" | "super" | "crate")
}

/// Every property name of every struct that is its own constant in the name table (all of them:
/// a name that is no identifier would be left out and written as a literal), sorted by bytes.
fn json_names(model: &Model) -> BTreeSet<&str> {
    model
        .definitions
        .iter()
        .filter_map(|definition| match &definition.kind {
            DefinitionKind::Struct { properties } => Some(properties),
            DefinitionKind::Enum { .. } => None,
        })
        .flatten()
        .map(|property| property.name.as_str())
        .filter(|name| is_constant_name(name))
        .collect()
}

/// The name of the `since::` constant of an availability.
///
/// Published: `V{since}_{first release}`, then `_DOC_{documented}` when the reference documents
/// another version, `_UNDOCUMENTED` when it documents none, `_REMOVED_{release}`, and
/// `_SEEN_{source}...` for the observed sources that still have a removed item. Observed:
/// `OBSERVED_{source}..._{evidence}...`.
pub(crate) fn availability_name(availability: &Availability) -> String {
    let version = |v: crate::version::SchemaVersion| format!("{}_{}", v.major, v.minor);
    match availability {
        Availability::Published(published) => {
            let mut name = format!(
                "V{}_{}",
                version(published.since),
                published.first_release.to_ascii_uppercase()
            );
            match published.documented {
                Some(documented) if documented == published.since => {}
                Some(documented) => name.push_str(&format!("_DOC_{}", version(documented))),
                None => name.push_str("_UNDOCUMENTED"),
            }
            if let Some(removed) = &published.removed_in {
                name.push_str(&format!("_REMOVED_{}", removed.to_ascii_uppercase()));
            }
            for source in still_observed_in(published) {
                name.push_str(&format!("_SEEN_{}", releases::source_const(source)));
            }
            name
        }
        Availability::Observed(observed) => {
            let mut name = "OBSERVED".to_owned();
            for source in &observed.observed_in {
                name.push_str(&format!("_{}", releases::source_const(source)));
            }
            for fact in &observed.evidence {
                name.push_str(&format!("_{}", releases::evidence_const(fact)));
            }
            name
        }
    }
}

/// A struct field needs `Box` when its type (not through an array or map) is a struct that can
/// reach the field's own struct the same way: otherwise the type would have infinite size.
fn cycle_breaking_boxes(model: &Model) -> BTreeSet<(&str, &str)> {
    let mut edges: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for definition in &model.definitions {
        if let DefinitionKind::Struct { properties } = &definition.kind {
            for property in properties {
                if let crate::spec::TypeExpr::Ref(target) = &property.ty {
                    edges
                        .entry(definition.name.as_str())
                        .or_default()
                        .push((property.name.as_str(), target));
                }
            }
        }
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(node) = stack.pop() {
            if node == to {
                return true;
            }
            if seen.insert(node) {
                stack.extend(
                    edges
                        .get(node)
                        .into_iter()
                        .flatten()
                        .map(|(_, target)| *target),
                );
            }
        }
        false
    };
    let mut boxed = BTreeSet::new();
    for (source, targets) in &edges {
        for (property, target) in targets {
            if reaches(target, source) {
                boxed.insert((*source, *property));
            }
        }
    }
    boxed
}

fn file_header(definition: &Definition) -> Vec<String> {
    let mut header = vec![format!("Schema definition `{}`.", definition.name)];
    if !definition.former_names.is_empty() {
        let former: Vec<String> = definition
            .former_names
            .iter()
            .map(|f| format!("`{}` ({})", f.name, f.releases.join(", ")))
            .collect();
        header.push(format!("Formerly {}.", former.join(", ")));
    }
    // Deliberately no list of releases (or sources) here: a new release would then rewrite every
    // file. The docs of the type say when it appeared; `schema-json/model.json` lists the rest.
    if definition.availability.published().is_none() {
        header.push("Observed, not published: see the type's documentation.".to_owned());
    }
    header
}

const PREAMBLE: &str =
    "Generated by `cargo xtask codegen` from `schema-json/model.json`. Do not edit by hand.";

fn format_file(header: &[String], body: TokenStream) -> Result<String> {
    let mut lines = vec![PREAMBLE.to_owned(), String::new()];
    lines.extend(header.iter().cloned());
    let header = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    let tokens = quote! {
        #( #![doc = #header] )*
        #body
    };
    let file: syn::File = syn::parse2(tokens.clone()).map_err(|e| {
        Error::new(
            Path::new("hcs-schema/src/generated"),
            "",
            format!("emitted invalid Rust: {e}"),
        )
    })?;
    Ok(space_items(&prettyplease::unparse(&file)))
}

/// prettyplease prints items back to back; a person separates them with a blank line. Adds one
/// between two items of the same block (after a line that closes an item: `}` or `;`), keeping
/// runs of `use` and `mod` lines together.
fn space_items(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut previous: Option<&str> = None;
    for line in text.lines() {
        if let Some(prev) = previous {
            let indent = |l: &str| l.len() - l.trim_start().len();
            let prev_trim = prev.trim_start();
            let trim = line.trim_start();
            // Code inside a doc comment (`/// assert!(..);`) closes nothing.
            let closes_item = !prev_trim.starts_with("///")
                && (prev_trim == "}"
                    || prev_trim.ends_with(';')
                    || prev_trim.starts_with("//!")
                    || prev_trim.starts_with("#!["));
            let same_level = indent(prev) == indent(line);
            let grouped = |l: &str| {
                l.starts_with("use ") || l.starts_with("pub use ") || l.starts_with("mod ")
            };
            let both_grouped = grouped(prev_trim) && grouped(trim)
                || prev_trim.starts_with("//!") && trim.starts_with("//!");
            // Match arms after a block arm stay together.
            let arm =
                trim.starts_with('"') || trim.starts_with("_ =>") || trim.starts_with("Self::");
            if closes_item
                && same_level
                && !trim.is_empty()
                && !trim.starts_with('}')
                && !both_grouped
                && !arm
            {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

fn module_file(modules: &[(String, String)]) -> Result<String> {
    let mods = modules
        .iter()
        .map(|(module, _)| format_ident!("{}", module));
    let uses = modules.iter().map(|(module, name)| {
        let module = format_ident!("{}", module);
        let name = format_ident!("{}", name);
        quote! { pub use #module::#name; }
    });
    let entries = modules.iter().map(|(_, name)| {
        let ident = format_ident!("{}", name);
        quote! { #ident }
    });
    let body = quote! {
        #![allow(deprecated)]

        pub(crate) mod json_names;
        mod releases;
        mod since;
        #( mod #mods; )*

        pub use releases::VERSION_MAP;
        #( #uses )*

        /// Calls the macro `$callback` with every generated type, as `$callback! { A, B, ... }`
        /// (paths relative to the crate root), so tools can build their own registry of types
        /// without this crate compiling code for all of them.
        ///
        /// ```
        /// macro_rules! count { ($($ty:ident),* $(,)?) => { [$(stringify!($ty)),*].len() } }
        /// assert!(hcs_schema::for_each_schema_type!(count) > 200);
        /// ```
        #[macro_export]
        macro_rules! for_each_schema_type {
            ($callback:ident) => {
                $callback! { #( #entries ),* }
            };
        }
    };
    format_file(
        &[
            "One module per schema definition; every type is re-exported at the crate root."
                .to_owned(),
        ],
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::{is_constant_name, json_name_ident};

    /// Which property names get a constant in `json_names.rs` (the others are written as
    /// literals, escaped by the JSON writer): the expected verdicts are Rust's identifier rules.
    #[test]
    fn property_names_that_are_identifiers_get_a_constant() {
        for name in [
            "Name",
            "AdapterInstanceID",
            "data_string",
            "_Hidden",
            "type",
            "r2",
        ] {
            assert!(is_constant_name(name), "{name}");
        }
        for name in [
            "",
            "Device-Id",
            "2Gb",
            "Name ",
            "Quote\"",
            "Back\\slash",
            "Größe",
            "self",
            "Self",
            "super",
            "crate",
            "_",
        ] {
            assert!(!is_constant_name(name), "{name}");
        }
        assert_eq!(json_name_ident("Name").to_string(), "Name");
        assert_eq!(json_name_ident("type").to_string(), "r#type");
    }
}
