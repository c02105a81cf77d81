//! `releases.rs`: `SchemaVersion::V2_0` ..., `Release::SDK_1809` ..., and `VERSION_MAP`.

use std::collections::BTreeSet;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::model::Model;
use crate::version::SchemaVersion;

/// `2.3` -> `V2_3`.
pub fn version_const(version: SchemaVersion) -> Ident {
    format_ident!("V{}_{}", version.major, version.minor)
}

/// `20H2` -> `SDK_20H2`.
pub fn release_const(id: &str) -> Ident {
    format_ident!("SDK_{}", id.to_ascii_uppercase())
}

pub fn emit(model: &Model) -> TokenStream {
    let mut versions: BTreeSet<SchemaVersion> = model.versions.iter().map(|v| v.version).collect();
    versions.extend(
        model
            .releases
            .iter()
            .flat_map(|r| r.schema_versions.iter().copied()),
    );
    let version_consts = versions.iter().map(|version| {
        let name = version_const(*version);
        let (major, minor) = (version.major, version.minor);
        let doc = match model.version_info(*version) {
            Some(info) => format!(" Schema {version}: {}.", info.windows),
            None => format!(" Schema {version}."),
        };
        quote! {
            #[doc = #doc]
            pub const #name: SchemaVersion = SchemaVersion::new(#major, #minor);
        }
    });
    let all_versions = versions.iter().map(|v| version_const(*v));
    let latest = version_const(*versions.iter().next_back().expect("at least one version"));

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

    quote! {
        use crate::{Release, SchemaVersion, VersionIntroduction};

        impl SchemaVersion {
            #(#version_consts)*

            /// Every schema version the published schema files and reference know, oldest first.
            pub const KNOWN: &'static [SchemaVersion] = &[#(SchemaVersion::#all_versions),*];

            /// The newest known schema version.
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
    }
}
