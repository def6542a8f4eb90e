//! A stateful fake Azure ML workspace for client tests (feature `fake`).
//!
//! [`FakeWorkspace`] serves ARM, blob storage and scoring URIs from one local port, backed by
//! the sans-IO [`core`](crate::core). Clients send their *logical* URLs to
//! [`FakeWorkspace::uri`] and the logical host in the [`ORIGINAL_HOST_HEADER`] header (the
//! `azure_ai_ml` SDK does this with `MLClientOptions::redirect`; its `testing` feature gives
//! `fake.client()`), so the authentication decisions they make are the ones they would make
//! against Azure, and the fake can record a credential shown to the wrong host.
//!
//! Faults are injected with [`FakeWorkspace::inject`]: error statuses (429 and 503 with
//! `Retry-After`, 500, any other), delays, long-running operations that end `Failed` or
//! `Canceled` or never end, and list pages whose `nextLink` points at themselves. wiremock owns
//! the connection, so faults of the connection itself ([`Fault::Silence`],
//! [`Fault::ResetBeforeResponse`], [`Fault::ResetMidBody`], [`Fault::TruncatedBody`]) are
//! refused here; the offline workspace (`local::LocalWorkspace`, which needs no Python for
//! ARM, blob and scoring faults) stages every fault.
//!
//! ```no_run
//! # async fn f() {
//! use azureml_emulator::fake::{FakeWorkspace, ScoreResponse};
//!
//! let fake = FakeWorkspace::start().await;
//! // The stand-in for the model behind every scoring URI.
//! fake.on_score(|_req| ScoreResponse::json(&serde_json::json!([1, 0])));
//! // … point a client at fake.uri(); then check what reached the workspace:
//! assert!(fake.violations().is_empty());
//! # }
//! ```

mod credential;
mod monitor;
mod server;

use std::sync::{Arc, Mutex};

use azure_core::credentials::Secret;
use bytes::Bytes;
use url::Url;
use wiremock::{Mock, MockServer};

use crate::core::{CoreConfig, WorkspaceCore};
use crate::error::{Error, Result};
use server::{lock, CoreResponder};

pub use crate::core::{
    fake_access_token, AuthMode, ContainerType, CoreRequest, CoreResponse, CredentialKind,
    DeploymentRuntime, DeploymentSpec, Fault, FaultRule, HostKind, LoggedRequest, LroFailure,
    LroKind, RequestFailure, RuntimeState, ScoreRequest, ScoreResponse, Service, Violation,
    WorkspaceState, MODEL_DEPLOYMENT_HEADER, ORIGINAL_HOST_HEADER,
};
pub use credential::FakeCredential;

/// Configures a [`FakeWorkspace`] before it starts.
#[derive(Debug, Default)]
pub struct FakeWorkspaceBuilder {
    config: CoreConfig,
    state: Option<WorkspaceState>,
    runtime: Option<RuntimeBox>,
}

/// A runtime in a box, with a `Debug` the builder can derive through.
struct RuntimeBox(Box<dyn DeploymentRuntime>);

impl std::fmt::Debug for RuntimeBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeploymentRuntime")
    }
}

impl FakeWorkspaceBuilder {
    /// The workspace's region (`eastus` by default).
    pub fn location(mut self, location: impl Into<String>) -> Self {
        self.config.location = location.into();
        self
    }

    /// Subscription id, resource group and workspace name.
    pub fn scope(
        mut self,
        subscription_id: impl Into<String>,
        resource_group: impl Into<String>,
        workspace_name: impl Into<String>,
    ) -> Self {
        self.config.subscription_id = subscription_id.into();
        self.config.resource_group = resource_group.into();
        self.config.workspace_name = workspace_name.into();
        self
    }

    /// How many polls of a long-running operation answer "in progress" (default 1).
    pub fn lro_polls(mut self, polls: u32) -> Self {
        self.config.lro_polls = polls;
        self
    }

    /// `false`: PUTs answer without `Azure-AsyncOperation`, so clients poll the resource's
    /// `provisioningState` (default `true`).
    pub fn async_operation_header(mut self, enabled: bool) -> Self {
        self.config.async_operation_header = enabled;
        self
    }

    /// The default storage account's name (`mlworkspace0000local` by default).
    pub fn storage_account(mut self, account: impl Into<String>) -> Self {
        self.config.storage_account = account.into();
        self
    }

    /// Items per page of list answers (default 100), to exercise `nextLink` paging.
    pub fn page_size(mut self, size: usize) -> Self {
        self.config.page_size = size;
        self
    }

    /// Starts from earlier state (e.g. one serialized by [`FakeWorkspace::state`]).
    pub fn state(mut self, state: WorkspaceState) -> Self {
        self.state = Some(state);
        self
    }

    /// Runs deployments with `runtime` instead of the default (ready after the polls).
    pub fn runtime(mut self, runtime: Box<dyn DeploymentRuntime>) -> Self {
        self.runtime = Some(RuntimeBox(runtime));
        self
    }

    /// Starts the server on 127.0.0.1 (random port).
    pub async fn start(self) -> FakeWorkspace {
        let mut core = match self.state {
            Some(state) => WorkspaceCore::with_state(self.config, state),
            None => WorkspaceCore::new(self.config),
        };
        if let Some(RuntimeBox(runtime)) = self.runtime {
            core.set_runtime(runtime);
        }
        let core = Arc::new(Mutex::new(core));
        let server = MockServer::start().await;
        Mock::given(wiremock::matchers::any())
            .respond_with(CoreResponder { core: core.clone() })
            .mount(&server)
            .await;
        FakeWorkspace {
            server,
            core,
            credential: Arc::new(FakeCredential::new()),
        }
    }
}

/// A running fake workspace. Stops when dropped.
pub struct FakeWorkspace {
    server: MockServer,
    core: Arc<Mutex<WorkspaceCore>>,
    credential: Arc<FakeCredential>,
}

impl std::fmt::Debug for FakeWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeWorkspace")
            .field("uri", &self.server.uri())
            .finish_non_exhaustive()
    }
}

impl FakeWorkspace {
    /// Starts a fake workspace with the defaults (`eastus`, one in-progress poll per
    /// operation, `Azure-AsyncOperation` headers).
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// A builder to configure the workspace first.
    pub fn builder() -> FakeWorkspaceBuilder {
        FakeWorkspaceBuilder::default()
    }

    /// The server's base URL (`http://127.0.0.1:{port}`).
    pub fn uri(&self) -> Url {
        // wiremock's URI is `http://{ip}:{port}`: always a valid URL.
        Url::parse(&self.server.uri()).unwrap_or_else(|_| {
            Url::parse(&format!("http://{}", self.server.address()))
                .expect("socket address URL parses")
        })
    }

    /// The credential the SDK's `fake.client()` uses (records requested scopes).
    pub fn credential(&self) -> Arc<FakeCredential> {
        self.credential.clone()
    }

    /// Runs `f` with the core locked (for anything the helpers here don't cover).
    pub fn with_core<R>(&self, f: impl FnOnce(&mut WorkspaceCore) -> R) -> R {
        f(&mut lock(&self.core))
    }

    /// Subscription id.
    pub fn subscription_id(&self) -> String {
        self.with_core(|c| c.config().subscription_id.clone())
    }

    /// Resource group name.
    pub fn resource_group(&self) -> String {
        self.with_core(|c| c.config().resource_group.clone())
    }

    /// Workspace name.
    pub fn workspace_name(&self) -> String {
        self.with_core(|c| c.config().workspace_name.clone())
    }

    /// The workspace's ARM id.
    pub fn workspace_id(&self) -> String {
        self.with_core(|c| c.config().workspace_id())
    }

    /// Every request so far (secrets reduced to their kind).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.with_core(|c| c.log().requests())
    }

    /// Number of requests so far.
    pub fn count(&self) -> usize {
        self.with_core(|c| c.log().count())
    }

    /// Number of requests matching `predicate`.
    pub fn count_where(&self, predicate: impl Fn(&LoggedRequest) -> bool) -> usize {
        self.with_core(|c| c.log().count_where(predicate))
    }

    /// Forgets the logged requests and violations.
    pub fn clear_log(&self) {
        self.with_core(|c| c.log_mut().clear());
    }

    /// Credentials shown to hosts that must never see them (tests assert this is empty).
    pub fn violations(&self) -> Vec<Violation> {
        self.with_core(|c| c.log().violations())
    }

    /// The next long-running operation of `kind` (any when `None`) ends `Failed` with `code`
    /// and `message`.
    pub fn fail_next_lro(&self, kind: Option<LroKind>, code: &str, message: &str) {
        self.fail_next_lro_matching(LroFailure::new(kind, code, message));
    }

    /// Injects a failure into the next operation matching `failure`.
    pub fn fail_next_lro_matching(&self, failure: LroFailure) {
        self.with_core(|c| c.fail_next_lro(failure));
    }

    /// The next request (whatever it is) is answered with `status` and an ARM error body.
    pub fn fail_next(&self, status: u16, code: &str, message: &str) {
        self.fail_next_matching(RequestFailure::new(status, code, message));
    }

    /// The next request(s) matching `failure` are answered with its status and error.
    pub fn fail_next_matching(&self, failure: RequestFailure) {
        self.with_core(|c| c.fail_next(failure));
    }

    /// Arms a fault rule: matching requests fail as it says (see [`Fault`] for the kinds, and
    /// [`FaultRule`] for matching by method, path fragment, [`Service`] and count).
    ///
    /// # Errors
    /// [`Error::Validation`] for a fault of the connection ([`Fault::needs_connection`]),
    /// which wiremock cannot stage: use the offline workspace for those.
    pub fn inject(&self, rule: FaultRule) -> Result<()> {
        if rule.fault().needs_connection() {
            return Err(Error::validation(
                "fault",
                format!(
                    "the wiremock fake cannot stage {:?}; local::LocalWorkspace stages faults of the connection",
                    rule.fault()
                ),
            ));
        }
        self.with_core(|c| c.inject(rule));
        Ok(())
    }

    /// Disarms every fault rule.
    pub fn clear_faults(&self) {
        self.with_core(|c| c.clear_faults());
    }

    /// Registers the stand-in for the model behind every scoring URI. It receives the body,
    /// the headers (without `Authorization`) and the deployment the workspace routed to (pin
    /// header or traffic weights). Without one, scoring answers 424. It runs with the
    /// workspace locked: don't call the `FakeWorkspace` from inside it.
    pub fn on_score<F>(&self, handler: F)
    where
        F: Fn(&ScoreRequest) -> ScoreResponse + Send + Sync + 'static,
    {
        self.with_core(|c| c.set_score_handler(Arc::new(handler)));
    }

    /// A copy of the workspace's state (serialize it to persist; start a builder from it).
    pub fn state(&self) -> WorkspaceState {
        self.with_core(|c| c.state().clone())
    }

    /// The key of the default storage account.
    pub fn storage_account_key(&self) -> Option<Secret> {
        self.with_core(|c| {
            let account = c.config().storage_account.clone();
            c.storage_key(&account).map(|k| Secret::new(k.to_owned()))
        })
    }

    /// An endpoint's primary and secondary keys.
    pub fn endpoint_keys(&self, endpoint: &str) -> Option<(Secret, Secret)> {
        self.with_core(|c| {
            c.endpoint_auth(endpoint)
                .map(|a| (a.primary_key, a.secondary_key))
        })
    }

    /// An endpoint resource (REST JSON).
    pub fn endpoint(&self, endpoint: &str) -> Option<serde_json::Value> {
        self.with_core(|c| c.endpoint(endpoint).cloned())
    }

    /// A deployment resource (REST JSON).
    pub fn deployment(&self, endpoint: &str, deployment: &str) -> Option<serde_json::Value> {
        self.with_core(|c| c.deployment(endpoint, deployment).cloned())
    }

    /// A blob's content.
    pub fn blob(&self, account: &str, container: &str, blob: &str) -> Option<Bytes> {
        self.with_core(|c| c.blobs().get(account, container, blob))
    }

    /// The files under an asset URI (`modelUri`, `codeUri`, or a version's ARM id).
    pub fn read_asset(&self, uri: &str) -> Vec<(String, Bytes)> {
        self.with_core(|c| c.read_asset(uri))
    }
}
