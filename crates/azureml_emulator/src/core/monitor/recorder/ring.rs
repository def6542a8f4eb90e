//! One deployment's metrics at one grain: a fixed ring of time buckets, each behind its own
//! lock, so recording touches one slot for the length of a push and readers never block the
//! hot path for more than one bucket copy.

use std::sync::{Mutex, MutexGuard, PoisonError};

use super::agg::Agg;
use super::histogram::Histogram;

/// Distinct (status, source) pairs kept per bucket; further pairs count under status 0.
const MAX_REQUEST_CELLS: usize = 128;
/// Instances kept per bucket; samples of further instances are dropped (and counted).
pub(crate) const MAX_INSTANCES: usize = 64;

/// Requests that ended with one status, from the model or from the front door.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RequestCell {
    /// HTTP status (0: not kept, the bucket had too many distinct statuses).
    pub(crate) status: u16,
    /// `true` when the model answered; `false` for rejections by the router or fake.
    pub(crate) from_model: bool,
    pub(crate) count: u64,
}

/// One instance's resource samples.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct InstanceCell {
    pub(crate) instance: String,
    pub(crate) cpu: Agg,
    pub(crate) memory: Agg,
}

/// Everything recorded for one deployment in one time bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Bucket {
    /// Start of the bucket, Unix seconds.
    pub(crate) start: i64,
    pub(crate) requests: Vec<RequestCell>,
    /// Latency of answered requests, milliseconds.
    pub(crate) latency: Agg,
    /// The same latencies, for percentiles.
    pub(crate) percentiles: Histogram,
    pub(crate) instances: Vec<InstanceCell>,
    /// Instance-count samples.
    pub(crate) capacity: Agg,
    pub(crate) dc_events: u64,
    pub(crate) dc_errors: u64,
}

impl Bucket {
    fn new(start: i64) -> Self {
        Self {
            start,
            ..Self::default()
        }
    }

    pub(crate) fn add_requests(&mut self, status: u16, from_model: bool, count: u64) {
        let found = self
            .requests
            .iter_mut()
            .find(|c| c.status == status && c.from_model == from_model);
        if let Some(cell) = found {
            cell.count = cell.count.saturating_add(count);
        } else if self.requests.len() < MAX_REQUEST_CELLS {
            self.requests.push(RequestCell {
                status,
                from_model,
                count,
            });
        } else if status != 0 {
            self.add_requests(0, from_model, count);
        } else {
            // The bucket is full and has no status-0 cell: widen it by the one cell that
            // keeps the count exact.
            self.requests.push(RequestCell {
                status: 0,
                from_model,
                count,
            });
        }
    }

    /// The cell of `instance`, created when there is room.
    pub(crate) fn instance_mut(&mut self, instance: &str) -> Option<&mut InstanceCell> {
        let index = match self.instances.iter().position(|c| c.instance == instance) {
            Some(i) => i,
            None if self.instances.len() < MAX_INSTANCES => {
                self.instances.push(InstanceCell {
                    instance: instance.to_owned(),
                    ..InstanceCell::default()
                });
                self.instances.len() - 1
            }
            None => return None,
        };
        self.instances.get_mut(index)
    }
}

/// A ring of `slots` buckets of `grain` seconds: it remembers the last `slots × grain` seconds.
#[derive(Debug)]
pub(crate) struct Ring {
    grain: i64,
    slots: Vec<Mutex<Option<Bucket>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a slot leaves plain counters behind: keep using them.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Ring {
    pub(crate) fn new(grain: i64, slots: usize) -> Self {
        Self {
            grain: grain.max(1),
            slots: (0..slots.max(1)).map(|_| Mutex::new(None)).collect(),
        }
    }

    /// Runs `f` on the bucket holding `at` (Unix seconds). Returns `false`, without calling
    /// `f`, when that bucket has already been overwritten by a newer one (too old to keep).
    pub(crate) fn update(&self, at: i64, f: impl FnOnce(&mut Bucket)) -> bool {
        let start = at.div_euclid(self.grain) * self.grain;
        let len = i64::try_from(self.slots.len()).unwrap_or(1);
        let index = usize::try_from(at.div_euclid(self.grain).rem_euclid(len)).unwrap_or(0);
        let Some(slot) = self.slots.get(index) else {
            return false;
        };
        let mut guard = lock(slot);
        match guard.as_mut() {
            Some(bucket) if bucket.start == start => f(bucket),
            Some(bucket) if bucket.start > start => return false,
            _ => {
                let mut bucket = Bucket::new(start);
                f(&mut bucket);
                *guard = Some(bucket);
            }
        }
        true
    }

    /// Copies of the buckets starting in `[from, to)`, oldest first.
    pub(crate) fn snapshot(&self, from: i64, to: i64) -> Vec<Bucket> {
        let mut out: Vec<Bucket> = self
            .slots
            .iter()
            .filter_map(|slot| {
                lock(slot)
                    .as_ref()
                    .filter(|b| b.start >= from && b.start < to)
                    .cloned()
            })
            .collect();
        out.sort_by_key(|b| b.start);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_align_to_the_grain_and_old_ones_are_refused() {
        let ring = Ring::new(60, 3);
        assert!(ring.update(125, |b| b.add_requests(200, true, 1)));
        assert!(ring.update(179, |b| b.add_requests(200, true, 2)));
        let snap = ring.snapshot(0, 1_000);
        assert_eq!(snap.len(), 1);
        assert_eq!(snap[0].start, 120);
        assert_eq!(snap[0].requests[0].count, 3);
        // Three minutes later the slot of minute 120 holds minute 300: 120 is gone for good.
        assert!(ring.update(300, |b| b.add_requests(500, false, 1)));
        assert!(!ring.update(130, |b| b.add_requests(200, true, 1)));
        let snap = ring.snapshot(0, 1_000);
        assert_eq!(snap.iter().map(|b| b.start).collect::<Vec<_>>(), [300]);
        assert!(ring.snapshot(0, 300).is_empty());
        // Negative times (before 1970) still land somewhere sane.
        let early = Ring::new(60, 3);
        assert!(early.update(-30, |b| b.dc_events += 1));
        assert_eq!(early.snapshot(-60, 0)[0].start, -60);
    }

    #[test]
    fn request_cells_and_instances_are_bounded_and_counts_stay_exact() {
        let mut b = Bucket::new(0);
        for status in 100..700u16 {
            b.add_requests(status, true, 1);
        }
        assert!(b.requests.len() <= MAX_REQUEST_CELLS + 1);
        assert_eq!(b.requests.iter().map(|c| c.count).sum::<u64>(), 600);
        for i in 0..100 {
            let _ = b.instance_mut(&format!("i{i}"));
        }
        assert_eq!(b.instances.len(), MAX_INSTANCES);
        assert!(b.instance_mut("i0").is_some());
        assert!(b.instance_mut("i99").is_none());
    }
}
