//! [`DirectBody`]: an answer's body, read from the connection by the task that reads the body.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use futures::future::poll_fn;
use futures::Stream;
use http_body::Body as _;
use hyper::body::Incoming;

use super::{hyper_message, HostPool, H1};

/// The body of an answer from a [`HostPool`](super::HostPool). For HTTP/1.1 it owns the
/// connection, drives it while the body is read and hands it back to the pool at the end of the
/// body; dropped earlier, it closes the connection (a half-read answer can't be skipped).
pub(crate) struct DirectBody(Kind);

enum Kind {
    H1 {
        incoming: Incoming,
        conn: Option<Box<H1>>,
        pool: Arc<HostPool>,
    },
    H2(Incoming),
}

impl DirectBody {
    pub(super) fn h1(incoming: Incoming, conn: Box<H1>, pool: Arc<HostPool>) -> Self {
        Self(Kind::H1 {
            incoming,
            conn: Some(conn),
            pool,
        })
    }

    pub(super) fn h2(incoming: Incoming) -> Self {
        Self(Kind::H2(incoming))
    }

    /// The next chunk of data; `None` at the end of the body.
    pub(crate) fn poll_chunk(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, String>>> {
        let (incoming, mut conn) = match &mut self.0 {
            Kind::H1 { incoming, conn, .. } => (incoming, conn.as_mut()),
            Kind::H2(incoming) => (incoming, None),
        };
        loop {
            if let Some(conn) = conn.as_mut() {
                conn.poll_conn(cx);
            }
            match Pin::new(&mut *incoming).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) if !data.is_empty() => return Poll::Ready(Some(Ok(data))),
                    // Empty data frames and trailers carry nothing for the caller.
                    _ => continue,
                },
                Poll::Ready(Some(Err(e))) => {
                    if let Kind::H1 { conn, .. } = &mut self.0 {
                        // Drop the connection: it is in no state to be reused.
                        *conn = None;
                    }
                    return Poll::Ready(Some(Err(hyper_message(&e))));
                }
                Poll::Ready(None) => {
                    if let Kind::H1 { conn, pool, .. } = &mut self.0 {
                        if let Some(mut h1) = conn.take() {
                            // Let the connection finish the exchange, then pool it.
                            h1.poll_conn(cx);
                            pool.checkin(h1);
                        }
                    }
                    return Poll::Ready(None);
                }
            }
        }
    }

    /// The whole body. A body of one chunk (the usual small answer) is returned without a copy.
    pub(crate) async fn collect(mut self) -> Result<Bytes, String> {
        let mut first: Option<Bytes> = None;
        let mut joined: Option<BytesMut> = None;
        while let Some(chunk) = poll_fn(|cx| self.poll_chunk(cx)).await {
            let chunk = chunk?;
            match (&mut joined, first.take()) {
                (Some(buf), _) => buf.extend_from_slice(&chunk),
                (None, None) => first = Some(chunk),
                (None, Some(head)) => {
                    let mut buf = BytesMut::with_capacity(head.len() + chunk.len());
                    buf.extend_from_slice(&head);
                    buf.extend_from_slice(&chunk);
                    joined = Some(buf);
                }
            }
        }
        Ok(match joined {
            Some(buf) => buf.freeze(),
            None => first.unwrap_or_default(),
        })
    }
}

impl Stream for DirectBody {
    type Item = Result<Bytes, String>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}
