//! `UnknownProperties` used as the map it stands for: comparison, hashing, conversions, iteration,
//! `Debug` and serde, with expected values written by hand.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, RandomState};

use hcs_schema::{Attachment, AttachmentType, Plan9Share, UnknownProperties};
use serde_json::{Value, json};

fn hash_of<T: Hash>(state: &RandomState, value: &T) -> u64 {
    state.hash_one(value)
}

fn two() -> UnknownProperties {
    let mut unknown = UnknownProperties::new();
    unknown.insert("B".to_owned(), json!("x"));
    unknown.insert("A".to_owned(), json!(1));
    unknown
}

#[test]
fn emptied_properties_equal_and_hash_like_new_ones() {
    let state = RandomState::new();
    let mut emptied = UnknownProperties::new();
    emptied.insert("A".to_owned(), json!(1));
    assert_ne!(emptied, UnknownProperties::new());
    emptied.remove("A");
    assert_eq!(emptied, UnknownProperties::new());
    assert_eq!(emptied, UnknownProperties::default());
    assert_eq!(
        hash_of(&state, &emptied),
        hash_of(&state, &UnknownProperties::new())
    );
    // The map's hash: the same for the same content.
    assert_eq!(
        hash_of(&state, &emptied),
        hash_of(&state, &BTreeMap::<String, Value>::new())
    );
    assert_eq!(hash_of(&state, &two()), hash_of(&state, &*two()));

    // And so for the structs that hold them.
    let mut with_emptied = Attachment {
        path: Some("p".to_owned()),
        ..Default::default()
    };
    with_emptied
        .unknown_properties
        .insert("Gone".to_owned(), json!(null));
    with_emptied.unknown_properties.remove("Gone");
    let plain = Attachment {
        path: Some("p".to_owned()),
        ..Default::default()
    };
    assert_eq!(with_emptied, plain);
    assert_eq!(hash_of(&state, &with_emptied), hash_of(&state, &plain));
    // An emptied map writes no property.
    assert_eq!(
        hcs_schema::json::to_string(&with_emptied).unwrap(),
        r#"{"Path":"p"}"#
    );
    assert_eq!(
        serde_json::to_string(&with_emptied).unwrap(),
        r#"{"Path":"p"}"#
    );
}

#[test]
fn equality_is_by_content() {
    let mut other = UnknownProperties::new();
    other.insert("A".to_owned(), json!(1));
    assert_ne!(two(), other);
    other.insert("B".to_owned(), json!("x"));
    assert_eq!(two(), other);
    other.insert("B".to_owned(), json!("y"));
    assert_ne!(two(), other);
}

#[test]
fn a_clone_is_equal_and_independent() {
    let original = two();
    let mut copy = original.clone();
    assert_eq!(copy, original);
    copy.insert("C".to_owned(), json!(true));
    assert_eq!(original.len(), 2);
    assert_eq!(copy.len(), 3);
    assert_eq!(UnknownProperties::new().clone(), UnknownProperties::new());
}

#[test]
fn debug_writes_the_map() {
    assert_eq!(format!("{:?}", UnknownProperties::new()), "{}");
    assert_eq!(
        format!("{:?}", two()),
        r#"{"A": Number(1), "B": String("x")}"#
    );
    assert_eq!(
        format!("{:#?}", two()),
        // serde_json writes `String("x")` on one line even in the alternate form.
        "{\n    \"A\": Number(1),\n    \"B\": String(\"x\"),\n}"
    );
    let share = Plan9Share {
        name: Some("n".to_owned()),
        ..Default::default()
    };
    assert!(
        format!("{share:?}").ends_with(", unknown_properties: {} }"),
        "{share:?}"
    );
}

#[test]
fn converts_from_and_into_the_map() {
    let map = BTreeMap::from([("A".to_owned(), json!(1)), ("B".to_owned(), json!("x"))]);
    let unknown = UnknownProperties::from(map.clone());
    assert_eq!(unknown, two());
    assert_eq!(*unknown, map);
    assert_eq!(BTreeMap::from(unknown), map);
    assert_eq!(
        BTreeMap::from(UnknownProperties::new()),
        BTreeMap::<String, Value>::new()
    );
    assert_eq!(
        UnknownProperties::from(BTreeMap::new()),
        UnknownProperties::new()
    );
    assert_eq!(
        UnknownProperties::from([("B".to_owned(), json!("x")), ("A".to_owned(), json!(1))]),
        two()
    );
    // A later duplicate replaces an earlier one, as in the map.
    let collected: UnknownProperties = [
        ("A".to_owned(), json!(0)),
        ("B".to_owned(), json!("x")),
        ("A".to_owned(), json!(1)),
    ]
    .into_iter()
    .collect();
    assert_eq!(collected, two());
    let mut extended = UnknownProperties::new();
    extended.extend([("B".to_owned(), json!("x"))]);
    extended.extend([("A".to_owned(), json!(1))]);
    assert_eq!(extended, two());
}

#[test]
fn iterates_in_name_order() {
    let mut unknown: UnknownProperties = [
        ("b".to_owned(), json!(1)),
        ("a".to_owned(), json!(2)),
        ("C".to_owned(), json!(3)),
    ]
    .into_iter()
    .collect();
    // Byte order: upper case before lower case.
    let names: Vec<&str> = (&unknown)
        .into_iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["C", "a", "b"]);
    for (_, value) in &mut unknown {
        *value = json!(value.as_i64().unwrap() * 10);
    }
    let owned: Vec<(String, Value)> = unknown.into_iter().collect();
    assert_eq!(
        owned,
        [
            ("C".to_owned(), json!(30)),
            ("a".to_owned(), json!(20)),
            ("b".to_owned(), json!(10)),
        ]
    );
    assert_eq!(UnknownProperties::new().into_iter().count(), 0);
    assert_eq!((&UnknownProperties::new()).into_iter().count(), 0);
}

#[test]
fn serializes_and_deserializes_as_a_map() {
    assert_eq!(serde_json::to_string(&two()).unwrap(), r#"{"A":1,"B":"x"}"#);
    assert_eq!(
        serde_json::to_string(&UnknownProperties::new()).unwrap(),
        "{}"
    );
    let read: UnknownProperties = serde_json::from_str(r#"{"B":"x","A":1}"#).unwrap();
    assert_eq!(read, two());
    let read: UnknownProperties = serde_json::from_str("{}").unwrap();
    assert_eq!(read, UnknownProperties::new());
    let error = serde_json::from_str::<UnknownProperties>("[1]").unwrap_err();
    assert!(error.to_string().contains("expected a map"), "{error}");
}

#[test]
fn a_document_with_unknown_properties_round_trips_byte_for_byte() {
    // Known fields in schema order, then the unknown ones in name order: what the writer emits.
    let text = r#"{"Type":"VirtualDisk","Path":"C:\\a.vhdx","Alpha":[1,"b",{"c":null}],"Zeta":{"k":-2.5}}"#;
    let doc: Attachment = hcs_schema::json::from_str(text).unwrap();
    assert_eq!(doc.r#type, Some(AttachmentType::VirtualDisk));
    assert_eq!(doc.unknown_properties.len(), 2);
    assert_eq!(
        doc.unknown_properties["Alpha"],
        json!([1, "b", {"c": null}])
    );
    assert_eq!(doc.unknown_properties["Zeta"], json!({"k": -2.5}));
    assert_eq!(hcs_schema::json::to_string(&doc).unwrap(), text);
    assert_eq!(serde_json::to_string(&doc).unwrap(), text);
    let doc: Attachment = serde_json::from_str(text).unwrap();
    assert_eq!(hcs_schema::json::to_string(&doc).unwrap(), text);
}

#[test]
fn empty_properties_take_one_pointer() {
    // The reason for the type: one pointer in every struct.
    assert_eq!(size_of::<UnknownProperties>(), size_of::<usize>());
}
