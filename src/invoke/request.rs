//! [`InvokeRequest`]: the body and per-call options of one scoring request.

use std::fmt;
use std::path::PathBuf;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::redirect::ORIGINAL_HOST_HEADER;

/// Header that pins a request to one deployment of the endpoint.
pub const DEPLOYMENT_HEADER: &str = "azureml-model-deployment";

/// [`DEPLOYMENT_HEADER`] as a header name, built at compile time.
const DEPLOYMENT: HeaderName = HeaderName::from_static(DEPLOYMENT_HEADER);

/// Content type sent when the caller sets none (what the inference server and Python expect).
const DEFAULT_CONTENT_TYPE: HeaderValue = HeaderValue::from_static("application/json");

/// Headers the client owns; a per-request override would break auth, routing or framing.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    ORIGINAL_HOST_HEADER,
    DEPLOYMENT_HEADER,
    "content-type",
];

#[derive(Clone)]
pub(crate) enum Body {
    /// Bytes sent exactly as given.
    Bytes(Bytes),
    /// A file read when the request is sent (like Python's `request_file`).
    File(PathBuf),
}

/// One scoring request: the body, sent byte for byte, and options that apply to this call only.
///
/// ```
/// use azure_ai_ml::invoke::InvokeRequest;
/// let request = InvokeRequest::text(r#"{"data": [[12, 29.85, 358.20, 1, 0]]}"#).deployment("blue");
/// ```
#[derive(Clone)]
pub struct InvokeRequest {
    pub(crate) body: Body,
    pub(crate) content_type: HeaderValue,
    pub(crate) deployment: Option<HeaderValue>,
    pub(crate) headers: HeaderMap,
    /// The first bad option, reported by `invoke` before anything is sent.
    pub(crate) invalid: Option<(String, String)>,
}

impl InvokeRequest {
    fn with_body(body: Body) -> Self {
        Self {
            body,
            content_type: DEFAULT_CONTENT_TYPE,
            deployment: None,
            headers: HeaderMap::new(),
            invalid: None,
        }
    }

    /// A request whose body is these bytes, sent unchanged (`Content-Type: application/json`
    /// unless [`content_type`](Self::content_type) says otherwise).
    pub fn bytes(body: impl Into<Bytes>) -> Self {
        Self::with_body(Body::Bytes(body.into()))
    }

    /// A request whose body is this text, sent unchanged: numbers such as `358.20` keep their
    /// spelling (Python's SDK re-serializes them to `358.2`).
    pub fn text(body: impl Into<String>) -> Self {
        Self::with_body(Body::Bytes(Bytes::from(body.into())))
    }

    /// A request whose body is `value` serialized to JSON once, here.
    ///
    /// # Errors
    /// [`Error::Validation`] on `body` when `value` cannot be serialized (e.g. a map with
    /// non-string keys).
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Self> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::validation("body", format!("must serialize to JSON: {e}")))?;
        Ok(Self::bytes(body))
    }

    /// A request whose body is the content of this file, read (asynchronously) each time the
    /// request is sent.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        Self::with_body(Body::File(path.into()))
    }

    /// Sends this request to one deployment (header `azureml-model-deployment`), for this call
    /// only; without it the endpoint's traffic rules pick the deployment.
    pub fn deployment(mut self, name: impl AsRef<str>) -> Self {
        let name = name.as_ref();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        match HeaderValue::from_str(name) {
            Ok(value) if valid => self.deployment = Some(value),
            _ => self.record_invalid(
                "deployment",
                "must be a non-empty deployment name (letters, digits, '-', '_')",
            ),
        }
        self
    }

    /// Sets the `Content-Type` (default `application/json`).
    pub fn content_type(mut self, content_type: impl AsRef<str>) -> Self {
        match HeaderValue::from_str(content_type.as_ref()) {
            Ok(value) => self.content_type = value,
            Err(_) => self.record_invalid("content_type", "must be a valid header value"),
        }
        self
    }

    /// Adds a header to this request only. The client's own headers (`Authorization`, `Host`,
    /// `Content-Type`, `Content-Length`, `azureml-model-deployment`, …) can't be set this way.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let raw_name = name.as_ref();
        let parsed = HeaderName::from_bytes(raw_name.as_bytes());
        let field = format!("headers.{raw_name}");
        match parsed {
            Err(_) => self.record_invalid(&field, "must be a valid header name"),
            Ok(name) if RESERVED_HEADERS.contains(&name.as_str()) => self.record_invalid(
                &field,
                "is set by the scoring client (use deployment() or content_type())",
            ),
            Ok(name) => match HeaderValue::from_str(value.as_ref()) {
                Ok(value) => {
                    self.headers.append(name, value);
                }
                Err(_) => self.record_invalid(&field, "value must be a valid header value"),
            },
        }
        self
    }

    fn record_invalid(&mut self, field: &str, rule: &str) {
        if self.invalid.is_none() {
            self.invalid = Some((field.to_owned(), rule.to_owned()));
        }
    }

    /// The deployment this request is pinned to, if any.
    pub fn pinned_deployment(&self) -> Option<&str> {
        self.deployment.as_ref().and_then(|v| v.to_str().ok())
    }

    /// Checks the options, then produces the body bytes (reading the file, if any).
    pub(crate) async fn take_body(&self) -> Result<Bytes> {
        if let Some((field, rule)) = &self.invalid {
            return Err(Error::validation(field.clone(), rule.clone()));
        }
        match &self.body {
            Body::Bytes(bytes) => Ok(bytes.clone()),
            Body::File(path) => tokio::fs::read(path)
                .await
                .map(Bytes::from)
                .map_err(|e| Error::io(path.clone(), e)),
        }
    }

    /// Writes this request's own headers (content type, deployment, extras) into `headers`.
    pub(crate) fn apply_headers(&self, headers: &mut HeaderMap) {
        headers.insert(CONTENT_TYPE, self.content_type.clone());
        if let Some(deployment) = &self.deployment {
            headers.insert(DEPLOYMENT, deployment.clone());
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
    }
}

impl fmt::Debug for InvokeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("InvokeRequest");
        match &self.body {
            Body::Bytes(b) => s.field("body_len", &b.len()),
            Body::File(p) => s.field("file", p),
        };
        // Header values may carry caller secrets; names are enough to debug routing.
        let names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        s.field("content_type", &self.content_type)
            .field("deployment", &self.pinned_deployment())
            .field("headers", &names)
            .finish()
    }
}
