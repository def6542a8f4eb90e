//! Azure Monitor for the emulated workspace, sans-IO: autoscale settings, the metrics API,
//! the metrics recorder, the autoscale evaluator and model data collection.
//!
//! # ARM surface
//!
//! | request | answer |
//! |---|---|
//! | `PUT/GET/PATCH/DELETE /subscriptions/{s}/resourcegroups/{rg}/providers/Microsoft.Insights/autoscalesettings/{name}` | the setting (201 created, 200 replaced/read/patched; DELETE 200, 204 when absent; 404 with an ARM error; 400 for what Azure refuses) |
//! | `GET …/resourcegroups/{rg}/providers/Microsoft.Insights/autoscalesettings`, `GET /subscriptions/{s}/providers/Microsoft.Insights/autoscalesettings` | `{value, nextLink}` pages |
//! | `GET …/autoscalesettings/{name}/activity` | **emulator extension**: `{value: [AutoscaleActivity]}`, the setting's scale actions |
//! | `GET {endpoint or deployment id}/providers/Microsoft.Insights/metrics?timespan&interval&metricnames&aggregation&$filter&top&orderby&resultType&metricnamespace` | Azure's metrics answer, from the recorder |
//! | `GET {endpoint or deployment id}/providers/Microsoft.Insights/metricDefinitions` | the metrics of the resource type |
//!
//! Any `api-version` is accepted (Azure accepts several for both APIs).
//!
//! # Parts
//!
//! * [`MetricsRecorder`]: requests, latencies, instance CPU/memory, instance counts and
//!   data-collection events per deployment, in bounded rings of 1-minute and 10-second buckets;
//!   thread-safe and cheap enough for a request hot path.
//! * [`evaluate`]: Azure Monitor's autoscale rules over the recorder;
//!   [`WorkspaceCore::evaluate_autoscale`] runs it on the stored settings and carries the
//!   decisions out in the ARM view.
//! * [`DataCollectionConfig`]: a deployment's `dataCollector`, deterministic sampling, and the
//!   JSON Lines records and blob paths Azure ML's data collector writes.
//! * [`Clock`]: where "now" comes from ([`SystemClock`], or a [`ManualClock`] in tests).
//!
//! # Not emulated
//!
//! Predictive autoscale (stored, never acted on), notifications (stored, no e-mail or webhook
//! is sent), flapping protection (Azure estimates the post-scale-in metric before scaling in),
//! metric ingestion delay, targets other than this workspace's deployments, metrics of other
//! resource types, GPU/disk/network metrics (listed, no data), retention beyond 2 hours, and
//! time zones beyond the table in the time-zone module (main Windows names and IANA aliases,
//! EU/US/AU/NZ daylight saving, fixed offsets).

mod autoscale;
mod clock;
mod data_collection;
pub(crate) mod duration;
pub(crate) mod metrics;
mod recorder;
mod resource;
mod routes;
pub(crate) mod state;
#[cfg(test)]
mod tests;
mod timezone;

use std::collections::BTreeMap;
use std::sync::Arc;

use time::OffsetDateTime;

pub use autoscale::{
    evaluate, AutoscaleActivity, AutoscaleSettingSpec, ScaleDecision, ScaleDirection,
    SCALE_DOWN_STABILIZATION, UTILIZATION_WINDOW,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use data_collection::{
    blob_path, is_sampled, CollectedRecord, CollectionConfig, DataCollectionConfig, RollingRate,
    ScoringExchange, DATA_COLLECTOR_FOLDER,
};
#[cfg(all(test, feature = "local"))]
pub(crate) use recorder::Grain;
pub use recorder::{
    MemoryUsage, MetricsRecorder, RequestStatus, FINE_GRAIN, FINE_RETENTION, MAX_SERIES,
    MINUTE_GRAIN, MINUTE_RETENTION,
};

use super::arm::arm_error;
use super::{CoreRequest, CoreResponse, WorkspaceCore};
use data_collection::CollectedData;
use routes::MonitorRoute;

/// The monitor's live (not persisted) part of a workspace.
#[derive(Debug)]
pub(crate) struct MonitorRuntime {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) recorder: Arc<MetricsRecorder>,
    pub(crate) collected: CollectedData,
    /// Seed of the data collector's sampling.
    pub(crate) seed: u64,
    /// Requests seen per `"{endpoint}/{deployment}"` (the sampling index).
    pub(crate) request_index: BTreeMap<String, u64>,
}

impl Default for MonitorRuntime {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            recorder: Arc::new(MetricsRecorder::new()),
            collected: CollectedData::default(),
            seed: 0,
            request_index: BTreeMap::new(),
        }
    }
}

impl WorkspaceCore {
    /// Answers a `Microsoft.Insights` ARM request; `None` when the path is not one.
    pub(crate) fn handle_monitor(&mut self, request: &CoreRequest) -> Option<CoreResponse> {
        let route = routes::parse(request.url.path())?;
        let subscription = match &route {
            MonitorRoute::AutoscaleList { subscription, .. }
            | MonitorRoute::Autoscale { subscription, .. }
            | MonitorRoute::AutoscaleActivity { subscription, .. } => Some(subscription.clone()),
            _ => None,
        };
        if let Some(s) =
            subscription.filter(|s| !s.eq_ignore_ascii_case(&self.config.subscription_id))
        {
            return Some(arm_error(
                404,
                "SubscriptionNotFound",
                format!("The subscription '{s}' could not be found."),
            ));
        }
        Some(match route {
            MonitorRoute::AutoscaleList { resource_group, .. } => {
                self.handle_autoscale(resource_group.as_deref(), None, false, request)
            }
            MonitorRoute::Autoscale {
                resource_group,
                name,
                ..
            } => self.handle_autoscale(Some(&resource_group), Some(&name), false, request),
            MonitorRoute::AutoscaleActivity {
                resource_group,
                name,
                ..
            } => self.handle_autoscale(Some(&resource_group), Some(&name), true, request),
            MonitorRoute::Metrics { resource } => self.handle_metrics(&resource, false, request),
            MonitorRoute::MetricDefinitions { resource } => {
                self.handle_metrics(&resource, true, request)
            }
            MonitorRoute::Unknown => arm_error(
                404,
                "NotFound",
                format!(
                    "The emulator has no Microsoft.Insights route for {} {}",
                    request.method,
                    request.url.path()
                ),
            ),
        })
    }

    /// The monitor's "now" (the start of a scoring request, for its metrics).
    pub(crate) fn monitor_now(&self) -> OffsetDateTime {
        self.monitor.clock.now()
    }

    /// The metrics recorder: share it with whatever observes requests and instances (every
    /// method takes `&self`; no workspace lock is needed to record).
    pub fn metrics_recorder(&self) -> Arc<MetricsRecorder> {
        self.monitor.recorder.clone()
    }

    /// Replaces the clock the monitor reads (metrics timestamps of the core's own scoring path,
    /// the default metrics timespan).
    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.monitor.clock = clock;
    }

    /// The clock the monitor reads.
    pub fn clock(&self) -> Arc<dyn Clock> {
        self.monitor.clock.clone()
    }

    /// Records collected by the core's own scoring path (the fake workspace's), oldest first
    /// (at most 10 000; the oldest go first).
    pub fn collected_data(&self) -> Vec<CollectedRecord> {
        self.monitor.collected.all()
    }

    /// Collected records dropped for the in-memory limit.
    pub fn collected_data_dropped(&self) -> u64 {
        self.monitor.collected.dropped()
    }

    /// Sets the seed of data-collection sampling (0 by default) and restarts the per-deployment
    /// request counts, so a test replays the same sampling.
    pub fn set_data_collection_seed(&mut self, seed: u64) {
        self.monitor.seed = seed;
        self.monitor.request_index.clear();
    }

    /// The seed of data-collection sampling.
    pub fn data_collection_seed(&self) -> u64 {
        self.monitor.seed
    }

    /// A deployment's data collection settings (`None`: it collects nothing).
    pub fn data_collection_config(
        &self,
        endpoint: &str,
        deployment: &str,
    ) -> Option<DataCollectionConfig> {
        self.deployment(endpoint, deployment)
            .and_then(DataCollectionConfig::from_deployment)
    }

    /// The storage account and container collected data goes to (the default datastore's,
    /// under [`DATA_COLLECTOR_FOLDER`]).
    pub fn data_collection_container(&self) -> Option<(String, String)> {
        self.state.datastore_location("workspaceblobstore")
    }
}
