//! [`ScoringClient`]: one POST per invoke with cached credentials, and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::Secret;
use futures::StreamExt;
use serde::{de::DeserializeOwned, Serialize};
use url::Url;

use super::cache::{bearer_header, check_scoring_uri, TargetCache};
use super::limits::ScoringLimits;
use super::request::InvokeRequest;
use super::response::{decode_scoring_json, InvokeResponse};
use super::stream::ResponseStream;
use super::target::{FixedTarget, ScoringAuth, ScoringTarget, ScoringTargetSource};
use super::wire::{exchange, Answer, Fallback, Wire};
use crate::error::{Error, Quote, Result};
use crate::http::direct::DirectClient;
use crate::http::headers::retry_after;

/// A client for one online endpoint's scoring URI.
///
/// Resolves the scoring URI and credentials once, then sends exactly one HTTP request per
/// invoke over a pooled connection set (HTTP/1.1 keep-alive, HTTP/2 when the server offers it).
/// A 401/403 re-resolves the credentials once and retries once; tokens are renewed at their
/// refresh time, by one task while the others wait for it. 429 and 503 are retried (honouring
/// `Retry-After`) a bounded number of times; nothing else is, since scoring is a POST.
///
/// Cheap to clone (an `Arc` inside), `Send + Sync`.
///
/// ```no_run
/// # async fn f() -> azure_ai_ml::Result<()> {
/// use azure_ai_ml::invoke::{InvokeRequest, ScoringClient};
/// let uri = url::Url::parse("https://churn.eastus.inference.ml.azure.com/score").unwrap();
/// let client = ScoringClient::with_key(uri, std::env::var("ENDPOINT_KEY").unwrap_or_default())?;
/// let response = client
///     .invoke(InvokeRequest::text(r#"{"data": [[12, 29.85, 358.20, 1, 0]]}"#))
///     .await?;
/// let predictions: Vec<u8> = response.json()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ScoringClient {
    inner: Arc<Inner>,
}

struct Inner {
    wire: Wire,
    cache: TargetCache,
    limits: ScoringLimits,
}

impl ScoringClient {
    /// A client for `scoring_uri` authenticating with an endpoint key (no ARM access needed).
    ///
    /// # Errors
    /// [`Error::Validation`] on `scoring_uri` (not https, or http off the local machine) or
    /// `key` (empty, or not a valid header value), before any request.
    pub fn with_key(scoring_uri: Url, key: impl Into<Secret>) -> Result<Self> {
        Self::builder().with_key(scoring_uri, key).build()
    }

    /// A client for `scoring_uri` authenticating with a token (AML or Entra) that the caller
    /// keeps fresh; a 401 is returned as an error after one retry.
    ///
    /// # Errors
    /// As [`with_key`](Self::with_key), on `token`.
    pub fn with_token(scoring_uri: Url, token: impl Into<Secret>) -> Result<Self> {
        Self::builder().with_token(scoring_uri, token).build()
    }

    /// A builder for the less common settings (HTTP client, retries, timeout, redirect).
    pub fn builder() -> ScoringClientBuilder {
        ScoringClientBuilder::default()
    }

    /// A client whose target comes from `source` (e.g. ARM lookups by an `MLClient`), sending
    /// through `http` (its connection pool, TLS roots and proxy settings) to `redirect` instead
    /// of the scoring host when set (test fakes and emulators).
    ///
    /// [`ScoringClient::builder`] with [`with_source`](ScoringClientBuilder::with_source) gives
    /// the faster default HTTP client instead.
    pub fn from_source(
        source: Arc<dyn ScoringTargetSource>,
        http: reqwest::Client,
        redirect: Option<Url>,
    ) -> Self {
        Self::with_wire(
            source,
            Wire::Reqwest(http),
            redirect,
            ScoringLimits::default(),
        )
    }

    pub(crate) fn with_wire(
        source: Arc<dyn ScoringTargetSource>,
        wire: Wire,
        redirect: Option<Url>,
        limits: ScoringLimits,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                cache: TargetCache::new(source, redirect, wire.direct()),
                wire,
                limits,
            }),
        }
    }

    /// The scoring URI, once resolved (after the first invoke or [`resolve`](Self::resolve)).
    pub fn scoring_uri(&self) -> Option<Url> {
        self.inner.cache.peek().map(|r| r.scoring_uri.clone())
    }

    /// Resolves the scoring URI and credentials now (otherwise the first invoke does it).
    ///
    /// # Errors
    /// Whatever the source reports (ARM errors, missing permissions), or
    /// [`Error::Validation`] for an unusable scoring URI or credential.
    pub async fn resolve(&self) -> Result<Url> {
        Ok(self.inner.cache.get().await?.scoring_uri.clone())
    }

    /// Sends one scoring request and returns the whole answer.
    ///
    /// # Arguments
    /// * `request` - the body and per-call options; pass it by value or by reference.
    ///
    /// # Errors
    /// [`Error::Validation`] for bad request options (before sending); [`Error::Service`] with
    /// status, request id and body text for a non-2xx answer; [`Error::Transport`] when no
    /// answer arrived; [`Error::Io`] when a request file can't be read.
    pub async fn invoke(&self, request: impl AsRef<InvokeRequest>) -> Result<InvokeResponse> {
        let mut answer = self.send(request.as_ref(), true).await?;
        let status = answer.status;
        let headers = std::mem::take(&mut answer.headers);
        let body = answer.into_bytes().await?;
        if !(200..300).contains(&status) {
            return Err(crate::error::service_error(
                status,
                &headers,
                &body,
                Quote::Text,
            ));
        }
        Ok(InvokeResponse {
            status,
            headers,
            body,
        })
    }

    /// Serializes `body` to JSON once, invokes, and decodes the answer as `Resp` (undoing the
    /// double encoding of a `run()` that returns `json.dumps(...)`, see
    /// [`decode_scoring_json`](super::decode_scoring_json)).
    ///
    /// # Arguments
    /// * `body` - the request document.
    /// * `deployment` - pin this call to a deployment, or let traffic rules decide.
    ///
    /// # Errors
    /// As [`invoke`](Self::invoke), plus [`Error::Decode`] when the answer doesn't match `Resp`.
    pub async fn invoke_json<Req, Resp>(&self, body: &Req, deployment: Option<&str>) -> Result<Resp>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let mut request = InvokeRequest::json(body)?;
        if let Some(name) = deployment {
            request = request.deployment(name);
        }
        let response = self.invoke(&request).await?;
        decode_scoring_json(&response.body)
    }

    /// Sends one scoring request and returns the answer as a stream of body chunks as they
    /// arrive (server-sent events, chunked transfer).
    ///
    /// # Errors
    /// As [`invoke`](Self::invoke) for everything up to the response head; a non-2xx answer is
    /// read whole and returned as [`Error::Service`]. Errors mid-stream are stream items.
    pub async fn invoke_stream(
        &self,
        request: impl AsRef<InvokeRequest>,
    ) -> Result<ResponseStream> {
        let mut answer = self.send(request.as_ref(), false).await?;
        let status = answer.status;
        let headers = std::mem::take(&mut answer.headers);
        if !(200..300).contains(&status) {
            let body = answer.into_bytes().await?;
            return Err(crate::error::service_error(
                status,
                &headers,
                &body,
                Quote::Text,
            ));
        }
        Ok(ResponseStream::new(status, headers, answer.into_stream()))
    }

    /// Invokes every request with at most `concurrency` in flight; results come back in the
    /// order of `requests`, one `Result` per request. A `concurrency` of 0 is taken as 1.
    pub async fn invoke_batch<I>(
        &self,
        requests: I,
        concurrency: usize,
    ) -> Vec<Result<InvokeResponse>>
    where
        I: IntoIterator<Item = InvokeRequest>,
    {
        futures::stream::iter(requests)
            .map(|request| async move { self.invoke(request).await })
            .buffered(concurrency.max(1))
            .collect()
            .await
    }

    /// Sends until an answer that is final: 2xx, an error not worth retrying, or out of tries
    /// or retry budget. With `whole`, every try reads the whole answer within its time limit.
    async fn send(&self, request: &InvokeRequest, whole: bool) -> Result<Answer> {
        let body = request.take_body().await?;
        let inner = &*self.inner;
        let limits = inner.limits;
        let mut target = inner.cache.get().await?;
        let budget = crate::http::deadline(limits.retry_budget);
        // A wait that would end past the budget is not started: the caller gets the answer now.
        let within_budget = |delay: Duration| tokio::time::Instant::now() + delay <= budget;
        let mut reauthenticated = false;
        let mut retries = 0;
        loop {
            let tried = exchange(
                &inner.wire,
                &target,
                request,
                body.clone(),
                limits.timeout,
                whole,
            )
            .await;
            match tried {
                Err(e) if e.connect && retries < limits.max_retries => {
                    // Nothing reached the server, so even a POST is safe to send again.
                    let delay = limits
                        .backoff
                        .delay(retries + 1)
                        .min(limits.max_retry_delay);
                    if !within_budget(delay) {
                        return Err(e.error);
                    }
                    retries += 1;
                    tokio::time::sleep(delay).await;
                }
                Err(e) => return Err(e.error),
                Ok(answer) => {
                    let status = answer.status;
                    if matches!(status, 401 | 403) && !reauthenticated {
                        reauthenticated = true;
                        tracing::debug!(status, "scoring credentials rejected; resolving again");
                        drain(answer).await;
                        target = inner
                            .cache
                            .refresh_after_rejection(target.generation)
                            .await?;
                    } else if matches!(status, 429 | 503) && retries < limits.max_retries {
                        let delay = retry_after(&answer.headers)
                            .unwrap_or_else(|| limits.backoff.delay(retries + 1))
                            .min(limits.max_retry_delay);
                        if !within_budget(delay) {
                            return Ok(answer);
                        }
                        retries += 1;
                        tracing::debug!(status, ?delay, retries, "scoring endpoint busy; retrying");
                        drain(answer).await;
                        tokio::time::sleep(delay).await;
                    } else {
                        return Ok(answer);
                    }
                }
            }
        }
    }
}

/// Reads and drops a body we won't use, so the connection goes back to the pool.
async fn drain(answer: Answer) {
    let _ = answer.into_bytes().await;
}

impl fmt::Debug for ScoringClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let resolved = self.inner.cache.peek();
        f.debug_struct("ScoringClient")
            .field(
                "scoring_uri",
                &resolved.as_ref().map(|r| r.scoring_uri.as_str()),
            )
            .field("auth_mode", &resolved.as_ref().map(|r| r.auth_mode()))
            .field("source", &self.inner.cache.source)
            .field("limits", &self.inner.limits)
            .field("http", &self.inner.wire.kind())
            .finish_non_exhaustive()
    }
}

/// Settings for a [`ScoringClient`]; start with [`ScoringClient::builder`].
#[derive(Default)]
pub struct ScoringClientBuilder {
    http: Option<reqwest::Client>,
    root_certificates: Vec<Vec<u8>>,
    redirect: Option<Url>,
    limits: ScoringLimits,
    target: Option<Result<Arc<dyn ScoringTargetSource>>>,
}

impl ScoringClientBuilder {
    /// Authenticate with an endpoint key.
    pub fn with_key(mut self, scoring_uri: Url, key: impl Into<Secret>) -> Self {
        self.target = Some(fixed(scoring_uri, ScoringAuth::Key(key.into())));
        self
    }

    /// Authenticate with a bearer token the caller keeps fresh.
    pub fn with_token(mut self, scoring_uri: Url, token: impl Into<Secret>) -> Self {
        let auth = ScoringAuth::AmlToken {
            token: token.into(),
            refresh_after: None,
            expires_on: None,
        };
        self.target = Some(fixed(scoring_uri, auth));
        self
    }

    /// Take the target from `source` (resolved on first use, again after 401/403).
    pub fn with_source(mut self, source: Arc<dyn ScoringTargetSource>) -> Self {
        self.target = Some(Ok(source));
        self
    }

    /// Use this HTTP client (and its connection pool, TLS roots, proxy settings).
    pub fn with_http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Trust one more PEM root certificate (ignored when an HTTP client is given).
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Send every request to this base URL, with the scoring host in `x-azml-original-host`.
    pub fn with_redirect(mut self, base: Url) -> Self {
        self.redirect = Some(base);
        self
    }

    /// How many times to retry after 429/503 or a failed connection (default 3).
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.limits.max_retries = retries;
        self
    }

    /// The longest wait between tries, whatever `Retry-After` says (default 60 s).
    pub fn with_max_retry_delay(mut self, delay: Duration) -> Self {
        self.limits.max_retry_delay = delay;
        self
    }

    /// Give up on one try (answer body included) after this long (default
    /// [`DEFAULT_SCORING_TIMEOUT`](super::DEFAULT_SCORING_TIMEOUT)); a try over it fails with
    /// [`Error::Transport`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = Some(timeout);
        self
    }

    /// No time limit per try (the default is
    /// [`DEFAULT_SCORING_TIMEOUT`](super::DEFAULT_SCORING_TIMEOUT)).
    pub fn without_timeout(mut self) -> Self {
        self.limits.timeout = None;
        self
    }

    /// Retry (and wait to retry) only this long after the first try (default 15 s); past it
    /// the last answer or error is returned.
    pub fn with_retry_budget(mut self, budget: Duration) -> Self {
        self.limits.retry_budget = budget;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::Validation`] when no target was set, the scoring URI or credential is unusable,
    /// or a root certificate is not PEM; [`Error::Transport`] if the HTTP client can't be built.
    pub fn build(self) -> Result<ScoringClient> {
        let source = self.target.unwrap_or_else(|| {
            Err(Error::validation(
                "scoring_uri",
                "must be set (with_key, with_token or with_source)",
            ))
        })?;
        let wire = match self.http {
            Some(http) => Wire::Reqwest(http),
            None => Wire::Direct {
                client: Arc::new(DirectClient::new(
                    &self.root_certificates,
                    "root_certificates",
                )?),
                fallback: Fallback::Lazy {
                    roots: self.root_certificates,
                    client: std::sync::OnceLock::new(),
                },
            },
        };
        Ok(ScoringClient::with_wire(
            source,
            wire,
            self.redirect,
            self.limits,
        ))
    }
}

impl fmt::Debug for ScoringClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScoringClientBuilder")
            .field("redirect", &self.redirect.as_ref().map(Url::as_str))
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A fixed target, checked now so a bad URI or key fails at construction.
fn fixed(scoring_uri: Url, auth: ScoringAuth) -> Result<Arc<dyn ScoringTargetSource>> {
    check_scoring_uri(&scoring_uri)?;
    match &auth {
        ScoringAuth::Key(secret) | ScoringAuth::AmlToken { token: secret, .. } => {
            bearer_header(secret.secret(), auth.mode())?;
        }
        _ => {}
    }
    Ok(Arc::new(FixedTarget(ScoringTarget::new(scoring_uri, auth))))
}

impl AsRef<InvokeRequest> for InvokeRequest {
    fn as_ref(&self) -> &InvokeRequest {
        self
    }
}
