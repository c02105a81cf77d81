//! Every item of every published file is in the merged model, and every model item is a generated
//! type, field or variant carrying the model's version facts.

use std::collections::BTreeMap;

use hcs_schema::{Availability, FieldInfo, SchemaType, VariantInfo};
use hcs_schema_gen::model::{self, DefinitionKind, Model};
use hcs_schema_gen::release_data::ReleaseData;
use hcs_schema_gen::workspace;
use hcs_workspace_tests::{root, schema_dir};

/// The number of definitions across all eleven published files, renames merged.
const PUBLISHED_DEFINITIONS: usize = 263;

/// The number of definitions only the observed sources have (after aliases and exclusions):
/// ../shared/schema-json/observed/README.md counts 39 on main and 108 in the PR, 10 of them in
/// both; observed.json aliases 4 of main's to published definitions and excludes 43 of the PR's.
const OBSERVED_DEFINITIONS: usize = 39 + 108 - 10 - 4 - 43;

struct Generated {
    former_names: &'static [&'static str],
    availability: Availability,
    fields: &'static [FieldInfo],
    variants: &'static [VariantInfo],
}

fn generated() -> BTreeMap<&'static str, Generated> {
    macro_rules! collect {
        ($($ty:ident),* $(,)?) => {{
            #[allow(deprecated)]
            let entries = vec![$((
                <hcs_schema::$ty as SchemaType>::SCHEMA_NAME,
                Generated {
                    former_names: <hcs_schema::$ty as SchemaType>::FORMER_NAMES,
                    availability: <hcs_schema::$ty as SchemaType>::AVAILABILITY,
                    fields: <hcs_schema::$ty as SchemaType>::FIELDS,
                    variants: <hcs_schema::$ty as SchemaType>::VARIANTS,
                },
            )),*];
            entries.into_iter().collect()
        }};
    }
    hcs_schema::for_each_schema_type!(collect)
}

fn model() -> Model {
    Model::load(&workspace::model_path(&root())).expect("the committed model loads")
}

fn same_availability(generated: &Availability, model: &model::Availability) -> bool {
    match (generated, model) {
        (Availability::Published(generated), model::Availability::Published(model)) => {
            let still: Vec<&str> = generated.still_observed_in.iter().map(|s| s.id).collect();
            let expected_still: Vec<&str> = if model.removed_in.is_some() {
                model.observed_in.iter().map(String::as_str).collect()
            } else {
                Vec::new()
            };
            generated.since.to_string() == model.since.to_string()
                && generated.documented.map(|v| v.to_string())
                    == model.documented.map(|v| v.to_string())
                && generated.first_release.id == model.first_release
                && generated.removed_in.map(|r| r.id) == model.removed_in.as_deref()
                && still == expected_still
        }
        (Availability::Observed(generated), model::Availability::Observed(model)) => {
            let sources: Vec<&str> = generated.sources.iter().map(|s| s.id).collect();
            let evidence: Vec<&str> = generated.evidence.iter().map(|e| e.id).collect();
            sources == model.observed_in && evidence == model.evidence
        }
        _ => false,
    }
}

#[test]
fn every_definition_is_a_generated_type() {
    let model = model();
    let generated = generated();
    let published = model
        .definitions
        .iter()
        .filter(|d| d.availability.published().is_some())
        .count();
    assert_eq!(published, PUBLISHED_DEFINITIONS);
    assert_eq!(
        model.definitions.len(),
        PUBLISHED_DEFINITIONS + OBSERVED_DEFINITIONS
    );
    assert_eq!(generated.len(), model.definitions.len());
    for definition in &model.definitions {
        let ty = generated
            .get(definition.name.as_str())
            .unwrap_or_else(|| panic!("{} is not generated", definition.name));
        let former: Vec<&str> = definition
            .former_names
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(ty.former_names, former.as_slice(), "{}", definition.name);
        assert!(
            same_availability(&ty.availability, &definition.availability),
            "{}",
            definition.name
        );
        match &definition.kind {
            DefinitionKind::Struct { properties } => {
                assert!(ty.variants.is_empty());
                assert_eq!(ty.fields.len(), properties.len(), "{}", definition.name);
                for (field, property) in ty.fields.iter().zip(properties) {
                    assert_eq!(field.json_name, property.name, "{}", definition.name);
                    assert!(
                        same_availability(&field.availability, &property.availability),
                        "{}.{}",
                        definition.name,
                        property.name
                    );
                }
            }
            DefinitionKind::Enum { variants } => {
                assert!(ty.fields.is_empty());
                assert_eq!(ty.variants.len(), variants.len(), "{}", definition.name);
                for (generated, variant) in ty.variants.iter().zip(variants) {
                    assert_eq!(generated.json_value, variant.value, "{}", definition.name);
                    assert!(same_availability(
                        &generated.availability,
                        &variant.availability
                    ));
                }
            }
        }
    }
}

#[test]
fn renamed_definitions_are_one_type_with_the_newest_name() {
    let generated = generated();
    for (newest, old) in [
        ("Container_Memory", "Memory"),
        ("VirtualMachine_Memory", "Memory_2"),
        ("Container_Processor", "Processor"),
        ("VirtualMachine_Processor", "Processor_2"),
        ("Container_HvSocket", "HvSocket"),
        ("VirtualMachine_HvSocket", "HvSocket_2"),
        ("Service_PropertyQuery", "PropertyQuery"),
        ("System_PropertyQuery", "PropertyQuery_2"),
        ("System_PropertyType", "PropertyType_2"),
        ("GetPropertyType", "PropertyType"),
    ] {
        assert_eq!(generated[newest].former_names, [old], "{newest}");
        assert!(!generated.contains_key(old), "{old} is its own type");
    }
    // Unrelated despite the name.
    assert!(generated.contains_key("Device") && generated.contains_key("Device_2"));
    assert_eq!(
        generated["Device_2"]
            .availability
            .removed_in()
            .map(|r| r.id),
        Some("20H2")
    );
    assert_eq!(
        <hcs_schema::VirtualMachineMemory as SchemaType>::SCHEMA_NAME,
        "VirtualMachine_Memory"
    );
}

#[test]
fn removed_items_are_kept_and_marked() {
    let generated = generated();
    let devices = &generated["Devices"];
    let kernel = devices
        .fields
        .iter()
        .find(|f| f.json_name == "KernelIntegration")
        .expect("kept");
    assert_eq!(kernel.availability.removed_in().map(|r| r.id), Some("20H2"));
    let system_type = &generated["SystemType"];
    let host = system_type
        .variants
        .iter()
        .find(|v| v.json_value == "Host")
        .expect("kept");
    assert!(host.availability.removed_in().is_some());
}

/// Every definition, property and enum value of every published file is in the model, with the
/// file's type among the property's types.
#[test]
fn every_published_item_is_in_the_model() {
    let Some(dir) = schema_dir() else { return };
    let model = model();
    let data = ReleaseData::load(&workspace::data_dir(&root())).expect("release data");
    let renamed = |name: &str| {
        data.renames
            .iter()
            .find(|r| r.from == name)
            .map_or(name.to_owned(), |r| r.to.clone())
    };
    let mut items = 0;
    for release in &data.releases {
        for relative in &release.files {
            let file = hcs_schema_gen::load::load_file(&dir.join(relative)).expect("loads");
            for definition in &file.definitions {
                let name = renamed(&definition.name);
                let merged = model
                    .definition(&name)
                    .unwrap_or_else(|| panic!("{relative}: {name} missing"));
                assert!(
                    merged.availability.releases().contains(&release.id),
                    "{relative}: {name}"
                );
                items += 1;
                match (&definition.kind, &merged.kind) {
                    (
                        hcs_schema_gen::spec::DefinitionKind::Struct(properties),
                        DefinitionKind::Struct { properties: merged },
                    ) => {
                        for property in properties {
                            let found = merged.iter().find(|p| p.name == property.name);
                            let found = found.unwrap_or_else(|| {
                                panic!("{relative}: {name}.{} missing", property.name)
                            });
                            let ty = property
                                .ty
                                .try_map_refs::<()>(&mut |n| Ok(renamed(n)))
                                .unwrap();
                            let known =
                                found.ty == ty || found.type_history.iter().any(|h| h.ty == ty);
                            assert!(known, "{relative}: {name}.{} has type {ty}", property.name);
                            assert!(found.availability.releases().contains(&release.id));
                            items += 1;
                        }
                    }
                    (
                        hcs_schema_gen::spec::DefinitionKind::Enum(values),
                        DefinitionKind::Enum { variants },
                    ) => {
                        for value in values {
                            let found = variants.iter().find(|v| &v.value == value);
                            assert!(found.is_some(), "{relative}: {name}={value:?} missing");
                            items += 1;
                        }
                    }
                    _ => panic!("{relative}: {name} changed kind"),
                }
            }
        }
    }
    assert!(items > 10_000, "only {items} items checked");
}

/// Every version the reference documents is the `documented` fact of the generated item.
#[test]
fn documented_versions_match_the_reference() {
    let Some(dir) = schema_dir() else { return };
    let reference = hcs_schema_gen::reference::load_reference(&dir.join("SchemaReference.md"))
        .expect("reference");
    let generated = generated();
    let mut checked = 0;
    for (name, documented) in &reference.types {
        let Some(ty) = generated.get(name.as_str()) else {
            continue;
        };
        for member in &documented.members {
            let availability = if documented.is_enum {
                ty.variants
                    .iter()
                    .find(|v| v.json_value == member.name)
                    .or_else(|| ty.variants.iter().find(|v| v.json_value.is_empty()))
                    .map(|v| v.availability)
            } else {
                ty.fields
                    .iter()
                    .find(|f| f.json_name == member.name)
                    .map(|f| f.availability)
            };
            let availability =
                availability.unwrap_or_else(|| panic!("{name}.{} not generated", member.name));
            let published = availability
                .published()
                .unwrap_or_else(|| panic!("{name}.{} is documented, so published", member.name));
            assert_eq!(
                published.documented.map(|v| v.to_string()),
                Some(member.since.to_string()),
                "{name}.{}",
                member.name
            );
            assert!(published.since >= published.documented.unwrap());
            checked += 1;
        }
    }
    assert!(checked > 1_000, "only {checked} documented items checked");
    // A sample, spelled out.
    let field = |ty: &str, json: &str| {
        generated[ty]
            .fields
            .iter()
            .find(|f| f.json_name == json)
            .unwrap()
            .availability
            .published()
            .copied()
            .unwrap()
    };
    assert_eq!(field("Attachment", "CachingMode").since.to_string(), "2.1");
    assert_eq!(
        field("Attachment", "SupportCompressedVolumes")
            .since
            .to_string(),
        "2.3"
    );
    assert_eq!(
        field("Attachment", "AlwaysAllowSparseFiles")
            .since
            .to_string(),
        "2.6"
    );
    assert_eq!(
        field("VirtualMachine_Memory", "BackingPageSize")
            .since
            .to_string(),
        "2.2"
    );
    // Documented as 2.4 but already in the 2004 files: both facts kept, the later one wins.
    let shift = field("VirtualMachine_Memory", "FaultClusterSizeShift");
    assert_eq!(
        (shift.since.to_string(), shift.first_release.id),
        ("2.4".to_owned(), "2004")
    );
}

/// Both ways between the observed source files and the model: every item of every observed file
/// is in the model (under its alias, if it has one), unless `observed.json` excludes it; and every
/// item the model says a source has is in that source's file (or is one of its additions).
#[test]
fn observed_items_are_exactly_those_of_their_sources() {
    let Some(dir) = schema_dir() else { return };
    let model = model();
    let observed = &model.observed;
    let excluded = |item: &str| observed.exclusions.iter().any(|e| e.item == item);
    let mut checked = 0;
    for source in &observed.sources {
        let file = hcs_schema_gen::load::load_file(&dir.join(&source.file)).expect("loads");
        let canonical = |name: &str| {
            observed
                .aliases
                .iter()
                .find(|a| a.source == source.id && a.name == name)
                .map_or(name, |a| a.same_as.as_str())
                .to_owned()
        };
        let mut in_file: Vec<String> = Vec::new();
        for definition in &file.definitions {
            if excluded(&definition.name) {
                continue;
            }
            let name = canonical(&definition.name);
            in_file.push(name.clone());
            let merged = model
                .definition(&name)
                .unwrap_or_else(|| panic!("{}: {name} not in the model", source.id));
            assert!(merged.availability.observed_in().contains(&source.id));
            match &definition.kind {
                hcs_schema_gen::spec::DefinitionKind::Struct(properties) => {
                    for property in properties {
                        let item = format!("{name}.{}", property.name);
                        if excluded(&item) {
                            continue;
                        }
                        in_file.push(item.clone());
                        let DefinitionKind::Struct { properties } = &merged.kind else {
                            panic!("{name} is a struct")
                        };
                        let found = properties
                            .iter()
                            .find(|p| p.name == property.name)
                            .unwrap_or_else(|| panic!("{}: {item} not in the model", source.id));
                        assert!(
                            found.availability.observed_in().contains(&source.id),
                            "{item}"
                        );
                        checked += 1;
                    }
                }
                hcs_schema_gen::spec::DefinitionKind::Enum(values) => {
                    for value in values {
                        in_file.push(format!("{name}={value:?}"));
                        let DefinitionKind::Enum { variants } = &merged.kind else {
                            panic!("{name} is an enum")
                        };
                        let found = variants.iter().find(|v| &v.value == value);
                        assert!(
                            found
                                .is_some_and(|v| v.availability.observed_in().contains(&source.id)),
                            "{}: {name}={value:?}",
                            source.id
                        );
                        checked += 1;
                    }
                }
            }
        }
        // The other way: what the model credits to this source is in its file.
        for addition in observed.additions.iter().filter(|a| a.source == source.id) {
            in_file.push(addition.item.clone());
        }
        for definition in &model.definitions {
            let has = |a: &model::Availability| a.observed_in().contains(&source.id);
            if has(&definition.availability) {
                assert!(
                    in_file.contains(&definition.name),
                    "{}: {}",
                    source.id,
                    definition.name
                );
            }
            match &definition.kind {
                DefinitionKind::Struct { properties } => {
                    for p in properties.iter().filter(|p| has(&p.availability)) {
                        let item = format!("{}.{}", definition.name, p.name);
                        assert!(in_file.contains(&item), "{}: {item}", source.id);
                    }
                }
                DefinitionKind::Enum { variants } => {
                    for v in variants.iter().filter(|v| has(&v.availability)) {
                        let item = format!("{}={:?}", definition.name, v.value);
                        assert!(in_file.contains(&item), "{}: {item}", source.id);
                    }
                }
            }
        }
    }
    // main: 509 properties + 69 values; the PR: 1041 + 622; less what is excluded.
    assert!(checked > 1_500, "only {checked} observed items checked");
}

/// The type disagreements the import reports are the ones the observed sources' README counts:
/// 35 for the PR; 97 for main, less the 4 its aliases resolve (a `$ref` to hcsshim's name for a
/// published definition), plus the 7 where main and the PR disagree on an observed item and the
/// PR, first in precedence, wins.
#[test]
fn observed_type_disagreements_are_the_ones_the_readme_counts() {
    let model = model();
    let mut per_source: BTreeMap<&str, usize> = BTreeMap::new();
    for definition in &model.definitions {
        if let DefinitionKind::Struct { properties } = &definition.kind {
            for property in properties {
                for observed in &property.observed_types {
                    for source in &observed.sources {
                        *per_source.entry(source.as_str()).or_default() += 1;
                    }
                }
            }
        }
    }
    assert_eq!(per_source["hcsshim-pr1914-5d01ee4"], 35);
    assert_eq!(per_source["hcsshim-7c9ff7f"], 97 - 4 + 7);
    // A published type always wins: the GUID, MAC and base64 formats stay.
    let property = |ty: &str, name: &str| match &model.definition(ty).unwrap().kind {
        DefinitionKind::Struct { properties } => {
            properties.iter().find(|p| p.name == name).unwrap().clone()
        }
        DefinitionKind::Enum { .. } => panic!("{ty} is an enum"),
    };
    assert_eq!(property("Layer", "Id").ty.to_string(), "guid");
    assert_eq!(
        property("NetworkAdapter", "MacAddress").ty.to_string(),
        "mac-address"
    );
    assert_eq!(
        property("RegistryValue", "BinaryValue").ty.to_string(),
        "byte"
    );
    assert_eq!(
        property("ProcessDetails", "ProcessId").ty.to_string(),
        "uint32"
    );
    assert_eq!(
        property("ProcessDetails", "ProcessId").observed_types[0]
            .ty
            .to_string(),
        "int32"
    );
    // Between the sources, the PR (generated from Microsoft's own schema) wins.
    assert_eq!(
        property("GuestState", "GuestStateFileType").ty.to_string(),
        "GuestStateFileType"
    );
    assert_eq!(property("Plan9Share", "Flags").ty.to_string(), "int64");
}
