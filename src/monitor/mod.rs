//! Azure Monitor for online endpoints: autoscale settings (`ml_client.autoscale()`) and
//! metrics (`ml_client.metrics()`), the two things the tutorial's "Set Up Autoscaling" and
//! "Monitoring Your Endpoint" sections do with `az monitor`.
//!
//! ```no_run
//! # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
//! use azure_ai_ml::monitor::{AutoscaleSetting, ScaleRule};
//!
//! // az monitor autoscale create --name churn-autoscale --min-count 1 --max-count 5 --count 1
//! //     --resource …/onlineEndpoints/churn-prediction-v1/deployments/blue
//! // az monitor autoscale rule create --autoscale-name churn-autoscale
//! //     --condition "CpuUtilizationPercentage > 70 avg 5m" --scale out 1
//! let autoscale = ml_client.autoscale();
//! let setting = AutoscaleSetting::new("churn-autoscale")
//!     .target(autoscale.deployment_target("churn-prediction-v1", "blue")?)
//!     .capacity(1..=5)
//!     .rule(ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")?.scale_out(1));
//! autoscale.create_or_update(&setting, None).await?;
//!
//! // Request latency P50/P90/P99 of the deployment over the last hour.
//! let metrics = ml_client.metrics();
//! let span = azure_ai_ml::monitor::Timespan::last(std::time::Duration::from_secs(3600));
//! let request = metrics
//!     .request_latency("churn-prediction-v1", Some("blue"))?
//!     .with_timespan(span.start, span.end);
//! let latency = metrics.list_request(&request, None).await?;
//! # Ok(()) }
//! ```
//!
//! Every operation validates its input before sending anything; the autoscale limits and their
//! sources are listed on the `MAX_*`/`MIN_*` constants.

mod autoscale;
mod autoscale_ops;
mod client;
mod condition;
mod enums;
mod metrics;
mod metrics_ops;
mod validate;
mod wire;

pub use autoscale::{
    AutoscaleNotification, AutoscaleProfile, AutoscaleSetting, AutoscaleSettingPatch,
    EmailNotification, MetricCondition, MetricTrigger, PredictiveAutoscalePolicy, Recurrence,
    RecurrentSchedule, ScaleAction, ScaleCapacity, ScaleRule, ScaleRuleDimension, TimeWindow,
    WebhookNotification, DEFAULT_COOLDOWN, DEFAULT_PROFILE_NAME, DEFAULT_TIME_GRAIN,
};
pub use autoscale_ops::{AutoscaleOperations, AUTOSCALE_API_VERSION};
pub use condition::{parse_period, RuleParseError};
pub use enums::{
    AggregationType, ComparisonOperator, DimensionOperator, MetricClass, MetricResultType,
    MetricStatistic, MetricUnit, PredictiveScaleMode, RecurrenceFrequency, ScaleDirection,
    ScaleType, TimeAggregation,
};
pub use metrics::{
    ml_metrics, LocalizableString, MetadataValue, Metric, MetricAvailability, MetricDefinition,
    MetricValue, MetricsInterval, MetricsQuery, MetricsResponse, TimeSeries, Timespan,
};
pub use metrics_ops::{MetricsOperations, MetricsRequest, METRICS_API_VERSION};
pub use validate::{
    MAX_COOLDOWN, MAX_PROFILES, MAX_RULES_PER_PROFILE, MAX_WINDOW, MIN_COOLDOWN, MIN_TIME_GRAIN,
    MIN_TIME_WINDOW,
};

use crate::MLClient;

impl MLClient {
    /// Azure Monitor autoscale settings (`az monitor autoscale`), e.g. to scale a deployment
    /// on CPU.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let target = ml_client.autoscale().deployment_target("churn-prediction-v1", "blue")?;
    /// # let _ = target;
    /// # Ok(()) }
    /// ```
    pub fn autoscale(&self) -> AutoscaleOperations {
        AutoscaleOperations::new(client::MonitorCore::of(self))
    }

    /// Azure Monitor metrics (`az monitor metrics list`): request counts, latency, CPU and
    /// memory of endpoints and deployments.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let latency = ml_client.metrics().request_latency("churn-prediction-v1", Some("blue"))?;
    /// # let _ = latency;
    /// # Ok(()) }
    /// ```
    pub fn metrics(&self) -> MetricsOperations {
        MetricsOperations::new(client::MonitorCore::of(self))
    }
}

#[cfg(test)]
mod tests;
