//! How one scoring try goes out: [`Wire`] (the direct hyper client, a `reqwest` client, or an
//! `azure_core` pipeline) and the [`Answer`] it produces, with the try's time limit applied to
//! the answer head and body alike.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use azure_core::http::{
    ClientOptions, Method as AzMethod, Pipeline, PipelineStreamOptions, RetryOptions, Transport,
};
use bytes::Bytes;
use futures::stream::BoxStream;
use futures::{Stream, StreamExt, TryStreamExt};
use http::header::{HeaderName, AUTHORIZATION};
use http::{HeaderMap, HeaderValue, Method};
use http_body_util::Full;
use tokio::time::{Instant, Sleep};

use super::cache::Resolved;
use super::limits::ScoringLimits;
use super::request::InvokeRequest;
use super::retry::{retry_choice, RetryChoice};
use crate::error::{transport_message, Error, Result};
use crate::http::direct::{transport_error, DirectBody, DirectClient};
use crate::redirect::ORIGINAL_HOST_HEADER;

const ORIGINAL_HOST: HeaderName = HeaderName::from_static(ORIGINAL_HOST_HEADER);

/// The HTTP stack scoring requests go through.
pub(crate) enum Wire {
    /// The default: hyper connections driven by the calling task (see `crate::http::direct`),
    /// and `reqwest` for targets a proxy applies to.
    Direct {
        client: Arc<DirectClient>,
        fallback: Fallback,
    },
    /// A caller-supplied `reqwest` client, used as given.
    Reqwest(reqwest::Client),
    /// The caller's `azure_core` transport and policies (`ClientOptions::transport`,
    /// `per_call_policies`, `per_try_policies`), as a pipeline without a retry policy of its own
    /// unless the caller's is custom (the scoring client retries).
    Pipeline(Pipeline),
}

/// The `reqwest` client for targets behind a proxy: the `MLClient`'s, or one built on first use
/// with the same extra roots.
pub(crate) enum Fallback {
    Given(reqwest::Client),
    Lazy {
        roots: Vec<Vec<u8>>,
        client: OnceLock<std::result::Result<reqwest::Client, String>>,
    },
}

impl Fallback {
    fn client(&self) -> std::result::Result<reqwest::Client, Error> {
        match self {
            Fallback::Given(client) => Ok(client.clone()),
            Fallback::Lazy { roots, client } => client
                .get_or_init(|| {
                    crate::http::build_client(roots, "root_certificates").map_err(|e| e.to_string())
                })
                .clone()
                .map_err(|message| Error::Transport {
                    message,
                    source: None,
                }),
        }
    }
}

impl Wire {
    /// The direct client, when this wire uses one (targets get their pool from it).
    pub(crate) fn direct(&self) -> Option<Arc<DirectClient>> {
        match self {
            Wire::Direct { client, .. } => Some(client.clone()),
            _ => None,
        }
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Wire::Direct { .. } => "direct",
            Wire::Reqwest(_) => "reqwest",
            Wire::Pipeline(_) => "pipeline",
        }
    }
}

/// An `MLClient`'s scoring HTTP settings, from its `ClientOptions`, shared by the scoring
/// clients of its endpoints.
///
/// * No transport and no extra policies (the usual case): the direct client, with the
///   `MLClient`'s `reqwest` client for targets behind a proxy.
/// * `transport`, `per_call_policies` or `per_try_policies` set, or a custom retry policy: an
///   `azure_core` pipeline over them (the `MLClient`'s `reqwest` client when no transport is
///   given). Only a custom retry policy retries inside it; the scoring client's own loop does
///   the rest.
/// * `retry` (exponential, fixed or none) sets the scoring retries: their number and the wait
///   when the server names none.
pub(crate) struct ScoringHttp {
    kind: HttpKind,
    retry: RetryChoice,
}

enum HttpKind {
    Direct {
        client: Arc<DirectClient>,
        fallback: reqwest::Client,
    },
    Pipeline(Pipeline),
}

impl ScoringHttp {
    /// From the `MLClient`'s options, its `reqwest` client and the TLS settings of both.
    pub(crate) fn new(
        options: &ClientOptions,
        http: &reqwest::Client,
        tls: Arc<rustls::ClientConfig>,
    ) -> Self {
        let retry = retry_choice(&options.retry);
        let custom = options.transport.is_some()
            || !options.per_call_policies.is_empty()
            || !options.per_try_policies.is_empty()
            || retry == RetryChoice::Custom;
        let kind = if custom {
            let mut options = options.clone();
            if options.transport.is_none() {
                options.transport = Some(Transport::new(Arc::new(http.clone())));
            }
            if retry != RetryChoice::Custom {
                options.retry = RetryOptions::none();
            }
            HttpKind::Pipeline(crate::http::pipeline(options, Vec::new(), Vec::new(), None))
        } else {
            HttpKind::Direct {
                client: Arc::new(DirectClient::with_tls(tls)),
                fallback: http.clone(),
            }
        };
        Self { kind, retry }
    }

    /// The wire of one endpoint's scoring client.
    pub(crate) fn wire(&self) -> Wire {
        match &self.kind {
            HttpKind::Direct { client, fallback } => Wire::Direct {
                client: client.clone(),
                fallback: Fallback::Given(fallback.clone()),
            },
            HttpKind::Pipeline(pipeline) => Wire::Pipeline(pipeline.clone()),
        }
    }

    /// `limits` with the caller's retry options applied.
    pub(crate) fn limits(&self, mut limits: ScoringLimits) -> ScoringLimits {
        match self.retry {
            RetryChoice::Default => {}
            RetryChoice::Limits {
                max_retries,
                backoff,
            } => {
                limits.max_retries = max_retries;
                limits.backoff = backoff;
            }
            // The caller's policy retries inside the pipeline.
            RetryChoice::Custom => limits.max_retries = 0,
        }
        limits
    }
}

/// One try's failure.
pub(crate) struct TryError {
    /// Nothing reached the server (no connection): safe to send again.
    pub(crate) connect: bool,
    pub(crate) error: Error,
}

impl TryError {
    fn other(error: Error) -> Self {
        Self {
            connect: false,
            error,
        }
    }
}

/// An answer: status, headers and the body (whole, or still arriving).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    body: AnswerBody,
}

enum AnswerBody {
    Whole(Bytes),
    Arriving {
        chunks: BoxStream<'static, Result<Bytes>>,
    },
}

impl Answer {
    /// The whole body (reading the rest of it, within the try's time limit).
    pub(crate) async fn into_bytes(self) -> Result<Bytes> {
        match self.body {
            AnswerBody::Whole(bytes) => Ok(bytes),
            AnswerBody::Arriving { chunks } => chunks
                .try_fold(Vec::new(), |mut all, chunk| async move {
                    all.extend_from_slice(&chunk);
                    Ok(all)
                })
                .await
                .map(Bytes::from),
        }
    }

    /// The body as chunks as they arrive (within the try's time limit).
    pub(crate) fn into_stream(self) -> BoxStream<'static, Result<Bytes>> {
        match self.body {
            AnswerBody::Whole(bytes) if bytes.is_empty() => futures::stream::empty().boxed(),
            AnswerBody::Whole(bytes) => futures::stream::once(async move { Ok(bytes) }).boxed(),
            AnswerBody::Arriving { chunks } => chunks,
        }
    }
}

/// One try: sends `body` to `target` and returns the answer. With `whole`, the body is read
/// within the time limit too (what `invoke` needs); otherwise the body streams and the time
/// limit still ends it.
pub(crate) async fn exchange(
    wire: &Wire,
    target: &Resolved,
    request: &InvokeRequest,
    body: Bytes,
    timeout: Option<Duration>,
    whole: bool,
) -> std::result::Result<Answer, TryError> {
    let deadline = timeout.map(crate::http::deadline);
    let attempt = async {
        let answer = match (wire, &target.pool) {
            (Wire::Direct { .. }, Some(pool)) => {
                let mut http_request = http::Request::new(Full::new(body));
                *http_request.method_mut() = Method::POST;
                *http_request.uri_mut() = target.origin_form.clone();
                let headers = http_request.headers_mut();
                headers.reserve(5 + request.headers.len());
                write_headers(headers, target, request);
                let response = pool
                    .send(http_request, &target.absolute)
                    .await
                    .map_err(|e| TryError {
                        connect: e.is_connect(),
                        error: transport_error(&target.send_url, &e),
                    })?;
                let (parts, body) = response.into_parts();
                let body = if whole {
                    // The usual small answer: read here, no stream boxed around it.
                    let bytes = body
                        .collect()
                        .await
                        .map_err(|m| TryError::other(read_error(&target.send_url, &m)))?;
                    AnswerBody::Whole(bytes)
                } else {
                    direct_body(body, &target.send_url)
                };
                Answer {
                    status: parts.status.as_u16(),
                    headers: parts.headers,
                    body,
                }
            }
            // Off the direct path, the other stacks' (large) futures live on the heap, so the
            // direct path doesn't move their size around on every call.
            (Wire::Direct { fallback, .. }, None) => {
                let client = fallback.client().map_err(TryError::other)?;
                Box::pin(send_reqwest(&client, target, request, body)).await?
            }
            (Wire::Reqwest(client), _) => {
                Box::pin(send_reqwest(client, target, request, body)).await?
            }
            (Wire::Pipeline(pipeline), _) => {
                Box::pin(send_pipeline(pipeline, target, request, body)).await?
            }
        };
        if !whole {
            return Ok(answer);
        }
        let status = answer.status;
        let headers = answer.headers;
        let body = match answer.body {
            AnswerBody::Whole(bytes) => bytes,
            AnswerBody::Arriving { chunks } => Answer {
                status,
                headers: HeaderMap::new(),
                body: AnswerBody::Arriving { chunks },
            }
            .into_bytes()
            .await
            .map_err(TryError::other)?,
        };
        Ok(Answer {
            status,
            headers,
            body: AnswerBody::Whole(body),
        })
    };
    let Some(deadline) = deadline else {
        return attempt.await;
    };
    let mut answer = match tokio::time::timeout_at(deadline, attempt).await {
        Ok(answer) => answer?,
        Err(_) => return Err(TryError::other(timed_out(target, timeout))),
    };
    if let AnswerBody::Arriving { chunks } = answer.body {
        answer.body = AnswerBody::Arriving {
            chunks: Deadline {
                chunks,
                sleep: Box::pin(tokio::time::sleep_until(deadline)),
                error: Some(timed_out(target, timeout)),
            }
            .boxed(),
        };
    }
    Ok(answer)
}

fn timed_out(target: &Resolved, timeout: Option<Duration>) -> Error {
    Error::Transport {
        message: format!(
            "timed out: no complete answer from {} within {:?}",
            target.send_url,
            timeout.unwrap_or_default()
        ),
        source: None,
    }
}

/// The request's own headers, then the target's (`Authorization`, `x-azml-original-host`).
fn write_headers(headers: &mut HeaderMap, target: &Resolved, request: &InvokeRequest) {
    request.apply_headers(headers);
    if let Some(authorization) = &target.authorization {
        headers.insert(AUTHORIZATION, authorization.clone());
    }
    if let Some(host) = &target.original_host {
        headers.insert(ORIGINAL_HOST, host.clone());
    }
}

fn read_error(url: &url::Url, message: &str) -> Error {
    Error::Transport {
        message: format!("error reading the answer from {url}: {message}"),
        source: None,
    }
}

fn direct_body(body: DirectBody, url: &url::Url) -> AnswerBody {
    let url = url.clone();
    AnswerBody::Arriving {
        chunks: body
            .map_err(move |message| read_error(&url, &message))
            .boxed(),
    }
}

async fn send_reqwest(
    client: &reqwest::Client,
    target: &Resolved,
    request: &InvokeRequest,
    body: Bytes,
) -> std::result::Result<Answer, TryError> {
    let mut http_request = reqwest::Request::new(Method::POST, target.send_url.clone());
    write_headers(http_request.headers_mut(), target, request);
    *http_request.body_mut() = Some(body.into());
    let mut response = client.execute(http_request).await.map_err(|e| TryError {
        connect: e.is_connect(),
        error: reqwest_error(&e),
    })?;
    let headers = std::mem::take(response.headers_mut());
    Ok(Answer {
        status: response.status().as_u16(),
        headers,
        body: AnswerBody::Arriving {
            chunks: response
                .bytes_stream()
                .map_err(|e| reqwest_error(&e))
                .boxed(),
        },
    })
}

fn reqwest_error(e: &reqwest::Error) -> Error {
    // reqwest's message names the URL (the scoring URI: no secrets) and the cause chain.
    Error::Transport {
        message: transport_message(e),
        source: None,
    }
}

async fn send_pipeline(
    pipeline: &Pipeline,
    target: &Resolved,
    request: &InvokeRequest,
    body: Bytes,
) -> std::result::Result<Answer, TryError> {
    let mut headers = HeaderMap::new();
    write_headers(&mut headers, target, request);
    let mut az_request = azure_core::http::Request::new(target.send_url.clone(), AzMethod::Post);
    for (name, value) in &headers {
        az_request.insert_header(
            name.as_str().to_owned(),
            String::from_utf8_lossy(value.as_bytes()).into_owned(),
        );
    }
    az_request.set_body(body);
    let options = PipelineStreamOptions {
        skip_checks: true,
        ..Default::default()
    };
    let response = pipeline
        .stream(
            &azure_core::http::Context::new(),
            &mut az_request,
            Some(options),
        )
        .await
        .map_err(|e| TryError::other(Error::from(e)))?;
    let (status, az_headers, body) = response.deconstruct();
    let mut headers = HeaderMap::new();
    for (name, value) in az_headers.iter() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_str(value.as_str()),
        ) {
            headers.append(name, value);
        }
    }
    Ok(Answer {
        status: u16::from(status),
        headers,
        body: AnswerBody::Arriving {
            chunks: body.map_err(Error::from).boxed(),
        },
    })
}

/// A body stream cut off at the try's deadline: one timeout error, then the end.
struct Deadline {
    chunks: BoxStream<'static, Result<Bytes>>,
    sleep: Pin<Box<Sleep>>,
    error: Option<Error>,
}

impl Stream for Deadline {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(_) = this.error else {
            return Poll::Ready(None);
        };
        if let Poll::Ready(item) = this.chunks.poll_next_unpin(cx) {
            if item.is_none() {
                this.error = None;
            }
            return Poll::Ready(item);
        }
        if this.sleep.as_mut().poll(cx).is_ready() || this.sleep.deadline() <= Instant::now() {
            return Poll::Ready(this.error.take().map(Err));
        }
        Poll::Pending
    }
}
