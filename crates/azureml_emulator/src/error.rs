//! The emulator's error type: what can go wrong starting or running a workspace.
//!
//! Clients never see it: the emulator answers them with HTTP statuses and ARM error bodies.
//! It is what the host program (a test, the SDK's `local` feature, `azml local start`) gets
//! when a folder, a port, a venv or a model process cannot be set up.

use std::path::PathBuf;

/// A `Result` whose error is the emulator's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the emulator could not do what its host asked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A setting or a resource the workspace was asked to run breaks a rule.
    #[error("invalid `{field}`: {rule}")]
    Validation {
        /// The field, e.g. `readiness_probe.period`.
        field: String,
        /// The rule it broke, in words.
        rule: String,
    },

    /// A file or folder could not be used.
    #[error("{}: {source}", path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "I/O".into()))]
    Io {
        /// The path, when there is one.
        path: Option<PathBuf>,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Stored state could not be read back.
    #[error("could not decode {what}: {message}")]
    Decode {
        /// What was being decoded.
        what: String,
        /// The decoder's message, with the JSON path.
        message: String,
    },

    /// Anything else (a tool that failed, TLS setup), with its message.
    #[error("{message}")]
    Other {
        /// What went wrong.
        message: String,
        /// The underlying error, if any.
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    },
}

impl Error {
    /// An [`Error::Validation`].
    pub fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// An [`Error::Io`] on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
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
#[cfg(feature = "local")]
pub(crate) fn decode_json<T: serde::de::DeserializeOwned>(what: &str, body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        what: what.into(),
        message: e.to_string(),
    })
}
