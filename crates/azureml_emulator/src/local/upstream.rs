//! One call to an `azmlinfsrv` instance: HTTP/1.1 on a fresh loopback connection, polled by
//! the calling task itself. The router sends scoring calls through it, the supervisor its
//! readiness probes.
//!
//! Nothing can be kept alive: gunicorn's sync workers close every connection after one answer
//! (`resp.force_close()` in `SyncWorker.handle_request`, `Connection: close` on the wire).
//! Pre-connecting does not pay either: a sync worker `accept()`s an idle connection at once and
//! blocks reading it, so probes and other callers queue behind it, and against azmlinfsrv
//! directly it measured slower than connecting per call (p50 0.88–0.98 ms against
//! 0.79–0.82 ms, 3 × 1 500 calls each). What a call saves instead is everything around the
//! connection: no pool lookup, no connection task to hand the exchange to and back, no URL
//! to parse, no copy of the body.

use std::time::Duration;

use axum::body::Body;
use axum::http::{self, HeaderMap, HeaderValue, Request};
use bytes::Bytes;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// Largest answer body read from a model server.
const MAX_ANSWER: usize = 256 * 1024 * 1024;

/// How a call to an instance ended.
pub(crate) enum Outcome {
    /// The server answered.
    Answer {
        status: u16,
        content_type: Option<HeaderValue>,
        body: Bytes,
    },
    /// No connection could be made: nothing reached the server.
    NotConnected,
    /// The exchange broke off after the request was on its way.
    Broken(String),
    /// The time limit passed first.
    TimedOut,
}

/// A request to `path_and_query` on the instance at `port` (the `Host` header is set here).
pub(crate) fn request(
    method: http::Method,
    port: u16,
    path_and_query: &str,
    mut headers: HeaderMap,
    body: Bytes,
) -> Option<Request<Body>> {
    if let Ok(host) = HeaderValue::from_str(&format!("127.0.0.1:{port}")) {
        headers.insert(http::header::HOST, host);
    }
    let mut request = Request::builder()
        .method(method)
        .uri(path_and_query)
        .body(Body::from(body))
        .ok()?;
    *request.headers_mut() = headers;
    Some(request)
}

/// Sends `request` to the instance at `port` and reads the whole answer, within `limit`.
pub(crate) async fn call(port: u16, request: Request<Body>, limit: Duration) -> Outcome {
    let deadline = tokio::time::Instant::now() + limit;
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let stream = match tokio::time::timeout_at(deadline, TcpStream::connect(address)).await {
        Err(_) => return Outcome::TimedOut,
        Ok(Err(_)) => return Outcome::NotConnected,
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    let Ok((mut sender, connection)) =
        hyper::client::conn::http1::handshake::<_, Body>(TokioIo::new(stream)).await
    else {
        return Outcome::NotConnected;
    };
    let exchange = async move {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(Body::new(body), MAX_ANSWER)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>((parts, body))
    };
    let driven = async move {
        tokio::pin!(exchange);
        tokio::pin!(connection);
        let mut connection_done = false;
        loop {
            tokio::select! {
                result = &mut exchange => return result,
                // When the connection ends, the exchange ends too (answered or broken).
                _ = &mut connection, if !connection_done => connection_done = true,
            }
        }
    };
    match tokio::time::timeout_at(deadline, driven).await {
        Err(_) => Outcome::TimedOut,
        Ok(Err(message)) => Outcome::Broken(message),
        Ok(Ok((parts, body))) => Outcome::Answer {
            status: parts.status.as_u16(),
            content_type: parts.headers.get(http::header::CONTENT_TYPE).cloned(),
            body,
        },
    }
}
