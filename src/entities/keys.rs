//! Endpoint credentials and deployment logs.
//!
//! Keys and tokens are [`Secret`]s: their `Debug` prints `Secret`, never the value.

use azure_core::credentials::Secret;

/// The two keys of a key-auth endpoint (`listKeys`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EndpointAuthKeys {
    /// Primary key.
    #[serde(default)]
    pub primary_key: Option<Secret>,
    /// Secondary key.
    #[serde(default)]
    pub secondary_key: Option<Secret>,
}

/// A scoring token of an `aml_token` endpoint (`token` action).
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EndpointAuthToken {
    /// The bearer token.
    pub access_token: Secret,
    /// Token type (e.g. `Bearer`).
    #[serde(default)]
    pub token_type: Option<String>,
    /// Expiry, as a Unix timestamp (seconds).
    #[serde(default)]
    pub expiry_time_utc: i64,
    /// When to refresh, as a Unix timestamp (seconds).
    #[serde(default)]
    pub refresh_after_time_utc: i64,
}

/// Log text of a deployment container (`getLogs`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[non_exhaustive]
pub struct DeploymentLogs {
    /// The log lines.
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    pub content: String,
}
