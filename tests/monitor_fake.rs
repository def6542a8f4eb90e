//! `ml_client.autoscale()` and `ml_client.metrics()` against the stateful fake workspace: the
//! seed's setting through its whole life, the official example through the fake, and metrics
//! that count exactly what the SDK invoked.

#![cfg(feature = "testing")]

mod monitor_support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::monitor::{
    AggregationType, AutoscaleSetting, AutoscaleSettingPatch, MetricsInterval, MetricsQuery,
    MetricsResponse,
};
use azure_ai_ml::testing::emulator::core::monitor::ManualClock;
use azure_ai_ml::testing::{
    fake_access_token, CoreRequest, FakeWorkspace, FakeWorkspaceExt, ScoreResponse,
};
use azure_ai_ml::AutoscaleCreateOrUpdateOptions;
use azure_ai_ml::{InvokeRequest, MLClient, ManagedOnlineEndpoint};
use futures::TryStreamExt;
use monitor_support::autoscale_example;
use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;

const ENDPOINT: &str = "churn-prediction-v1";
/// The fake's clock: Monday 1 July 2024, 10:00:05 UTC.
const START: OffsetDateTime = datetime!(2024-07-01 10:00:05 UTC);
const SPAN_START: OffsetDateTime = datetime!(2024-07-01 10:00 UTC);
const SPAN_END: OffsetDateTime = datetime!(2024-07-01 10:10 UTC);

/// A fake with a manual clock, the endpoint (through the SDK) and a `blue` deployment (straight
/// into the workspace: the monitor does not care how it got there).
async fn workspace() -> (FakeWorkspace, MLClient, Arc<ManualClock>) {
    let fake = FakeWorkspace::start().await;
    let clock = Arc::new(ManualClock::new(START));
    fake.set_clock(clock.clone());
    let ml_client = fake.client().unwrap();
    ml_client
        .online_endpoints()
        .begin_create_or_update(&ManagedOnlineEndpoint::new(ENDPOINT), None)
        .await
        .unwrap()
        .await
        .unwrap();
    let url = format!(
        "https://management.azure.com{}/onlineEndpoints/{ENDPOINT}/deployments/blue?api-version=2025-12-01",
        fake.workspace_id()
    );
    let body = json!({
        "location": "eastus",
        "sku": {"name": "Default", "capacity": 1},
        "properties": {"endpointComputeType": "Managed", "instanceType": "Standard_DS3_v2"}
    });
    let request = CoreRequest::new("PUT", url.parse().unwrap())
        .with_header(
            "Authorization",
            format!(
                "Bearer {}",
                fake_access_token("https://management.azure.com/.default")
            ),
        )
        .with_header("Content-Type", "application/json")
        .with_body(body.to_string());
    let answer = fake.with_core(|core| core.handle(&request));
    assert!(
        matches!(answer.status, 200 | 201),
        "{:?}",
        answer.json_body()
    );
    (fake, ml_client, clock)
}

fn seed_setting(ml_client: &MLClient) -> AutoscaleSetting {
    let target = ml_client.autoscale().deployment_target(ENDPOINT, "blue");
    monitor_support::seed_setting(target.unwrap())
}

#[tokio::test]
async fn the_seed_setting_lives_through_the_sdk() {
    let (fake, ml_client, _clock) = workspace().await;
    let autoscale = ml_client.autoscale();
    let created = autoscale
        .create_or_update(&seed_setting(&ml_client), None)
        .await
        .unwrap();
    assert!(created
        .id
        .as_deref()
        .unwrap()
        .ends_with("/providers/microsoft.insights/autoscalesettings/churn-autoscale"));
    assert_eq!(
        created.location.as_deref(),
        Some("eastus"),
        "the workspace's region"
    );
    assert_eq!(created.profiles[0].capacity.maximum, 5);
    assert_eq!(
        created.profiles[0].rules[0].to_string(),
        "CpuUtilizationPercentage > 70 avg 5m scale out 1"
    );
    assert_eq!(
        autoscale.get("churn-autoscale", None).await.unwrap(),
        created
    );
    let listed: Vec<AutoscaleSetting> = autoscale.list(None).unwrap().try_collect().await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created));

    // The autoscaler acts on the setting: CPU above 70 % for five minutes adds an instance.
    for minute in 0..5 {
        fake.record_instance_sample(
            ENDPOINT,
            "blue",
            "blue-0",
            88.0,
            50.0,
            START + Duration::from_secs(60 * minute),
        );
    }
    let decisions = fake.evaluate_autoscale_at(START + Duration::from_secs(4 * 60));
    assert_eq!(decisions.len(), 1);
    let blue = ml_client
        .online_deployments()
        .get("blue", ENDPOINT, None)
        .await
        .unwrap();
    assert_eq!(blue.instance_count(), Some(2));
    assert_eq!(fake.autoscale_activity()[0].new_instances_count, 2);

    let patch = AutoscaleSettingPatch::new()
        .enabled(false)
        .profiles(created.profiles.clone());
    let updated = autoscale
        .update("churn-autoscale", &patch, None)
        .await
        .unwrap();
    assert!(!updated.enabled);
    assert_eq!(updated.target_resource_uri, created.target_resource_uri);
    let everywhere: Vec<AutoscaleSetting> = autoscale
        .list_by_subscription(None)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(everywhere.len(), 1);
    autoscale.delete("churn-autoscale", None).await.unwrap();
    autoscale.delete("churn-autoscale", None).await.unwrap();
    let err = autoscale.get("churn-autoscale", None).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn the_official_example_round_trips_through_the_fake() {
    let (fake, ml_client, _clock) = workspace().await;
    let example = autoscale_example();
    let request: AutoscaleSetting =
        serde_json::from_value(example["parameters"]["parameters"].clone()).unwrap();
    let options = AutoscaleCreateOrUpdateOptions {
        resource_group: Some("TestingMetricsScaleSet".into()),
        ..Default::default()
    };
    let mut named = request.clone();
    named.name = "MySetting".into();
    let stored = ml_client
        .autoscale()
        .create_or_update(&named, Some(options))
        .await
        .unwrap();
    let mut expected: AutoscaleSetting =
        serde_json::from_value(example["responses"]["201"]["body"].clone()).unwrap();
    expected.id = expected.id.map(|id| {
        id.replace(
            "b67f7fec-69fc-4974-9099-a26bd6ffeda3",
            &fake.subscription_id(),
        )
    });
    assert_eq!(stored, expected);
    // The SDK sent the example's body (naming the setting in its properties, as the CLI does).
    let put = fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "PUT")
        .unwrap();
    let mut sent = example["parameters"]["parameters"].clone();
    sent["properties"]["name"] = json!("MySetting");
    assert_eq!(put.json.unwrap(), sent);
}

/// Invokes `n` times through the SDK, pinned to blue.
async fn invoke(ml_client: &MLClient, n: u64) {
    for i in 0..n {
        let body = json!({"data": [[i]]}).to_string();
        ml_client
            .online_endpoints()
            .invoke(ENDPOINT, InvokeRequest::text(body).deployment("blue"), None)
            .await
            .unwrap();
    }
}

fn only_series_values(
    answer: &MetricsResponse,
    metric: &str,
    pick: impl Fn(&azure_ai_ml::monitor::MetricValue) -> Option<f64>,
) -> Vec<f64> {
    let metric = answer
        .metric(metric)
        .unwrap_or_else(|| panic!("{metric} in the answer"));
    assert_eq!(metric.timeseries.len(), 1);
    metric.timeseries[0]
        .data
        .iter()
        .map(|p| pick(p).unwrap_or(f64::NAN))
        .collect()
}

#[tokio::test]
async fn metrics_count_what_the_sdk_invoked() {
    let (fake, ml_client, clock) = workspace().await;
    let calls = Arc::new(AtomicU64::new(0));
    let seen = calls.clone();
    fake.on_score(move |_| {
        let k = seen.fetch_add(1, Ordering::SeqCst) + 1;
        ScoreResponse::json(&json!([0])).with_latency(Duration::from_millis(k))
    });
    invoke(&ml_client, 100).await;
    clock.advance(Duration::from_secs(60));
    invoke(&ml_client, 17).await;
    assert_eq!(calls.load(Ordering::SeqCst), 117);

    let metrics = ml_client.metrics();
    let count = metrics
        .request_count(ENDPOINT, None)
        .unwrap()
        .with_timespan(SPAN_START, SPAN_END)
        .with_interval(Duration::from_secs(60));
    let answer = metrics.list_request(&count, None).await.unwrap();
    let per_minute = only_series_values(&answer, "RequestsPerMinute", |p| p.average);
    assert_eq!(
        per_minute,
        [100.0, 17.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    let total = MetricsQuery::new()
        .metric_names(["RequestsPerMinute"])
        .aggregation([AggregationType::Total])
        .interval(MetricsInterval::Full)
        .timespan(SPAN_START, SPAN_END);
    let blue = metrics.deployment_resource_id(ENDPOINT, "blue").unwrap();
    let full = metrics.list(&blue, &total, None).await.unwrap();
    assert_eq!(
        only_series_values(&full, "RequestsPerMinute", |p| p.total),
        [117.0]
    );

    // The first minute's latencies were 1..=100 ms.
    let latency = metrics
        .request_latency(ENDPOINT, Some("blue"))
        .unwrap()
        .with_timespan(SPAN_START, SPAN_END)
        .with_interval(Duration::from_secs(60));
    let answer = metrics.list_request(&latency, None).await.unwrap();
    let first = |name: &str| only_series_values(&answer, name, |p| p.average)[0];
    assert_eq!(
        (
            first("RequestLatency_P50"),
            first("RequestLatency_P90"),
            first("RequestLatency_P99")
        ),
        (50.0, 90.0, 99.0)
    );
    assert!(answer
        .metric("RequestLatency_P99")
        .unwrap()
        .id
        .as_deref()
        .unwrap()
        .starts_with(&blue));

    // The fake saw the logical path: the deployment id unescaped under the resource.
    let logical = format!("{blue}/providers/Microsoft.Insights/metrics");
    assert_eq!(
        fake.count_where(|r| r.method == "GET" && r.path == logical),
        2
    );

    // The SDK's error_counts preset: nothing failed.
    let errors = metrics
        .error_counts(ENDPOINT, Some("blue"))
        .unwrap()
        .with_timespan(SPAN_START, SPAN_END);
    let answer = metrics.list_request(&errors, None).await.unwrap();
    assert!(answer
        .metric("RequestsPerMinute")
        .unwrap()
        .timeseries
        .is_empty());
    let definitions = metrics.list_definitions(&blue, None).await.unwrap();
    assert!(definitions.iter().any(|d| d
        .name
        .as_ref()
        .is_some_and(|n| n.value == "CpuUtilizationPercentage")));
    let unknown = MetricsQuery::new()
        .metric_names(["Nope"])
        .timespan(SPAN_START, SPAN_END);
    let err = metrics.list(&blue, &unknown, None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("Failed to find metric configuration"),
        "{err}"
    );
}
