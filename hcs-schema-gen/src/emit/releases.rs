//! `releases.rs`: `SchemaVersion::V2_0` ..., `Release::SDK_1809` ..., `VERSION_MAP`, and the
//! observed sources with their evidence (`ObservedSource::HCSSHIM_7C9FF7F`, `Evidence::...`).

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::Model;
use crate::observed_data::EvidenceKind;
use crate::version::SchemaVersion;

/// `2.3` -> `V2_3`.
pub fn version_const(version: SchemaVersion) -> Ident {
    format_ident!("V{}_{}", version.major, version.minor)
}

/// `20H2` -> `SDK_20H2`.
pub fn release_const(id: &str) -> Ident {
    format_ident!("SDK_{}", id.to_ascii_uppercase())
}

/// `hcsshim-7c9ff7f` -> `HCSSHIM_7C9FF7F`.
pub fn source_const(id: &str) -> Ident {
    format_ident!("{}", constant_case(id))
}

/// `filter-type-2.9` -> `FILTER_TYPE_2_9`.
pub fn evidence_const(id: &str) -> Ident {
    format_ident!("{}", constant_case(id))
}

fn constant_case(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

pub fn emit(model: &Model) -> TokenStream {
    let mut versions: BTreeSet<SchemaVersion> = model.versions.iter().map(|v| v.version).collect();
    versions.extend(
        model
            .releases
            .iter()
            .flat_map(|r| r.schema_versions.iter().copied()),
    );
    let published_versions = versions.clone();
    versions.extend(model.observed.evidence.iter().filter_map(|e| e.version));
    let version_consts = versions.iter().map(|version| {
        let name = version_const(*version);
        let (major, minor) = (version.major, version.minor);
        let doc = match model.version_info(*version) {
            Some(info) => format!(" Schema {version}: {}.", info.windows),
            None if !published_versions.contains(version) => {
                let facts: Vec<String> = model
                    .observed
                    .evidence
                    .iter()
                    .filter(|e| e.version == Some(*version))
                    .map(|e| {
                        let name = evidence_const(&e.id);
                        format!("[`Evidence::{name}`](crate::Evidence::{name})")
                    })
                    .collect();
                format!(
                    " Schema {version}: known only from observed sources ({}), not from a published file.",
                    facts.join(", ")
                )
            }
            None => format!(" Schema {version}."),
        };
        quote! {
            #[doc = #doc]
            pub const #name: SchemaVersion = SchemaVersion::new(#major, #minor);
        }
    });
    let all_versions = versions.iter().map(|v| version_const(*v));
    let all_published = published_versions.iter().map(|v| version_const(*v));
    let latest = version_const(
        *published_versions
            .iter()
            .next_back()
            .expect("at least one version"),
    );

    let release_consts = model.releases.iter().map(|release| {
        let name = release_const(&release.id);
        let (id, display, build) = (&release.id, &release.name, release.build);
        let schema_versions = release.schema_versions.iter().map(|v| version_const(*v));
        let listed: Vec<String> = release
            .schema_versions
            .iter()
            .map(ToString::to_string)
            .collect();
        let doc = format!(
            " {display} (build {build}); its schema files first publish schema {}.",
            listed.join(", ")
        );
        quote! {
            #[doc = #doc]
            pub const #name: Release = Release {
                id: #id,
                name: #display,
                build: #build,
                schema_versions: &[#(SchemaVersion::#schema_versions),*],
            };
        }
    });
    let all_releases = model.releases.iter().map(|r| release_const(&r.id));

    let map_rows = model.versions.iter().map(|info| {
        let version = version_const(info.version);
        let (windows, build) = (&info.windows, info.build);
        quote! { VersionIntroduction { version: SchemaVersion::#version, windows: #windows, build: #build } }
    });

    let sources = observed_sources(model);
    let uses = if model.observed.is_empty() {
        quote! { use crate::{Release, SchemaVersion, VersionIntroduction}; }
    } else {
        quote! { use crate::{Evidence, EvidenceKind, ObservedSource, Release, SchemaVersion, VersionIntroduction}; }
    };

    quote! {
        #uses

        impl SchemaVersion {
            #(#version_consts)*

            /// Every schema version a source names, oldest first: the published schema files and
            /// reference, and the evidence of the observed sources.
            pub const KNOWN: &'static [SchemaVersion] = &[#(SchemaVersion::#all_versions),*];

            /// Every schema version the published schema files and reference know, oldest first.
            pub const PUBLISHED: &'static [SchemaVersion] = &[#(SchemaVersion::#all_published),*];

            /// The newest published schema version.
            pub const LATEST: SchemaVersion = SchemaVersion::#latest;
        }

        impl Release {
            #(#release_consts)*

            /// Every release whose schema was published, oldest first.
            pub const ALL: &'static [Release] = &[#(Release::#all_releases),*];
        }

        /// The published schema reference's "Schema Version Map": the Windows release that
        /// introduced each schema version.
        pub const VERSION_MAP: &[VersionIntroduction] = &[#(#map_rows),*];

        #sources
    }
}

/// `ObservedSource::...`, `Evidence::...` and their `ALL` lists (nothing without observed sources).
fn observed_sources(model: &Model) -> TokenStream {
    if model.observed.is_empty() {
        return TokenStream::new();
    }
    let source_consts = model.observed.sources.iter().map(|source| {
        let name = source_const(&source.id);
        let (id, display, description) = (&source.id, &source.name, &source.description);
        let doc = format!(" {display}: {description}");
        quote! {
            #[doc = #doc]
            pub const #name: ObservedSource = ObservedSource {
                id: #id,
                name: #display,
                description: #description,
            };
        }
    });
    let all_sources = model.observed.sources.iter().map(|s| source_const(&s.id));
    let evidence_consts = model.observed.evidence.iter().map(|fact| {
        let name = evidence_const(&fact.id);
        let id = &fact.id;
        let source = source_const(&fact.source);
        let kind = match fact.kind {
            EvidenceKind::Introduced => quote! { EvidenceKind::Introduced },
            EvidenceKind::Accepted => quote! { EvidenceKind::Accepted },
        };
        let version = match fact.version {
            Some(version) => {
                let version = version_const(version);
                quote! { Some(SchemaVersion::#version) }
            }
            None => quote! { None },
        };
        let build = match fact.build {
            Some(build) => quote! { Some(#build) },
            None => quote! { None },
        };
        let locations = &fact.locations;
        let says = &fact.says;
        let doc = format!(
            " {}: {says} ({}).",
            crate::emit::docs::fact_summary(model, fact),
            fact.locations.join(", ")
        );
        quote! {
            #[doc = #doc]
            pub const #name: Evidence = Evidence {
                id: #id,
                source: &ObservedSource::#source,
                kind: #kind,
                version: #version,
                build: #build,
                locations: &[#(#locations),*],
                says: #says,
            };
        }
    });
    let all_evidence = model
        .observed
        .evidence
        .iter()
        .map(|e| evidence_const(&e.id));
    quote! {
        impl ObservedSource {
            #(#source_consts)*

            /// Every observed source, in order of precedence for types.
            pub const ALL: &'static [ObservedSource] = &[#(ObservedSource::#all_sources),*];
        }

        impl Evidence {
            #(#evidence_consts)*

            /// Every fact the observed sources state about versions and builds.
            pub const ALL: &'static [Evidence] = &[#(Evidence::#all_evidence),*];
        }
    }
}
