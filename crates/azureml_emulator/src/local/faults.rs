//! Faults of the connection, staged by the HTTPS front: the core decides *that* an answer is
//! delayed, withheld, reset or truncated ([`Delivery`]); this module does it to the bytes.
//!
//! Over HTTP/1.1 a reset is a TCP RST (the connection's socket closes with a zero linger) and
//! a truncated body ends with the connection closed without TLS `close_notify` (a clean TCP
//! close); over HTTP/2 both are a reset of the call's stream, and the connection carries on.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use http_body::Frame;

use crate::core::Delivery;

/// How long a silent answer holds its connection at most before resetting it (the server's
/// stop ends it earlier).
const SILENCE_LIMIT: Duration = Duration::from_secs(600);

/// The pause between the half body and the break (reset or early end), so the half leaves
/// before the connection does and the client reads it first.
const BREAK_AFTER: Duration = Duration::from_millis(20);

/// One HTTP/1.1 connection's switch: once set, the connection ends with a TCP reset.
#[derive(Clone, Debug, Default)]
pub(crate) struct ConnectionReset(Arc<AtomicBool>);

impl ConnectionReset {
    /// Asks for the reset.
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// True once asked.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// Marks a response that must not be sent: its connection (or stream) is reset instead.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ResetInstead;

/// Applies `delivery` to an answer. `reset` is the connection's switch (`None` over HTTP/2).
pub(crate) async fn deliver(
    delivery: Delivery,
    response: Response,
    body: Bytes,
    reset: Option<ConnectionReset>,
) -> Response {
    match delivery {
        Delivery::Delay(delay) => {
            tokio::time::sleep(delay).await;
            with_body(response, Body::from(body))
        }
        Delivery::Silence => {
            tokio::time::sleep(SILENCE_LIMIT).await;
            reset_instead()
        }
        Delivery::ResetBeforeResponse => reset_instead(),
        Delivery::ResetMidBody => partial(response, body, reset.map(Then::Reset)),
        Delivery::TruncatedBody => partial(response, body, Some(Then::End)),
        // `Normal` and anything a later core adds: as is.
        _ => with_body(response, Body::from(body)),
    }
}

fn with_body(response: Response, body: Body) -> Response {
    let (parts, _) = response.into_parts();
    Response::from_parts(parts, body)
}

fn reset_instead() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.extensions_mut().insert(ResetInstead);
    response
}

/// The head with the whole body's `Content-Length`, then the first half of the body, then
/// `then` (a reset when there is a connection to reset, else an error of the body, which
/// hyper turns into a closed connection or a reset stream).
fn partial(response: Response, body: Bytes, then: Option<Then>) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.insert(
        axum::http::header::CONTENT_LENGTH,
        HeaderValue::from(body.len()),
    );
    let half = body.slice(..body.len() / 2);
    Response::from_parts(
        parts,
        Body::new(Partial {
            half: Some(half),
            then,
            pause: None,
        }),
    )
}

enum Then {
    /// End the body early; hyper closes the connection cleanly.
    End,
    /// Pause, flip the connection's reset switch, fail the body.
    Reset(ConnectionReset),
}

struct Partial {
    half: Option<Bytes>,
    then: Option<Then>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl HttpBody for Partial {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(half) = self.half.take() {
            return Poll::Ready(Some(Ok(Frame::data(half))));
        }
        // hyper flushes what it holds only when the body has nothing ready: without the
        // pause the head and the half would be dropped with the connection.
        let pause = self
            .pause
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(BREAK_AFTER)));
        if pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        match self.then.take() {
            Some(Then::End) => Poll::Ready(None),
            Some(Then::Reset(switch)) => {
                switch.set();
                Poll::Ready(Some(Err(broken())))
            }
            None => Poll::Ready(Some(Err(broken()))),
        }
    }
}

fn broken() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionReset,
        "injected fault: the answer breaks off",
    )
}
