//! The fast path against serde_json on every shape of serde's data model. The workspace tests
//! compare the two on every golden, sample and property-test document.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

fn same<T: Serialize + ?Sized>(value: &T) {
    let expected = serde_json::to_string(value);
    let fast = super::to_string(value);
    match (expected, fast) {
        (Ok(expected), Ok(fast)) => assert_eq!(fast, expected),
        (Err(expected), Err(fast)) => assert_eq!(fast.to_string(), expected.to_string()),
        (expected, fast) => panic!("serde_json: {expected:?}, fast: {fast:?}"),
    }
}

#[derive(Serialize)]
enum Shapes {
    Unit,
    Newtype(u8),
    Tuple(i32, String),
    EmptyTuple(),
    Struct {
        a: Option<f32>,
        b: Vec<bool>,
    },
    EmptyStruct {},
    #[serde(rename = "with \"quote\"")]
    Renamed,
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(String);

#[derive(Serialize)]
struct Tuple(u8, char, ());

#[derive(Serialize)]
struct Record {
    name: &'static str,
    #[serde(with = "serde_bytes_like")]
    bytes: Vec<u8>,
    nested: Option<Box<Record>>,
}

/// Bytes through `serialize_bytes`, as `serde_bytes` would.
mod serde_bytes_like {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(bytes)
    }
}

#[test]
fn every_shape_of_the_data_model_is_written_like_serde_json() {
    same(&Shapes::Unit);
    same(&Shapes::Newtype(7));
    same(&Shapes::Tuple(-1, "x\ny".into()));
    same(&Shapes::EmptyTuple());
    same(&Shapes::Struct {
        a: Some(1.5),
        b: vec![true, false],
    });
    same(&Shapes::Struct {
        a: Some(f32::NAN),
        b: vec![],
    });
    same(&Shapes::EmptyStruct {});
    same(&Shapes::Renamed);
    same(&Unit);
    same(&Newtype("\u{2028}\u{2029}".into()));
    same(&Tuple(255, '"', ()));
    same(&Record {
        name: "outer",
        bytes: vec![0, 1, 255],
        nested: Some(Box::new(Record {
            name: "",
            bytes: vec![],
            nested: None,
        })),
    });
    same(&());
    same(&Some(3u64));
    same(&None::<u8>);
    same(&(1u8, "two", 3.0f64));
    same(&[0u8; 0]);
    same(&Vec::<Value>::new());
    same(&BTreeMap::<String, u8>::new());
    same(&'\u{7f}');
    same(&format_args!("{}\t{}", "a\"", 5));
    same(&[i128::MIN, i128::MAX]);
    same(&[u128::MAX]);
    same(&[i64::MIN, i64::MAX]);
    same(&[u64::MAX]);
    same(&[i8::MIN]);
}

#[test]
fn floats_are_written_like_serde_json() {
    let floats = [
        0.0,
        -0.0,
        1.0,
        -1.5,
        0.1,
        1e-7,
        1e16,
        1.7976931348623157e308,
        5e-324,
        -2.2250738585072014e-308,
        123456789.125,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    for float in floats {
        same(&float);
        same(&(float as f32));
    }
    let mut state = 0x2545f4914f6cdd1du64;
    for _ in 0..10_000 {
        // xorshift: bit patterns of every exponent.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        same(&f64::from_bits(state));
        same(&f32::from_bits(state as u32));
    }
}

#[test]
fn map_keys_are_written_like_serde_json() {
    same(&BTreeMap::from([(1u32, "a"), (2, "b")]));
    same(&BTreeMap::from([(-1i64, 0)]));
    same(&BTreeMap::from([(true, 0), (false, 1)]));
    same(&BTreeMap::from([('k', 0)]));
    same(&BTreeMap::from([(i128::MIN, 0)]));
    // Not strings: the same errors.
    same(&BTreeMap::from([((), 0)]));
    same(&BTreeMap::from([(vec![1], 0)]));
    same(&BTreeMap::from([(Some("a"), 0)]));
    same(&BTreeMap::from([(None::<&str>, 0)]));
    same(&FloatKeys(vec![(1.5, 0), (-0.0, 1), (1e300, 2)]));
    same(&FloatKeys(vec![(f64::NAN, 0)]));
}

/// A map with float keys (no `Ord` for `BTreeMap`).
struct FloatKeys(Vec<(f64, u8)>);

impl Serialize for FloatKeys {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A map that announces a length and then writes another number of entries.
struct Lying(Option<usize>, usize);

impl Serialize for Lying {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(self.0)?;
        for n in 0..self.1 {
            map.serialize_entry(&n.to_string(), &n)?;
        }
        map.end()
    }
}

#[test]
fn wrong_lengths_are_written_like_serde_json() {
    same(&Lying(Some(0), 2));
    same(&Lying(Some(5), 1));
    same(&Lying(None, 0));
}

#[test]
fn strings_are_escaped_like_serde_json() {
    let mut texts: Vec<String> = vec![
        String::new(),
        "\"".into(),
        "\\".into(),
        "C:\\Program Files\\Linux Containers\\kernel".into(),
        "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{20}\u{7f}".into(),
        "\u{2028}\u{2029}\u{feff}é漢字🦀".into(),
        "D:P(A;;FA;;;SY)(A;;FA;;;BA)".into(),
        "#]\"#\\]\u{1f} ".repeat(9),
        "a".repeat(1000) + "\"",
    ];
    // Every ASCII byte at every offset of strings crossing word boundaries.
    for byte in 0..0x80u8 {
        for len in [1, 7, 8, 9, 15, 16, 17, 31] {
            for at in 0..len {
                let mut text = vec![b'x'; len];
                text[at] = byte;
                texts.push(String::from_utf8(text).unwrap());
            }
        }
    }
    for text in &texts {
        same(text);
        same(&BTreeMap::from([(text.as_str(), text.as_str())]));
        // As a key after another (with the comma written in front of it) and before another.
        same(&InOrder(vec![("k", text), (text, text), (text, "v")]));
    }
}

/// A map written in the order of its entries (a key may repeat).
struct InOrder<'t>(Vec<(&'t str, &'t str)>);

impl Serialize for InOrder<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[test]
fn values_are_written_like_serde_json() {
    same(&json!({
        "a": [1, -1, 1.5, 1e300, null, true, false, "s", {}, []],
        "": {"nested": {"deeper": [[[]]]}},
        "\u{1}": u64::MAX,
        "big": i64::MIN,
    }));
    let parsed: Value =
        serde_json::from_str(r#"{"n":[0,-0,0.0,-0.0,1E5,1e-5,12345678901234567890,3.141592653589793,123456789012345678901234567890,1.00000000000000000000001]}"#)
            .unwrap();
    same(&parsed);
}

#[test]
fn writers_agree() {
    let value = json!({"Path": "C:\\x", "Port": 564});
    let expected = serde_json::to_vec(&value).unwrap();
    assert_eq!(super::to_vec(&value).unwrap(), expected);
    let mut out = Vec::new();
    super::to_writer(&mut out, &value).unwrap();
    assert_eq!(out, expected);
    let mut appended = b"prefix".to_vec();
    super::append(&mut appended, &value).unwrap();
    assert_eq!(appended[6..], expected[..]);
}

#[test]
fn read_errors_name_the_place_and_the_path() {
    let error = super::from_str::<crate::ComputeSystem>(
        r#"{"VirtualMachine": {"Devices": {"Scsi": {"0": {"Attachments": {"1": {"Path": 5}}}}}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        error.path(),
        "VirtualMachine.Devices.Scsi.0.Attachments.1.Path"
    );
    assert_eq!(error.line(), 1);
    assert_eq!(error.column(), 78);
    assert_eq!(
        error.to_string(),
        "VirtualMachine.Devices.Scsi.0.Attachments.1.Path: invalid type: integer `5`, expected a \
         string at line 1 column 78"
    );
    let error = super::from_str::<crate::ComputeSystem>("{").unwrap_err();
    assert_eq!(error.path(), ".");
    assert_eq!(
        error.to_string(),
        "EOF while parsing an object at line 1 column 1"
    );
    let error = super::from_slice::<crate::ComputeSystem>(b"[]").unwrap_err();
    assert!(
        error.message().starts_with("invalid type: sequence"),
        "{error}"
    );
}

/// A type whose `Deserialize` asks the reader for nothing: `from_str` still checks that the
/// document is empty (the path where the end is checked after the value, not inside its read).
#[derive(Debug, PartialEq, Serialize)]
struct ReadsNothing;

impl<'de> serde::Deserialize<'de> for ReadsNothing {
    fn deserialize<D: serde::Deserializer<'de>>(_deserializer: D) -> Result<Self, D::Error> {
        Ok(ReadsNothing)
    }
}

/// A type that fails after its value is read (the error is raised outside the reader).
#[derive(Debug, Serialize)]
struct FailsAfterReading;

impl<'de> serde::Deserialize<'de> for FailsAfterReading {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let _: u8 = serde::Deserialize::deserialize(deserializer)?;
        Err(serde::de::Error::custom("checked after reading"))
    }
}

#[test]
fn the_end_of_the_document_is_checked_like_serde_json() {
    // After a typed document: whitespace only, or the first character that is not.
    assert!(super::from_str::<crate::ComputeSystem>("{} \n\t").is_ok());
    // (The place is the offending character's, counted from 0 as every error of this reader.)
    for (text, column) in [("{} x", 3), ("{}{}", 2), ("{},", 2), ("{}\n ]", 1)] {
        let error = super::from_str::<crate::ComputeSystem>(text).unwrap_err();
        let expected = serde_json::from_str::<crate::ComputeSystem>(text).unwrap_err();
        assert_eq!(error.message(), "trailing characters", "{text:?}");
        assert!(
            expected.to_string().starts_with(error.message()),
            "{text:?}"
        );
        assert_eq!(error.column(), column, "{text:?}");
        same_read::<crate::ComputeSystem>(text);
    }
    // A type that reads nothing: the document must still be empty.
    assert_eq!(super::from_str::<ReadsNothing>(" ").unwrap(), ReadsNothing);
    for text in ["1", " {}"] {
        let error = super::from_str::<ReadsNothing>(text).unwrap_err();
        let expected = serde_json::from_str::<ReadsNothing>(text).unwrap_err();
        assert_eq!(error.message(), "trailing characters", "{text:?}");
        assert!(
            expected.to_string().starts_with(error.message()),
            "{text:?}"
        );
    }
    // An error raised after the value was read is about that value, not about what follows it:
    // placed where the value ends, as before the end was checked inside the read.
    for text in ["7", "7 ", "7 x"] {
        let error = super::from_str::<FailsAfterReading>(text).unwrap_err();
        assert_eq!(error.message(), "checked after reading", "{text:?}");
        assert_eq!((error.line(), error.column()), (1, 1), "{text:?}");
        assert!(serde_json::from_str::<FailsAfterReading>(text).is_err());
    }
}

/// Reads `text` as `T` through both readers: both accept and read the same value (compared
/// through serde_json's writer), or both reject.
fn same_read<T: serde::de::DeserializeOwned + Serialize>(text: &str) {
    let expected = serde_json::from_str::<T>(text);
    let fast = super::from_str::<T>(text);
    match (expected, fast) {
        (Ok(expected), Ok(fast)) => assert_eq!(
            serde_json::to_string(&fast).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "{text:?}"
        ),
        (Err(_), Err(_)) => {}
        (expected, fast) => panic!(
            "{text:?}: serde_json {:?}, fast {:?}",
            expected.map(|_| ()),
            fast.map(|_| ())
        ),
    }
    assert_eq!(
        serde_json::from_slice::<T>(text.as_bytes()).is_ok(),
        super::from_slice::<T>(text.as_bytes()).is_ok(),
        "{text:?}"
    );
}

#[test]
fn the_reader_reads_what_serde_json_reads() {
    let texts = [
        // Numbers: integers that fit, that do not, `-0`, fractions, exponents, range, grammar.
        "0",
        "-0",
        "0.0",
        "-0.0",
        "1",
        "-1",
        "1.5",
        "1e5",
        "1E+5",
        "1e-5",
        "-1.5e-300",
        "1e400",
        "-1e400",
        "1e-400",
        "0e999999999999",
        "1e999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "123456789012345678901234567890.5e-10",
        "3.141592653589793238462643383279",
        "2.2250738585072011e-308",
        "01",
        "00",
        "-01",
        "1.",
        ".5",
        "-",
        "1e",
        "1e+",
        "+1",
        "1.5.5",
        "0x10",
        "1_0",
        "--1",
        "-a",
        "NaN",
        "Infinity",
        // Literals and structure.
        "null",
        "true",
        "false",
        "nul",
        "tru",
        "falsy",
        "nulll",
        "[]",
        "{}",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{,}",
        "{\"a\"}",
        "{\"a\":}",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
        "[1,,2]",
        " [ 1 , 2 ] ",
        "\t{\r\n\"a\"\n:\t[]\r}\n",
        "[",
        "{",
        "{\"a\"",
        "{\"a\":1",
        "[1",
        "",
        " ",
        "1 2",
        "[]x",
        "{\"a\":1}}",
        "[]]",
        // Strings and escapes.
        r#""""#,
        r#""a""#,
        r#""\"\\\/\b\f\n\r\t""#,
        r#""\u00e9\u2028\uFFFF""#,
        r#""\ud83d\ude00""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800\u0041""#,
        r#""\ud800x""#,
        r#""\x""#,
        r#""\u12""#,
        r#""\u12g4""#,
        "\"\u{1}\"",
        "\"\u{1f}\"",
        "\"\u{7f}\"",
        "\"é漢🦀\"",
        r#""abc"#,
        r#""\"#,
        r#""C:\\Program Files\\Linux Containers\\kernel""#,
        r#"{"C:\\x":"\u0000","":"",  "k":"a\"b"}"#,
    ];
    for text in texts {
        same_read::<Value>(text);
        same_read::<crate::ComputeSystem>(text);
        same_read::<Option<String>>(text);
        same_read::<Vec<i64>>(text);
        same_read::<f64>(text);
        same_read::<u32>(text);
        same_read::<BTreeMap<u32, bool>>(text);
    }
    // Nesting: serde_json's limit of 127 open arrays or objects.
    for depth in [126, 127, 128, 129] {
        same_read::<Value>(&("[".repeat(depth) + &"]".repeat(depth)));
        same_read::<Value>(&("{\"a\":".repeat(depth) + "1" + &"}".repeat(depth)));
    }
}

#[test]
fn the_reader_reads_typed_documents_like_serde_json() {
    let documents = [
        r#"{"Owner":"x","SchemaVersion":{"Major":2,"Minor":1},"Unknown":{"n":[1,-0,1.5e300]}}"#,
        r#"{"VirtualMachine":{"Devices":{"Scsi":{"0":{"Attachments":{"0":{"Path":"C:\\a\"b"}}}}}}}"#,
        r#"{"VirtualMachine":{"Devices":{"NetworkAdapters":{"a":{"MacAddress":"00-15-5D-52-C0-00","EndpointId":"c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21"}}}}}"#,
        r#"{"VirtualMachine":{"Devices":{"NetworkAdapters":{"a":{"MacAddress":"00-15-5D-52-C0"}}}}}"#,
        r#"{"SchemaVersion":{"Major":-1}}"#,
        r#"{"SchemaVersion":{"Major":4294967296}}"#,
        r#"{"SchemaVersion":{"Major":1.0}}"#,
        r#"{"SchemaVersion":null,"Owner":null}"#,
        r#"{"Owner":"a","Owner":"b"}"#,
        r#"{"ShouldTerminateOnLastHandleClosed":"true"}"#,
        r#"{"SchemaVersion":[2,1]}"#,
    ];
    for text in documents {
        same_read::<crate::ComputeSystem>(text);
        same_read::<Value>(text);
    }
}

#[test]
fn numeric_and_boolean_keys_are_read_like_serde_json() {
    for text in [
        r#"{"1":true,"2":false}"#,
        r#"{"-1":true}"#,
        r#"{"x":true}"#,
        r#"{"1.5":true}"#,
        r#"{" 1":true}"#,
        r#"{"01":true}"#,
    ] {
        same_read::<BTreeMap<i32, bool>>(text);
        same_read::<BTreeMap<u8, bool>>(text);
    }
}

/// Bytes read through `deserialize_byte_buf`, as `serde_bytes` reads them.
#[derive(Debug, PartialEq, Serialize)]
struct Bytes(Vec<u8>);

impl<'de> serde::Deserialize<'de> for Bytes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Bytes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Bytes, E> {
                Ok(Bytes(bytes.to_vec()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Bytes, A::Error> {
                let mut bytes = Vec::new();
                while let Some(byte) = seq.next_element()? {
                    bytes.push(byte);
                }
                Ok(Bytes(bytes))
            }
        }
        deserializer.deserialize_byte_buf(Visit)
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Known {
    a: Option<u32>,
    b: Option<Vec<Known>>,
}

#[derive(Serialize, serde::Deserialize)]
enum Choice {
    A,
    B(u32),
    C { x: u32 },
}

#[test]
fn skipped_values_are_checked_like_serde_json() {
    // A skipped value is checked more leniently than a read one: numbers against the grammar
    // only, `\u` escapes of lone surrogates pass, and there is no nesting limit.
    let deep = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
    let mut texts: Vec<String> = [
        r#"1e400"#,
        r#""\ud800""#,
        r#""\udc00\ud800x""#,
        r#""\u12""#,
        r#""\x""#,
        "\"\u{1}\"",
        r#"[1e400,-1e999,"\ud800"]"#,
        r#"{"a":1e400}"#,
        r#"{"a":1,}"#,
        r#"[1,]"#,
        r#"[,1]"#,
        r#"{,}"#,
        r#"{"a" 1}"#,
        r#"{"a":}"#,
        r#"{1:2}"#,
        r#"[1 2]"#,
        r#"[1,,2]"#,
        r#"[[],{}]"#,
        r#"{"a":[{"b":{}}],"c":"d"}"#,
        "[",
        "{",
        r#"{"a""#,
        r#"{"a":1"#,
        "[1",
        "",
        "01",
        "1.",
        "-",
        "nul",
        "[}",
        "{]",
        r#"{"a":1]"#,
        "[1}",
        " [ 1 , { \"a\" : null } ] ",
    ]
    .map(String::from)
    .to_vec();
    texts.extend([126, 127, 128, 200, 5000].map(deep));
    texts.push(r#"{"b":[{"z":"#.to_owned() + &deep(300) + "}]}");
    for text in &texts {
        same_ignored(text);
        same_read::<Known>(&format!(r#"{{"unknown":{text}}}"#));
        same_read::<Known>(&format!(r#"{{"a":1,"unknown":{text},"b":[]}}"#));
    }
}

/// `text` read as `IgnoredAny` through both readers: both accept, or both reject.
fn same_ignored(text: &str) {
    use serde::de::IgnoredAny;
    assert_eq!(
        super::from_str::<IgnoredAny>(text).is_ok(),
        serde_json::from_str::<IgnoredAny>(text).is_ok(),
        "{text:?}"
    );
}

#[test]
fn bytes_are_read_like_serde_json() {
    for text in [
        r#""abc""#,
        r#""""#,
        "\"a\u{1}b\u{1f}\"",
        r#""a\"b\\c\/\b\f\n\r\t""#,
        r#""\u00e9\u2028""#,
        r#""\ud83d\ude00""#,
        r#""\ud800""#,
        r#""\udc00""#,
        r#""\ud800x""#,
        r#""\ud800\n""#,
        r#""\ud800\ud800\udc00""#,
        r#""\ud800\u0041""#,
        r#""\ud800\""#,
        r#""\ud800\u12""#,
        r#""\x""#,
        r#""\u12g4""#,
        r#""abc"#,
        r#""\"#,
        "[1,2,255]",
        "[256]",
        "[]",
        "1",
        "null",
    ] {
        let expected = serde_json::from_str::<Bytes>(text).ok();
        let fast = super::from_str::<Bytes>(text).ok();
        assert_eq!(fast, expected, "{text:?}");
        let text = format!("{{{text}:1}}");
        assert_eq!(
            super::from_str::<BTreeMap<Bytes, u8>>(&text).ok(),
            serde_json::from_str::<BTreeMap<Bytes, u8>>(&text).ok(),
            "{text:?}"
        );
    }
}

impl PartialOrd for Bytes {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Bytes {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl Eq for Bytes {}

#[test]
fn wide_integers_and_single_floats_are_read_like_serde_json() {
    for text in [
        "0",
        "-0",
        "1",
        "-1",
        "01",
        "1.5",
        "1e3",
        "-",
        "",
        "\"1\"",
        "170141183460469231731687303715884105727",
        "170141183460469231731687303715884105728",
        "-170141183460469231731687303715884105728",
        "-170141183460469231731687303715884105729",
        "340282366920938463463374607431768211455",
        "340282366920938463463374607431768211456",
        // f32: the largest, just past it, and decimals that round differently through f64.
        "3.4028235e38",
        "3.4028236e38",
        "1e39",
        "-1e39",
        "1e-46",
        "1.00000005960464477539062499",
        "1.000000059604644775390625",
        "16777217",
        "16777217.0",
        "0.1",
        "123456789012345678901234567890",
    ] {
        same_read::<i128>(text);
        same_read::<u128>(text);
        same_read::<f32>(text);
        same_read::<Vec<f32>>(&format!("[{text}]"));
        same_read::<BTreeMap<i128, u8>>(&format!(r#"{{"{text}":1}}"#));
        same_read::<BTreeMap<u128, u8>>(&format!(r#"{{"{text}":1}}"#));
        same_read::<BTreeMap<u64, u8>>(&format!(r#"{{"{text}":1}}"#));
        same_read::<BTreeMap<i64, u8>>(&format!(r#"{{"{text}":1}}"#));
    }
    // f32 keys compared through their bits (f32 is not `Ord`).
    for text in [
        "1.00000005960464477539062499",
        "1e39",
        "0.1",
        "-0",
        "1.5 ",
        " 1.5",
    ] {
        let text = format!(r#"{{"{text}":1}}"#);
        let fast = super::from_str::<std::collections::HashMap<F32Key, u8>>(&text).ok();
        let expected = serde_json::from_str::<std::collections::HashMap<F32Key, u8>>(&text).ok();
        assert_eq!(fast, expected, "{text}");
    }
}

/// An `f32` map key, compared by its bits.
#[derive(Debug, PartialEq, Eq, Hash)]
struct F32Key(u32);

impl<'de> serde::Deserialize<'de> for F32Key {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f32::deserialize(deserializer).map(|value| F32Key(value.to_bits()))
    }
}

#[test]
fn keys_are_read_like_serde_json() {
    for text in [
        r#"{"1":true}"#,
        r#"{"\u0031":true}"#,
        r#"{"1\u0030":true}"#,
        r#"{"-":true}"#,
        r#"{"1 ":true}"#,
        r#"{"1.0":true}"#,
        r#"{"1e2":true}"#,
        r#"{"":true}"#,
        r#"{"true":1}"#,
        r#"{"false":1}"#,
        r#"{"tru\u0065":1}"#,
        r#"{"\u0074rue":1}"#,
        r#"{"True":1}"#,
        r#"{"truex":1}"#,
        r#"{"":1}"#,
    ] {
        same_read::<BTreeMap<u32, Value>>(text);
        same_read::<BTreeMap<i8, Value>>(text);
        same_read::<BTreeMap<bool, Value>>(text);
        same_read::<BTreeMap<String, Value>>(text);
    }
}

#[test]
fn enums_are_read_like_serde_json() {
    for text in [
        r#""A""#,
        r#""B""#,
        r#""D""#,
        r#"{"A":null}"#,
        r#"{"A":1}"#,
        r#"{"B":1}"#,
        r#"{"B":1,}"#,
        r#"{"B":1,"A":null}"#,
        r#"{"C":{"x":1}}"#,
        r#"{"C":[1]}"#,
        r#"{"C":{"x":1,"x":2}}"#,
        r#"{ "B" : 1 }"#,
        r#"{"B" 1}"#,
        r#"{1:2}"#,
        r#"{}"#,
        "[]",
        "1",
        r#"{"\u0042":1}"#,
    ] {
        same_read::<Choice>(text);
        same_read::<Vec<Choice>>(&format!("[{text}]"));
        same_read::<BTreeMap<String, Choice>>(&format!(r#"{{"k":{text}}}"#));
    }
}

#[test]
fn slices_that_are_not_utf8_are_read_like_serde_json() {
    for bytes in [
        &b"\"\xff\""[..],
        b"{\"unknown\":\"\xff\",\"a\":1}",
        b"{\"a\":\"\xff\"}",
        b"[\xff]",
        b"\xff",
    ] {
        assert_eq!(
            super::from_slice::<Known>(bytes).is_ok(),
            serde_json::from_slice::<Known>(bytes).is_ok(),
            "{bytes:?}"
        );
        assert_eq!(
            super::from_slice::<Bytes>(bytes).ok(),
            serde_json::from_slice::<Bytes>(bytes).ok(),
            "{bytes:?}"
        );
        assert_eq!(
            super::from_slice::<Value>(bytes).ok(),
            serde_json::from_slice::<Value>(bytes).ok(),
            "{bytes:?}"
        );
    }
    let error = super::from_slice::<crate::ComputeSystem>(b"{\"Owner\":\"\xff\"}").unwrap_err();
    assert_eq!(error.path(), "Owner", "{error}");
}

#[test]
fn escaped_strings_are_read_like_serde_json_in_every_position() {
    let escapes = [
        r"\\",
        r#"\""#,
        r"\/",
        r"\n",
        r"\u00e9",
        r"\ud83d\ude00",
        "é",
        r"\\\\",
    ];
    for escape in escapes {
        for len in 0..40 {
            for at in 0..=len {
                let body = format!("{}{escape}{}", "a".repeat(at), "b".repeat(len - at));
                // Near the end of the input (the byte-at-a-time tail) and far from it (the
                // sixteen-byte chunks), closed and unclosed, with a control character after.
                for text in [
                    format!("\"{body}\""),
                    format!("\"{body}\"{}", " ".repeat(20)),
                    format!("[\"{body}{escape}x\", \"{body}\"]"),
                    format!("\"{body}"),
                    format!("\"{body}\u{1}\"{}", " ".repeat(20)),
                ] {
                    same_read::<Value>(&text);
                    same_read::<Vec<String>>(&text);
                    same_read::<String>(&text);
                }
            }
        }
    }
}

#[test]
fn integers_around_the_one_pass_limit_are_read_like_serde_json() {
    for text in [
        "0",
        "7",
        "00",
        "01",
        "1.",
        "1e",
        "1.5",
        "2E3",
        "999999999999999999",
        "9999999999999999999",
        "10000000000000000000",
        "18446744073709551615",
        "18446744073709551616",
        "0000000000000000001",
        "1x",
        "[12,345]",
        "{\"12\":1}",
        "true",
        "tru",
        "nul",
        "[false]",
        "[fals]",
    ] {
        same_read::<Value>(text);
        same_read::<u64>(text);
        same_read::<i32>(text);
        same_read::<f64>(text);
        same_read::<Vec<u16>>(text);
        same_read::<BTreeMap<u8, u8>>(text);
        same_read::<Option<bool>>(text);
        same_read::<Vec<bool>>(text);
    }
}

#[test]
fn strings_without_escapes_are_read_like_serde_json_near_the_end() {
    // Every length around the sixteen-byte step, so the closing quote (or its absence, or a
    // control character) falls at every place of the input's last chunk.
    for len in 0..40 {
        let body = "a".repeat(len);
        for text in [
            format!("\"{body}\""),
            format!("\"{body}"),
            format!("\"{body}\u{1}\""),
            format!("[\"x\",\"{body}\"]"),
            format!("{{\"Owner\":\"{body}\"}}"),
        ] {
            same_read::<Value>(&text);
            same_read::<String>(&text);
            same_read::<Vec<String>>(&text);
            same_read::<crate::ComputeSystem>(&text);
        }
    }
}

#[test]
fn a_repeated_property_keeps_its_last_value() {
    // Each document against the same written by hand with only the last occurrence, as
    // serde_json's `Value` reads it: the struct, array, map or unknown property read first is
    // replaced whole, nothing of it kept.
    let cases = [
        (
            r#"{"SchemaVersion":{"Major":1,"Minor":9,"Extra":1},"SchemaVersion":{"Major":2}}"#,
            r#"{"SchemaVersion":{"Major":2}}"#,
        ),
        (
            r#"{"VirtualMachine":{"Devices":{"Plan9":{"Shares":[{"Name":"a"},{"Name":"c"}],"Shares":[{"Name":"b"}]}}}}"#,
            r#"{"VirtualMachine":{"Devices":{"Plan9":{"Shares":[{"Name":"b"}]}}}}"#,
        ),
        (
            r#"{"VirtualMachine":{"Devices":{"Scsi":{"0":{},"1":{}},"Scsi":{"2":{}}}}}"#,
            r#"{"VirtualMachine":{"Devices":{"Scsi":{"2":{}}}}}"#,
        ),
        (r#"{"Extra":1,"Extra":[2]}"#, r#"{"Extra":[2]}"#),
        (r#"{"Owner":"a","Owner":"b"}"#, r#"{"Owner":"b"}"#),
    ];
    for (text, expected) in cases {
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&value).unwrap(), expected);
        let read: crate::ComputeSystem = super::from_str(text).unwrap();
        assert_eq!(super::to_string(&read).unwrap(), expected, "{text}");
    }
}
