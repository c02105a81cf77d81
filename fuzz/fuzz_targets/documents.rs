//! The generated types' deserializers on random and mutated documents: each returns `Ok` or `Err`
//! without panicking, and whatever it accepts serializes and deserializes back to an equal value.
//! The fast writer, `hcs_schema::json::to_string`, must write exactly the bytes
//! `serde_json::to_string` writes, for every accepted value, for the input read as any JSON value
//! (numbers, nesting and property names the types do not have) and for the input itself as a
//! string.
//!
//! Every input goes to the top-level document types HCS exchanges and to one more of the 263
//! types, picked by a hash of the input (so every type is reached, and each run stays fast).
//! Every read goes through `hcs_schema::json::from_slice` (its own reader for UTF-8) and through
//! `serde_json::from_slice`: both must accept or both reject, and read equal values.

#![no_main]

use std::hash::{Hash, Hasher};

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The fast writer's output, checked against serde_json's.
fn write<T: ?Sized + Serialize>(value: &T) -> String {
    let expected = serde_json::to_string(value).expect("a deserialized value serializes");
    let fast =
        hcs_schema::json::to_string(value).expect("the fast writer writes what serde_json writes");
    assert_eq!(
        fast, expected,
        "hcs_schema::json::to_string differs from serde_json::to_string"
    );
    fast
}

/// `hcs_schema::json::from_slice` against `serde_json::from_slice`.
fn read<T: DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) -> Option<T> {
    match (
        hcs_schema::json::from_slice::<T>(data),
        serde_json::from_slice::<T>(data),
    ) {
        (Ok(value), Ok(expected)) => {
            assert_eq!(
                value, expected,
                "json::from_slice read another value than serde_json"
            );
            Some(value)
        }
        (Err(_), Err(_)) => None,
        (Ok(value), Err(error)) => {
            panic!("json::from_slice accepted what serde_json rejects ({error}): {value:?}")
        }
        (Err(error), Ok(_)) => panic!("json::from_slice rejected what serde_json reads: {error}"),
    }
}

fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Some(value) = read::<T>(data) else {
        return;
    };
    let text = write(&value);
    let back: T = serde_json::from_str(&text).expect("serialized output deserializes");
    assert_eq!(back, value, "round trip changed the value");
}

macro_rules! all {
    ($($ty:ident),* $(,)?) => {
        #[allow(deprecated)]
        const CHECKS: &[fn(&[u8])] = &[$(check::<hcs_schema::$ty>),*];
    };
}
hcs_schema::for_each_schema_type!(all);

/// The documents HCS clients send and receive.
const TOP_LEVEL: &[fn(&[u8])] = &[
    check::<hcs_schema::ComputeSystem>,
    check::<hcs_schema::Properties>,
    check::<hcs_schema::ModifySettingRequest>,
    check::<hcs_schema::ModificationRequest>,
    check::<hcs_schema::ProcessParameters>,
    check::<hcs_schema::SystemPropertyQuery>,
    check::<hcs_schema::ServicePropertyQuery>,
    check::<hcs_schema::ServiceProperties>,
    check::<hcs_schema::ResultError>,
];

fuzz_target!(|data: &[u8]| {
    // Any text as one JSON string: the fast writer's escaping of every character.
    if let Ok(text) = std::str::from_utf8(data) {
        write(text);
    }
    // Any JSON value: every number, nesting depth and property name serde_json reads.
    if let Some(value) = read::<serde_json::Value>(data) {
        write(&value);
    }
    for check in TOP_LEVEL {
        check(data);
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut hasher);
    CHECKS[(hasher.finish() % CHECKS.len() as u64) as usize](data);
});
