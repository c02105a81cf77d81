//! Writing JSON strings: quotes around the text, `"`, `\` and the control characters U+0000 to
//! U+001F escaped exactly as serde_json escapes them, everything else copied as it is.
//!
//! The search for the next byte to escape reads eight bytes at a time. A clean run (almost every
//! key and value of an HCS document) is one test a word and one copy, where serde_json's
//! `format_escaped_str` looks every byte up in a table. The test is exact for every byte of the
//! word (no carry crosses a byte), so a word read at any offset, overlapping bytes already looked
//! at, gives the right answer once the bytes before the search start are masked off.

use std::mem::MaybeUninit;

/// `0x01` in every byte.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// The high bit of every byte.
const HIGH: u64 = ONES * 0x80;
/// The low seven bits of every byte.
const LOW7: u64 = ONES * 0x7f;

/// The high bit of each byte of `word` that JSON requires escaped: below 0x20, `"` or `\`.
#[inline]
fn escape_mask(word: u64) -> u64 {
    let low = word & LOW7;
    // Each sum stays below 0x100 in its byte, so no carry reaches the next byte.
    let not_control = low + ONES * 0x60; // high bit set when low >= 0x20
    let not_quote = (low ^ (ONES * u64::from(b'"'))) + LOW7; // high bit set when low != '"'
    let not_backslash = (low ^ (ONES * u64::from(b'\\'))) + LOW7;
    // Bytes with the high bit set (non-ASCII) are never escaped.
    !(word | (not_control & not_quote & not_backslash)) & HIGH
}

/// Sixteen bytes at a time with SSE2, which every x86-64 processor has: about one instruction a
/// byte, where the eight-byte test takes three (it is kept for the rest of a string and for other
/// architectures).
#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };

    /// Bit `i` set when `chunk[i]` must be escaped (below 0x20, `"` or `\`).
    #[inline(always)]
    pub(super) fn escape_mask(chunk: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is part of the x86-64 baseline, so the intrinsics are available on every
        // target this module is compiled for; the one load reads the 16 bytes of `chunk`.
        unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
            let control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
            let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
            _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) as u32
        }
    }

    /// The bits of [`escape_mask`], and those of the control characters alone.
    #[inline(always)]
    pub(super) fn escape_and_control_masks(chunk: &[u8; 16]) -> (u32, u32) {
        // SAFETY: as in `escape_mask`.
        unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast());
            let control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, _mm_set1_epi8(0x1f)), bytes);
            let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
            let escape = _mm_or_si128(control, _mm_or_si128(quote, backslash));
            (
                _mm_movemask_epi8(escape) as u32,
                _mm_movemask_epi8(control) as u32,
            )
        }
    }
}

/// Bit `i` set when byte `i` of `chunk` is `"`, `\` or a control character: the reader's
/// sixteen-byte test.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn special_mask(chunk: &[u8; 16]) -> u32 {
    sse2::escape_mask(chunk)
}

/// The eight bytes at `at`, the first one in the lowest bits.
#[inline]
fn word_at(bytes: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(word)
}

/// Whether JSON requires `byte` escaped.
#[inline]
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// The sixteen-byte step of [`find_special`]: `Ok` with the index of the first special byte in
/// the whole chunks from `from`, or `Err` with where fewer than sixteen bytes are left.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn find_special_in_chunks(bytes: &[u8], from: usize) -> Result<usize, usize> {
    let mut at = from;
    while at + 16 <= bytes.len() {
        let mut chunk = [0; 16];
        chunk.copy_from_slice(&bytes[at..at + 16]);
        let mask = special_mask(&chunk);
        if mask != 0 {
            return Ok(at + mask.trailing_zeros() as usize);
        }
        at += 16;
    }
    Err(at)
}

/// The index of the first byte at or after `from` that is `"`, `\` or a control character (the
/// end of a string or an escape in JSON text), or the length: the reader's string scan.
#[inline]
pub(crate) fn find_special(bytes: &[u8], from: usize) -> usize {
    let len = bytes.len();
    #[cfg(target_arch = "x86_64")]
    let mut at = match find_special_in_chunks(bytes, from) {
        Ok(found) => return found,
        Err(at) => at,
    };
    #[cfg(not(target_arch = "x86_64"))]
    let mut at = from;
    while at + 8 <= len {
        let mask = escape_mask(word_at(bytes, at));
        if mask != 0 {
            return at + (mask.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < len && !needs_escape(bytes[at]) {
        at += 1;
    }
    at
}

/// Appends the escape sequence of `byte` (one for which [`needs_escape`] holds), as serde_json
/// writes it: the short forms where JSON has one, else `\u00xx` in lower case.
#[cold]
fn write_escape(out: &mut Vec<u8>, byte: u8) {
    let short = match byte {
        b'"' => b'"',
        b'\\' => b'\\',
        b'\n' => b'n',
        b'\r' => b'r',
        b'\t' => b't',
        0x08 => b'b',
        0x0c => b'f',
        _ => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
            return;
        }
    };
    out.extend_from_slice(&[b'\\', short]);
}

/// Room reserved past the text: the closing quote and the eight bytes a word may write past
/// the end of what it copies.
const SLACK: usize = 1 + 8;

/// Appends `text` as a JSON string.
///
/// Clean runs are copied a word at a time while they are tested, straight into the vector's
/// spare capacity: one eight-byte store a word, no `memcpy` call, no capacity check a byte. A
/// word with a byte to escape is stored whole and the length set to the bytes before it. The
/// last bytes of a string are the last eight, overlapping bytes already copied; strings of four
/// to seven bytes are two overlapping four-byte halves.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    if !write_short(out, Frame::STRING, text) {
        write_str_general(out, text);
    }
}

/// Appends `key` as a JSON string and the `:` after it, after a `,` when `comma`: what an
/// object writes before each value, for a key that is not a property name of the name table
/// (map keys, unknown properties; see [`write_clean_key`]). A clean key of 1 to 32 bytes is
/// one reservation and a few stores.
#[inline(never)]
pub(crate) fn write_key(out: &mut Vec<u8>, comma: bool, key: &str) {
    if !write_short(out, Frame { comma, colon: true }, key) {
        if comma {
            out.push(b',');
        }
        write_str_general(out, key);
        out.push(b':');
    }
}

/// Appends a key that needs no escaping (a property name of the name table), quoted, after a
/// `,` when `comma` and before a `:`, when the output has room for the whole `window` and the
/// key has at most `N` bytes; returns whether it wrote it. `window` starts with the key's `len`
/// bytes; all of it is copied (no test of the bytes, no loop, no `memcpy` call) and what
/// follows the key is written over or left past the end. With no call on its way, it needs no
/// stack frame.
#[inline(always)]
pub(crate) fn write_clean_key<const N: usize>(
    out: &mut Vec<u8>,
    comma: bool,
    len: usize,
    window: &[u8; N],
) -> bool {
    const { assert!(N % 16 == 0, "the window is copied 16 bytes at a time") };
    if len > N {
        return false;
    }
    let frame = Frame { comma, colon: true };
    // `,`, `"`, the window, and the `":` after a key as long as the window.
    let Some(spare) = out.spare_capacity_mut().get_mut(..N + 4) else {
        return false;
    };
    // 16 bytes at a time: `store` of all 48 at once (`bytes.map(MaybeUninit::new)`) became an
    // out-of-line call once this module grew (callgrind).
    let mut at = 0;
    while at < N {
        let mut chunk = [0; 16];
        chunk.copy_from_slice(&window[at..at + 16]);
        store(spare, frame.text_at() + at, &chunk);
        at += 16;
    }
    // After the window, which wrote past the key.
    let total = frame.write_around(spare, len);
    // SAFETY: the `total` bytes after the length are written: the window covers the key
    // (`len <= N`), `write_around` the rest.
    unsafe { out.set_len(out.len() + total) };
    true
}

/// What [`write_short`] writes around the quoted text: a `,` before it, a `:` after it.
#[derive(Clone, Copy)]
struct Frame {
    comma: bool,
    colon: bool,
}

impl Frame {
    /// A string alone.
    const STRING: Frame = Frame {
        comma: false,
        colon: false,
    };

    /// Where the text starts: after the `,`, if any, and the `"`.
    #[inline(always)]
    fn text_at(self) -> usize {
        usize::from(self.comma) + 1
    }

    /// The framed length of a text of `len` bytes.
    #[inline(always)]
    fn total(self, len: usize) -> usize {
        usize::from(self.comma) + len + 2 + usize::from(self.colon)
    }

    /// Writes the frame around the `len` bytes of text at [`Frame::text_at`] of `spare`, after
    /// them (a writer that copies a wider window than the text has its excess overwritten);
    /// returns the framed length: all of it is then written. The one place the short paths
    /// frame their text.
    #[inline(always)]
    fn write_around(self, spare: &mut [MaybeUninit<u8>], len: usize) -> usize {
        let lead = usize::from(self.comma);
        // Without a comma the quote is written over it.
        spare[0] = MaybeUninit::new(b',');
        spare[lead] = MaybeUninit::new(b'"');
        spare[lead + len + 1] = MaybeUninit::new(b'"');
        if self.colon {
            spare[lead + len + 2] = MaybeUninit::new(b':');
        }
        self.total(len)
    }
}

/// Writes `text` quoted and framed when it has 1 to 32 bytes and nothing to escape (most keys
/// and many values): two overlapping loads, one test, two overlapping stores, no loop, and
/// small enough to need no stack frame. Returns whether it wrote it.
///
/// Keys and values of 17 to 32 bytes (`MemoryWorkingSetPrivateBytes`, timestamps) went through
/// the loop of [`write_str_general`] before: about three times the instructions.
#[inline(always)]
fn write_short(out: &mut Vec<u8>, frame: Frame, text: &str) -> bool {
    let bytes = text.as_bytes();
    let len = bytes.len();
    if len > 16 {
        if len <= 32 {
            let mut head = [0; 16];
            head.copy_from_slice(&bytes[..16]);
            let mut tail = [0; 16];
            tail.copy_from_slice(&bytes[len - 16..]);
            if is_clean(&head) && is_clean(&tail) {
                return write_quoted(out, frame, len, &head, &tail);
            }
        }
    } else if len >= 4 {
        if len >= 8 {
            let (head, tail) = (word_at(bytes, 0), word_at(bytes, len - 8));
            if escape_mask(head) | escape_mask(tail) == 0 {
                return write_quoted(out, frame, len, &head.to_le_bytes(), &tail.to_le_bytes());
            }
        } else {
            let head = [bytes[0], bytes[1], bytes[2], bytes[3]];
            let tail = [
                bytes[len - 4],
                bytes[len - 3],
                bytes[len - 2],
                bytes[len - 1],
            ];
            let word =
                u64::from(u32::from_le_bytes(head)) | u64::from(u32::from_le_bytes(tail)) << 32;
            if escape_mask(word) == 0 {
                return write_quoted(out, frame, len, &head, &tail);
            }
        }
    } else if len > 0 {
        // Map keys such as "0" (disk numbers, LUNs) and one-letter values: the first, middle
        // and last byte are all of them, tested in one word with clean letters around them.
        let (first, middle, last) = (bytes[0], bytes[len / 2], bytes[len - 1]);
        if escape_mask(u64::from_le_bytes([
            first, middle, last, b'a', b'a', b'a', b'a', b'a',
        ])) == 0
        {
            return write_quoted_tiny(out, frame, len, [first, middle, last]);
        }
    }
    false
}

/// [`write_quoted`] for a text of 1 to 3 bytes, given as its first, middle and last byte.
/// Returns whether the output had room.
#[inline(always)]
fn write_quoted_tiny(
    out: &mut Vec<u8>,
    frame: Frame,
    len: usize,
    [first, middle, last]: [u8; 3],
) -> bool {
    // Without room, the general path, which makes room: no call here, so no stack frame.
    let Some(spare) = out.spare_capacity_mut().get_mut(..frame.total(len)) else {
        return false;
    };
    let at = frame.text_at();
    spare[at] = MaybeUninit::new(first);
    spare[at + len / 2] = MaybeUninit::new(middle);
    spare[at + len - 1] = MaybeUninit::new(last);
    let total = frame.write_around(spare, len);
    // SAFETY: the `total` bytes after the length are written: the text by the three stores
    // (`1 <= len <= 3`: the first, middle and last byte cover it), `write_around` the rest.
    unsafe { out.set_len(out.len() + total) };
    true
}

/// Whether none of the 16 bytes must be escaped.
#[inline(always)]
fn is_clean(chunk: &[u8; 16]) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        sse2::escape_mask(chunk) == 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        escape_mask(word_at(chunk, 0)) | escape_mask(word_at(chunk, 8)) == 0
    }
}

/// `,` if `frame.comma`, `"`, a text of `len` bytes given as its first and last `N` bytes
/// (overlapping), `"`, `:` if `frame.colon`, when the output has room; returns whether it had.
#[inline(always)]
fn write_quoted<const N: usize>(
    out: &mut Vec<u8>,
    frame: Frame,
    len: usize,
    head: &[u8; N],
    tail: &[u8; N],
) -> bool {
    // Without room, the general path, which makes room: no call here, so no stack frame.
    let Some(spare) = out.spare_capacity_mut().get_mut(..frame.total(len)) else {
        return false;
    };
    store(spare, frame.text_at(), head);
    store(spare, frame.text_at() + len - N, tail);
    let total = frame.write_around(spare, len);
    // SAFETY: the `total` bytes after the length are written: the text by the two overlapping
    // stores (`N <= len`), `write_around` the rest.
    unsafe { out.set_len(out.len() + total) };
    true
}

/// Any string: the loop of [`write_str_contents`] between quotes.
#[inline(never)]
fn write_str_general(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 1 + SLACK);
    out.push(b'"');
    write_str_contents(out, text);
    out.push(b'"');
}

/// Appends the characters of `text` without the quotes, escaped.
#[inline]
pub(crate) fn write_str_contents(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut at = 0;
    loop {
        // Room for every byte escaped as two (`\"`, `\\`) and the 32 bytes the stores of a
        // chunk with escapes may reach past what they count.
        out.reserve(2 * (bytes.len() - at) + 32);
        let (written, stop) = copy_escaping(out.spare_capacity_mut(), bytes, at);
        // SAFETY: `copy_escaping` initialised the first `written` bytes of the spare capacity
        // (it returns how many of the bytes it stored are the output's).
        unsafe { out.set_len(out.len() + written) };
        match bytes.get(stop) {
            None => return,
            Some(&byte) => write_escape(out, byte),
        }
        at = stop + 1;
    }
}

/// Copies `bytes[from..]` into `spare`, escaping `"` and `\` on the way, up to the first control
/// character (or the end); returns how many bytes it wrote and where it stopped. Stores up to
/// 32 bytes beyond those it counts; `spare` must have room for `2 * (bytes.len() - from) + 32`.
#[inline]
// `clean` is reset after the last escape of a string too, where nothing reads it again.
#[allow(unused_assignments)]
fn copy_escaping(spare: &mut [MaybeUninit<u8>], bytes: &[u8], from: usize) -> (usize, usize) {
    let len = bytes.len();
    let mut at = from;
    let mut written = 0;
    // How many bytes just before `at` were copied as they are (no escape among them).
    let mut clean = 0;
    // Writes the two-byte escape of the quote or backslash at `at`, or stops at a control
    // character.
    macro_rules! escape_or_stop {
        () => {{
            let byte = bytes[at];
            if byte < 0x20 {
                return (written, at);
            }
            store(spare, written, &[b'\\', byte]);
            written += 2;
            at += 1;
            clean = 0;
        }};
    }
    #[cfg(target_arch = "x86_64")]
    while at + 16 <= len {
        let mut chunk = [0; 16];
        chunk.copy_from_slice(&bytes[at..at + 16]);
        match copy_chunk(spare, written, &chunk) {
            Chunk::Copied {
                written: stored,
                clean: tail,
            } => {
                at += 16;
                written += stored;
                clean = if tail == 16 { clean + 16 } else { tail };
            }
            Chunk::Control { first } => {
                at += first;
                written += first;
                escape_or_stop!();
            }
        }
    }
    // The last 1 to 15 bytes of a string of 16 or more: one more chunk, made of them and
    // spaces (which need no escape, so the chunk's escapes are theirs), where the loops below
    // went a word and then a byte at a time once an escape was among the last eight bytes
    // (`\disk.vhdx`).
    #[cfg(target_arch = "x86_64")]
    if len >= 16 && at < len {
        let left = len - at;
        let back = 16 - left;
        let mut last = [0; 16];
        last.copy_from_slice(&bytes[len - 16..]);
        if sse2::escape_mask(&last) >> back == 0 && clean >= back {
            // Nothing to escape, and the `back` bytes before were copied as they are: the last
            // 16 bytes stored over them.
            store(spare, written - back, &last);
            return (written + left, len);
        }
        let mut padded = [b' '; 32];
        padded[..16].copy_from_slice(&last);
        let mut chunk = [0; 16];
        chunk.copy_from_slice(&padded[back..back + 16]);
        match copy_chunk(spare, written, &chunk) {
            // The spaces were copied as they are, after the text's bytes and escapes.
            Chunk::Copied {
                written: stored, ..
            } => return (written + stored - back, len),
            Chunk::Control { first } => {
                at += first;
                written += first;
                clean = 0;
                escape_or_stop!();
            }
        }
    }
    while at + 8 <= len {
        let word = word_at(bytes, at);
        store(spare, written, &word.to_le_bytes());
        let mask = escape_mask(word);
        if mask == 0 {
            at += 8;
            written += 8;
            clean += 8;
        } else {
            let first = (mask.trailing_zeros() / 8) as usize;
            at += first;
            written += first;
            escape_or_stop!();
        }
    }
    if at == len {
        return (written, at);
    }
    if len >= 8 && clean >= at - (len - 8) {
        // The last eight bytes; the first `back` of them were copied just before, as they are,
        // so the word is stored `back` bytes back.
        let base = len - 8;
        let back = at - base;
        let word = word_at(bytes, base);
        store(spare, written - back, &word.to_le_bytes());
        let mask = escape_mask(word) & (u64::MAX << (back * 8));
        if mask == 0 {
            return (written - back + 8, len);
        }
        let first = (mask.trailing_zeros() / 8) as usize;
        written = written - back + first;
        at = base + first;
        escape_or_stop!();
    }
    while at < len {
        let byte = bytes[at];
        if needs_escape(byte) {
            escape_or_stop!();
        } else {
            spare[written] = MaybeUninit::new(byte);
            written += 1;
            at += 1;
        }
    }
    (written, len)
}

/// What [`copy_chunk`] did with 16 bytes.
#[cfg(target_arch = "x86_64")]
enum Chunk {
    /// Copied them all, quotes and backslashes escaped: `written` bytes (16, and one more for
    /// each escape), the last `clean` of them copied as they are.
    Copied { written: usize, clean: usize },
    /// Found a control character; the bytes before the first byte to escape, at `first`, are
    /// copied as they are.
    Control { first: usize },
}

/// Stores `chunk` at `spare[written..]`, escaping its quotes and backslashes, unless it has a
/// control character. Stores up to 30 bytes past those it counts.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn copy_chunk(spare: &mut [MaybeUninit<u8>], written: usize, chunk: &[u8; 16]) -> Chunk {
    store(spare, written, chunk);
    let (mask, control) = sse2::escape_and_control_masks(chunk);
    if mask == 0 {
        Chunk::Copied {
            written: 16,
            clean: 16,
        }
    } else if control == 0 {
        // Quotes and backslashes only (the `\` of Windows paths): all of them from the one
        // mask. Each gets its backslash, and the rest of the chunk is stored again one byte
        // further (from a copy padded to 32 bytes, so every store is 16 bytes).
        let mut padded = [0; 32];
        padded[..16].copy_from_slice(chunk);
        let mut rest = mask;
        let mut shift = 0;
        let mut last = 0;
        while rest != 0 {
            last = rest.trailing_zeros() as usize;
            spare[written + last + shift] = MaybeUninit::new(b'\\');
            shift += 1;
            let mut moved = [0; 16];
            moved.copy_from_slice(&padded[last..last + 16]);
            store(spare, written + last + shift, &moved);
            rest &= rest - 1;
        }
        Chunk::Copied {
            written: 16 + shift,
            clean: 15 - last,
        }
    } else {
        Chunk::Control {
            first: mask.trailing_zeros() as usize,
        }
    }
}

/// Stores `bytes` at `spare[at..]`.
#[inline(always)]
fn store<const N: usize>(spare: &mut [MaybeUninit<u8>], at: usize, bytes: &[u8; N]) {
    spare[at..at + N].copy_from_slice(&bytes.map(MaybeUninit::new));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_sse2_mask_marks_exactly_the_bytes_to_escape() {
        for byte in 0..=255u8 {
            for position in 0..16 {
                let mut chunk = [b'a'; 16];
                chunk[position] = byte;
                let expected = if needs_escape(byte) { 1 << position } else { 0 };
                assert_eq!(
                    sse2::escape_mask(&chunk),
                    expected,
                    "{byte:#x} at {position}"
                );
            }
        }
    }

    #[test]
    fn the_mask_is_exact_for_every_byte_in_every_position() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                // Every neighbour that could disturb a carry-based test: escapes and their
                // successors on both sides.
                for fill in [
                    b' ', b'!', b'"', b'#', b'\\', b']', 0x00, 0x1f, 0x7f, 0x80, 0xff,
                ] {
                    let mut word = [fill; 8];
                    word[position] = byte;
                    let mask = escape_mask(u64::from_le_bytes(word));
                    for (at, &b) in word.iter().enumerate() {
                        let marked = mask & (0x80 << (at * 8)) != 0;
                        assert_eq!(marked, needs_escape(b), "{word:?} at {at}");
                    }
                }
            }
        }
    }

    #[test]
    fn matches_serde_json_on_every_length_and_position() {
        // Each length up to several words, with each escape at each position, after an escape
        // and at both ends: the word loop, the overlapping last word and the short-string loop.
        for len in 0..40 {
            for at in 0..len {
                for special in [
                    "\"", "\\", "\n", "\u{1}", "\u{1f}", "\u{7f}", "é", "\u{2028}",
                ] {
                    let mut text: String = "abcdefghijklmnopqrstuvwxyz0123456789ABCD"[..len].into();
                    text.replace_range(at..at + 1, special);
                    text.push_str(special);
                    assert_eq!(escaped(&text), serde_json::to_string(&text).unwrap());
                }
            }
        }
        let every_byte: String = (0..=127u8).map(char::from).collect();
        assert_eq!(
            escaped(&every_byte),
            serde_json::to_string(&every_byte).unwrap()
        );
    }

    #[test]
    fn clean_strings_and_keys_of_every_length_match_serde_json() {
        // Every framed short path (4 to 7, 8 to 16, 17 to 32 bytes) and the lengths around
        // them, as a string and as a key with and without the comma before it.
        let letters = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for len in 0..=48 {
            let text = &letters[..len];
            let quoted = serde_json::to_string(text).unwrap();
            assert_eq!(escaped(text), quoted);
            for comma in [false, true] {
                let mut out = b"{".to_vec();
                write_key(&mut out, comma, text);
                let expected = format!("{{{}{quoted}:", if comma { "," } else { "" });
                assert_eq!(String::from_utf8(out).unwrap(), expected);
            }
        }
    }

    #[test]
    fn strings_and_keys_match_serde_json_whatever_room_the_output_has() {
        // Without room, the short paths leave the string to the general one, which makes room.
        let letters = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        for len in 0..=40 {
            for text in [&letters[..len], &"a\\\"\n"[..len.min(4)]] {
                let quoted = serde_json::to_string(text).unwrap();
                for capacity in 0..=len + 8 {
                    let mut out = Vec::with_capacity(capacity);
                    write_str(&mut out, text);
                    assert_eq!(String::from_utf8(out).unwrap(), quoted);
                    let mut out = Vec::with_capacity(capacity);
                    out.push(b'{');
                    write_key(&mut out, true, text);
                    assert_eq!(String::from_utf8(out).unwrap(), format!("{{,{quoted}:"));
                }
            }
        }
    }

    #[test]
    fn clean_keys_of_every_length_match_serde_json() {
        // A window of 48 bytes, as the name table gives: the key, then what follows it.
        let window: [u8; 48] = *b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL";
        for len in 0..=48 {
            let key = std::str::from_utf8(&window[..len]).unwrap();
            let quoted = serde_json::to_string(key).unwrap();
            for comma in [false, true] {
                let mut out = Vec::with_capacity(64);
                out.push(b'{');
                assert!(write_clean_key(&mut out, comma, len, &window));
                let expected = format!("{{{}{quoted}:", if comma { "," } else { "" });
                assert_eq!(String::from_utf8(out).unwrap(), expected);
            }
        }
        // Longer than the window, or not room for the whole window: nothing written.
        let mut out = Vec::with_capacity(64);
        assert!(!write_clean_key(&mut out, true, 49, &window));
        assert!(out.is_empty());
        let mut out = Vec::with_capacity(51);
        out.push(b'{');
        assert!(!write_clean_key(&mut out, false, 4, &window));
        assert_eq!(out, b"{");
    }

    #[test]
    fn matches_serde_json_on_random_mixes_of_escapes() {
        // Escapes close together, before and inside the overlapping last word.
        let alphabet = ["a", "\"", "\\", "\n", "\u{1}", "é", "#", "]", " "];
        let mut state = 0x9e3779b97f4a7c15u64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 24) as usize;
            let text: String = (0..len)
                .map(|i| alphabet[((state >> (i * 2 % 60)) % alphabet.len() as u64) as usize])
                .collect();
            assert_eq!(
                escaped(&text),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn matches_serde_json_on_dense_quotes_and_backslashes() {
        // Several quotes and backslashes in one 16-byte chunk, no control character: the chunk
        // path that escapes all of them from one mask, before, across and after chunk edges.
        let alphabet = ["a", "\"", "\\", "é", "#", "]", " ", "\u{2028}"];
        let mut state = 0x2545f4914f6cdd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 70) as usize;
            let mut pick = state.rotate_left(17);
            let text: String = (0..len)
                .map(|_| {
                    pick = pick.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[((pick >> 33) % alphabet.len() as u64) as usize]
                })
                .collect();
            assert_eq!(
                escaped(&text),
                serde_json::to_string(&text).unwrap(),
                "{text:?}"
            );
        }
    }
}
