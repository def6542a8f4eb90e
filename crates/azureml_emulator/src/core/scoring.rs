//! The scoring URI's front door: authentication by the endpoint's auth mode and the choice of
//! deployment (pin header, traffic weights, mirror traffic). The model call itself belongs to
//! whoever serves the core: a registered [`ScoreHandler`] in the fake workspace, real model
//! servers in the offline workspace.

use std::collections::BTreeMap;
use std::sync::Arc;

use azure_core::credentials::Secret;
use bytes::Bytes;
use serde_json::{json, Value};

use super::arm::now_unix;
use super::{CoreRequest, CoreResponse, CredentialKind, WorkspaceCore};

/// Header that pins a scoring request to one deployment.
pub const MODEL_DEPLOYMENT_HEADER: &str = "azureml-model-deployment";

/// An endpoint's authentication mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMode {
    /// `Key`: primary or secondary key.
    Key,
    /// `AMLToken`: a token from `POST …/token`.
    AmlToken,
    /// `AADToken`: an Entra token for the ML audience.
    AadToken,
}

/// What an endpoint accepts on its scoring URI.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EndpointAuth {
    /// The auth mode.
    pub mode: AuthMode,
    /// Primary key.
    pub primary_key: Secret,
    /// Secondary key.
    pub secondary_key: Secret,
    /// Unexpired AML tokens with their expiry (Unix seconds).
    pub tokens: Vec<(Secret, i64)>,
}

/// Where a scoring request goes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScoreTarget {
    /// Endpoint name.
    pub endpoint: String,
    /// The deployment that answers.
    pub deployment: String,
    /// `true` when the `azureml-model-deployment` header chose it.
    pub pinned: bool,
    /// A deployment that also gets a copy of this request (mirror traffic); its answer is
    /// discarded.
    pub mirror: Option<String>,
}

/// The outcome of [`WorkspaceCore::route_score`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ScoreRoute {
    /// Authenticated; send it to this deployment.
    Deployment(ScoreTarget),
    /// Refused (401, 404, …): send this answer.
    Rejected(CoreResponse),
}

/// A scoring request as the model sees it (the `Authorization` header removed).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ScoreRequest {
    /// Endpoint name.
    pub endpoint: String,
    /// The deployment chosen.
    pub deployment: String,
    /// `true` for the mirrored copy (its answer is discarded).
    pub mirror: bool,
    /// Request headers other than `Authorization`.
    pub headers: Vec<(String, String)>,
    /// The payload.
    pub body: Bytes,
}

impl ScoreRequest {
    /// The payload parsed as JSON (`Value::Null` when it isn't).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        super::header_value(&self.headers, name)
    }
}

/// What the stand-in model answers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScoreResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
    /// The latency the metrics record for this answer; the measured time when `None`.
    pub latency: Option<std::time::Duration>,
}

impl ScoreResponse {
    /// 200 with a JSON body.
    pub fn json(value: &Value) -> Self {
        Self {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Bytes::from(serde_json::to_vec(value).unwrap_or_default()),
            latency: None,
        }
    }

    /// A status with a plain-text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: Bytes::from(body.into()),
            latency: None,
        }
    }

    /// Sets the latency the metrics record for this answer (a stand-in model answers at once;
    /// tests of latency metrics say how long the real one would have taken).
    pub fn with_latency(mut self, latency: std::time::Duration) -> Self {
        self.latency = Some(latency);
        self
    }
}

/// The stand-in for the model behind a scoring URI. Called with the workspace locked: it must
/// not call back into the workspace.
pub type ScoreHandler = Arc<dyn Fn(&ScoreRequest) -> ScoreResponse + Send + Sync>;

fn scoring_error(status: u16, message: &str) -> CoreResponse {
    CoreResponse::json(status, &json!({ "message": message }))
        .with_header("x-request-id", uuid::Uuid::new_v4().to_string())
}

/// Integer weights of an endpoint resource's traffic map (`properties.traffic` or
/// `…mirrorTraffic`); entries that are not whole numbers are left out.
pub(crate) fn traffic_weights(resource: &Value, field: &str) -> BTreeMap<String, u32> {
    resource
        .pointer(&format!("/properties/{field}"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), u32::try_from(v.as_u64()?).ok()?)))
                .collect()
        })
        .unwrap_or_default()
}

impl WorkspaceCore {
    /// The auth settings of an endpoint (`None` when it doesn't exist).
    pub fn endpoint_auth(&self, endpoint: &str) -> Option<EndpointAuth> {
        let record = self.state.endpoints.get(endpoint)?;
        let mode = match record
            .resource
            .pointer("/properties/authMode")
            .and_then(Value::as_str)
        {
            Some("AMLToken") => AuthMode::AmlToken,
            Some("AADToken") => AuthMode::AadToken,
            _ => AuthMode::Key,
        };
        let now = now_unix();
        Some(EndpointAuth {
            mode,
            primary_key: Secret::new(record.keys.primary.clone()),
            secondary_key: Secret::new(record.keys.secondary.clone()),
            tokens: record
                .tokens
                .iter()
                .filter(|t| t.expires > now)
                .map(|t| (Secret::new(t.token.clone()), t.expires))
                .collect(),
        })
    }

    /// The live traffic weights of an endpoint (deployment → percent).
    pub fn traffic(&self, endpoint: &str) -> BTreeMap<String, u32> {
        self.state
            .endpoints
            .get(endpoint)
            .map(|r| traffic_weights(&r.resource, "traffic"))
            .unwrap_or_default()
    }

    /// The mirror traffic weights of an endpoint (deployment → percent).
    pub fn mirror_traffic(&self, endpoint: &str) -> BTreeMap<String, u32> {
        self.state
            .endpoints
            .get(endpoint)
            .map(|r| traffic_weights(&r.resource, "mirrorTraffic"))
            .unwrap_or_default()
    }

    /// An endpoint resource.
    pub fn endpoint(&self, endpoint: &str) -> Option<&Value> {
        self.state.endpoints.get(endpoint).map(|r| &r.resource)
    }

    fn check_scoring_auth(
        &mut self,
        endpoint: &str,
        credential: &CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> Result<(), CoreResponse> {
        let unauthorized = || {
            scoring_error(
                401,
                "Unauthorized: the credential is not valid for this endpoint.",
            )
        };
        if matches!(
            credential,
            CredentialKind::ArmToken
                | CredentialKind::StorageToken
                | CredentialKind::SharedKey
                | CredentialKind::StorageSas
        ) {
            self.log.violation(
                entry,
                request,
                credential.clone(),
                "a control-plane or storage credential was sent to a scoring URI",
            );
            return Err(unauthorized());
        }
        let Some(auth) = self.endpoint_auth(endpoint) else {
            return Err(unauthorized());
        };
        let bearer = request
            .header("authorization")
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
            .map(|(_, token)| token.trim().to_owned());
        let Some(token) = bearer else {
            return Err(unauthorized());
        };
        let ok = match auth.mode {
            AuthMode::Key => {
                token == auth.primary_key.secret() || token == auth.secondary_key.secret()
            }
            AuthMode::AmlToken => auth.tokens.iter().any(|(t, _)| t.secret() == token),
            AuthMode::AadToken => true,
        };
        if ok {
            Ok(())
        } else {
            Err(unauthorized())
        }
    }

    pub(crate) fn route_score_inner(
        &mut self,
        endpoint: &str,
        credential: &CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> ScoreRoute {
        if !request.url.path().ends_with("/score") {
            return ScoreRoute::Rejected(scoring_error(
                404,
                &format!(
                    "The fake scoring service has no route {}",
                    request.url.path()
                ),
            ));
        }
        if !self.state.endpoints.contains_key(endpoint) {
            return ScoreRoute::Rejected(scoring_error(
                404,
                &format!("Endpoint '{endpoint}' does not exist."),
            ));
        }
        if let Err(response) = self.check_scoring_auth(endpoint, credential, request, entry) {
            return ScoreRoute::Rejected(response);
        }
        let Some(record) = self.state.endpoints.get_mut(endpoint) else {
            return ScoreRoute::Rejected(scoring_error(404, "Endpoint does not exist."));
        };
        if let Some(pin) = request.header(MODEL_DEPLOYMENT_HEADER).map(str::trim) {
            if !record.deployments.contains_key(pin) {
                return ScoreRoute::Rejected(scoring_error(
                    404,
                    &format!("Deployment '{pin}' not found under endpoint '{endpoint}'."),
                ));
            }
            return ScoreRoute::Deployment(ScoreTarget {
                endpoint: endpoint.to_owned(),
                deployment: pin.to_owned(),
                pinned: true,
                mirror: None,
            });
        }
        let live: Vec<(String, i64)> = traffic_weights(&record.resource, "traffic")
            .into_iter()
            .filter(|(d, w)| *w > 0 && record.deployments.contains_key(d))
            .map(|(d, w)| (d, i64::from(w)))
            .collect();
        let total: i64 = live.iter().map(|(_, w)| w).sum();
        if total == 0 {
            return ScoreRoute::Rejected(scoring_error(
                404,
                "No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.",
            ));
        }
        // Smooth weighted round-robin: deterministic, and exact over any window of `total`.
        let mut best: Option<(String, i64)> = None;
        for (d, w) in &live {
            let current = record.swrr.entry(d.clone()).or_insert(0);
            *current += w;
            if best.as_ref().is_none_or(|(_, b)| *current > *b) {
                best = Some((d.clone(), *current));
            }
        }
        let Some((chosen, _)) = best else {
            return ScoreRoute::Rejected(scoring_error(404, "No valid deployments to route to."));
        };
        if let Some(current) = record.swrr.get_mut(&chosen) {
            *current -= total;
        }
        let mut mirror = None;
        for (d, w) in traffic_weights(&record.resource, "mirrorTraffic") {
            if w == 0 || !record.deployments.contains_key(&d) {
                continue;
            }
            let acc = record.mirror_acc.entry(d.clone()).or_insert(0);
            *acc += i64::from(w);
            if *acc >= 100 {
                *acc -= 100;
                mirror = Some(d);
            }
        }
        ScoreRoute::Deployment(ScoreTarget {
            endpoint: endpoint.to_owned(),
            deployment: chosen,
            pinned: false,
            mirror,
        })
    }

    pub(crate) fn call_score_handler(
        &mut self,
        target: &ScoreTarget,
        request: &CoreRequest,
    ) -> CoreResponse {
        let Some(handler) = self.score_handler.clone() else {
            return scoring_error(
                424,
                "No scoring handler is registered in the fake workspace (FakeWorkspace::on_score): \
                 the fake stands in for the model and has nothing to answer with.",
            )
            .with_header(MODEL_DEPLOYMENT_HEADER, target.deployment.clone());
        };
        let headers: Vec<(String, String)> = request
            .headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .cloned()
            .collect();
        let mut score = ScoreRequest {
            endpoint: target.endpoint.clone(),
            deployment: target.deployment.clone(),
            mirror: false,
            headers,
            body: request.body.clone(),
        };
        let started = self.monitor_now();
        let answer = handler(&score);
        let request_id = self.observe_score(target, request, &answer, started);
        if let Some(mirror) = &target.mirror {
            score.deployment = mirror.clone();
            score.mirror = true;
            let _discarded = handler(&score);
        }
        CoreResponse {
            status: answer.status,
            headers: answer.headers,
            body: answer.body,
        }
        .with_header(MODEL_DEPLOYMENT_HEADER, target.deployment.clone())
        .with_header("x-request-id", request_id)
    }
}
