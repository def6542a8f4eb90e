//! A sans-IO emulation of one Azure Machine Learning workspace: ARM control plane, the
//! workspace's blob storage and the scoring data plane, as a state machine
//! `(state, request) → response`.
//!
//! Nothing here opens a socket. The `testing` feature mounts the core on a wiremock server
//! (`FakeWorkspace`); the `local` feature serves it over HTTPS with real model processes behind
//! a [`DeploymentRuntime`]. Both feed it [`CoreRequest`]s whose URL is the *logical* one the
//! client meant (`https://management.azure.com/…`, `https://{account}.blob.core.windows.net/…`,
//! `https://{endpoint}.{region}.inference.ml.azure.com/score`), which is what
//! `MLClientOptions::redirect` preserves in the `x-azml-original-host` header.
//!
//! The state ([`WorkspaceState`]) is plain serde data, so an emulator can persist it as JSON
//! and a later process sees the same workspace.

mod arm;
mod assets;
mod auth;
mod blob;
mod deployments;
mod endpoints;
mod faults;
mod log;
mod lro;
pub mod monitor;
mod read_asset;
mod routes;
mod runtime;
mod scoring;
mod shared_key;
mod state;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use url::Url;

use routes::{host_of, ArmRoute};

pub use auth::{classify_bearer_token, fake_access_token, CredentialKind};
pub use blob::BlobStore;
pub use faults::{Delivery, Fault, FaultAction, FaultRule, RequestFailure, Served, Service};
pub use log::{LoggedRequest, RequestLog, Violation};
pub use lro::{LroFailure, LroKind};
pub use runtime::{
    AssetFile, ContainerType, DefaultRuntime, DeploymentRuntime, DeploymentSpec, RuntimeState,
};
pub(crate) use scoring::traffic_weights;
pub use scoring::{
    AuthMode, EndpointAuth, ScoreHandler, ScoreRequest, ScoreResponse, ScoreRoute, ScoreTarget,
    MODEL_DEPLOYMENT_HEADER,
};
pub use shared_key::{shared_key_string_to_sign, sign_shared_key, SharedKeyRequest};
pub use state::WorkspaceState;

/// Header carrying the logical host of a redirected request: clients that send every host's
/// requests to the emulator's one port name the host they meant here (the `azure_ai_ml` SDK
/// sends it from its redirect policy).
pub const ORIGINAL_HOST_HEADER: &str = "x-azml-original-host";

/// One HTTP request, as the client meant it.
#[derive(Clone)]
pub struct CoreRequest {
    /// Upper-case method name (`GET`, `PUT`, …).
    pub method: String,
    /// The logical absolute URL (`https://management.azure.com/subscriptions/…?api-version=…`).
    pub url: Url,
    /// Headers in arrival order; names are compared case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The request body.
    pub body: Bytes,
}

/// The value of the first header named `name` (compared case-insensitively, as HTTP does).
pub(crate) fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl CoreRequest {
    /// A request without headers or body.
    pub fn new(method: impl Into<String>, url: Url) -> Self {
        Self {
            method: method.into().to_ascii_uppercase(),
            url,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The first query parameter named `name` (exact, decoded).
    pub fn query(&self, name: &str) -> Option<String> {
        self.url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// `host[:port]` of the logical URL.
    pub fn host(&self) -> String {
        host_of(&self.url)
    }
}

impl std::fmt::Debug for CoreRequest {
    // The URL may carry a SAS signature and the headers a key: show neither.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreRequest")
            .field("method", &self.method)
            .field("host", &self.host())
            .field("path", &self.url.path())
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// One HTTP response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Bytes,
}

impl CoreResponse {
    /// A response with no headers or body.
    pub fn new(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A JSON response.
    pub fn json(status: u16, value: &serde_json::Value) -> Self {
        Self::new(status)
            .with_header("Content-Type", "application/json; charset=utf-8")
            .with_body(serde_json::to_vec(value).unwrap_or_default())
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// The body parsed as JSON (`Value::Null` when it isn't JSON).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// Which service a request is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HostKind {
    /// Azure Resource Manager (the control plane).
    Arm,
    /// Blob storage of `account`.
    Blob {
        /// Storage account name.
        account: String,
    },
    /// The scoring URI of `endpoint`.
    Scoring {
        /// Endpoint name.
        endpoint: String,
    },
}

/// How the emulated workspace is named and where it says its services live. Not part of the
/// persisted state: an emulator may restart on another port with the same state.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CoreConfig {
    /// Subscription id.
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Workspace name.
    pub workspace_name: String,
    /// Azure region reported by the workspace (and stamped into scoring URIs).
    pub location: String,
    /// Base of the URLs the core hands out for ARM (operation-status URLs, `nextLink`s).
    pub arm_base: Url,
    /// The workspace's default storage account.
    pub storage_account: String,
    /// Storage DNS suffix (`core.windows.net`).
    pub storage_suffix: String,
    /// When set, blob URLs handed out are `{blob_endpoint}/{container}/…` (path style, for an
    /// emulator that serves storage on its own host) instead of `https://{account}.blob.{suffix}/…`.
    pub blob_endpoint: Option<Url>,
    /// When set, scoring URIs are `{scoring_base}/endpoints/{name}/score` instead of
    /// `https://{name}.{location}.inference.ml.azure.com/score`.
    pub scoring_base: Option<Url>,
    /// How many polls of a long-running operation answer "in progress" before it completes.
    pub lro_polls: u32,
    /// `true`: PUTs answer with `Azure-AsyncOperation`; `false`: clients must poll the
    /// resource's `provisioningState` (both are legal ARM).
    pub async_operation_header: bool,
    /// The `Retry-After` (seconds) sent with in-progress answers; `0` keeps tests from sleeping.
    pub retry_after_secs: u32,
    /// Items per page of list responses (a `nextLink` follows when there are more).
    pub page_size: usize,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            subscription_id: "00000000-0000-0000-0000-000000000000".into(),
            resource_group: "ml-project-rg".into(),
            workspace_name: "ml-workspace-production".into(),
            location: "eastus".into(),
            arm_base: arm::default_arm_base(),
            storage_account: "mlworkspace0000local".into(),
            storage_suffix: "core.windows.net".into(),
            blob_endpoint: None,
            scoring_base: None,
            lro_polls: 1,
            async_operation_header: true,
            retry_after_secs: 0,
            page_size: 100,
        }
    }
}

impl CoreConfig {
    /// `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.MachineLearningServices/workspaces/{ws}`.
    pub fn workspace_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.MachineLearningServices/workspaces/{}",
            self.subscription_id, self.resource_group, self.workspace_name
        )
    }

    /// The blob container URL (no trailing slash) for `account`/`container`.
    pub fn container_url(&self, account: &str, container: &str) -> String {
        match &self.blob_endpoint {
            Some(base) => format!("{}/{container}", base.as_str().trim_end_matches('/')),
            None => format!("https://{account}.blob.{}/{container}", self.storage_suffix),
        }
    }

    /// The scoring URI of `endpoint`.
    pub fn scoring_uri(&self, endpoint: &str) -> String {
        match &self.scoring_base {
            Some(base) => format!(
                "{}/endpoints/{endpoint}/score",
                base.as_str().trim_end_matches('/')
            ),
            None => format!(
                "https://{endpoint}.{}.inference.ml.azure.com/score",
                self.location
            ),
        }
    }

    /// Which service `url` addresses (the host, and for an emulator serving everything on one
    /// host, the path prefixes configured here).
    pub fn classify_host(&self, url: &Url) -> HostKind {
        routes::classify_host(self, url)
    }

    /// The swagger URI of `endpoint`.
    pub fn swagger_uri(&self, endpoint: &str) -> String {
        let score = self.scoring_uri(endpoint);
        match score.strip_suffix("/score") {
            Some(base) => format!("{base}/swagger.json"),
            None => score,
        }
    }
}

/// The emulated workspace: configuration, persistent state, deployment runtime, request log.
pub struct WorkspaceCore {
    pub(crate) config: CoreConfig,
    pub(crate) state: WorkspaceState,
    pub(crate) runtime: Box<dyn DeploymentRuntime>,
    pub(crate) log: RequestLog,
    pub(crate) lro_failures: Vec<LroFailure>,
    /// Armed fault rules, first match wins.
    pub(crate) faults: Vec<FaultRule>,
    /// The operation-stage rule hitting the request being handled (an index into `faults`).
    pub(crate) operation_fault: Option<usize>,
    pub(crate) score_handler: Option<ScoreHandler>,
    /// Azure Monitor's live part: clock, metrics recorder, collected data.
    pub(crate) monitor: monitor::MonitorRuntime,
    /// Bumped whenever the persistent state may have changed.
    pub(crate) revision: u64,
}

impl std::fmt::Debug for WorkspaceCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceCore")
            .field("config", &self.config)
            .field("state", &self.state)
            .field("requests", &self.log.count())
            .finish_non_exhaustive()
    }
}

impl WorkspaceCore {
    /// A fresh workspace (default datastore, a new storage account key) with the default
    /// runtime (deployments succeed once their operation has been polled
    /// [`CoreConfig::lro_polls`] times).
    pub fn new(config: CoreConfig) -> Self {
        let state = WorkspaceState::fresh(&config);
        Self::with_state(config, state)
    }

    /// A workspace from earlier state (e.g. read back from JSON).
    pub fn with_state(config: CoreConfig, mut state: WorkspaceState) -> Self {
        state.ensure_defaults(&config);
        Self {
            config,
            state,
            runtime: Box::new(DefaultRuntime),
            log: RequestLog::default(),
            lro_failures: Vec::new(),
            faults: Vec::new(),
            operation_fault: None,
            score_handler: None,
            monitor: monitor::MonitorRuntime::default(),
            revision: 0,
        }
    }

    /// Replaces the deployment runtime.
    pub fn set_runtime(&mut self, runtime: Box<dyn DeploymentRuntime>) {
        self.runtime = runtime;
    }

    /// The configuration.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Changes the configuration (e.g. an emulator that got a new port).
    pub fn config_mut(&mut self) -> &mut CoreConfig {
        &mut self.config
    }

    /// The persistent state (serialize it to keep the workspace).
    pub fn state(&self) -> &WorkspaceState {
        &self.state
    }

    /// A number that changes whenever [`state`](Self::state) may have changed (a resource
    /// written, an operation ending): compare it with the one last saved to know when to save.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The base64 key of a storage account the workspace knows (a secret: don't log it).
    pub fn storage_key(&self, account: &str) -> Option<&str> {
        self.state.storage_key(account)
    }

    /// The request log and security violations.
    pub fn log(&self) -> &RequestLog {
        &self.log
    }

    /// The request log, mutably (to clear it).
    pub fn log_mut(&mut self) -> &mut RequestLog {
        &mut self.log
    }

    /// Makes the next long-running operation matching `failure` end `Failed` with its code and
    /// message (the resource's `provisioningState` becomes `Failed`).
    pub fn fail_next_lro(&mut self, failure: LroFailure) {
        self.lro_failures.push(failure);
    }

    /// Answers the next request(s) matching `failure` with its status and error body (a
    /// [`Fault::Status`] rule; see [`inject`](Self::inject) for every fault).
    pub fn fail_next(&mut self, failure: RequestFailure) {
        self.inject(failure.into());
    }

    /// Registers the stand-in for the model behind every scoring URI.
    pub fn set_score_handler(&mut self, handler: ScoreHandler) {
        self.score_handler = Some(handler);
    }

    /// Which service `url` addresses.
    pub fn classify_host(&self, url: &Url) -> HostKind {
        self.config.classify_host(url)
    }

    /// Handles one request: logs it, checks credentials, dispatches on the host kind. Faults
    /// of the connection ([`Fault::needs_connection`], [`Fault::Delay`]) stay armed: a front
    /// that can stage them calls [`serve`](Self::serve).
    pub fn handle(&mut self, request: &CoreRequest) -> CoreResponse {
        let kind = self.classify_host(&request.url);
        self.handle_as(kind, request)
    }

    /// Like [`handle`](Self::handle) with the host kind decided by the caller (for an emulator
    /// that serves several services on one host).
    pub fn handle_as(&mut self, kind: HostKind, request: &CoreRequest) -> CoreResponse {
        self.serve_inner(kind, request, false).response
    }

    /// Handles one request like [`handle`](Self::handle), with every armed fault: the answer
    /// and how to deliver it (a delay, a reset, a truncated body, silence).
    pub fn serve(&mut self, request: &CoreRequest) -> Served {
        let kind = self.classify_host(&request.url);
        self.serve_as(kind, request)
    }

    /// Like [`serve`](Self::serve) with the host kind decided by the caller.
    pub fn serve_as(&mut self, kind: HostKind, request: &CoreRequest) -> Served {
        self.serve_inner(kind, request, true)
    }

    fn serve_inner(
        &mut self,
        kind: HostKind,
        request: &CoreRequest,
        connection_faults: bool,
    ) -> Served {
        let credential = self.classify_credential(request);
        let entry = self.log.record(request, &kind, credential.clone());
        let (response, delivery) = match self.take_fault(&kind, request, !connection_faults) {
            Some(FaultAction::Answer(response)) => (response, Delivery::Normal),
            Some(FaultAction::Deliver(delivery)) => {
                (self.dispatch(&kind, credential, request, entry), delivery)
            }
            None => (
                self.dispatch(&kind, credential, request, entry),
                Delivery::Normal,
            ),
        };
        self.log.set_status(entry, response.status);
        let reads = matches!(request.method.as_str(), "GET" | "HEAD" | "OPTIONS");
        if !reads && response.status < 400 {
            self.revision += 1;
        }
        Served { response, delivery }
    }

    fn dispatch(
        &mut self,
        kind: &HostKind,
        credential: CredentialKind,
        request: &CoreRequest,
        entry: u64,
    ) -> CoreResponse {
        match kind {
            HostKind::Arm => {
                if let Err(response) = self.check_arm_credential(&credential, request, entry) {
                    return response;
                }
                self.arm_operation_fault(kind, request);
                let response = self.handle_arm(request);
                self.operation_fault = None;
                self.apply_list_fault(kind, request, response)
            }
            HostKind::Blob { account } => {
                let account = account.clone();
                self.handle_blob(&account, &credential, request, entry)
            }
            HostKind::Scoring { endpoint } => {
                let endpoint = endpoint.clone();
                match self.route_score_inner(&endpoint, &credential, request, entry) {
                    ScoreRoute::Deployment(target) => self.call_score_handler(&target, request),
                    ScoreRoute::Rejected(response) => response,
                }
            }
        }
    }

    /// The auth and routing half of a scoring call (the model call is the caller's): logs the
    /// request, checks the endpoint's auth mode and picks the deployment (pin header or traffic
    /// weights). An emulator with real model servers forwards to the returned deployment.
    pub fn route_score(&mut self, endpoint: &str, request: &CoreRequest) -> ScoreRoute {
        let kind = HostKind::Scoring {
            endpoint: endpoint.to_owned(),
        };
        let credential = self.classify_credential(request);
        let entry = self.log.record(request, &kind, credential.clone());
        let route = match self.take_fault(&kind, request, true) {
            Some(FaultAction::Answer(response)) => ScoreRoute::Rejected(response),
            _ => self.route_score_inner(endpoint, &credential, request, entry),
        };
        let status = match &route {
            ScoreRoute::Deployment(_) => 200,
            ScoreRoute::Rejected(r) => r.status,
        };
        self.log.set_status(entry, status);
        route
    }
}

impl WorkspaceCore {
    /// Dispatches an ARM request to the handler of its resource family.
    fn handle_arm(&mut self, request: &CoreRequest) -> CoreResponse {
        if request.query("api-version").is_none() {
            return arm::arm_error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        }
        // Azure Monitor (`providers/Microsoft.Insights`) lives outside the workspace's paths.
        if let Some(response) = self.handle_monitor(request) {
            return response;
        }
        let route = match routes::parse_arm(&self.config, &request.method, request.url.path()) {
            Ok(route) => route,
            Err(response) => return response,
        };
        match (&route, request.method.as_str()) {
            (ArmRoute::Workspace, "GET") => arm::ok_json(200, &self.workspace_resource()),
            (ArmRoute::Workspace, _) => arm::method_not_allowed(request),
            (ArmRoute::OperationStatus(id), "GET") => self.operation_status(id),
            (ArmRoute::OperationResult(id), "GET") => self.operation_result(id),
            (ArmRoute::OperationStatus(_) | ArmRoute::OperationResult(_), _) => {
                arm::method_not_allowed(request)
            }
            (
                ArmRoute::AssetContainers(_)
                | ArmRoute::AssetContainer(..)
                | ArmRoute::AssetVersions(..)
                | ArmRoute::AssetVersion(..)
                | ArmRoute::AssetVersionAction(..),
                _,
            ) => self.handle_assets(&route, request),
            (ArmRoute::Datastores | ArmRoute::Datastore(_) | ArmRoute::DatastoreAction(..), _) => {
                self.handle_datastores(&route, request)
            }
            (ArmRoute::Endpoints | ArmRoute::Endpoint(_) | ArmRoute::EndpointAction(..), _) => {
                self.handle_endpoints(&route, request)
            }
            (
                ArmRoute::Deployments(_)
                | ArmRoute::Deployment(..)
                | ArmRoute::DeploymentAction(..),
                _,
            ) => self.handle_deployments(&route, request),
        }
    }
}
