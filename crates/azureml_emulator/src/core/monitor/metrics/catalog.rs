//! The metrics Azure ML online endpoints and deployments emit (REST names, units, dimensions),
//! from Azure Monitor's "Supported metrics" for
//! `Microsoft.MachineLearningServices/workspaces/onlineEndpoints[/deployments]`, and what the
//! recorder computes each from. Metrics the emulator has no source for (network, GPU, disk)
//! are listed and answer without data points.

/// Whose metrics: an endpoint's or a deployment's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    Endpoint,
    Deployment,
}

impl Scope {
    /// The metric namespace (Azure writes it lower-case in answers).
    pub(crate) fn namespace(self) -> &'static str {
        match self {
            Self::Endpoint => "Microsoft.MachineLearningServices/workspaces/onlineEndpoints",
            Self::Deployment => {
                "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments"
            }
        }
    }

    /// The resource type as Azure's "Failed to find metric configuration" message names it.
    pub(crate) fn resource_type(self) -> &'static str {
        match self {
            Self::Endpoint => "workspaces/onlineEndpoints",
            Self::Deployment => "workspaces/onlineEndpoints/deployments",
        }
    }
}

/// What a metric is computed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind {
    /// Requests per bucket (answered and rejected), zero when there were none.
    Requests,
    /// Mean latency of answered requests (every request is a sample).
    Latency,
    /// A latency percentile per bucket (one sample per bucket).
    Percentile(f64),
    Cpu,
    Memory,
    Capacity,
    DataCollectionEvents,
    DataCollectionErrors,
    /// Listed by Azure, not recorded by the emulator.
    NotRecorded,
}

impl Kind {
    /// Count metrics read zero in buckets without events (instead of "no data").
    pub(crate) fn zero_filled(self) -> bool {
        matches!(
            self,
            Self::Requests | Self::DataCollectionEvents | Self::DataCollectionErrors
        )
    }
}

/// One metric of the catalog.
#[derive(Debug)]
pub(crate) struct MetricInfo {
    pub(crate) name: &'static str,
    pub(crate) display: &'static str,
    pub(crate) description: &'static str,
    pub(crate) unit: &'static str,
    pub(crate) class: &'static str,
    pub(crate) category: &'static str,
    pub(crate) kind: Kind,
    pub(crate) dimensions: &'static [&'static str],
}

// A table row: one argument per column reads better than a struct literal per metric.
#[allow(clippy::too_many_arguments)]
const fn m(
    name: &'static str,
    display: &'static str,
    description: &'static str,
    unit: &'static str,
    class: &'static str,
    category: &'static str,
    kind: Kind,
    dimensions: &'static [&'static str],
) -> MetricInfo {
    MetricInfo {
        name,
        display,
        description,
        unit,
        class,
        category,
        kind,
        dimensions,
    }
}

const TRAFFIC: &str = "Traffic";
const RESOURCE: &str = "Resource";
const COLLECTION: &str = "Model Data Collection";
const DEPLOYMENT_DIM: &[&str] = &["deployment"];

#[rustfmt::skip]
static ENDPOINT: &[MetricInfo] = &[
    m("RequestsPerMinute", "Requests Per Minute", "The number of requests sent to the online endpoint within a minute.", "Count", "Transactions", TRAFFIC, Kind::Requests, &["deployment", "statusCode", "statusCodeClass", "modelStatusCode"]),
    m("RequestLatency", "Request Latency", "The complete interval of time taken for a request to be responded, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Latency, DEPLOYMENT_DIM),
    m("RequestLatency_P50", "Request Latency P50", "The 50th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.50), DEPLOYMENT_DIM),
    m("RequestLatency_P90", "Request Latency P90", "The 90th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.90), DEPLOYMENT_DIM),
    m("RequestLatency_P95", "Request Latency P95", "The 95th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.95), DEPLOYMENT_DIM),
    m("RequestLatency_P99", "Request Latency P99", "The 99th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.99), DEPLOYMENT_DIM),
    m("DataCollectionEventsPerMinute", "Data Collection Events Per Minute", "The number of data collection events processed per minute.", "Count", "Transactions", COLLECTION, Kind::DataCollectionEvents, DEPLOYMENT_DIM),
    m("DataCollectionErrorsPerMinute", "Data Collection Errors Per Minute", "The number of data collection events dropped per minute.", "Count", "Errors", COLLECTION, Kind::DataCollectionErrors, DEPLOYMENT_DIM),
    m("ConnectionsActive", "Active Connection Count", "The total number of concurrent TCP connections active from clients.", "Count", "Saturation", TRAFFIC, Kind::NotRecorded, &[]),
    m("NewConnectionsPerSecond", "New Connections Per Second", "The average number of new TCP connections per second established from clients.", "CountPerSecond", "Transactions", TRAFFIC, Kind::NotRecorded, &[]),
    m("NetworkBytes", "Network Bytes", "The bytes per second served for the endpoint.", "BytesPerSecond", "Transactions", TRAFFIC, Kind::NotRecorded, &[]),
];

#[rustfmt::skip]
static DEPLOYMENT: &[MetricInfo] = &[
    m("RequestsPerMinute", "Requests Per Minute", "The number of requests sent to the online deployment within a minute.", "Count", "Transactions", TRAFFIC, Kind::Requests, &["envoy_response_code"]),
    m("RequestLatency_P50", "Request Latency P50", "The 50th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.50), &[]),
    m("RequestLatency_P90", "Request Latency P90", "The 90th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.90), &[]),
    m("RequestLatency_P95", "Request Latency P95", "The 95th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.95), &[]),
    m("RequestLatency_P99", "Request Latency P99", "The 99th percentile of the request latency, in milliseconds.", "MilliSeconds", "Latency", TRAFFIC, Kind::Percentile(0.99), &[]),
    m("CpuUtilizationPercentage", "CPU Utilization Percentage", "The percentage of CPU utilization of an instance.", "Percent", "Saturation", RESOURCE, Kind::Cpu, &["instanceId"]),
    m("CpuMemoryUtilizationPercentage", "CPU Memory Utilization Percentage", "The percentage of memory utilization of an instance.", "Percent", "Saturation", RESOURCE, Kind::Memory, &["instanceId"]),
    m("DeploymentCapacity", "Deployment Capacity", "The number of instances in the deployment.", "Count", "Saturation", RESOURCE, Kind::Capacity, &[]),
    m("DataCollectionEventsPerMinute", "Data Collection Events Per Minute", "The number of data collection events processed per minute.", "Count", "Transactions", COLLECTION, Kind::DataCollectionEvents, &[]),
    m("DataCollectionErrorsPerMinute", "Data Collection Errors Per Minute", "The number of data collection events dropped per minute.", "Count", "Errors", COLLECTION, Kind::DataCollectionErrors, &[]),
    m("DiskUtilization", "Disk Utilization", "The percentage of disk utilization of an instance.", "Percent", "Saturation", RESOURCE, Kind::NotRecorded, &["instanceId", "disk"]),
    m("GpuUtilizationPercentage", "GPU Utilization Percentage", "The percentage of GPU utilization of an instance.", "Percent", "Saturation", RESOURCE, Kind::NotRecorded, &["instanceId"]),
    m("GpuMemoryUtilizationPercentage", "GPU Memory Utilization Percentage", "The percentage of GPU memory utilization of an instance.", "Percent", "Saturation", RESOURCE, Kind::NotRecorded, &["instanceId"]),
];

/// The metrics of a scope, in Azure's listing order.
pub(crate) fn metrics(scope: Scope) -> &'static [MetricInfo] {
    match scope {
        Scope::Endpoint => ENDPOINT,
        Scope::Deployment => DEPLOYMENT,
    }
}

/// The metric named `name` (case-insensitive).
pub(crate) fn find(scope: Scope, name: &str) -> Option<&'static MetricInfo> {
    metrics(scope)
        .iter()
        .find(|m| m.name.eq_ignore_ascii_case(name.trim()))
}

/// Azure's answer to an unknown metric name.
pub(crate) fn unknown_metric_message(scope: Scope, name: &str) -> String {
    let valid: Vec<&str> = metrics(scope).iter().map(|m| m.name).collect();
    format!(
        "Failed to find metric configuration for provider: Microsoft.MachineLearningServices, \
         resource Type: {}, metric: {name}, Valid metrics: {}",
        scope.resource_type(),
        valid.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdk_metric_names_are_known_where_azure_has_them() {
        for name in [
            "RequestsPerMinute",
            "requestlatency",
            "RequestLatency_P99",
            "DataCollectionEventsPerMinute",
        ] {
            assert!(find(Scope::Endpoint, name).is_some(), "{name}");
        }
        for name in [
            "CpuUtilizationPercentage",
            "CpuMemoryUtilizationPercentage",
            "DeploymentCapacity",
            "RequestLatency_P50",
        ] {
            assert!(find(Scope::Deployment, name).is_some(), "{name}");
        }
        assert!(find(Scope::Deployment, "RequestLatency").is_none());
        assert!(find(Scope::Endpoint, "CpuUtilizationPercentage").is_none());
        let message = unknown_metric_message(Scope::Endpoint, "Nope");
        assert!(message.starts_with("Failed to find metric configuration for provider: Microsoft.MachineLearningServices, resource Type: workspaces/onlineEndpoints, metric: Nope, Valid metrics: RequestsPerMinute,"), "{message}");
    }
}
