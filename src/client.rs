//! [`MLClient`]: the entry point, and its options.

use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientOptions, Transport, Url};

pub use crate::arm::{ApiVersions, DEFAULT_API_VERSION};
use crate::arm::{ArmClient, ArmLimits, ArmSettings};
use crate::error::{Error, Result};
pub use crate::ids::WorkspaceScope;
use crate::invoke::{
    ArmScoring, ScoringClients, ScoringHttp, ScoringLimits, DEFAULT_SCORING_TIMEOUT,
};
use crate::redirect::RedirectPolicy;
use crate::storage::StoragePipeline;
use crate::upload::ProgressCallback;

/// Which Azure cloud the workspace lives in. Sets ARM endpoint, token audiences and the storage
/// suffix together, so they can't disagree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cloud {
    /// Azure public cloud.
    #[default]
    AzurePublic,
    /// Azure US Government.
    AzureUSGovernment,
    /// Azure operated by 21Vianet (China).
    AzureChina,
    /// Anything else (Azure Stack, an emulator such as the offline workspace).
    Custom(CloudEndpoints),
}

/// The endpoints and audiences of a cloud.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CloudEndpoints {
    /// ARM base URL, e.g. `https://management.azure.com`.
    pub resource_manager: Url,
    /// ARM token audience, e.g. `https://management.azure.com` (scope = audience + `/.default`).
    pub resource_manager_audience: String,
    /// Storage DNS suffix, e.g. `core.windows.net`.
    pub storage_suffix: String,
    /// Audience of Entra tokens for scoring endpoints (`aad_token` auth), e.g. `https://ml.azure.com`.
    pub ml_audience: String,
    /// Entra authority host, e.g. `https://login.microsoftonline.com`.
    pub authority_host: String,
}

impl CloudEndpoints {
    /// Endpoints of a custom cloud whose ARM endpoint is `resource_manager`; the other values
    /// default to the public cloud's and can be changed field by field.
    pub fn new(resource_manager: Url) -> Self {
        let audience = resource_manager.as_str().trim_end_matches('/').to_owned();
        Self {
            resource_manager,
            resource_manager_audience: audience,
            storage_suffix: "core.windows.net".into(),
            ml_audience: "https://ml.azure.com".into(),
            authority_host: "https://login.microsoftonline.com".into(),
        }
    }

    /// Sets the storage suffix.
    pub fn with_storage_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.storage_suffix = suffix.into();
        self
    }

    /// Sets the ML (scoring) audience.
    pub fn with_ml_audience(mut self, audience: impl Into<String>) -> Self {
        self.ml_audience = audience.into();
        self
    }

    /// Sets the ARM token audience.
    pub fn with_resource_manager_audience(mut self, audience: impl Into<String>) -> Self {
        self.resource_manager_audience = audience.into();
        self
    }
}

impl Cloud {
    /// The endpoints of this cloud.
    pub fn endpoints(&self) -> CloudEndpoints {
        fn known(arm: &str, storage: &str, ml: &str, login: &str) -> CloudEndpoints {
            CloudEndpoints {
                // These literals are valid URLs.
                resource_manager: Url::parse(arm).unwrap_or_else(|_| unreachable_url()),
                resource_manager_audience: arm.trim_end_matches('/').to_owned(),
                storage_suffix: storage.into(),
                ml_audience: ml.into(),
                authority_host: login.into(),
            }
        }
        match self {
            Cloud::AzurePublic => known(
                "https://management.azure.com/",
                "core.windows.net",
                "https://ml.azure.com",
                "https://login.microsoftonline.com",
            ),
            Cloud::AzureUSGovernment => known(
                "https://management.usgovcloudapi.net/",
                "core.usgovcloudapi.net",
                "https://ml.azure.us",
                "https://login.microsoftonline.us",
            ),
            Cloud::AzureChina => known(
                "https://management.chinacloudapi.cn/",
                "core.chinacloudapi.cn",
                "https://ml.azure.cn",
                "https://login.chinacloudapi.cn",
            ),
            Cloud::Custom(endpoints) => endpoints.clone(),
        }
    }
}

fn unreachable_url() -> Url {
    // Only reached if a literal above stops parsing; keeps the code panic-free.
    Url::parse("https://management.azure.com/").expect("literal URL parses")
}

/// Default time limit of one try of an ARM request ([`MLClientOptions::request_timeout`]):
/// ARM itself gives up on a request to a resource provider after about a minute, and answers
/// long work with a long-running operation.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default retry budget of a call ([`MLClientOptions::retry_budget`]).
pub const DEFAULT_RETRY_BUDGET: Duration = Duration::from_secs(15);
/// Default cap on a `Retry-After` ([`MLClientOptions::max_retry_after`]).
pub const DEFAULT_MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Options for [`MLClient`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MLClientOptions {
    /// azure_core client options (retry, transport, extra policies, telemetry) for every pipeline.
    pub client_options: ClientOptions,
    /// The cloud (ARM endpoint, audiences, storage suffix).
    pub cloud: Cloud,
    /// api-version per operation group.
    pub api_versions: ApiVersions,
    /// Replaces the delay between long-running-operation polls (the service's `Retry-After`
    /// otherwise, 5 s when it sends none, like Python). Tests set it to zero.
    pub polling_interval: Option<Duration>,
    /// Send every request (ARM, storage and scoring) to this base URL instead of its own host,
    /// forwarding the logical host in the `x-azml-original-host` header. For test fakes and
    /// emulators that serve every host from one port; never needed against Azure.
    pub redirect: Option<Url>,
    /// Extra PEM root certificates to trust, for emulators with their own certificate
    /// authority (the offline workspace writes one).
    pub extra_root_certificates: Vec<Vec<u8>>,
    /// Called as model, code and build-context files upload (also reported through `tracing`).
    pub upload_progress: Option<ProgressCallback>,
    /// Time limit of one try of an ARM request, from sending it to the end of the answer's
    /// body; a try over it fails as [`Error::Transport`] (and is retried like a reset
    /// connection). Default [`DEFAULT_REQUEST_TIMEOUT`]; `None` removes the limit.
    pub request_timeout: Option<Duration>,
    /// How long an ARM or scoring call keeps retrying once its first try is out: no retry (nor
    /// wait before one) runs past it, and the call returns its last answer or error. How often
    /// to retry is `client_options.retry`'s call. Default [`DEFAULT_RETRY_BUDGET`].
    pub retry_budget: Duration,
    /// The longest wait a `Retry-After` may ask for, on ARM calls, long-running-operation polls
    /// and scoring requests. Default [`DEFAULT_MAX_RETRY_AFTER`].
    pub max_retry_after: Duration,
    /// Time limit of one scoring request (`invoke`), from sending it to the end of the answer's
    /// body. Default [`DEFAULT_SCORING_TIMEOUT`]; `None`
    /// removes the limit.
    pub scoring_timeout: Option<Duration>,
}

impl Default for MLClientOptions {
    fn default() -> Self {
        Self {
            client_options: ClientOptions::default(),
            cloud: Cloud::default(),
            api_versions: ApiVersions::default(),
            polling_interval: None,
            redirect: None,
            extra_root_certificates: Vec::new(),
            upload_progress: None,
            request_timeout: Some(DEFAULT_REQUEST_TIMEOUT),
            retry_budget: DEFAULT_RETRY_BUDGET,
            max_retry_after: DEFAULT_MAX_RETRY_AFTER,
            scoring_timeout: Some(DEFAULT_SCORING_TIMEOUT),
        }
    }
}

impl MLClientOptions {
    /// Options with `polling_interval` set.
    pub fn with_polling_interval(mut self, interval: Duration) -> Self {
        self.polling_interval = Some(interval);
        self
    }

    /// Options with `cloud` set.
    pub fn with_cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// Options with `redirect` set.
    pub fn with_redirect(mut self, base: Url) -> Self {
        self.redirect = Some(base);
        self
    }

    /// Options trusting one more PEM root certificate.
    pub fn with_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.extra_root_certificates.push(pem.into());
        self
    }

    /// Options reporting upload progress to `progress`.
    pub fn with_upload_progress(mut self, progress: ProgressCallback) -> Self {
        self.upload_progress = Some(progress);
        self
    }

    /// Options with `api_versions` set.
    pub fn with_api_versions(mut self, versions: ApiVersions) -> Self {
        self.api_versions = versions;
        self
    }

    /// Options with `request_timeout` set (`None`: no limit).
    pub fn with_request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Options with `retry_budget` set.
    pub fn with_retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = budget;
        self
    }

    /// Options with `max_retry_after` set.
    pub fn with_max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Options with `scoring_timeout` set (`None`: no limit).
    pub fn with_scoring_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.scoring_timeout = timeout;
        self
    }
}

/// Everything the operation groups share; one per [`MLClient`], behind an `Arc`.
pub(crate) struct ClientCore {
    /// Every ARM request goes through it.
    pub(crate) arm: ArmClient,
    pub(crate) endpoints: CloudEndpoints,
    pub(crate) credential: Arc<dyn TokenCredential>,
    /// Blob requests: never carries the ARM token.
    pub(crate) storage: StoragePipeline,
    /// One scoring client per endpoint, created on first invoke.
    pub(crate) scoring: ScoringClients,
    /// Called as model, code and build-context files upload.
    pub(crate) upload_progress: Option<ProgressCallback>,
}

impl std::fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCore")
            .field("arm", &self.arm)
            .finish_non_exhaustive()
    }
}

/// A client for one Azure Machine Learning workspace, like Python's `azure.ai.ml.MLClient`.
///
/// Cheap to clone (an `Arc` inside); every method takes `&self` and is safe to call from many
/// tasks at once.
#[derive(Clone, Debug)]
pub struct MLClient {
    pub(crate) core: Arc<ClientCore>,
}

impl MLClient {
    /// Creates a client for a workspace, in Python's argument order.
    ///
    /// ```no_run
    /// # fn f(credential: std::sync::Arc<dyn azure_core::credentials::TokenCredential>) -> azure_ai_ml::Result<()> {
    /// use azure_ai_ml::MLClient;
    /// let ml_client = MLClient::new(credential, "sub-id", "ml-project-rg", "ml-workspace-production", None)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] when an id is empty or the workspace name breaks ARM's pattern.
    pub fn new(
        credential: Arc<dyn TokenCredential>,
        subscription_id: impl Into<String>,
        resource_group_name: impl Into<String>,
        workspace_name: impl Into<String>,
        options: Option<MLClientOptions>,
    ) -> Result<Self> {
        let options = options.unwrap_or_default();
        let scope = WorkspaceScope {
            subscription_id: subscription_id.into(),
            resource_group: resource_group_name.into(),
            workspace_name: workspace_name.into(),
        };
        for (field, value) in [
            ("subscription_id", &scope.subscription_id),
            ("resource_group_name", &scope.resource_group),
            ("workspace_name", &scope.workspace_name),
        ] {
            if value.trim().is_empty() {
                return Err(Error::validation(field, "must not be empty"));
            }
            if value.contains('/') || value.contains('?') || value.contains('#') {
                return Err(Error::validation(field, "must not contain '/', '?' or '#'"));
            }
        }
        let endpoints = options.cloud.endpoints();
        let tls =
            crate::http::tls_config(&options.extra_root_certificates, "extra_root_certificates")?;
        let http = crate::http::client_with_tls(&tls)?;

        // Scoring reads the caller's own options (before the transport and redirect are added).
        let scoring_http = ScoringHttp::new(&options.client_options, &http, tls);
        let mut client_options = options.client_options;
        if client_options.transport.is_none() {
            client_options.transport = Some(Transport::new(Arc::new(http.clone())));
        }
        if let Some(target) = &options.redirect {
            client_options
                .per_try_policies
                .push(RedirectPolicy::policy(target.clone()));
        }
        let arm = ArmClient::new(
            credential.clone(),
            &client_options,
            ArmSettings {
                endpoint: endpoints.resource_manager.clone(),
                audience: endpoints.resource_manager_audience.clone(),
                scope,
                api: options.api_versions,
                polling_interval: options.polling_interval,
                limits: ArmLimits {
                    request_timeout: options.request_timeout,
                    retry_budget: options.retry_budget,
                    max_retry_after: options.max_retry_after,
                },
            },
        );
        let scoring = ScoringClients::new(
            ArmScoring {
                arm: arm.clone(),
                credential: credential.clone(),
                ml_scope: format!("{}/.default", endpoints.ml_audience.trim_end_matches('/')),
            },
            scoring_http,
            options.redirect.clone(),
            ScoringLimits {
                timeout: options.scoring_timeout,
                retry_budget: options.retry_budget,
                max_retry_delay: options.max_retry_after,
                ..ScoringLimits::default()
            },
        );
        Ok(Self {
            core: Arc::new(ClientCore {
                arm,
                endpoints,
                credential,
                storage: StoragePipeline::new(client_options, options.redirect.is_some()),
                scoring,
                upload_progress: options.upload_progress,
            }),
        })
    }

    /// The subscription id.
    pub fn subscription_id(&self) -> &str {
        &self.core.arm.scope().subscription_id
    }

    /// The resource group name.
    pub fn resource_group_name(&self) -> &str {
        &self.core.arm.scope().resource_group
    }

    /// The workspace name.
    pub fn workspace_name(&self) -> &str {
        &self.core.arm.scope().workspace_name
    }

    /// The workspace scope.
    pub fn scope(&self) -> &WorkspaceScope {
        self.core.arm.scope()
    }

    /// The cloud endpoints in use.
    pub fn cloud_endpoints(&self) -> &CloudEndpoints {
        &self.core.endpoints
    }
}

impl AsRef<StoragePipeline> for MLClient {
    fn as_ref(&self) -> &StoragePipeline {
        &self.core.storage
    }
}
