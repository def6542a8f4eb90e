//! Metrics against a loopback mock of ARM: the official GetMetric example both ways, the
//! resource id unescaped in the path, every query parameter, the Azure ML presets, metric
//! definitions, and bad ids/queries refused before any request.

mod monitor_support;

use std::time::Duration;

use azure_ai_ml::monitor::{
    ml_metrics, AggregationType, MetricResultType, MetricUnit, MetricsInterval, MetricsQuery,
    MetricsResponse, Timespan,
};
use azure_ai_ml::{Error, MetricsListDefinitionsOptions};
use monitor_support::*;
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn example_body() -> Value {
    metrics_example()["responses"]["200"]["body"].clone()
}

/// The example's `resourceUri` path parameter is the ARM id without its leading `/` (the path
/// template is `/{resourceUri}/providers/…`); our API takes the ARM id itself.
fn example_resource_id() -> String {
    let uri = metrics_example()["parameters"]["resourceUri"]
        .as_str()
        .unwrap()
        .to_owned();
    format!("/{uri}")
}

fn deployment_id() -> String {
    format!(
        "{}/onlineEndpoints/churn-prediction-v1/deployments/blue",
        workspace_id()
    )
}

fn endpoint_id() -> String {
    format!("{}/onlineEndpoints/churn-prediction-v1", workspace_id())
}

fn field_of(err: &Error) -> String {
    match err {
        Error::Validation { field, .. } => field.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn example_response_round_trips_exactly() {
    let body = example_body();
    let response: MetricsResponse = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(response.cost, Some(598));
    assert_eq!(
        response.interval,
        Some(MetricsInterval::Every(Duration::from_secs(3600)))
    );
    assert_eq!(response.resource_region.as_deref(), Some("westus2"));
    assert_eq!(
        response.timespan,
        Timespan::new(
            datetime!(2021-04-20 09:00 UTC),
            datetime!(2021-04-20 14:00 UTC)
        )
    );
    let count = response.metric("blobcount").unwrap();
    assert_eq!(count.unit, MetricUnit::Count);
    assert_eq!(count.timeseries.len(), 5);
    let hot = &count.timeseries[0];
    assert_eq!(hot.metadata_values[0].value.as_deref(), Some("Hot"));
    assert_eq!(hot.data[0].time_stamp, datetime!(2021-04-20 09:00 UTC));
    assert_eq!(hot.data[0].average, Some(7.0));
    assert_eq!(hot.data[0].total, None);
    assert_eq!(
        response.metric("BlobCapacity").unwrap().unit,
        MetricUnit::Bytes
    );
    // No read-only field is dropped: the answer is all there is.
    assert_eq!(serde_json::to_value(&response).unwrap(), body);
}

/// The example's query, built with [`MetricsQuery`].
fn example_query() -> MetricsQuery {
    MetricsQuery::new()
        .timespan(
            datetime!(2021-04-20 09:00 UTC),
            datetime!(2021-04-20 14:00 UTC),
        )
        .metric_names(["BlobCount", "BlobCapacity"])
        .metric_namespace("Microsoft.Storage/storageAccounts/blobServices")
        .filter("Tier eq '*'")
        .top(5)
        .order_by("average asc")
        .aggregation([
            AggregationType::Average,
            AggregationType::Minimum,
            AggregationType::Maximum,
        ])
        .interval(Duration::from_secs(6 * 3600))
}

#[tokio::test]
async fn list_sends_the_example_query_with_the_id_unescaped_in_the_path() {
    let (server, client) = setup().await;
    let metrics_path = format!(
        "{}/providers/Microsoft.Insights/metrics",
        example_resource_id()
    );
    Mock::given(method("GET"))
        .and(path(metrics_path.clone()))
        .respond_with(ResponseTemplate::new(200).set_body_json(example_body()))
        .expect(1)
        .mount(&server)
        .await;

    let mut query = example_query();
    query.auto_adjust_timegrain = Some(true);
    query.validate_dimensions = Some(false);
    let response = client
        .metrics()
        .list(&example_resource_id(), &query, None)
        .await
        .unwrap();
    assert_eq!(response.value.len(), 2);

    let requests = monitor_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    // Slashes of the resource id stay path separators: no %2F anywhere in the path.
    assert_eq!(r.url.path(), metrics_path);
    assert!(!r
        .url
        .as_str()
        .to_ascii_lowercase()
        .contains("%2f/providers"));
    assert!(!r.url.path().contains('%'));
    // Spaces are %20 in the raw query (never `+`).
    let raw_query = r.url.query().unwrap();
    assert!(raw_query.contains("orderby=average%20asc"), "{raw_query}");
    assert!(!raw_query.contains('+'), "{raw_query}");

    let ex = &metrics_example()["parameters"];
    let expect = |key: &str| match &ex[key] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for key in [
        "api-version",
        "metricnames",
        "metricnamespace",
        "$filter",
        "top",
        "orderby",
        "interval",
        "AutoAdjustTimegrain",
        "ValidateDimensions",
    ] {
        assert_eq!(query_value(r, key), Some(expect(key)), "{key}");
    }
    // Same instants; the example writes `.000` milliseconds, we write none.
    assert_eq!(
        Timespan::parse(&query_value(r, "timespan").unwrap()),
        Timespan::parse(&expect("timespan"))
    );
    // The service reads aggregations case-insensitively; we send the enum's spelling.
    assert_eq!(
        query_value(r, "aggregation").unwrap().to_ascii_lowercase(),
        expect("aggregation")
    );
}

#[tokio::test]
async fn interval_full_result_type_rollup_and_commas_in_names() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "timespan": "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
            "interval": "FULL",
            "value": []
        })))
        .mount(&server)
        .await;
    let mut query = MetricsQuery::new()
        .metric_names(["Metric,Name1", "Other"])
        .interval(MetricsInterval::Full)
        .result_type(MetricResultType::Metadata);
    query.rollup_by = Some("instanceId".into());
    let answer = client
        .metrics()
        .list(&deployment_id(), &query, None)
        .await
        .unwrap();
    assert_eq!(answer.interval, Some(MetricsInterval::Full));
    let r = &monitor_requests(&server).await[0];
    // A comma inside a name is sent as `%2` (the service's documented escape).
    assert_eq!(
        query_value(r, "metricnames").as_deref(),
        Some("Metric%2Name1,Other")
    );
    assert_eq!(query_value(r, "interval").as_deref(), Some("FULL"));
    assert_eq!(query_value(r, "resultType").as_deref(), Some("Metadata"));
    assert_eq!(query_value(r, "rollupby").as_deref(), Some("instanceId"));
    assert_eq!(query_value(r, "api-version").as_deref(), Some("2024-02-01"));
}

#[tokio::test]
async fn presets_target_the_endpoint_or_deployment_with_the_right_metrics() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "timespan": "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
            "value": []
        })))
        .mount(&server)
        .await;
    let metrics = client.metrics();
    assert_eq!(
        metrics
            .deployment_resource_id("churn-prediction-v1", "blue")
            .unwrap(),
        deployment_id()
    );
    assert_eq!(
        metrics.endpoint_resource_id("churn-prediction-v1").unwrap(),
        endpoint_id()
    );

    let e = "churn-prediction-v1";
    let latency = "RequestLatency_P50,RequestLatency_P90,RequestLatency_P99";
    let utilization = "Average,Maximum";
    let mut cases = vec![
        (
            metrics.cpu_utilization(e, "blue").unwrap(),
            deployment_id(),
            "CpuUtilizationPercentage",
            utilization,
            None,
        ),
        (
            metrics.memory_utilization(e, "blue").unwrap(),
            deployment_id(),
            "CpuMemoryUtilizationPercentage",
            utilization,
            None,
        ),
    ];
    // The presets that take an optional deployment, for the endpoint and for blue.
    for (deployment, resource, errors) in [
        (
            None,
            endpoint_id(),
            "statusCodeClass eq '4xx' or statusCodeClass eq '5xx'",
        ),
        (
            Some("blue"),
            deployment_id(),
            "deployment eq 'blue' and statusCodeClass eq '4xx' or statusCodeClass eq '5xx'",
        ),
    ] {
        let count = metrics.request_count(e, deployment).unwrap();
        cases.push((
            count,
            resource.clone(),
            "RequestsPerMinute",
            "Average",
            None,
        ));
        let latencies = metrics.request_latency(e, deployment).unwrap();
        cases.push((latencies, resource, latency, "Average", None));
        // Errors are the endpoint's metric, filtered to the deployment.
        let errors_query = metrics.error_counts(e, deployment).unwrap();
        let filter = Some(errors.to_owned());
        cases.push((
            errors_query,
            endpoint_id(),
            "RequestsPerMinute",
            "Average",
            filter,
        ));
    }
    let count = cases.len();
    for (request, resource, names, aggregation, filter) in cases {
        assert_eq!(request.resource_id, resource);
        let request = request
            .with_timespan(
                datetime!(2024-01-01 00:00 UTC),
                datetime!(2024-01-01 01:00 UTC),
            )
            .with_interval(Duration::from_secs(60));
        metrics.list_request(&request, None).await.unwrap();
        let requests = monitor_requests(&server).await;
        let r = requests.last().unwrap();
        assert_eq!(
            r.url.path(),
            format!("{resource}/providers/Microsoft.Insights/metrics")
        );
        assert_eq!(query_value(r, "metricnames").as_deref(), Some(names));
        assert_eq!(query_value(r, "aggregation").as_deref(), Some(aggregation));
        assert_eq!(query_value(r, "interval").as_deref(), Some("PT1M"));
        assert_eq!(
            query_value(r, "timespan").as_deref(),
            Some("2024-01-01T00:00:00Z/2024-01-01T01:00:00Z")
        );
        assert_eq!(query_value(r, "$filter"), filter);
    }
    assert_eq!(monitor_requests(&server).await.len(), count);
    assert_eq!(ml_metrics::REQUEST_LATENCY_P95, "RequestLatency_P95");
}

#[tokio::test]
async fn list_definitions_reads_the_collection() {
    let (server, client) = setup().await;
    // Shaped after the 2024-02-01 `MetricDefinition` schema.
    let body = json!({
        "value": [{
            "isDimensionRequired": false,
            "resourceId": deployment_id(),
            "namespace": "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
            "name": {"value": "CpuUtilizationPercentage", "localizedValue": "CPU Utilization Percentage"},
            "displayDescription": "Percentage of CPU utilization on an instance.",
            "category": "Resource",
            "metricClass": "Saturation",
            "unit": "Percent",
            "primaryAggregationType": "Average",
            "supportedAggregationTypes": ["Minimum", "Maximum", "Average"],
            "metricAvailabilities": [
                {"timeGrain": "PT1M", "retention": "P93D"},
                {"timeGrain": "PT1H", "retention": "P93D"}
            ],
            "id": format!("{}/providers/microsoft.insights/metricdefinitions/CpuUtilizationPercentage", deployment_id()),
            "dimensions": [{"value": "instanceId", "localizedValue": "instanceId"}]
        }]
    });
    Mock::given(method("GET"))
        .and(path(format!(
            "{}/providers/Microsoft.Insights/metricDefinitions",
            deployment_id()
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let options = MetricsListDefinitionsOptions {
        metric_namespace: Some(
            "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments".into(),
        ),
        ..Default::default()
    };
    let definitions = client
        .metrics()
        .list_definitions(&deployment_id(), Some(options))
        .await
        .unwrap();
    assert_eq!(definitions.len(), 1);
    let d = &definitions[0];
    assert_eq!(d.unit, Some(MetricUnit::Percent));
    assert_eq!(
        d.metric_availabilities[0].retention,
        Some(Duration::from_secs(93 * 86_400))
    );
    assert_eq!(
        serde_json::to_value(d).unwrap(),
        body["value"][0],
        "definitions round-trip"
    );
    let r = &monitor_requests(&server).await[0];
    assert_eq!(query_value(r, "api-version").as_deref(), Some("2024-02-01"));
    assert_eq!(
        query_value(r, "metricnamespace").as_deref(),
        Some("Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments")
    );
}

#[tokio::test]
async fn service_errors_surface_with_their_code() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": {"code": "BadRequest", "message": "Failed to find metric configuration"}
        })))
        .mount(&server)
        .await;
    let err = client
        .metrics()
        .list(
            &deployment_id(),
            &MetricsQuery::new().metric_names(["Nope"]),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.code(), Some("BadRequest"));
}

async fn strict_server() -> (MockServer, azure_ai_ml::MLClient) {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    (server, client)
}

#[tokio::test]
async fn bad_resource_ids_are_rejected_before_any_request() {
    let (server, client) = strict_server().await;
    let metrics = client.metrics();
    let ws = workspace_id();
    let bad = [
        String::new(),
        ws.trim_start_matches('/').to_owned(),
        format!("{ws}?api-version=1"),
        format!("{ws}#frag"),
        format!("{ws}/../../other"),
        format!("/subscriptions/..{ws}"),
        format!("{ws}/onlineEndpoints/a%2Fb"),
        format!("{ws}//onlineEndpoints"),
        format!("{ws}/"),
        format!("{ws}/online Endpoints"),
        "/resourceGroups/rg".to_owned(),
        "https://management.azure.com/subscriptions/x".to_owned(),
    ];
    for id in &bad {
        let err = metrics
            .list(id, &MetricsQuery::new(), None)
            .await
            .unwrap_err();
        assert_eq!(field_of(&err), "resource_id", "{id:?}: {err}");
        let err = metrics.list_definitions(id, None).await.unwrap_err();
        assert_eq!(field_of(&err), "resource_id", "{id:?}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_queries_and_names_are_rejected_before_any_request() {
    let (server, client) = strict_server().await;
    let metrics = client.metrics();
    let id = deployment_id();
    let cases = [
        (
            MetricsQuery::new().timespan(
                datetime!(2024-01-02 00:00 UTC),
                datetime!(2024-01-01 00:00 UTC),
            ),
            "timespan",
        ),
        (MetricsQuery::new().top(0), "top"),
        (
            MetricsQuery::new().metric_names(["ok", " "]),
            "metric_names",
        ),
        (MetricsQuery::new().interval(Duration::ZERO), "interval"),
    ];
    for (query, field) in cases {
        let err = metrics.list(&id, &query, None).await.unwrap_err();
        assert_eq!(field_of(&err), field);
    }
    assert_eq!(
        field_of(&metrics.request_latency("bad/name", None).unwrap_err()),
        "endpoint_name"
    );
    assert_eq!(
        field_of(
            &metrics
                .error_counts("churn-prediction-v1", Some("x' or 1 eq 1"))
                .unwrap_err()
        ),
        "deployment_name"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
