//! The front door of the offline workspace: Studio's pages, or the workspace's services
//! ([`api`](super::api)). Studio reaches the services in process through the same `api::serve`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;

use crate::core::ORIGINAL_HOST_HEADER;
use crate::local::api::{self, respond};
use crate::local::shared::Shared;
use crate::local::studio;

/// Every request of the HTTPS listener.
pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    if is_studio_request(&shared, &parts) {
        return match axum::body::to_bytes(body, studio::MAX_FORM).await {
            Ok(b) => studio::serve(shared, parts, b).await,
            Err(e) => respond(413, HeaderMap::new(), Bytes::from(e.to_string())),
        };
    }
    api::serve(shared, Request::from_parts(parts, body)).await
}

/// A request for Studio: `/studio…` on this host (not a redirected call meant for
/// another service).
fn is_studio_request(shared: &Shared, request: &axum::http::request::Parts) -> bool {
    studio::gate::is_studio_path(request.uri.path())
        && request
            .headers
            .get(ORIGINAL_HOST_HEADER)
            .is_none_or(|h| h.as_bytes() == shared.default_host.as_bytes())
}
