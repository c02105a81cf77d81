//! A read-only walk over a document's set fields, enum values and unknown properties, generated
//! for every type. The version checks in [`crate::check`] are built on it; tools can implement
//! [`Walker`] for their own analyses.

use std::collections::BTreeMap;

use crate::{Base64Bytes, DateTime, FieldInfo, Guid, MacAddress, VariantInfo};

/// A value whose contents can be walked.
pub trait Walk {
    /// Reports this value's contents to `walker`.
    fn walk(&self, walker: &mut dyn Walker);
}

/// Receives what a [`Walk`] finds. Each method gets the nested value so the walker decides whether
/// to descend (by calling `value.walk(self)`).
pub trait Walker {
    /// A struct field that is set (`Some`).
    fn field(&mut self, field: &'static FieldInfo, value: &dyn Walk);
    /// An array element.
    fn element(&mut self, index: usize, value: &dyn Walk);
    /// A map entry.
    fn entry(&mut self, key: &str, value: &dyn Walk);
    /// An enum value: its variant, or `None` when the value is not known to these types.
    fn variant(&mut self, variant: Option<&'static VariantInfo>, value: &str);
    /// A property kept in `unknown_properties`.
    fn unknown_property(&mut self, name: &str, value: &serde_json::Value);
}

/// Reports a struct field to `walker` when it is set; the generated `Walk` impls call it for
/// every field.
pub fn walk_field<T: Walk>(walker: &mut dyn Walker, field: &'static FieldInfo, value: &Option<T>) {
    if let Some(value) = value {
        walker.field(field, value);
    }
}

macro_rules! leaf {
    ($($ty:ty),*) => {
        $(impl Walk for $ty {
            fn walk(&self, _: &mut dyn Walker) {}
        })*
    };
}

leaf!(
    bool,
    u8,
    u16,
    u32,
    u64,
    i32,
    i64,
    String,
    Guid,
    MacAddress,
    DateTime,
    Base64Bytes,
    serde_json::Number,
    serde_json::Value
);

impl<T: Walk> Walk for Option<T> {
    fn walk(&self, walker: &mut dyn Walker) {
        if let Some(value) = self {
            value.walk(walker);
        }
    }
}

impl<T: Walk> Walk for Box<T> {
    fn walk(&self, walker: &mut dyn Walker) {
        (**self).walk(walker);
    }
}

impl<T: Walk> Walk for Vec<T> {
    fn walk(&self, walker: &mut dyn Walker) {
        for (index, value) in self.iter().enumerate() {
            walker.element(index, value);
        }
    }
}

impl<T: Walk> Walk for BTreeMap<String, T> {
    fn walk(&self, walker: &mut dyn Walker) {
        for (key, value) in self {
            walker.entry(key, value);
        }
    }
}
