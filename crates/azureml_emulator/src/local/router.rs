//! The scoring router: what a managed endpoint's front door does, with Azure's status codes.
//!
//! Auth by the endpoint's mode, a deployment chosen by the `azureml-model-deployment` header or
//! by smooth weighted round-robin over the traffic weights, mirror traffic copied to the shadow
//! deployment in the background, 429 past `2 × max_concurrent_requests_per_instance × instances`
//! requests in flight, 408 past `request_timeout_ms`, 424 (with the model's body) when the model
//! answers anything but 200. Per-deployment request counts and latencies are kept.
//!
//! No call is dropped on purpose: a call that cannot connect to its instance is sent once to
//! another ready instance of the same deployment; a call that finds its deployment's processes
//! being replaced goes to the new ones; when no instance can answer, the 503 carries a
//! `Retry-After` sized to the instance's restart.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{self, HeaderMap, HeaderValue};
use azure_core::credentials::Secret;
use bytes::Bytes;

use crate::local::supervisor::InstanceState;
use crate::local::sys;

/// How callers of an endpoint authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthMode {
    /// `Authorization: Bearer <primary or secondary key>`.
    Key,
    /// A token from the endpoint's `token` action, until it expires.
    AmlToken,
    /// An Entra token for the ML audience. Offline there is no Entra to check it against, so
    /// any bearer token is taken.
    AadToken,
}

/// What the router needs to know about an endpoint, read fresh for every request.
#[derive(Clone, Debug)]
pub(crate) struct EndpointConfig {
    pub(crate) auth_mode: AuthMode,
    /// Current primary and secondary keys.
    pub(crate) keys: Vec<Secret>,
    /// Issued AML tokens with their expiry (Unix seconds).
    pub(crate) tokens: Vec<(Secret, i64)>,
    /// Live traffic weights by deployment.
    pub(crate) traffic: BTreeMap<String, u32>,
    /// Mirror percentages by deployment.
    pub(crate) mirror: BTreeMap<String, u32>,
}

/// What the router can do with a deployment right now.
pub(crate) enum Serving {
    /// Instances serve it.
    Ready(Arc<DeploymentTarget>),
    /// Its first processes are starting.
    Starting,
    /// It could not start; the message says why.
    Failed(String),
}

/// Where the router finds endpoints and running deployments.
pub(crate) trait Backends: Send + Sync {
    /// The endpoint's configuration, `None` when it does not exist.
    fn endpoint(&self, name: &str) -> Option<EndpointConfig>;
    /// True when the endpoint has a deployment of that name (running or not).
    fn deployment_exists(&self, endpoint: &str, deployment: &str) -> bool;
    /// Whether a deployment serves, starts or failed.
    fn serving(&self, endpoint: &str, deployment: &str) -> Serving;
}

/// Latencies kept per deployment (the most recent ones).
const LATENCY_WINDOW: usize = 100_000;

/// Request counts and latencies of one deployment.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestStats {
    /// Requests routed to the deployment as live traffic (any outcome).
    pub requests: u64,
    /// Mirror copies sent to the deployment.
    pub mirrored_requests: u64,
    /// Live requests by the status the caller got.
    pub status_counts: BTreeMap<u16, u64>,
    /// Router-measured latencies of recent live requests the model answered (or timed out
    /// on), in milliseconds, oldest first; calls turned away with 429 or 503 are not in it.
    pub latencies_ms: Vec<f64>,
    /// Requests (live and mirrored) in flight right now.
    pub in_flight: usize,
}

impl RequestStats {
    /// The `p`-th percentile (0–100) of [`RequestStats::latencies_ms`], `None` when empty.
    pub fn latency_percentile_ms(&self, p: f64) -> Option<f64> {
        let mut sorted = self.latencies_ms.clone();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let rank = ((p.clamp(0.0, 100.0) / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted.get(rank).copied()
    }
}

#[derive(Default)]
struct StatsInner {
    status_counts: BTreeMap<u16, u64>,
    latencies_ms: VecDeque<f64>,
}

/// A deployment's running instances plus its request limits and counters.
pub(crate) struct DeploymentTarget {
    pub(crate) instances: Vec<Arc<InstanceState>>,
    pub(crate) max_concurrent_per_instance: u32,
    pub(crate) request_timeout: Duration,
    in_flight: AtomicUsize,
    next_instance: AtomicUsize,
    requests: AtomicU64,
    mirrored: AtomicU64,
    stats: Mutex<StatsInner>,
    /// Set when newer processes (or none) replace these: calls go elsewhere from then on.
    retired: AtomicBool,
    /// Woken when the last in-flight call of a retired target ends.
    idle: tokio::sync::Notify,
}

impl std::fmt::Debug for DeploymentTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploymentTarget")
            .field("instances", &self.instances.len())
            .finish_non_exhaustive()
    }
}

impl DeploymentTarget {
    pub(crate) fn new(
        instances: Vec<Arc<InstanceState>>,
        max_concurrent_per_instance: u32,
        request_timeout: Duration,
    ) -> Self {
        Self {
            instances,
            max_concurrent_per_instance,
            request_timeout,
            in_flight: AtomicUsize::new(0),
            next_instance: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            mirrored: AtomicU64::new(0),
            stats: Mutex::new(StatsInner::default()),
            retired: AtomicBool::new(false),
            idle: tokio::sync::Notify::new(),
        }
    }

    /// Takes these processes out of rotation; calls already holding a slot finish.
    pub(crate) fn retire(&self) {
        // SeqCst pairs with `acquire`: a call either sees the flag or is counted in flight.
        self.retired.store(true, Ordering::SeqCst);
    }

    fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Waits until no call is in flight, or `limit` has passed.
    pub(crate) async fn drained(&self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.idle.notified();
            tokio::pin!(notified);
            // Registered before the check, so a call ending in between still wakes us.
            notified.as_mut().enable();
            if self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return;
            }
        }
    }

    /// In-flight requests allowed before 429 (Azure: 2 × per-instance limit × instances).
    pub(crate) fn max_in_flight(&self) -> usize {
        2 * self.max_concurrent_per_instance.max(1) as usize * self.instances.len().max(1)
    }

    /// Next ready instance, round-robin, other than `except`.
    fn pick(&self, except: Option<usize>) -> Option<usize> {
        let n = self.instances.len();
        let start = self.next_instance.fetch_add(1, Ordering::Relaxed);
        (0..n).map(|i| (start + i) % n).find(|&i| {
            Some(i) != except
                && self
                    .instances
                    .get(i)
                    .is_some_and(|s| s.ready.load(Ordering::Acquire))
        })
    }

    fn port(&self, instance: usize) -> u16 {
        self.instances
            .get(instance)
            .map_or(0, |s| s.port.load(Ordering::Acquire))
    }

    /// How long a caller turned away should wait: the soonest any instance is back.
    fn retry_after(&self) -> Duration {
        self.instances
            .iter()
            .map(|i| i.retry_after())
            .min()
            .unwrap_or(Duration::from_secs(1))
    }

    /// True when the instance's server went away (not ready, or its process is gone).
    fn instance_gone(&self, instance: usize, pid: u32) -> bool {
        self.instances.get(instance).is_none_or(|s| {
            !s.ready.load(Ordering::Acquire)
                || s.pid.load(Ordering::Acquire) != pid
                || !sys::process_running(pid)
        })
    }

    /// Takes an in-flight slot, or `None` when the deployment is at its limit.
    fn acquire(self: &Arc<Self>) -> Option<InFlight> {
        let limit = self.max_in_flight();
        let mut now = self.in_flight.load(Ordering::SeqCst);
        loop {
            if now >= limit {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                now,
                now + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return Some(InFlight(self.clone())),
                Err(actual) => now = actual,
            }
        }
    }

    /// Counts a live call; its latency only when the model answered it (`latency` is `Some`).
    fn record(&self, status: u16, latency: Option<Duration>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        *stats.status_counts.entry(status).or_default() += 1;
        if let Some(latency) = latency {
            if stats.latencies_ms.len() == LATENCY_WINDOW {
                stats.latencies_ms.pop_front();
            }
            stats.latencies_ms.push_back(latency.as_secs_f64() * 1000.0);
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> RequestStats {
        let stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            mirrored_requests: self.mirrored.load(Ordering::Relaxed),
            status_counts: stats.status_counts.clone(),
            latencies_ms: stats.latencies_ms.iter().copied().collect(),
            in_flight: self.in_flight.load(Ordering::Acquire),
        }
    }
}

/// An in-flight slot, released on drop (also when the caller goes away mid-request).
struct InFlight(Arc<DeploymentTarget>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 && self.0.is_retired() {
            self.0.idle.notify_waiters();
        }
    }
}

/// The router's answer.
#[derive(Debug)]
pub(crate) struct ScoreResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Bytes,
    /// True when the model (or its timeout) produced the answer, not the router's own checks.
    answered: bool,
}

impl ScoreResponse {
    fn error(status: u16, message: &str) -> Self {
        let body = serde_json::json!({ "message": message }).to_string();
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: Bytes::from(body),
            answered: false,
        }
    }

    /// 503 with `Retry-After` (whole seconds) and `retry-after-ms`: come back then.
    fn unavailable(message: &str, retry_after: Duration) -> Self {
        let mut response = Self::error(503, message);
        let millis = retry_after.as_millis();
        response
            .headers
            .push(("retry-after".into(), millis.div_ceil(1000).to_string()));
        response
            .headers
            .push(("retry-after-ms".into(), millis.to_string()));
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

/// Per-endpoint traffic state: the round-robins for live and mirror traffic.
#[derive(Default)]
struct EndpointState {
    live: crate::local::swrr::Swrr,
    /// Mirror accumulators by deployment: add the percentage per request, copy at 100.
    mirror_credit: HashMap<String, u32>,
}

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

/// The router.
pub(crate) struct Router {
    backends: Arc<dyn Backends>,
    client: reqwest::Client,
    endpoints: Mutex<HashMap<String, EndpointState>>,
}

impl Router {
    pub(crate) fn new(backends: Arc<dyn Backends>) -> Self {
        // Loopback HTTP/1.1 to azmlinfsrv, pooled (gunicorn may still close after each reply).
        let client = reqwest::Client::builder()
            .http1_only()
            .no_proxy()
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(64)
            .build()
            .unwrap_or_default();
        Self {
            backends,
            client,
            endpoints: Mutex::new(HashMap::new()),
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
        let Some(config) = self.backends.endpoint(endpoint) else {
            return ScoreResponse::error(404, &format!("Endpoint '{endpoint}' not found."));
        };
        if !authorized(&config, headers) {
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
                if !self.backends.deployment_exists(endpoint, name) {
                    return ScoreResponse::error(
                        404,
                        &format!("Deployment '{name}' not found on endpoint '{endpoint}'."),
                    );
                }
                // A pinned request is not live traffic: Azure does not mirror it.
                (name.to_owned(), Vec::new())
            }
            None => match self.choose(endpoint, &config) {
                Some(choice) => choice,
                None => {
                    return ScoreResponse::error(
                        404,
                        "No valid deployments to route to. Please check that the endpoint has at least one deployment with positive weight values or use a deployment specific header to route.",
                    )
                }
            },
        };
        for shadow in mirrors {
            self.mirror(endpoint, &shadow, headers, query, body.clone());
        }
        let mut response = self
            .score_on(endpoint, &deployment, headers, query, body)
            .await;
        response
            .headers
            .push((DEPLOYMENT_HEADER.into(), deployment.clone()));
        response
    }

    /// Sends a live call to `deployment`, following it to new processes if the ones it found
    /// are being replaced.
    async fn score_on(
        &self,
        endpoint: &str,
        deployment: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
    ) -> ScoreResponse {
        // Two looks: the second finds the processes that replaced retired ones.
        for _ in 0..2 {
            let target = match self.backends.serving(endpoint, deployment) {
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
            let response = self.forward(&target, headers, query, body).await;
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

    /// Picks the live deployment and the deployments to mirror this request to.
    fn choose(&self, endpoint: &str, config: &EndpointConfig) -> Option<(String, Vec<String>)> {
        let mut endpoints = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
        let state = endpoints.entry(endpoint.to_owned()).or_default();
        let wanted =
            crate::local::swrr::Swrr::new(config.traffic.iter().map(|(k, v)| (k.as_str(), *v)));
        if !state.live.same_weights(&wanted) {
            state.live = wanted;
        }
        let live = state.live.pick()?.to_owned();
        let mut mirrors = Vec::new();
        state
            .mirror_credit
            .retain(|name, _| config.mirror.contains_key(name));
        for (name, percent) in &config.mirror {
            if *name == live || *percent == 0 {
                continue;
            }
            let credit = state.mirror_credit.entry(name.clone()).or_default();
            *credit += (*percent).min(100);
            if *credit >= 100 {
                *credit -= 100;
                mirrors.push(name.clone());
            }
        }
        Some((live, mirrors))
    }

    /// Sends a copy to a shadow deployment in the background; its answer is dropped.
    fn mirror(
        &self,
        endpoint: &str,
        deployment: &str,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
    ) {
        let Serving::Ready(target) = self.backends.serving(endpoint, deployment) else {
            return;
        };
        let Some(instance) = target.pick(None) else {
            return;
        };
        let Some(slot) = target.acquire() else {
            return;
        };
        target.mirrored.fetch_add(1, Ordering::Relaxed);
        let request = self.build_request(
            target.port(instance),
            headers,
            query,
            body,
            target.request_timeout,
        );
        tokio::spawn(async move {
            let _slot = slot;
            let _ = request.send().await;
        });
    }

    fn build_request(
        &self,
        port: u16,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
        timeout: Duration,
    ) -> reqwest::RequestBuilder {
        let mut url = format!("http://127.0.0.1:{port}/score");
        if let Some(q) = query.filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        let mut forwarded = reqwest::header::HeaderMap::new();
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
        self.client
            .post(url)
            .headers(forwarded)
            .body(body)
            .timeout(timeout)
    }

    /// Sends the call (its slot already taken) to a ready instance; a call that cannot connect
    /// goes once to another ready instance.
    async fn forward(
        &self,
        target: &DeploymentTarget,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
    ) -> ScoreResponse {
        let mut tried = None;
        for _ in 0..2 {
            let Some(instance) = target.pick(tried) else {
                break;
            };
            tried = Some(instance);
            let pid = target
                .instances
                .get(instance)
                .map_or(0, |s| s.pid.load(Ordering::Acquire));
            match self
                .attempt(target, instance, headers, query, body.clone())
                .await
            {
                Attempt::Done(response) => return response,
                Attempt::NotConnected => continue,
                Attempt::Broken(_) if target.instance_gone(instance, pid) => break,
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

    async fn attempt(
        &self,
        target: &DeploymentTarget,
        instance: usize,
        headers: &HeaderMap,
        query: Option<&str>,
        body: Bytes,
    ) -> Attempt {
        let request = self.build_request(
            target.port(instance),
            headers,
            query,
            body,
            target.request_timeout,
        );
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) if e.is_timeout() => {
                return Attempt::Done(ScoreResponse::timed_out(target.request_timeout))
            }
            Err(e) if e.is_connect() => return Attempt::NotConnected,
            Err(e) => return Attempt::Broken(e.to_string()),
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match tokio::time::timeout(target.request_timeout, response.bytes()).await {
            Err(_) => return Attempt::Done(ScoreResponse::timed_out(target.request_timeout)),
            Ok(Err(e)) if e.is_timeout() => {
                return Attempt::Done(ScoreResponse::timed_out(target.request_timeout))
            }
            Ok(Err(e)) => return Attempt::Broken(e.to_string()),
            Ok(Ok(b)) => b,
        };
        if status == 500 && is_scoring_timeout(&body) {
            // azmlinfsrv's own SCORING_TIMEOUT_MS fired first: the same timeout, said Azure's way.
            return Attempt::Done(ScoreResponse::timed_out(target.request_timeout));
        }
        let mut headers = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type".to_owned(), ct));
        }
        // Azure answers 424 for any model failure and passes the model's body through.
        let status = if status == 200 { 200 } else { 424 };
        Attempt::Done(ScoreResponse {
            status,
            headers,
            body,
            answered: true,
        })
    }
}

/// True for azmlinfsrv's answer to a `run()` that outlived `SCORING_TIMEOUT_MS`.
fn is_scoring_timeout(body: &[u8]) -> bool {
    const NEEDLE: &[u8] = b"Scoring timeout after";
    body.windows(NEEDLE.len()).any(|w| w == NEEDLE)
}

/// Checks the caller's bearer value against the endpoint's auth mode.
fn authorized(config: &EndpointConfig, headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let presented = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim();
    if presented.is_empty() {
        return false;
    }
    let presented = Secret::new(presented.to_owned());
    match config.auth_mode {
        // Secret's PartialEq compares in constant time.
        AuthMode::Key => config.keys.contains(&presented),
        AuthMode::AmlToken => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            config
                .tokens
                .iter()
                .any(|(t, expiry)| *expiry > now && *t == presented)
        }
        AuthMode::AadToken => true,
    }
}

#[cfg(test)]
mod tests;
