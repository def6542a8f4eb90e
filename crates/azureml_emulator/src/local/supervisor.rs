//! Deployments become real processes: one `azmlinfsrv` per instance, each on its own loopback
//! port in its own process group, watched by the deployment's readiness and liveness probes.
//!
//! `azmlinfsrv` binds `0.0.0.0` and its gunicorn command line overrides `GUNICORN_CMD_ARGS
//! --bind`, so the server is started through a three-line shim that sets the package's
//! `DEFAULT_HOST` to `127.0.0.1` before its `run()` reads it; nothing listens beyond loopback.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::local::logbuf::LogBuffer;
use crate::local::probes::{self, Check, PhaseEnd, Plan};
use crate::local::spec::Probe;
use crate::local::venv::pump;
use crate::local::{spawner, sys, upstream};

/// Starts azmlinfsrv's own entry point with the listen host pinned to loopback.
const LOOPBACK_SHIM: &str = "import sys\nimport azureml_inference_server_http.constants as c\nc.DEFAULT_HOST = '127.0.0.1'\nfrom azureml_inference_server_http.amlserver import run\nsys.argv[0] = 'azmlinfsrv'\nsys.exit(run())\n";

/// How long a stopped group gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// Everything needed to start one instance.
#[derive(Clone, Debug)]
pub(crate) struct ProcessSpec {
    /// The venv's python.
    pub(crate) python: PathBuf,
    /// Folder holding the code asset (`AML_APP_ROOT`, working directory).
    pub(crate) app_root: PathBuf,
    /// Scoring script, relative to `app_root`.
    pub(crate) entry_script: String,
    /// `AZUREML_MODEL_DIR`.
    pub(crate) model_dir: PathBuf,
    /// The deployment's `environment_variables`.
    pub(crate) env: BTreeMap<String, String>,
    /// `request_timeout_ms`, passed as `SCORING_TIMEOUT_MS` so the server stops a `run()` the
    /// router has given up on instead of queueing later calls behind it.
    pub(crate) scoring_timeout: Duration,
    /// The workspace folder, stamped into the instance's environment so a later process can
    /// find instances a killed one left behind ([`sys::sweep_orphans`]).
    pub(crate) workspace: PathBuf,
    pub(crate) liveness: Probe,
    pub(crate) readiness: Probe,
    /// Run the readiness probe on Azure's exact schedule instead of checking as soon as the
    /// server listens ([`probes`]).
    pub(crate) exact_probe_timing: bool,
}

/// A deployment's overall process state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Health {
    /// Instances are starting; readiness not yet passed by all.
    Starting,
    /// Every instance passed its readiness probe once.
    Ready,
    /// An instance never became ready; the message carries the reason and log tail.
    Failed(String),
}

/// One instance as the router, the metrics sampler and diagnostics see it.
#[derive(Debug, Default)]
pub(crate) struct InstanceState {
    /// The instance's name (the `instanceId` of its metrics and collected data).
    pub(crate) id: String,
    pub(crate) port: AtomicU16,
    pub(crate) ready: AtomicBool,
    pub(crate) pid: AtomicU32,
    pub(crate) restarts: AtomicU32,
    /// When the current process was started ([`epoch_ms`]).
    spawned_at_ms: AtomicU64,
    /// How long the last start took until readiness passed (0 before the first).
    startup_ms: AtomicU64,
    /// Calls being answered by this instance right now.
    pub(crate) in_flight: AtomicUsize,
    /// Set when the instance is taken out of rotation to be stopped (scale in).
    pub(crate) draining: AtomicBool,
    /// Woken when the last call of a draining instance ends.
    pub(crate) idle: tokio::sync::Notify,
}

/// How an instance's first start ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FirstStart {
    /// Still starting.
    Pending,
    /// Passed its readiness probe.
    Ready,
    /// Never became ready (or was stopped first); the message says why.
    Failed(String),
}

/// Shortest and longest wait a `Retry-After` asks for.
const RETRY_AFTER_BOUNDS: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

/// Milliseconds since a process-wide origin (monotonic).
fn epoch_ms() -> u64 {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = ORIGIN.get_or_init(Instant::now);
    u64::try_from(origin.elapsed().as_millis()).unwrap_or(u64::MAX)
}

impl InstanceState {
    /// An instance named `id`, not started yet.
    pub(crate) fn named(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    fn started(&self, pid: u32, port: u16) {
        self.spawned_at_ms.store(epoch_ms(), Ordering::Release);
        self.port.store(port, Ordering::Release);
        self.pid.store(pid, Ordering::Release);
    }

    fn became_ready(&self) {
        let took = epoch_ms().saturating_sub(self.spawned_at_ms.load(Ordering::Acquire));
        self.startup_ms.store(took, Ordering::Release);
        self.ready.store(true, Ordering::Release);
    }

    /// When a caller turned away while this instance (re)starts should come back: what is
    /// left of its last start time, at least 1 s and at most 30 s.
    pub(crate) fn retry_after(&self) -> Duration {
        let startup = self.startup_ms.load(Ordering::Acquire);
        let since = epoch_ms().saturating_sub(self.spawned_at_ms.load(Ordering::Acquire));
        Duration::from_millis(startup.saturating_sub(since))
            .clamp(RETRY_AFTER_BOUNDS.0, RETRY_AFTER_BOUNDS.1)
    }
}

/// One supervised instance of a set.
struct Member {
    state: Arc<InstanceState>,
    stop: watch::Sender<bool>,
    /// `None` once someone else awaits it (an instance being stopped alone).
    task: Option<JoinHandle<()>>,
    /// Taken out of the set's count: draining or stopping (scale in), or failed to start.
    leaving: bool,
}

/// The processes of one deployment: the instances it started with, plus those added and
/// minus those removed by scaling.
pub(crate) struct ProcessSet {
    shared: Arc<SetShared>,
    members: Vec<Member>,
    health: watch::Receiver<Health>,
    /// Index of the next instance (never reused within a set).
    next_index: usize,
}

impl std::fmt::Debug for ProcessSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessSet")
            .field("instances", &self.members.len())
            .finish_non_exhaustive()
    }
}

/// Shared between the instance tasks of one set.
struct SetShared {
    spec: ProcessSpec,
    log: LogBuffer,
    health: watch::Sender<Health>,
    /// Readiness of the instances the set started with (the set's [`Health`]).
    ready_once: Mutex<Vec<bool>>,
    groups: Arc<Mutex<Vec<u32>>>,
    prefix_lines: bool,
    /// Instance ids are `{id_prefix}-{index}`.
    id_prefix: String,
}

impl ProcessSet {
    /// Starts `count` instances named `{id_prefix}-{index}`; returns at once,
    /// [`ProcessSet::health_watch`] tells when they are ready.
    pub(crate) fn start(spec: ProcessSpec, count: u32, log: LogBuffer, id_prefix: String) -> Self {
        let (health_tx, health) = watch::channel(Health::Starting);
        let count = count.max(1) as usize;
        let shared = Arc::new(SetShared {
            spec,
            log,
            health: health_tx,
            ready_once: Mutex::new(vec![false; count]),
            groups: Arc::new(Mutex::new(Vec::new())),
            prefix_lines: count > 1,
            id_prefix,
        });
        let mut set = Self {
            shared,
            members: Vec::with_capacity(count),
            health,
            next_index: 0,
        };
        for _ in 0..count {
            set.spawn_member();
        }
        set
    }

    fn spawn_member(&mut self) -> (Arc<InstanceState>, watch::Receiver<FirstStart>) {
        let index = self.next_index;
        self.next_index += 1;
        let state = Arc::new(InstanceState::named(format!(
            "{}-{index}",
            self.shared.id_prefix
        )));
        let (stop, stopped) = watch::channel(false);
        let (started, first_start) = watch::channel(FirstStart::Pending);
        let task = tokio::spawn(supervise(
            self.shared.clone(),
            index,
            state.clone(),
            stopped,
            started,
        ));
        self.members.push(Member {
            state: state.clone(),
            stop,
            task: Some(task),
            leaving: false,
        });
        (state, first_start)
    }

    /// A receiver that sees health changes.
    pub(crate) fn health_watch(&self) -> watch::Receiver<Health> {
        self.health.clone()
    }

    /// Every instance of the set (starting, serving or being stopped).
    pub(crate) fn instances(&self) -> Vec<Arc<InstanceState>> {
        self.members.iter().map(|m| m.state.clone()).collect()
    }

    /// Instances that count: serving or starting, not on their way out.
    pub(crate) fn staying(&self) -> usize {
        self.members.iter().filter(|m| !m.leaving).count()
    }

    /// Starts one more instance (scale out); the receiver tells how its start ends.
    pub(crate) fn add_instance(&mut self) -> (Arc<InstanceState>, watch::Receiver<FirstStart>) {
        self.spawn_member()
    }

    /// The newest instance that is staying, marked as leaving (scale in picks it).
    pub(crate) fn take_newest(&mut self) -> Option<Arc<InstanceState>> {
        let member = self.members.iter_mut().rev().find(|m| !m.leaving)?;
        member.leaving = true;
        Some(member.state.clone())
    }

    /// Marks `state` as leaving and tells its supervisor to stop it (SIGTERM, SIGKILL after a
    /// grace period, reaped). Await the returned task, then [`remove`](Self::remove) it.
    pub(crate) fn stop_instance(&mut self, state: &Arc<InstanceState>) -> Option<JoinHandle<()>> {
        let member = self
            .members
            .iter_mut()
            .find(|m| Arc::ptr_eq(&m.state, state))?;
        member.leaving = true;
        member.state.ready.store(false, Ordering::Release);
        let _ = member.stop.send(true);
        member.task.take()
    }

    /// Forgets a stopped instance.
    pub(crate) fn remove(&mut self, state: &Arc<InstanceState>) {
        self.members.retain(|m| !Arc::ptr_eq(&m.state, state));
    }

    /// Stops every instance: out of rotation at once, then SIGTERM to each group, SIGKILL
    /// after a grace period, children reaped. Ports are free when this returns.
    pub(crate) async fn shutdown(&mut self) {
        for member in &self.members {
            member.state.ready.store(false, Ordering::Release);
            let _ = member.stop.send(true);
        }
        let tasks: Vec<JoinHandle<()>> = self
            .members
            .iter_mut()
            .filter_map(|m| m.task.take())
            .collect();
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for ProcessSet {
    fn drop(&mut self) {
        // Without an async context the groups are killed outright; kill_on_drop reaps leaders.
        for member in &self.members {
            let _ = member.stop.send(true);
        }
        for pgid in self
            .shared
            .groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            sys::signal_group(pgid, sys::SIGKILL);
        }
        for task in self.members.iter().filter_map(|m| m.task.as_ref()) {
            task.abort();
        }
    }
}

/// A free loopback port (the listener is closed right away; the instance binds it next).
fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

impl SetShared {
    fn instance_log(&self, index: usize) -> LogBuffer {
        let initial = self
            .ready_once
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        if !self.prefix_lines && index < initial {
            return self.log.clone();
        }
        // Multi-instance deployments keep one log with the instance named on every line.
        self.log.with_prefix(format!("[instance {index}] "))
    }

    async fn spawn(&self, port: u16, log: &LogBuffer) -> std::io::Result<Child> {
        let spec = &self.spec;
        let mut cmd = Command::new(&spec.python);
        cmd.arg("-c")
            .arg(LOOPBACK_SHIM)
            .arg("--entry_script")
            .arg(&spec.entry_script)
            .arg("--model_dir")
            .arg(&spec.model_dir)
            .arg("--port")
            .arg(port.to_string())
            .current_dir(&spec.app_root)
            .env(
                "SCORING_TIMEOUT_MS",
                spec.scoring_timeout.as_millis().max(1).to_string(),
            )
            // The venv is ours: let Python cache bytecode in it even when the caller's shell says
            // not to (the first start compiles azmlinfsrv, Flask and the model's libraries once;
            // later starts skip 2–3 s of compiling). A deployment's own variable still wins.
            .env_remove("PYTHONDONTWRITEBYTECODE")
            // The deployment's own variables win, as on Azure.
            .envs(&spec.env)
            .env(sys::WORKSPACE_ENV, &spec.workspace)
            .env(sys::OWNER_ENV, std::process::id().to_string())
            .env("AML_APP_ROOT", &spec.app_root)
            .env("AZUREML_MODEL_DIR", &spec.model_dir)
            .env("PYTHONUNBUFFERED", "1")
            // No control socket under ~/.gunicorn; a short graceful stop so deletes are quick.
            .env(
                "GUNICORN_CMD_ARGS",
                "--no-control-socket --graceful-timeout 2",
            )
            .env_remove("SEPERATE_HEALTH_ENDPOINT")
            .env_remove("SERVER_PORT")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = spawner::spawn(cmd).await?;
        if let Some(out) = child.stdout.take() {
            pump(out, log.clone());
        }
        if let Some(err) = child.stderr.take() {
            pump(err, log.clone());
        }
        if let Some(pid) = child.id() {
            self.groups
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(pid);
        }
        Ok(child)
    }

    fn mark_ready_once(&self, index: usize) {
        let mut ready = self.ready_once.lock().unwrap_or_else(|p| p.into_inner());
        let Some(slot) = ready.get_mut(index) else {
            // An instance added by scaling: the set's health is the initial instances'.
            return;
        };
        *slot = true;
        if ready.iter().all(|r| *r) {
            self.health.send_if_modified(|h| {
                if *h == Health::Starting {
                    *h = Health::Ready;
                    true
                } else {
                    false
                }
            });
        }
    }

    /// The first start of instance `index` failed: the set fails when it is one of the
    /// initial instances (an instance added by scaling fails alone).
    fn fail_start(&self, index: usize, started: &watch::Sender<FirstStart>, message: String) {
        started.send_replace(FirstStart::Failed(message.clone()));
        let initial = self
            .ready_once
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len();
        if index < initial {
            self.fail(message);
        }
    }

    fn fail(&self, message: String) {
        self.health.send_if_modified(|h| {
            if *h == Health::Starting {
                *h = Health::Failed(message);
                true
            } else {
                false
            }
        });
    }

    fn forget_group(&self, pgid: u32) {
        self.groups
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|g| *g != pgid);
    }
}

/// `GET /` (azmlinfsrv's only health route) within `limit`.
async fn check_health(port: u16, limit: Duration) -> Check {
    let Some(request) = upstream::request(
        axum::http::Method::GET,
        port,
        "/",
        axum::http::HeaderMap::new(),
        bytes::Bytes::new(),
    ) else {
        return Check::Failed;
    };
    match upstream::call(port, request, limit.max(Duration::from_millis(10))).await {
        upstream::Outcome::Answer { status: 200, .. } => Check::Passed,
        upstream::Outcome::NotConnected => Check::NotListening,
        _ => Check::Failed,
    }
}

/// Stops a child's whole group and reaps the child.
async fn stop_group(child: &mut Child, pgid: Option<u32>) {
    if let Some(pgid) = pgid {
        sys::signal_group(pgid, sys::SIGTERM);
        if tokio::time::timeout(STOP_GRACE, child.wait())
            .await
            .is_err()
        {
            sys::signal_group(pgid, sys::SIGKILL);
        }
        // Workers may outlive a master that died first; make sure the group is empty.
        sys::signal_group(pgid, sys::SIGKILL);
    }
    let _ = child.start_kill();
    let _ = child.wait().await;
}

/// One instance's life: start, readiness, liveness, restart, stop.
async fn supervise(
    shared: Arc<SetShared>,
    index: usize,
    state: Arc<InstanceState>,
    mut stop: watch::Receiver<bool>,
    started: watch::Sender<FirstStart>,
) {
    let log = shared.instance_log(index);
    let mut first_start = true;
    loop {
        if *stop.borrow() {
            if first_start {
                started.send_replace(FirstStart::Failed("stopped before it was ready".into()));
            }
            return;
        }
        let port = match free_port() {
            Ok(p) => p,
            Err(e) => {
                shared.fail_start(index, &started, format!("no free loopback port: {e}"));
                return;
            }
        };
        let mut child = match shared.spawn(port, &log).await {
            Ok(c) => c,
            Err(e) => {
                log.push(format!("could not start the inference server: {e}"));
                shared.fail_start(
                    index,
                    &started,
                    format!("could not start the inference server: {e}"),
                );
                return;
            }
        };
        let pgid = child.id();
        let spawned = tokio::time::Instant::now();
        state.started(pgid.unwrap_or(0), port);

        let spec = &shared.spec;
        let readiness = if spec.exact_probe_timing {
            Plan::exact(&spec.readiness, spawned)
        } else {
            Plan::fast_readiness(&spec.readiness, spawned)
        };
        let liveness = Plan::exact(&spec.liveness, spawned);
        let check = |plan: &Plan| {
            let limit = plan.timeout();
            move || check_health(port, limit)
        };
        let end = match probes::run(&readiness, check(&readiness), &mut child, &mut stop, true)
            .await
        {
            PhaseEnd::Passed => {
                state.became_ready();
                shared.mark_ready_once(index);
                if first_start {
                    started.send_replace(FirstStart::Ready);
                }
                first_start = false;
                let end =
                    probes::run(&liveness, check(&liveness), &mut child, &mut stop, false).await;
                state.ready.store(false, Ordering::Release);
                end
            }
            other => other,
        };
        stop_group(&mut child, pgid).await;
        if let Some(pgid) = pgid {
            shared.forget_group(pgid);
        }
        let reason = match end {
            PhaseEnd::Stop => {
                if first_start {
                    started.send_replace(FirstStart::Failed("stopped before it was ready".into()));
                }
                return;
            }
            PhaseEnd::Passed => "ended".to_owned(),
            PhaseEnd::Exited(status) => format!("the inference server exited ({status})"),
            PhaseEnd::ProbeFailed => "the probe failed its failure threshold".to_owned(),
        };
        if first_start {
            // Give the pipe pumps a moment to copy the last lines before taking the tail.
            tokio::time::sleep(Duration::from_millis(100)).await;
            shared.fail_start(
                index,
                &started,
                format!(
                    "instance {index} did not become ready: {reason}. Last log lines:\n{}",
                    log.tail(Some(30))
                ),
            );
            return;
        }
        state.restarts.fetch_add(1, Ordering::AcqRel);
        log.push(format!("instance {index}: {reason}; restarting"));
        tracing::warn!(instance = index, "{reason}; restarting");
    }
}
