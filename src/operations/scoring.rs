//! The ARM side of scoring: resolving an endpoint's scoring URI and credentials, and one cached
//! [`ScoringClient`] per endpoint so that steady-state invokes cost exactly one HTTP request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use azure_core::http::Url;
use time::OffsetDateTime;

use super::online_endpoints::{EndpointCredentials, OnlineEndpointOperations};
use crate::client::ClientCore;
use crate::error::{Error, Result};
use crate::invoke::{ScoringAuth, ScoringClient, ScoringTarget, ScoringTargetSource};

/// Per-endpoint scoring clients of one `MLClient`.
#[derive(Default)]
pub(crate) struct ScoringClients(Mutex<HashMap<String, ScoringClient>>);

impl std::fmt::Debug for ScoringClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScoringClients")
    }
}

/// Resolves an endpoint through ARM: GET the endpoint (scoring URI, auth mode), then
/// `listKeys`, `token`, or an Entra token for the ML audience.
#[derive(Debug)]
struct ArmScoringSource {
    // Weak: the core owns the scoring clients that own this source.
    core: Weak<ClientCore>,
    endpoint: String,
}

fn unix(seconds: i64) -> Option<OffsetDateTime> {
    (seconds > 0)
        .then(|| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .flatten()
}

#[async_trait::async_trait]
impl ScoringTargetSource for ArmScoringSource {
    async fn resolve(&self) -> Result<ScoringTarget> {
        let core = self
            .core
            .upgrade()
            .ok_or_else(|| Error::other("the MLClient of this scoring client was dropped"))?;
        let ops = OnlineEndpointOperations::new(core.clone());
        let endpoint = ops.get(&self.endpoint).await?;
        let uri = endpoint.scoring_uri().ok_or_else(|| {
            Error::validation(
                "scoring_uri",
                format!(
                    "endpoint `{}` has no scoring URI yet (is it provisioned?)",
                    self.endpoint
                ),
            )
        })?;
        let uri = Url::parse(uri).map_err(|e| {
            Error::decode("OnlineEndpoint", format!("scoringUri is not a URL: {e}"))
        })?;
        let auth = match ops
            .credentials_for(&self.endpoint, endpoint.auth_mode())
            .await?
        {
            EndpointCredentials::Keys(keys) => ScoringAuth::Key(
                keys.primary_key
                    .or(keys.secondary_key)
                    .ok_or_else(|| Error::decode("EndpointAuthKeys", "listKeys returned no key"))?,
            ),
            EndpointCredentials::AmlToken(token) => ScoringAuth::AmlToken {
                refresh_after: unix(token.refresh_after_time_utc),
                expires_on: unix(token.expiry_time_utc),
                token: token.access_token,
            },
            EndpointCredentials::AadToken(_) => ScoringAuth::AadToken(
                core.credential.clone(),
                format!(
                    "{}/.default",
                    core.endpoints.ml_audience.trim_end_matches('/')
                ),
            ),
        };
        Ok(ScoringTarget::new(uri, auth))
    }
}

impl ClientCore {
    /// The endpoint's scoring client, created on first use and kept for the client's life.
    pub(crate) fn scoring_client(self: &Arc<Self>, endpoint: &str) -> ScoringClient {
        let mut clients = self
            .scoring
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(endpoint.to_owned())
            .or_insert_with(|| {
                let source = Arc::new(ArmScoringSource {
                    core: Arc::downgrade(self),
                    endpoint: endpoint.to_owned(),
                });
                ScoringClient::from_source(source, self.http.clone(), self.options.redirect.clone())
            })
            .clone()
    }

    /// Drops the cached scoring client of an endpoint (after updates, key changes, deletes).
    pub(crate) fn forget_scoring_target(&self, endpoint: &str) {
        let mut clients = self
            .scoring
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.remove(endpoint);
    }
}
