//! Deployment knobs: probes, request limits, scale settings, container resources.

use super::macros::setters;

/// A liveness / readiness / startup probe (Python `ProbeSettings`). Times are in seconds.
///
/// Integers are signed so that bad input (negative, zero) is representable and rejected by
/// validation with a clear message, instead of wrapping or failing to parse.
///
/// ```
/// use azure_ai_ml::ProbeSettings;
/// let probe = ProbeSettings::new().initial_delay(30).period(10).failure_threshold(3);
/// assert_eq!(probe.period, Some(10));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProbeSettings {
    /// Seconds after start before the first probe.
    pub initial_delay: Option<i64>,
    /// Seconds between probes.
    pub period: Option<i64>,
    /// Seconds before a probe times out.
    pub timeout: Option<i64>,
    /// Consecutive successes to count as healthy (must be 1 for liveness).
    pub success_threshold: Option<i64>,
    /// Consecutive failures to count as unhealthy.
    pub failure_threshold: Option<i64>,
}

impl ProbeSettings {
    /// No settings (the service applies its defaults).
    pub fn new() -> Self {
        Self::default()
    }

    setters!(exact:
        initial_delay: i64,
        period: i64,
        timeout: i64,
        success_threshold: i64,
        failure_threshold: i64,
    );
}

/// Request limits of a deployment (Python `OnlineRequestSettings`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OnlineRequestSettings {
    /// Scoring timeout in milliseconds.
    pub request_timeout_ms: Option<i64>,
    /// Concurrent requests per instance.
    pub max_concurrent_requests_per_instance: Option<i64>,
    /// Maximum time a request waits in the queue, in milliseconds.
    pub max_queue_wait_ms: Option<i64>,
}

impl OnlineRequestSettings {
    /// No settings (service defaults).
    pub fn new() -> Self {
        Self::default()
    }

    setters!(exact:
        request_timeout_ms: i64,
        max_concurrent_requests_per_instance: i64,
        max_queue_wait_ms: i64,
    );
}

/// Fixed instance count (`sku.capacity`); the only option on managed endpoints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DefaultScaleSettings {}

impl DefaultScaleSettings {
    /// Default scaling.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Autoscaling on utilization (Kubernetes deployments).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TargetUtilizationScaleSettings {
    /// Minimum instances.
    pub min_instances: Option<i64>,
    /// Maximum instances.
    pub max_instances: Option<i64>,
    /// Seconds between utilization checks.
    pub polling_interval: Option<i64>,
    /// Target utilization in percent.
    pub target_utilization_percentage: Option<i64>,
}

impl TargetUtilizationScaleSettings {
    /// No settings (service defaults).
    pub fn new() -> Self {
        Self::default()
    }

    setters!(exact:
        min_instances: i64,
        max_instances: i64,
        polling_interval: i64,
        target_utilization_percentage: i64,
    );
}

/// How a deployment scales.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScaleSettings {
    /// Fixed instance count.
    Default(DefaultScaleSettings),
    /// Utilization-based autoscaling.
    TargetUtilization(TargetUtilizationScaleSettings),
}

impl From<DefaultScaleSettings> for ScaleSettings {
    fn from(s: DefaultScaleSettings) -> Self {
        ScaleSettings::Default(s)
    }
}

impl From<TargetUtilizationScaleSettings> for ScaleSettings {
    fn from(s: TargetUtilizationScaleSettings) -> Self {
        ScaleSettings::TargetUtilization(s)
    }
}

/// CPU / memory / GPU quantities (Kubernetes quantity strings such as `500m`, `2Gi`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceSettings {
    /// CPU.
    pub cpu: Option<String>,
    /// Memory.
    pub memory: Option<String>,
    /// GPU count.
    pub gpu: Option<String>,
}

impl ResourceSettings {
    /// Nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    setters!(some: cpu: String, memory: String, gpu: String);
}

/// Container resource requests and limits of a Kubernetes deployment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceRequirementsSettings {
    /// Requested resources.
    pub requests: Option<ResourceSettings>,
    /// Resource limits.
    pub limits: Option<ResourceSettings>,
}

impl ResourceRequirementsSettings {
    /// Nothing set.
    pub fn new() -> Self {
        Self::default()
    }

    setters!(some: requests: ResourceSettings, limits: ResourceSettings);
}
