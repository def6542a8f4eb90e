//! What the offline workspace's request handlers share: the core behind its lock, the router
//! and its tables, the state file (saved after every change, blob bodies in files of their own
//! under [`BLOB_DIR`]) and Studio's per-start token.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::core::monitor::{Clock, MetricsRecorder, ScaleDecision};
use crate::core::{
    AuthMode as CoreAuthMode, CoreConfig, CoreRequest, FaultAction, FaultRule, HostKind,
    WorkspaceCore, ORIGINAL_HOST_HEADER,
};
use crate::error::{Error, Result};
use crate::local::collector::DataCollector;
use crate::local::fsutil::write_atomic;
use crate::local::router::{AuthMode, EndpointConfig, Observer, Router, RoutingTables};
use crate::local::runtime::Registry;
use crate::local::studio::gate::Studio;

/// Folder beside the state file holding blob bodies, one file per blob version.
pub(crate) const BLOB_DIR: &str = "blobs";

/// What the HTTP handler shares.
pub(crate) struct Shared {
    core: Arc<Mutex<WorkspaceCore>>,
    /// The core's configuration, read without its lock (it does not change after start).
    pub(super) config: CoreConfig,
    pub(crate) registry: Arc<Registry>,
    pub(super) router: Router,
    tables: Arc<RoutingTables>,
    state_path: PathBuf,
    persist: Mutex<()>,
    /// The core revision last written to the state file.
    saved_revision: AtomicU64,
    /// The core revision the router's endpoint table was last built from.
    published_revision: AtomicU64,
    /// True while fault rules are armed: only then do scoring calls look at the core.
    pub(super) faults_armed: AtomicBool,
    /// `127.0.0.1:{port}`.
    pub(super) default_host: String,
    port: u16,
    /// Studio's per-start token.
    studio: Studio,
    /// The core's metrics recorder (shared without the core's lock).
    recorder: Arc<MetricsRecorder>,
    /// The core's clock.
    clock: Arc<dyn Clock>,
    /// Writes collected model data under the workspace folder.
    pub(crate) collector: Arc<DataCollector>,
}

impl Shared {
    pub(crate) fn new(
        core: WorkspaceCore,
        registry: Arc<Registry>,
        tables: Arc<RoutingTables>,
        state_path: PathBuf,
        port: u16,
        dir: PathBuf,
    ) -> Self {
        let observer = Observer {
            recorder: core.metrics_recorder(),
            clock: core.clock(),
        };
        let (recorder, clock) = (observer.recorder.clone(), observer.clock.clone());
        let collector = Arc::new(DataCollector::start(
            dir,
            core.config().workspace_id(),
            recorder.clone(),
        ));
        Self {
            config: core.config().clone(),
            core: Arc::new(Mutex::new(core)),
            registry,
            router: Router::new(tables.clone(), observer, Some(collector.clone())),
            tables,
            state_path,
            persist: Mutex::new(()),
            saved_revision: AtomicU64::new(u64::MAX),
            published_revision: AtomicU64::new(u64::MAX),
            faults_armed: AtomicBool::new(false),
            default_host: format!("127.0.0.1:{port}"),
            port,
            studio: Studio::new(),
            recorder,
            clock,
            collector,
        }
    }

    /// The port the server listens on (127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Studio's per-start secret.
    pub(crate) fn studio(&self) -> &Studio {
        &self.studio
    }

    /// The core's configuration.
    pub(crate) fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// The workspace's name.
    pub(crate) fn workspace_name(&self) -> &str {
        &self.config.workspace_name
    }

    /// The monitor's "now" (what the metrics API reads relative timespans against).
    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// The core's metrics recorder.
    pub(crate) fn recorder(&self) -> Arc<MetricsRecorder> {
        self.recorder.clone()
    }

    /// The core's clock.
    pub(crate) fn clock(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// Reports the runtime's failed scale outs to the core, then runs the core's autoscale
    /// evaluation (settings, then deployments' own `TargetUtilization` rules) at the clock's
    /// now; `serving` holds the instances each running deployment has in rotation.
    pub(crate) fn evaluate_scaling(
        &self,
        serving: &BTreeMap<(String, String), u32>,
    ) -> Vec<ScaleDecision> {
        let now = self.clock.now();
        let failures = self.registry.take_scale_failures();
        let mut core = self.lock_core();
        for f in &failures {
            core.record_scale_failure(
                &f.endpoint,
                &f.deployment,
                f.running,
                f.attempted,
                &f.reason,
                now,
            );
        }
        let mut decisions = core.evaluate_autoscale(now);
        decisions.extend(core.evaluate_target_utilization(now, serving));
        self.publish(&core);
        decisions
    }

    pub(crate) fn lock_core(&self) -> MutexGuard<'_, WorkspaceCore> {
        self.core.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the core's state atomically when it changed since the last write.
    ///
    /// Blob bodies go to files of their own under [`BLOB_DIR`], each written once (its name
    /// changes with its etag), and the state file names them: a save writes metadata, not every
    /// blob base64-encoded again (a 1 GiB model used to be re-encoded and re-written after each
    /// request). The core's lock is held only to copy the state (blob bodies are shared bytes).
    pub(crate) fn persist_state(&self) -> Result<()> {
        // Held across serializing and writing, so an older state never overwrites a newer one.
        let _order = self.persist.lock().unwrap_or_else(|p| p.into_inner());
        let (revision, mut state) = {
            let core = self.lock_core();
            if core.revision() == self.saved_revision.load(Ordering::Acquire) {
                return Ok(());
            }
            (core.revision(), core.state().clone())
        };
        let bodies = state.blobs.split_bodies();
        let blob_dir = self
            .state_path
            .parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .join(BLOB_DIR);
        for (name, body) in &bodies {
            let path = blob_dir.join(name);
            if !path.is_file() {
                write_atomic(&path, body)?;
            }
        }
        let bytes = serde_json::to_vec(&state)
            .map_err(|e| Error::other(format!("could not serialize the workspace state: {e}")))?;
        write_atomic(&self.state_path, &bytes)?;
        self.saved_revision.store(revision, Ordering::Release);
        // Only once the saved state names the current bodies: the others can go.
        let current: std::collections::BTreeSet<&str> =
            bodies.iter().map(|(name, _)| name.as_str()).collect();
        if let Ok(entries) = std::fs::read_dir(&blob_dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if !name.starts_with('.') && !current.contains(name.as_ref()) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    /// [`persist_state`](Self::persist_state), logging instead of failing: a request or a
    /// status change is not undone because the disk is full.
    pub(crate) fn save(&self) {
        if let Err(e) = self.persist_state() {
            tracing::error!("offline workspace: could not save state: {e}");
        }
    }

    /// Rebuilds the router's endpoint table when the core changed since it was last built.
    pub(crate) fn publish(&self, core: &WorkspaceCore) {
        let revision = core.revision();
        if self.published_revision.swap(revision, Ordering::AcqRel) != revision {
            self.tables.publish_endpoints(endpoint_configs(core));
        }
    }

    /// A deployment's processes settled: its status changes now, not at the next poll.
    pub(crate) fn settle(&self, endpoint: &str, deployment: &str) {
        {
            let mut core = self.lock_core();
            core.settle_deployment(endpoint, deployment);
            self.publish(&core);
        }
        self.save();
    }

    /// Arms a fault rule.
    pub(crate) fn inject(&self, rule: FaultRule) {
        let mut core = self.lock_core();
        core.inject(rule);
        self.faults_armed
            .store(!core.faults().is_empty(), Ordering::Release);
    }

    /// Disarms every fault rule.
    pub(crate) fn clear_faults(&self) {
        let mut core = self.lock_core();
        core.clear_faults();
        self.faults_armed.store(false, Ordering::Release);
    }

    /// The fault hitting a scoring call, if any (the core's rules, counted down).
    pub(super) fn take_fault(&self, kind: &HostKind, request: &CoreRequest) -> Option<FaultAction> {
        let mut core = self.lock_core();
        let action = core.take_fault(kind, request, false);
        self.faults_armed
            .store(!core.faults().is_empty(), Ordering::Release);
        action
    }

    /// The endpoint of a call to `/endpoints/{name}/…` on this host, known without building
    /// its URL: the path every scoring URI of the workspace has.
    pub(super) fn scoring_endpoint(&self, request: &axum::http::request::Parts) -> Option<String> {
        let host = request.headers.get(ORIGINAL_HOST_HEADER);
        if host.is_some_and(|h| h.as_bytes() != self.default_host.as_bytes()) {
            return None;
        }
        let rest = request.uri.path().strip_prefix("/endpoints/")?;
        let name = rest.split('/').next().filter(|n| !n.is_empty())?;
        Some(
            percent_encoding::percent_decode_str(name)
                .decode_utf8_lossy()
                .into_owned(),
        )
    }
}

/// The router's view of every endpoint of the core.
fn endpoint_configs(core: &WorkspaceCore) -> BTreeMap<String, EndpointConfig> {
    core.state()
        .endpoint_names()
        .filter_map(|name| {
            let auth = core.endpoint_auth(name)?;
            let config = EndpointConfig {
                auth_mode: match auth.mode {
                    CoreAuthMode::AmlToken => AuthMode::AmlToken,
                    CoreAuthMode::AadToken => AuthMode::AadToken,
                    _ => AuthMode::Key,
                },
                keys: vec![auth.primary_key, auth.secondary_key],
                tokens: auth.tokens,
                traffic: core.traffic(name),
                mirror: core.mirror_traffic(name),
                deployments: core
                    .state()
                    .deployment_names(name)
                    .map(str::to_owned)
                    .collect(),
                collect: core
                    .state()
                    .deployment_names(name)
                    .filter_map(|d| {
                        let config = core.data_collection_config(name, d)?;
                        Some((d.to_owned(), Arc::new(config)))
                    })
                    .collect(),
                seed: core.data_collection_seed(),
            };
            Some((name.to_owned(), config))
        })
        .collect()
}
