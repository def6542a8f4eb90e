//! The metrics recorder: what the scoring front door and the instance supervisor observe, kept
//! per deployment in two rings of time buckets, for the metrics API and the autoscaler.
//!
//! # Grains and retention
//!
//! | grain | ring | retention | used for |
//! |---|---|---|---|
//! | 1 minute (`PT1M`, Azure's) | 120 buckets | 2 hours | metrics queries at `PT1M` multiples and `FULL`, autoscale |
//! | 10 seconds (`PT10S`, an emulator extension) | 60 buckets | 10 minutes | metrics queries at other multiples of 10 s, for tests |
//!
//! # Memory bound
//!
//! At most [`MAX_SERIES`] deployments, each with 180 buckets. A bucket holds fixed counters
//! (~150 bytes), at most 129 status cells (16 bytes each), at most 64 instance cells (~100
//! bytes each) and the latency histogram: 16 bytes per occupied cell, 128 cells per doubling the
//! bucket's latencies span (2 KiB when they stay within a factor of two, 74 KiB at the very
//! most). A busy deployment with a few statuses, instances and a 4× latency spread takes about
//! 180 × 5 KiB ≈ 1 MiB.
//!
//! # Concurrency
//!
//! Recording takes the map's read lock to find the deployment's series (the write lock only
//! the first time a deployment is seen), then one bucket lock per ring for the length of a
//! push. Readers copy buckets one lock at a time.

mod agg;
mod histogram;
mod ring;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use time::OffsetDateTime;

pub(crate) use agg::Agg;
pub(crate) use histogram::Histogram;
pub(crate) use ring::Bucket;
use ring::Ring;

/// The fine grain (an emulator extension: Azure's finest is one minute).
pub const FINE_GRAIN: Duration = Duration::from_secs(10);
/// How long fine buckets are kept.
pub const FINE_RETENTION: Duration = Duration::from_secs(10 * 60);
/// Azure's grain.
pub const MINUTE_GRAIN: Duration = Duration::from_secs(60);
/// How long one-minute buckets are kept.
pub const MINUTE_RETENTION: Duration = Duration::from_secs(2 * 3600);
/// Most deployments tracked; samples of further ones are dropped (and counted).
pub const MAX_SERIES: usize = 256;

const FINE_SECS: i64 = 10;
const MINUTE_SECS: i64 = 60;

/// The rings' grains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grain {
    Fine,
    Minute,
}

impl Grain {
    pub(crate) fn secs(self) -> i64 {
        match self {
            Self::Fine => FINE_SECS,
            Self::Minute => MINUTE_SECS,
        }
    }
}

/// How a scoring request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestStatus {
    /// The model answered with this status (its latency counts for the latency metrics).
    Model(u16),
    /// The front door answered itself (429 over the concurrency limit, 503 while draining, …):
    /// counted in `RequestsPerMinute`, kept out of the latency metrics ("answered requests
    /// only").
    Rejected(u16),
}

/// An instance's memory use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MemoryUsage {
    /// Percent of the instance's memory.
    Percent(f64),
    /// Bytes used of a limit (a limit of 0 records nothing).
    Bytes {
        /// Resident bytes.
        used: u64,
        /// The instance's memory.
        limit: u64,
    },
}

impl MemoryUsage {
    fn percent(self) -> Option<f64> {
        match self {
            Self::Percent(p) => Some(p),
            Self::Bytes { limit: 0, .. } => None,
            Self::Bytes { used, limit } => Some(used as f64 * 100.0 / limit as f64),
        }
    }
}

#[derive(Debug)]
struct Series {
    /// The deployment name as first recorded (keys are lower-case).
    deployment: String,
    fine: Ring,
    minute: Ring,
}

impl Series {
    fn new(deployment: &str) -> Self {
        let slots = |retention: Duration, secs: i64| {
            usize::try_from(retention.as_secs() / secs.unsigned_abs()).unwrap_or(1)
        };
        Self {
            deployment: deployment.to_owned(),
            fine: Ring::new(FINE_SECS, slots(FINE_RETENTION, FINE_SECS)),
            minute: Ring::new(MINUTE_SECS, slots(MINUTE_RETENTION, MINUTE_SECS)),
        }
    }

    fn ring(&self, grain: Grain) -> &Ring {
        match grain {
            Grain::Fine => &self.fine,
            Grain::Minute => &self.minute,
        }
    }
}

type SeriesMap = BTreeMap<String, BTreeMap<String, Arc<Series>>>;

/// Thread-safe metrics of online deployments: requests, latencies, instance CPU and memory,
/// instance counts, data-collection events. Share it in an `Arc`; every method takes `&self`.
///
/// ```
/// use std::time::Duration;
/// use azureml_emulator::core::monitor::{MetricsRecorder, RequestStatus};
/// let recorder = MetricsRecorder::new();
/// let at = time::macros::datetime!(2024-05-01 10:00:05 UTC);
/// recorder.record_request("churn", "blue", RequestStatus::Model(200), Duration::from_millis(12), at);
/// recorder.record_request("churn", "blue", RequestStatus::Rejected(429), Duration::ZERO, at);
/// assert_eq!(recorder.request_count("churn", Some("blue"), at, at + Duration::from_secs(60)), 2);
/// ```
#[derive(Debug, Default)]
pub struct MetricsRecorder {
    series: RwLock<SeriesMap>,
    dropped: AtomicU64,
}

/// `name` in ASCII lower case, borrowed when it already is.
fn lower(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

fn unix(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

impl MetricsRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    fn series(&self, endpoint: &str, deployment: &str) -> Option<Arc<Series>> {
        // Names are usually lower-case already: no allocation on the hot path then.
        let (e, d) = (lower(endpoint), lower(deployment));
        {
            let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(series) = map.get(e.as_ref()).and_then(|m| m.get(d.as_ref())) {
                return Some(series.clone());
            }
        }
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        let total: usize = map.values().map(BTreeMap::len).sum();
        let by_deployment = map.entry(e.into_owned()).or_default();
        if let Some(series) = by_deployment.get(d.as_ref()) {
            return Some(series.clone());
        }
        if total >= MAX_SERIES {
            return None;
        }
        let series = Arc::new(Series::new(deployment));
        by_deployment.insert(d.into_owned(), series.clone());
        Some(series)
    }

    /// Applies `f` to the buckets of both rings holding `at`; counts a drop when the
    /// deployment can't be tracked or `at` is older than the minute ring's retention.
    fn update(
        &self,
        endpoint: &str,
        deployment: &str,
        at: OffsetDateTime,
        f: impl Fn(&mut Bucket),
    ) {
        let Some(series) = self.series(endpoint, deployment) else {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let t = unix(at);
        // The fine ring forgets sooner; only the minute ring's refusal means the sample is lost.
        let _fine = series.fine.update(t, &f);
        if !series.minute.update(t, &f) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records one scoring request routed to `deployment` of `endpoint`, at `at` (when it
    /// arrived) with its `latency` (time to the answer's headers).
    pub fn record_request(
        &self,
        endpoint: &str,
        deployment: &str,
        status: RequestStatus,
        latency: Duration,
        at: OffsetDateTime,
    ) {
        let ms = latency.as_secs_f64() * 1_000.0;
        self.update(endpoint, deployment, at, |b| match status {
            RequestStatus::Model(code) => {
                b.add_requests(code, true, 1);
                b.latency.add(ms);
                b.percentiles.add(ms);
            }
            RequestStatus::Rejected(code) => b.add_requests(code, false, 1),
        });
    }

    /// Records a resource sample of one instance (`CpuUtilizationPercentage`,
    /// `CpuMemoryUtilizationPercentage`, split by `instanceId`).
    pub fn record_instance_sample(
        &self,
        endpoint: &str,
        deployment: &str,
        instance: &str,
        cpu_percent: f64,
        memory: MemoryUsage,
        at: OffsetDateTime,
    ) {
        let memory = memory.percent();
        let kept = AtomicU64::new(1);
        self.update(endpoint, deployment, at, |b| {
            match b.instance_mut(instance) {
                Some(cell) => {
                    cell.cpu.add(cpu_percent);
                    if let Some(m) = memory {
                        cell.memory.add(m);
                    }
                }
                None => kept.store(0, Ordering::Relaxed),
            }
        });
        if kept.load(Ordering::Relaxed) == 0 {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records the deployment's instance count (`DeploymentCapacity`).
    pub fn record_capacity(
        &self,
        endpoint: &str,
        deployment: &str,
        instances: u32,
        at: OffsetDateTime,
    ) {
        self.update(endpoint, deployment, at, |b| {
            b.capacity.add(f64::from(instances))
        });
    }

    /// Records data-collection events written and dropped (`DataCollectionEventsPerMinute`,
    /// `DataCollectionErrorsPerMinute`).
    pub fn record_data_collection(
        &self,
        endpoint: &str,
        deployment: &str,
        events: u32,
        errors: u32,
        at: OffsetDateTime,
    ) {
        self.update(endpoint, deployment, at, |b| {
            b.dc_events = b.dc_events.saturating_add(u64::from(events));
            b.dc_errors = b.dc_errors.saturating_add(u64::from(errors));
        });
    }

    /// Forgets a deployment (e.g. after it was deleted and its name is reused).
    pub fn forget(&self, endpoint: &str, deployment: &str) {
        let mut map = self.series.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(by_deployment) = map.get_mut(&endpoint.to_ascii_lowercase()) {
            by_deployment.remove(&deployment.to_ascii_lowercase());
        }
    }

    /// Samples that could not be kept: too old for the retention, or over the
    /// [`MAX_SERIES`] / instance limits.
    pub fn dropped_samples(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Requests (answered and rejected) recorded for the endpoint, or one of its deployments,
    /// in the one-minute buckets starting in `[from, to)` (`from` rounded down to the minute).
    pub fn request_count(
        &self,
        endpoint: &str,
        deployment: Option<&str>,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> u64 {
        let from = unix(from).div_euclid(MINUTE_SECS) * MINUTE_SECS;
        self.buckets(endpoint, deployment, Grain::Minute, from, unix(to))
            .iter()
            .flat_map(|(_, b)| b.requests.iter().map(|c| c.count))
            .sum()
    }

    /// Copies of the buckets of the endpoint's deployments (or of one) starting in
    /// `[from, to)` (Unix seconds), with each deployment's name.
    pub(crate) fn buckets(
        &self,
        endpoint: &str,
        deployment: Option<&str>,
        grain: Grain,
        from: i64,
        to: i64,
    ) -> Vec<(String, Bucket)> {
        let series: Vec<Arc<Series>> = {
            let map = self.series.read().unwrap_or_else(PoisonError::into_inner);
            let Some(by_deployment) = map.get(&endpoint.to_ascii_lowercase()) else {
                return Vec::new();
            };
            match deployment {
                Some(d) => by_deployment
                    .get(&d.to_ascii_lowercase())
                    .cloned()
                    .into_iter()
                    .collect(),
                None => by_deployment.values().cloned().collect(),
            }
        };
        series
            .iter()
            .flat_map(|s| {
                s.ring(grain)
                    .snapshot(from, to)
                    .into_iter()
                    .map(|b| (s.deployment.clone(), b))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-05-01 10:00 UTC);

    #[test]
    fn requests_land_in_both_rings_and_rejections_skip_latency() {
        let r = MetricsRecorder::new();
        r.record_request(
            "EP",
            "Blue",
            RequestStatus::Model(200),
            Duration::from_millis(20),
            T0,
        );
        r.record_request(
            "ep",
            "blue",
            RequestStatus::Rejected(429),
            Duration::from_secs(9),
            T0,
        );
        let fine = r.buckets("ep", Some("BLUE"), Grain::Fine, unix(T0), unix(T0) + 10);
        let minute = r.buckets("ep", None, Grain::Minute, unix(T0), unix(T0) + 60);
        for (name, b) in fine.iter().chain(&minute) {
            assert_eq!(name, "Blue");
            assert_eq!(b.requests.iter().map(|c| c.count).sum::<u64>(), 2);
            assert_eq!(b.latency.count, 1);
            assert_eq!(b.latency.max, 20.0);
        }
        assert_eq!(
            r.request_count("ep", None, T0, T0 + Duration::from_secs(60)),
            2
        );
        assert_eq!(
            r.request_count("other", None, T0, T0 + Duration::from_secs(60)),
            0
        );
    }

    #[test]
    fn retention_and_series_limits_drop_and_count() {
        let r = MetricsRecorder::new();
        r.record_capacity("ep", "blue", 2, T0 + MINUTE_RETENTION);
        r.record_capacity("ep", "blue", 1, T0);
        assert_eq!(r.dropped_samples(), 1);
        for i in 0..MAX_SERIES + 3 {
            r.record_capacity("ep", &format!("d{i}"), 1, T0);
        }
        assert_eq!(r.dropped_samples(), 1 + 4);
        r.forget("ep", "blue");
        r.record_capacity("ep", "new", 1, T0);
        assert_eq!(r.dropped_samples(), 5);
    }

    #[test]
    fn instance_samples_convert_bytes_to_percent() {
        let r = MetricsRecorder::new();
        let bytes = MemoryUsage::Bytes {
            used: 1 << 30,
            limit: 4 << 30,
        };
        r.record_instance_sample("ep", "blue", "i0", 50.0, bytes, T0);
        r.record_instance_sample(
            "ep",
            "blue",
            "i0",
            70.0,
            MemoryUsage::Bytes { used: 1, limit: 0 },
            T0,
        );
        let b = r.buckets("ep", Some("blue"), Grain::Minute, 0, i64::MAX);
        let cell = &b[0].1.instances[0];
        assert_eq!(cell.cpu.average(), Some(60.0));
        assert_eq!(cell.memory.average(), Some(25.0));
        assert_eq!(cell.memory.count, 1);
    }

    #[test]
    fn recording_from_many_threads_loses_nothing() {
        let r = Arc::new(MetricsRecorder::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let r = r.clone();
                std::thread::spawn(move || {
                    for i in 0..500u64 {
                        let at = T0 + Duration::from_secs(i % 120);
                        r.record_request(
                            "ep",
                            &format!("d{}", t % 2),
                            RequestStatus::Model(200),
                            Duration::from_millis(i),
                            at,
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("recording thread");
        }
        assert_eq!(
            r.request_count("ep", None, T0, T0 + Duration::from_secs(3600)),
            2_000
        );
    }
}
