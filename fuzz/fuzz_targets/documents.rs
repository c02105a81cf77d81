//! Every generated type's deserializer on random and mutated documents: each returns `Ok` or
//! `Err` without panicking, and whatever it accepts serializes and deserializes back to an equal
//! value.

#![no_main]

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

fuzz_target!(|data: &[u8]| {
    for check in CHECKS {
        check(data);
    }
});
