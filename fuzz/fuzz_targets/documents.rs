//! The generated types' deserializers on random and mutated documents: each returns `Ok` or `Err`
//! without panicking, and whatever it accepts serializes and deserializes back to an equal value.
//!
//! Every input goes to the top-level document types HCS exchanges and to one more of the 263
//! types, picked by a hash of the input (so every type is reached, and each run stays fast).

#![no_main]

use std::hash::{Hash, Hasher};

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let text = serde_json::to_vec(&value).expect("a deserialized value serializes");
    let back: T = serde_json::from_slice(&text).expect("serialized output deserializes");
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
    for check in TOP_LEVEL {
        check(data);
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut hasher);
    CHECKS[(hasher.finish() % CHECKS.len() as u64) as usize](data);
});
