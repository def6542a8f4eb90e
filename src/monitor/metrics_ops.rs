//! `ml_client.metrics()`: Azure Monitor metrics of any resource, with presets for online
//! endpoints and deployments (api-version 2024-02-01).

use azure_core::http::{Context, Method};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use time::OffsetDateTime;

use super::client::{decode_json, MonitorCore};
use super::enums::AggregationType;
use super::metrics::{
    ml_metrics, MetricDefinition, MetricDefinitionCollection, MetricsInterval, MetricsQuery,
    MetricsResponse, Timespan,
};
use super::validate;
use crate::{MetricsListDefinitionsOptions, MetricsListOptions, MetricsListRequestOptions, Result};

/// The metrics (and metric definitions) api-version.
pub const METRICS_API_VERSION: &str = "2024-02-01";

/// Everything but RFC 3986 unreserved characters is escaped in query values (as the Python
/// SDK's `quote(value, safe='')`): spaces become `%20`, never `+`.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn query_string(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, QUERY_VALUE)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Azure Monitor metrics (`az monitor metrics list`).
#[derive(Clone, Debug)]
pub struct MetricsOperations {
    core: MonitorCore,
}

/// A resource and a query, as the presets ([`MetricsOperations::request_latency`], …) build
/// them; adjust with the `with_*` methods and run with [`MetricsOperations::list_request`].
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsRequest {
    /// ARM id of the resource whose metrics are read.
    pub resource_id: String,
    /// The query.
    pub query: MetricsQuery,
}

impl MetricsRequest {
    /// Sets the timespan.
    pub fn with_timespan(mut self, start: OffsetDateTime, end: OffsetDateTime) -> Self {
        self.query.timespan = Some(Timespan::new(start, end));
        self
    }

    /// Sets the interval.
    pub fn with_interval(mut self, interval: impl Into<MetricsInterval>) -> Self {
        self.query.interval = Some(interval.into());
        self
    }
}

impl MetricsOperations {
    pub(crate) fn new(core: MonitorCore) -> Self {
        Self { core }
    }

    /// Reads metric values of a resource (`GET {resource_id}/providers/Microsoft.Insights/metrics`).
    ///
    /// `resource_id` is a full ARM id (`/subscriptions/…`); it goes into the URL path as is
    /// (slashes stay slashes), so it must not contain `?`, `#`, `%`, `..`, whitespace or empty
    /// segments.
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use std::time::Duration;
    /// use azure_ai_ml::monitor::{AggregationType, MetricsQuery};
    /// let metrics = ml_client.metrics();
    /// let deployment = metrics.deployment_resource_id("churn-prediction-v1", "blue")?;
    /// let query = MetricsQuery::new()
    ///     .metric_names(["CpuUtilizationPercentage"])
    ///     .aggregation([AggregationType::Average, AggregationType::Maximum])
    ///     .interval(Duration::from_secs(300));
    /// let answer = metrics.list(&deployment, &query, None).await?;
    /// for series in &answer.value[0].timeseries {
    ///     for point in &series.data {
    ///         println!("{} {:?}", point.time_stamp, point.average);
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for a bad resource id or query (end before start, `top`
    /// 0, empty names), before any request; [`crate::Error::Service`] if the service refuses;
    /// [`crate::Error::Decode`] for an unreadable answer.
    #[tracing::instrument(name = "Metrics.list", skip_all, fields(resource = %resource_id))]
    pub async fn list(
        &self,
        resource_id: &str,
        query: &MetricsQuery,
        options: Option<MetricsListOptions<'_>>,
    ) -> Result<MetricsResponse> {
        let method_options = options.unwrap_or_default().method_options;
        self.list_in(resource_id, query, &method_options.context)
            .await
    }

    /// [`list`](Self::list) within the caller's span.
    async fn list_in(
        &self,
        resource_id: &str,
        query: &MetricsQuery,
        ctx: &Context<'_>,
    ) -> Result<MetricsResponse> {
        validate::metrics_resource(resource_id)?;
        let mut pairs = vec![("api-version", METRICS_API_VERSION.to_owned())];
        pairs.extend(query.to_pairs()?);
        let url = self.core.arm_url_raw(
            &format!("{resource_id}/providers/Microsoft.Insights/metrics"),
            &query_string(&pairs),
        );
        let answer = self.core.send(Method::Get, url, None, ctx).await?;
        decode_json("MetricsResponse", &answer.body)
    }

    /// Runs a [`MetricsRequest`] (a preset).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// use std::time::Duration;
    /// use azure_ai_ml::monitor::Timespan;
    /// let metrics = ml_client.metrics();
    /// let span = Timespan::last(Duration::from_secs(3600));
    /// let request = metrics
    ///     .request_latency("churn-prediction-v1", Some("blue"))?
    ///     .with_timespan(span.start, span.end)
    ///     .with_interval(Duration::from_secs(60));
    /// let latency = metrics.list_request(&request, None).await?;
    /// println!("{:?}", latency.metric("RequestLatency_P99"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Self::list`].
    #[tracing::instrument(name = "Metrics.list_request", skip_all, fields(resource = %request.resource_id))]
    pub async fn list_request(
        &self,
        request: &MetricsRequest,
        options: Option<MetricsListRequestOptions<'_>>,
    ) -> Result<MetricsResponse> {
        let method_options = options.unwrap_or_default().method_options;
        self.list_in(
            &request.resource_id,
            &request.query,
            &method_options.context,
        )
        .await
    }

    /// Lists the metrics a resource emits (`metricDefinitions`, api-version 2024-02-01).
    ///
    /// ```no_run
    /// # async fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let metrics = ml_client.metrics();
    /// let endpoint = metrics.endpoint_resource_id("churn-prediction-v1")?;
    /// for definition in metrics.list_definitions(&endpoint, None).await? {
    ///     println!("{:?} {:?}", definition.name, definition.unit);
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for a bad resource id, before any request;
    /// [`crate::Error::Service`] / [`crate::Error::Decode`] as for [`Self::list`].
    #[tracing::instrument(name = "Metrics.list_definitions", skip_all, fields(resource = %resource_id))]
    pub async fn list_definitions(
        &self,
        resource_id: &str,
        options: Option<MetricsListDefinitionsOptions<'_>>,
    ) -> Result<Vec<MetricDefinition>> {
        let options = options.unwrap_or_default();
        validate::metrics_resource(resource_id)?;
        let mut pairs = vec![("api-version", METRICS_API_VERSION.to_owned())];
        if let Some(ns) = options.metric_namespace {
            pairs.push(("metricnamespace", ns));
        }
        let url = self.core.arm_url_raw(
            &format!("{resource_id}/providers/Microsoft.Insights/metricDefinitions"),
            &query_string(&pairs),
        );
        let answer = self
            .core
            .send(Method::Get, url, None, &options.method_options.context)
            .await?;
        let collection: MetricDefinitionCollection =
            decode_json("MetricDefinitionCollection", &answer.body)?;
        Ok(collection.value)
    }

    /// The ARM id of an online endpoint of the client's workspace.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let id = ml_client.metrics().endpoint_resource_id("churn-prediction-v1")?;
    /// assert!(id.ends_with("/onlineEndpoints/churn-prediction-v1"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] when the name breaks the endpoint name rule.
    pub fn endpoint_resource_id(&self, endpoint: &str) -> Result<String> {
        crate::validate::resource_name("endpoint_name", endpoint)?;
        Ok(format!(
            "{}/onlineEndpoints/{endpoint}",
            self.core.workspace_id()
        ))
    }

    /// The ARM id of a deployment of the client's workspace.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let id = ml_client.metrics().deployment_resource_id("churn-prediction-v1", "blue")?;
    /// assert!(id.ends_with("/deployments/blue"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] when a name breaks the endpoint/deployment name rule.
    pub fn deployment_resource_id(&self, endpoint: &str, deployment: &str) -> Result<String> {
        crate::validate::resource_name("deployment_name", deployment)?;
        Ok(format!(
            "{}/deployments/{deployment}",
            self.endpoint_resource_id(endpoint)?
        ))
    }

    fn preset(
        &self,
        endpoint: &str,
        deployment: Option<&str>,
        names: &[&str],
        aggregation: &[AggregationType],
    ) -> Result<MetricsRequest> {
        let resource_id = match deployment {
            Some(d) => self.deployment_resource_id(endpoint, d)?,
            None => self.endpoint_resource_id(endpoint)?,
        };
        Ok(MetricsRequest {
            resource_id,
            query: MetricsQuery::new()
                .metric_names(names.iter().copied())
                .aggregation(aggregation.iter().cloned()),
        })
    }

    /// Request count: `RequestsPerMinute` (average per minute) of the endpoint, or of one
    /// deployment.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let request = ml_client.metrics().request_count("churn-prediction-v1", None)?;
    /// assert_eq!(request.query.metric_names, ["RequestsPerMinute"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for bad names.
    pub fn request_count(
        &self,
        endpoint: &str,
        deployment: Option<&str>,
    ) -> Result<MetricsRequest> {
        self.preset(
            endpoint,
            deployment,
            &[ml_metrics::REQUESTS_PER_MINUTE],
            &[AggregationType::Average],
        )
    }

    /// Request latency P50, P90 and P99 (`RequestLatency_P50/_P90/_P99`, ms) of the endpoint,
    /// or of one deployment.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let request = ml_client.metrics().request_latency("churn-prediction-v1", Some("blue"))?;
    /// assert_eq!(request.query.metric_names.len(), 3);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for bad names.
    pub fn request_latency(
        &self,
        endpoint: &str,
        deployment: Option<&str>,
    ) -> Result<MetricsRequest> {
        self.preset(
            endpoint,
            deployment,
            &[
                ml_metrics::REQUEST_LATENCY_P50,
                ml_metrics::REQUEST_LATENCY_P90,
                ml_metrics::REQUEST_LATENCY_P99,
            ],
            &[AggregationType::Average],
        )
    }

    /// CPU utilization per instance (`CpuUtilizationPercentage`, average and maximum) of a
    /// deployment.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let request = ml_client.metrics().cpu_utilization("churn-prediction-v1", "blue")?;
    /// assert!(request.resource_id.ends_with("/deployments/blue"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for bad names.
    pub fn cpu_utilization(&self, endpoint: &str, deployment: &str) -> Result<MetricsRequest> {
        self.preset(
            endpoint,
            Some(deployment),
            &[ml_metrics::CPU_UTILIZATION_PERCENTAGE],
            &[AggregationType::Average, AggregationType::Maximum],
        )
    }

    /// Memory utilization per instance (`CpuMemoryUtilizationPercentage`, average and
    /// maximum) of a deployment.
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let request = ml_client.metrics().memory_utilization("churn-prediction-v1", "blue")?;
    /// assert_eq!(request.query.metric_names, ["CpuMemoryUtilizationPercentage"]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for bad names.
    pub fn memory_utilization(&self, endpoint: &str, deployment: &str) -> Result<MetricsRequest> {
        self.preset(
            endpoint,
            Some(deployment),
            &[ml_metrics::CPU_MEMORY_UTILIZATION_PERCENTAGE],
            &[AggregationType::Average, AggregationType::Maximum],
        )
    }

    /// 4xx and 5xx responses per minute: the endpoint's `RequestsPerMinute` split by
    /// `statusCodeClass` (one series per class), narrowed to one deployment by the endpoint's
    /// `deployment` dimension when given (deployment-level metrics have no status class).
    ///
    /// ```no_run
    /// # fn f(ml_client: azure_ai_ml::MLClient) -> azure_ai_ml::Result<()> {
    /// let request = ml_client.metrics().error_counts("churn-prediction-v1", Some("blue"))?;
    /// assert!(request.query.filter.unwrap().contains("statusCodeClass"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::Validation`] for bad names.
    pub fn error_counts(&self, endpoint: &str, deployment: Option<&str>) -> Result<MetricsRequest> {
        let mut request = self.preset(
            endpoint,
            None,
            &[ml_metrics::REQUESTS_PER_MINUTE],
            &[AggregationType::Average],
        )?;
        let classes = format!(
            "{c} eq '4xx' or {c} eq '5xx'",
            c = ml_metrics::STATUS_CODE_CLASS
        );
        request.query.filter = Some(match deployment {
            Some(d) => {
                crate::validate::resource_name("deployment_name", d)?;
                format!("{} eq '{d}' and {classes}", ml_metrics::DEPLOYMENT)
            }
            None => classes,
        });
        Ok(request)
    }
}
