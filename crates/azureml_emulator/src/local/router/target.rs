//! A deployment's running instances as the router uses them: instance choice, the in-flight
//! limit, retirement with draining (of all instances on an update, of one on a scale in), and
//! request statistics kept in atomics (no lock on the path of a call: the instance list is an
//! `arc-swap` snapshot that scaling replaces).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::local::supervisor::InstanceState;
use crate::local::sys;

/// Latencies kept per deployment (the most recent ones).
const LATENCY_WINDOW: usize = 100_000;
/// Latencies per lazily allocated segment of the window.
const SEGMENT: usize = 4096;
/// Statuses counted one by one; anything above lands on the last slot.
const STATUSES: usize = 600;

/// Request counts and latencies of one deployment.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct RequestStats {
    /// Requests routed to the deployment as live traffic (any outcome).
    pub requests: u64,
    /// Mirror copies sent to the deployment.
    pub mirrored_requests: u64,
    /// Live requests by the status the caller got.
    pub status_counts: BTreeMap<u16, u64>,
    /// Router-measured latencies of recent live requests the model answered (or timed out
    /// on), in milliseconds, oldest first; calls turned away with 429 or 503 are not in it.
    pub latencies_ms: Vec<f64>,
    /// Requests (live and mirrored) in flight right now.
    pub in_flight: usize,
}

impl RequestStats {
    /// The `p`-th percentile (0–100) of [`RequestStats::latencies_ms`], `None` when empty.
    pub fn latency_percentile_ms(&self, p: f64) -> Option<f64> {
        let mut sorted = self.latencies_ms.clone();
        if sorted.is_empty() {
            return None;
        }
        sorted.sort_by(f64::total_cmp);
        let rank = ((p.clamp(0.0, 100.0) / 100.0) * (sorted.len() - 1) as f64).round() as usize;
        sorted.get(rank).copied()
    }
}

/// The most recent latencies, in a ring of atomics allocated a segment at a time.
struct LatencyRing {
    written: AtomicU64,
    segments: Box<[OnceLock<Box<[AtomicU64]>>]>,
}

impl LatencyRing {
    fn new() -> Self {
        Self {
            written: AtomicU64::new(0),
            segments: (0..LATENCY_WINDOW.div_ceil(SEGMENT))
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    fn slot(&self, n: u64) -> Option<&AtomicU64> {
        let index = usize::try_from(n % LATENCY_WINDOW as u64).ok()?;
        let segment = self
            .segments
            .get(index / SEGMENT)?
            .get_or_init(|| (0..SEGMENT).map(|_| AtomicU64::new(0)).collect());
        segment.get(index % SEGMENT)
    }

    fn push(&self, millis: f64) {
        let n = self.written.fetch_add(1, Ordering::Relaxed);
        if let Some(slot) = self.slot(n) {
            slot.store(millis.to_bits(), Ordering::Relaxed);
        }
    }

    fn snapshot(&self) -> Vec<f64> {
        let written = self.written.load(Ordering::Relaxed);
        let kept = written.min(LATENCY_WINDOW as u64);
        (written - kept..written)
            .filter_map(|n| self.slot(n))
            .map(|slot| f64::from_bits(slot.load(Ordering::Relaxed)))
            .collect()
    }
}

/// A deployment's running instances plus its request limits and counters.
pub(crate) struct DeploymentTarget {
    /// The instances that take calls (scaling adds ready ones and removes draining ones).
    instances: ArcSwap<Vec<Arc<InstanceState>>>,
    pub(crate) max_concurrent_per_instance: u32,
    pub(crate) request_timeout: Duration,
    in_flight: AtomicUsize,
    next_instance: AtomicUsize,
    requests: AtomicU64,
    pub(super) mirrored: AtomicU64,
    statuses: Box<[AtomicU64]>,
    latencies: LatencyRing,
    /// Set when newer processes (or none) replace these: calls go elsewhere from then on.
    retired: AtomicBool,
    /// Woken when the last in-flight call of a retired target ends.
    idle: tokio::sync::Notify,
}

impl std::fmt::Debug for DeploymentTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeploymentTarget")
            .field("instances", &self.instances.load().len())
            .finish_non_exhaustive()
    }
}

impl DeploymentTarget {
    pub(crate) fn new(
        instances: Vec<Arc<InstanceState>>,
        max_concurrent_per_instance: u32,
        request_timeout: Duration,
    ) -> Self {
        Self {
            instances: ArcSwap::from_pointee(instances),
            max_concurrent_per_instance,
            request_timeout,
            in_flight: AtomicUsize::new(0),
            next_instance: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            mirrored: AtomicU64::new(0),
            statuses: (0..STATUSES).map(|_| AtomicU64::new(0)).collect(),
            latencies: LatencyRing::new(),
            retired: AtomicBool::new(false),
            idle: tokio::sync::Notify::new(),
        }
    }

    /// The instances taking calls.
    pub(crate) fn instances(&self) -> Arc<Vec<Arc<InstanceState>>> {
        self.instances.load_full()
    }

    /// Puts a ready instance into rotation (scale out).
    pub(crate) fn add_instance(&self, instance: Arc<InstanceState>) {
        self.instances.rcu(|list| {
            let mut next = Vec::clone(list);
            if !next.iter().any(|i| Arc::ptr_eq(i, &instance)) {
                next.push(instance.clone());
            }
            next
        });
    }

    /// Takes an instance out of rotation and marks it draining: no new call goes to it, the
    /// calls it is answering finish ([`InstanceState::drained`]).
    pub(crate) fn remove_instance(&self, instance: &Arc<InstanceState>) {
        instance.draining.store(true, Ordering::SeqCst);
        self.instances.rcu(|list| {
            list.iter()
                .filter(|i| !Arc::ptr_eq(i, instance))
                .cloned()
                .collect::<Vec<_>>()
        });
    }

    /// Takes these processes out of rotation; calls already holding a slot finish.
    pub(crate) fn retire(&self) {
        // SeqCst pairs with `acquire`: a call either sees the flag or is counted in flight.
        self.retired.store(true, Ordering::SeqCst);
    }

    pub(super) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    /// Waits until no call is in flight, or `limit` has passed.
    pub(crate) async fn drained(&self, limit: Duration) {
        wait_idle(&self.in_flight, &self.idle, limit).await;
    }

    /// In-flight requests allowed before 429 (Azure: 2 × per-instance limit × instances).
    pub(crate) fn max_in_flight(&self) -> usize {
        2 * self.max_concurrent_per_instance.max(1) as usize * self.instances.load().len().max(1)
    }

    /// Next ready instance that is not draining, round-robin, other than `except`.
    pub(super) fn pick(&self, except: Option<&Arc<InstanceState>>) -> Option<Arc<InstanceState>> {
        let instances = self.instances.load();
        let n = instances.len();
        let start = self.next_instance.fetch_add(1, Ordering::Relaxed);
        (0..n)
            .filter_map(|i| instances.get((start + i) % n))
            .find(|s| {
                except.is_none_or(|e| !Arc::ptr_eq(e, s))
                    && s.ready.load(Ordering::Acquire)
                    && !s.draining.load(Ordering::Acquire)
            })
            .cloned()
    }

    /// How long a caller turned away should wait: the soonest any instance is back.
    pub(super) fn retry_after(&self) -> Duration {
        self.instances
            .load()
            .iter()
            .map(|i| i.retry_after())
            .min()
            .unwrap_or(Duration::from_secs(1))
    }

    /// Takes an in-flight slot, or `None` when the deployment is at its limit.
    pub(super) fn acquire(self: &Arc<Self>) -> Option<InFlight> {
        let limit = self.max_in_flight();
        let mut now = self.in_flight.load(Ordering::SeqCst);
        loop {
            if now >= limit {
                return None;
            }
            match self.in_flight.compare_exchange_weak(
                now,
                now + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return Some(InFlight(self.clone())),
                Err(actual) => now = actual,
            }
        }
    }

    /// Counts a live call; its latency only when the model answered it (`latency` is `Some`).
    pub(super) fn record(&self, status: u16, latency: Option<Duration>) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let slot = usize::from(status).min(STATUSES - 1);
        if let Some(count) = self.statuses.get(slot) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(latency) = latency {
            self.latencies.push(latency.as_secs_f64() * 1000.0);
        }
    }

    /// A snapshot of the counters.
    pub(crate) fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            mirrored_requests: self.mirrored.load(Ordering::Relaxed),
            status_counts: self
                .statuses
                .iter()
                .enumerate()
                .filter_map(|(status, count)| {
                    let count = count.load(Ordering::Relaxed);
                    Some((u16::try_from(status).ok()?, count)).filter(|_| count > 0)
                })
                .collect(),
            latencies_ms: self.latencies.snapshot(),
            in_flight: self.in_flight.load(Ordering::SeqCst),
        }
    }
}

impl InstanceState {
    /// The port and process id of the instance's server.
    pub(super) fn address(&self) -> (u16, u32) {
        (
            self.port.load(Ordering::Acquire),
            self.pid.load(Ordering::Acquire),
        )
    }

    /// True when the instance's server went away (not ready, or its process is gone).
    pub(super) fn gone(&self, pid: u32) -> bool {
        !self.ready.load(Ordering::Acquire)
            || self.pid.load(Ordering::Acquire) != pid
            || !sys::process_running(pid)
    }

    /// Counts a call on this instance, or `None` when it is draining (the caller picks
    /// another).
    pub(super) fn enter(self: &Arc<Self>) -> Option<InstanceCall> {
        // SeqCst pairs with `drained`: a call either sees the flag or is counted.
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let call = InstanceCall(self.clone());
        if self.draining.load(Ordering::SeqCst) {
            return None;
        }
        Some(call)
    }

    /// Waits until a draining instance answers no call, or `limit` has passed; true when
    /// it drained.
    pub(crate) async fn drained(&self, limit: Duration) -> bool {
        wait_idle(&self.in_flight, &self.idle, limit).await
    }
}

/// Waits until `in_flight` is 0 (`idle` is notified by the call that brings it there), or
/// `limit` has passed; true when it reached 0.
async fn wait_idle(in_flight: &AtomicUsize, idle: &tokio::sync::Notify, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let notified = idle.notified();
        tokio::pin!(notified);
        // Registered before the check, so a call ending in between still wakes us.
        notified.as_mut().enable();
        if in_flight.load(Ordering::SeqCst) == 0 {
            return true;
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return in_flight.load(Ordering::SeqCst) == 0;
        }
    }
}

/// A call on one instance, uncounted on drop.
pub(super) struct InstanceCall(Arc<InstanceState>);

impl Drop for InstanceCall {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1
            && self.0.draining.load(Ordering::SeqCst)
        {
            self.0.idle.notify_waiters();
        }
    }
}

/// An in-flight slot, released on drop (also when the caller goes away mid-request).
pub(super) struct InFlight(Arc<DeploymentTarget>);

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 && self.0.is_retired() {
            self.0.idle.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latency_window_keeps_the_most_recent_in_order() {
        let ring = LatencyRing::new();
        assert!(ring.snapshot().is_empty());
        let total = LATENCY_WINDOW + SEGMENT + 7;
        for i in 0..total {
            ring.push(i as f64);
        }
        let kept = ring.snapshot();
        assert_eq!(kept.len(), LATENCY_WINDOW);
        assert_eq!(kept.first().copied(), Some((total - LATENCY_WINDOW) as f64));
        assert_eq!(kept.last().copied(), Some((total - 1) as f64));
        assert!(kept.windows(2).all(|w| w[1] == w[0] + 1.0));
    }
}
