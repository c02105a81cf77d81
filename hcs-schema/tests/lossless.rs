//! What a round trip through the types keeps, exactly as the README says: everything the types do
//! not model comes back as the same JSON value (unknown properties, any-typed payloads, unknown
//! enum values), integers within the i64/u64 range exactly, floats bit for bit. Integers beyond
//! that range come back as the nearest float unless the `arbitrary_precision` feature is on.
//!
//! These run in the configuration a user of the crate gets (`cargo test -p hcs-schema`, with and
//! without features, which CI runs next to the workspace), not only inside the workspace, where
//! other members unify serde_json's `preserve_order` in.

use hcs_schema::{Attachment, AttachmentType, ModifySettingRequest, VirtualMachineMemory};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Text -> type -> text.
fn round_trip<T: Serialize + DeserializeOwned>(text: &str) -> String {
    let typed: T = serde_json::from_str(text).expect("the document parses");
    serde_json::to_string(&typed).expect("the document serializes")
}

/// The same JSON value (object key order and number spelling aside).
fn same_value(a: &str, b: &str) -> bool {
    serde_json::from_str::<Value>(a).unwrap() == serde_json::from_str::<Value>(b).unwrap()
}

/// A document with what the types do not know at two levels: an unknown property of a struct and
/// an any-typed payload.
fn documents(value: &str) -> [(String, String); 2] {
    let unknown = format!(r#"{{"Path":"C:\\disk.vhdx","FutureProperty":{value}}}"#);
    let any = format!(r#"{{"ResourcePath":"VirtualMachine/Devices","Settings":{value}}}"#);
    [
        (unknown.clone(), round_trip::<Attachment>(&unknown)),
        (any.clone(), round_trip::<ModifySettingRequest>(&any)),
    ]
}

#[test]
fn nested_values_come_back_equal() {
    let value = r#"{"b":[1,-2,true,false,null,"text \"quoted\" \u00e9 \ud83d\ude00",{"c":{}}],"a":{"d":[]},"e":0.5}"#;
    for (sent, back) in documents(value) {
        assert!(same_value(&sent, &back), "{sent} came back as {back}");
    }
}

#[test]
fn integers_within_i64_and_u64_are_exact() {
    for value in [
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "0",
    ] {
        for (sent, back) in documents(value) {
            assert!(back.contains(value), "{sent} came back as {back}");
            assert!(same_value(&sent, &back));
        }
    }
}

#[test]
fn floats_come_back_bit_for_bit() {
    for value in [
        0.1_f64,
        1.0 / 3.0,
        5e-324,
        f64::MAX,
        -2.2250738585072014e-308,
    ] {
        for (sent, back) in documents(&serde_json::to_string(&value).unwrap()) {
            let parsed: Value = serde_json::from_str(&back).unwrap();
            let number = parsed
                .get("FutureProperty")
                .or_else(|| parsed.get("Settings"))
                .and_then(Value::as_f64)
                .unwrap();
            assert_eq!(
                number.to_bits(),
                value.to_bits(),
                "{sent} came back as {back}"
            );
        }
    }
}

/// Without `arbitrary_precision` (the default), serde_json reads an integer outside i64/u64 as
/// the nearest f64: the value changes, and the README says so.
#[cfg(not(feature = "arbitrary_precision"))]
#[test]
fn integers_beyond_u64_come_back_as_the_nearest_float() {
    for (value, nearest) in [
        ("18446744073709551616", 18446744073709551616_f64),
        ("-9223372036854775809", -9223372036854775809_f64),
        ("123456789012345678901234567890", 1.2345678901234568e29),
    ] {
        for (sent, back) in documents(value) {
            assert!(!back.contains(value), "{sent} came back unchanged");
            let parsed: Value = serde_json::from_str(&back).unwrap();
            let number = parsed
                .get("FutureProperty")
                .or_else(|| parsed.get("Settings"))
                .unwrap();
            assert!(number.is_f64(), "{back}");
            assert_eq!(number.as_f64(), Some(nearest));
        }
    }
}

/// With `arbitrary_precision`, numbers keep their digits: integers of any size, and decimals as
/// written (`1.50` stays `1.50`, more digits than an f64 holds stay). (serde_json writes an
/// exponent with its sign, `1e3` as `1e+3`: the same number.)
#[cfg(feature = "arbitrary_precision")]
#[test]
fn with_arbitrary_precision_numbers_keep_their_digits() {
    for value in [
        "18446744073709551616",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "1.50",
        "0.1000000000000000055511151231257827",
    ] {
        for (sent, back) in documents(value) {
            assert!(back.contains(value), "{sent} came back as {back}");
        }
    }
}

/// Typed fields lose nothing silently either: a value out of a field's range is an error.
#[test]
fn out_of_range_typed_fields_are_errors() {
    let error =
        serde_json::from_str::<VirtualMachineMemory>(r#"{"SizeInMB":18446744073709551616}"#)
            .unwrap_err();
    assert!(error.to_string().contains("u64"), "{error}");
    assert!(serde_json::from_str::<VirtualMachineMemory>(r#"{"SizeInMB":-1}"#).is_err());
}

#[test]
fn unknown_enum_values_come_back() {
    let sent = r#"{"Type":"FutureDiskKind"}"#;
    let typed: Attachment = serde_json::from_str(sent).unwrap();
    assert!(matches!(
        typed.r#type,
        Some(AttachmentType::Unrecognized(_))
    ));
    assert_eq!(serde_json::to_string(&typed).unwrap(), sent);
}

/// Typed `null` reads as absent and is not sent back; in an any-typed property it is kept.
#[test]
fn null_is_kept_only_where_the_type_is_any() {
    assert_eq!(round_trip::<Attachment>(r#"{"Path":null}"#), "{}");
    let sent = r#"{"Settings":null}"#;
    assert!(same_value(&round_trip::<ModifySettingRequest>(sent), sent));
}
