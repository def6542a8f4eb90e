//! Data collection settings (the tutorial's "Monitoring Your Endpoint" → `DataCollector`) are
//! checked before any request: sampling rates in (0, 1], a known rolling rate, and collection
//! names usable in the data asset name `{endpoint}-{deployment}-{collection}`.

mod monitor_support;

use azure_ai_ml::{
    validate, DataCollector, DeploymentCollection, Error, ManagedOnlineDeployment,
    OnlineDeployment, RollingRate,
};
use monitor_support::setup;
use wiremock::matchers::any;
use wiremock::{Mock, ResponseTemplate};

fn deployment(collector: DataCollector) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
        .data_collector(collector)
}

fn check(collector: DataCollector) -> Result<(), Error> {
    validate::deployment(&OnlineDeployment::from(deployment(collector)))
}

fn field_of(err: Error) -> String {
    match err {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn the_tutorial_collector_and_other_good_ones_pass() {
    check(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new().enabled(true))
            .collection("model_outputs", DeploymentCollection::new().enabled(true)),
    )
    .unwrap();
    check(
        DataCollector::new()
            .collection("request", DeploymentCollection::new().sampling_rate(0.01))
            .collection("response", DeploymentCollection::new().sampling_rate(1.0))
            .collection("my-custom_logs-2", DeploymentCollection::new())
            .rolling_rate(RollingRate::Hour)
            .sampling_rate(0.5),
    )
    .unwrap();
    for rate in ["Year", "month", "DAY", "Hour", "minute"] {
        check(DataCollector::new().rolling_rate(RollingRate::parse(rate))).unwrap();
    }
}

#[test]
fn sampling_rates_outside_zero_to_one_are_rejected() {
    for bad in [0.0, -0.1, 1.0001, 2.0, f64::NAN, f64::INFINITY] {
        let err = check(DataCollector::new().sampling_rate(bad)).unwrap_err();
        assert_eq!(field_of(err), "data_collector.sampling_rate", "{bad}");
        let err = check(DataCollector::new().collection(
            "model_inputs",
            DeploymentCollection::new().sampling_rate(bad),
        ))
        .unwrap_err();
        assert_eq!(
            field_of(err),
            "data_collector.collections.model_inputs.sampling_rate",
            "{bad}"
        );
    }
}

#[test]
fn unknown_rolling_rates_are_rejected() {
    for bad in ["Week", "hourly", ""] {
        let err = check(DataCollector::new().rolling_rate(RollingRate::parse(bad))).unwrap_err();
        let message = err.to_string();
        assert_eq!(field_of(err), "data_collector.rolling_rate", "{bad:?}");
        assert!(
            message.contains("Year, Month, Day, Hour, Minute"),
            "{message}"
        );
    }
}

#[test]
fn collection_names_must_fit_a_data_asset_name() {
    let err = check(DataCollector::new().collection(" ", DeploymentCollection::new())).unwrap_err();
    assert_eq!(field_of(err), "data_collector.collections");
    for bad in [
        "model inputs",
        "../escape",
        "a/b",
        "inputs?x",
        "café",
        &"x".repeat(190),
    ] {
        let err =
            check(DataCollector::new().collection(bad, DeploymentCollection::new())).unwrap_err();
        assert_eq!(
            field_of(err),
            format!("data_collector.collections.{bad}"),
            "{bad:?}"
        );
    }
    check(DataCollector::new().collection("x".repeat(189), DeploymentCollection::new())).unwrap();
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
