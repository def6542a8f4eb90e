//! Azure Monitor metrics (api-version 2024-02-01): the query and the typed answer.
//!
//! Azure ML online endpoint and deployment metric names (REST names, from Azure Monitor's
//! "Supported metrics" reference for `Microsoft.MachineLearningServices/workspaces/onlineEndpoints`
//! and `…/onlineEndpoints/deployments`) are in [`ml_metrics`].

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::client::{iso_duration, parse_iso_duration};
use super::enums::{AggregationType, MetricClass, MetricResultType, MetricUnit};

/// Metric names of Azure ML online endpoints and deployments (REST API names).
///
/// Source: Azure Monitor reference, "Supported metrics for
/// Microsoft.MachineLearningServices/workspaces/onlineEndpoints" and
/// "…/onlineEndpoints/deployments" (generated from the service). Note that memory is
/// `CpuMemoryUtilizationPercentage`; there is no `MemoryUtilizationPercentage`.
pub mod ml_metrics {
    /// Requests per minute (endpoint: dimensions `deployment`, `statusCode`, `statusCodeClass`,
    /// `modelStatusCode`; deployment: `envoy_response_code`).
    pub const REQUESTS_PER_MINUTE: &str = "RequestsPerMinute";
    /// Average request latency, ms (endpoint only; dimension `deployment`).
    pub const REQUEST_LATENCY: &str = "RequestLatency";
    /// P50 request latency, ms.
    pub const REQUEST_LATENCY_P50: &str = "RequestLatency_P50";
    /// P90 request latency, ms.
    pub const REQUEST_LATENCY_P90: &str = "RequestLatency_P90";
    /// P95 request latency, ms.
    pub const REQUEST_LATENCY_P95: &str = "RequestLatency_P95";
    /// P99 request latency, ms.
    pub const REQUEST_LATENCY_P99: &str = "RequestLatency_P99";
    /// CPU utilization per instance, percent (deployment; dimension `instanceId`).
    pub const CPU_UTILIZATION_PERCENTAGE: &str = "CpuUtilizationPercentage";
    /// Memory utilization per instance, percent (deployment; dimension `instanceId`).
    pub const CPU_MEMORY_UTILIZATION_PERCENTAGE: &str = "CpuMemoryUtilizationPercentage";
    /// GPU utilization per instance, percent (deployment).
    pub const GPU_UTILIZATION_PERCENTAGE: &str = "GpuUtilizationPercentage";
    /// GPU memory utilization per instance, percent (deployment).
    pub const GPU_MEMORY_UTILIZATION_PERCENTAGE: &str = "GpuMemoryUtilizationPercentage";
    /// Disk utilization per instance, percent (deployment).
    pub const DISK_UTILIZATION: &str = "DiskUtilization";
    /// Instances in the deployment (deployment; dimensions `instanceId`, `State`).
    pub const DEPLOYMENT_CAPACITY: &str = "DeploymentCapacity";
    /// Data collection events processed per minute.
    pub const DATA_COLLECTION_EVENTS_PER_MINUTE: &str = "DataCollectionEventsPerMinute";
    /// Data collection events dropped per minute.
    pub const DATA_COLLECTION_ERRORS_PER_MINUTE: &str = "DataCollectionErrorsPerMinute";
    /// Active client TCP connections (endpoint).
    pub const CONNECTIONS_ACTIVE: &str = "ConnectionsActive";
    /// New client TCP connections per second (endpoint).
    pub const NEW_CONNECTIONS_PER_SECOND: &str = "NewConnectionsPerSecond";
    /// Bytes per second served (endpoint).
    pub const NETWORK_BYTES: &str = "NetworkBytes";
    /// The endpoint dimension splitting requests by status class (`2xx`, `4xx`, `5xx`).
    pub const STATUS_CODE_CLASS: &str = "statusCodeClass";
    /// The endpoint dimension naming the deployment.
    pub const DEPLOYMENT: &str = "deployment";
}

// ---------------------------------------------------------------------------------------------
// Time values

fn format_time(t: &OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// A query or answer time range, `start/end` in ISO 8601 on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timespan {
    /// Start (inclusive).
    pub start: OffsetDateTime,
    /// End.
    pub end: OffsetDateTime,
}

impl Timespan {
    /// `start` to `end`.
    pub fn new(start: OffsetDateTime, end: OffsetDateTime) -> Self {
        Self { start, end }
    }

    /// The last `duration` up to now.
    pub fn last(duration: Duration) -> Self {
        let end = OffsetDateTime::now_utc();
        let span = time::Duration::try_from(duration).unwrap_or(time::Duration::ZERO);
        Self {
            start: end.checked_sub(span).unwrap_or(end),
            end,
        }
    }

    /// Parses `start/end` (RFC 3339 each).
    pub fn parse(text: &str) -> Option<Self> {
        let (start, end) = text.split_once('/')?;
        Some(Self {
            start: parse_time(start)?,
            end: parse_time(end)?,
        })
    }
}

impl fmt::Display for Timespan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", format_time(&self.start), format_time(&self.end))
    }
}

impl Serialize for Timespan {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timespan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not an ISO 8601 `start/end` interval"))
        })
    }
}

/// The aggregation grain of a metrics query or answer: a duration (`PT1M`) or `FULL` (one
/// value for the whole timespan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsInterval {
    /// A grain such as one minute.
    Every(Duration),
    /// The whole timespan at once.
    Full,
}

impl fmt::Display for MetricsInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Every(d) => f.write_str(&iso_duration(*d)),
            Self::Full => f.write_str("FULL"),
        }
    }
}

impl From<Duration> for MetricsInterval {
    fn from(d: Duration) -> Self {
        Self::Every(d)
    }
}

impl Serialize for MetricsInterval {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MetricsInterval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.eq_ignore_ascii_case("FULL") {
            return Ok(Self::Full);
        }
        parse_iso_duration(&text)
            .map(Self::Every)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an interval")))
    }
}

mod opt_duration {
    use super::*;

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&iso_duration(*d)),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => parse_iso_duration(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not an ISO 8601 duration"))
            }),
        }
    }
}

mod rfc3339 {
    use super::*;

    pub(super) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(t))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        parse_time(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not an RFC 3339 date-time"))
        })
    }
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

// ---------------------------------------------------------------------------------------------
// The query

/// What [`MetricsOperations::list`](super::MetricsOperations::list) asks for; every field maps
/// to one query parameter of `GET {resource}/providers/Microsoft.Insights/metrics`.
///
/// ```
/// use std::time::Duration;
/// use azure_ai_ml::monitor::{AggregationType, MetricsQuery};
/// let query = MetricsQuery::new()
///     .metric_names(["RequestLatency_P50", "RequestLatency_P99"])
///     .aggregation([AggregationType::Average])
///     .interval(Duration::from_secs(60));
/// assert_eq!(query.metric_names.len(), 2);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsQuery {
    /// `timespan` (`start/end`); the service's default (the last hour) when `None`.
    pub timespan: Option<Timespan>,
    /// `interval` (`PT1M`, …, or `FULL`).
    pub interval: Option<MetricsInterval>,
    /// `metricnames` (sent comma-separated; a comma inside a name is sent as `%2`, as the
    /// service documents).
    pub metric_names: Vec<String>,
    /// `aggregation` (comma-separated).
    pub aggregation: Vec<AggregationType>,
    /// `$filter`, e.g. `statusCodeClass eq '5xx'`.
    pub filter: Option<String>,
    /// `top` (series per dimension split).
    pub top: Option<u32>,
    /// `orderby`, e.g. `average asc`.
    pub order_by: Option<String>,
    /// `metricnamespace`.
    pub metric_namespace: Option<String>,
    /// `resultType`.
    pub result_type: Option<MetricResultType>,
    /// `AutoAdjustTimegrain`.
    pub auto_adjust_timegrain: Option<bool>,
    /// `ValidateDimensions`.
    pub validate_dimensions: Option<bool>,
    /// `rollupby`.
    pub rollup_by: Option<String>,
}

impl MetricsQuery {
    /// An empty query.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the timespan.
    pub fn timespan(mut self, start: OffsetDateTime, end: OffsetDateTime) -> Self {
        self.timespan = Some(Timespan::new(start, end));
        self
    }

    /// Sets the interval (a `Duration` or [`MetricsInterval::Full`]).
    pub fn interval(mut self, interval: impl Into<MetricsInterval>) -> Self {
        self.interval = Some(interval.into());
        self
    }

    /// Replaces the metric names.
    pub fn metric_names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.metric_names = names.into_iter().map(Into::into).collect();
        self
    }

    /// Replaces the aggregations.
    pub fn aggregation(mut self, aggregations: impl IntoIterator<Item = AggregationType>) -> Self {
        self.aggregation = aggregations.into_iter().collect();
        self
    }

    /// Sets `$filter`.
    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Sets `top`.
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// Sets `orderby`.
    pub fn order_by(mut self, order_by: impl Into<String>) -> Self {
        self.order_by = Some(order_by.into());
        self
    }

    /// Sets `metricnamespace`.
    pub fn metric_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.metric_namespace = Some(namespace.into());
        self
    }

    /// Sets `resultType`.
    pub fn result_type(mut self, result_type: MetricResultType) -> Self {
        self.result_type = Some(result_type);
        self
    }

    /// The query parameters, in a fixed order (without `api-version`).
    pub(crate) fn to_pairs(&self) -> crate::Result<Vec<(&'static str, String)>> {
        let fail = |field: &str, rule: String| Err(crate::Error::validation(field, rule));
        let mut pairs = Vec::new();
        if let Some(t) = &self.timespan {
            if t.end <= t.start {
                return fail("timespan", format!("end must be after start ({t})"));
            }
            pairs.push(("timespan", t.to_string()));
        }
        if let Some(interval) = &self.interval {
            if matches!(interval, MetricsInterval::Every(d) if d.is_zero()) {
                return fail("interval", "must be positive".into());
            }
            pairs.push(("interval", interval.to_string()));
        }
        if !self.metric_names.is_empty() {
            if self.metric_names.iter().any(|n| n.trim().is_empty()) {
                return fail("metric_names", "names must not be empty".into());
            }
            let names: Vec<String> = self
                .metric_names
                .iter()
                .map(|n| n.replace(',', "%2"))
                .collect();
            pairs.push(("metricnames", names.join(",")));
        }
        if !self.aggregation.is_empty() {
            let list: Vec<&str> = self
                .aggregation
                .iter()
                .map(AggregationType::as_str)
                .collect();
            pairs.push(("aggregation", list.join(",")));
        }
        if let Some(filter) = &self.filter {
            pairs.push(("$filter", filter.clone()));
        }
        if let Some(top) = self.top {
            if top == 0 {
                return fail("top", "must be at least 1".into());
            }
            pairs.push(("top", top.to_string()));
        }
        if let Some(order_by) = &self.order_by {
            pairs.push(("orderby", order_by.clone()));
        }
        if let Some(ns) = &self.metric_namespace {
            pairs.push(("metricnamespace", ns.clone()));
        }
        if let Some(result_type) = &self.result_type {
            pairs.push(("resultType", result_type.to_string()));
        }
        if let Some(b) = self.auto_adjust_timegrain {
            pairs.push(("AutoAdjustTimegrain", b.to_string()));
        }
        if let Some(b) = self.validate_dimensions {
            pairs.push(("ValidateDimensions", b.to_string()));
        }
        if let Some(rollup) = &self.rollup_by {
            pairs.push(("rollupby", rollup.clone()));
        }
        Ok(pairs)
    }
}

// ---------------------------------------------------------------------------------------------
// The answer (response-only types)

/// A name with its display form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LocalizableString {
    /// Invariant name.
    #[serde(default)]
    pub value: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localized_value: Option<String>,
}

/// The answer of a metrics query.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricsResponse {
    /// Query cost.
    pub cost: Option<i64>,
    /// The timespan the values cover.
    pub timespan: Timespan,
    /// The grain used.
    pub interval: Option<MetricsInterval>,
    /// The metric namespace.
    pub namespace: Option<String>,
    /// The resource's region (`resourceregion` on the wire).
    #[serde(
        default,
        rename = "resourceregion",
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_region: Option<String>,
    /// One entry per requested metric.
    #[serde(default, deserialize_with = "null_as_default")]
    pub value: Vec<Metric>,
}

impl MetricsResponse {
    /// The metric named `name` (invariant name, case-insensitive).
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        self.value
            .iter()
            .find(|m| m.name.value.eq_ignore_ascii_case(name))
    }
}

/// One metric of a [`MetricsResponse`].
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Metric {
    /// Metric id.
    pub id: Option<String>,
    /// Resource type (`Microsoft.Insights/metrics`).
    #[serde(rename = "type")]
    pub metric_type: Option<String>,
    /// Name.
    pub name: LocalizableString,
    /// Description.
    pub display_description: Option<String>,
    /// `Success`, or why there are no values.
    pub error_code: Option<String>,
    /// Error message.
    pub error_message: Option<String>,
    /// Unit.
    pub unit: MetricUnit,
    /// One series per dimension combination.
    #[serde(default, deserialize_with = "null_as_default")]
    pub timeseries: Vec<TimeSeries>,
}

/// One time series of a metric.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimeSeries {
    /// The dimension values of this series (`metadatavalues` on the wire).
    #[serde(
        default,
        rename = "metadatavalues",
        deserialize_with = "null_as_default"
    )]
    pub metadata_values: Vec<MetadataValue>,
    /// Data points.
    #[serde(default, deserialize_with = "null_as_default")]
    pub data: Vec<MetricValue>,
}

/// A dimension value of a series.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MetadataValue {
    /// Dimension name.
    pub name: Option<LocalizableString>,
    /// Dimension value.
    pub value: Option<String>,
}

/// One data point.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricValue {
    /// Start of the grain.
    #[serde(with = "rfc3339")]
    pub time_stamp: OffsetDateTime,
    /// Average.
    pub average: Option<f64>,
    /// Minimum.
    pub minimum: Option<f64>,
    /// Maximum.
    pub maximum: Option<f64>,
    /// Total.
    pub total: Option<f64>,
    /// Count.
    pub count: Option<f64>,
}

/// Metadata of a metric a resource emits (`metricDefinitions`).
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricDefinition {
    /// Whether a dimension filter is required.
    pub is_dimension_required: Option<bool>,
    /// The emitting resource.
    pub resource_id: Option<String>,
    /// Namespace.
    pub namespace: Option<String>,
    /// Name.
    pub name: Option<LocalizableString>,
    /// Description.
    pub display_description: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Class.
    pub metric_class: Option<MetricClass>,
    /// Unit.
    pub unit: Option<MetricUnit>,
    /// The aggregation shown by default.
    pub primary_aggregation_type: Option<AggregationType>,
    /// Supported aggregations.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub supported_aggregation_types: Vec<AggregationType>,
    /// Available grains and their retention.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub metric_availabilities: Vec<MetricAvailability>,
    /// Definition id.
    pub id: Option<String>,
    /// Dimensions.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub dimensions: Vec<LocalizableString>,
}

/// A grain a metric can be queried at, and how long it is kept.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MetricAvailability {
    /// Grain.
    #[serde(
        default,
        with = "opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_grain: Option<Duration>,
    /// Retention.
    #[serde(
        default,
        with = "opt_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub retention: Option<Duration>,
}

/// `{value: [MetricDefinition]}`.
#[derive(Deserialize)]
pub(crate) struct MetricDefinitionCollection {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) value: Vec<MetricDefinition>,
}
