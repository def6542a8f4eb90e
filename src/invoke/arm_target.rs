//! Scoring targets resolved through ARM: an endpoint's scoring URI and auth mode from its GET,
//! and its credentials by auth mode (`listKeys`, `token`, or an Entra token for the ML audience).
//! The source also remembers which deployments the endpoint is known to have (its traffic and
//! mirror-traffic keys, then its deployment list when asked), so a call pinned to a deployment
//! that does not exist fails before its payload is sent.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;

use azure_core::credentials::{AccessToken, TokenCredential};
use azure_core::http::{pager::PagerOptions, Context, Url};
use time::OffsetDateTime;

use super::target::{ScoringAuth, ScoringTarget, ScoringTargetSource};
use crate::arm::{resources, ArmClient};
use crate::entities::{AuthMode, EndpointAuthKeys, EndpointAuthToken, OnlineEndpoint};
use crate::error::{Error, Result};

/// What [`OnlineEndpointOperations::get_keys`](crate::OnlineEndpointOperations::get_keys)
/// returns, by the endpoint's auth mode.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EndpointCredentials {
    /// `key` auth: the two keys.
    Keys(EndpointAuthKeys),
    /// `aml_token` auth: a scoring token with its expiry.
    AmlToken(EndpointAuthToken),
    /// `aad_token` auth: an Entra token for the ML audience from the client's credential.
    AadToken(AccessToken),
}

/// ARM access for scoring: the ARM client, and the credential with the ML audience's scope for
/// `aad_token` endpoints.
#[derive(Clone)]
pub(crate) struct ArmScoring {
    pub(crate) arm: ArmClient,
    pub(crate) credential: Arc<dyn TokenCredential>,
    /// `{ml audience}/.default`.
    pub(crate) ml_scope: String,
}

impl std::fmt::Debug for ArmScoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmScoring")
            .field("arm", &self.arm)
            .field("ml_scope", &self.ml_scope)
            .finish_non_exhaustive()
    }
}

impl ArmScoring {
    /// The endpoint's credentials for `mode`.
    pub(crate) async fn credentials(
        &self,
        endpoint: &str,
        mode: &AuthMode,
        ctx: &Context<'_>,
    ) -> Result<EndpointCredentials> {
        let path = resources::online_endpoint(self.arm.api(), endpoint);
        let no_body = None::<&()>;
        match mode {
            AuthMode::Key => Ok(EndpointCredentials::Keys(
                self.arm
                    .post_secrets(&path.join("listKeys"), no_body, "EndpointAuthKeys", ctx)
                    .await?,
            )),
            AuthMode::AmlToken => Ok(EndpointCredentials::AmlToken(
                self.arm
                    .post_secrets(&path.join("token"), no_body, "EndpointAuthToken", ctx)
                    .await?,
            )),
            AuthMode::AadToken => {
                let token = self
                    .credential
                    .get_token(&[self.ml_scope.as_str()], None)
                    .await?;
                Ok(EndpointCredentials::AadToken(token))
            }
            other => Err(Error::validation(
                "auth_mode",
                format!(
                    "unknown auth mode `{}`: expected key, aml_token or aad_token",
                    other.as_str()
                ),
            )),
        }
    }
}

/// Resolves one endpoint through ARM: GET the endpoint (scoring URI, auth mode), then its
/// credentials.
#[derive(Debug)]
pub(crate) struct ArmScoringSource {
    pub(crate) arm: ArmScoring,
    pub(crate) endpoint: String,
    /// Lower-cased names of the deployments the endpoint is known to have: the traffic and
    /// mirror-traffic keys of the last endpoint GET, and the last deployment list.
    deployments: Mutex<BTreeSet<String>>,
}

/// Just the name of a listed deployment (the rest of it is not needed here).
#[derive(serde::Deserialize)]
struct NamedResource {
    name: Option<String>,
}

impl ArmScoringSource {
    /// The source of `endpoint`'s scoring target.
    pub(crate) fn new(arm: ArmScoring, endpoint: &str) -> Self {
        Self {
            arm,
            endpoint: endpoint.to_owned(),
            deployments: Mutex::default(),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.deployments
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the endpoint is known to have `deployment` (names compare case-insensitively,
    /// as the service's do).
    pub(crate) fn knows(&self, deployment: &str) -> bool {
        self.known().contains(&deployment.to_lowercase())
    }

    /// Lists the endpoint's deployments (ARM), remembers them, and returns their names.
    ///
    /// # Errors
    /// As any ARM list (404 when the endpoint does not exist).
    pub(crate) async fn list_deployments(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let path = resources::online_deployments(self.arm.arm.api(), &self.endpoint);
        let listed: Vec<NamedResource> = self
            .arm
            .arm
            .list(
                &path,
                PagerOptions {
                    context: ctx.clone(),
                    ..Default::default()
                },
            )?
            .try_collect()
            .await?;
        let names: Vec<String> = listed.into_iter().filter_map(|d| d.name).collect();
        *self.known() = names.iter().map(|n| n.to_lowercase()).collect();
        Ok(names)
    }
}

fn unix(seconds: i64) -> Option<OffsetDateTime> {
    (seconds > 0)
        .then(|| OffsetDateTime::from_unix_timestamp(seconds).ok())
        .flatten()
}

#[async_trait::async_trait]
impl ScoringTargetSource for ArmScoringSource {
    async fn resolve(&self) -> Result<ScoringTarget> {
        let ctx = Context::new();
        let endpoint: OnlineEndpoint = self
            .arm
            .arm
            .get(
                &resources::online_endpoint(self.arm.arm.api(), &self.endpoint),
                "OnlineEndpoint",
                &ctx,
            )
            .await?;
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
        // Deployments with live or mirrored traffic exist; others are listed when pinned.
        *self.known() = endpoint
            .traffic()
            .keys()
            .chain(endpoint.mirror_traffic().keys())
            .map(|name| name.to_lowercase())
            .collect();
        if endpoint.auth_mode() == &AuthMode::AadToken {
            // The scoring client fetches (and renews) the token from the credential itself.
            return Ok(ScoringTarget::new(
                uri,
                ScoringAuth::AadToken(self.arm.credential.clone(), self.arm.ml_scope.clone()),
            ));
        }
        let auth = match self
            .arm
            .credentials(&self.endpoint, endpoint.auth_mode(), &ctx)
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
            EndpointCredentials::AadToken(_) => {
                ScoringAuth::AadToken(self.arm.credential.clone(), self.arm.ml_scope.clone())
            }
        };
        Ok(ScoringTarget::new(uri, auth))
    }
}
