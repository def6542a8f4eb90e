//! [`LocalWorkspace`]: the HTTPS server, the core behind it, persistence and the client.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use url::Url;

use crate::core::monitor::{AutoscaleActivity, Clock, ScaleDecision};
use crate::core::{CoreConfig, FaultRule, WorkspaceCore, WorkspaceState};
use crate::error::{Error, Result};
use crate::local::access_log::{self, AccessLog};
use crate::local::front::handle;
use crate::local::fsutil::write_atomic;
use crate::local::https;
use crate::local::monitor;
use crate::local::router::{RequestStats, RoutingTables};
use crate::local::runtime::{InstanceInfo, LocalRuntime, Registry};
use crate::local::shared::{Shared, BLOB_DIR};
use crate::local::stoppable::StoppableTask;
use crate::local::venv::{VenvCache, VenvSpec};
use crate::local::{sys, tls};

/// File holding the persisted workspace state inside the workspace folder.
pub const STATE_FILE: &str = "state.json";

/// How long shutdown and [`LocalWorkspace::flush_data_collection`] wait for collected data to
/// be written.
const COLLECTOR_FLUSH_LIMIT: Duration = Duration::from_secs(30);

/// File remembering the port of the last run.
const PORT_FILE: &str = "port";

/// Environment variable that moves the venv cache (CI shares one across runs).
pub const VENV_CACHE_ENV: &str = "AZUREML_LOCAL_VENV_CACHE";

/// Options for [`LocalWorkspace::start`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LocalWorkspaceOptions {
    /// Workspace folder (state, CA, deployments). Default: `.azureml/local` under the current
    /// directory.
    pub dir: Option<PathBuf>,
    /// Port on 127.0.0.1; `0` picks a free one.
    pub port: u16,
    /// Where venvs are cached. Default: `$AZUREML_LOCAL_VENV_CACHE`, else `venvs/` in the
    /// workspace folder.
    pub venv_cache: Option<PathBuf>,
    /// The Python interpreter that builds every venv. Default: the conda file's `python=X.Y` when
    /// an interpreter of that version is on this machine (never downloaded), else `python3` on
    /// `PATH`.
    pub python: Option<PathBuf>,
    /// The `uv` executable that builds venvs (several times faster than pip, one package cache
    /// shared by all environments). Default: `$AZUREML_LOCAL_UV` (`off` builds with pip), else
    /// `uv` on `PATH`; without one, `python -m venv` and pip build them.
    pub uv: Option<PathBuf>,
    /// Install `azureml-defaults` as written instead of satisfying it with
    /// `azureml-inference-server-http`.
    pub keep_azureml_defaults: bool,
    /// Subscription id the workspace answers to.
    pub subscription_id: String,
    /// Resource group name.
    pub resource_group: String,
    /// Workspace name.
    pub workspace_name: String,
    /// Region the workspace reports.
    pub location: String,
    /// `Retry-After` seconds on in-progress operations for clients that honour it (Python);
    /// the Rust client from the SDK's `workspace.client()` polls on its own schedule.
    pub retry_after_secs: u32,
    /// Run readiness probes on Azure's exact schedule (first check after `initial_delay`, then
    /// every `period`), for tests of probe settings. By default a deployment's readiness is
    /// checked as soon as its server listens and then at most a second apart, and it is ready
    /// (and its operation `Succeeded`) the moment a check passes; it still gets Azure's whole
    /// window (`initial_delay + period × failure_threshold`) before it fails. Liveness probes
    /// keep Azure's timing either way.
    pub exact_probe_timing: bool,
    /// Where "now" comes from for metrics, autoscale and data collection. Default: the
    /// system clock; tests pass a [`ManualClock`](crate::core::monitor::ManualClock) and move
    /// it instead of waiting for Azure Monitor's minutes.
    pub clock: Option<Arc<dyn Clock>>,
    /// How often each instance's CPU and memory (and each deployment's instance count) are
    /// sampled into the metrics. Default: 2 s.
    pub metrics_sample_period: Duration,
    /// How often the autoscaler evaluates the autoscale settings (and Kubernetes deployments'
    /// `TargetUtilization` settings) and scales deployments. Default: 30 s (Azure Monitor
    /// evaluates about every 30 to 60 s).
    pub autoscale_period: Duration,
    /// Also print the access log (one JSON line per request, secrets left out) on stderr; it
    /// is always appended to [`ACCESS_LOG_FILE`](crate::local::ACCESS_LOG_FILE) in the
    /// workspace folder.
    pub access_log_stderr: bool,
}

impl Default for LocalWorkspaceOptions {
    fn default() -> Self {
        let core = CoreConfig::default();
        Self {
            dir: None,
            port: 0,
            venv_cache: None,
            python: None,
            uv: None,
            keep_azureml_defaults: false,
            subscription_id: core.subscription_id,
            resource_group: core.resource_group,
            workspace_name: core.workspace_name,
            location: core.location,
            retry_after_secs: 1,
            exact_probe_timing: false,
            clock: None,
            metrics_sample_period: Duration::from_secs(2),
            autoscale_period: Duration::from_secs(30),
            access_log_stderr: false,
        }
    }
}

impl LocalWorkspaceOptions {
    /// Options with the workspace folder set.
    pub fn with_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// Options with a fixed port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Options with the venv cache folder set.
    pub fn with_venv_cache(mut self, dir: impl Into<PathBuf>) -> Self {
        self.venv_cache = Some(dir.into());
        self
    }

    /// Options with the Python interpreter set.
    pub fn with_python(mut self, python: impl Into<PathBuf>) -> Self {
        self.python = Some(python.into());
        self
    }

    /// Options with the `uv` executable set.
    pub fn with_uv(mut self, uv: impl Into<PathBuf>) -> Self {
        self.uv = Some(uv.into());
        self
    }

    /// Options with Azure's exact readiness-probe timing (see
    /// [`exact_probe_timing`](Self::exact_probe_timing)).
    pub fn with_exact_probe_timing(mut self, exact: bool) -> Self {
        self.exact_probe_timing = exact;
        self
    }

    /// Options with the clock metrics, autoscale and data collection read (see
    /// [`clock`](Self::clock)).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Options with the periods of the metrics sampler and of the autoscaler (see
    /// [`metrics_sample_period`](Self::metrics_sample_period) and
    /// [`autoscale_period`](Self::autoscale_period)).
    pub fn with_monitor_periods(mut self, metrics_sample: Duration, autoscale: Duration) -> Self {
        self.metrics_sample_period = metrics_sample;
        self.autoscale_period = autoscale;
        self
    }

    /// Options that also print the access log on stderr (see
    /// [`access_log_stderr`](Self::access_log_stderr)).
    pub fn with_access_log_stderr(mut self, stderr: bool) -> Self {
        self.access_log_stderr = stderr;
        self
    }

    /// Options with the workspace identity set.
    pub fn with_workspace(
        mut self,
        subscription_id: impl Into<String>,
        resource_group: impl Into<String>,
        workspace_name: impl Into<String>,
    ) -> Self {
        self.subscription_id = subscription_id.into();
        self.resource_group = resource_group.into();
        self.workspace_name = workspace_name.into();
        self
    }
}

/// An Azure Machine Learning workspace on this machine.
///
/// Serves the ARM surface of Azure ML over HTTPS on 127.0.0.1, with blob storage on the same
/// port (on the account host `{account}.blob.core.localhost:{port}` and path-style on
/// 127.0.0.1) and scoring URIs at `https://127.0.0.1:{port}/endpoints/{name}/score`. Environments
/// become cached venvs, deployments become `azmlinfsrv` processes, endpoints route real
/// traffic. State is kept in the workspace folder, so a later process sees earlier resources
/// (and restarts their deployments).
///
/// ```no_run
/// # async fn f() -> azureml_emulator::Result<()> {
/// use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
/// let workspace = LocalWorkspace::start(LocalWorkspaceOptions::default()).await?;
/// println!("{} (CA: {})", workspace.base_url(), workspace.ca_path().display());
/// workspace.shutdown().await;
/// # Ok(()) }
/// ```
pub struct LocalWorkspace {
    shared: Arc<Shared>,
    server: tokio::sync::Mutex<Option<StoppableTask>>,
    base_url: Url,
    ca_pem: String,
    ca_path: PathBuf,
    dir: PathBuf,
    storage_account: String,
    options: LocalWorkspaceOptions,
    monitor: tokio::sync::Mutex<Option<StoppableTask>>,
}

impl std::fmt::Debug for LocalWorkspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalWorkspace")
            .field("base_url", &self.base_url.as_str())
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl LocalWorkspace {
    /// Starts the workspace: loads (or creates) the folder's state and CA, binds 127.0.0.1 and
    /// restarts the deployments the state holds.
    ///
    /// # Errors
    /// [`Error::Io`] when the folder or port cannot be used, [`Error::Other`] for TLS setup.
    pub async fn start(options: LocalWorkspaceOptions) -> Result<Self> {
        let dir = match &options.dir {
            Some(d) => d.clone(),
            None => std::env::current_dir()
                .map_err(|e| Error::io(".", e))?
                .join(".azureml")
                .join("local"),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let tls = tls::load_or_create(&dir)?;
        let listener = bind(&dir, options.port).await?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::io(&dir, e))?
            .port();
        write_atomic(&dir.join(PORT_FILE), port.to_string().as_bytes())?;
        let base_url = Url::parse(&format!("https://127.0.0.1:{port}"))
            .map_err(|e| Error::other(format!("base URL: {e}")))?;

        let mut config = CoreConfig::default();
        config.subscription_id.clone_from(&options.subscription_id);
        config.resource_group.clone_from(&options.resource_group);
        config.workspace_name.clone_from(&options.workspace_name);
        config.location.clone_from(&options.location);
        config.arm_base = base_url.clone();
        // Blob storage answers on every form clients use (see `core::routes::blob_path`): the
        // account host `{account}.blob.core.localhost:{port}` (the default datastore's
        // `endpoint`, and what Python azure-ai-ml builds from the cloud's `storage_endpoint`),
        // and path-style on 127.0.0.1. RFC 6761 makes every name under `.localhost` loopback.
        config.storage_suffix = storage_suffix(port);
        config.blob_endpoint = Some(base_url.clone());
        config.scoring_base = Some(base_url.clone());
        config.retry_after_secs = options.retry_after_secs;
        config.lro_polls = 0;

        let storage_account = config.storage_account.clone();
        let state_path = dir.join(STATE_FILE);
        let mut core = match std::fs::read(&state_path) {
            Ok(bytes) => {
                let mut state: WorkspaceState =
                    crate::error::decode_json("offline workspace state", &bytes)?;
                let blob_dir = dir.join(BLOB_DIR);
                let lost = state.blobs.join_bodies(|name| {
                    std::fs::read(blob_dir.join(name))
                        .ok()
                        .map(bytes::Bytes::from)
                });
                for key in lost {
                    tracing::warn!(
                        "offline workspace: the body of blob {key} is missing from {}; the blob is dropped",
                        blob_dir.display()
                    );
                }
                WorkspaceCore::with_state(config, state)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => WorkspaceCore::new(config),
            Err(e) => return Err(Error::io(&state_path, e)),
        };
        if let Some(clock) = &options.clock {
            core.set_clock(clock.clone());
        }
        let venv_root = options
            .venv_cache
            .clone()
            .or_else(|| std::env::var_os(VENV_CACHE_ENV).map(PathBuf::from))
            .unwrap_or_else(|| dir.join("venvs"));
        let tables = Arc::new(RoutingTables::default());
        let registry = Registry::new(
            dir.clone(),
            VenvCache::new(venv_root, options.python.clone(), options.uv.clone()),
            options.keep_azureml_defaults,
            options.exact_probe_timing,
            tables.clone(),
            core.clock(),
        );
        core.set_runtime(Box::new(LocalRuntime {
            registry: registry.clone(),
        }));
        let orphans = sys::sweep_orphans(&dir);
        if orphans > 0 {
            tracing::warn!("stopped {orphans} model server(s) a killed earlier run left behind");
        }
        let shared = Arc::new(Shared::new(
            core,
            registry,
            tables,
            state_path,
            port,
            dir.clone(),
        ));
        let weak: Weak<Shared> = Arc::downgrade(&shared);
        shared
            .registry
            .on_settled(Box::new(move |endpoint: &str, deployment: &str| {
                if let Some(shared) = weak.upgrade() {
                    shared.settle(endpoint, deployment);
                }
            }));
        {
            let mut core = shared.lock_core();
            core.resume_operations();
            restart_deployments(&mut core);
            shared.publish(&core);
        }
        shared.persist_state()?;
        let access_log = AccessLog::open(&dir, options.access_log_stderr)?;
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(shared.clone())
            .layer(axum::middleware::from_fn_with_state(
                access_log,
                access_log::record,
            ));
        let server = https::spawn(listener, tls.server_config.clone(), app);
        let monitor = monitor::spawn(
            &shared,
            options.metrics_sample_period,
            options.autoscale_period,
        );
        Ok(Self {
            shared,
            server: tokio::sync::Mutex::new(Some(server)),
            base_url,
            ca_pem: tls.ca_pem,
            ca_path: tls.ca_path,
            dir,
            storage_account,
            options,
            monitor: tokio::sync::Mutex::new(Some(monitor)),
        })
    }

    /// `https://127.0.0.1:{port}`: the ARM endpoint, blob host and scoring host.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The link to Studio, the endpoint pages of Azure ML studio served by this workspace:
    /// `https://127.0.0.1:{port}/studio?token=…`. The token is this run's (a new one on every
    /// start); opening the link once lets that browser make changes (traffic, keys, test
    /// calls). Treat the link as a secret, like a notebook server's.
    pub fn studio_url(&self) -> Url {
        let mut url = self.studio_home();
        url.query_pairs_mut()
            .append_pair("token", self.shared.studio().token());
        url
    }

    /// Studio's address without the token: `https://127.0.0.1:{port}/studio` (read-only until
    /// the browser presents the token).
    pub fn studio_home(&self) -> Url {
        let mut url = self.base_url.clone();
        url.set_path("/studio");
        url
    }

    /// This run's Studio token (a secret: don't log it). Changes made through Studio need it,
    /// in the cookie [`studio_url`](Self::studio_url) sets, a `token` form field or an
    /// `x-studio-token` header.
    pub fn studio_token(&self) -> &str {
        self.shared.studio().token()
    }

    /// The storage DNS suffix clients build account URLs from: `core.localhost:{port}`, so the
    /// default datastore's account is `https://{account}.blob.core.localhost:{port}` (give it to
    /// Python azure-ai-ml as the cloud's `storage_endpoint`). Names under `.localhost` are
    /// loopback (RFC 6761); the certificate carries `*.blob.core.localhost`.
    pub fn storage_suffix(&self) -> String {
        storage_suffix(self.base_url.port().unwrap_or(443))
    }

    /// The default storage account's name.
    pub fn storage_account(&self) -> String {
        self.storage_account.clone()
    }

    /// Path of the access log (one JSON line per request, secrets left out).
    pub fn access_log_path(&self) -> PathBuf {
        self.dir.join(crate::local::ACCESS_LOG_FILE)
    }

    /// PEM of the workspace's certificate authority.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// Path of the CA certificate (for `REQUESTS_CA_BUNDLE`, `curl --cacert`, …).
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// The workspace folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options the workspace was started with (its scope: subscription id, resource
    /// group, workspace name, location).
    pub fn options(&self) -> &LocalWorkspaceOptions {
        &self.options
    }

    /// Request counts and latencies of a deployment's live traffic (`None` when not running).
    pub fn deployment_stats(&self, endpoint: &str, deployment: &str) -> Option<RequestStats> {
        self.shared
            .registry
            .target(endpoint, deployment)
            .map(|t| t.stats())
    }

    /// The instances of a running deployment (ports, pids, restarts).
    pub fn instances(&self, endpoint: &str, deployment: &str) -> Vec<InstanceInfo> {
        self.shared.registry.instances(endpoint, deployment)
    }

    /// Runs the autoscaler once now, besides its timer: evaluates the autoscale settings and
    /// the deployments' `TargetUtilization` settings at the clock's now and starts carrying
    /// the decisions out (instances start, or drain and stop, in the background). Returns the
    /// decisions.
    pub fn autoscale_now(&self) -> Vec<ScaleDecision> {
        monitor::autoscale(&self.shared)
    }

    /// The autoscale activity log: every scale action of the autoscaler (and of deployments'
    /// own `TargetUtilization` rules), oldest first. Also served per setting at
    /// `GET …/providers/Microsoft.Insights/autoscalesettings/{name}/activity`.
    pub fn autoscale_activity(&self) -> Vec<AutoscaleActivity> {
        self.shared.lock_core().autoscale_activity()
    }

    /// The folder collected model data is written to:
    /// `{dir}/modelDataCollector/{endpoint}/{deployment}/{collection}/{yyyy}/{MM}/{dd}/{HH}/{instance}.jsonl`,
    /// JSON Lines, one record a line (Azure's blob layout, under the workspace folder).
    pub fn data_collection_dir(&self) -> PathBuf {
        crate::local::collector::data_dir(&self.dir)
    }

    /// Waits (at most 30 s) until the data of every call answered so far is written.
    pub async fn flush_data_collection(&self) {
        self.shared.collector.flush(COLLECTOR_FLUSH_LIMIT).await;
    }

    /// Arms a fault rule: matching requests (ARM, blob or scoring) fail as it says. Every
    /// [`Fault`](crate::core::Fault) is staged here, faults of the connection included: over
    /// HTTP/1.1 a reset is a TCP RST, over HTTP/2 a reset of the call's stream. Scoring faults
    /// hit before routing, so they need no deployment (and no Python).
    pub fn inject(&self, rule: FaultRule) {
        self.shared.inject(rule);
    }

    /// Disarms every fault rule.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The python of the venv an environment's conda file becomes (built now if not cached):
    /// run training or preprocessing with the same packages the deployment will load.
    ///
    /// # Errors
    /// [`Error::Validation`] for a conda file that is not YAML; [`Error::Other`] when
    /// `python3` is missing or pip fails (the message carries pip's last lines).
    pub async fn environment_python(&self, conda_yaml: &str) -> Result<PathBuf> {
        let spec = VenvSpec::from_conda_yaml(conda_yaml, self.options.keep_azureml_defaults)?;
        let log = crate::local::logbuf::LogBuffer::new();
        self.shared.registry.venvs().ensure(&spec, &log).await
    }

    /// Stops the server and every deployment process (SIGTERM, then SIGKILL after a grace
    /// period), waiting until all are reaped. The state is saved in the folder.
    pub async fn shutdown(&self) {
        if let Some(mut monitor) = self.monitor.lock().await.take() {
            monitor.stop().await;
        }
        if let Some(mut server) = self.server.lock().await.take() {
            server.stop().await;
        }
        self.shared.registry.shutdown().await;
        self.shared.collector.stop(COLLECTOR_FLUSH_LIMIT).await;
        self.shared.save();
    }
}

impl Drop for LocalWorkspace {
    fn drop(&mut self) {
        // Without `shutdown().await` the processes are killed outright (no orphans either way).
        self.shared.registry.kill_now();
        self.shared.save();
    }
}

/// The storage DNS suffix of a workspace on `port`: `core.localhost:{port}`, so account URLs
/// are `https://{account}.blob.core.localhost:{port}` (the workspace certificate carries
/// `*.blob.core.localhost`).
pub(crate) fn storage_suffix(port: u16) -> String {
    format!("{}:{port}", tls::STORAGE_DOMAIN)
}

/// Binds 127.0.0.1: the given port, else the port this folder used last (URLs stored in the
/// state, such as asset URIs on the blob host, keep resolving), else any free port.
async fn bind(dir: &Path, port: u16) -> Result<tokio::net::TcpListener> {
    if port == 0 {
        let previous = std::fs::read_to_string(dir.join(PORT_FILE))
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok())
            .filter(|p| *p != 0);
        if let Some(previous) = previous {
            if let Ok(listener) = tokio::net::TcpListener::bind(("127.0.0.1", previous)).await {
                return Ok(listener);
            }
            tracing::warn!("port {previous} of the last run is taken; asset URLs stored with it will not resolve");
        }
    }
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Error::io(dir, e))
}

/// Asks the runtime to start every deployment the restored state holds.
fn restart_deployments(core: &mut WorkspaceCore) {
    let deployments: Vec<(String, String, serde_json::Value)> = core
        .state
        .endpoints
        .iter()
        .flat_map(|(endpoint, record)| {
            record
                .deployments
                .iter()
                .map(move |(name, d)| (endpoint.clone(), name.clone(), d.resource.clone()))
        })
        .collect();
    for (endpoint, name, resource) in deployments {
        let spec = core.deployment_spec(&endpoint, &name, &resource);
        core.runtime.deployment_put(spec);
    }
}
