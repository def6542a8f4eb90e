//! [`InvokeResponse`] and the JSON decoding rule for scoring answers.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use crate::error::{decode_json, Error, Result};

/// A successful scoring answer. The body is the connection's buffer, not a copy.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct InvokeResponse {
    /// HTTP status (2xx).
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// The body as received.
    pub body: Bytes,
}

impl InvokeResponse {
    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body, by value (no copy).
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body as UTF-8 text.
    ///
    /// # Errors
    /// [`Error::Decode`] when the body is not UTF-8.
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body).map_err(|e| Error::decode("scoring response text", e))
    }

    /// Decodes the body as JSON, see [`decode_scoring_json`].
    ///
    /// # Errors
    /// [`Error::Decode`] with the JSON path of the first mismatch.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        decode_scoring_json(&self.body)
    }

    /// The service's request id (`x-ms-request-id`, else `x-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        crate::http::headers::request_id(&self.headers)
    }
}

/// Decodes a scoring answer as JSON, undoing the double encoding of a `run()` that returns
/// `json.dumps(...)`.
///
/// The inference server JSON-encodes whatever `run()` returns, so a scoring script that returns
/// `json.dumps(result)` produces a JSON *string* whose content is JSON. When the body is a JSON
/// string, its content is decoded as `T` first; if that fails, the body itself is decoded as `T`
/// (so `T = String` receives the text of a plain string answer). Other bodies decode once.
///
/// # Errors
/// [`Error::Decode`] with the JSON path of the first mismatch (of the inner document when the
/// body was a string).
pub fn decode_scoring_json<T: DeserializeOwned>(body: &[u8]) -> Result<T> {
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    if first != Some(b'"') {
        return decode_json("scoring response", body);
    }
    let inner: String = decode_json("scoring response", body)?;
    match decode_json::<T>(
        "scoring response (JSON inside a JSON string)",
        inner.as_bytes(),
    ) {
        Ok(value) => Ok(value),
        Err(inner_err) => serde_json::from_slice::<T>(body).map_err(|_| inner_err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Prediction {
        churn: Vec<u8>,
    }

    #[test]
    fn plain_json_decodes_once() {
        let p: Prediction = decode_scoring_json(br#"{"churn":[1,0]}"#).unwrap();
        assert_eq!(p.churn, vec![1, 0]);
        let v: Vec<u8> = decode_scoring_json(b"[1, 0]").unwrap();
        assert_eq!(v, vec![1, 0]);
    }

    #[test]
    fn double_encoded_json_decodes_twice() {
        let body = br#" "{\"churn\": [1, 0]}" "#;
        let p: Prediction = decode_scoring_json(body).unwrap();
        assert_eq!(p.churn, vec![1, 0]);
        let v: serde_json::Value = decode_scoring_json(br#""[1, 0]""#).unwrap();
        assert_eq!(v, serde_json::json!([1, 0]));
    }

    #[test]
    fn string_target_keeps_the_string() {
        let s: String = decode_scoring_json(br#""{\"churn\": [1, 0]}""#).unwrap();
        assert_eq!(s, r#"{"churn": [1, 0]}"#);
        let s: String = decode_scoring_json(br#""hello""#).unwrap();
        assert_eq!(s, "hello");
    }

    #[test]
    fn mismatch_reports_the_inner_path() {
        let err = decode_scoring_json::<Prediction>(br#""{\"churn\": [\"x\"]}""#).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("churn[0]"), "{text}");
        assert!(text.contains("inside a JSON string"), "{text}");
    }
}
