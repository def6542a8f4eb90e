//! The one mapping of a non-2xx answer (ARM, storage, scoring) to [`Error::Service`], and how
//! much of an answer an error may repeat.

use serde::Deserialize;

use super::{Error, ErrorDetail};

/// The most an error message repeats of a body or a field (the rest is cut, with a note).
pub(crate) const MAX_QUOTED: usize = 4096;
/// The most an error repeats of a header or an ARM code.
const MAX_HEADER_QUOTED: usize = 256;

/// How much of a failed answer's body an [`Error::Service`] may repeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Quote {
    /// The ARM error envelope's fields, else the body as text (ARM, scoring).
    Text,
    /// Only the code and message of an ARM envelope or a storage XML error, never the raw body
    /// (a storage authentication failure echoes the request's signature).
    Fields,
    /// Nothing of the body but an identifier-shaped ARM code: the answer may carry keys or
    /// tokens (`listKeys`, `token`, `listSecrets`).
    Nothing,
}

/// Header access over azure_core's and reqwest's header maps.
pub(crate) trait HeaderLookup {
    /// The value of header `name` (lower case), if present and text.
    fn header(&self, name: &'static str) -> Option<&str>;
}

impl HeaderLookup for azure_core::http::headers::Headers {
    fn header(&self, name: &'static str) -> Option<&str> {
        self.get_optional_str(&azure_core::http::headers::HeaderName::from_static(name))
    }
}

impl HeaderLookup for reqwest::header::HeaderMap {
    fn header(&self, name: &'static str) -> Option<&str> {
        self.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `x-ms-request-id`, else `x-request-id`.
pub(crate) fn request_id(headers: &impl HeaderLookup) -> Option<&str> {
    headers
        .header("x-ms-request-id")
        .or_else(|| headers.header("x-request-id"))
}

/// The [`Error::Service`] of a non-2xx answer (ARM, storage or scoring): [`Error::service`]
/// with the request id and error code read from `headers`.
pub(crate) fn service_error(
    status: u16,
    headers: &impl HeaderLookup,
    body: &[u8],
    quote: Quote,
) -> Error {
    Error::service(
        status,
        request_id(headers),
        headers.header("x-ms-error-code"),
        body,
        quote,
    )
}

/// The ARM error envelope `{"error": {...}}`.
#[derive(Deserialize)]
struct ArmErrorEnvelope {
    error: ErrorDetail,
}

impl Error {
    /// The [`Error::Service`] of a non-2xx answer: the one mapping for ARM, storage and scoring
    /// (callers go through [`service_error`], which reads the headers).
    ///
    /// The code comes from an ARM error envelope's `error.code`, the `x-ms-error-code` header,
    /// or a storage XML `<Code>`. What the message may repeat of the body is `quote`'s call; it
    /// is cut at [`MAX_QUOTED`] bytes, and says the status's reason when the body says nothing.
    pub(crate) fn service(
        status: u16,
        request_id: Option<&str>,
        header_code: Option<&str>,
        body: &[u8],
        quote: Quote,
    ) -> Self {
        let request_id = request_id.map(|id| bounded(id, MAX_HEADER_QUOTED));
        let header_code = header_code.map(|c| bounded(c, MAX_HEADER_QUOTED));
        let envelope = serde_json::from_slice::<ArmErrorEnvelope>(body).ok();
        let (code, message, target, details) = match (envelope, quote) {
            (Some(env), Quote::Nothing) => (
                header_code.or(env.error.code.filter(|c| is_identifier(c))),
                String::new(),
                None,
                Vec::new(),
            ),
            (Some(env), Quote::Text | Quote::Fields) => (
                env.error
                    .code
                    .map(|c| bounded(&c, MAX_HEADER_QUOTED))
                    .or(header_code),
                env.error
                    .message
                    .map(|m| bounded(&m, MAX_QUOTED))
                    .unwrap_or_default(),
                env.error.target.map(|t| bounded(&t, MAX_HEADER_QUOTED)),
                env.error.details,
            ),
            (None, Quote::Text) => (
                header_code,
                bounded(&String::from_utf8_lossy(body), MAX_QUOTED),
                None,
                Vec::new(),
            ),
            (None, Quote::Fields) => {
                let text = String::from_utf8_lossy(body);
                (
                    header_code.or_else(|| xml_element(&text, "Code")),
                    xml_element(&text, "Message")
                        .map(|m| bounded(&m, MAX_QUOTED))
                        .unwrap_or_default(),
                    None,
                    Vec::new(),
                )
            }
            (None, Quote::Nothing) => (header_code, String::new(), None, Vec::new()),
        };
        let message = match (message.trim().is_empty(), quote) {
            (true, Quote::Nothing) if !body.is_empty() => format!(
                "{} (the answer's body is not shown: it may hold secrets)",
                status_reason(status)
            ),
            (true, _) => status_reason(status),
            (false, _) => message,
        };
        Error::Service {
            status,
            code,
            message,
            target,
            details: details.into(),
            request_id,
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary, saying how long it was.
pub(crate) fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = text.get(..end).unwrap_or_default();
    format!("{head}… ({} bytes in all)", text.len())
}

/// The status line's reason phrase (`Not Found`), or `HTTP {status}` for unknown codes.
fn status_reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("HTTP {status}"), str::to_owned)
}

/// ARM codes are identifiers (`AuthorizationFailed`, `Microsoft.Web.NotFound`).
fn is_identifier(code: &str) -> bool {
    (1..=MAX_HEADER_QUOTED).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_alphabetic())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
}

/// The text of the first `<name>…</name>` element, unescaped for the five XML entities.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let rest = xml.get(start..)?;
    let raw = rest.get(..rest.find(&close)?)?.trim();
    Some(bounded(
        &raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
        MAX_QUOTED,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arm_envelopes_give_code_message_and_request_id() {
        let body = br#"{"error": {"code": "BadArgument", "message": "traffic must sum to 100"}}"#;
        let err = Error::service(400, Some("rid"), None, body, Quote::Text);
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.code(), Some("BadArgument"));
        assert_eq!(err.request_id(), Some("rid"));
        assert_eq!(
            err.to_string(),
            "service returned HTTP 400 (BadArgument): traffic must sum to 100 [request id rid]"
        );
    }

    #[test]
    fn empty_bodies_say_the_status_reason_and_long_ones_are_cut() {
        let err = Error::service(503, None, None, b"", Quote::Text);
        assert!(err.to_string().contains("Service Unavailable"), "{err}");
        let huge = "é".repeat(1_000_000);
        let err = Error::service(500, None, None, huge.as_bytes(), Quote::Text);
        let text = err.to_string();
        assert!(text.len() < MAX_QUOTED + 200, "{} bytes", text.len());
        assert!(text.contains("2000000 bytes in all"), "{}", text);
        let huge_message = format!(r#"{{"error": {{"code": "C", "message": "{huge}"}}}}"#);
        let err = Error::service(400, None, None, huge_message.as_bytes(), Quote::Text);
        assert!(err.to_string().len() < MAX_QUOTED + 200);
    }

    #[test]
    fn fields_never_repeat_the_raw_body() {
        let err = Error::service(403, None, None, b"not xml, with sig=SECRET", Quote::Fields);
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(err.to_string().contains("Forbidden"), "{err}");
        let xml = b"<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>";
        let err = Error::service(404, None, None, xml, Quote::Fields);
        assert_eq!(err.code(), Some("BlobNotFound"));
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn secret_bearing_bodies_are_never_quoted() {
        for body in [
            &br#"{"primaryKey": "PRIMARYSECRET", "secondaryKey": "SECONDARYSECRET"}"#[..],
            br#"{"error": {"code": "Conflict", "message": "key PRIMARYSECRET"}, "primaryKey": "PRIMARYSECRET"}"#,
            br#"{"error": {"code": "PRIMARYSECRET+/=", "message": "x"}}"#,
            b"PRIMARYSECRET",
        ] {
            let err = Error::service(500, Some("rid"), None, body, Quote::Nothing);
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("PRIMARYSECRET"), "{shown}");
            assert!(shown.contains("500"), "{shown}");
            assert!(shown.contains("rid"), "{shown}");
        }
        let err = Error::service(
            409,
            None,
            None,
            br#"{"error": {"code": "Conflict", "message": "x"}}"#,
            Quote::Nothing,
        );
        assert_eq!(err.code(), Some("Conflict"));
    }
}
