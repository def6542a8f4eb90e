//! The workspace's services over HTTP: scoring calls go to the router without touching the core
//! (unless faults are armed), everything else (ARM, blobs) to the core, after which the state is
//! saved and the router's endpoint table republished when they changed.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use url::Url;

use crate::core::{CoreRequest, Delivery, FaultAction, HostKind, ORIGINAL_HOST_HEADER};
use crate::local::faults::{deliver, ConnectionReset};
use crate::local::shared::Shared;

/// Largest request body accepted (model uploads arrive as blob PUTs).
const MAX_BODY: usize = 2 * 1024 * 1024 * 1024 - 1;

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A request of the workspace's services: scoring goes to the router, everything else (ARM,
/// blobs) to the core; armed faults shape the answer on the way out.
pub(crate) async fn serve(shared: Arc<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let reset = parts.extensions.get::<ConnectionReset>().cloned();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => return respond(413, HeaderMap::new(), Bytes::from(e.to_string())),
    };
    let fast = shared.scoring_endpoint(&parts);
    let faults_armed = shared.faults_armed.load(Ordering::Acquire);
    if let (Some(endpoint), false) = (&fast, faults_armed) {
        let answer = shared
            .router
            .score(endpoint, &parts.headers, parts.uri.query(), body)
            .await;
        return respond(answer.status, answer.headers, answer.body);
    }
    let host = header_string(&parts.headers, ORIGINAL_HOST_HEADER)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .or_else(|| header_string(&parts.headers, "host"))
        .unwrap_or_else(|| shared.default_host.clone());
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let url = match Url::parse(&format!("https://{host}{path_and_query}")) {
        Ok(u) => u,
        Err(e) => {
            return respond(
                400,
                HeaderMap::new(),
                Bytes::from(format!("bad request URL: {e}")),
            )
        }
    };
    let kind = shared.config.classify_host(&url);
    if let HostKind::Scoring { endpoint } = &kind {
        let mut delivery = Delivery::Normal;
        if faults_armed {
            let probe = CoreRequest::new(parts.method.as_str(), url.clone());
            match shared.take_fault(&kind, &probe) {
                Some(FaultAction::Answer(r)) => {
                    return respond(r.status, header_map(r.headers), r.body);
                }
                Some(FaultAction::Deliver(d)) => delivery = d,
                _ => {}
            }
        }
        let answer = shared
            .router
            .score(endpoint, &parts.headers, url.query(), body)
            .await;
        let head = respond(answer.status, answer.headers, Bytes::new());
        return deliver(delivery, head, answer.body, reset).await;
    }
    let mut core_request = CoreRequest::new(parts.method.as_str(), url).with_body(body);
    for (name, value) in &parts.headers {
        core_request.headers.push((
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        ));
    }
    let served = {
        let mut core = shared.lock_core();
        let served = core.serve_as(kind, &core_request);
        shared
            .faults_armed
            .store(!core.faults().is_empty(), Ordering::Release);
        shared.publish(&core);
        served
    };
    // Every change is kept, also an operation ending on a GET poll.
    shared.save();
    let response = served.response;
    let head = respond(response.status, header_map(response.headers), Bytes::new());
    deliver(served.delivery, head, response.body, reset).await
}

/// The core's headers as a header map (names or values HTTP cannot carry are dropped).
fn header_map(headers: Vec<(String, String)>) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.append(n, v);
        }
    }
    map
}

pub(super) fn respond(status: u16, headers: HeaderMap, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    *response.headers_mut() = headers;
    response
}
