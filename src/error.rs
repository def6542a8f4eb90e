//! The crate's one error type.
//!
//! Every fallible call returns [`Result<T>`]. The variants separate what a caller reacts to
//! differently: bad input (fix the code), a service answer (read the ARM code), a long-running
//! operation that ended badly, authentication, the network, and local files.
//!
//! Secrets never reach this type: messages are built from field names, ARM error bodies and
//! status lines, never from request headers or SAS query strings.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed source error kept in the chain.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to Azure Machine Learning.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input broke a client-side rule. Raised before any request is sent.
    #[error("invalid `{field}`: {rule}")]
    Validation {
        /// The field (Python-style path, e.g. `liveness_probe.period`).
        field: String,
        /// The rule it broke, in words.
        rule: String,
    },

    /// The service answered with a non-success status.
    #[error("{}", service_message(*status, code.as_deref(), message, request_id.as_deref()))]
    Service {
        /// HTTP status code.
        status: u16,
        /// ARM `error.code` (or the `x-ms-error-code` header).
        code: Option<String>,
        /// ARM `error.message`, or the body text when it is not an ARM error.
        message: String,
        /// ARM `error.target`.
        target: Option<String>,
        /// ARM `error.details`, recursive (boxed: keeps `Error` small on the hot path).
        details: Box<[ErrorDetail]>,
        /// `x-ms-request-id` / `x-request-id` of the failing response.
        request_id: Option<String>,
    },

    /// A long-running operation reached `Failed` or `Canceled`.
    #[error("operation `{operation}` ended {status}: {code}: {message}")]
    OperationFailed {
        /// What was running, e.g. `online_endpoints.begin_create_or_update(churn)`.
        operation: String,
        /// Terminal status as reported (`Failed`, `Canceled`).
        status: String,
        /// ARM `error.code` from the operation status (or `"Unknown"`).
        code: String,
        /// ARM `error.message` from the operation status.
        message: String,
        /// ARM `error.details` (boxed: keeps `Error` small on the hot path).
        details: Box<[ErrorDetail]>,
    },

    /// A token or key could not be obtained.
    #[error("authentication failed: {message}")]
    Auth {
        /// What failed.
        message: String,
        /// The credential's own error.
        #[source]
        source: Option<BoxError>,
    },

    /// The request did not get an HTTP answer (connection, TLS, timeout).
    #[error("transport error: {message}")]
    Transport {
        /// What failed.
        message: String,
        /// The underlying error.
        #[source]
        source: Option<BoxError>,
    },

    /// A response body could not be decoded.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being decoded (e.g. `OnlineEndpoint`).
        what: String,
        /// The decoder's message (with the JSON path where known).
        message: String,
    },

    /// A local file or folder could not be read or written.
    #[error("I/O error on {}: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "<stream>".into()))]
    Io {
        /// The path involved, if any.
        path: Option<PathBuf>,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Anything else (kept with its source).
    #[error("{message}")]
    Other {
        /// Description.
        message: String,
        /// Underlying error.
        #[source]
        source: Option<BoxError>,
    },
}

fn service_message(
    status: u16,
    code: Option<&str>,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let mut s = format!("service returned HTTP {status}");
    if let Some(code) = code {
        s.push_str(&format!(" ({code})"));
    }
    if !message.is_empty() {
        s.push_str(": ");
        s.push_str(message);
    }
    if let Some(id) = request_id {
        s.push_str(&format!(" [request id {id}]"));
    }
    s
}

/// One entry of an ARM error's `details` (recursive).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Error code.
    #[serde(default)]
    pub code: Option<String>,
    /// Error message.
    #[serde(default)]
    pub message: Option<String>,
    /// Target of the error.
    #[serde(default)]
    pub target: Option<String>,
    /// Nested details.
    #[serde(default, deserialize_with = "null_as_default")]
    pub details: Vec<ErrorDetail>,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.code.as_deref().unwrap_or("Unknown"),
            self.message.as_deref().unwrap_or("")
        )
    }
}

pub(crate) fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// The ARM error envelope `{"error": {...}}`.
#[derive(Deserialize)]
struct ArmErrorEnvelope {
    error: ErrorDetail,
}

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
}

/// Header access for [`Error::service`], over azure_core's and reqwest's header maps.
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

/// The text of the first `<name>…</name>` element, unescaped for the five XML entities.
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = xml.find(&open)? + open.len();
    let rest = xml.get(start..)?;
    let raw = rest.get(..rest.find(&close)?)?.trim();
    Some(
        raw.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

impl Error {
    /// A validation error for `field` breaking `rule`.
    pub fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// The [`Error::Service`] of a non-2xx answer: the one mapping for ARM, storage and scoring.
    ///
    /// The code comes from an ARM error envelope's `error.code`, the `x-ms-error-code` header, or
    /// a storage XML `<Code>`; the request id from `x-ms-request-id` / `x-request-id`. What the
    /// message may repeat of the body is `quote`'s call, and it is cut at [`MAX_QUOTED`] bytes.
    pub(crate) fn service(
        status: u16,
        headers: &impl HeaderLookup,
        body: &[u8],
        quote: Quote,
    ) -> Self {
        let request_id = headers
            .header("x-ms-request-id")
            .or_else(|| headers.header("x-request-id"))
            .map(|id| bounded(id, MAX_HEADER_QUOTED));
        let header_code = headers
            .header("x-ms-error-code")
            .map(|c| bounded(c, MAX_HEADER_QUOTED));
        let envelope = serde_json::from_slice::<ArmErrorEnvelope>(body).ok();
        let (code, message, target, details) = match (envelope, quote) {
            (Some(env), _) => (
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
        };
        let message = if message.trim().is_empty() {
            status_reason(status)
        } else {
            message
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

    /// HTTP status of a [`Error::Service`] error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The ARM error code, for service errors and failed operations.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } => code.as_deref(),
            Error::OperationFailed { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when the service said the resource does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for a client-side validation error.
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Validation { .. })
    }

    pub(crate) fn decode(what: impl Into<String>, message: impl fmt::Display) -> Self {
        Error::Decode {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: Some(path.into()),
            source,
        }
    }

    /// An [`Error::Other`] with a message and no source.
    pub fn other(message: impl Into<String>) -> Self {
        Error::Other {
            message: message.into(),
            source: None,
        }
    }
}

/// Decodes JSON, reporting the path of the offending field.
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de)
        .map_err(|e| Error::decode(what, format!("at `{}`: {}", e.path(), e.inner())))
}

impl From<azure_core::Error> for Error {
    fn from(err: azure_core::Error) -> Self {
        // Our own errors travel through azure_core (Poller, Pager callbacks) wrapped: unwrap them
        // intact instead of flattening them to a kind.
        if err.downcast_ref::<Error>().is_some() {
            return match err.into_inner() {
                Ok(inner) => match inner.downcast::<Error>() {
                    Ok(ours) => *ours,
                    Err(other) => Error::Other {
                        message: other.to_string(),
                        source: Some(other),
                    },
                },
                Err(e) => convert_core(e),
            };
        }
        convert_core(err)
    }
}

fn convert_core(err: azure_core::Error) -> Error {
    use azure_core::error::ErrorKind;
    // The retry policy wraps the real cause ("non-transport error occurred which will not be
    // retried"); classify by the innermost azure_core error, keep the whole chain as source.
    let (kind, message) = {
        let mut cause: &(dyn std::error::Error + 'static) = &err;
        let mut innermost = &err;
        while let Some(next) = cause.source() {
            if let Some(core) = next.downcast_ref::<azure_core::Error>() {
                innermost = core;
            }
            cause = next;
        }
        (innermost.kind().clone(), innermost.to_string())
    };
    match kind {
        ErrorKind::HttpResponse {
            status,
            error_code,
            raw_response,
        } => match raw_response {
            Some(raw) => {
                let mut e = Error::service(
                    u16::from(status),
                    raw.headers(),
                    raw.body().as_ref(),
                    Quote::Text,
                );
                if let Error::Service { code, .. } = &mut e {
                    if code.is_none() {
                        *code = error_code;
                    }
                }
                e
            }
            None => Error::Service {
                status: u16::from(status),
                code: error_code,
                message,
                target: None,
                details: Box::default(),
                request_id: None,
            },
        },
        ErrorKind::Credential => Error::Auth {
            message,
            source: Some(Box::new(err)),
        },
        ErrorKind::Io | ErrorKind::Connection => Error::Transport {
            message,
            source: Some(Box::new(err)),
        },
        ErrorKind::DataConversion => Error::Decode {
            what: "response".into(),
            message,
        },
        ErrorKind::Other => Error::Other {
            message,
            source: Some(Box::new(err)),
        },
    }
}

impl From<Error> for azure_core::Error {
    fn from(err: Error) -> Self {
        use azure_core::error::ErrorKind;
        let kind = match &err {
            Error::Service { status, code, .. } => ErrorKind::HttpResponse {
                status: azure_core::http::StatusCode::from(*status),
                error_code: code.clone(),
                raw_response: None,
            },
            Error::Auth { .. } => ErrorKind::Credential,
            Error::Transport { .. } => ErrorKind::Io,
            Error::Io { .. } => ErrorKind::Io,
            Error::Decode { .. } => ErrorKind::DataConversion,
            _ => ErrorKind::Other,
        };
        azure_core::Error::new(kind, err)
    }
}

impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io { path: None, source }
    }
}

#[cfg(feature = "testing")]
impl From<azureml_emulator::Error> for Error {
    /// The emulator's setup errors (folder, port, venv, TLS) as the SDK's.
    fn from(err: azureml_emulator::Error) -> Self {
        match err {
            azureml_emulator::Error::Validation { field, rule } => {
                Error::Validation { field, rule }
            }
            azureml_emulator::Error::Io { path, source } => Error::Io { path, source },
            azureml_emulator::Error::Decode { what, message } => Error::Decode { what, message },
            other => Error::Other {
                message: other.to_string(),
                source: Some(Box::new(other)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::http::headers::Headers;

    fn reqwest_headers(pairs: &[(&'static str, &str)]) -> reqwest::header::HeaderMap {
        let mut map = reqwest::header::HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn one_mapping_reads_arm_envelopes_from_either_header_map() {
        let body = br#"{"error": {"code": "BadArgument", "message": "traffic must sum to 100"}}"#;
        let mut core_headers = Headers::new();
        core_headers.insert("x-request-id", "rid");
        let from_core = Error::service(400, &core_headers, body, Quote::Text);
        let from_reqwest = Error::service(
            400,
            &reqwest_headers(&[("x-request-id", "rid")]),
            body,
            Quote::Text,
        );
        for err in [from_core, from_reqwest] {
            assert_eq!(err.status(), Some(400));
            assert_eq!(err.code(), Some("BadArgument"));
            assert_eq!(
                err.to_string(),
                "service returned HTTP 400 (BadArgument): traffic must sum to 100 [request id rid]"
            );
        }
    }

    #[test]
    fn empty_bodies_say_the_status_reason_and_long_ones_are_cut() {
        let err = Error::service(503, &Headers::new(), b"", Quote::Text);
        assert!(err.to_string().contains("Service Unavailable"), "{err}");
        let huge = "é".repeat(1_000_000);
        let err = Error::service(500, &Headers::new(), huge.as_bytes(), Quote::Text);
        let text = err.to_string();
        assert!(text.len() < MAX_QUOTED + 200, "{} bytes", text.len());
        assert!(
            text.contains("2000000 bytes in all"),
            "{}",
            &text[text.len() - 40..]
        );
    }

    #[test]
    fn fields_never_repeat_the_raw_body() {
        let err = Error::service(
            403,
            &Headers::new(),
            b"not xml, with sig=SECRET",
            Quote::Fields,
        );
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert!(err.to_string().contains("Forbidden"), "{err}");
        let xml = b"<?xml version=\"1.0\"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>";
        let err = Error::service(404, &Headers::new(), xml, Quote::Fields);
        assert_eq!(err.code(), Some("BlobNotFound"));
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
