//! Attaches the facts of `evidence.json` to the observed items of a merged model.
//!
//! A fact names its items as `Type` (the definition and every observed member of it),
//! `Type.Property`, `Type="Value"` or `*` (every observed item of its source, less `except`). It
//! applies to observed items only: published facts always win, so a fact about a published item
//! is an error, and so is an item that matches nothing or that the fact's source does not have.

use std::path::Path;

use crate::error::{Error, Result};
use crate::model::{Availability, Definition, DefinitionKind};
use crate::observed_data::{EVIDENCE_FILE, Evidence, ObservedData};

/// One item of the model, as facts name it.
struct Item<'m> {
    /// `Type`, `Type.Property` or `Type="Value"`.
    name: String,
    /// The definition's name (for `Type` facts, which reach every member).
    definition: &'m str,
    /// True for the definition itself.
    is_definition: bool,
    availability: &'m mut Availability,
}

/// Adds to every observed item the ids of the facts about it, in `evidence.json` order.
pub fn apply(observed: &ObservedData, definitions: &mut [Definition]) -> Result<()> {
    let path = Path::new("schema-json").join(EVIDENCE_FILE);
    let mut items = Vec::new();
    for definition in definitions.iter_mut() {
        let definition_name: &str = &definition.name;
        items.push(Item {
            name: definition_name.to_owned(),
            definition: definition_name,
            is_definition: true,
            availability: &mut definition.availability,
        });
        match &mut definition.kind {
            DefinitionKind::Struct { properties } => {
                for property in properties {
                    items.push(Item {
                        name: format!("{definition_name}.{}", property.name),
                        definition: definition_name,
                        is_definition: false,
                        availability: &mut property.availability,
                    });
                }
            }
            DefinitionKind::Enum { variants } => {
                for variant in variants {
                    items.push(Item {
                        name: format!("{definition_name}=\"{}\"", variant.value),
                        definition: definition_name,
                        is_definition: false,
                        availability: &mut variant.availability,
                    });
                }
            }
        }
    }
    for (index, fact) in observed.evidence.iter().enumerate() {
        let at = format!("/evidence/{index}");
        let has_source = |item: &Item<'_>| item.availability.observed_in().contains(&fact.source);
        if fact.items.iter().any(|i| i == "*") {
            for (except_index, except) in fact.except.iter().enumerate() {
                let found = items.iter().find(|item| item.name == *except);
                match found {
                    Some(item) if has_source(item) && is_observed(item) => {}
                    _ => {
                        return Err(Error::new(
                            &path,
                            format!("{at}/except/{except_index}"),
                            format!("`{except}` is no observed item of {}", fact.source),
                        ));
                    }
                }
            }
            for item in items.iter_mut() {
                if is_observed(item) && has_source(item) && !fact.except.contains(&item.name) {
                    attach(fact, item);
                }
            }
            continue;
        }
        for (item_index, wanted) in fact.items.iter().enumerate() {
            let here = format!("{at}/items/{item_index}");
            let Some(position) = items.iter().position(|item| item.name == *wanted) else {
                return Err(Error::new(
                    &path,
                    here,
                    format!("`{wanted}` is not in the model"),
                ));
            };
            let target = &items[position];
            if !is_observed(target) {
                return Err(Error::new(
                    &path,
                    here,
                    format!(
                        "`{wanted}` is published: published facts win, evidence about it is not used"
                    ),
                ));
            }
            if !has_source(target) {
                return Err(Error::new(
                    &path,
                    here,
                    format!("{} does not have `{wanted}`", fact.source),
                ));
            }
            let definition = target.is_definition.then(|| target.definition.to_owned());
            for item in items.iter_mut() {
                let reached = item.name == *wanted
                    || definition.as_deref() == Some(item.definition) && !item.is_definition;
                if reached && is_observed(item) {
                    attach(fact, item);
                }
            }
        }
    }
    Ok(())
}

fn is_observed(item: &Item<'_>) -> bool {
    matches!(item.availability, Availability::Observed(_))
}

fn attach(fact: &Evidence, item: &mut Item<'_>) {
    if let Availability::Observed(observed) = item.availability {
        if !observed.evidence.contains(&fact.id) {
            observed.evidence.push(fact.id.clone());
        }
    }
}
