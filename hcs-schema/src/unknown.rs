//! [`UnknownProperties`]: the properties of a JSON object that its struct has no field for.

use std::borrow::Borrow;
use std::collections::{BTreeMap, btree_map};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The map an [`UnknownProperties`] dereferences to: property name to value, in name order.
type Map = BTreeMap<String, Value>;

/// What an empty [`UnknownProperties`] dereferences to.
static EMPTY: Map = BTreeMap::new();

/// Properties that no schema source has, kept by every struct so a document round-trips: it
/// dereferences to a `BTreeMap<String, serde_json::Value>` (property name to value, in name
/// order), with no allocation and one pointer (8 bytes) when empty.
///
/// It dereferences to the map, so reading and changing it is using the map
/// (`unknown.get("Name")`, `unknown["Name"]`, `unknown.insert(..)`, `for (name, value) in
/// &unknown`), and it converts from and into one ([`From`], [`FromIterator`], [`Extend`]).
/// Comparison and hashing are by content: an emptied `UnknownProperties` equals, and hashes
/// like, [`UnknownProperties::new`], and it compares with a `BTreeMap` either way round. It
/// serializes and deserializes as the map, and its `schemars` schema is the map's.
///
/// The map's methods that take it by value (`into_keys`, `into_values`) are not reachable
/// through [`Deref`]: convert first, `BTreeMap::from(unknown).into_keys()`.
///
/// Mutable access: [`remove`](Self::remove), [`get_mut`](Self::get_mut),
/// [`retain`](Self::retain), [`clear`](Self::clear), [`Extend`] with nothing and `&mut`
/// iteration allocate nothing when there are no properties; every other mutable method, reached
/// through [`DerefMut`] (`insert`, `entry`, `append`, ..), allocates the map (empty) if there is
/// none.
///
/// Upgrading from the `BTreeMap` alias it replaced:
///
/// ```
/// use std::collections::BTreeMap;
///
/// use hcs_schema::{Attachment, UnknownProperties};
/// use serde_json::json;
///
/// let map = BTreeMap::from([("Extra".to_owned(), json!(1))]);
/// let attachment = Attachment {
///     unknown_properties: map.clone().into(),
///     ..Default::default()
/// };
/// assert_eq!(attachment.unknown_properties, map);
/// assert_eq!(map, attachment.unknown_properties);
/// let names: Vec<String> = BTreeMap::from(attachment.unknown_properties).into_keys().collect();
/// assert_eq!(names, ["Extra"]);
/// assert_eq!(UnknownProperties::new(), BTreeMap::new());
/// ```
///
/// Why not the map itself: every generated struct has one, and in practically every real
/// document it is empty. An empty `BTreeMap` is 24 bytes, and dropping it still builds the
/// map's consuming iterator and asks it for a first entry (about 40 instructions); a 1.3 KB
/// document has some 27 structs. Here an empty set of properties is `None`: 8 bytes, dropped
/// with one null test. Measured on that document's serde round trip (callgrind, issue 11):
/// 30.8 k -> 29.5 k instructions, and `ComputeSystem` is 4,376 bytes instead of 5,528. The
/// map is allocated on the first mutable access through [`DerefMut`] and freed by
/// [`clear`](Self::clear).
#[derive(Default)]
pub struct UnknownProperties(Option<Box<Map>>);

impl UnknownProperties {
    /// No unknown properties (allocates nothing).
    #[inline]
    pub const fn new() -> Self {
        Self(None)
    }

    /// Whether a map is allocated (it may be empty): the serializer's test, one null test
    /// instead of reading the map's length behind the pointer.
    #[inline]
    pub(crate) fn is_allocated(&self) -> bool {
        self.0.is_some()
    }

    /// Removes every property and frees the map (the map's own `clear`, reached through
    /// [`DerefMut`], would keep an empty one allocated).
    #[inline]
    pub fn clear(&mut self) {
        self.0 = None;
    }

    /// Removes a property and returns its value, as the map's `remove`; allocates nothing when
    /// there are no properties.
    #[inline]
    pub fn remove<Q>(&mut self, name: &Q) -> Option<Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.as_mut()?.remove(name)
    }

    /// The value of a property, mutably, as the map's `get_mut`; allocates nothing when there
    /// are no properties.
    #[inline]
    pub fn get_mut<Q>(&mut self, name: &Q) -> Option<&mut Value>
    where
        String: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.as_mut()?.get_mut(name)
    }

    /// Keeps only the properties for which `keep` returns true, as the map's `retain`;
    /// allocates nothing when there are no properties.
    #[inline]
    pub fn retain<F>(&mut self, keep: F)
    where
        F: FnMut(&String, &mut Value) -> bool,
    {
        if let Some(map) = &mut self.0 {
            map.retain(keep);
        }
    }
}

impl Drop for UnknownProperties {
    /// A null test inlined into every struct's drop; the map, when there is one, is dropped
    /// out of line by `drop_map`. Left to the compiler, the map's drop and deallocation were
    /// inlined into the drop of every struct: 52 more distinct hot instruction cache lines in
    /// the round trip of a 1.3 KB document, which already runs more code than the cache
    /// holds (callgrind, issue 11).
    #[inline]
    fn drop(&mut self) {
        if let Some(map) = self.0.take() {
            drop_map(map);
        }
    }
}

/// Drops a map of unknown properties: rare, so out of line and cold.
#[cold]
#[inline(never)]
fn drop_map(map: Box<Map>) {
    drop(map);
}

impl Deref for UnknownProperties {
    type Target = BTreeMap<String, Value>;

    /// The map; when there are no properties, a shared empty one.
    #[inline]
    fn deref(&self) -> &Map {
        match &self.0 {
            Some(map) => map,
            None => &EMPTY,
        }
    }
}

impl DerefMut for UnknownProperties {
    /// The map, allocated (empty) if there was none.
    #[inline]
    fn deref_mut(&mut self) -> &mut Map {
        self.0.get_or_insert_default()
    }
}

impl Clone for UnknownProperties {
    /// A copy of the properties; an empty map is cloned as none (no allocation).
    fn clone(&self) -> Self {
        match &self.0 {
            Some(map) if !map.is_empty() => Self(Some(map.clone())),
            _ => Self(None),
        }
    }
}

impl fmt::Debug for UnknownProperties {
    /// Written as the map: `{"Name": String("a")}`, `{}` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl PartialEq for UnknownProperties {
    /// Equal when they hold the same properties, however they got there.
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for UnknownProperties {}

impl PartialEq<BTreeMap<String, Value>> for UnknownProperties {
    /// Equal when it holds the map's properties (none for an empty map).
    fn eq(&self, other: &Map) -> bool {
        **self == *other
    }
}

impl PartialEq<UnknownProperties> for BTreeMap<String, Value> {
    /// Equal when the map holds the properties (an empty map for none).
    fn eq(&self, other: &UnknownProperties) -> bool {
        *self == **other
    }
}

impl Hash for UnknownProperties {
    /// The map's hash: equal content, equal hash.
    fn hash<H: Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl From<BTreeMap<String, Value>> for UnknownProperties {
    /// The map's properties; an empty map becomes none (the map is freed).
    fn from(map: Map) -> Self {
        if map.is_empty() {
            Self(None)
        } else {
            Self(Some(Box::new(map)))
        }
    }
}

impl From<UnknownProperties> for BTreeMap<String, Value> {
    /// The properties as a map (empty when there are none).
    fn from(mut unknown: UnknownProperties) -> Self {
        std::mem::take(&mut unknown.0)
            .map(|map| *map)
            .unwrap_or_default()
    }
}

impl<const N: usize> From<[(String, Value); N]> for UnknownProperties {
    /// The properties of the array, as `BTreeMap::from` would have them: a later duplicate
    /// name replaces an earlier one.
    fn from(properties: [(String, Value); N]) -> Self {
        Map::from(properties).into()
    }
}

impl FromIterator<(String, Value)> for UnknownProperties {
    /// The properties collected as `BTreeMap` would: a later duplicate name replaces an
    /// earlier one.
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Self {
        Map::from_iter(iter).into()
    }
}

impl Extend<(String, Value)> for UnknownProperties {
    /// Inserts every property, as the map's `extend` does; allocates the map only if there is
    /// one.
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().peekable();
        if iter.peek().is_some() {
            (**self).extend(iter);
        }
    }
}

impl IntoIterator for UnknownProperties {
    type Item = (String, Value);
    type IntoIter = btree_map::IntoIter<String, Value>;

    /// The properties by value, in name order.
    fn into_iter(self) -> Self::IntoIter {
        Map::from(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a UnknownProperties {
    type Item = (&'a String, &'a Value);
    type IntoIter = btree_map::Iter<'a, String, Value>;

    /// The properties by reference, in name order.
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut UnknownProperties {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = btree_map::IterMut<'a, String, Value>;

    /// The properties with mutable values, in name order (allocates nothing when empty).
    fn into_iter(self) -> Self::IntoIter {
        match &mut self.0 {
            Some(map) => map.iter_mut(),
            None => btree_map::IterMut::default(),
        }
    }
}

impl Serialize for UnknownProperties {
    /// As the map: a JSON object, `{}` when empty.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for UnknownProperties {
    /// As the map: a JSON object (`{}` gives none).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(feature = "schemars")]
impl schemars::JsonSchema for UnknownProperties {
    // The map's schema, so `schemars(flatten)` on a struct's field gives what it gave for the
    // map: `additionalProperties: true`.
    fn inline_schema() -> bool {
        Map::inline_schema()
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        Map::schema_name()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        Map::schema_id()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        Map::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    //! What an outside test cannot see: when the map is allocated.

    use std::collections::BTreeMap;

    use serde_json::json;

    use super::UnknownProperties;

    #[test]
    fn empty_properties_allocate_nothing() {
        assert!(!UnknownProperties::new().is_allocated());
        assert!(!UnknownProperties::default().is_allocated());
        assert!(!UnknownProperties::from(BTreeMap::new()).is_allocated());
        assert!(!UnknownProperties::from_iter([]).is_allocated());
        let mut unknown = UnknownProperties::new();
        unknown.extend([]);
        assert!(!unknown.is_allocated());
        assert_eq!((&mut unknown).into_iter().count(), 0);
        assert!(!unknown.is_allocated());
        // Reading through `Deref` allocates nothing either.
        assert!(unknown.is_empty() && unknown.get("A").is_none());
        assert!(!unknown.is_allocated());
    }

    #[test]
    fn the_map_is_allocated_on_first_mutable_access_and_freed_by_clear() {
        let mut unknown = UnknownProperties::new();
        unknown.insert("A".to_owned(), json!(1));
        assert!(unknown.is_allocated());
        unknown.remove("A");
        // Emptied through the map: still allocated, but a clone is not.
        assert!(unknown.is_allocated() && unknown.is_empty());
        assert!(!unknown.clone().is_allocated());
        unknown.insert("B".to_owned(), json!(2));
        unknown.clear();
        assert!(!unknown.is_allocated() && unknown.is_empty());
    }

    #[test]
    fn remove_get_mut_and_retain_of_none_allocate_nothing() {
        let mut unknown = UnknownProperties::new();
        assert_eq!(unknown.remove("A"), None);
        assert_eq!(unknown.get_mut("A"), None);
        let mut calls = 0;
        unknown.retain(|_, _| {
            calls += 1;
            true
        });
        assert_eq!(calls, 0);
        assert!(!unknown.is_allocated());
    }

    #[test]
    fn remove_get_mut_and_retain_act_as_the_maps() {
        let mut unknown =
            UnknownProperties::from([("A".to_owned(), json!(1)), ("B".to_owned(), json!(2))]);
        *unknown.get_mut("A").unwrap() = json!("one");
        assert_eq!(unknown.get_mut("C"), None);
        assert_eq!(unknown.remove("B"), Some(json!(2)));
        assert_eq!(unknown.remove("B"), None);
        unknown.insert("C".to_owned(), json!(3));
        unknown.retain(|name, value| {
            *value = json!([name, value.clone()]);
            name != "C"
        });
        let expected = BTreeMap::from([("A".to_owned(), json!(["A", "one"]))]);
        assert_eq!(unknown, expected);
        assert_eq!(expected, unknown);
        assert_ne!(unknown, BTreeMap::new());
        assert_ne!(BTreeMap::new(), unknown);
    }

    #[test]
    fn empty_json_objects_are_read_as_none() {
        let unknown: UnknownProperties = serde_json::from_str("{}").unwrap();
        assert!(!unknown.is_allocated());
        let unknown: UnknownProperties = crate::json::from_str("{}").unwrap();
        assert!(!unknown.is_allocated());
        let unknown: UnknownProperties = serde_json::from_str(r#"{"A": 1}"#).unwrap();
        assert!(unknown.is_allocated());
    }

    #[test]
    fn a_struct_without_unknown_properties_allocates_none() {
        let attachment: crate::Attachment = serde_json::from_str(r#"{"Path":"p"}"#).unwrap();
        assert_eq!(attachment.path.as_deref(), Some("p"));
        assert!(!attachment.unknown_properties.is_allocated());
        let attachment: crate::Attachment = crate::json::from_str(r#"{"Path":"p"}"#).unwrap();
        assert_eq!(attachment.path.as_deref(), Some("p"));
        assert!(!attachment.unknown_properties.is_allocated());
        let attachment: crate::Attachment =
            crate::json::from_str(r#"{"Path":"p","Extra":1}"#).unwrap();
        assert!(attachment.unknown_properties.is_allocated());
    }
}
