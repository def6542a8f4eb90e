//! The scoring router: what a managed endpoint's front door does, with Azure's status codes.
//!
//! Auth by the endpoint's mode, a deployment chosen by the `azureml-model-deployment` header or
//! by smooth weighted round-robin over the traffic weights, mirror traffic copied to the shadow
//! deployment in the background, 429 past `2 × max_concurrent_requests_per_instance × instances`
//! requests in flight, 408 past `request_timeout_ms`, 424 (with the model's body) when the model
//! answers anything but 200. Per-deployment request counts and latencies are kept, and every
//! live call routed to a deployment is recorded in the core's
//! [`MetricsRecorder`](crate::core::monitor::MetricsRecorder) (status, latency of answers from
//! the model; the router's own refusals counted apart, without a latency), stamped by the core's
//! clock: the metrics API and the autoscaler read what really happened.
//!
//! No call is dropped on purpose: a call that cannot connect to its instance is sent once to
//! another ready instance of the same deployment; a call that finds its deployment's processes
//! being replaced goes to the new ones; when no instance can answer, the 503 carries a
//! `Retry-After` sized to the instance's restart.

mod table;
mod target;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{self, HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;

use crate::core::monitor::{Clock, MetricsRecorder, RequestStatus};
use crate::local::collector::{Collecting, DataCollector, Exchange};
use crate::local::supervisor::InstanceState;
use crate::local::upstream::{self, Outcome};

pub(crate) use table::{AuthMode, EndpointConfig, RoutingTables, Serving, ServingMap};
pub(crate) use target::DeploymentTarget;
pub use target::RequestStats;

/// The router's answer.
#[derive(Debug)]
pub(crate) struct ScoreResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// True when the model (or its timeout) produced the answer, not the router's own checks.
    answered: bool,
    /// The instance whose model answered.
    served_by: Option<Arc<InstanceState>>,
}

impl ScoreResponse {
    fn error(status: u16, message: &str) -> Self {
        let body = serde_json::json!({ "message": message }).to_string();
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Self {
            status,
            headers,
            body: Bytes::from(body),
            answered: false,
            served_by: None,
        }
    }

    /// 503 with `Retry-After` (whole seconds) and `retry-after-ms`: come back then.
    fn unavailable(message: &str, retry_after: Duration) -> Self {
        let mut response = Self::error(503, message);
        let millis = retry_after.as_millis();
        response.headers.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from(millis.div_ceil(1000) as u64),
        );
        response.headers.insert(
            HeaderName::from_static("retry-after-ms"),
            HeaderValue::from(millis as u64),
        );
        response
    }

    fn timed_out(timeout: Duration) -> Self {
        let mut response = Self::error(
            408,
            &format!(
                "Request timed out after {} ms (request_timeout_ms).",
                timeout.as_millis()
            ),
        );
        response.answered = true;
        response
    }
}

/// What forwarding to one instance ended with.
enum Attempt {
    /// An answer for the caller.
    Done(ScoreResponse),
    /// No connection could be made: nothing reached the model, another instance may take it.
    NotConnected,
    /// The reply broke off after the request was sent.
    Broken(String),
}

/// Retry-After for a deployment whose first processes are starting.
const STARTING_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Header that pins a request to a deployment.
pub(crate) const DEPLOYMENT_HEADER: &str = "azureml-model-deployment";

/// Request headers not forwarded to the model server.
const NOT_FORWARDED: &[&str] = &[
    "authorization",
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
    "x-azml-original-host",
];

/// Where the router's observations go: the core's metrics recorder, stamped by its clock.
#[derive(Clone, Debug)]
pub(crate) struct Observer {
    pub(crate) recorder: Arc<MetricsRecorder>,
    pub(crate) clock: Arc<dyn Clock>,
}

impl Observer {
    /// One live call routed to `deployment`: a model answer with its latency, or a refusal of
    /// the router's own (counted, no latency).
    fn record(
        &self,
        endpoint: &str,
        deployment: &str,
        response: &ScoreResponse,
        latency: Duration,
        at: time::OffsetDateTime,
    ) {
        let status = if response.answered {
            RequestStatus::Model(response.status)
        } else {
            RequestStatus::Rejected(response.status)
        };
        self.recorder
            .record_request(endpoint, deployment, status, latency, at);
    }
}

/// The router.
pub(crate) struct Router {
    tables: Arc<RoutingTables>,
    observer: Observer,
    /// Where sampled exchanges of collecting deployments go.
    collector: Option<Arc<DataCollector>>,
}

/// Now, in Unix seconds (AML token expiry).
fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl Router {
    pub(crate) fn new(
        tables: Arc<RoutingTables>,
        observer: Observer,
        collector: Option<Arc<DataCollector>>,
    ) -> Self {
        Self {
            tables,
            observer,
            collector,
        }
    }

    /// Scores one request sent to `endpoint`.
    pub(crate) async fn score(
        &self,
        endpoint: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
    ) -> ScoreResponse {
        let Some(route) = self.tables.endpoint(endpoint) else {
            return ScoreResponse::error(404, &format!("Endpoint '{endpoint}' not found."));
        };
        let authorization = headers
            .get(http::header::AUTHORIZATION)
            .map(HeaderValue::as_bytes);
        if !route.authorized(authorization, now_unix) {
            return ScoreResponse::error(
                401,
                "Authentication failed: the Authorization header is missing or carries an invalid key or token.",
            );
        }
        let pinned = headers
            .get(DEPLOYMENT_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let (deployment, mirrors) = match pinned {
            Some(name) => {
                if !route.config.deployments.contains(name) {
                    return ScoreResponse::error(
                        404,
                        &format!("Deployment '{name}' not found on endpoint '{endpoint}'."),
                    );
                }
                // A pinned request is not live traffic: Azure does not mirror it.
                (name, Vec::new())
            }
            None => match route.choose() {
                Some(choice) => choice,
                None => {
                    return ScoreResponse::error(
                        404,
                        "No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.",
                    )
                }
            },
        };
        let forwarded = forwarded_headers(headers);
        let path = match query.filter(|q| !q.is_empty()) {
            Some(q) => format!("/score?{q}"),
            None => "/score".to_owned(),
        };
        for shadow in mirrors {
            self.mirror(endpoint, shadow, &forwarded, &path, body.clone());
        }
        let collecting = route.collecting(deployment).cloned();
        let mut response = self
            .score_on(endpoint, deployment, &forwarded, &path, body, collecting)
            .await;
        if let Ok(value) = HeaderValue::from_str(deployment) {
            response
                .headers
                .insert(HeaderName::from_static(DEPLOYMENT_HEADER), value);
        }
        response
    }

    /// Sends a live call to `deployment`, records how it ended in the metrics and, when the
    /// deployment collects data and samples this call, hands the exchange to the collector.
    async fn score_on(
        &self,
        endpoint: &str,
        deployment: &str,
        headers: &HeaderMap,
        path: &str,
        body: Bytes,
        collecting: Option<Arc<Collecting>>,
    ) -> ScoreResponse {
        let at = self.observer.clock.now();
        let started = Instant::now();
        let request_body = collecting.as_ref().map(|_| body.clone());
        let mut response = self
            .score_on_deployment(endpoint, deployment, headers, path, body)
            .await;
        self.observer
            .record(endpoint, deployment, &response, started.elapsed(), at);
        if let (Some(collecting), Some(collector), Some(request_body)) =
            (collecting, &self.collector, request_body)
        {
            self.collect(
                collector,
                collecting,
                (endpoint, deployment, path, at),
                headers,
                request_body,
                &mut response,
            );
        }
        response
    }

    /// Hands a sampled answered call to the collector; its answer gets the correlation id
    /// as `x-request-id`.
    fn collect(
        &self,
        collector: &DataCollector,
        collecting: Arc<Collecting>,
        (endpoint, deployment, path, at): (&str, &str, &str, time::OffsetDateTime),
        headers: &HeaderMap,
        request_body: Bytes,
        response: &mut ScoreResponse,
    ) {
        if response.status != 200 || !response.answered {
            return;
        }
        let Some(instance) = response.served_by.as_ref() else {
            return;
        };
        let Some(index) = collecting.sample() else {
            return;
        };
        let correlation_id = uuid::Uuid::new_v4().to_string();
        if let Ok(value) = HeaderValue::from_str(&correlation_id) {
            response
                .headers
                .insert(HeaderName::from_static("x-request-id"), value);
        }
        let content_type = |h: &HeaderMap| {
            h.get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        collector.submit(Exchange {
            collecting,
            index,
            endpoint: endpoint.to_owned(),
            deployment: deployment.to_owned(),
            correlation_id,
            path: path.to_owned(),
            request_body,
            request_content_type: content_type(headers),
            response_body: response.body.clone(),
            response_content_type: content_type(&response.headers),
            time: at,
            instance_id: instance.id.clone(),
        });
    }

    /// Sends a live call to `deployment`, following it to new processes if the ones it found
    /// are being replaced.
    async fn score_on_deployment(
        &self,
        endpoint: &str,
        deployment: &str,
        headers: &HeaderMap,
        path: &str,
        body: Bytes,
    ) -> ScoreResponse {
        // Two looks: the second finds the processes that replaced retired ones.
        for _ in 0..2 {
            let target = match self.tables.serving(endpoint, deployment) {
                Serving::Ready(target) => target,
                Serving::Starting => {
                    return ScoreResponse::unavailable(
                        &format!("Deployment '{deployment}' has no running instances yet."),
                        STARTING_RETRY_AFTER,
                    )
                }
                Serving::Failed(reason) => {
                    return ScoreResponse::error(
                        424,
                        &format!(
                            "Deployment '{deployment}' failed and serves no calls ({reason}). Update or re-create it."
                        ),
                    )
                }
            };
            let Some(slot) = target.acquire() else {
                let response = ScoreResponse::error(
                    429,
                    "Too many requests: the deployment is at its max_concurrent_requests_per_instance limit.",
                );
                target.record(response.status, None);
                return response;
            };
            if target.is_retired() {
                continue;
            }
            let started = Instant::now();
            let response = forward(&target, headers, path, body).await;
            drop(slot);
            target.record(
                response.status,
                response.answered.then(|| started.elapsed()),
            );
            return response;
        }
        ScoreResponse::unavailable(
            &format!("Deployment '{deployment}' is being replaced; retry."),
            STARTING_RETRY_AFTER,
        )
    }

    /// Sends a copy to a shadow deployment in the background; its answer is dropped.
    fn mirror(
        &self,
        endpoint: &str,
        deployment: &str,
        headers: &HeaderMap,
        path: &str,
        body: Bytes,
    ) {
        let Serving::Ready(target) = self.tables.serving(endpoint, deployment) else {
            return;
        };
        let Some(instance) = target.pick(None) else {
            return;
        };
        let Some(slot) = target.acquire() else {
            return;
        };
        let Some(call) = instance.enter() else {
            return;
        };
        target.mirrored.fetch_add(1, Ordering::Relaxed);
        let (port, _) = instance.address();
        let Some(request) =
            upstream::request(http::Method::POST, port, path, headers.clone(), body)
        else {
            return;
        };
        let limit = target.request_timeout;
        tokio::spawn(async move {
            let _slot = slot;
            let _call = call;
            let _ = upstream::call(port, request, limit).await;
        });
    }
}

/// The caller's headers the model sees (a JSON content type when none was given).
fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let mut forwarded = HeaderMap::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            forwarded.append(name.clone(), value.clone());
        }
    }
    if !forwarded.contains_key(http::header::CONTENT_TYPE) {
        forwarded.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    forwarded
}

/// Sends the call (its slot already taken) to a ready instance; a call that cannot connect,
/// or that picked an instance starting to drain, goes once to another ready instance.
async fn forward(
    target: &DeploymentTarget,
    headers: &HeaderMap,
    path: &str,
    body: Bytes,
) -> ScoreResponse {
    let mut tried: Option<Arc<InstanceState>> = None;
    for _ in 0..2 {
        let Some(instance) = target.pick(tried.as_ref()) else {
            break;
        };
        tried = Some(instance.clone());
        let Some(call) = instance.enter() else {
            continue;
        };
        let (_, pid) = instance.address();
        let outcome = attempt(target, &instance, headers, path, body.clone()).await;
        drop(call);
        match outcome {
            Attempt::Done(response) => return response,
            Attempt::NotConnected => continue,
            Attempt::Broken(_) if instance.gone(pid) || died_soon(&instance, pid).await => break,
            Attempt::Broken(e) => {
                return ScoreResponse::error(
                    502,
                    &format!("The model server's reply broke off: {e}"),
                )
            }
        }
    }
    ScoreResponse::unavailable(
        "No healthy instance is ready to serve the request; an instance is (re)starting.",
        target.retry_after(),
    )
}

/// Whether an instance whose reply broke off turns out to be dying: when its process group is
/// killed, the worker's socket is reset a moment before the group leader is seen dead, so it
/// looks again for up to 50 ms (only broken replies pay this) before calling the break a 502.
async fn died_soon(instance: &InstanceState, pid: u32) -> bool {
    for _ in 0..10 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        if instance.gone(pid) {
            return true;
        }
    }
    false
}

async fn attempt(
    target: &DeploymentTarget,
    instance: &Arc<InstanceState>,
    headers: &HeaderMap,
    path: &str,
    body: Bytes,
) -> Attempt {
    let (port, _) = instance.address();
    let Some(request) = upstream::request(http::Method::POST, port, path, headers.clone(), body)
    else {
        return Attempt::Done(ScoreResponse::error(
            400,
            "The request cannot be forwarded.",
        ));
    };
    let (status, content_type, body) =
        match upstream::call(port, request, target.request_timeout).await {
            Outcome::Answer {
                status,
                content_type,
                body,
            } => (status, content_type, body),
            Outcome::TimedOut => {
                return Attempt::Done(ScoreResponse::timed_out(target.request_timeout))
            }
            Outcome::NotConnected => return Attempt::NotConnected,
            Outcome::Broken(e) => return Attempt::Broken(e),
        };
    if status == 500 && is_scoring_timeout(&body) {
        // azmlinfsrv's own SCORING_TIMEOUT_MS fired first: the same timeout, said Azure's way.
        return Attempt::Done(ScoreResponse::timed_out(target.request_timeout));
    }
    let mut headers = HeaderMap::new();
    if let Some(ct) = content_type {
        headers.insert(http::header::CONTENT_TYPE, ct);
    }
    // Azure answers 424 for any model failure and passes the model's body through.
    let status = if status == 200 { 200 } else { 424 };
    Attempt::Done(ScoreResponse {
        status,
        headers,
        body,
        answered: true,
        served_by: Some(instance.clone()),
    })
}

/// True for azmlinfsrv's answer to a `run()` that outlived `SCORING_TIMEOUT_MS`.
fn is_scoring_timeout(body: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"Scoring timeout after";
    body.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

#[cfg(test)]
mod tests;
