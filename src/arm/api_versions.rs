//! The api-version of each Machine Learning operation group.

/// The default api-version for every Machine Learning operation group (what Python 1.35.2 speaks).
pub const DEFAULT_API_VERSION: &str = "2025-12-01";

/// api-version per operation group. Every group defaults to [`DEFAULT_API_VERSION`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiVersions {
    /// `onlineEndpoints`.
    pub online_endpoints: String,
    /// `onlineEndpoints/{}/deployments`.
    pub online_deployments: String,
    /// `models`.
    pub models: String,
    /// `environments`.
    pub environments: String,
    /// `codes`.
    pub codes: String,
    /// `data`.
    pub data: String,
    /// `datastores`.
    pub datastores: String,
    /// The workspace itself.
    pub workspaces: String,
}

impl ApiVersions {
    /// Every group at `version`.
    pub fn all(version: impl Into<String>) -> Self {
        let v = version.into();
        Self {
            online_endpoints: v.clone(),
            online_deployments: v.clone(),
            models: v.clone(),
            environments: v.clone(),
            codes: v.clone(),
            data: v.clone(),
            datastores: v.clone(),
            workspaces: v,
        }
    }
}

impl Default for ApiVersions {
    fn default() -> Self {
        Self::all(DEFAULT_API_VERSION)
    }
}
