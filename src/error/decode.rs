//! Decoding JSON answers with the path of a bad field, in words a caller can act on.
//!
//! serde's messages name the Rust types that failed (`expected struct IdentityWire`) and quote
//! the offending value whole; an error here names what the field should be instead, repeats at
//! most [`MAX_QUOTED`](super::MAX_QUOTED) bytes, and repeats no value at all for answers that carry
//! secrets.

use serde::de::DeserializeOwned;

use super::{bounded, Error, Result, MAX_QUOTED};

/// Decodes JSON, reporting the path of the offending field.
pub(crate) fn decode_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    decode(what, body, true)
}

/// As [`decode_json`] for answers that carry keys or tokens: no value is repeated.
pub(crate) fn decode_secret_json<T: DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    decode(what, body, false)
}

fn decode<T: DeserializeOwned>(what: &str, body: &[u8], quote_values: bool) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let message = describe(&e.into_inner().to_string(), quote_values);
        Error::Decode {
            what: what.to_owned(),
            path: Some(path),
            message,
        }
    })
}

/// serde's message without Rust type names (and, unless `quote_values`, without the value).
fn describe(message: &str, quote_values: bool) -> String {
    let mut text = without_type_names(message);
    if !quote_values {
        text = without_values(&text);
    }
    if text.trim().is_empty() {
        text = "not the expected JSON".to_owned();
    }
    bounded(&text, MAX_QUOTED)
}

/// `expected struct FooWire` → `expected a JSON object`; `expected enum Kind` → `expected one
/// of the known values`.
fn without_type_names(message: &str) -> String {
    const NAMED: [(&str, &str); 6] = [
        ("expected tuple struct ", "expected a JSON array"),
        ("expected unit struct ", "expected null"),
        ("expected struct ", "expected a JSON object"),
        (
            "expected internally tagged enum ",
            "expected one of the known kinds",
        ),
        (
            "expected adjacently tagged enum ",
            "expected one of the known kinds",
        ),
        ("expected enum ", "expected one of the known values"),
    ];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    'scan: while !rest.is_empty() {
        for (prefix, replacement) in NAMED {
            if let Some(after) = rest.strip_prefix(prefix) {
                out.push_str(replacement);
                let name_len = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                rest = after.get(name_len..).unwrap_or_default();
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// `invalid type: string "k3y", expected u64` → `invalid type (value not shown), expected u64`.
fn without_values(message: &str) -> String {
    for head in [
        "invalid type",
        "invalid value",
        "invalid length",
        "unknown variant",
    ] {
        if message.starts_with(head) {
            return match message.find(", expected") {
                Some(at) => format!(
                    "{head} (value not shown){}",
                    message.get(at..).unwrap_or_default()
                ),
                None => format!("{head} (value not shown)"),
            };
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct IdentityWire {
        #[serde(rename = "type")]
        _kind: String,
    }

    #[derive(Debug, Deserialize)]
    struct Endpoint {
        #[serde(rename = "identity")]
        _identity: IdentityWire,
        #[serde(rename = "count")]
        _count: Option<u64>,
    }

    #[derive(Debug, Deserialize)]
    struct Keys {
        #[serde(rename = "primaryKey")]
        _primary: String,
        #[serde(rename = "expiry")]
        _expiry: Option<u64>,
    }

    fn decode_err<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Error {
        decode_json::<T>("Endpoint", body.as_bytes()).unwrap_err()
    }

    #[test]
    fn errors_name_the_path_not_the_rust_type() {
        let err = decode_err::<Endpoint>(r#"{"identity": "SystemAssigned"}"#);
        match &err {
            Error::Decode { what, path, .. } => {
                assert_eq!(what, "Endpoint");
                assert_eq!(path.as_deref(), Some("identity"));
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(!text.contains("IdentityWire"), "{text}");
        assert!(text.contains("expected a JSON object"), "{text}");
        assert!(text.contains("at `identity`"), "{text}");
    }

    #[test]
    fn huge_values_are_cut() {
        let huge = "x".repeat(2_000_000);
        let err = decode_err::<Endpoint>(&format!(
            r#"{{"identity": {{"type": "a"}}, "count": "{huge}"}}"#
        ));
        assert!(err.to_string().len() < MAX_QUOTED + 200);
        assert!(err.to_string().contains("count"), "{err}");
    }

    #[test]
    fn secret_answers_repeat_no_value() {
        let err = decode_secret_json::<Keys>(
            "EndpointAuthKeys",
            br#"{"primaryKey": "SECRETVALUE", "expiry": "SECRETVALUE"}"#,
        )
        .unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("SECRETVALUE"), "{text}");
        assert!(text.contains("expiry"), "{text}");
        // Non-secret decodes keep the value, which is what a user needs to see.
        let err =
            decode_json::<Keys>("Keys", br#"{"primaryKey": "k", "expiry": "soon"}"#).unwrap_err();
        assert!(err.to_string().contains("soon"), "{err}");
    }

    #[test]
    fn type_names_are_replaced_in_every_position() {
        assert_eq!(
            without_type_names(
                "invalid type: string \"x\", expected struct IdentityWire at line 1"
            ),
            "invalid type: string \"x\", expected a JSON object at line 1"
        );
        assert_eq!(
            without_type_names("expected enum AuthMode"),
            "expected one of the known values"
        );
        assert_eq!(without_type_names(""), "");
    }
}
