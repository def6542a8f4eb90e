//! The offline workspace's [`DeploymentRuntime`]: deployments become venvs plus supervised
//! `azmlinfsrv` processes, and the core's operations stay `Creating` until the readiness probe
//! passes.
//!
//! The core calls these hooks with its lock held, so every hook only records intent and starts
//! a background task; the tasks report back through the registry, never through the core.
//!
//! Scaling (the autoscaler's decisions, a Kubernetes deployment's own target-utilization rule)
//! changes a running deployment's instance count in place: one instance at a time, a new one
//! put into rotation once its readiness probe passes, a removed one taken out of rotation,
//! drained (the calls it is answering finish) and then stopped. Every step is written to the
//! deployment's log.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::core::monitor::Clock;
use crate::core::{AssetFile, ContainerType, DeploymentRuntime, DeploymentSpec, RuntimeState};
use crate::local::logbuf::LogBuffer;
use crate::local::router::{DeploymentTarget, RoutingTables, Serving, ServingMap};
use crate::local::spec::{ResourceLimits, ServingSpec};
use crate::local::supervisor::{FirstStart, Health, InstanceState, ProcessSet, ProcessSpec};
use crate::local::venv::{VenvCache, VenvSpec};

/// Most instances a deployment is scaled to offline (each is a Python process tree).
pub(crate) const MAX_SCALED_INSTANCES: u32 = 32;
/// Most scaling steps one scaling task takes before it hands back (each starts or stops one
/// instance).
const MAX_SCALE_STEPS: usize = 2 * MAX_SCALED_INSTANCES as usize;
/// How long shutdown waits for drains and scaling steps still under way.
const BACKGROUND_GRACE: Duration = Duration::from_secs(30);

/// A deployment's processes once they passed readiness, plus what the router needs.
struct Running {
    processes: ProcessSet,
    target: Arc<DeploymentTarget>,
}

/// What the runtime knows about one deployment.
struct Entry {
    generation: u64,
    state: RuntimeState,
    build_log: LogBuffer,
    server_log: LogBuffer,
    /// Processes starting for the newest generation.
    pending: Option<ProcessSet>,
    /// Processes serving traffic (an older generation keeps serving during an update).
    current: Option<Running>,
    /// Instances the deployment should run: its `sku.capacity`, then what scaling asked for.
    desired: u32,
    /// A scaling task is at work on the serving processes.
    scaling: bool,
    /// What an instance's CPU and memory are measured against.
    limits: ResourceLimits,
    /// How long a new instance may take to pass readiness (Azure's window and some slack).
    start_limit: Duration,
}

/// One step of scaling a deployment's serving processes.
enum ScaleStep {
    /// A new instance is starting; it joins the rotation when ready.
    Out {
        target: Arc<DeploymentTarget>,
        instance: Arc<InstanceState>,
        first_start: watch::Receiver<FirstStart>,
        log: LogBuffer,
        limit: Duration,
    },
    /// An instance left the rotation; it drains, then stops.
    In {
        target: Arc<DeploymentTarget>,
        instance: Arc<InstanceState>,
        log: LogBuffer,
        limit: Duration,
    },
}

/// A scale out the runtime could not carry out (the new instance never became ready).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ScaleFailure {
    pub(crate) endpoint: String,
    pub(crate) deployment: String,
    /// Instances that serve.
    pub(crate) running: u32,
    /// The count asked for.
    pub(crate) attempted: u32,
    pub(crate) reason: String,
}

/// A running deployment as the metrics sampler sees it.
pub(crate) struct ServingSnapshot {
    pub(crate) endpoint: String,
    pub(crate) deployment: String,
    pub(crate) limits: ResourceLimits,
    /// Every instance process (starting, serving, draining).
    pub(crate) instances: Vec<Arc<InstanceState>>,
    /// Instances in rotation.
    pub(crate) serving: usize,
}

/// Called with `(endpoint, deployment)` when a deployment's processes settle (ready or
/// failed), without the registry locked.
pub(crate) type SettledHook = Box<dyn Fn(&str, &str) + Send + Sync>;

/// Shared between the runtime hooks, the deploy tasks and the router.
pub(crate) struct Registry {
    entries: Mutex<HashMap<(String, String), Entry>>,
    dir: PathBuf,
    venvs: VenvCache,
    keep_azureml_defaults: bool,
    exact_probe_timing: bool,
    generation: AtomicU64,
    settled: OnceLock<SettledHook>,
    /// Where the router learns which deployments serve.
    tables: Arc<RoutingTables>,
    /// Stamps the scaling lines of deployment logs.
    clock: Arc<dyn Clock>,
    /// Drains and scaling tasks under way (shutdown waits for them).
    background: Mutex<Vec<JoinHandle<()>>>,
    /// Scale outs that failed, for the autoscaler to report (bounded: the oldest go first).
    failures: Mutex<Vec<ScaleFailure>>,
}

/// Most unreported scale failures kept.
const MAX_FAILURES: usize = 100;

type Entries = HashMap<(String, String), Entry>;

/// Diagnostics about one instance of a running deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct InstanceInfo {
    /// Loopback port the instance's `azmlinfsrv` listens on.
    pub port: u16,
    /// Process id of the instance's `azmlinfsrv` master (also its process group id).
    pub pid: u32,
    /// Passing its probes right now.
    pub ready: bool,
    /// Times the liveness probe (or a crash) restarted it.
    pub restarts: u32,
    /// The instance's name: the `instanceId` of its metrics and of the data it collects.
    pub id: String,
    /// Taken out of rotation, finishing its calls before it stops (scale in).
    pub draining: bool,
}

/// Stops processes that never served (a superseded or failed start).
fn stop_in_background(mut set: ProcessSet) -> JoinHandle<()> {
    tokio::spawn(async move { set.shutdown().await })
}

/// Takes serving processes out of rotation, lets the calls they are answering finish (at most
/// their request timeout and a second), then stops them: an update or a delete drops no call.
fn retire(mut running: Running) -> JoinHandle<()> {
    running.target.retire();
    tokio::spawn(async move {
        let limit = running.target.request_timeout + Duration::from_secs(1);
        running.target.drained(limit).await;
        running.processes.shutdown().await;
    })
}

/// Waits until an instance's first start ends, at most `limit` (then it counts as failed).
async fn first_start_of(
    first_start: &mut watch::Receiver<FirstStart>,
    limit: Duration,
) -> FirstStart {
    let waited = tokio::time::timeout(limit, async {
        loop {
            let now = first_start.borrow_and_update().clone();
            if now != FirstStart::Pending {
                return now;
            }
            if first_start.changed().await.is_err() {
                return FirstStart::Failed("its supervisor ended".into());
            }
        }
    })
    .await;
    waited.unwrap_or_else(|_| {
        FirstStart::Failed(format!("not ready within {:.0} s", limit.as_secs_f64()))
    })
}

impl Registry {
    pub(crate) fn new(
        dir: PathBuf,
        venvs: VenvCache,
        keep_azureml_defaults: bool,
        exact_probe_timing: bool,
        tables: Arc<RoutingTables>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            entries: Mutex::new(HashMap::new()),
            dir,
            venvs,
            keep_azureml_defaults,
            exact_probe_timing,
            generation: AtomicU64::new(0),
            settled: OnceLock::new(),
            tables,
            clock,
            background: Mutex::new(Vec::new()),
            failures: Mutex::new(Vec::new()),
        })
    }

    /// Scale outs that failed since the last call.
    pub(crate) fn take_scale_failures(&self) -> Vec<ScaleFailure> {
        std::mem::take(&mut *self.failures.lock().unwrap_or_else(|p| p.into_inner()))
    }

    /// Keeps a background task's handle so shutdown can wait for it.
    fn track(&self, task: JoinHandle<()>) {
        let mut background = self.background.lock().unwrap_or_else(|p| p.into_inner());
        background.retain(|t| !t.is_finished());
        background.push(task);
    }

    /// `2024-05-01T10:00:00Z ` for a log line.
    fn stamp(&self) -> String {
        crate::core::monitor::metrics::query::rfc3339(self.clock.now())
    }

    /// Tells the router which deployments serve now (called with the entries locked, after
    /// every change of what serves).
    fn publish(&self, entries: &Entries) {
        let mut serving = ServingMap::new();
        for ((endpoint, deployment), entry) in entries {
            let state = match (&entry.current, &entry.state) {
                (Some(running), _) => Serving::Ready(running.target.clone()),
                (None, RuntimeState::Failed { code, message }) => {
                    Serving::Failed(format!("{code}: {message}"))
                }
                (None, _) => Serving::Starting,
            };
            serving
                .entry(endpoint.clone())
                .or_default()
                .insert(deployment.clone(), state);
        }
        self.tables.publish_serving(serving);
    }

    /// Sets the hook told about settled deployments (once; later calls are ignored).
    pub(crate) fn on_settled(&self, hook: SettledHook) {
        let _ = self.settled.set(hook);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The serving processes of a deployment.
    pub(crate) fn target(&self, endpoint: &str, deployment: &str) -> Option<Arc<DeploymentTarget>> {
        self.lock()
            .get(&(endpoint.to_owned(), deployment.to_owned()))
            .and_then(|e| e.current.as_ref())
            .map(|r| r.target.clone())
    }

    /// Instance diagnostics of the serving processes.
    pub(crate) fn instances(&self, endpoint: &str, deployment: &str) -> Vec<InstanceInfo> {
        self.lock()
            .get(&(endpoint.to_owned(), deployment.to_owned()))
            .and_then(|e| e.current.as_ref())
            .map(|r| {
                r.processes
                    .instances()
                    .iter()
                    .map(|i| InstanceInfo {
                        port: i.port.load(Ordering::Acquire),
                        pid: i.pid.load(Ordering::Acquire),
                        ready: i.ready.load(Ordering::Acquire),
                        restarts: i.restarts.load(Ordering::Acquire),
                        id: i.id.clone(),
                        draining: i.draining.load(Ordering::Acquire),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The running deployments with their instance processes, for the metrics sampler.
    pub(crate) fn serving_snapshot(&self) -> Vec<ServingSnapshot> {
        self.lock()
            .iter()
            .filter_map(|((endpoint, deployment), entry)| {
                let running = entry.current.as_ref()?;
                Some(ServingSnapshot {
                    endpoint: endpoint.clone(),
                    deployment: deployment.clone(),
                    limits: entry.limits,
                    instances: running.processes.instances(),
                    serving: running.target.instances().len(),
                })
            })
            .collect()
    }

    /// Asks for `count` instances of a running (or starting) deployment, writing `note` to its
    /// log first; the instances are started or drained and stopped one at a time in the
    /// background. Returns false when the runtime does not know the deployment.
    pub(crate) fn scale(
        self: &Arc<Self>,
        endpoint: &str,
        deployment: &str,
        count: u32,
        note: &str,
    ) -> bool {
        let mut entries = self.lock();
        // ARM names compare case-insensitively; the runtime keeps them as stored.
        let Some(key) = entries
            .keys()
            .find(|(e, d)| e.eq_ignore_ascii_case(endpoint) && d.eq_ignore_ascii_case(deployment))
            .cloned()
        else {
            return false;
        };
        let Some(entry) = entries.get_mut(&key) else {
            return false;
        };
        let stamp = self.stamp();
        entry.server_log.push(format!("{stamp} {note}"));
        let bounded = count.clamp(1, MAX_SCALED_INSTANCES);
        if bounded != count {
            entry.server_log.push(format!(
                "{stamp} Scaling: {count} instance(s) asked for; offline deployments run between 1 and {MAX_SCALED_INSTANCES}: scaling to {bounded}"
            ));
        }
        entry.desired = bounded;
        self.start_scaling(&key, entry);
        true
    }

    /// Starts a scaling task unless one is at work or nothing serves yet (a starting
    /// generation is scaled once it serves).
    fn start_scaling(self: &Arc<Self>, key: &(String, String), entry: &mut Entry) {
        if entry.scaling || entry.current.is_none() {
            return;
        }
        entry.scaling = true;
        let registry = self.clone();
        let key = key.clone();
        self.track(tokio::spawn(async move { registry.reconcile(key).await }));
    }

    /// Brings a deployment's serving processes to the desired count, one instance at a time.
    async fn reconcile(self: Arc<Self>, key: (String, String)) {
        for _ in 0..MAX_SCALE_STEPS {
            let Some(step) = self.next_scale_step(&key) else {
                return;
            };
            match step {
                ScaleStep::Out {
                    target,
                    instance,
                    mut first_start,
                    log,
                    limit,
                } => {
                    let began = Instant::now();
                    match first_start_of(&mut first_start, limit).await {
                        FirstStart::Ready => {
                            if self.is_serving(&key, &target) {
                                target.add_instance(instance.clone());
                                log.push(format!(
                                    "{} Scale out: instance {} ready after {:.1} s; {} instance(s) in rotation",
                                    self.stamp(),
                                    instance.id,
                                    began.elapsed().as_secs_f64(),
                                    target.instances().len()
                                ));
                            }
                        }
                        FirstStart::Pending | FirstStart::Failed(_) => {
                            let why = match first_start.borrow().clone() {
                                FirstStart::Failed(why) => why,
                                _ => format!("not ready within {:.0} s", limit.as_secs_f64()),
                            };
                            log.push(format!(
                                "{} Scale out failed: instance {} did not become ready ({why}); staying at the instances that serve",
                                self.stamp(),
                                instance.id
                            ));
                            self.stop_and_forget(&key, &target, &instance).await;
                            if let Some((running, attempted)) = self.settle_desired(&key, &target) {
                                let mut failures =
                                    self.failures.lock().unwrap_or_else(|p| p.into_inner());
                                if failures.len() >= MAX_FAILURES {
                                    failures.remove(0);
                                }
                                failures.push(ScaleFailure {
                                    endpoint: key.0.clone(),
                                    deployment: key.1.clone(),
                                    running,
                                    attempted,
                                    reason: format!(
                                        "instance {} did not become ready: {why}",
                                        instance.id
                                    ),
                                });
                            }
                        }
                    }
                }
                ScaleStep::In {
                    target,
                    instance,
                    log,
                    limit,
                } => {
                    let began = Instant::now();
                    let drained = instance.drained(limit).await;
                    self.stop_and_forget(&key, &target, &instance).await;
                    log.push(format!(
                        "{} Scale in: instance {} {} and stopped after {:.1} s; {} instance(s) in rotation",
                        self.stamp(),
                        instance.id,
                        if drained { "drained" } else { "did not drain in time" },
                        began.elapsed().as_secs_f64(),
                        target.instances().len()
                    ));
                }
            }
        }
        // Bounded: hand back; the next scale request starts a new task.
        if let Some(entry) = self.lock().get_mut(&key) {
            entry.scaling = false;
        }
    }

    /// The next step towards the desired count, or `None` (and the task ends) when the
    /// serving processes have it or nothing serves.
    fn next_scale_step(&self, key: &(String, String)) -> Option<ScaleStep> {
        let mut entries = self.lock();
        let entry = entries.get_mut(key)?;
        let desired = entry.desired.max(1) as usize;
        let log = entry.server_log.clone();
        let (start_limit, stop_limit) = match &entry.current {
            Some(r) => (
                entry.start_limit,
                r.target.request_timeout + Duration::from_secs(1),
            ),
            None => {
                entry.scaling = false;
                return None;
            }
        };
        let Some(running) = entry.current.as_mut() else {
            entry.scaling = false;
            return None;
        };
        let staying = running.processes.staying();
        if desired > staying {
            let (instance, first_start) = running.processes.add_instance();
            log.push(format!(
                "{} Scale out: starting instance {} ({} of {desired})",
                self.stamp(),
                instance.id,
                staying + 1
            ));
            return Some(ScaleStep::Out {
                target: running.target.clone(),
                instance,
                first_start,
                log,
                limit: start_limit,
            });
        }
        if desired < staying {
            if let Some(instance) = running.processes.take_newest() {
                running.target.remove_instance(&instance);
                log.push(format!(
                    "{} Scale in: instance {} out of rotation, draining {} call(s)",
                    self.stamp(),
                    instance.id,
                    instance.in_flight.load(Ordering::SeqCst)
                ));
                return Some(ScaleStep::In {
                    target: running.target.clone(),
                    instance,
                    log,
                    limit: stop_limit,
                });
            }
        }
        entry.scaling = false;
        None
    }

    /// True while `target` is what the deployment serves with.
    fn is_serving(&self, key: &(String, String), target: &Arc<DeploymentTarget>) -> bool {
        self.lock()
            .get(key)
            .and_then(|e| e.current.as_ref())
            .is_some_and(|r| Arc::ptr_eq(&r.target, target))
    }

    /// Stops one instance of the serving processes (when `target` still is them; replaced
    /// processes are stopped whole by their retirement) and forgets it.
    async fn stop_and_forget(
        &self,
        key: &(String, String),
        target: &Arc<DeploymentTarget>,
        instance: &Arc<InstanceState>,
    ) {
        target.remove_instance(instance);
        let task = {
            let mut entries = self.lock();
            entries
                .get_mut(key)
                .and_then(|e| e.current.as_mut())
                .filter(|r| Arc::ptr_eq(&r.target, target))
                .and_then(|r| r.processes.stop_instance(instance))
        };
        if let Some(task) = task {
            let _ = task.await;
        }
        let mut entries = self.lock();
        if let Some(running) = entries
            .get_mut(key)
            .and_then(|e| e.current.as_mut())
            .filter(|r| Arc::ptr_eq(&r.target, target))
        {
            running.processes.remove(instance);
        }
    }

    /// After a failed scale out: the desired count becomes what serves, so the task stops
    /// trying (the autoscaler tries again after its cooldown). Returns `(running, attempted)`.
    fn settle_desired(
        &self,
        key: &(String, String),
        target: &Arc<DeploymentTarget>,
    ) -> Option<(u32, u32)> {
        let mut entries = self.lock();
        let entry = entries.get_mut(key)?;
        let running = entry
            .current
            .as_ref()
            .filter(|r| Arc::ptr_eq(&r.target, target))?;
        let staying = u32::try_from(running.processes.staying())
            .unwrap_or(1)
            .max(1);
        let attempted = std::mem::replace(&mut entry.desired, staying);
        Some((staying, attempted))
    }

    /// The venv cache.
    pub(crate) fn venvs(&self) -> &VenvCache {
        &self.venvs
    }

    /// Kills every process group right away (for `Drop`, where nothing can be awaited).
    pub(crate) fn kill_now(&self) {
        let mut entries = self.lock();
        for (_, mut entry) in entries.drain() {
            // ProcessSet's Drop sends SIGKILL to its groups.
            drop(entry.pending.take());
            drop(entry.current.take());
        }
        self.publish(&entries);
        drop(entries);
        // Drains and scaling steps under way: their processes go when their futures drop.
        for task in self
            .background
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }

    /// Stops every process and waits until all are reaped (drains and scaling steps under way
    /// get [`BACKGROUND_GRACE`], then they are cut short).
    pub(crate) async fn shutdown(&self) {
        let sets: Vec<ProcessSet> = {
            let mut entries = self.lock();
            let mut sets = Vec::new();
            for (_, mut entry) in entries.drain() {
                sets.extend(entry.pending.take());
                sets.extend(entry.current.take().map(|r| r.processes));
            }
            self.publish(&entries);
            sets
        };
        for mut set in sets {
            set.shutdown().await;
        }
        let background: Vec<JoinHandle<()>> = self
            .background
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        let deadline = tokio::time::Instant::now() + BACKGROUND_GRACE;
        for mut task in background {
            if tokio::time::timeout_at(deadline, &mut task).await.is_err() {
                // Cut short: the processes it held are killed when it is dropped.
                task.abort();
                let _ = task.await;
            }
        }
    }

    /// Records how a generation's start ended, then tells the hook (registry unlocked).
    fn finish(self: &Arc<Self>, key: &(String, String), generation: u64, outcome: Outcome) {
        {
            let mut entries = self.lock();
            let Some(entry) = entries.get_mut(key) else {
                return;
            };
            if entry.generation != generation {
                return;
            }
            let mut replaced = None;
            match outcome {
                Outcome::Ready(target) => {
                    if let Some(processes) = entry.pending.take() {
                        let staying = processes.staying();
                        replaced = entry.current.replace(Running { processes, target });
                        entry.state = RuntimeState::Succeeded;
                        // Scaling asked for another count while these started.
                        entry.scaling = false;
                        if entry.desired as usize != staying {
                            self.start_scaling(key, entry);
                        }
                    }
                }
                Outcome::Failed(code, message) => {
                    if let Some(set) = entry.pending.take() {
                        self.track(stop_in_background(set));
                    }
                    entry.build_log.push(format!("{code}: {message}"));
                    entry.state = RuntimeState::Failed { code, message };
                }
            }
            self.publish(&entries);
            // Retired only once the new processes are published: a call that finds the old
            // ones retired looks again and finds the new ones.
            if let Some(old) = replaced {
                self.track(retire(old));
            }
        }
        if let Some(hook) = self.settled.get() {
            hook(&key.0, &key.1);
        }
    }

    fn set_pending(&self, key: &(String, String), generation: u64, set: ProcessSet) -> bool {
        let mut entries = self.lock();
        match entries.get_mut(key) {
            Some(entry) if entry.generation == generation => {
                if let Some(old) = entry.pending.replace(set) {
                    self.track(stop_in_background(old));
                }
                true
            }
            _ => {
                self.track(stop_in_background(set));
                false
            }
        }
    }
}

enum Outcome {
    Ready(Arc<DeploymentTarget>),
    Failed(String, String),
}

/// The runtime boxed into the core.
pub(crate) struct LocalRuntime {
    pub(crate) registry: Arc<Registry>,
}

impl DeploymentRuntime for LocalRuntime {
    fn deployment_put(&mut self, spec: DeploymentSpec) {
        let key = (spec.endpoint.clone(), spec.deployment.clone());
        let generation = self.registry.generation.fetch_add(1, Ordering::AcqRel) + 1;
        let (build_log, server_log) = (LogBuffer::new(), LogBuffer::new());
        // A spec that does not read fails in `deploy`, with the reason; until then, defaults.
        let serving = ServingSpec::from_arm(&spec.resource).ok();
        let desired = serving.as_ref().map_or(1, |s| s.instance_count.max(1));
        let limits = serving.as_ref().map(|s| s.limits).unwrap_or_default();
        let start_limit = serving
            .as_ref()
            .map_or(Duration::from_secs(600), |s| s.readiness.window())
            + Duration::from_secs(30);
        {
            let mut entries = self.registry.lock();
            let entry = entries.entry(key.clone()).or_insert_with(|| Entry {
                generation,
                state: RuntimeState::Creating,
                build_log: build_log.clone(),
                server_log: server_log.clone(),
                pending: None,
                current: None,
                desired,
                scaling: false,
                limits,
                start_limit,
            });
            entry.generation = generation;
            entry.state = RuntimeState::Creating;
            entry.build_log = build_log.clone();
            entry.server_log = server_log.clone();
            entry.desired = desired;
            entry.limits = limits;
            entry.start_limit = start_limit;
            if let Some(old) = entry.pending.take() {
                self.registry.track(stop_in_background(old));
            }
            self.registry.publish(&entries);
        }
        let registry = self.registry.clone();
        tokio::spawn(async move {
            let outcome = deploy(&registry, &key, generation, spec, build_log, server_log).await;
            registry.finish(&key, generation, outcome);
        });
    }

    fn deployment_state(&mut self, endpoint: &str, deployment: &str) -> Option<RuntimeState> {
        self.registry
            .lock()
            .get(&(endpoint.to_owned(), deployment.to_owned()))
            .map(|e| e.state.clone())
    }

    fn deployment_deleted(&mut self, endpoint: &str, deployment: &str) {
        let removed = {
            let mut entries = self.registry.lock();
            let removed = entries.remove(&(endpoint.to_owned(), deployment.to_owned()));
            self.registry.publish(&entries);
            removed
        };
        if let Some(mut entry) = removed {
            if let Some(set) = entry.pending.take() {
                self.registry.track(stop_in_background(set));
            }
            if let Some(running) = entry.current.take() {
                self.registry.track(retire(running));
            }
        }
    }

    fn logs(
        &mut self,
        endpoint: &str,
        deployment: &str,
        container_type: ContainerType,
        tail: Option<usize>,
    ) -> Option<String> {
        let entries = self.registry.lock();
        let entry = entries.get(&(endpoint.to_owned(), deployment.to_owned()))?;
        Some(match container_type {
            ContainerType::StorageInitializer => entry.build_log.tail(tail),
            _ => entry.server_log.tail(tail),
        })
    }
}

/// Prepares files and venv, starts the processes and waits for readiness.
async fn deploy(
    registry: &Arc<Registry>,
    key: &(String, String),
    generation: u64,
    spec: DeploymentSpec,
    build_log: LogBuffer,
    server_log: LogBuffer,
) -> Outcome {
    let (process_spec, local) = match prepare(registry, generation, &spec, &build_log).await {
        Ok(p) => p,
        Err((code, message)) => return Outcome::Failed(code.to_owned(), message),
    };
    let set = ProcessSet::start(
        process_spec,
        local.instance_count,
        server_log,
        format!("{}-{generation}", safe_name(&spec.deployment)),
    );
    let instances = set.instances();
    let mut health = set.health_watch();
    if !registry.set_pending(key, generation, set) {
        return Outcome::Failed("Canceled".into(), "superseded by a newer update".into());
    }
    let settled = loop {
        let now = health.borrow_and_update().clone();
        if now != Health::Starting {
            break now;
        }
        if health.changed().await.is_err() {
            break Health::Failed("the deployment was stopped before it became ready".into());
        }
    };
    match settled {
        Health::Ready => Outcome::Ready(Arc::new(DeploymentTarget::new(
            instances,
            local.request.max_concurrent_requests_per_instance,
            local.request.request_timeout,
        ))),
        Health::Failed(message) => Outcome::Failed(
            "ResourceNotReady".into(),
            format!("User container has crashed or terminated: {message}"),
        ),
        Health::Starting => Outcome::Failed("ResourceNotReady".into(), "never settled".into()),
    }
}

type PrepareError = (&'static str, String);

/// Materializes model and code, builds (or reuses) the venv.
async fn prepare(
    registry: &Registry,
    generation: u64,
    spec: &DeploymentSpec,
    log: &LogBuffer,
) -> Result<(ProcessSpec, ServingSpec), PrepareError> {
    let local =
        ServingSpec::from_arm(&spec.resource).map_err(|e| ("BadArgument", e.to_string()))?;
    let folder = registry
        .dir
        .join("deployments")
        .join(safe_name(&spec.endpoint))
        .join(safe_name(&spec.deployment))
        .join(generation.to_string());
    let model_dir = folder.join(model_dir_under(local.model_id.as_deref()));
    let code_dir = folder.join("code");
    let io = |e: std::io::Error| ("StorageInitializerFailed", e.to_string());
    if folder.exists() {
        std::fs::remove_dir_all(&folder).map_err(io)?;
    }
    std::fs::create_dir_all(&model_dir).map_err(io)?;
    std::fs::create_dir_all(&code_dir).map_err(io)?;

    if let Some(model) = &local.model_id {
        if spec.model_files.is_empty() {
            return Err((
                "ModelNotFound",
                format!("the files of model `{model}` are not in the workspace's storage"),
            ));
        }
        // Azure's layout: a single-file model sits directly in AZUREML_MODEL_DIR, a folder
        // model keeps its folder name under it.
        let single_file = match spec.model_files.as_slice() {
            [only] => spec.model_folder_name.as_deref() == Some(only.path.as_str()),
            _ => false,
        };
        let base = match (&spec.model_folder_name, single_file) {
            (Some(folder), false) => model_dir.join(safe_relative(folder).map_err(bad_path)?),
            _ => model_dir.clone(),
        };
        write_files(&base, &spec.model_files, log, "model")?;
    }
    let script = spec
        .scoring_script
        .clone()
        .or(local.scoring_script.clone())
        .ok_or((
            "BadArgument",
            "code_configuration.scoring_script is required offline (no-code MLflow deployments need Azure's generated server)".to_owned(),
        ))?;
    if spec.code_files.is_empty() {
        return Err((
            "CodeNotFound",
            "the deployment's code asset has no files in the workspace's storage".to_owned(),
        ));
    }
    write_files(&code_dir, &spec.code_files, log, "code")?;
    let script_rel = safe_relative(&script).map_err(bad_path)?;
    if !code_dir.join(&script_rel).is_file() {
        return Err((
            "BadArgument",
            format!("scoring script `{script}` is not in the code asset"),
        ));
    }

    let conda = spec
        .environment
        .as_ref()
        .and_then(|e| e.pointer("/properties/condaFile"))
        .and_then(Value::as_str);
    let venv_spec = match conda {
        Some(yaml) => VenvSpec::from_conda_yaml(yaml, registry.keep_azureml_defaults)
            .map_err(|e| ("BadArgument", e.to_string()))?,
        None => {
            let mut s = VenvSpec::from_conda_yaml("dependencies: []", false)
                .map_err(|e| ("BadArgument", e.to_string()))?;
            s.warnings.push(
                "the environment has no conda file: only the inference server is installed (a Docker image cannot be used offline)".into(),
            );
            s
        }
    };
    let python = registry
        .venvs
        .ensure(&venv_spec, log)
        .await
        .map_err(|e| ("EnvironmentBuildFailed", e.to_string()))?;
    log.push("Model and code are in place; starting the inference server");
    Ok((
        ProcessSpec {
            python,
            app_root: code_dir,
            entry_script: script_rel.to_string_lossy().into_owned(),
            model_dir,
            env: local.environment_variables.clone(),
            scoring_timeout: local.request.request_timeout,
            workspace: registry.dir.clone(),
            liveness: local.liveness.clone(),
            readiness: local.readiness.clone(),
            exact_probe_timing: registry.exact_probe_timing,
        },
        local,
    ))
}

/// `azureml-models/{name}/{version}`, where Azure mounts a model and where `azmlinfsrv`
/// expects it: it reads the model's name and version back from the last two folders, and
/// takes any other layout for a folder of models, listing every entry as a model folder (a
/// `NotADirectoryError` traceback at every start for a single-file model).
fn model_dir_under(model_id: Option<&str>) -> PathBuf {
    let segments: Vec<&str> = model_id.unwrap_or_default().split('/').collect();
    let named = segments.windows(4).rev().find_map(|w| match w {
        [models, name, versions, version]
            if models.eq_ignore_ascii_case("models")
                && versions.eq_ignore_ascii_case("versions") =>
        {
            Some((safe_name(name), safe_name(version)))
        }
        _ => None,
    });
    let (name, version) = named.unwrap_or_else(|| ("model".to_owned(), "1".to_owned()));
    Path::new("azureml-models").join(name).join(version)
}

fn bad_path(e: String) -> PrepareError {
    ("BadArgument", e)
}

/// A name usable as one folder name (ARM names already are; anything else is hex-escaped).
fn safe_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_string()
            } else {
                format!("%{:02x}", u32::from(c))
            }
        })
        .collect()
}

/// A relative path that stays inside its base folder.
fn safe_relative(path: &str) -> Result<PathBuf, String> {
    let candidate = Path::new(path);
    let mut out = PathBuf::new();
    for component in candidate.components() {
        match component {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return Err(format!("asset path `{path}` leaves its folder")),
        }
    }
    if out.as_os_str().is_empty() {
        return Err(format!("asset path `{path}` is empty"));
    }
    Ok(out)
}

fn write_files(
    base: &Path,
    files: &[AssetFile],
    log: &LogBuffer,
    what: &str,
) -> Result<(), PrepareError> {
    let mut bytes = 0usize;
    for file in files {
        let rel = safe_relative(&file.path).map_err(bad_path)?;
        let target = base.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| ("StorageInitializerFailed", e.to_string()))?;
        }
        std::fs::write(&target, &file.content).map_err(|e| {
            (
                "StorageInitializerFailed",
                format!("{}: {e}", target.display()),
            )
        })?;
        bytes += file.content.len();
    }
    log.push(format!(
        "Downloaded {what}: {} file(s), {bytes} bytes into {}",
        files.len(),
        base.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_cannot_escape() {
        assert_eq!(safe_relative("a/./b.py").unwrap(), PathBuf::from("a/b.py"));
        for bad in ["../x", "/etc/passwd", "a/../../x", "", "."] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
        assert_eq!(safe_name("blue-1"), "blue-1");
        assert_eq!(safe_name("a/b"), "a%2fb");
    }

    #[test]
    fn models_are_laid_out_as_azure_mounts_them() {
        let id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models/churn/versions/3";
        assert_eq!(
            model_dir_under(Some(id)),
            Path::new("azureml-models/churn/3")
        );
        assert_eq!(
            model_dir_under(Some("azureml://registries/r/models/m/versions/2")),
            Path::new("azureml-models/m/2")
        );
        assert_eq!(model_dir_under(None), Path::new("azureml-models/model/1"));
        assert_eq!(
            model_dir_under(Some("models/../versions/x")),
            Path::new("azureml-models/%2e%2e/x")
        );
    }
}
