//! Data collection settings (the tutorial's "Monitoring Your Endpoint" → `DataCollector`) are
//! checked before any request: sampling rates in (0, 1], a known rolling rate, and collection
//! names usable in the data asset name `{endpoint}-{deployment}-{collection}`. Checked through
//! `begin_create_or_update` against a server that refuses every request: validation runs before
//! the first one, so a validation error is the rule firing and HTTP 500 is validation passing.

mod monitor_support;

use azure_ai_ml::{
    DataCollector, DeploymentCollection, Error, MLClient, ManagedOnlineDeployment, RollingRate,
};
use monitor_support::setup;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn deployment(collector: DataCollector) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
        .data_collector(collector)
}

/// A client whose every request is refused with HTTP 500.
async fn refusing() -> (MockServer, MLClient) {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    (server, client)
}

/// `Err` with the validation error, `Ok` when validation passed (the first request was sent
/// and refused).
async fn check(client: &MLClient, collector: DataCollector) -> Result<(), Error> {
    match client
        .online_deployments()
        .begin_create_or_update(&deployment(collector), None)
        .await
    {
        Err(Error::Service { status: 500, .. }) => Ok(()),
        Err(err @ Error::Validation { .. }) => Err(err),
        other => panic!("expected a validation error or the refused request, got {other:?}"),
    }
}

fn field_of(err: Error) -> String {
    match err {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[tokio::test]
async fn the_tutorial_collector_and_other_good_ones_pass() {
    let (_server, client) = refusing().await;
    check(
        &client,
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new().enabled(true))
            .collection("model_outputs", DeploymentCollection::new().enabled(true)),
    )
    .await
    .unwrap();
    check(
        &client,
        DataCollector::new()
            .collection("request", DeploymentCollection::new().sampling_rate(0.01))
            .collection("response", DeploymentCollection::new().sampling_rate(1.0))
            .collection("my-custom_logs-2", DeploymentCollection::new())
            .rolling_rate(RollingRate::Hour)
            .sampling_rate(0.5),
    )
    .await
    .unwrap();
    for rate in ["Year", "month", "DAY", "Hour", "minute"] {
        check(
            &client,
            DataCollector::new().rolling_rate(RollingRate::parse(rate)),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn sampling_rates_outside_zero_to_one_are_rejected() {
    let (_server, client) = refusing().await;
    for bad in [0.0, -0.1, 1.0001, 2.0, f64::NAN, f64::INFINITY] {
        let err = check(&client, DataCollector::new().sampling_rate(bad))
            .await
            .unwrap_err();
        assert_eq!(field_of(err), "data_collector.sampling_rate", "{bad}");
        let err = check(
            &client,
            DataCollector::new().collection(
                "model_inputs",
                DeploymentCollection::new().sampling_rate(bad),
            ),
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_of(err),
            "data_collector.collections.model_inputs.sampling_rate",
            "{bad}"
        );
    }
}

#[tokio::test]
async fn unknown_rolling_rates_are_rejected() {
    let (_server, client) = refusing().await;
    for bad in ["Week", "hourly", ""] {
        let err = check(
            &client,
            DataCollector::new().rolling_rate(RollingRate::parse(bad)),
        )
        .await
        .unwrap_err();
        let message = err.to_string();
        assert_eq!(field_of(err), "data_collector.rolling_rate", "{bad:?}");
        assert!(
            message.contains("Year, Month, Day, Hour, Minute"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn collection_names_must_fit_a_data_asset_name() {
    let (_server, client) = refusing().await;
    let err = check(
        &client,
        DataCollector::new().collection(" ", DeploymentCollection::new()),
    )
    .await
    .unwrap_err();
    assert_eq!(field_of(err), "data_collector.collections");
    for bad in [
        "model inputs",
        "../escape",
        "a/b",
        "inputs?x",
        "café",
        &"x".repeat(190),
    ] {
        let err = check(
            &client,
            DataCollector::new().collection(bad, DeploymentCollection::new()),
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_of(err),
            format!("data_collector.collections.{bad}"),
            "{bad:?}"
        );
    }
    check(
        &client,
        DataCollector::new().collection("x".repeat(189), DeploymentCollection::new()),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_bad_collector_sends_nothing() {
    let (server, client) = setup().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let bad = deployment(
        DataCollector::new()
            .collection("model inputs", DeploymentCollection::new())
            .rolling_rate(RollingRate::Hour),
    );
    let err = client
        .online_deployments()
        .begin_create_or_update(&bad, None)
        .await
        .err()
        .unwrap();
    assert_eq!(field_of(err), "data_collector.collections.model inputs");
    assert!(server.received_requests().await.unwrap().is_empty());
}
