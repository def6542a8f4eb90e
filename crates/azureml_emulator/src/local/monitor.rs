//! Azure Monitor in the offline workspace: a timer that samples every instance process's CPU
//! and memory (and each deployment's instance count) into the core's metrics recorder, and a
//! timer that runs the autoscaler and carries its decisions out on real processes.
//!
//! * Sampling ([`LocalWorkspaceOptions::metrics_sample_period`](crate::local::LocalWorkspaceOptions::metrics_sample_period),
//!   2 s by default): per ready instance, the CPU time of its whole process group (the
//!   `azmlinfsrv` master and its gunicorn workers) since the last sample, as a percentage of
//!   the instance's cores (a Kubernetes deployment's CPU limit, else request; else the
//!   instance type's vCPUs; else one core), and its resident memory as a percentage of the
//!   instance's memory (the Kubernetes limit or request, the instance type's memory, else the
//!   machine's), read from `/proc`; `DeploymentCapacity` is the instances in rotation.
//! * Autoscaling ([`LocalWorkspaceOptions::autoscale_period`](crate::local::LocalWorkspaceOptions::autoscale_period),
//!   30 s by default): the core evaluates the autoscale settings
//!   ([`WorkspaceCore::evaluate_autoscale`](crate::core::WorkspaceCore::evaluate_autoscale))
//!   and the deployments' own `TargetUtilization` settings at the core clock's "now"; the
//!   runtime starts or drains and stops instances to match; each action goes to the
//!   deployment's log and the activity log.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::core::monitor::{MemoryUsage, MetricsRecorder, ScaleDecision, ScaleDirection};
use crate::local::runtime::{Registry, ServingSnapshot};
use crate::local::shared::Shared;
use crate::local::stoppable::StoppableTask;
use crate::local::sys;

/// Shortest period either timer accepts (a zero period would spin).
const MIN_PERIOD: Duration = Duration::from_millis(10);
/// Shortest span a CPU sample covers (`/proc` counts CPU time in 10 ms ticks).
const MIN_SPAN: Duration = Duration::from_millis(500);

/// Starts both timers, stopped by [`StoppableTask::stop`] or on drop. The task holds the
/// workspace weakly: it ends with it.
pub(crate) fn spawn(
    shared: &Arc<Shared>,
    sample_period: Duration,
    autoscale_period: Duration,
) -> StoppableTask {
    let shared = Arc::downgrade(shared);
    StoppableTask::spawn(move |stopped| {
        run(
            shared,
            sample_period.max(MIN_PERIOD),
            autoscale_period.max(MIN_PERIOD),
            stopped,
        )
    })
}

async fn run(
    shared: Weak<Shared>,
    sample_period: Duration,
    autoscale_period: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let mut sampler = Sampler::new();
    let mut sample = tokio::time::interval(sample_period);
    sample.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut scale = tokio::time::interval(autoscale_period);
    scale.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    return;
                }
            }
            _ = sample.tick() => {
                let Some(shared) = shared.upgrade() else { return };
                let now = shared.clock().now();
                sampler.sample(&shared.registry, &shared.recorder(), now).await;
            }
            _ = scale.tick() => {
                let Some(shared) = shared.upgrade() else { return };
                autoscale(&shared);
            }
        }
    }
}

/// One autoscaler round: the core decides, the runtime scales.
pub(crate) fn autoscale(shared: &Arc<Shared>) -> Vec<ScaleDecision> {
    let serving: BTreeMap<(String, String), u32> = shared
        .registry
        .serving_snapshot()
        .into_iter()
        .map(|s| {
            let count = u32::try_from(s.serving).unwrap_or(u32::MAX);
            ((s.endpoint, s.deployment), count)
        })
        .collect();
    let decisions = shared.evaluate_scaling(&serving);
    for decision in &decisions {
        let (Some(endpoint), Some(deployment)) = (decision.endpoint(), decision.deployment())
        else {
            continue;
        };
        let verb = match decision.direction {
            ScaleDirection::Increase => "out",
            ScaleDirection::Decrease => "in",
        };
        let note = format!(
            "Autoscale '{}' (profile '{}'): scale {verb} from {} to {} instance(s). {}",
            decision.setting_name,
            decision.profile,
            decision.old_capacity,
            decision.new_capacity,
            decision.reason
        );
        if !shared
            .registry
            .scale(&endpoint, &deployment, decision.new_capacity, &note)
        {
            tracing::debug!(%endpoint, %deployment, "autoscale decision for a deployment that does not run");
        }
    }
    // Decisions and failures reported to the core changed the state (saved only when so).
    shared.save();
    decisions
}

/// Turns `/proc` readings into CPU and memory samples.
struct Sampler {
    /// CPU ticks of each instance's process group at the last sample, and when.
    previous: HashMap<u32, (u64, Instant)>,
    ticks_per_second: f64,
    machine_memory: Option<u64>,
}

impl Sampler {
    fn new() -> Self {
        Self {
            previous: HashMap::new(),
            ticks_per_second: sys::clock_ticks_per_second() as f64,
            machine_memory: sys::total_memory_bytes(),
        }
    }

    /// Samples every instance of every running deployment at `now`.
    async fn sample(
        &mut self,
        registry: &Registry,
        recorder: &MetricsRecorder,
        now: time::OffsetDateTime,
    ) {
        let snapshot = registry.serving_snapshot();
        let groups: BTreeSet<u32> = snapshot
            .iter()
            .flat_map(|s| s.instances.iter())
            .map(|i| i.pid.load(std::sync::atomic::Ordering::Acquire))
            .filter(|pid| *pid > 1)
            .collect();
        let usage = tokio::task::spawn_blocking(move || sys::group_usage(&groups))
            .await
            .unwrap_or_default();
        let taken = Instant::now();
        let mut next = HashMap::with_capacity(usage.len());
        for s in &snapshot {
            self.sample_deployment(s, &usage, taken, &mut next, recorder, now);
        }
        self.previous = next;
    }

    fn sample_deployment(
        &self,
        s: &ServingSnapshot,
        usage: &BTreeMap<u32, sys::GroupUsage>,
        taken: Instant,
        next: &mut HashMap<u32, (u64, Instant)>,
        recorder: &MetricsRecorder,
        now: time::OffsetDateTime,
    ) {
        let cores = s.limits.cpus.unwrap_or(1.0);
        let memory = s.limits.memory_bytes.or(self.machine_memory).unwrap_or(0);
        for instance in &s.instances {
            let pid = instance.pid.load(std::sync::atomic::Ordering::Acquire);
            let Some(u) = usage.get(&pid) else {
                continue;
            };
            // An instance that is not ready (starting, restarting) is not measured, as
            // Kubernetes' autoscaler ignores pods that start: its baseline moves along, so its
            // first sample starts when it is ready. A span shorter than MIN_SPAN holds too few
            // clock ticks: the baseline stays for the next sample.
            let previous = self.previous.get(&pid).copied();
            let ready = instance.ready.load(std::sync::atomic::Ordering::Acquire);
            let Some((ticks, then)) = previous.filter(|_| ready) else {
                next.insert(pid, (u.cpu_ticks, taken));
                continue;
            };
            let seconds = taken.duration_since(then).as_secs_f64();
            if seconds < MIN_SPAN.as_secs_f64() || u.cpu_ticks < ticks {
                next.insert(pid, (ticks, then));
                continue;
            }
            next.insert(pid, (u.cpu_ticks, taken));
            let busy = (u.cpu_ticks - ticks) as f64 / self.ticks_per_second;
            let percent = (busy / seconds / cores * 100.0).clamp(0.0, 100.0);
            recorder.record_instance_sample(
                &s.endpoint,
                &s.deployment,
                &instance.id,
                percent,
                MemoryUsage::Bytes {
                    used: u.rss_bytes,
                    limit: memory,
                },
                now,
            );
        }
        recorder.record_capacity(
            &s.endpoint,
            &s.deployment,
            u32::try_from(s.serving).unwrap_or(u32::MAX),
            now,
        );
    }
}
