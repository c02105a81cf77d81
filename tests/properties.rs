//! Property tests of the generated types.
//!
//! - Random documents *shaped by the committed model* (`schema-json/model.json`): every property
//!   optional, every format valid (GUIDs, MAC addresses, date-times and base64 in random case and
//!   shape), enum values known or not, unknown properties anywhere, free-form payloads of any JSON.
//!   Each deserializes into its Rust type and serializes back to exactly the same JSON value.
//! - Random JSON and random bytes fed to every type's deserializer return `Ok` or `Err` and never
//!   panic; whatever is accepted serializes and deserializes back to the same value.
//!
//! Case counts are kept modest so the suite stays fast; `PROPTEST_CASES` raises them.

mod support;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hcs_schema_gen::model::{DefinitionKind, Model};
use hcs_schema_gen::spec::{IntFormat, TypeExpr};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use serde_json::{Map, Value};

/// How deep nested definitions are expanded; deeper ones are `{}`.
const MAX_DEPTH: usize = 5;

fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        Model::load(&hcs_schema_gen::workspace::model_path(
            &hcs_workspace_tests::root(),
        ))
        .expect("the committed model loads")
    })
}

fn registry() -> &'static BTreeMap<&'static str, support::Entry> {
    static REGISTRY: OnceLock<BTreeMap<&'static str, support::Entry>> = OnceLock::new();
    REGISTRY.get_or_init(support::registry)
}

/// Any JSON value, small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Decimals serde_json parses exactly without its `float_roundtrip` feature (at most 15
        // significant digits, small exponent). Without that feature serde_json itself reads
        // some floats 1 ULP off (`-1.0766915707071237e-308`), in `unknown_properties` and
        // free-form payloads alike: see CONTRIBUTING.md.
        (any::<i32>(), 0u32..6).prop_map(|(mantissa, places)| {
            let float = f64::from(mantissa) / 10f64.powi(places as i32);
            Value::from(float)
        }),
        "\\PC{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

fn hex_case(text: String, upper: bool) -> String {
    if upper { text.to_uppercase() } else { text }
}

fn guid() -> BoxedStrategy<Value> {
    (any::<[u8; 16]>(), any::<bool>())
        .prop_map(|(b, upper)| {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            let text = format!(
                "{}-{}-{}-{}-{}",
                &hex[0..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..32]
            );
            Value::from(hex_case(text, upper))
        })
        .boxed()
}

fn mac_address() -> BoxedStrategy<Value> {
    (any::<[u8; 6]>(), any::<bool>())
        .prop_map(|(b, upper)| {
            let parts: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
            Value::from(hex_case(parts.join("-"), upper))
        })
        .boxed()
}

fn date_time() -> BoxedStrategy<Value> {
    (
        (1601u32..=9999, 1u32..=12, 1u32..=28),
        (0u32..24, 0u32..60, 0u32..60),
        prop::option::of(0u32..10_000_000),
        prop_oneof![
            Just("Z".to_owned()),
            (any::<bool>(), 0u32..24, 0u32..60)
                .prop_map(|(plus, h, m)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' })),
        ],
    )
        .prop_map(|((y, mo, d), (h, mi, s), fraction, zone)| {
            let fraction = fraction.map_or(String::new(), |f| format!(".{f:07}"));
            Value::from(format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}{zone}"
            ))
        })
        .boxed()
}

fn base64() -> BoxedStrategy<Value> {
    prop::collection::vec(any::<u8>(), 0..24)
        .prop_map(|bytes| Value::from(hcs_schema::Base64Bytes(bytes).to_base64()))
        .boxed()
}

fn integer(format: IntFormat) -> BoxedStrategy<Value> {
    match format {
        IntFormat::U8 => any::<u8>().prop_map(Value::from).boxed(),
        IntFormat::U16 => any::<u16>().prop_map(Value::from).boxed(),
        IntFormat::U32 => any::<u32>().prop_map(Value::from).boxed(),
        IntFormat::U64 => any::<u64>().prop_map(Value::from).boxed(),
        IntFormat::I32 => any::<i32>().prop_map(Value::from).boxed(),
        IntFormat::I64 => any::<i64>().prop_map(Value::from).boxed(),
    }
}

/// Random JSON valid for a property type.
fn value_of(ty: &TypeExpr, depth: usize) -> BoxedStrategy<Value> {
    match ty {
        TypeExpr::Bool => any::<bool>().prop_map(Value::from).boxed(),
        TypeExpr::String | TypeExpr::Binary => "\\PC{0,16}".prop_map(Value::from).boxed(),
        TypeExpr::Integer(format) => integer(*format),
        // Finite doubles (JSON has no NaN or infinity); with integers too, which JSON numbers allow.
        TypeExpr::Number => prop_oneof![
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
        ]
        .boxed(),
        TypeExpr::Guid => guid(),
        TypeExpr::DateTime => date_time(),
        TypeExpr::Base64 => base64(),
        TypeExpr::MacAddress => mac_address(),
        // `null` as a property's own value reads as `None` and is not sent back (absent and null
        // are the same to HCS); inside a payload it is kept.
        TypeExpr::Any => any_json().prop_filter("not null", |v| !v.is_null()).boxed(),
        TypeExpr::Ref(name) => definition(name, depth + 1),
        TypeExpr::Array(inner) => prop::collection::vec(value_of(inner, depth + 1), 0..3)
            .prop_map(Value::Array)
            .boxed(),
        TypeExpr::Map(inner) => {
            prop::collection::btree_map("\\PC{0,8}", value_of(inner, depth + 1), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed()
        }
    }
}

/// Random JSON valid for a definition: a struct with a random subset of its properties plus
/// random unknown ones, or an enum value, known or not.
fn definition(name: &str, depth: usize) -> BoxedStrategy<Value> {
    let definition = model()
        .definition(name)
        .unwrap_or_else(|| panic!("{name} not in the model"));
    match &definition.kind {
        DefinitionKind::Enum { variants } => {
            let known: Vec<Value> = variants
                .iter()
                .map(|v| Value::from(v.value.clone()))
                .collect();
            prop_oneof![
                4 => prop::sample::select(known),
                1 => "\\PC{0,10}".prop_map(Value::from),
            ]
            .boxed()
        }
        DefinitionKind::Struct { .. } if depth > MAX_DEPTH => {
            Just(Value::Object(Map::new())).boxed()
        }
        DefinitionKind::Struct { properties } => {
            let fields: Vec<BoxedStrategy<Option<(String, Value)>>> = properties
                .iter()
                .map(|property| {
                    let name = property.name.clone();
                    prop::option::weighted(0.4, value_of(&property.ty, depth))
                        .prop_map(move |value| value.map(|value| (name.clone(), value)))
                        .boxed()
                })
                .collect();
            let known: Vec<String> = properties.iter().map(|p| p.name.clone()).collect();
            let unknown = prop::collection::btree_map("Unknown[A-Za-z0-9]{0,6}", any_json(), 0..2);
            (fields, unknown)
                .prop_map(move |(fields, unknown)| {
                    let mut object: Map<String, Value> = fields.into_iter().flatten().collect();
                    for (key, value) in unknown {
                        if !known.contains(&key) {
                            object.insert(key, value);
                        }
                    }
                    Value::Object(object)
                })
                .boxed()
        }
    }
}

/// A definition name and a random document of it.
fn any_definition_document() -> BoxedStrategy<(String, Value)> {
    let names: Vec<String> = model().definitions.iter().map(|d| d.name.clone()).collect();
    Union::new(names.into_iter().map(|name| {
        definition(&name, 0)
            .prop_map(move |v| (name.clone(), v))
            .boxed()
    }))
    .boxed()
}

/// `cases` random cases (more with `PROPTEST_CASES`), no regression files written into the
/// repository: a failure prints its minimal input.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn round_trips(name: &str, document: &Value) -> Result<(), TestCaseError> {
    let entry = registry()
        .get(name)
        .ok_or_else(|| TestCaseError::fail(format!("{name} is not generated")))?;
    let back = (entry.parse_value)(document.clone())
        .map_err(|e| TestCaseError::fail(format!("{name} rejects a valid document: {e}")))?;
    prop_assert_eq!(&back, document, "{} does not round-trip", name);
    // And through text, as a client sends it.
    let text = serde_json::to_string(document).unwrap();
    let parsed = (entry.parse_text)(&text)
        .map_err(|e| TestCaseError::fail(format!("{name} rejects its own text: {e}")))?;
    prop_assert_eq!(&parsed.value, document);
    Ok(())
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn compute_system_documents_round_trip(document in definition("ComputeSystem", 0)) {
        round_trips("ComputeSystem", &document)?;
    }

    #[test]
    fn properties_documents_round_trip(document in definition("Properties", 0)) {
        round_trips("Properties", &document)?;
    }

    #[test]
    fn modify_setting_requests_round_trip(document in definition("ModifySettingRequest", 0)) {
        round_trips("ModifySettingRequest", &document)?;
    }

    #[test]
    fn process_parameters_round_trip(document in definition("ProcessParameters", 0)) {
        round_trips("ProcessParameters", &document)?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn documents_of_every_type_round_trip((name, document) in any_definition_document()) {
        round_trips(&name, &document)?;
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Every deserializer, on any JSON: `Ok` or `Err`, no panic; accepted values are stable.
    #[test]
    fn random_json_never_panics_any_deserializer(value in any_json()) {
        let text = serde_json::to_string(&value).unwrap();
        for entry in registry().values() {
            if let Ok(parsed) = (entry.parse_text)(&text) {
                let again = (entry.parse_value)(parsed.value.clone())
                    .map_err(|e| TestCaseError::fail(format!("{}: {e}", entry.name)))?;
                prop_assert_eq!(again, parsed.value, "{}", entry.name);
            }
        }
    }

    /// Every deserializer, on any bytes (mostly not JSON, sometimes not UTF-8): no panic.
    #[test]
    fn random_bytes_never_panic_any_deserializer(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        for entry in registry().values() {
            let _ = (entry.parse_bytes)(&bytes);
        }
    }

    /// Valid documents with one value replaced by random JSON: `Ok` or `Err`, never a panic.
    #[test]
    fn corrupted_documents_never_panic(
        document in definition("ComputeSystem", 0),
        replacement in any_json(),
        pick in any::<prop::sample::Index>(),
    ) {
        let mut document = document;
        let mut pointers = Vec::new();
        collect_pointers(&document, String::new(), &mut pointers);
        let pointer = pick.get(&pointers).clone();
        if let Some(slot) = document.pointer_mut(&pointer) {
            *slot = replacement;
        }
        let text = serde_json::to_string(&document).unwrap();
        let _ = (registry()["ComputeSystem"].parse_text)(&text);
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// The fast writer and serde_json write the same bytes for any JSON value (floats of every
    /// bit pattern, big integers, any string: control characters, quotes, backslashes, U+2028,
    /// non-ASCII, strings across word boundaries) and any string.
    #[test]
    fn the_fast_writer_matches_serde_json_on_any_value(
        value in any_json(),
        text in any::<String>(),
        long in "[a-z\\\\\"\u{1}\u{2028}é ]{0,80}",
        bits in any::<u64>(),
    ) {
        let float = f64::from_bits(bits);
        let document = serde_json::json!([value, text, long, float, { text.clone(): long.clone() }]);
        prop_assert_eq!(
            hcs_schema::json::to_string(&document).unwrap(),
            serde_json::to_string(&document).unwrap()
        );
        prop_assert_eq!(
            hcs_schema::json::to_string(&float).unwrap(),
            serde_json::to_string(&float).unwrap()
        );
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Valid documents with a few bytes of their text changed (JSON's punctuation, quotes,
    /// escapes, digits, whitespace, letters), read as the document's type and as a
    /// `serde_json::Value`: `hcs_schema::json` accepts exactly what serde_json accepts and reads
    /// the same values (`parse_text` compares the two readers).
    #[test]
    fn both_readers_agree_on_damaged_text(
        document in definition("ComputeSystem", 0),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0u8..3, prop::sample::select(
                b"{}[]:,\"\\/ \n0123456789-+.eEnulltrfasxu\x01".to_vec(),
            )),
            1..4,
        ),
    ) {
        let mut bytes = serde_json::to_vec(&document).unwrap();
        for (at, operation, byte) in edits {
            let at = at.index(bytes.len() + 1);
            match operation {
                0 => bytes.insert(at, byte),
                1 if at < bytes.len() => bytes[at] = byte,
                _ if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            let _ = (registry()["ComputeSystem"].parse_text)(&text);
            let expected = serde_json::from_str::<Value>(&text).ok();
            let fast = hcs_schema::json::from_str::<Value>(&text).ok();
            prop_assert_eq!(fast, expected, "{}", text);
            // Skipped, the same text is checked more leniently, by both readers alike.
            prop_assert_eq!(
                hcs_schema::json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
                serde_json::from_str::<serde::de::IgnoredAny>(&text).is_ok(),
                "{}",
                text
            );
        }
    }
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                collect_pointers(inner, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                collect_pointers(inner, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// Every definition of the model is a generated type the property tests can reach.
#[test]
fn the_model_and_the_generated_types_agree() {
    for definition in &model().definitions {
        assert!(
            registry().contains_key(definition.name.as_str()),
            "{}",
            definition.name
        );
    }
    assert_eq!(model().definitions.len(), registry().len());
}
