//! [`DirectClient`]: the scoring hot path's HTTP client, on `hyper`'s connection API.
//!
//! Why not `reqwest` here: its client (hyper-util's legacy pool) runs every HTTP/1.1 connection
//! in a task of its own, so each request hops task → connection task → task, and on a
//! multi-thread runtime that hop often crosses threads. Scoring is small POSTs where those hops
//! and the layers above them are most of the client's cost. Here an HTTP/1.1 connection is
//! driven by the task that sends on it: it is taken from the pool, polled inline while the
//! request goes out and the answer comes back, and returned to the pool when the body ends. A
//! pool holds as many keep-alive connections as there were callers at once. HTTP/2 (when the
//! server offers it in ALPN) multiplexes every caller over one connection whose driver is
//! spawned, as usual.
//!
//! What it does not do, the callers fall back to `reqwest` for: proxies (the environment's
//! `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY`, read like `reqwest` reads them) and caller-supplied
//! clients.

mod body;
mod connect;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::poll_fn;
use http::header::HOST;
use http::{HeaderValue, Request, Response, Uri};
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use rustls::pki_types::CertificateDer;
use url::Url;

pub(crate) use body::DirectBody;
use connect::{dial, ConnectError, Origin, Stream};
pub(crate) use connect::{parse_roots, tls_config};

use crate::error::{Error, Result};

/// Request bodies: one buffer, sent as is.
pub(crate) type ReqBody = Full<Bytes>;
type Io = TokioIo<Stream>;

/// Longest wait for DNS + TCP + TLS (the same as the `reqwest` client's connect timeout).
const CONNECT_TIMEOUT: Duration = super::CONNECT_TIMEOUT;
/// Idle connections older than this are closed instead of reused.
const IDLE_TIMEOUT: Duration = super::POOL_IDLE_TIMEOUT;
/// Idle HTTP/1.1 connections kept per origin (beyond it, returned connections are closed).
const MAX_IDLE: usize = 256;

/// One client per scoring client (or per `MLClient`): TLS settings and proxy rules, and the
/// connection pools of the origins it sends to.
pub(crate) struct DirectClient {
    roots: Vec<CertificateDer<'static>>,
    /// Built on the first https connection (loading the system roots costs milliseconds).
    tls: OnceLock<std::result::Result<Arc<rustls::ClientConfig>, String>>,
    proxies: hyper_util::client::proxy::matcher::Matcher,
    pools: Mutex<Vec<Arc<HostPool>>>,
}

impl std::fmt::Debug for DirectClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DirectClient")
            .field("extra_roots", &self.roots.len())
            .finish_non_exhaustive()
    }
}

impl DirectClient {
    /// A client trusting the system roots plus `root_certificates` (PEM; `field` names the
    /// option they came from, for the validation error).
    ///
    /// # Errors
    /// [`Error::Validation`] on `field` when an entry holds no certificate or does not parse.
    pub(crate) fn new(root_certificates: &[Vec<u8>], field: &str) -> Result<Self> {
        Ok(Self {
            roots: parse_roots(root_certificates, field)?,
            tls: OnceLock::new(),
            proxies: hyper_util::client::proxy::matcher::Matcher::from_system(),
            pools: Mutex::new(Vec::new()),
        })
    }

    /// A client with these TLS settings (shared with the `reqwest` client of an `MLClient`, so
    /// the system roots are loaded once).
    pub(crate) fn with_tls(tls: Arc<rustls::ClientConfig>) -> Self {
        Self {
            roots: Vec::new(),
            tls: OnceLock::from(Ok(tls)),
            proxies: hyper_util::client::proxy::matcher::Matcher::from_system(),
            pools: Mutex::new(Vec::new()),
        }
    }

    /// The pool for `url`'s origin, or `None` when a proxy applies to it (the environment's
    /// proxy settings, as `reqwest` reads them) or the URL is not http(s).
    pub(crate) fn pool(self: &Arc<Self>, url: &Url) -> Option<Arc<HostPool>> {
        let https = match url.scheme() {
            "https" => true,
            "http" => false,
            _ => return None,
        };
        let uri: Uri = url.as_str().parse().ok()?;
        if self.proxies.intercept(&uri).is_some() {
            return None;
        }
        let origin = Origin {
            https,
            host: url.host_str()?.to_owned(),
            port: url.port_or_known_default()?,
        };
        let authority = uri.authority()?.as_str().to_owned();
        let mut pools = self
            .pools
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(pool) = pools.iter().find(|p| p.origin == origin) {
            return Some(pool.clone());
        }
        let pool = Arc::new(HostPool {
            client: self.clone(),
            host_header: HeaderValue::from_str(&authority).ok()?,
            origin,
            idle: Mutex::new(Vec::new()),
            h2: Mutex::new(None),
            speaks_h2: AtomicBool::new(false),
            connects: AtomicU64::new(0),
        });
        pools.push(pool.clone());
        Some(pool)
    }

    fn tls(&self) -> std::result::Result<Arc<rustls::ClientConfig>, ConnectError> {
        self.tls
            .get_or_init(|| connect::tls_config(&self.roots).map_err(|e| e.to_string()))
            .clone()
            .map_err(ConnectError)
    }
}

/// What went wrong sending one request.
#[derive(Debug)]
pub(crate) enum SendError {
    /// No connection could be opened: nothing was sent.
    Connect(String),
    /// The request may have reached the server.
    Other(String),
}

impl SendError {
    pub(crate) fn is_connect(&self) -> bool {
        matches!(self, SendError::Connect(_))
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            SendError::Connect(m) | SendError::Other(m) => m,
        }
    }
}

/// Turns a hyper error into text naming every cause (no URLs or headers: hyper's errors carry
/// neither).
pub(crate) fn hyper_message(e: &hyper::Error) -> String {
    crate::error::transport_message(e)
}

/// An HTTP/1.1 connection: the handle to send on and the connection state machine, which the
/// task using it drives.
struct H1 {
    sender: http1::SendRequest<ReqBody>,
    conn: http1::Connection<Io, ReqBody>,
    /// The connection future finished (closed or failed): never poll it again.
    done: bool,
    idle_since: Instant,
}

impl H1 {
    /// Polls the connection once; `false` once it has finished.
    fn poll_conn(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.done && Pin::new(&mut self.conn).poll(cx).is_ready() {
            self.done = true;
        }
        !self.done
    }

    /// Whether a pooled connection can take a request now (it is not closed, and done with the
    /// previous exchange).
    fn ready_now(&mut self, cx: &mut Context<'_>) -> bool {
        self.poll_conn(cx) && matches!(self.sender.poll_ready(cx), Poll::Ready(Ok(())))
    }
}

/// The connections to one origin.
pub(crate) struct HostPool {
    client: Arc<DirectClient>,
    origin: Origin,
    host_header: HeaderValue,
    /// Idle HTTP/1.1 connections, most recently used last. Boxed: a connection (TLS state
    /// and hyper's buffers) is large and moves between the pool and the caller's future on
    /// every call; a box moves as one pointer.
    #[allow(clippy::vec_box)]
    idle: Mutex<Vec<Box<H1>>>,
    /// The shared HTTP/2 connection, when the server chose h2.
    h2: Mutex<Option<http2::SendRequest<ReqBody>>>,
    /// Set once the server has chosen h2 (new connections then replace the shared one).
    speaks_h2: AtomicBool,
    /// Connections opened (for tests and `Debug`).
    connects: AtomicU64,
}

impl std::fmt::Debug for HostPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostPool")
            .field("origin", &self.origin)
            .field("connects", &self.connects.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

enum Fresh {
    H1(Box<H1>),
    H2(http2::SendRequest<ReqBody>),
}

impl HostPool {
    /// Connections opened so far.
    #[cfg(test)]
    pub(crate) fn connects(&self) -> u64 {
        self.connects.load(Ordering::Relaxed)
    }

    /// Sends `request` (its URI: the path and query; `Host` is added here for HTTP/1.1) and
    /// returns the answer head; the body streams from the connection as it is read.
    ///
    /// A pooled connection the server closed meanwhile is replaced transparently when the
    /// request was not written to it; once a request may have been written, errors are returned.
    pub(crate) async fn send(
        self: &Arc<Self>,
        mut request: Request<ReqBody>,
        absolute: &Uri,
    ) -> std::result::Result<Response<DirectBody>, SendError> {
        loop {
            if let Some(sender) = self.h2_sender() {
                return Box::pin(self.send_h2(sender, request, absolute)).await;
            }
            let (mut h1, reused) = match self.checkout() {
                Some(h1) => (h1, true),
                // Connecting is rare and its future large: on the heap.
                None => match Box::pin(self.connect()).await? {
                    Fresh::H1(h1) => (h1, false),
                    Fresh::H2(sender) => {
                        return Box::pin(self.send_h2(sender, request, absolute)).await
                    }
                },
            };
            if reused && !poll_fn(|cx| Poll::Ready(h1.ready_now(cx))).await {
                // Closed by the server (or not done with its last answer): drop it, try another.
                continue;
            }
            request.headers_mut().insert(HOST, self.host_header.clone());
            let mut answer = std::pin::pin!(h1.sender.try_send_request(request));
            let result = poll_fn(|cx| {
                h1.poll_conn(cx);
                answer.as_mut().poll(cx)
            })
            .await;
            match result {
                Ok(response) => {
                    return Ok(response.map(|incoming| DirectBody::h1(incoming, h1, self.clone())))
                }
                Err(mut e) => match e.take_message() {
                    // Never written to the connection: safe to send on another one.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(SendError::Other(hyper_message(&e.into_error()))),
                },
            }
        }
    }

    async fn send_h2(
        self: &Arc<Self>,
        mut sender: http2::SendRequest<ReqBody>,
        mut request: Request<ReqBody>,
        absolute: &Uri,
    ) -> std::result::Result<Response<DirectBody>, SendError> {
        *request.uri_mut() = absolute.clone();
        request.headers_mut().remove(HOST);
        if let Err(e) = sender.ready().await {
            self.forget_h2();
            return Err(SendError::Other(hyper_message(&e)));
        }
        match sender.try_send_request(request).await {
            Ok(response) => Ok(response.map(DirectBody::h2)),
            Err(mut e) => {
                self.forget_h2();
                match e.take_message() {
                    // Refused before it was sent (connection going away): one fresh connection.
                    Some(unsent) => match Box::pin(self.connect()).await? {
                        Fresh::H2(mut fresh) => {
                            fresh
                                .ready()
                                .await
                                .map_err(|e| SendError::Other(hyper_message(&e)))?;
                            fresh
                                .send_request(unsent)
                                .await
                                .map(|r| r.map(DirectBody::h2))
                                .map_err(|e| SendError::Other(hyper_message(&e)))
                        }
                        Fresh::H1(_) => Err(SendError::Other(
                            "the server stopped offering HTTP/2 mid-request".to_owned(),
                        )),
                    },
                    None => Err(SendError::Other(hyper_message(&e.into_error()))),
                }
            }
        }
    }

    fn h2_sender(&self) -> Option<http2::SendRequest<ReqBody>> {
        if !self.speaks_h2.load(Ordering::Acquire) {
            return None;
        }
        let mut slot = self.h2.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(sender) if !sender.is_closed() => Some(sender.clone()),
            Some(_) => {
                *slot = None;
                None
            }
            None => None,
        }
    }

    fn forget_h2(&self) {
        let mut slot = self.h2.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|s| s.is_closed()) {
            *slot = None;
        }
    }

    /// The most recently used idle connection still young enough.
    fn checkout(&self) -> Option<Box<H1>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(h1) = idle.pop() {
            if h1.idle_since.elapsed() < IDLE_TIMEOUT {
                return Some(h1);
            }
        }
        None
    }

    /// Takes back a connection whose exchange is over.
    fn checkin(&self, mut h1: Box<H1>) {
        if h1.done || h1.sender.is_closed() {
            return;
        }
        h1.idle_since = Instant::now();
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        // The oldest are first: drop the expired ones and anything past the cap.
        let expired = idle
            .iter()
            .take_while(|c| c.idle_since.elapsed() >= IDLE_TIMEOUT)
            .count();
        let over = (idle.len() + 1).saturating_sub(MAX_IDLE);
        let drop_count = expired.max(over).min(idle.len());
        idle.drain(..drop_count);
        idle.push(h1);
    }

    async fn connect(self: &Arc<Self>) -> std::result::Result<Fresh, SendError> {
        let connect = async {
            let tls = if self.origin.https {
                Some(self.client.tls()?)
            } else {
                None
            };
            dial(&self.origin, tls).await
        };
        let (stream, h2) = match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(connected)) => connected,
            Ok(Err(ConnectError(message))) => return Err(SendError::Connect(message)),
            Err(_) => {
                return Err(SendError::Connect(format!(
                    "timed out: no connection within {CONNECT_TIMEOUT:?}"
                )))
            }
        };
        self.connects.fetch_add(1, Ordering::Relaxed);
        let io = TokioIo::new(stream);
        if h2 {
            let (sender, conn) = http2::Builder::new(TokioExecutor::new())
                .timer(TokioTimer::new())
                .handshake(io)
                .await
                .map_err(|e| SendError::Connect(hyper_message(&e)))?;
            tokio::spawn(async move {
                if let Err(e) = conn.await {
                    tracing::debug!(error = %e, "scoring HTTP/2 connection ended");
                }
            });
            self.speaks_h2.store(true, Ordering::Release);
            *self.h2.lock().unwrap_or_else(|p| p.into_inner()) = Some(sender.clone());
            return Ok(Fresh::H2(sender));
        }
        let (sender, conn) = http1::Builder::new()
            .handshake(io)
            .await
            .map_err(|e| SendError::Connect(hyper_message(&e)))?;
        Ok(Fresh::H1(Box::new(H1 {
            sender,
            conn,
            done: false,
            idle_since: Instant::now(),
        })))
    }
}

/// Builds a [`DirectClient`]'s error for a request that could not go out.
pub(crate) fn transport_error(url: &Url, e: &SendError) -> Error {
    Error::Transport {
        message: format!("error sending request for url ({url}): {}", e.message()),
        source: None,
    }
}

#[cfg(test)]
mod tests;
