//! How Studio reads and changes the workspace: the requests any client sends (ARM, Azure
//! Monitor, scoring), handed in process to the server's own handler of those services. The
//! core logs, authorizes, runs operations and persists exactly as it does for requests off the
//! wire; only TLS and the socket are skipped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;

use crate::local::api;
use crate::local::shared::Shared;

/// api-version of the Machine Learning calls (the SDK's default).
pub(crate) const ML_API: &str = "2025-12-01";
/// api-version of the metrics calls.
pub(crate) const METRICS_API: &str = "2023-10-01";
/// api-version of the autoscale calls.
pub(crate) const AUTOSCALE_API: &str = "2022-10-01";

/// The longest Studio waits for one request (a stalled answer, e.g. an injected fault, ends
/// the page with an error instead of holding it).
const CALL_LIMIT: Duration = Duration::from_secs(20);
/// The largest answer Studio reads.
const MAX_ANSWER: usize = 64 * 1024 * 1024;
/// The longest Studio follows an operation before showing the page anyway.
const OPERATION_LIMIT: Duration = Duration::from_secs(30);
/// Pages of a list followed at most.
const MAX_PAGES: usize = 50;

/// An answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Answer {
    fn failed(message: String) -> Self {
        let body =
            serde_json::json!({"error": {"code": "StudioRequestFailed", "message": message}});
        Self {
            status: 504,
            headers: HeaderMap::new(),
            body: Bytes::from(body.to_string()),
        }
    }

    pub(crate) fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON (`Null` when it is not).
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The ARM error message of a failed answer (or its status).
    pub(crate) fn error_message(&self) -> String {
        let body = self.json();
        body.pointer("/error/message")
            .or_else(|| body.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("the workspace answered {}", self.status))
    }
}

/// A read that failed: the status the workspace answered and its message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: u16,
    pub(crate) message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl Failure {
    /// The status a page about the failure answers: the workspace's 4xx, else 502.
    pub(crate) fn page_status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.status)
            .ok()
            .filter(|s| s.is_client_error())
            .unwrap_or(axum::http::StatusCode::BAD_GATEWAY)
    }
}

/// The workspace, as Studio reaches it.
pub(crate) struct Api {
    shared: Arc<Shared>,
    /// `127.0.0.1:{port}`.
    authority: String,
    /// The workspace's ARM id.
    workspace_id: String,
    /// `/subscriptions/{s}/resourceGroups/{rg}`.
    group_id: String,
    arm_token: String,
}

/// The workspace's services, in process (boxed: a large future, awaited in a page's).
fn dispatch(
    shared: Arc<Shared>,
    request: Request,
) -> Pin<Box<dyn Future<Output = Response> + Send + 'static>> {
    Box::pin(api::serve(shared, request))
}

impl Api {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        let config = shared.config();
        let workspace_id = config.workspace_id();
        let group_id = format!(
            "/subscriptions/{}/resourceGroups/{}",
            config.subscription_id, config.resource_group
        );
        Self {
            authority: format!("127.0.0.1:{}", shared.port()),
            workspace_id,
            group_id,
            arm_token: crate::core::fake_access_token("https://management.azure.com/.default"),
            shared,
        }
    }

    /// An endpoint's ARM id.
    pub(crate) fn endpoint_id(&self, endpoint: &str) -> String {
        format!("{}/onlineEndpoints/{endpoint}", self.workspace_id)
    }

    /// One request to this server; `path_and_query` starts with `/`.
    pub(crate) async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Answer {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("https://{}{path_and_query}", self.authority));
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = match builder.body(Body::from(body)) {
            Ok(r) => r,
            Err(e) => return Answer::failed(format!("bad request: {e}")),
        };
        let response =
            match tokio::time::timeout(CALL_LIMIT, dispatch(self.shared.clone(), request)).await {
                Ok(r) => r,
                Err(_) => {
                    return Answer::failed(format!(
                        "{method} {} did not answer within {CALL_LIMIT:?}",
                        path_and_query.split('?').next().unwrap_or("")
                    ))
                }
            };
        let (parts, body) = response.into_parts();
        let body =
            match tokio::time::timeout(CALL_LIMIT, axum::body::to_bytes(body, MAX_ANSWER)).await {
                Ok(Ok(b)) => b,
                Ok(Err(e)) => return Answer::failed(format!("the answer broke off: {e}")),
                Err(_) => return Answer::failed("the answer did not arrive in time".into()),
            };
        Answer {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body,
        }
    }

    /// An ARM call at an absolute path (query included, api-version added).
    pub(crate) async fn arm_at(
        &self,
        method: &str,
        path: &str,
        api_version: &str,
        body: Option<&Value>,
    ) -> Answer {
        let sep = if path.contains('?') { '&' } else { '?' };
        let bearer = format!("Bearer {}", self.arm_token);
        let mut headers = vec![("authorization", bearer.as_str())];
        let bytes = match body {
            Some(b) => {
                headers.push(("content-type", "application/json"));
                Bytes::from(b.to_string())
            }
            None => Bytes::new(),
        };
        self.call(
            method,
            &format!("{path}{sep}api-version={api_version}"),
            &headers,
            bytes,
        )
        .await
    }

    /// An ARM call under the workspace (`onlineEndpoints/…`).
    pub(crate) async fn arm(&self, method: &str, rel: &str, body: Option<&Value>) -> Answer {
        let path = format!("{}/{rel}", self.workspace_id);
        self.arm_at(method, &path, ML_API, body).await
    }

    /// Every item of a list (following `nextLink`, bounded).
    pub(crate) async fn list(&self, rel: &str) -> Result<Vec<Value>, Failure> {
        self.list_at(&format!("{}/{rel}", self.workspace_id), ML_API)
            .await
    }

    /// Every item of a list at an absolute path.
    pub(crate) async fn list_at(
        &self,
        path: &str,
        api_version: &str,
    ) -> Result<Vec<Value>, Failure> {
        let mut items = Vec::new();
        let mut answer = self.arm_at("GET", path, api_version, None).await;
        for _ in 0..MAX_PAGES {
            if !answer.ok() {
                return Err(Failure {
                    status: answer.status,
                    message: answer.error_message(),
                });
            }
            let body = answer.json();
            if let Some(values) = body.get("value").and_then(Value::as_array) {
                items.extend(values.iter().cloned());
            }
            let Some(next) = body.get("nextLink").and_then(Value::as_str) else {
                return Ok(items);
            };
            let Some(rest) = next_path(next) else {
                return Ok(items);
            };
            answer = self.call_with_token("GET", &rest).await;
        }
        Ok(items)
    }

    async fn call_with_token(&self, method: &str, path_and_query: &str) -> Answer {
        let bearer = format!("Bearer {}", self.arm_token);
        self.call(
            method,
            path_and_query,
            &[("authorization", bearer.as_str())],
            Bytes::new(),
        )
        .await
    }

    /// Follows a change's operation (its `Azure-AsyncOperation`, else its `Location`) to its
    /// end, for at most [`OPERATION_LIMIT`]. `Ok(true)`: it succeeded; `Ok(false)`: still
    /// running; `Err`: it failed, with the operation's message.
    pub(crate) async fn follow(&self, started: &Answer) -> Result<bool, String> {
        let deadline = Instant::now() + OPERATION_LIMIT;
        if let Some(url) = started.header("azure-asyncoperation").and_then(next_path) {
            while Instant::now() < deadline {
                let answer = self.call_with_token("GET", &url).await;
                if !answer.ok() {
                    return Err(answer.error_message());
                }
                let body = answer.json();
                match body.get("status").and_then(Value::as_str).unwrap_or("") {
                    "Succeeded" => return Ok(true),
                    "Failed" | "Canceled" => {
                        return Err(body
                            .pointer("/error/message")
                            .and_then(Value::as_str)
                            .unwrap_or("the operation failed")
                            .to_owned())
                    }
                    _ => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
            return Ok(false);
        }
        if let Some(url) = started.header("location").and_then(next_path) {
            while Instant::now() < deadline {
                let answer = self.call_with_token("GET", &url).await;
                match answer.status {
                    200 | 204 => return Ok(true),
                    202 => tokio::time::sleep(Duration::from_millis(100)).await,
                    _ => return Err(answer.error_message()),
                }
            }
            return Ok(false);
        }
        Ok(true)
    }

    /// The Azure Monitor metrics of `resource` (an endpoint or deployment id).
    pub(crate) async fn metrics(&self, resource: &str, query: &str) -> Answer {
        self.arm_at(
            "GET",
            &format!("{resource}/providers/Microsoft.Insights/metrics?{query}"),
            METRICS_API,
            None,
        )
        .await
    }

    /// The resource group's autoscale settings.
    pub(crate) async fn autoscale_settings(&self) -> Result<Vec<Value>, Failure> {
        let path = format!(
            "{}/providers/Microsoft.Insights/autoscalesettings",
            self.group_id
        );
        self.list_at(&path, AUTOSCALE_API).await
    }

    /// The scale actions of one autoscale setting (the emulator's activity route).
    pub(crate) async fn autoscale_activity(&self, setting: &str) -> Result<Vec<Value>, Failure> {
        let path = format!(
            "{}/providers/Microsoft.Insights/autoscalesettings/{}/activity",
            self.group_id,
            super::html::seg(setting)
        );
        self.list_at(&path, AUTOSCALE_API).await
    }

    /// A scoring call to `endpoint` with `authorization`, pinned to `deployment` if given.
    pub(crate) async fn score(
        &self,
        endpoint: &str,
        authorization: &str,
        deployment: Option<&str>,
        content_type: &str,
        body: Bytes,
    ) -> Answer {
        let mut headers = vec![
            ("authorization", authorization),
            ("content-type", content_type),
        ];
        if let Some(d) = deployment {
            headers.push((crate::core::MODEL_DEPLOYMENT_HEADER, d));
        }
        self.call(
            "POST",
            &format!("/endpoints/{}/score", super::html::seg(endpoint)),
            &headers,
            body,
        )
        .await
    }
}

/// The path and query of a URL this server handed out (`None` for another host's).
fn next_path(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let mut rest = parsed.path().to_owned();
    if let Some(q) = parsed.query() {
        rest.push('?');
        rest.push_str(q);
    }
    Some(rest)
}
