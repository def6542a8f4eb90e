//! Every bad input is refused with a typed error naming the field and the rule, before a single
//! request reaches the workspace (nothing half-created, nothing uploaded).

#![cfg(feature = "testing")]

mod support;

use std::future::Future;

use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt};
use azure_ai_ml::{
    CodeConfiguration, Environment, Error, MLClient, ManagedOnlineDeployment,
    ManagedOnlineEndpoint, Model, ProbeSettings, ScaleSettings, TargetUtilizationScaleSettings,
};
use support::TutorialFiles;

fn field_of(err: &Error) -> &str {
    match err {
        Error::Validation { field, .. } => field,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn deployment(files: &TutorialFiles) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
}

/// Runs `call` on a fresh fake workspace: it must fail validation at `expected_field` without
/// sending a single request.
async fn assert_rejected<T, Fut>(expected_field: &str, call: impl FnOnce(MLClient) -> Fut)
where
    Fut: Future<Output = azure_ai_ml::Result<T>>,
{
    let fake = FakeWorkspace::start().await;
    let err = call(fake.client().unwrap()).await.err().unwrap();
    assert!(field_of(&err).contains(expected_field), "{err}");
    assert_eq!(
        fake.count(),
        0,
        "no request may be sent for invalid input: {:?}",
        fake.requests()
    );
}

async fn assert_deployment_rejected(d: ManagedOnlineDeployment, expected_field: &str) {
    assert_rejected(expected_field, |ml_client| async move {
        ml_client
            .online_deployments()
            .begin_create_or_update(&d, None)
            .await
    })
    .await;
}

async fn assert_endpoint_rejected(e: ManagedOnlineEndpoint, expected_field: &str) {
    assert_rejected(expected_field, |ml_client| async move {
        ml_client
            .online_endpoints()
            .begin_create_or_update(&e, None)
            .await
    })
    .await;
}

#[tokio::test]
async fn endpoint_name_rules() {
    for bad in ["ab", "1churn", "churn_v1", "churn-", &"x".repeat(33), ""] {
        assert_endpoint_rejected(ManagedOnlineEndpoint::new(bad), "name").await;
    }
}

#[tokio::test]
async fn traffic_must_sum_to_100() {
    assert_endpoint_rejected(
        ManagedOnlineEndpoint::new("churn-prediction-v1").traffic([("blue", 90), ("green", 5)]),
        "traffic",
    )
    .await;
    assert_endpoint_rejected(
        ManagedOnlineEndpoint::new("churn-prediction-v1").traffic([("blue", 101)]),
        "traffic",
    )
    .await;
    // Names collide once lower-cased (Python lower-cases before the PUT).
    assert_endpoint_rejected(
        ManagedOnlineEndpoint::new("churn-prediction-v1").traffic([("Blue", 50), ("blue", 50)]),
        "traffic",
    )
    .await;
}

#[tokio::test]
async fn mirror_traffic_at_most_50() {
    let mut e = ManagedOnlineEndpoint::new("churn-prediction-v1").traffic([("blue", 100)]);
    e.mirror_traffic = [("green".to_owned(), 60)].into();
    assert_endpoint_rejected(e, "mirror_traffic").await;
}

#[tokio::test]
async fn zero_instance_count_is_rejected_where_python_sends_it() {
    // Python 1.35.2 sends `sku.capacity: 0` unchecked; the service then fails late. We refuse.
    let files = TutorialFiles::new();
    assert_deployment_rejected(deployment(&files).instance_count(0), "instance_count").await;
}

#[tokio::test]
async fn negative_or_zero_probe_values_are_rejected_where_python_sends_them() {
    // Python renders -5 as "-PT5S" and sends it; we refuse before any request.
    let files = TutorialFiles::new();
    assert_deployment_rejected(
        deployment(&files).liveness_probe(ProbeSettings::new().period(-5)),
        "liveness_probe.period",
    )
    .await;
    assert_deployment_rejected(
        deployment(&files).readiness_probe(ProbeSettings::new().initial_delay(0)),
        "readiness_probe.initial_delay",
    )
    .await;
    assert_deployment_rejected(
        deployment(&files).liveness_probe(ProbeSettings::new().failure_threshold(0)),
        "liveness_probe.failure_threshold",
    )
    .await;
    assert_deployment_rejected(
        deployment(&files).liveness_probe(ProbeSettings::new().success_threshold(2)),
        "liveness_probe.success_threshold",
    )
    .await;
}

#[tokio::test]
async fn managed_deployments_take_default_scale_settings_only() {
    let files = TutorialFiles::new();
    let d = deployment(&files).scale_settings(ScaleSettings::TargetUtilization(
        TargetUtilizationScaleSettings::default(),
    ));
    assert_deployment_rejected(d, "scale_settings").await;
}

#[tokio::test]
async fn code_folder_and_scoring_script_must_exist() {
    let files = TutorialFiles::new();
    let missing_folder =
        deployment(&files).code_configuration(CodeConfiguration::new(files.p("nope"), "score.py"));
    assert_deployment_rejected(missing_folder, "code_configuration").await;
    let missing_script = deployment(&files)
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "main.py"));
    assert_deployment_rejected(missing_script, "code_configuration").await;
}

#[tokio::test]
async fn deployment_needs_an_endpoint_name() {
    let files = TutorialFiles::new();
    let mut d = deployment(&files);
    d.endpoint_name = None;
    assert_deployment_rejected(d, "endpoint_name").await;
}

#[tokio::test]
async fn model_path_must_exist_and_nothing_is_uploaded() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let err = ml_client
        .models()
        .create_or_update(
            &Model::new("customer-churn-model").path(files.p("model/missing.pkl")),
            None,
        )
        .await
        .unwrap_err();
    assert!(field_of(&err).contains("path"), "{err}");
    assert_eq!(fake.count(), 0);
}

#[tokio::test]
async fn environment_needs_exactly_one_of_image_and_build() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let neither = Environment::new("churn-model-env");
    let err = ml_client
        .environments()
        .create_or_update(&neither, None)
        .await
        .unwrap_err();
    assert!(err.is_validation(), "{err}");
    let missing_conda = Environment::new("churn-model-env")
        .image("python:3.11")
        .conda_file(files.p("environment/none.yml"));
    let err = ml_client
        .environments()
        .create_or_update(&missing_conda, None)
        .await
        .unwrap_err();
    assert!(field_of(&err).contains("conda_file"), "{err}");
    assert_eq!(fake.count(), 0);
}

#[tokio::test]
async fn bad_references_are_caught_before_any_request() {
    let files = TutorialFiles::new();
    assert_deployment_rejected(
        deployment(&files).model("azureml:customer-churn-model"),
        "model",
    )
    .await;
}

#[tokio::test]
async fn regenerate_keys_rejects_an_empty_value() {
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    let err = ml_client
        .online_endpoints()
        .begin_regenerate_keys(
            "churn-prediction-v1",
            azure_ai_ml::KeyType::Primary,
            Some(azure_ai_ml::OnlineEndpointsBeginRegenerateKeysOptions {
                key_value: Some(String::new().into()),
                ..Default::default()
            }),
        )
        .await
        .err()
        .unwrap();
    assert_eq!(field_of(&err), "key_value");
    assert_eq!(fake.count(), 0);
}
