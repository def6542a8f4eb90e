//! The crate's one error type.
//!
//! Every fallible call returns [`Result<T>`]. The variants separate what a caller reacts to
//! differently: bad input (fix the code), a service answer (read the ARM code), a long-running
//! operation that ended badly, authentication, the network, and local files.
//!
//! Secrets never reach this type: messages are built from field names, ARM error bodies and
//! status lines, never from request headers, SAS query strings or the bodies of answers that
//! carry keys. Whatever an error repeats of an answer is cut at 4 KiB.
//!
//! The one mapping of a non-2xx answer is in `service`, decoding with JSON paths in `decode`,
//! and the way azure_core's and reqwest's errors become ours in `convert`.

mod convert;
mod decode;
mod service;

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

pub(crate) use convert::transport_message;
pub(crate) use decode::{decode_json, decode_secret_json};
pub(crate) use service::{bounded, request_id, service_error, HeaderLookup, Quote, MAX_QUOTED};

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

    /// A long-running operation reached `Failed` or `Canceled` (whether the service said so
    /// through its operation status or the resource's `provisioningState`), or outlived its
    /// time limit (`TimedOut`).
    #[error("{}", operation_message(operation, status, code, message, request_id.as_deref().map(String::as_str)))]
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
        details: Box<Vec<ErrorDetail>>,
        /// `x-ms-request-id` of the answer that reported the end (boxed: keeps `Error` small).
        request_id: Option<Box<String>>,
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
    #[error("could not decode {what}{}: {message}", path.as_ref().map(|p| format!(" at `{p}`")).unwrap_or_default())]
    Decode {
        /// What was being decoded (e.g. `OnlineEndpoint`).
        what: String,
        /// The JSON path of the offending field (`properties.traffic.blue`; `.` for the whole
        /// document), when the body was JSON.
        path: Option<String>,
        /// The decoder's message.
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

fn operation_message(
    operation: &str,
    status: &str,
    code: &str,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let mut s = format!("operation `{operation}` ended {status}: {code}");
    if !message.is_empty() {
        s.push_str(": ");
        s.push_str(message);
    }
    if let Some(id) = request_id {
        s.push_str(&format!(" [request id {id}]"));
    }
    s
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

impl Error {
    /// A validation error for `field` breaking `rule`.
    pub fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
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

    /// The service's request id (`x-ms-request-id`), for service errors and failed operations.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Service { request_id, .. } => request_id.as_deref(),
            Error::OperationFailed { request_id, .. } => request_id.as_deref().map(String::as_str),
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
            path: None,
            message: bounded(&message.to_string(), MAX_QUOTED),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: Some(path.into()),
            source,
        }
    }

    /// A copy for a second reader of the same failure (errors aren't `Clone`: their sources
    /// can't be): same variant and fields, without the source chain.
    pub(crate) fn replay(&self) -> Error {
        match self {
            Error::Validation { field, rule } => Error::validation(field.clone(), rule.clone()),
            Error::Service {
                status,
                code,
                message,
                target,
                details,
                request_id,
            } => Error::Service {
                status: *status,
                code: code.clone(),
                message: message.clone(),
                target: target.clone(),
                details: details.clone(),
                request_id: request_id.clone(),
            },
            Error::OperationFailed {
                operation,
                status,
                code,
                message,
                details,
                request_id,
            } => Error::OperationFailed {
                operation: operation.clone(),
                status: status.clone(),
                code: code.clone(),
                message: message.clone(),
                details: details.clone(),
                request_id: request_id.clone(),
            },
            Error::Auth { message, .. } => Error::Auth {
                message: message.clone(),
                source: None,
            },
            Error::Transport { message, .. } => Error::Transport {
                message: message.clone(),
                source: None,
            },
            Error::Decode {
                what,
                path,
                message,
            } => Error::Decode {
                what: what.clone(),
                path: path.clone(),
                message: message.clone(),
            },
            other => Error::Other {
                message: other.to_string(),
                source: None,
            },
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
            azureml_emulator::Error::Decode { what, message } => Error::Decode {
                what,
                path: None,
                message,
            },
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

    #[test]
    fn errors_stay_under_clippys_large_error_threshold() {
        // Callers' `Result<_, Error>` functions would trip `clippy::result_large_err` at 128.
        assert!(
            std::mem::size_of::<Error>() < 128,
            "{}",
            std::mem::size_of::<Error>()
        );
    }
}
