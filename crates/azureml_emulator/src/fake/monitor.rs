//! Azure Monitor on the fake workspace: the recorder the fake's scoring feeds, autoscale run on
//! demand at a time the test picks, and the data the fake collected.

use std::sync::Arc;

use time::OffsetDateTime;

use super::FakeWorkspace;
use crate::core::monitor::{
    AutoscaleActivity, Clock, CollectedRecord, MemoryUsage, MetricsRecorder, ScaleDecision,
};

impl FakeWorkspace {
    /// The metrics recorder behind the metrics API. The fake's scoring records every request
    /// the stand-in model answers (at the clock's time, with [`ScoreResponse::with_latency`]'s
    /// latency or the measured one); record anything else here directly.
    ///
    /// [`ScoreResponse::with_latency`]: crate::core::ScoreResponse::with_latency
    pub fn metrics_recorder(&self) -> Arc<MetricsRecorder> {
        self.with_core(|c| c.metrics_recorder())
    }

    /// Replaces the monitor's clock (e.g. a [`ManualClock`](crate::core::monitor::ManualClock)
    /// so requests land in known minutes).
    pub fn set_clock(&self, clock: Arc<dyn Clock>) {
        self.with_core(|c| c.set_clock(clock));
    }

    /// Records a CPU and memory sample of one instance of a deployment.
    pub fn record_instance_sample(
        &self,
        endpoint: &str,
        deployment: &str,
        instance: &str,
        cpu_percent: f64,
        memory_percent: f64,
        at: OffsetDateTime,
    ) {
        self.metrics_recorder().record_instance_sample(
            endpoint,
            deployment,
            instance,
            cpu_percent,
            MemoryUsage::Percent(memory_percent),
            at,
        );
    }

    /// Runs the autoscaler once at `now`: scale decisions are applied to the deployments'
    /// `sku.capacity` and logged (see [`autoscale_activity`](Self::autoscale_activity)).
    pub fn evaluate_autoscale_at(&self, now: OffsetDateTime) -> Vec<ScaleDecision> {
        self.with_core(|c| c.evaluate_autoscale(now))
    }

    /// The scale actions taken so far, oldest first.
    pub fn autoscale_activity(&self) -> Vec<AutoscaleActivity> {
        self.with_core(|c| c.autoscale_activity())
    }

    /// The records the fake's data collector wrote, oldest first (JSON Lines records with their
    /// blob paths).
    pub fn collected_data(&self) -> Vec<CollectedRecord> {
        self.with_core(|c| c.collected_data())
    }

    /// Sets the data collector's sampling seed (and restarts its request counts).
    pub fn set_data_collection_seed(&self, seed: u64) {
        self.with_core(|c| c.set_data_collection_seed(seed));
    }
}
