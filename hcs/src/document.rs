//! Outgoing and incoming JSON documents.
//!
//! [`encode_document`] is the single place every outgoing document passes
//! through (typed values after serialization, raw JSON as given), so checks
//! such as "does the host support this schema version" have one home.
//!
//! Typed documents go through `hcs_schema::json`, the schema crate's fast
//! JSON path: the same bytes as `serde_json::to_string`, written faster, and
//! decoding errors that name the JSON path.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::strings::WideString;

/// Every outgoing JSON document ends here before it is handed to HCS.
pub(crate) fn encode_document(function: &'static str, json: &str) -> Result<WideString> {
    WideString::new(json, function)
}

/// Serializes a typed document, then [`encode_document`].
pub(crate) fn encode_typed<T: Serialize + ?Sized>(
    function: &'static str,
    document: &T,
) -> Result<WideString> {
    let json = hcs_schema::json::to_string(document).map_err(|e| Error::Document {
        operation: function,
        message: format!("cannot serialize the document: {e}"),
        text: None,
    })?;
    encode_document(function, &json)
}

/// A typed schema document: checked against the host's schema version
/// ([`Hcs::check_document`]), then serialized and encoded.
pub(crate) fn encode_schema<T: Serialize + hcs_schema::Walk>(
    hcs: &crate::Hcs,
    function: &'static str,
    document: &T,
) -> Result<WideString> {
    hcs.check_document(function, document)?;
    encode_typed(function, document)
}

/// An optional raw document.
pub(crate) fn encode_optional(
    function: &'static str,
    json: Option<&str>,
) -> Result<Option<WideString>> {
    json.map(|json| encode_document(function, json)).transpose()
}

/// Decodes a result document as `T`. A missing document decodes from
/// `null` (so `Option<_>` and `()` accept it; structs report it).
pub(crate) fn decode_document<T: DeserializeOwned>(
    function: &'static str,
    document: Option<String>,
) -> Result<T> {
    let text = document
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("null");
    hcs_schema::json::from_str(text).map_err(|e| Error::Document {
        operation: function,
        message: if document.is_none() {
            format!("HCS returned no document: {e}")
        } else {
            e.to_string()
        },
        text: document,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_documents_decode_from_null() {
        let none: Option<Vec<u32>> = decode_document("f", None).unwrap();
        assert_eq!(none, None);
        let error = decode_document::<Vec<u32>>("f", None).unwrap_err();
        assert!(error.to_string().contains("no document"), "{error}");
        let error = decode_document::<Vec<u32>>("f", Some("{".into())).unwrap_err();
        assert!(matches!(error, Error::Document { text: Some(_), .. }));
        let value: Vec<u32> = decode_document("f", Some("[1,2]".into())).unwrap();
        assert_eq!(value, [1, 2]);
    }
}
