//! The JSON path the library and the `hcs` runtime use: compact JSON out, typed documents in.
//!
//! The generated types implement serde's traits, so `serde_json::to_string(&document)` and
//! `serde_json::from_str` work as they always did. These functions give the same results, faster:
//!
//! - [`to_string`], [`to_vec`], [`to_writer`] and [`append`] write exactly the bytes
//!   `serde_json::to_string` writes for any `Serialize` value (the differential tests compare
//!   them on every golden, sample and property-test document and on adversarial strings), with
//!   a word-at-a-time escaping scan instead of serde_json's byte-at-a-time one (see `ser.rs`);
//! - [`from_str`] and [`from_slice`] read what `serde_json::from_str` reads, into the same values,
//!   with the same string scan (see `de.rs`), and their [`Error`] says
//!   where the input went wrong (line, column) and at which JSON path.
//!
//! The figures are in BENCHMARKS.md.

mod de;
mod error;
mod escape;
mod ser;

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use error::Error;

/// What the output buffer starts with. HCS documents are mostly 1 to 4 KB: 1 KiB made the
/// 1.3 KB benchmark document grow once (a reallocation and a copy of what was written: 1.1 %
/// of the instructions of its round trip), and with glibc's allocator 4 KiB costs what 2 KiB
/// does (both are above its per-thread cache sizes).
const INITIAL_CAPACITY: usize = 4096;

/// Appends the compact JSON of `value` to `out`. On error, `out` may hold part of the value.
pub fn append<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut ser::Serializer { out })
}

/// The compact JSON of `value`, byte for byte `serde_json::to_vec(value)`.
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(INITIAL_CAPACITY);
    append(&mut out, value)?;
    Ok(out)
}

/// The compact JSON of `value`, byte for byte `serde_json::to_string(value)`.
pub fn to_string<T: ?Sized + Serialize>(value: &T) -> Result<String, Error> {
    let out = to_vec(value)?;
    debug_assert!(std::str::from_utf8(&out).is_ok(), "the writer wrote UTF-8");
    // SAFETY: every byte the writer appends is ASCII (punctuation, digits, `true`, escapes) or
    // comes from a `&str`, copied whole or cut only next to an ASCII byte (one to escape), so
    // no character is split and the output is UTF-8. Checking it again was a pass over the
    // whole output (1.4 % of a round trip of the large benchmark document); the differential
    // tests compare the output with serde_json's, adversarial strings included, and debug
    // builds check it here.
    Ok(unsafe { String::from_utf8_unchecked(out) })
}

/// Writes the compact JSON of `value` to `writer`, in one `write_all` once the whole document is
/// written to memory (HCS documents are small; a failed serialization writes nothing).
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(
    mut writer: W,
    value: &T,
) -> Result<(), Error> {
    let out = to_vec(value)?;
    writer
        .write_all(&out)
        .map_err(|e| Error::new(e.to_string()))
}

/// Reads a `T` from JSON text: what `serde_json::from_str` accepts, read into the same value.
/// The error says where the input went wrong and names the JSON path of the value it is about
/// ([`Error::path`]).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut deserializer = de::Deserializer::new(text);
    // Each arm either passes the value on untouched or drops it before doing anything else: with
    // nothing between the read and the return, the value is read straight into the caller's
    // place. (`T::deserialize(..).and_then(end).map_err(place)` copied it three times, a
    // 5.5 KB `ComputeSystem` each time.) `Document` has already looked past the value. The
    // guards read the field with `matches!`: a method taking `&self`, or `==` (which borrows),
    // brings one copy back.
    match T::deserialize(de::Document(&mut deserializer)) {
        Ok(value) if matches!(deserializer.end, de::End::Clean) => Ok(value),
        Ok(value) if matches!(deserializer.end, de::End::Trailing) => {
            drop(value);
            let error = match deserializer.end() {
                Err(error) => error,
                Ok(()) => Error::new("trailing characters".to_owned()),
            };
            Err(deserializer.place(error))
        }
        // The type read its value without asking the reader for one (it reads nothing): read it
        // again the plain way, which checks the end afterwards.
        Ok(value) => {
            drop(value);
            from_str_then_end(text)
        }
        Err(error) => Err(deserializer.place(error)),
    }
}

/// [`from_str`] with the end checked after the value is read: for a type whose `Deserialize`
/// does not ask the reader for a value.
#[cold]
fn from_str_then_end<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut deserializer = de::Deserializer::new(text);
    T::deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|error| deserializer.place(error))
}

/// Reads a `T` from JSON bytes, like `serde_json::from_slice`: UTF-8 bytes through
/// [`from_str`]'s reader; bytes that are not UTF-8 through serde_json itself, which accepts them
/// where it does not read them as text (in a value it skips, in a string read as bytes) and
/// rejects them everywhere else.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    match std::str::from_utf8(bytes) {
        Ok(text) => from_str(text),
        Err(_) => serde_json::from_slice(bytes).map_err(|error| with_path::<T>(error, bytes)),
    }
}

/// The error of a read through serde_json, with the JSON path where it failed. The path is found
/// by reading the document again through `serde_path_to_error`, only once it has failed.
#[cold]
fn with_path<T: DeserializeOwned>(error: serde_json::Error, bytes: &[u8]) -> Error {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(again) => again.path().to_string(),
        Ok(_) => String::new(),
    };
    let error = Error::from(error);
    // `?` is serde_path_to_error's segment for a property whose name was not read yet.
    if matches!(path.as_str(), "" | "." | "?") {
        error
    } else {
        error.within(&path)
    }
}

#[cfg(test)]
mod tests;
