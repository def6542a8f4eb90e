//! Where scoring requests go and how they authenticate: [`ScoringTarget`], [`ScoringAuth`] and
//! the [`ScoringTargetSource`] that produces them.
//!
//! The scoring client asks its source once, caches the answer, and asks again only when the
//! endpoint says the credentials are stale (401/403) or a token reaches its refresh time. A source
//! backed by ARM (endpoint GET, then `listKeys` or `token`) is in `arm_target`; the fixed source
//! here serves clients built from a scoring URI and a key or token.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::{Secret, TokenCredential};
use time::OffsetDateTime;
use url::Url;

use crate::error::Result;

/// How scoring requests authenticate.
///
/// Every mode ends up as `Authorization: Bearer <value>`; they differ in where the value comes
/// from and when it goes stale. `Debug` never prints a key or token.
#[derive(Clone)]
#[non_exhaustive]
pub enum ScoringAuth {
    /// An endpoint key (`authMode: Key`, from `listKeys`). Valid until rotated.
    Key(Secret),
    /// An Azure ML token (`authMode: AMLToken`, from `…/token`).
    AmlToken {
        /// The access token.
        token: Secret,
        /// When to fetch a fresh token (`refreshAfterTimeUtc`); `None` falls back to five
        /// minutes before `expires_on`.
        refresh_after: Option<OffsetDateTime>,
        /// When the token stops working (`expiryTimeUtc`); `None` means "until rejected".
        expires_on: Option<OffsetDateTime>,
    },
    /// An Entra ID token (`authMode: AADToken`) from this credential for this scope, e.g.
    /// `https://ml.azure.com/.default`.
    AadToken(Arc<dyn TokenCredential>, String),
    /// No `Authorization` header (local endpoints, or auth handled by a proxy).
    None,
}

impl ScoringAuth {
    /// The mode's name, for logs and `Debug`: `key`, `aml_token`, `aad_token` or `none`.
    pub fn mode(&self) -> &'static str {
        match self {
            ScoringAuth::Key(_) => "key",
            ScoringAuth::AmlToken { .. } => "aml_token",
            ScoringAuth::AadToken(..) => "aad_token",
            ScoringAuth::None => "none",
        }
    }
}

impl fmt::Debug for ScoringAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoringAuth::Key(_) => f.write_str("Key(<redacted>)"),
            ScoringAuth::AmlToken {
                refresh_after,
                expires_on,
                ..
            } => f
                .debug_struct("AmlToken")
                .field("token", &"<redacted>")
                .field("refresh_after", refresh_after)
                .field("expires_on", expires_on)
                .finish(),
            ScoringAuth::AadToken(_, scope) => f.debug_tuple("AadToken").field(scope).finish(),
            ScoringAuth::None => f.write_str("None"),
        }
    }
}

/// A scoring URI and the credentials that open it.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ScoringTarget {
    /// The endpoint's `scoringUri`, e.g. `https://churn.eastus.inference.ml.azure.com/score`.
    pub scoring_uri: Url,
    /// How to authenticate.
    pub auth: ScoringAuth,
}

impl ScoringTarget {
    /// A target at `scoring_uri` authenticating with `auth`.
    pub fn new(scoring_uri: Url, auth: ScoringAuth) -> Self {
        Self { scoring_uri, auth }
    }
}

/// Produces the current [`ScoringTarget`] of one endpoint.
///
/// The scoring client calls [`resolve`](Self::resolve) once before its first request and again
/// only after a 401/403 or when a token is due for refresh, one call at a time per client.
#[async_trait::async_trait]
pub trait ScoringTargetSource: Send + Sync + fmt::Debug {
    /// Looks up the scoring URI and fresh credentials.
    async fn resolve(&self) -> Result<ScoringTarget>;
}

/// A source that always answers with the same target (a client built from a URI and a key).
#[derive(Debug)]
pub(crate) struct FixedTarget(pub(crate) ScoringTarget);

#[async_trait::async_trait]
impl ScoringTargetSource for FixedTarget {
    async fn resolve(&self) -> Result<ScoringTarget> {
        Ok(self.0.clone())
    }
}
