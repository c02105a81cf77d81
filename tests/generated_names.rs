//! The generator's lists of names a definition may not take are complete for this repository:
//! every type-like name the hand-written core of `hcs-schema` defines or exports at its crate
//! root is in `names::RESERVED_TYPE_NAMES`, and every name the generated files import is a
//! generated type or in one of the generator's lists. (The refusals themselves are tested on
//! fixtures in `hcs-schema-gen/tests/collisions.rs`.)

use std::collections::BTreeSet;
use std::path::Path;

use hcs_schema_gen::emit::names;
use hcs_workspace_tests::root;

/// The names a `use` item brings into scope (the renamed name where renamed; globs skipped).
fn use_leaves(tree: &syn::UseTree, out: &mut BTreeSet<String>) {
    match tree {
        syn::UseTree::Path(path) => use_leaves(&path.tree, out),
        syn::UseTree::Name(name) => {
            out.insert(name.ident.to_string());
        }
        syn::UseTree::Rename(rename) => {
            out.insert(rename.rename.to_string());
        }
        syn::UseTree::Group(group) => group.items.iter().for_each(|t| use_leaves(t, out)),
        syn::UseTree::Glob(_) => {}
    }
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap();
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What could be a generated type's name: `names::is_type_name`.
fn type_like(name: &str) -> bool {
    names::is_type_name(name) && name.starts_with(|c: char| c.is_ascii_uppercase())
}

#[test]
fn the_hand_written_core_reserves_its_names() {
    let lib = parse(&root().join("hcs-schema/src/lib.rs"));
    let mut defined = BTreeSet::new();
    for item in &lib.items {
        let ident = match item {
            syn::Item::Struct(i) => Some(&i.ident),
            syn::Item::Enum(i) => Some(&i.ident),
            syn::Item::Type(i) => Some(&i.ident),
            syn::Item::Trait(i) => Some(&i.ident),
            syn::Item::Union(i) => Some(&i.ident),
            syn::Item::Use(i) => {
                use_leaves(&i.tree, &mut defined);
                None
            }
            _ => None,
        };
        if let Some(ident) = ident {
            defined.insert(ident.to_string());
        }
    }
    let missing: Vec<_> = defined
        .iter()
        .filter(|name| type_like(name) && !names::RESERVED_TYPE_NAMES.contains(&name.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "hcs-schema's crate root has {missing:?}: add them to names::RESERVED_TYPE_NAMES"
    );
    assert!(defined.contains("Guid") && defined.contains("UnknownProperties"));
}

#[test]
fn the_generated_code_imports_only_names_the_generator_reserves() {
    let dir = hcs_schema_gen::workspace::generated_dir(&root());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    let mut types = BTreeSet::new();
    let mut imported = BTreeSet::new();
    for path in &files {
        for item in parse(path).items {
            match item {
                syn::Item::Struct(i) => {
                    types.insert(i.ident.to_string());
                }
                syn::Item::Enum(i) => {
                    types.insert(i.ident.to_string());
                }
                syn::Item::Use(i) => use_leaves(&i.tree, &mut imported),
                _ => {}
            }
        }
    }
    assert!(types.len() > 200, "{} generated types", types.len());
    let unreserved: Vec<_> = imported
        .iter()
        .filter(|name| type_like(name) && !types.contains(*name))
        .filter(|name| names::reserved_type_name(name).is_none())
        .collect();
    assert!(
        unreserved.is_empty(),
        "the generated code imports {unreserved:?}, which a definition could also be named: \
         add them to names::GENERATED_IMPORTS"
    );
}
