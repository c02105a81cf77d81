//! Every property name of every generated struct is written by `hcs_schema::json` as serde_json
//! writes it. The writer copies these names from one table without looking for characters to
//! escape (they are known by their address), and any other key, the same text included, the
//! general way: both must give serde_json's bytes.

#![allow(deprecated)]

use hcs_schema::SchemaType;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

/// A map written in the order of its entries.
struct InOrder<'t>(Vec<(&'t str, &'t str)>);

impl Serialize for InOrder<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// The `json_name` of every field of every generated type.
fn property_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    macro_rules! collect {
        ($($ty:ident),* $(,)?) => {
            $(names.extend(<hcs_schema::$ty as SchemaType>::FIELDS.iter().map(|f| f.json_name));)*
        };
    }
    hcs_schema::for_each_schema_type!(collect);
    names
}

fn same(value: &InOrder<'_>) {
    assert_eq!(
        hcs_schema::json::to_string(value).unwrap(),
        serde_json::to_string(value).unwrap()
    );
}

#[test]
fn property_names_are_written_like_serde_json() {
    let names = property_names();
    assert!(names.len() > 900, "{}", names.len());
    for &name in &names {
        let copy = name.to_owned();
        // First, after another key, and the same text from elsewhere.
        same(&InOrder(vec![(name, "v")]));
        same(&InOrder(vec![("k", "v"), (name, "v"), (&copy, "w")]));
    }
}

#[test]
fn property_names_are_written_like_serde_json_whatever_room_the_output_has() {
    // Without room for a name's whole 48-byte window after it, the general path writes it.
    let names = property_names();
    let longest = names.iter().copied().max_by_key(|name| name.len()).unwrap();
    let shortest = names.iter().copied().min_by_key(|name| name.len()).unwrap();
    let value = InOrder(vec![(shortest, "a"), (longest, "b"), (shortest, "c")]);
    let expected = serde_json::to_vec(&value).unwrap();
    for capacity in 0..=2 * expected.len() + 64 {
        let mut out = Vec::with_capacity(capacity);
        hcs_schema::json::append(&mut out, &value).unwrap();
        assert_eq!(out, expected, "capacity {capacity}");
    }
}
