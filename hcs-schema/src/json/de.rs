//! A `serde::Deserializer` reading JSON text: what `serde_json::from_str` accepts, read into the
//! same values, with the string scan of [`super::escape`].
//!
//! Written by hand because serde_json's reader was the largest cost of reading an HCS document
//! into its types and cannot be changed from outside: its string scan (a word at a time, then a
//! byte at a time for the last bytes of every string, so most keys are scanned a byte at a time)
//! and the glue around it were 36 % of deserializing the `lcow_uvm_1_3k` benchmark document.
//! Here strings are scanned sixteen bytes at a time (SSE2), keys and clean strings are borrowed
//! from the input, and an error carries the JSON path of the value it is about, at no cost when
//! nothing fails. sonic-rs and simd-json, measured on the same documents, did not read them
//! faster through serde (BENCHMARKS.md).
//!
//! The rules are serde_json's (with its `float_roundtrip` feature, which hcs-schema turns on):
//! RFC 8259 JSON and nothing more (no comments, no trailing commas, no control characters in
//! strings, no lone surrogates); a non-negative integer that fits is a `u64`, a negative one an
//! `i64`, anything else (`-0`, fractions, exponents, integers too large) an `f64`, correctly
//! rounded, and an error when it is out of range; 127 nested arrays or objects at most; objects
//! are read as maps and structs alike, and structs also from arrays. With the
//! `arbitrary_precision` feature, numbers read as `serde_json::Value` keep their text as
//! serde_json's do. The differential tests compare it with serde_json on every golden, sample and
//! property-test document, on random JSON and on random bytes.

use std::fmt;
use std::mem::MaybeUninit;

use serde::de::{self, DeserializeSeed, Expected, Unexpected, Visitor};

use super::Error;
use super::escape::find_special;
#[cfg(target_arch = "x86_64")]
use super::escape::find_special_in_chunks;
#[cfg(target_arch = "x86_64")]
use super::escape::special_mask;

/// How many arrays and objects may be open at once, plus one (serde_json's limit).
const DEPTH: u8 = 128;

/// Reads JSON text.
pub(crate) struct Deserializer<'de> {
    text: &'de str,
    at: usize,
    depth: u8,
    /// The unescaped text of the last string that had escapes.
    scratch: Vec<u8>,
    /// What follows the document's value, as [`Document`] found it. A field rather than a
    /// method because `from_str` reads it between receiving the value and returning it, where a
    /// borrow of the reader (`&self`, or `==` on the field) makes the compiler copy the value.
    pub(crate) end: End,
}

/// What follows the document's top-level value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// Not looked at: the value was not read through [`Document`], or its read failed.
    Unchecked,
    /// Whitespace only.
    Clean,
    /// Something else: the document has trailing characters.
    Trailing,
}

/// A number as serde_json reads it.
#[derive(Clone, Copy)]
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl Number {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Number::U64(n) => visitor.visit_u64(n),
            Number::I64(n) => visitor.visit_i64(n),
            Number::F64(n) => visitor.visit_f64(n),
        }
    }

    fn unexpected(self) -> Unexpected<'static> {
        match self {
            Number::U64(n) => Unexpected::Unsigned(n),
            Number::I64(n) => Unexpected::Signed(n),
            Number::F64(n) => Unexpected::Float(n),
        }
    }
}

/// A string read from the input: borrowed when it had no escapes.
enum Str<'de, 's> {
    Borrowed(&'de str),
    Copied(&'s str),
}

impl<'de> Str<'de, '_> {
    /// Hands the string to `visitor`: borrowed from the input when it can be.
    #[inline]
    fn visit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Str::Borrowed(text) => visitor.visit_borrowed_str(text),
            Str::Copied(text) => visitor.visit_str(text),
        }
    }
}

/// The body of [`Deserializer::read_str`] and [`Deserializer::read_key`]: the same scan, inlined
/// as the compiler chooses in the first and always in the second. Written out twice so that
/// `read_str` (every string but the keys `MapKey::deserialize_str` reads) compiles as it does
/// without the pin: as a call of `read_key`, `read_str` was inlined into all its callers (`String`,
/// string enums, `formats` types) instead of staying one shared function, which changed the code
/// of every string read (standard release build, round trips: 0.4-0.7 % fewer instructions, but
/// up to 37 more hot 64-byte lines, and 7 times the L1i misses on `properties_response`).
macro_rules! read_str_body {
    ($de:ident) => {{
        $de.at += 1;
        let start = $de.at;
        let bytes = $de.bytes();
        let stop = find_string_stop(bytes, start);
        match bytes.get(stop) {
            Some(b'"') => {
                $de.at = stop + 1;
                Ok(Str::Borrowed(&$de.text[start..stop]))
            }
            _ => {
                $de.at = stop;
                $de.read_escaped(start)
            }
        }
    }};
}

impl<'de> Deserializer<'de> {
    pub(crate) fn new(text: &'de str) -> Self {
        Self {
            text,
            at: 0,
            depth: DEPTH,
            scratch: Vec::new(),
            end: End::Unchecked,
        }
    }

    /// Checks that only whitespace is left.
    pub(crate) fn end(&mut self) -> Result<(), Error> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("trailing characters")),
        }
    }

    /// Notes what follows the value just read, leaving the position where the value ended (an
    /// error raised later, by the value's type, is placed there, as it was before).
    #[inline]
    fn note_end(&mut self) {
        let at = self.at;
        self.end = match self.peek() {
            None => End::Clean,
            Some(_) => End::Trailing,
        };
        self.at = at;
    }

    /// Gives an error without a place the place where reading stopped.
    #[cold]
    pub(crate) fn place(&self, error: Error) -> Error {
        let before = &self.text.as_bytes()[..self.at.min(self.text.len())];
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        let line = 1 + before[..line_start].iter().filter(|&&b| b == b'\n').count();
        error.at(line, self.at - line_start)
    }

    #[cold]
    fn error(&self, message: &str) -> Error {
        Error::new(message.to_owned())
    }

    #[inline]
    fn bytes(&self) -> &'de [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not whitespace, not consumed.
    ///
    /// Inlined at every use, so only the test of the next byte is: a compact document (what
    /// serde_json and HCS write) has no whitespace between tokens, and the loop over whitespace,
    /// out of line, is then code that is never run instead of code that fills the instruction
    /// cache at every use.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        match self.bytes().get(self.at) {
            Some(&byte) if !is_whitespace(byte) => Some(byte),
            _ => self.skip_whitespace(),
        }
    }

    /// [`Self::peek`] past whitespace. Cold: compact documents (serde_json's `to_string`, this
    /// module's writer) have none between tokens, and a cold call tells the compiler to lay out
    /// the path of a byte that is not whitespace as the straight one at every `peek` (it put it
    /// after a jump, often to another cache line and back). Indented documents pay one call per
    /// run of whitespace and were measured no slower for it (BENCHMARKS.md, fifth round).
    #[cold]
    #[inline(never)]
    fn skip_whitespace(&mut self) -> Option<u8> {
        let bytes = self.bytes();
        while let Some(&byte) = bytes.get(self.at) {
            if !is_whitespace(byte) {
                return Some(byte);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes the `:` after a property name.
    #[inline]
    fn colon(&mut self) -> Result<(), Error> {
        if self.bytes().get(self.at) == Some(&b':') {
            self.at += 1;
            return Ok(());
        }
        self.colon_after_whitespace()
    }

    /// [`Self::colon`] when whitespace (or an error) comes first.
    #[cold]
    #[inline(never)]
    fn colon_after_whitespace(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b':') => {
                self.at += 1;
                Ok(())
            }
            Some(_) => Err(self.error("expected `:`")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    /// The next byte that is not whitespace, or an end-of-input error naming `what`.
    #[inline]
    fn peek_or(&mut self, what: &str) -> Result<u8, Error> {
        match self.peek() {
            Some(byte) => Ok(byte),
            None => Err(self.error(what)),
        }
    }

    /// Consumes `word` (`null`, `true`, `false`), whose first byte is the next one.
    #[inline]
    fn expect_word(&mut self, word: &[u8]) -> Result<(), Error> {
        let bytes = self.bytes();
        // The whole word at once; byte by byte only to find where a wrong one goes wrong.
        if bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            return Ok(());
        }
        self.expect_word_slowly(word)
    }

    /// [`Self::expect_word`] a byte at a time, which stops where the input differs.
    #[cold]
    fn expect_word_slowly(&mut self, word: &[u8]) -> Result<(), Error> {
        let bytes = self.bytes();
        for &expected in word {
            match bytes.get(self.at) {
                Some(&byte) if byte == expected => self.at += 1,
                Some(_) => return Err(self.error("expected ident")),
                None => return Err(self.error("EOF while parsing a value")),
            }
        }
        Ok(())
    }

    /// Reads a string whose opening quote is the next byte.
    #[inline]
    fn read_str<'s>(&'s mut self) -> Result<Str<'de, 's>, Error> {
        read_str_body!(self)
    }

    /// [`Self::read_str`], always inlined: what every key that asks for a str is read with
    /// (`MapKey::deserialize_str`; `crate::de`'s `Key`, every property name). Whether the compiler
    /// inlines the `#[inline]` `read_str` into `crate::de`'s loop over the properties depends on
    /// what else the loop's codegen unit holds: with one codegen unit (a common setting of our
    /// users' release profiles), or after unrelated changes elsewhere in the crate, it was a call
    /// for every property, about thirty more instructions each (5 % of `lcow_uvm_1_3k`'s round
    /// trip). The body is written out twice (`read_str_body!`: why there).
    #[inline(always)]
    fn read_key<'s>(&'s mut self) -> Result<Str<'de, 's>, Error> {
        read_str_body!(self)
    }

    /// The rest of a string with escapes (or an error), from its first special byte on,
    /// unescaped into the scratch buffer. Cold, so that every inlined [`Self::read_str`] lays
    /// out the string without escapes as its straight path.
    #[cold]
    #[inline(never)]
    fn read_escaped<'s>(&'s mut self, start: usize) -> Result<Str<'de, 's>, Error> {
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let read = self.unescape(start, &mut out);
        self.scratch = out;
        read?;
        debug_assert!(std::str::from_utf8(&self.scratch).is_ok());
        // SAFETY: the scratch is UTF-8. It holds runs of the input (a `&str`), each contiguous
        // in the input and cut only next to ASCII bytes (the opening quote, a backslash, the
        // closing quote: sixteen-byte chunks of one run follow each other, so a character split
        // by a chunk's end is completed by the next), the ASCII byte of `\\`, `\"` and `\/`,
        // and the UTF-8 of each other escape's `char`. Checking it again was 1.7 % of the round
        // trip of `lcow_uvm_1_3k`; `escaped_strings_are_read_like_serde_json_in_every_position`
        // puts multi-byte characters and escapes at every offset of the chunks, with this
        // check on in debug builds.
        Ok(Str::Copied(unsafe {
            std::str::from_utf8_unchecked(&self.scratch)
        }))
    }

    /// Unescapes the string from `start` (after its opening quote) into `out`; `self.at` is its
    /// first special byte. Ends after the closing quote.
    ///
    /// Windows paths make escapes common (`C:\\ProgramData\\...`): the clean runs between them
    /// are copied sixteen bytes at a time into `out`'s spare room while they are searched, and
    /// the escapes that stand for themselves (`\\`, `\"`, `\/`) are one byte pushed. Searching
    /// each run and then copying it (`find_special`, `push_str`) cost about 200 instructions an
    /// escape.
    fn unescape(&mut self, start: usize, out: &mut Vec<u8>) -> Result<(), Error> {
        let bytes = self.bytes();
        // The unescaped text is never longer than its JSON (every escape is shorter than its
        // sequence), so this is the one allocation for all but the longest strings.
        out.reserve((bytes.len() - start).min(256));
        out.extend_from_slice(&bytes[start..self.at]);
        let mut at = self.at;
        'string: loop {
            match bytes.get(at) {
                Some(b'"') => {
                    self.at = at + 1;
                    return Ok(());
                }
                Some(b'\\') => match bytes.get(at + 1) {
                    Some(&byte @ (b'\\' | b'"' | b'/')) => {
                        out.push(byte);
                        at += 2;
                    }
                    _ => {
                        self.at = at + 1;
                        self.read_escape(out)?;
                        at = self.at;
                    }
                },
                None => {
                    self.at = at;
                    return Err(self.error("EOF while parsing a string"));
                }
                Some(_) => {
                    self.at = at;
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
            }
            // The clean run up to the next special byte.
            #[cfg(target_arch = "x86_64")]
            while at + 16 <= bytes.len() {
                let mut chunk = [0; 16];
                chunk.copy_from_slice(&bytes[at..at + 16]);
                let mask = special_mask(&chunk);
                out.reserve(16);
                out.spare_capacity_mut()[..16].copy_from_slice(&chunk.map(MaybeUninit::new));
                let clean = if mask == 0 {
                    16
                } else {
                    mask.trailing_zeros() as usize
                };
                // SAFETY: the first 16 bytes of the spare capacity were just initialised, and
                // `clean <= 16`.
                unsafe { out.set_len(out.len() + clean) };
                at += clean;
                if mask != 0 {
                    continue 'string;
                }
            }
            let stop = find_special(bytes, at);
            out.extend_from_slice(&bytes[at..stop]);
            at = stop;
        }
    }

    /// One escape sequence after its backslash, appended to `out`.
    fn read_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(&byte) = self.bytes().get(self.at) else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.at += 1;
        let unescaped = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.read_hex()?;
                match first {
                    0xd800..=0xdbff => {
                        if self.bytes().get(self.at..self.at + 2) != Some(b"\\u") {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        self.at += 2;
                        let second = self.read_hex()?;
                        if !(0xdc00..=0xdfff).contains(&second) {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                        char::from_u32(code)
                            .ok_or_else(|| self.error("invalid unicode code point"))?
                    }
                    0xdc00..=0xdfff => {
                        return Err(self.error("lone leading surrogate in hex escape"));
                    }
                    code => char::from_u32(code)
                        .ok_or_else(|| self.error("invalid unicode code point"))?,
                }
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.extend_from_slice(unescaped.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }

    /// Four hexadecimal digits.
    fn read_hex(&mut self) -> Result<u32, Error> {
        let mut code = 0;
        for _ in 0..4 {
            let Some(&byte) = self.bytes().get(self.at) else {
                return Err(self.error("EOF while parsing a string"));
            };
            let digit = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ => return Err(self.error("invalid escape")),
            };
            code = code * 16 + u32::from(digit);
            self.at += 1;
        }
        Ok(code)
    }

    /// Skips digits; returns how many.
    #[inline]
    fn digits(&mut self) -> usize {
        let bytes = self.bytes();
        let start = self.at;
        while bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        self.at - start
    }

    /// The extent of a number starting at the next byte, checked against JSON's grammar; whether
    /// it has a fraction or an exponent.
    fn scan_number(&mut self) -> Result<(usize, bool), Error> {
        let start = self.at;
        let bytes = self.bytes();
        if bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match bytes.get(self.at) {
            Some(b'0') => {
                self.at += 1;
                if bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
                    return Err(self.error("invalid number"));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.error("invalid number")),
            None => return Err(self.error("EOF while parsing a value")),
        }
        let mut float = false;
        if bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.error(if self.at == bytes.len() {
                    "EOF while parsing a value"
                } else {
                    "invalid number"
                }));
            }
        }
        if matches!(bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            float = true;
            if matches!(bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error(if self.at == bytes.len() {
                    "EOF while parsing a value"
                } else {
                    "invalid number"
                }));
            }
        }
        Ok((start, float))
    }

    /// Reads a number starting at the next byte.
    fn read_number(&mut self) -> Result<Number, Error> {
        self.read_number_as(false)
    }

    /// Reads a number starting at the next byte; with `single`, a float is rounded once, to
    /// `f32` (serde_json's `float_roundtrip` reads an `f32` so, and rejects what overflows it).
    fn read_number_as(&mut self, single: bool) -> Result<Number, Error> {
        // Most numbers of a document (sizes, counts, ports) are small non-negative integers:
        // read in the one pass that finds their end. At most 19 digits cannot overflow a `u64`.
        let bytes = self.bytes();
        let mut end = self.at;
        let mut value: u64 = 0;
        while let Some(&byte) = bytes.get(end).filter(|byte| byte.is_ascii_digit()) {
            value = value.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
            end += 1;
        }
        let digits = end - self.at;
        if (1..=19).contains(&digits)
            && (digits == 1 || bytes[self.at] != b'0')
            && !matches!(bytes.get(end), Some(b'.' | b'e' | b'E'))
        {
            self.at = end;
            return Ok(Number::U64(value));
        }
        self.read_other_number(single)
    }

    /// [`Self::read_number_as`] for a number that is not a small non-negative integer (a sign,
    /// a fraction, an exponent, 20 digits or more, or an error). Out of line: in one function
    /// with the small integers' loop, its registers were saved and restored for every number.
    #[inline(never)]
    fn read_other_number(&mut self, single: bool) -> Result<Number, Error> {
        let (start, float) = self.scan_number()?;
        let text = &self.text[start..self.at];
        if !float {
            let (negative, digits) = match text.strip_prefix('-') {
                Some(digits) => (true, digits),
                None => (false, text),
            };
            let mut value: u64 = 0;
            let mut fits = true;
            for digit in digits.bytes() {
                match value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(digit - b'0')))
                {
                    Some(next) => value = next,
                    None => {
                        fits = false;
                        break;
                    }
                }
            }
            if fits {
                return Ok(if !negative {
                    Number::U64(value)
                } else {
                    // As serde_json: `-0` and integers below `i64::MIN` are floats.
                    let negated = (value as i64).wrapping_neg();
                    if negated >= 0 {
                        Number::F64(-(value as f64))
                    } else {
                        Number::I64(negated)
                    }
                });
            }
        }
        // Rust's parser rounds correctly, as serde_json's `float_roundtrip` does.
        let value = if single {
            text.parse::<f32>().map(f64::from)
        } else {
            text.parse::<f64>()
        };
        match value {
            Ok(value) if value.is_finite() => Ok(Number::F64(value)),
            _ => Err(self.error("number out of range")),
        }
    }

    /// Enters an array or object.
    #[inline]
    fn enter(&mut self) -> Result<(), Error> {
        // serde_json's test (one less, then zero is too deep), without the decrement when it
        // fails, so that a visitor that goes on after the error cannot wrap the counter.
        match self.depth.checked_sub(1) {
            Some(depth) if depth > 0 => self.depth = depth,
            _ => return Err(self.error("recursion limit exceeded")),
        }
        self.at += 1;
        Ok(())
    }

    /// Closes an array whose elements were read.
    fn end_seq(&mut self) -> Result<(), Error> {
        self.depth += 1;
        match self.peek() {
            Some(b']') => {
                self.at += 1;
                Ok(())
            }
            Some(b',') => {
                self.at += 1;
                match self.peek() {
                    Some(b']') => Err(self.error("trailing comma")),
                    _ => Err(self.error("trailing characters")),
                }
            }
            Some(_) => Err(self.error("trailing characters")),
            None => Err(self.error("EOF while parsing a list")),
        }
    }

    /// Enters the object that is the next value; `Err(None)`, having read nothing, when the
    /// next value is not an object. Out of line: every struct type's read has a copy of
    /// `deserialize_map`, and this is most of it. (Not `Result<bool, Error>`, which is returned
    /// through memory: this is returned in two registers.)
    #[inline(never)]
    fn open_object(&mut self) -> Result<(), Option<Error>> {
        if self.peek_or("EOF while parsing a value")? != b'{' {
            return Err(None);
        }
        Ok(self.enter()?)
    }

    /// Closes an object whose properties were read.
    fn end_map(&mut self) -> Result<(), Error> {
        self.depth += 1;
        match self.peek() {
            Some(b'}') => {
                self.at += 1;
                Ok(())
            }
            Some(b',') => Err(self.error("trailing comma")),
            Some(_) => Err(self.error("trailing characters")),
            None => Err(self.error("EOF while parsing an object")),
        }
    }

    /// The error of a value of the wrong type, naming what was found (serde_json's text).
    #[cold]
    fn invalid_type(&mut self, expected: &dyn Expected) -> Error {
        let found = match self.peek() {
            None => return self.error("EOF while parsing a value"),
            Some(b'n') => match self.expect_word(b"null") {
                Ok(()) => Unexpected::Unit,
                Err(error) => return error,
            },
            Some(b't') => match self.expect_word(b"true") {
                Ok(()) => Unexpected::Bool(true),
                Err(error) => return error,
            },
            Some(b'f') => match self.expect_word(b"false") {
                Ok(()) => Unexpected::Bool(false),
                Err(error) => return error,
            },
            Some(b'-' | b'0'..=b'9') => match self.read_number() {
                Ok(number) => number.unexpected(),
                Err(error) => return error,
            },
            Some(b'"') => {
                return match self.read_str() {
                    Ok(Str::Borrowed(text) | Str::Copied(text)) => {
                        de::Error::invalid_type(Unexpected::Str(text), expected)
                    }
                    Err(error) => error,
                };
            }
            Some(b'[') => Unexpected::Seq,
            Some(b'{') => Unexpected::Map,
            Some(_) => return self.error("expected value"),
        };
        de::Error::invalid_type(found, expected)
    }
}

impl<'de> de::Deserializer<'de> for &mut Deserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'n' => {
                self.expect_word(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.expect_word(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.expect_word(b"false")?;
                visitor.visit_bool(false)
            }
            #[cfg(feature = "arbitrary_precision")]
            b'-' | b'0'..=b'9' => {
                // serde_json's `Value` keeps the text of a number behind a private marker.
                let (start, _) = self.scan_number()?;
                visitor.visit_map(NumberText(Some(&self.text[start..self.at])))
            }
            #[cfg(not(feature = "arbitrary_precision"))]
            b'-' | b'0'..=b'9' => self.read_number()?.visit(visitor),
            b'"' => match self.read_str()? {
                Str::Borrowed(text) => visitor.visit_borrowed_str(text),
                Str::Copied(text) => visitor.visit_str(text),
            },
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(SeqAccess::new(self))?;
                self.end_seq()?;
                Ok(value)
            }
            b'{' => {
                self.enter()?;
                let value = visitor.visit_map(MapAccess::new(self))?;
                self.end_map()?;
                Ok(value)
            }
            _ => Err(self.error("expected value")),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b't' => {
                self.expect_word(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.expect_word(b"false")?;
                visitor.visit_bool(false)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'-' | b'0'..=b'9' => self.read_number_as(true)?.visit(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let start = self.at_number_start()?;
        if self.bytes().get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        self.scan_integer128()?;
        match self.text[start..self.at].parse() {
            Ok(value) => visitor.visit_i128(value),
            Err(_) => Err(self.error("number out of range")),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let start = self.at_number_start()?;
        if self.bytes().get(self.at) == Some(&b'-') {
            return Err(self.error("number out of range"));
        }
        self.scan_integer128()?;
        match self.text[start..self.at].parse() {
            Ok(value) => visitor.visit_u128(value),
            Err(_) => Err(self.error("number out of range")),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_number(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'"' => match self.read_str()? {
                Str::Borrowed(text) => visitor.visit_borrowed_str(text),
                Str::Copied(text) => visitor.visit_str(text),
            },
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'"' => self.read_raw_str(visitor),
            b'[' => self.deserialize_seq(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    // Always inlined: `crate::de`'s field reads (`read_field`, `read_struct_field`..., one copy
    // per reader and field type) are each this test and the value's read. `#[inline]` inlines it
    // there today, but it became a call in some of them in an experiment that restructured those
    // reads: pinned, the read does not depend on the compiler's choice.
    #[inline(always)]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek() {
            Some(b'n') => {
                self.expect_word(b"null")?;
                visitor.visit_none()
            }
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'n' => {
                self.expect_word(b"null")?;
                visitor.visit_unit()
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'[' => {
                self.enter()?;
                let value = visitor.visit_seq(SeqAccess::new(self))?;
                self.end_seq()?;
                Ok(value)
            }
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.open_object() {
            Ok(()) => {}
            Err(None) => return Err(self.invalid_type(&visitor)),
            Err(Some(error)) => return Err(error),
        }
        let value = visitor.visit_map(MapAccess::new(self))?;
        self.end_map()?;
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'[' => self.deserialize_seq(visitor),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'{' => {
                self.enter()?;
                let value = visitor.visit_enum(VariantAccess(self))?;
                self.depth += 1;
                match self.peek() {
                    Some(b'}') => {
                        self.at += 1;
                        Ok(value)
                    }
                    Some(_) => Err(self.error("expected value")),
                    None => Err(self.error("EOF while parsing an object")),
                }
            }
            b'"' => visitor.visit_enum(UnitVariantAccess(self)),
            _ => Err(self.error("expected value")),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.ignore_value()?;
        visitor.visit_unit()
    }
}

impl<'de> Deserializer<'de> {
    /// Skips the whitespace before a number read as `i128` or `u128`; where the number starts.
    fn at_number_start(&mut self) -> Result<usize, Error> {
        self.peek_or("EOF while parsing a value")?;
        Ok(self.at)
    }

    /// The digits of an integer read as `i128` or `u128` (serde_json's `scan_integer128`): no
    /// fraction, no exponent, one leading zero at most.
    fn scan_integer128(&mut self) -> Result<(), Error> {
        match self.bytes().get(self.at) {
            Some(b'0') => {
                self.at += 1;
                if self.bytes().get(self.at).is_some_and(u8::is_ascii_digit) {
                    return Err(self.error("invalid number"));
                }
                Ok(())
            }
            Some(b'1'..=b'9') => {
                self.digits();
                Ok(())
            }
            _ => Err(self.error("invalid number")),
        }
    }

    /// Skips one value as serde_json's `ignore_value` does, which is more lenient than reading
    /// it: numbers are only checked against the grammar (`1e400` passes), a `\u` escape needs
    /// four hexadecimal digits but may be a lone surrogate, and there is no nesting limit. The
    /// open arrays and objects are kept on a stack, so deep nesting cannot exhaust the call
    /// stack.
    fn ignore_value(&mut self) -> Result<(), Error> {
        // The open arrays and objects, innermost last: `[` or `{`.
        let mut open = Vec::new();
        loop {
            match self.peek_or("EOF while parsing a value")? {
                b'n' => self.expect_word(b"null")?,
                b't' => self.expect_word(b"true")?,
                b'f' => self.expect_word(b"false")?,
                b'-' | b'0'..=b'9' => {
                    self.scan_number()?;
                }
                b'"' => self.ignore_str()?,
                bracket @ (b'[' | b'{') => {
                    self.at += 1;
                    let close = if bracket == b'[' { b']' } else { b'}' };
                    if self.peek() == Some(close) {
                        self.at += 1;
                    } else {
                        open.push(bracket);
                        if bracket == b'{' {
                            self.ignore_key()?;
                        }
                        continue;
                    }
                }
                _ => return Err(self.error("expected value")),
            }
            // A value ended: close what ends with it, then on to the next element, if any.
            loop {
                let Some(&bracket) = open.last() else {
                    return Ok(());
                };
                let array = bracket == b'[';
                match self.peek() {
                    Some(b',') => {
                        self.at += 1;
                        if !array {
                            self.ignore_key()?;
                        }
                        break;
                    }
                    Some(b']') if array => {
                        self.at += 1;
                        open.pop();
                    }
                    Some(b'}') if !array => {
                        self.at += 1;
                        open.pop();
                    }
                    Some(_) if array => return Err(self.error("expected `,` or `]`")),
                    Some(_) => return Err(self.error("expected `,` or `}`")),
                    None if array => return Err(self.error("EOF while parsing a list")),
                    None => return Err(self.error("EOF while parsing an object")),
                }
            }
        }
    }

    /// Skips a key and its colon, in a skipped object.
    fn ignore_key(&mut self) -> Result<(), Error> {
        match self.peek() {
            Some(b'"') => self.ignore_str()?,
            Some(_) => return Err(self.error("key must be a string")),
            None => return Err(self.error("EOF while parsing an object")),
        }
        self.colon()
    }

    /// Skips a string whose opening quote is the next byte, checking its escapes as serde_json's
    /// `ignore_str` does (lone surrogates pass).
    fn ignore_str(&mut self) -> Result<(), Error> {
        self.at += 1;
        let bytes = self.bytes();
        loop {
            self.at = find_special(bytes, self.at);
            match bytes.get(self.at) {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.at += 1;
                    match bytes.get(self.at) {
                        None => return Err(self.error("EOF while parsing a string")),
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.at += 1
                        }
                        Some(b'u') => {
                            self.at += 1;
                            self.read_hex()?;
                        }
                        Some(_) => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => {
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
            }
        }
    }

    /// A string read as bytes, as serde_json's `deserialize_bytes` reads it: control characters
    /// pass, and the `\u` escape of a lone surrogate becomes its three-byte (WTF-8) form.
    fn read_raw_str<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        self.at += 1;
        let bytes = self.bytes();
        let start = self.at;
        let mut run = start;
        let mut copied = Vec::new();
        loop {
            let stop = find_special(bytes, self.at);
            self.at = stop;
            match bytes.get(stop) {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b'"') => {
                    self.at += 1;
                    return if run == start {
                        visitor.visit_borrowed_bytes(&bytes[start..stop])
                    } else {
                        copied.extend_from_slice(&bytes[run..stop]);
                        visitor.visit_bytes(&copied)
                    };
                }
                Some(b'\\') => {
                    copied.extend_from_slice(&bytes[run..stop]);
                    self.at += 1;
                    self.read_raw_escape(&mut copied)?;
                    run = self.at;
                }
                // A control character: part of the bytes.
                Some(_) => self.at += 1,
            }
        }
    }

    /// One escape sequence of a string read as bytes, after its backslash (serde_json's
    /// `parse_escape` when it does not validate).
    fn read_raw_escape(&mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let Some(&byte) = self.bytes().get(self.at) else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.at += 1;
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let mut code = self.read_hex()?;
                loop {
                    if !(0xd800..=0xdbff).contains(&code) {
                        push_wtf8(out, code);
                        return Ok(());
                    }
                    // A leading surrogate: a trailing one may follow.
                    match self.bytes().get(self.at) {
                        Some(b'\\') => self.at += 1,
                        Some(_) => {
                            push_wtf8(out, code);
                            return Ok(());
                        }
                        None => return Err(self.error("EOF while parsing a string")),
                    }
                    match self.bytes().get(self.at) {
                        Some(b'u') => self.at += 1,
                        Some(_) => {
                            // Another escape, never `\u`: no deeper recursion.
                            push_wtf8(out, code);
                            return self.read_raw_escape(out);
                        }
                        None => return Err(self.error("EOF while parsing a string")),
                    }
                    let next = self.read_hex()?;
                    if (0xdc00..=0xdfff).contains(&next) {
                        push_wtf8(out, 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00));
                        return Ok(());
                    }
                    push_wtf8(out, code);
                    code = next;
                }
            }
            _ => return Err(self.error("invalid escape")),
        };
        out.push(short);
        Ok(())
    }

    /// Any number type: read the number, then the visitor checks its range.
    fn deserialize_number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, Error> {
        match self.peek_or("EOF while parsing a value")? {
            b'-' | b'0'..=b'9' => self.read_number()?.visit(visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
}

/// Where a string from `from` stops: its first `"`, `\` or control character, or the end of the
/// input ([`find_special`]). Sixteen bytes at a time inline; the last 0-15 bytes of the input,
/// which only the last strings of a document reach, out of line ([`find_special_near_end`]).
/// `find_special` whole, with its 8-byte and 1-byte steps, needed five more 64-bit constants and
/// their registers: each out-of-line `read_str` saved and restored six registers for every
/// string value, and the key loop kept its own values on the stack.
#[inline]
fn find_string_stop(bytes: &[u8], from: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    match find_special_in_chunks(bytes, from) {
        Ok(found) => found,
        Err(at) => find_special_near_end(bytes, at),
    }
    #[cfg(not(target_arch = "x86_64"))]
    find_special(bytes, from)
}

/// [`find_string_stop`] within the last 16 bytes of the input.
#[cfg(target_arch = "x86_64")]
#[cold]
#[inline(never)]
fn find_special_near_end(bytes: &[u8], from: usize) -> usize {
    find_special(bytes, from)
}

/// JSON's whitespace.
#[inline]
fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// Appends a code point below U+110000 in UTF-8, surrogates included (WTF-8), as serde_json
/// writes the escapes of a string read as bytes.
fn push_wtf8(out: &mut Vec<u8>, code: u32) {
    // Each byte is masked to its bits first, so every `as u8` below keeps them all.
    let continuation = |shift: u32| 0x80 | ((code >> shift) & 0x3f) as u8;
    match code {
        0..=0x7f => out.push(code as u8),
        0x80..=0x7ff => out.extend_from_slice(&[0xc0 | (code >> 6) as u8, continuation(0)]),
        0x800..=0xffff => {
            out.extend_from_slice(&[0xe0 | (code >> 12) as u8, continuation(6), continuation(0)])
        }
        _ => out.extend_from_slice(&[
            0xf0 | ((code >> 18) & 0x07) as u8,
            continuation(12),
            continuation(6),
            continuation(0),
        ]),
    }
}

/// The document's top-level value: read by the [`Deserializer`] it wraps, which then notes
/// whether only whitespace follows (`Deserializer::end`).
///
/// The check is made here, inside the read, rather than after it in [`super::from_str`], so that
/// `from_str` only has to pass the value on: a check between receiving the value and returning it
/// made the compiler keep the value in a temporary and copy it out (three copies of a 5.5 KB
/// `ComputeSystem` per document, each line a cache miss: about 0.3 µs of the 4 µs read of the
/// 1.3 KB benchmark document).
pub(crate) struct Document<'a, 'de>(pub(crate) &'a mut Deserializer<'de>);

/// Forwards each method to the wrapped reader, then notes what follows the value.
macro_rules! document_methods {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        #[inline]
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Error> {
            let value = de::Deserializer::$method(&mut *self.0, $($arg,)* visitor)?;
            self.0.note_end();
            Ok(value)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Document<'_, 'de> {
    type Error = Error;

    document_methods! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }
}

/// The elements of an array.
struct SeqAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    index: usize,
}

impl<'a, 'de> SeqAccess<'a, 'de> {
    fn new(de: &'a mut Deserializer<'de>) -> Self {
        Self { de, index: 0 }
    }
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.de.peek_or("EOF while parsing a list")? {
            b']' => return Ok(None),
            b',' if self.index != 0 => {
                self.de.at += 1;
                if self.de.peek() == Some(b']') {
                    return Err(self.de.error("trailing comma"));
                }
            }
            _ if self.index != 0 => return Err(self.de.error("expected `,` or `]`")),
            _ => {}
        }
        let index = self.index;
        self.index += 1;
        seed.deserialize(&mut *self.de)
            .map(Some)
            .map_err(|error| error.within(&index))
    }
}

/// The properties of an object.
struct MapAccess<'a, 'de> {
    de: &'a mut Deserializer<'de>,
    first: bool,
    /// Where the last key starts in the input (its quote), for the path of an error.
    key_at: usize,
}

impl<'a, 'de> MapAccess<'a, 'de> {
    fn new(de: &'a mut Deserializer<'de>) -> Self {
        Self {
            de,
            first: true,
            key_at: 0,
        }
    }
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.de.peek_or("EOF while parsing an object")? {
            b'}' => return Ok(None),
            b',' if !self.first => {
                self.de.at += 1;
                match self.de.peek() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.de.error("trailing comma")),
                    Some(_) => return Err(self.de.error("key must be a string")),
                    None => return Err(self.de.error("EOF while parsing a value")),
                }
            }
            b'"' if self.first => {}
            _ if self.first => return Err(self.de.error("key must be a string")),
            _ => return Err(self.de.error("expected `,` or `}`")),
        }
        self.first = false;
        self.key_at = self.de.at;
        seed.deserialize(MapKey(&mut *self.de)).map(Some)
    }

    // Always inlined: `crate::de`'s field reads (`read_field`, `read_struct_field`..., one copy
    // per reader and field type) are each this call and the value's read. `#[inline]` inlines it
    // there today, but it became a call in some of them in an experiment that restructured those
    // reads: pinned, the read does not depend on the compiler's choice.
    #[inline(always)]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        self.de.colon()?;
        match seed.deserialize(&mut *self.de) {
            Ok(value) => Ok(value),
            Err(error) => Err(self.within_key(error)),
        }
    }
}

impl MapAccess<'_, '_> {
    /// Puts the last key in front of the path of an error raised by its value. Out of line:
    /// it is in every read of a property value, and never run when nothing fails.
    #[cold]
    #[inline(never)]
    fn within_key(&self, error: Error) -> Error {
        error.within(&KeyAt(self.de.text, self.key_at))
    }
}

/// The key that starts at a byte of the text, for an error's path: read again, only on error.
struct KeyAt<'t>(&'t str, usize);

impl fmt::Display for KeyAt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut again = Deserializer::new(self.0);
        again.at = self.1;
        match again.read_str() {
            Ok(Str::Borrowed(key) | Str::Copied(key)) => f.write_str(key),
            Err(_) => f.write_str("?"),
        }
    }
}

/// A property name: a string, read as the key's type asks (numbers and booleans in quotes, as
/// serde_json reads map keys).
struct MapKey<'a, 'de>(&'a mut Deserializer<'de>);

impl<'de> MapKey<'_, 'de> {
    /// A number between the key's quotes, as serde_json reads it: the number's own text right
    /// after the opening quote (no whitespace, no escapes), then the closing quote.
    fn quoted_number<T>(
        self,
        read: impl FnOnce(&mut Deserializer<'de>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let de = self.0;
        de.at += 1;
        if !matches!(de.bytes().get(de.at), Some(b'0'..=b'9' | b'-')) {
            return Err(de.error("invalid value: expected key to be a number in quotes"));
        }
        let value = read(&mut *de)?;
        if de.bytes().get(de.at) != Some(&b'"') {
            return Err(de.error("expected `\"`"));
        }
        de.at += 1;
        Ok(value)
    }
}

macro_rules! quoted_number_key {
    ($($method:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.quoted_number(|de| de::Deserializer::$method(de, visitor))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for MapKey<'_, 'de> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.read_str()?.visit(visitor)
    }

    quoted_number_key!(
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
    );

    /// `"true"` or `"false"`, the letters right after the quote, as serde_json reads them.
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let de = self.0;
        match de.bytes().get(de.at + 1) {
            Some(b't') => {
                de.at += 1;
                de.expect_word(b"true\"")?;
                visitor.visit_bool(true)
            }
            Some(b'f') => {
                de.at += 1;
                de.expect_word(b"false\"")?;
                visitor.visit_bool(false)
            }
            _ => Err(de.error("invalid value: expected key to be a boolean in quotes")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_bytes(self.0, visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_bytes(self.0, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.0, name, variants, visitor)
    }

    /// Every key that asks for a str is read with the string scan always inlined
    /// ([`Deserializer::read_key`]): a generated struct's property names (`crate::de`'s `Key`),
    /// `&str` keys, `Cow<str>` keys with `#[serde(borrow)]`, keys of generated string enums and of
    /// the `formats` types. The other keys (`String`, `char`, derive identifiers) go through
    /// `deserialize_any` and [`Deserializer::read_str`].
    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.read_key()?.visit(visitor)
    }

    serde::forward_to_deserialize_any! {
        char string unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// `{"Variant": content}`.
struct VariantAccess<'a, 'de>(&'a mut Deserializer<'de>);

impl<'de> de::EnumAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        // Read as a value, not as a key, as serde_json reads it.
        let variant = seed.deserialize(&mut *self.0)?;
        match self.0.peek() {
            Some(b':') => self.0.at += 1,
            Some(_) => return Err(self.0.error("expected `:`")),
            None => return Err(self.0.error("EOF while parsing an object")),
        }
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        de::Deserialize::deserialize(self.0)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self.0)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self.0, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_struct(self.0, "", fields, visitor)
    }
}

/// `"Variant"`.
struct UnitVariantAccess<'a, 'de>(&'a mut Deserializer<'de>);

impl<'de> de::EnumAccess<'de> for UnitVariantAccess<'_, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), Error> {
        let variant = seed.deserialize(&mut *self.0)?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariantAccess<'_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _seed: T) -> Result<T::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"newtype variant",
        ))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"tuple variant",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::invalid_type(
            Unexpected::UnitVariant,
            &"struct variant",
        ))
    }
}

/// serde_json's private marker of an `arbitrary_precision` number: a map of one entry whose
/// value is the number's text.
#[cfg(feature = "arbitrary_precision")]
struct NumberText<'de>(Option<&'de str>);

#[cfg(feature = "arbitrary_precision")]
impl<'de> de::MapAccess<'de> for NumberText<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.0.is_none() {
            return Ok(None);
        }
        seed.deserialize(de::value::BorrowedStrDeserializer::new(
            "$serde_json::private::Number",
        ))
        .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let text = self.0.take().unwrap_or_default();
        seed.deserialize(de::value::BorrowedStrDeserializer::new(text))
    }
}
