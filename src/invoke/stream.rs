//! [`ResponseStream`]: a scoring answer delivered chunk by chunk.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures::stream::BoxStream;
use futures::Stream;
use reqwest::header::HeaderMap;

use crate::error::Result;
use crate::http::headers::request_id;

/// The body of a successful streaming answer, as the chunks arrive from the connection
/// (server-sent events, chunked transfer), with the response head kept alongside.
pub struct ResponseStream {
    status: u16,
    headers: HeaderMap,
    chunks: BoxStream<'static, Result<Bytes>>,
}

impl ResponseStream {
    pub(crate) fn new(
        status: u16,
        headers: HeaderMap,
        chunks: BoxStream<'static, Result<Bytes>>,
    ) -> Self {
        Self {
            status,
            headers,
            chunks,
        }
    }

    /// HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The service's request id (`x-ms-request-id`, else `x-request-id`).
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }
}

impl Stream for ResponseStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("status", &self.status)
            .field("request_id", &self.request_id())
            .finish_non_exhaustive()
    }
}
