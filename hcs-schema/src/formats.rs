//! String formats of the schema with their own types: GUIDs, MAC addresses, date-times and base64
//! bytes. Each validates on parse and serializes back to exactly the text it was parsed from, so a
//! document round-trips byte for byte.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

/// A string that does not have the format its schema type requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The format (`GUID`, `MAC address`, `date-time`, `base64`).
    pub format: &'static str,
    /// The rejected text.
    pub value: String,
    /// Why it was rejected.
    pub reason: &'static str,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} `{}`: {}",
            self.format, self.value, self.reason
        )
    }
}

impl std::error::Error for FormatError {}

/// The value of each byte as a hexadecimal digit (either case), or [`NOT_HEX`]: one table lookup
/// a digit, no branches, for the GUIDs and MAC addresses of every document.
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut digit = 0;
    while digit < 10 {
        table[b'0' as usize + digit] = digit as u8;
        digit += 1;
    }
    let mut letter = 0;
    while letter < 6 {
        table[b'a' as usize + letter] = 10 + letter as u8;
        table[b'A' as usize + letter] = 10 + letter as u8;
        letter += 1;
    }
    table
};

/// The [`HEX`] entry of a byte that is not a hexadecimal digit (any value with a high bit set).
const NOT_HEX: u8 = 0x80;

fn format_error(format: &'static str, value: &str, reason: &'static str) -> FormatError {
    FormatError {
        format,
        value: value.to_owned(),
        reason,
    }
}

/// Implements `Display`, `FromStr`, `Serialize` and `Deserialize` (from a string, borrowed or not)
/// for a format type with `parse(&str) -> Result<Self, FormatError>` and `as_str(&self)`.
macro_rules! string_format {
    ($ty:ident, $expecting:literal) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = FormatError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct FormatVisitor;

                impl Visitor<'_> for FormatVisitor {
                    type Value = $ty;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($expecting)
                    }

                    fn visit_str<E: de::Error>(self, text: &str) -> Result<$ty, E> {
                        $ty::parse(text).map_err(E::custom)
                    }
                }

                deserializer.deserialize_str(FormatVisitor)
            }
        }
    };
}

/// Decodes eight hexadecimal digits (either case), the first in the lowest byte of `word`, into
/// four bytes, the first in the lowest byte; `None` if any byte is not a hexadecimal digit.
/// Each step works on all eight bytes of the word at once, with no branch and no table. Not
/// inlined: [`Guid::parse`] calls it four times, and the copies were 700 bytes of code.
#[inline(never)]
fn hex_digits(word: u64) -> Option<u32> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte that is within `low..=high`, for words of ASCII bytes: adding
    // `0x80 - low` sets it from `low` up, adding `0x7f - high` from above `high`, and neither
    // sum carries into the next byte.
    let within = |word: u64, low: u8, high: u8| {
        word.wrapping_add(ONES * u64::from(0x80 - low))
            & !word.wrapping_add(ONES * u64::from(0x7f - high))
            & HIGH
    };
    let digit = within(word, b'0', b'9');
    // Setting bit 5 turns `A-F` into `a-f`, and nothing else into `a-f`.
    let letter = within(word | (ONES * 0x20), b'a', b'f');
    if word & HIGH != 0 || digit | letter != HIGH {
        return None;
    }
    // `0-9` are their low four bits; `a-f` and `A-F` their low four bits (1 to 6) plus 9.
    let nibbles = (word & (ONES * 0x0f)) + (letter >> 7) * 9;
    // Each even byte: its digit, the high nibble, and the next one.
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff_00ff_00ff_00ff;
    // The four even bytes next to each other.
    let quads = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    Some((quads | (quads >> 16)) as u32)
}

/// A GUID as HCS writes it: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, hexadecimal, no braces (the
/// schema's `pattern`). Equality, ordering and hashing compare the value, ignoring letter case;
/// the text keeps the case it was parsed with.
#[derive(Clone, Copy)]
pub struct Guid {
    uuid: uuid::Uuid,
    text: [u8; 36],
}

impl Guid {
    /// The nil GUID, `00000000-0000-0000-0000-000000000000`.
    pub const NIL: Guid = Guid {
        uuid: uuid::Uuid::nil(),
        text: *b"00000000-0000-0000-0000-000000000000",
    };

    /// Parses the schema's GUID format.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        // The 32 digits are decoded eight at a time ([`hex_digits`]) and the shape is checked
        // once (`uuid`'s parser, used before, checked the text a second time). A table lookup a
        // digit, unrolled by the compiler, was 268 instructions: over a kilobyte of code run
        // once a GUID, each time from a cold instruction cache.
        let bytes = text.as_bytes();
        let bad = || {
            format_error(
                "GUID",
                text,
                "expected 8-4-4-4-12 hexadecimal digits without braces",
            )
        };
        let text_bytes: &[u8; 36] = bytes.try_into().map_err(|_| bad())?;
        let word = |at: usize| {
            let mut word = [0; 8];
            word.copy_from_slice(&text_bytes[at..at + 8]);
            u64::from_le_bytes(word)
        };
        let half = |at: usize| {
            let mut half = [0; 4];
            half.copy_from_slice(&text_bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(half))
        };
        let digits = [
            hex_digits(word(0)),
            hex_digits(half(9) | half(14) << 32),
            hex_digits(half(19) | half(24) << 32),
            hex_digits(word(28)),
        ];
        let dashes = [
            text_bytes[8],
            text_bytes[13],
            text_bytes[18],
            text_bytes[23],
        ];
        let [Some(a), Some(b), Some(c), Some(d)] = digits else {
            return Err(bad());
        };
        if dashes != [b'-'; 4] {
            return Err(bad());
        }
        let mut value = [0u8; 16];
        for (bytes, digits) in value.chunks_exact_mut(4).zip([a, b, c, d]) {
            bytes.copy_from_slice(&digits.to_le_bytes());
        }
        Ok(Self {
            uuid: uuid::Uuid::from_bytes(value),
            text: *text_bytes,
        })
    }

    /// The GUID of a [`uuid::Uuid`], written in lower case.
    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        let mut text = [0u8; 36];
        uuid.hyphenated().encode_lower(&mut text);
        Self { uuid, text }
    }

    /// The value as a [`uuid::Uuid`].
    pub fn as_uuid(&self) -> uuid::Uuid {
        self.uuid
    }

    /// The text, as parsed.
    pub fn as_str(&self) -> &str {
        // Not `str::from_utf8`: it re-validated the text on every serialize (about 30 instructions
        // a GUID), and no safe conversion from bytes to `str` skips the check.
        debug_assert!(self.text.is_ascii());
        // SAFETY: `text` is private and always ASCII: `parse` accepts only hexadecimal digits and
        // `-`, `from_uuid` writes them with `encode_lower`, and `NIL` is a literal
        // (`tests::guid_and_mac_text_is_ascii_whatever_parse_is_given` checks every constructor).
        unsafe { std::str::from_utf8_unchecked(&self.text) }
    }
}

impl From<uuid::Uuid> for Guid {
    fn from(uuid: uuid::Uuid) -> Self {
        Self::from_uuid(uuid)
    }
}

impl From<Guid> for uuid::Uuid {
    fn from(guid: Guid) -> Self {
        guid.uuid
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({})", self.as_str())
    }
}

impl PartialEq for Guid {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl Eq for Guid {}

impl std::hash::Hash for Guid {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl PartialOrd for Guid {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Guid {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

string_format!(
    Guid,
    "a GUID string like \"6ba7b810-9dad-11d1-80b4-00c04fd430c8\""
);

/// A MAC address as HCS writes it: six hexadecimal octets separated by `-` (`00-15-5D-52-C0-00`);
/// `:` separators are accepted too. Equality compares the octets; the text keeps its spelling.
#[derive(Clone, Copy)]
pub struct MacAddress {
    octets: [u8; 6],
    text: [u8; 17],
}

impl MacAddress {
    /// Parses `XX-XX-XX-XX-XX-XX` or `XX:XX:XX:XX:XX:XX`.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        let bad = || {
            format_error(
                "MAC address",
                text,
                "expected six hexadecimal octets like 00-15-5D-52-C0-00",
            )
        };
        let bytes: &[u8; 17] = text.as_bytes().try_into().map_err(|_| bad())?;
        let separator = bytes[2];
        if separator != b'-' && separator != b':' {
            return Err(bad());
        }
        let mut octets = [0u8; 6];
        for (index, octet) in octets.iter_mut().enumerate() {
            let at = index * 3;
            if index < 5 && bytes[at + 2] != separator {
                return Err(bad());
            }
            let (high, low) = (HEX[usize::from(bytes[at])], HEX[usize::from(bytes[at + 1])]);
            if (high | low) & NOT_HEX != 0 {
                return Err(bad());
            }
            *octet = (high << 4) | low;
        }
        Ok(Self {
            octets,
            text: *bytes,
        })
    }

    /// The address of six octets, written `00-15-5D-52-C0-00`.
    pub fn from_octets(octets: [u8; 6]) -> Self {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut text = [b'-'; 17];
        for (index, octet) in octets.iter().enumerate() {
            text[index * 3] = HEX[usize::from(octet >> 4)];
            text[index * 3 + 1] = HEX[usize::from(octet & 0xf)];
        }
        Self { octets, text }
    }

    /// The six octets.
    pub fn octets(&self) -> [u8; 6] {
        self.octets
    }

    /// The text, as parsed.
    pub fn as_str(&self) -> &str {
        // Not `str::from_utf8`, for the same reason as `Guid::as_str`.
        debug_assert!(self.text.is_ascii());
        // SAFETY: `text` is private and always ASCII: `parse` accepts only hexadecimal digits and
        // the separator `-` or `:`, `from_octets` writes digits and `-`
        // (`tests::guid_and_mac_text_is_ascii_whatever_parse_is_given` checks every constructor).
        unsafe { std::str::from_utf8_unchecked(&self.text) }
    }
}

impl fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MacAddress({})", self.as_str())
    }
}

impl PartialEq for MacAddress {
    fn eq(&self, other: &Self) -> bool {
        self.octets == other.octets
    }
}

impl Eq for MacAddress {}

impl std::hash::Hash for MacAddress {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.octets.hash(state);
    }
}

string_format!(
    MacAddress,
    "a MAC address string like \"00-15-5D-52-C0-00\""
);

/// An RFC 3339 date-time (`2021-03-04T05:06:07.1234567Z`, `2021-03-04T05:06:07+01:00`), validated
/// and kept as written. HCS writes .NET's seven fractional digits; any number is accepted.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DateTime(String);

impl DateTime {
    /// Parses an RFC 3339 `date-time`.
    ///
    /// Written by hand on purpose: date-time crates re-format what they parse (so a document would
    /// not round-trip byte for byte) and would double the crate's build time for one check.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        validate_rfc3339(text.as_bytes())
            .map_err(|reason| format_error("date-time", text, reason))?;
        Ok(Self(text.to_owned()))
    }

    /// The text, as parsed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DateTime({})", self.0)
    }
}

string_format!(
    DateTime,
    "an RFC 3339 date-time string like \"2021-03-04T05:06:07Z\""
);

fn validate_rfc3339(b: &[u8]) -> Result<(), &'static str> {
    const SHAPE: &str = "expected YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)";
    let digits = |range: std::ops::Range<usize>| -> Result<u32, &'static str> {
        let part = b.get(range).ok_or(SHAPE)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(SHAPE);
        }
        Ok(part.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
    };
    let punct = |at: usize, allowed: &[u8]| -> Result<(), &'static str> {
        if b.get(at).is_some_and(|c| allowed.contains(c)) {
            Ok(())
        } else {
            Err(SHAPE)
        }
    };
    let year = digits(0..4)?;
    punct(4, b"-")?;
    let month = digits(5..7)?;
    punct(7, b"-")?;
    let day = digits(8..10)?;
    punct(10, b"Tt ")?;
    let hour = digits(11..13)?;
    punct(13, b":")?;
    let minute = digits(14..16)?;
    punct(16, b":")?;
    let second = digits(17..19)?;
    let mut at = 19;
    if b.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while b.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        if at == start {
            return Err(SHAPE);
        }
    }
    match b.get(at) {
        Some(b'Z' | b'z') if b.len() == at + 1 => {}
        Some(b'+' | b'-') if b.len() == at + 6 => {
            let offset_hour = digits(at + 1..at + 3)?;
            punct(at + 3, b":")?;
            let offset_minute = digits(at + 4..at + 6)?;
            if offset_hour > 23 || offset_minute > 59 {
                return Err("offset out of range");
            }
        }
        _ => return Err(SHAPE),
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err("month out of range"),
    };
    if day == 0 || day > days_in_month {
        return Err("day out of range");
    }
    // 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return Err("time out of range");
    }
    Ok(())
}

/// Bytes sent as a base64 string (`format: byte`), standard alphabet with padding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Base64Bytes(pub Vec<u8>);

impl Base64Bytes {
    /// Decodes standard, padded base64. Only the canonical encoding is accepted, so the value
    /// serializes back to the same text.
    pub fn parse(text: &str) -> Result<Self, FormatError> {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Self)
            .map_err(|_| format_error("base64", text, "expected standard base64 with padding"))
    }

    /// The encoded text.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.0)
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl fmt::Display for Base64Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl FromStr for Base64Bytes {
    type Err = FormatError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Base64Visitor;

        impl Visitor<'_> for Base64Visitor {
            type Value = Base64Bytes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a base64 string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Base64Bytes, E> {
                Base64Bytes::parse(text).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Base64Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_keeps_its_case_and_compares_by_value() {
        let upper = Guid::parse("6BA7B810-9DAD-11D1-80B4-00C04FD430C8").unwrap();
        let lower = Guid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8").unwrap();
        assert_eq!(upper, lower);
        assert_eq!(upper.as_str(), "6BA7B810-9DAD-11D1-80B4-00C04FD430C8");
        assert!(Guid::parse("{6ba7b810-9dad-11d1-80b4-00c04fd430c8}").is_err());
        assert!(Guid::parse("6ba7b8109dad11d180b400c04fd430c8").is_err());
        assert!(Guid::parse("GUID").is_err());
        assert!(Guid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg").is_err());
        assert!(Guid::parse("6ba7b810-9dad-11d1-80b4+00c04fd430c8").is_err());
        // The decoded value is the one `uuid` reads from the same text.
        for text in [
            "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
            "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff",
            "c5a7e4b2-7a3e-4e59-9a47-3f0f3e3b8d21",
        ] {
            assert_eq!(
                Guid::parse(text).unwrap().as_uuid(),
                uuid::Uuid::parse_str(text).unwrap()
            );
        }
    }

    /// Every ASCII byte and a two-byte character at every position of a GUID: parsed as `uuid`
    /// parses the same 36 bytes (which, at that length, is this hyphenated form only).
    #[test]
    fn guid_accepts_what_uuid_accepts_at_every_position() {
        let good = "c5a7E4b2-7a3e-4e59-9A47-3f0f3e3b8d21";
        let mut cases = 0;
        for at in 0..36 {
            let mut bytes = good.as_bytes().to_vec();
            for byte in 0..0x80u8 {
                bytes[at] = byte;
                let text = std::str::from_utf8(&bytes).unwrap();
                assert_eq!(
                    Guid::parse(text).ok().map(|guid| guid.as_uuid()),
                    uuid::Uuid::try_parse(text).ok(),
                    "{text:?}"
                );
                cases += 1;
            }
            if at < 35 {
                let text = format!("{}\u{e9}{}", &good[..at], &good[at + 2..]);
                assert!(Guid::parse(&text).is_err(), "{text:?}");
            }
        }
        assert_eq!(cases, 36 * 128);
    }

    /// The invariant `Guid::as_str` and `MacAddress::as_str` rely on (their text is ASCII), for
    /// every constructor: `parse` given every byte value at every position (ASCII bytes in place,
    /// the others as a two-byte character, plus three- and four-byte characters), `from_uuid`,
    /// `from_octets` with every octet value at every position, and `NIL`.
    #[test]
    fn guid_and_mac_text_is_ascii_whatever_parse_is_given() {
        fn variants(good: &str) -> Vec<String> {
            let mut texts = Vec::new();
            for at in 0..good.len() {
                for byte in 0..=0xffu8 {
                    let wide = char::from(byte);
                    for ch in [wide, '\u{800}', '\u{ffff}', '\u{10000}', '\u{10ffff}'] {
                        let end = at + ch.len_utf8();
                        if end <= good.len() && (ch == wide || byte == 0) {
                            texts.push(format!("{}{ch}{}", &good[..at], &good[end..]));
                        }
                    }
                }
            }
            texts
        }
        let mut accepted = 0;
        for good in [
            "c5a7E4b2-7a3e-4e59-9A47-3f0f3e3b8d21",
            "00000000-0000-0000-0000-000000000000",
        ] {
            for text in variants(good) {
                if let Ok(guid) = Guid::parse(&text) {
                    assert!(guid.text.is_ascii(), "{text:?}");
                    assert_eq!(guid.as_str(), text);
                    accepted += 1;
                }
            }
        }
        for good in ["00-15-5d-52-C0-00", "ff:FF:ff:FF:ff:FF"] {
            for text in variants(good) {
                if let Ok(mac) = MacAddress::parse(&text) {
                    assert!(mac.text.is_ascii(), "{text:?}");
                    assert_eq!(mac.as_str(), text);
                    accepted += 1;
                }
            }
        }
        // 22 hexadecimal digits a digit position (0-9, a-f, A-F; 32 a GUID, 12 a MAC address) and
        // the text's own separator at the others (4 a GUID, 5 a MAC address).
        assert_eq!(accepted, 2 * (32 * 22 + 4) + 2 * (12 * 22 + 5));
        assert!(Guid::NIL.text.is_ascii());
        for value in [0, 1, u128::MAX, 0x0123_4567_89ab_cdef_fedc_ba98_7654_3210] {
            let guid = Guid::from_uuid(uuid::Uuid::from_u128(value));
            assert!(guid.text.is_ascii());
            assert_eq!(
                guid.as_str(),
                uuid::Uuid::from_u128(value).hyphenated().to_string()
            );
        }
        for at in 0..6 {
            for octet in 0..=0xffu8 {
                let mut octets = [0x5a; 6];
                octets[at] = octet;
                let mac = MacAddress::from_octets(octets);
                assert!(mac.text.is_ascii());
                assert_eq!(MacAddress::parse(mac.as_str()).unwrap().octets(), octets);
            }
        }
    }

    #[test]
    fn mac_address_round_trips() {
        let mac = MacAddress::parse("00-15-5d-52-C0-00").unwrap();
        assert_eq!(mac.octets(), [0x00, 0x15, 0x5d, 0x52, 0xc0, 0x00]);
        assert_eq!(mac.as_str(), "00-15-5d-52-C0-00");
        assert_eq!(
            MacAddress::from_octets(mac.octets()).as_str(),
            "00-15-5D-52-C0-00"
        );
        assert!(MacAddress::parse("00-15-5d:52-C0-00").is_err());
        assert!(MacAddress::parse("00-15-5d-52-C0-0G").is_err());
    }

    #[test]
    fn date_time_validates() {
        for good in [
            "2021-03-04T05:06:07Z",
            "2020-02-29T23:59:60.1234567+01:00",
            "2021-03-04t05:06:07.5z",
        ] {
            assert_eq!(DateTime::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "2021-02-29T00:00:00Z",
            "2021-13-01T00:00:00Z",
            "2021-03-04T05:06:07",
            "2021-03-04T24:00:00Z",
            "x",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_is_canonical() {
        assert_eq!(Base64Bytes::parse("aGNz").unwrap().0, b"hcs");
        assert_eq!(Base64Bytes(b"hc".to_vec()).to_base64(), "aGM=");
        assert!(Base64Bytes::parse("aGM").is_err());
        assert!(Base64Bytes::parse("%%%%").is_err());
    }
}
