//! One cached [`ScoringClient`] per endpoint of an `MLClient`, so that steady-state invokes
//! cost exactly one HTTP request, and the check that a pinned deployment exists before its
//! payload is sent.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use azure_core::http::Context;
use url::Url;

use super::arm_target::{ArmScoring, ArmScoringSource};
use super::client::ScoringClient;
use super::limits::ScoringLimits;
use super::request::{Body, InvokeRequest};
use super::response::InvokeResponse;
use super::wire::ScoringHttp;
use crate::error::{Error, Result};

/// The cached client of one endpoint and the source it resolves through.
#[derive(Clone)]
struct Cached {
    client: ScoringClient,
    source: Arc<ArmScoringSource>,
}

/// The per-endpoint scoring clients of one `MLClient`, sharing its HTTP settings.
pub(crate) struct ScoringClients {
    arm: ArmScoring,
    http: ScoringHttp,
    redirect: Option<Url>,
    limits: ScoringLimits,
    /// By lower-cased endpoint name (ARM names are case-insensitive).
    clients: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for ScoringClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScoringClients")
            .field("arm", &self.arm)
            .finish_non_exhaustive()
    }
}

impl ScoringClients {
    /// No clients yet; each is created on first use with `http` (and `redirect`, for fakes).
    pub(crate) fn new(
        arm: ArmScoring,
        http: ScoringHttp,
        redirect: Option<Url>,
        limits: ScoringLimits,
    ) -> Self {
        Self {
            arm,
            http,
            redirect,
            limits,
            clients: Mutex::default(),
        }
    }

    /// ARM access for scoring (endpoint credentials by auth mode).
    pub(crate) fn arm(&self) -> &ArmScoring {
        &self.arm
    }

    /// The endpoint's scoring client, created on first use and kept for the client's life.
    pub(crate) fn get(&self, endpoint: &str) -> ScoringClient {
        self.cached(endpoint).client
    }

    fn cached(&self, endpoint: &str) -> Cached {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients
            .entry(endpoint.to_lowercase())
            .or_insert_with(|| {
                let source = Arc::new(ArmScoringSource::new(self.arm.clone(), endpoint));
                let client = ScoringClient::with_wire(
                    source.clone(),
                    self.http.wire(),
                    self.redirect.clone(),
                    self.http.limits(self.limits),
                );
                Cached { client, source }
            })
            .clone()
    }

    /// Invokes the endpoint through its cached client. A request pinned to a deployment the
    /// endpoint is not known to have (not in its traffic) lists the endpoint's deployments
    /// first, and fails without sending the payload when the deployment is not among them; a
    /// scoring 404 on a pinned request lists them once more, to tell a deployment deleted since
    /// from a 404 of the model itself.
    ///
    /// # Errors
    /// [`Error::Validation`] on `deployment` when the endpoint has no such deployment; as
    /// [`ScoringClient::invoke`] otherwise.
    pub(crate) async fn invoke(
        &self,
        endpoint: &str,
        request: &InvokeRequest,
        ctx: &Context<'_>,
    ) -> Result<InvokeResponse> {
        let Cached { client, source } = self.cached(endpoint);
        let Some(deployment) = request.pinned_deployment() else {
            return client.invoke(request).await;
        };
        // What the invoke would refuse before sending, refused before the lookups too.
        if let Some((field, rule)) = &request.invalid {
            return Err(Error::validation(field.clone(), rule.clone()));
        }
        if let Body::File(path) = &request.body {
            tokio::fs::metadata(path)
                .await
                .map_err(|e| Error::io(path.clone(), e))?;
        }
        // Resolving first costs nothing extra (the invoke would) and reads the traffic.
        client.resolve().await?;
        if !source.knows(deployment) {
            require_deployment(&source, deployment, ctx).await?;
        }
        match client.invoke(request).await {
            Err(e) if e.status() == Some(404) => {
                require_deployment(&source, deployment, ctx).await?;
                Err(e)
            }
            other => other,
        }
    }

    /// Drops the cached client of an endpoint (after updates, key changes, deletes).
    pub(crate) fn forget(&self, endpoint: &str) {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        clients.remove(&endpoint.to_lowercase());
    }
}

/// Lists the endpoint's deployments; fails naming `deployment` when it is not among them.
async fn require_deployment(
    source: &ArmScoringSource,
    deployment: &str,
    ctx: &Context<'_>,
) -> Result<()> {
    let names = source.list_deployments(ctx).await?;
    if names.iter().any(|n| n.eq_ignore_ascii_case(deployment)) {
        return Ok(());
    }
    let have = if names.is_empty() {
        "it has none".to_owned()
    } else {
        format!("it has {}", names.join(", "))
    };
    Err(Error::validation(
        "deployment",
        format!(
            "endpoint `{}` has no deployment `{deployment}` ({have}); nothing was sent",
            source.endpoint
        ),
    ))
}
