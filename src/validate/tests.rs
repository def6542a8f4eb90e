//! Client-side validation: one test per rule, each naming the field Python would name.
//!
//! These are pure checks (no client, no network). Where we are stricter than Python, the test
//! says so: Python sends `instance_count: 0`, negative probe timings and zero request settings
//! unchecked and lets the service (or the container) fail later.

use crate::validate;
use crate::{
    BuildContext, CodeConfiguration, DataCollector, DeploymentCollection, Environment, Error,
    KubernetesOnlineDeployment, KubernetesOnlineEndpoint, ManagedOnlineDeployment,
    ManagedOnlineEndpoint, Model, OnlineDeployment, OnlineEndpoint, OnlineRequestSettings,
    ProbeSettings, Result, TargetUtilizationScaleSettings,
};

const MODEL_ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/models/m/versions/1";
const CODE_ID: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/codes/c/versions/1";

#[track_caller]
fn rejects(result: Result<()>, expected_field: &str) -> String {
    match result {
        Err(Error::Validation { field, rule }) => {
            assert_eq!(field, expected_field, "rule: {rule}");
            assert!(!rule.is_empty());
            rule
        }
        other => panic!("expected Validation on `{expected_field}`, got {other:?}"),
    }
}

fn endpoint(e: impl Into<OnlineEndpoint>) -> Result<()> {
    validate::endpoint(&e.into())
}

fn deployment(d: impl Into<OnlineDeployment>) -> Result<()> {
    validate::deployment(&d.into())
}

fn blue() -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model(MODEL_ID)
        .code_configuration(CodeConfiguration::new(CODE_ID, "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
}

fn churn() -> ManagedOnlineEndpoint {
    ManagedOnlineEndpoint::new("churn-prediction-v1")
}

// ---- names -------------------------------------------------------------------------------

#[test]
fn endpoint_names_follow_the_service_pattern() {
    for ok in ["abc", "churn-prediction-v1", "A1-b2", &"a".repeat(32)] {
        endpoint(ManagedOnlineEndpoint::new(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    for bad in [
        "ab",
        "",
        "1abc",
        "churn_v1",
        "abc-",
        "-abc",
        "ab c",
        "ünï",
        &"a".repeat(33),
    ] {
        rejects(endpoint(ManagedOnlineEndpoint::new(bad)), "name");
    }
}

#[test]
fn deployment_names_follow_the_same_pattern() {
    deployment(blue()).unwrap();
    let mut d = blue();
    d.name = "blue_1".into();
    rejects(deployment(d), "name");
    let mut d = blue();
    d.name = "bl".into();
    rejects(deployment(d), "name");
}

#[test]
fn deployment_needs_a_valid_endpoint_name() {
    let mut d = blue();
    d.endpoint_name = None;
    rejects(deployment(d), "endpoint_name");
    rejects(
        deployment(blue().endpoint_name("Bad_Name")),
        "endpoint_name",
    );
}

// ---- instance count, probes, request settings (stricter than Python) -----------------------

#[test]
fn instance_count_zero_is_rejected_although_python_sends_it() {
    rejects(deployment(blue().instance_count(0)), "instance_count");
    deployment(blue().instance_count(3)).unwrap();
}

#[test]
fn probe_values_must_be_at_least_one_although_python_sends_negatives() {
    type Set = fn(ProbeSettings, i64) -> ProbeSettings;
    let setters: [(&str, Set); 5] = [
        ("initial_delay", |p, v| p.initial_delay(v)),
        ("period", |p, v| p.period(v)),
        ("timeout", |p, v| p.timeout(v)),
        ("failure_threshold", |p, v| p.failure_threshold(v)),
        ("success_threshold", |p, v| p.success_threshold(v)),
    ];
    for (name, set) in setters {
        for bad in [0, -5] {
            let probe = set(ProbeSettings::new(), bad);
            rejects(
                deployment(blue().readiness_probe(probe.clone())),
                &format!("readiness_probe.{name}"),
            );
            rejects(
                deployment(blue().liveness_probe(probe.clone())),
                &format!("liveness_probe.{name}"),
            );
            rejects(
                deployment(blue().startup_probe(probe)),
                &format!("startup_probe.{name}"),
            );
        }
    }
    let good = ProbeSettings::new()
        .initial_delay(30)
        .period(10)
        .timeout(2)
        .failure_threshold(3)
        .success_threshold(1);
    deployment(
        blue()
            .liveness_probe(good.clone())
            .readiness_probe(good.clone())
            .startup_probe(good),
    )
    .unwrap();
}

#[test]
fn liveness_success_threshold_must_be_one() {
    let probe = ProbeSettings::new().success_threshold(2);
    rejects(
        deployment(blue().liveness_probe(probe.clone())),
        "liveness_probe.success_threshold",
    );
    deployment(blue().readiness_probe(probe)).unwrap();
}

#[test]
fn request_settings_must_be_at_least_one() {
    let cases = [
        (
            "request_timeout_ms",
            OnlineRequestSettings::new().request_timeout_ms(0),
        ),
        (
            "max_concurrent_requests_per_instance",
            OnlineRequestSettings::new().max_concurrent_requests_per_instance(-1),
        ),
        (
            "max_queue_wait_ms",
            OnlineRequestSettings::new().max_queue_wait_ms(-500),
        ),
    ];
    for (name, settings) in cases {
        rejects(
            deployment(blue().request_settings(settings)),
            &format!("request_settings.{name}"),
        );
    }
    deployment(blue().request_settings(OnlineRequestSettings::new().request_timeout_ms(5000)))
        .unwrap();
}

// ---- scale settings ------------------------------------------------------------------------

fn target_utilization() -> TargetUtilizationScaleSettings {
    TargetUtilizationScaleSettings::new()
        .min_instances(1)
        .max_instances(5)
        .polling_interval(10)
        .target_utilization_percentage(70)
}

fn kubernetes_blue() -> KubernetesOnlineDeployment {
    KubernetesOnlineDeployment::new("blue")
        .endpoint_name("churn-k8s")
        .model(MODEL_ID)
        .instance_count(1)
}

#[test]
fn managed_deployments_accept_default_scale_settings_only() {
    let rule = rejects(
        deployment(blue().scale_settings(target_utilization())),
        "scale_settings",
    );
    assert!(
        rule.contains("ManagedOnlineEndpoint supports DefaultScaleSettings only"),
        "{rule}"
    );
    deployment(blue().scale_settings(crate::DefaultScaleSettings::new())).unwrap();
    deployment(kubernetes_blue().scale_settings(target_utilization())).unwrap();
}

#[test]
fn target_utilization_bounds() {
    rejects(
        deployment(kubernetes_blue().scale_settings(target_utilization().min_instances(6))),
        "scale_settings.max_instances",
    );
    rejects(
        deployment(
            kubernetes_blue().scale_settings(target_utilization().target_utilization_percentage(0)),
        ),
        "scale_settings.target_utilization_percentage",
    );
    rejects(
        deployment(kubernetes_blue().scale_settings(target_utilization().polling_interval(-1))),
        "scale_settings.polling_interval",
    );
}

// ---- traffic -------------------------------------------------------------------------------

#[test]
fn traffic_values_must_sum_to_zero_or_hundred() {
    endpoint(churn()).unwrap();
    endpoint(churn().traffic([("blue", 100)])).unwrap();
    endpoint(churn().traffic([("blue", 90), ("green", 10)])).unwrap();
    endpoint(churn().traffic([("blue", 0), ("green", 0)])).unwrap();
    let rule = rejects(
        endpoint(churn().traffic([("blue", 90), ("green", 20)])),
        "traffic",
    );
    assert!(rule.contains("110"), "{rule}");
    rejects(endpoint(churn().traffic([("blue", 50)])), "traffic");
}

#[test]
fn traffic_values_must_be_at_most_hundred() {
    rejects(endpoint(churn().traffic([("blue", 150)])), "traffic.blue");
}

#[test]
fn zero_entries_are_ignored_like_the_operation_strips_them() {
    endpoint(churn().traffic([("blue", 0), ("green", 100)])).unwrap();
}

#[test]
fn names_differing_only_in_case_are_rejected() {
    rejects(
        endpoint(churn().traffic([("Blue", 50), ("blue", 50)])),
        "traffic.blue",
    );
}

#[test]
fn mirror_traffic_rules() {
    endpoint(
        churn()
            .traffic([("blue", 100)])
            .mirror_traffic([("green", 50)]),
    )
    .unwrap();
    rejects(
        endpoint(
            churn()
                .traffic([("blue", 100)])
                .mirror_traffic([("green", 60)]),
        ),
        "mirror_traffic",
    );
    rejects(
        endpoint(
            churn()
                .traffic([("blue", 100)])
                .mirror_traffic([("green", 30), ("red", 30)]),
        ),
        "mirror_traffic",
    );
    rejects(
        endpoint(churn().mirror_traffic([("green", 101)])),
        "mirror_traffic.green",
    );
}

#[test]
fn a_deployment_cannot_be_in_traffic_and_mirror_traffic() {
    rejects(
        endpoint(
            churn()
                .traffic([("blue", 100)])
                .mirror_traffic([("Blue", 10)]),
        ),
        "mirror_traffic.blue",
    );
    // A zero live share is dropped before sending, so mirroring to it is fine.
    endpoint(
        churn()
            .traffic([("blue", 0), ("green", 100)])
            .mirror_traffic([("blue", 10)]),
    )
    .unwrap();
}

#[test]
fn kubernetes_endpoint_rules_apply_too() {
    endpoint(KubernetesOnlineEndpoint::new("churn-k8s").compute("k8s-compute")).unwrap();
    rejects(
        endpoint(KubernetesOnlineEndpoint::new("churn-k8s").compute(" ")),
        "compute",
    );
    rejects(endpoint(KubernetesOnlineEndpoint::new("k8")), "name");
}

// ---- environment ---------------------------------------------------------------------------

const IMAGE: &str = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest";

#[test]
fn environment_needs_exactly_one_of_image_and_build() {
    validate::environment(&Environment::new("env").image(IMAGE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A build context is uploaded, so it must hold at least one file (an empty one is refused).
    std::fs::write(dir.path().join("Dockerfile"), "FROM python:3.11\n").unwrap();
    let context = dir.path().to_string_lossy().to_string();
    validate::environment(&Environment::new("env").build(BuildContext::new(context.clone())))
        .unwrap();
    rejects(validate::environment(&Environment::new("env")), "image");
    rejects(
        validate::environment(
            &Environment::new("env")
                .image(IMAGE)
                .build(BuildContext::new(context)),
        ),
        "build",
    );
}

#[test]
fn conda_file_only_with_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let conda = dir.path().join("conda.yml");
    std::fs::write(&conda, "name: x\ndependencies:\n  - python=3.9\n").unwrap();
    validate::environment(
        &Environment::new("env")
            .image(IMAGE)
            .conda_file(conda.clone()),
    )
    .unwrap();
    let env = Environment::new("env")
        .build(BuildContext::new(dir.path().to_string_lossy().to_string()))
        .conda_file(conda);
    rejects(validate::environment(&env), "conda_file");
}

#[test]
fn conda_file_must_exist_and_be_yaml() {
    let dir = tempfile::tempdir().unwrap();
    rejects(
        validate::environment(
            &Environment::new("env")
                .image(IMAGE)
                .conda_file(dir.path().join("missing.yml")),
        ),
        "conda_file",
    );
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "name: [unclosed\n  - : :").unwrap();
    rejects(
        validate::environment(&Environment::new("env").image(IMAGE).conda_file(bad)),
        "conda_file",
    );
}

#[test]
fn environment_name_and_version_rules() {
    rejects(
        validate::environment(&Environment::new("").image(IMAGE)),
        "name",
    );
    rejects(
        validate::environment(&Environment::new("a/b").image(IMAGE)),
        "name",
    );
    rejects(
        validate::environment(&Environment::new("env").version("").image(IMAGE)),
        "version",
    );
    rejects(
        validate::environment(
            &Environment::new("env").build(BuildContext::new("./does/not/exist")),
        ),
        "build.path",
    );
}

// ---- model ---------------------------------------------------------------------------------

#[test]
fn model_needs_a_name_and_a_path() {
    rejects(
        validate::model(&Model::new("").path("azureml://datastores/x/paths/m.pkl")),
        "name",
    );
    rejects(validate::model(&Model::new("m")), "path");
    rejects(
        validate::model(&Model::new("m:1").path("azureml://datastores/x/paths/m.pkl")),
        "name",
    );
}

#[test]
fn model_local_path_must_exist_but_uris_are_not_checked() {
    rejects(
        validate::model(&Model::new("m").path("./no/such/model.pkl")),
        "path",
    );
    validate::model(&Model::new("m").path("azureml://datastores/workspaceblobstore/paths/m.pkl"))
        .unwrap();
    validate::model(&Model::new("m").path("https://account.blob.core.windows.net/c/m.pkl"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("model.pkl");
    std::fs::write(&file, b"pickle").unwrap();
    validate::model(&Model::new("m").path(file.to_string_lossy().to_string())).unwrap();
}

// ---- deployment code / assets --------------------------------------------------------------

#[test]
fn local_code_folder_and_scoring_script_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_string_lossy().to_string();
    rejects(
        deployment(blue().code_configuration(CodeConfiguration::new(
            format!("{folder}/missing"),
            "score.py",
        ))),
        "code_configuration.code",
    );
    rejects(
        deployment(blue().code_configuration(CodeConfiguration::new(folder.clone(), "score.py"))),
        "code_configuration.scoring_script",
    );
    std::fs::write(dir.path().join("score.py"), "def init(): pass\n").unwrap();
    deployment(blue().code_configuration(CodeConfiguration::new(folder.clone(), "score.py")))
        .unwrap();
    rejects(
        deployment(blue().code_configuration(CodeConfiguration::new(folder, " "))),
        "code_configuration.scoring_script",
    );
}

#[test]
fn model_and_environment_references_must_parse() {
    rejects(
        deployment(blue().model("azureml:customer-churn-model")),
        "model",
    );
    rejects(deployment(blue().environment("azureml:")), "environment");
    deployment(
        blue()
            .model("azureml:customer-churn-model:1")
            .environment("azureml:env@latest"),
    )
    .unwrap();
}

#[test]
fn inline_assets_are_validated() {
    rejects(deployment(blue().model(Model::new(""))), "model.path");
    rejects(
        deployment(blue().model(Model::new("").path("./no/such.pkl"))),
        "model.path",
    );
    rejects(
        deployment(blue().environment(Environment::new(""))),
        "environment.image",
    );
    deployment(blue().environment(Environment::new("").image(IMAGE))).unwrap();
}

#[test]
fn data_collector_sampling_rates() {
    let collector = DataCollector::new().collection("model_inputs", DeploymentCollection::new());
    deployment(blue().data_collector(collector.clone().sampling_rate(0.5))).unwrap();
    rejects(
        deployment(blue().data_collector(collector.clone().sampling_rate(1.5))),
        "data_collector.sampling_rate",
    );
    rejects(
        deployment(blue().data_collector(DataCollector::new().collection(
            "model_inputs",
            DeploymentCollection::new().sampling_rate(0.0),
        ))),
        "data_collector.collections.model_inputs.sampling_rate",
    );
}

#[test]
fn the_entities_validate_methods_apply_the_same_rules() {
    let bad_endpoint: OnlineEndpoint = ManagedOnlineEndpoint::new("x").into();
    rejects(bad_endpoint.validate(), "name");
    let good_endpoint: OnlineEndpoint = churn().into();
    assert!(good_endpoint.validate().is_ok());

    let bad_deployment: OnlineDeployment = blue().instance_count(0).into();
    rejects(bad_deployment.validate(), "instance_count");
    let good_deployment: OnlineDeployment = blue().into();
    assert!(good_deployment.validate().is_ok());

    rejects(Model::new("churn").validate(), "path");
    rejects(Environment::new("churn-env").validate(), "image");
}
