//! [`ArmClient`]: everything the SDK asks of Azure Resource Manager, each verb once.
//!
//! Operation groups say *what* (an [`ArmPath`], a body, what the answer is called in errors) and
//! the client does the *how*: the URL with its api-version, the pipeline with the ARM token, one
//! error mapping for non-2xx answers, decoding with the JSON path of a bad field, pagers and
//! long-running-operation pollers. Every verb takes the caller's [`Context`], which reaches the
//! pipeline (and every poll and page of a poller or pager).

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::{
    pager::{PagerContinuation, PagerOptions},
    policies::{auth::BearerTokenAuthorizationPolicy, Policy},
    ClientOptions, Context, Method, Pipeline, PipelineOptions, PipelineSendOptions, RawResponse,
    Request, StatusCode, Url,
};
use bytes::Bytes;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use tokio::sync::OnceCell;

use super::lro::{self, LroPoller, Output, PollPlan};
use super::pager::{self, ArmPager};
use super::{resources, ApiVersions, ArmPath};
use crate::error::{decode_json, decode_secret_json, Error, Quote, Result};
use crate::http::policies::call_limit_policies;
use crate::ids::WorkspaceScope;

/// How long ARM calls may take and wait.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ArmLimits {
    /// Time limit of one try (request to the end of the answer's body); `None`: no limit.
    pub(crate) request_timeout: Option<Duration>,
    /// How long a call keeps retrying (tries and waits together) once its first try is out.
    pub(crate) retry_budget: Duration,
    /// Longest wait a `Retry-After` may ask for (retries and LRO polls).
    pub(crate) max_retry_after: Duration,
}

/// What an [`ArmClient`] is built from, besides the credential and the pipeline options.
#[derive(Clone, Debug)]
pub(crate) struct ArmSettings {
    /// ARM base URL, e.g. `https://management.azure.com`.
    pub(crate) endpoint: Url,
    /// ARM token audience; the scope asked for is `{audience}/.default`.
    pub(crate) audience: String,
    /// The client's workspace.
    pub(crate) scope: WorkspaceScope,
    /// api-version per operation group.
    pub(crate) api: ApiVersions,
    /// Replaces the wait between LRO polls (tests set zero).
    pub(crate) polling_interval: Option<Duration>,
    /// Time limits.
    pub(crate) limits: ArmLimits,
}

/// The one ARM client of an `MLClient`: pipelines, endpoint, workspace scope, api-versions and
/// polling settings. Cheap to clone (an `Arc` inside).
#[derive(Clone)]
pub(crate) struct ArmClient(Arc<Inner>);

struct Inner {
    /// Bearer token for the ARM audience (per try), azure_core's retries within the call's
    /// retry budget, a time limit per try.
    pipeline: Pipeline,
    /// For POST actions that must not run twice (regenerateKeys): retries only 429/503, where
    /// the service promises it did not take the request, and connections that failed before
    /// the request went out.
    non_idempotent: Pipeline,
    settings: ArmSettings,
    /// The workspace region (one GET per client: a workspace never moves).
    location: OnceCell<String>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.0.settings.endpoint.as_str())
            .field("scope", &self.0.settings.scope)
            .finish_non_exhaustive()
    }
}

/// Serializes a request body once.
fn to_body<B: Serialize + ?Sized>(body: &B) -> Result<Bytes> {
    serde_json::to_vec(body)
        .map(Bytes::from)
        .map_err(|e| Error::other(format!("could not serialize request body: {e}")))
}

/// Retry settings for requests that must not be repeated once processed: only 429 and 503
/// (the service says it did not take the request), honouring `Retry-After`.
fn only_throttling_retries() -> PipelineOptions {
    use azure_core::http::{
        headers::{RETRY_AFTER, RETRY_AFTER_MS, X_MS_RETRY_AFTER_MS},
        policies::RetryHeaders,
    };
    PipelineOptions {
        retry_headers: RetryHeaders {
            retry_headers: vec![X_MS_RETRY_AFTER_MS, RETRY_AFTER_MS, RETRY_AFTER],
        },
        retry_status_codes: vec![StatusCode::TooManyRequests, StatusCode::ServiceUnavailable],
    }
}

impl ArmClient {
    /// Builds the ARM pipelines over `options` (transport, retries, extra policies such as the
    /// test redirect) with a bearer policy for the ARM audience and the call limits.
    pub(crate) fn new(
        credential: Arc<dyn TokenCredential>,
        options: &ClientOptions,
        settings: ArmSettings,
    ) -> Self {
        let scope = format!("{}/.default", settings.audience.trim_end_matches('/'));
        let bearer: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential,
            [scope.as_str()],
        ));
        let limits = settings.limits;
        let pipeline = |retries: Option<PipelineOptions>, idempotent: bool| {
            let (per_call, per_try) = call_limit_policies(
                limits.retry_budget,
                limits.request_timeout,
                limits.max_retry_after,
                idempotent,
            );
            crate::http::pipeline(
                options.clone(),
                vec![per_call],
                vec![bearer.clone(), per_try],
                retries,
            )
        };
        Self(Arc::new(Inner {
            pipeline: pipeline(None, true),
            non_idempotent: pipeline(Some(only_throttling_retries()), false),
            settings,
            location: OnceCell::new(),
        }))
    }

    /// The client's workspace.
    pub(crate) fn scope(&self) -> &WorkspaceScope {
        &self.0.settings.scope
    }

    /// api-version per operation group.
    pub(crate) fn api(&self) -> &ApiVersions {
        &self.0.settings.api
    }

    /// The wait between LRO polls, when the caller replaced the service's.
    pub(crate) fn polling_interval(&self) -> Option<Duration> {
        self.0.settings.polling_interval
    }

    /// Longest wait a `Retry-After` may ask for.
    pub(crate) fn max_retry_after(&self) -> Duration {
        self.0.settings.limits.max_retry_after
    }

    /// Checks that a follow-up URL from an answer (`Azure-AsyncOperation`, `Location`,
    /// `nextLink`) is on the ARM endpoint: it would get the ARM token.
    ///
    /// # Errors
    /// [`Error::Decode`] naming `what` and both hosts, for any other scheme, host or port.
    pub(crate) fn check_follow_up(&self, url: &Url, what: &str) -> Result<()> {
        let arm = &self.0.settings.endpoint;
        let origin = |u: &Url| {
            format!(
                "{}://{}:{}",
                u.scheme(),
                u.host_str().unwrap_or_default(),
                u.port_or_known_default().unwrap_or_default()
            )
        };
        if origin(url) == origin(arm) {
            return Ok(());
        }
        Err(Error::Decode {
            what: format!("the {what} link"),
            path: None,
            message: format!(
                "it points at {}, not at the ARM endpoint {}; not followed, as it would get the ARM token",
                origin(url),
                origin(arm)
            ),
        })
    }

    /// The request URL of `path`.
    pub(crate) fn url(&self, path: &ArmPath) -> Url {
        path.url(&self.0.settings.endpoint, &self.0.settings.scope)
    }

    /// GET and decode.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        path: &ArmPath,
        what: &str,
        ctx: &Context<'_>,
    ) -> Result<T> {
        let response = self.send(Method::Get, self.url(path), None, ctx).await?;
        decode_json(what, response.body().as_ref())
    }

    /// GET and decode; `None` when the resource does not exist (404).
    pub(crate) async fn get_opt<T: DeserializeOwned>(
        &self,
        path: &ArmPath,
        what: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<T>> {
        match self.get(path, what, ctx).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// PUT a resource whose PUT is synchronous (assets) and decode the answer.
    pub(crate) async fn put<T: DeserializeOwned>(
        &self,
        path: &ArmPath,
        body: &(impl Serialize + ?Sized),
        what: &str,
        ctx: &Context<'_>,
    ) -> Result<T> {
        let response = self
            .send(Method::Put, self.url(path), Some(to_body(body)?), ctx)
            .await?;
        decode_json(what, response.body().as_ref())
    }

    /// POST an action (`getLogs`, `startPendingUpload`, …) and decode its answer; an empty
    /// answer decodes as JSON `null`.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &ArmPath,
        body: Option<&(impl Serialize + ?Sized)>,
        what: &str,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.post_quoting(path, body, what, Quote::Text, ctx).await
    }

    /// POST an action whose answer carries keys or tokens (`listKeys`, `token`,
    /// `listSecrets`): as [`post`](Self::post), but no error repeats anything of the answer.
    pub(crate) async fn post_secrets<T: DeserializeOwned>(
        &self,
        path: &ArmPath,
        body: Option<&(impl Serialize + ?Sized)>,
        what: &str,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.post_quoting(path, body, what, Quote::Nothing, ctx)
            .await
    }

    async fn post_quoting<B, T>(
        &self,
        path: &ArmPath,
        body: Option<&B>,
        what: &str,
        quote: Quote,
        ctx: &Context<'_>,
    ) -> Result<T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = body.map(to_body).transpose()?;
        let response = self
            .send_on(
                &self.0.pipeline,
                Method::Post,
                self.url(path),
                body,
                quote,
                ctx,
            )
            .await?;
        let bytes = response.body().as_ref();
        let bytes = if bytes.is_empty() { b"null" } else { bytes };
        match quote {
            Quote::Nothing => decode_secret_json(what, bytes),
            Quote::Text | Quote::Fields => decode_json(what, bytes),
        }
    }

    /// A collection as a pager that follows `nextLink` with the path's api-version (from
    /// `options.continuation` when the caller resumes a list).
    ///
    /// # Errors
    /// [`Error::Validation`] for a continuation that is not a link on the ARM endpoint.
    pub(crate) fn list<T>(&self, path: &ArmPath, options: PagerOptions<'_>) -> Result<ArmPager<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        self.pager(self.url(path), path.api_version(), options)
    }

    /// A pager over `first` and the pages after it, with the caller's context and continuation.
    ///
    /// # Errors
    /// As [`list`](Self::list).
    pub(crate) fn pager<T>(
        &self,
        first: Url,
        api_version: &str,
        options: PagerOptions<'_>,
    ) -> Result<ArmPager<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        if let Some(continuation) = &options.continuation {
            let PagerContinuation::Link(link) = continuation else {
                return Err(Error::validation(
                    "continuation",
                    "ARM lists resume from a next link, not a token",
                ));
            };
            self.check_follow_up(link, "continuation")
                .map_err(|e| Error::validation("continuation", e.to_string()))?;
        }
        let options = PagerOptions {
            context: options.context.into_owned(),
            continuation: options.continuation,
        };
        Ok(pager::pager(
            self.clone(),
            options,
            first,
            api_version.to_owned(),
        ))
    }

    /// PUT a tracked resource (endpoint, deployment); the poller follows its provisioning.
    pub(crate) async fn begin_put<B, T>(
        &self,
        path: &ArmPath,
        body: &B,
        operation: String,
        ctx: &Context<'_>,
    ) -> Result<LroPoller<T>>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned + Send + 'static,
    {
        let url = self.url(path);
        let response = self
            .send(Method::Put, url.clone(), Some(to_body(body)?), ctx)
            .await?;
        tracing::debug!(operation = %operation, status = %u16::from(response.status()), "initial PUT answered");
        let status = response.status();
        let plan = if status == StatusCode::Ok || status == StatusCode::Created {
            PollPlan::for_put(response.headers(), url)
        } else {
            // 202 to a PUT is not in the spec; follow Location if there is one.
            PollPlan::for_location(status, response.headers())
        };
        Ok(self.poller(operation, plan, Output::Resource, &response, ctx))
    }

    /// DELETE a resource (200/204 at once, or 202 + `Location`).
    pub(crate) async fn begin_delete(
        &self,
        path: &ArmPath,
        operation: String,
        ctx: &Context<'_>,
    ) -> Result<LroPoller<()>> {
        let response = self.send(Method::Delete, self.url(path), None, ctx).await?;
        let plan = PollPlan::for_location(response.status(), response.headers());
        Ok(self.poller(operation, plan, Output::Unit, &response, ctx))
    }

    /// POST a long-running action that must not run twice (regenerateKeys).
    pub(crate) async fn begin_action<B>(
        &self,
        path: &ArmPath,
        body: &B,
        operation: String,
        ctx: &Context<'_>,
    ) -> Result<LroPoller<()>>
    where
        B: Serialize + ?Sized,
    {
        let response = self
            .send_on(
                &self.0.non_idempotent,
                Method::Post,
                self.url(path),
                Some(to_body(body)?),
                Quote::Text,
                ctx,
            )
            .await?;
        let plan = PollPlan::for_location(response.status(), response.headers());
        Ok(self.poller(operation, plan, Output::Unit, &response, ctx))
    }

    fn poller<T>(
        &self,
        operation: String,
        plan: PollPlan,
        output: Output,
        initial: &RawResponse,
        ctx: &Context<'_>,
    ) -> LroPoller<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let timeout = lro::operation_timeout(initial.headers());
        lro::poller(
            self.clone(),
            ctx.to_owned(),
            operation,
            plan,
            output,
            timeout,
        )
    }

    /// The workspace's region, read once per client.
    pub(crate) async fn workspace_location(&self, ctx: &Context<'_>) -> Result<String> {
        #[derive(Deserialize)]
        struct Located {
            #[serde(default)]
            location: Option<String>,
        }
        self.0
            .location
            .get_or_try_init(|| async {
                let workspace: Located = self
                    .get(&resources::workspace(self.api()), "Workspace", ctx)
                    .await?;
                workspace
                    .location
                    .filter(|l| !l.is_empty())
                    .ok_or_else(|| Error::decode("Workspace", "the workspace has no `location`"))
            })
            .await
            .cloned()
    }

    /// Sends one request to `url` (a follow-up link of a poller or pager, or a path's URL); any
    /// non-2xx answer becomes [`Error::Service`].
    pub(crate) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        ctx: &Context<'_>,
    ) -> Result<RawResponse> {
        self.send_on(&self.0.pipeline, method, url, body, Quote::Text, ctx)
            .await
    }

    async fn send_on(
        &self,
        pipeline: &Pipeline,
        method: Method,
        url: Url,
        body: Option<Bytes>,
        quote: Quote,
        ctx: &Context<'_>,
    ) -> Result<RawResponse> {
        let mut request = Request::new(url, method);
        request.insert_header("accept", "application/json");
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(body);
        }
        let response = pipeline
            .send(
                ctx,
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..Default::default()
                }),
            )
            .await?;
        let status = response.status();
        if status.is_success() {
            Ok(response)
        } else {
            Err(crate::error::service_error(
                u16::from(status),
                response.headers(),
                response.body().as_ref(),
                quote,
            ))
        }
    }
}
