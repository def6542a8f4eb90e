//! Our request bodies equal what Python azure-ai-ml 1.35.2 sends.
//!
//! One test per file in `shared/oracle/bodies/` (the construction mirrors the Python one noted in
//! `rest_bodies_index.json`). Bodies are compared as `serde_json::Value`, then their field order
//! (outside user maps) is compared too, except for the cases in `ORDER_DIFFERS`; `condaFile` is
//! compared as parsed YAML *and* byte for byte.

use std::collections::BTreeSet;

use super::to_json;
use crate::test_support::{shared_path, shared_text};
use crate::{
    rest, validate, AssetType, AuthMode, CodeConfiguration, DataCollector, DefaultScaleSettings,
    DeploymentCollection, Environment, KubernetesOnlineDeployment, KubernetesOnlineEndpoint,
    ManagedOnlineDeployment, ManagedOnlineEndpoint, Model, OnlineDeployment, OnlineDeploymentOf,
    OnlineEndpoint, OnlineRequestSettings, ProbeSettings, PublicNetworkAccess,
    ResourceRequirementsSettings, ResourceSettings, RollingRate, TargetUtilizationScaleSettings,
};
use serde_json::Value;

const LOCATION: &str = "eastus";
const WS: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";

fn oracle(name: &str) -> Value {
    crate::test_support::shared_json(&format!("oracle/bodies/{name}.json"))
}

/// Replaces every `condaFile` string by its parsed YAML (as JSON) so text layout can't matter.
fn normalize_conda(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if key == "condaFile" {
                    if let Value::String(text) = v {
                        let yaml: yaml_serde::Value =
                            yaml_serde::from_str(text).expect("condaFile is YAML");
                        *v = serde_json::to_value(yaml).expect("YAML maps to JSON");
                    }
                } else {
                    normalize_conda(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_conda),
        _ => {}
    }
}

fn assert_body(name: &str, actual: Value) {
    let expected = oracle(name);
    let (mut a, mut e) = (actual.clone(), expected.clone());
    normalize_conda(&mut a);
    normalize_conda(&mut e);
    assert_eq!(
        a,
        e,
        "\n{name}: ours\n{}\npython\n{}",
        serde_json::to_string_pretty(&actual).unwrap_or_default(),
        serde_json::to_string_pretty(&expected).unwrap_or_default()
    );
    if !ORDER_DIFFERS.iter().any(|(case, _)| *case == name) {
        assert_eq!(
            field_order(&actual),
            field_order(&expected),
            "{name}: field order"
        );
    }
}

/// Cases whose field order is not Python's, and why. (Every other body has Python's order, so
/// the bytes we send are the bytes Python sends, up to the order of user maps.)
const ORDER_DIFFERS: &[(&str, &str)] = &[
    (
        "kubernetes_online_deployment",
        "Python writes a Kubernetes deployment's readinessProbe before its instanceType and a \
         managed one's after; one struct serves both kinds, in the managed order",
    ),
    (
        "online_endpoint_traffic_update_body",
        "Python's older traffic-only body puts traffic before properties; one struct serves it \
         and the PUT body, in the PUT's order",
    ),
];

/// Every object key with its path, in document order, except inside user maps (tags,
/// properties, traffic, ...): those are `BTreeMap`s here and Python dicts there, so their keys
/// are sorted before comparing.
fn field_order(value: &Value) -> Vec<String> {
    const USER_MAPS: &[&str] = &[
        "tags",
        "properties",
        "traffic",
        "mirrorTraffic",
        "environmentVariables",
        "collections",
        "flavors",
        "data",
    ];
    fn walk(value: &Value, path: &str, out: &mut Vec<String>) {
        let Value::Object(map) = value else { return };
        let parent = path.rsplit('.').next().unwrap_or_default();
        // `properties` is a user map inside a resource's properties, a field list at the top.
        let user_map = USER_MAPS.contains(&parent) && path != ".properties";
        let mut keys: Vec<&String> = map.keys().collect();
        if user_map {
            keys.sort();
        }
        for key in keys {
            let child = format!("{path}.{key}");
            out.push(child.clone());
            walk(&map[key], &child, out);
        }
    }
    let mut out = Vec::new();
    walk(value, "", &mut out);
    out
}

fn model_id() -> String {
    format!("{WS}/models/customer-churn-model/versions/1")
}

fn environment_id() -> String {
    format!("{WS}/environments/churn-model-env/versions/1")
}

fn code_id() -> String {
    format!("{WS}/codes/0b9a2f3e-1111-2222-3333-444455556666/versions/1")
}

fn probe() -> ProbeSettings {
    ProbeSettings::new()
        .initial_delay(30)
        .period(10)
        .failure_threshold(3)
}

fn churn_endpoint() -> ManagedOnlineEndpoint {
    ManagedOnlineEndpoint::new("churn-prediction-v1")
        .description("Real-time customer churn prediction endpoint")
        .auth_mode(AuthMode::Key)
        .tag("team", "data-science")
        .tag("project", "churn")
}

/// Deployment `blue` of `endpoint` on one `instance_type`: the tutorial's model, environment,
/// code and probes, on either kind of compute.
fn blue_of<C: Default>(endpoint: &str, instance_type: &str) -> OnlineDeploymentOf<C> {
    OnlineDeploymentOf::new("blue")
        .endpoint_name(endpoint)
        .model(model_id())
        .environment(environment_id())
        .code_configuration(CodeConfiguration::new(code_id(), "score.py"))
        .instance_type(instance_type)
        .instance_count(1)
        .liveness_probe(probe())
        .readiness_probe(probe())
}

fn blue() -> ManagedOnlineDeployment {
    blue_of("churn-prediction-v1", "Standard_DS3_v2")
}

fn endpoint_body(endpoint: impl Into<OnlineEndpoint>) -> Value {
    let endpoint = endpoint.into();
    validate::endpoint(&endpoint).expect("valid endpoint");
    to_json(&rest::online_endpoint_body(&endpoint, LOCATION))
}

fn deployment_body(deployment: impl Into<OnlineDeployment>) -> Value {
    let deployment = deployment.into();
    validate::deployment(&deployment).expect("valid deployment");
    to_json(&rest::online_deployment_body(&deployment, LOCATION).expect("deployment body"))
}

/// Every oracle file has a test below (update this list together with the tests).
const COVERED: &[&str] = &[
    "environment_version",
    "kubernetes_online_deployment",
    "kubernetes_online_deployment_target_utilization",
    "kubernetes_online_endpoint",
    "model_version",
    "model_version_local_path",
    "model_version_mlflow_with_tags",
    "online_deployment_blue",
    "online_deployment_blue_data_collector",
    "online_deployment_blue_data_collector_full",
    "online_deployment_minimal",
    "online_deployment_probe_defaults",
    "online_deployment_request_settings_env_vars",
    "online_endpoint",
    "online_endpoint_aad_token",
    "online_endpoint_aml_token_public_network_disabled",
    "online_endpoint_traffic_update_body",
    "online_endpoint_with_traffic",
    "online_endpoint_with_traffic_90_10",
    "online_endpoint_with_zero_traffic_raw",
];

#[test]
fn every_oracle_body_file_has_a_test() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(shared_path("oracle/bodies"))
        .expect("bodies dir")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "rest_bodies_index.json")
        .map(|n| n.trim_end_matches(".json").to_owned())
        .collect();
    let covered: BTreeSet<String> = COVERED.iter().map(|s| s.to_string()).collect();
    assert_eq!(on_disk, covered);
    // The index also lists the one case that has no file (rejected client-side).
    let index = oracle("rest_bodies_index");
    let cases: BTreeSet<&str> = index
        .as_object()
        .expect("index object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(cases.contains("online_deployment_managed_target_utilization"));
    assert_eq!(cases.len(), COVERED.len() + 1);
}

#[test]
fn model_version() {
    let model = Model::new("customer-churn-model")
        .path("azureml://subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/ml-project-rg/workspaces/ml-workspace-production/datastores/workspaceblobstore/paths/LocalUpload/<content-hash>/model.pkl")
        .description("Gradient boosting classifier for customer churn prediction");
    assert_body(
        "model_version",
        to_json(&rest::model_version_body(&model).unwrap()),
    );
}

#[test]
fn model_version_local_path() {
    let model = Model::new("customer-churn-model")
        .path("/path/to/model/model.pkl")
        .description("Gradient boosting classifier for customer churn prediction");
    assert_body(
        "model_version_local_path",
        to_json(&rest::model_version_body(&model).unwrap()),
    );
}

#[test]
fn model_version_mlflow_with_tags() {
    let model = Model::new("churn-mlflow")
        .model_type(AssetType::MlflowModel)
        .path("azureml://datastores/workspaceblobstore/paths/models/churn/")
        .tag("framework", "sklearn")
        .property("auc", "0.91")
        .stage("Production");
    assert_body(
        "model_version_mlflow_with_tags",
        to_json(&rest::model_version_body(&model).unwrap()),
    );
}

#[test]
fn environment_version() {
    let conda = shared_path("oracle/yaml/environment/conda.yml");
    let env = Environment::new("churn-model-env")
        .version("1")
        .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest")
        .conda_file(conda)
        .description("Environment for the customer churn prediction model");
    validate::environment(&env).expect("valid environment");
    let body = to_json(&rest::environment_version_body(&env).unwrap());
    // Bonus: the very same bytes as PyYAML's re-dump.
    assert_eq!(
        body["properties"]["condaFile"],
        oracle("environment_version")["properties"]["condaFile"]
    );
    assert_body("environment_version", body);
}

#[test]
fn online_endpoint() {
    assert_body("online_endpoint", endpoint_body(churn_endpoint()));
}

#[test]
fn online_endpoint_with_traffic() {
    assert_body(
        "online_endpoint_with_traffic",
        endpoint_body(churn_endpoint().traffic([("blue", 100)])),
    );
}

#[test]
fn online_endpoint_with_traffic_90_10() {
    let e = churn_endpoint().traffic([("blue", 90), ("green", 10)]);
    assert_body("online_endpoint_with_traffic_90_10", endpoint_body(e));
}

#[test]
fn online_endpoint_with_zero_traffic_raw() {
    // The entity keeps zeroes (the raw body) ...
    let mut endpoint =
        OnlineEndpoint::from(churn_endpoint().traffic([("blue", 0), ("green", 100)]));
    assert_body(
        "online_endpoint_with_zero_traffic_raw",
        endpoint_body(endpoint.clone()),
    );
    // ... and the operation strips them first: what Python actually PUTs (flow.jsonl seq 62).
    rest::strip_traffic(&mut endpoint);
    let body = to_json(&rest::online_endpoint_body(&endpoint, LOCATION));
    assert_eq!(
        body["properties"]["traffic"],
        serde_json::json!({ "green": 100 })
    );
}

#[test]
fn online_endpoint_aml_token_public_network_disabled() {
    let e = ManagedOnlineEndpoint::new("churn-prediction-v1")
        .auth_mode(AuthMode::AmlToken)
        .public_network_access(PublicNetworkAccess::Disabled);
    assert_body(
        "online_endpoint_aml_token_public_network_disabled",
        endpoint_body(e),
    );
}

#[test]
fn online_endpoint_aad_token() {
    let e = ManagedOnlineEndpoint::new("churn-prediction-v1").auth_mode("aad_token");
    assert_body("online_endpoint_aad_token", endpoint_body(e));
}

#[test]
fn online_endpoint_traffic_update_body() {
    let e = OnlineEndpoint::from(churn_endpoint().traffic([("blue", 100)]));
    assert_body(
        "online_endpoint_traffic_update_body",
        to_json(&rest::online_endpoint_traffic_update_body(&e, LOCATION)),
    );
}

#[test]
fn kubernetes_online_endpoint() {
    let e = KubernetesOnlineEndpoint::new("churn-prediction-k8s")
        .description("k8s endpoint")
        .compute("k8s-compute")
        .traffic([("blue", 100)])
        .tag("team", "data-science");
    assert_body("kubernetes_online_endpoint", endpoint_body(e));
}

#[test]
fn online_deployment_blue() {
    assert_body("online_deployment_blue", deployment_body(blue()));
}

#[test]
fn online_deployment_blue_data_collector() {
    let d = blue().data_collector(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new())
            .collection("model_outputs", DeploymentCollection::new()),
    );
    assert_body("online_deployment_blue_data_collector", deployment_body(d));
}

#[test]
fn online_deployment_blue_data_collector_full() {
    let d = blue().data_collector(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new().enabled(true))
            .collection("model_outputs", DeploymentCollection::new().enabled(false))
            .rolling_rate(RollingRate::Hour)
            .sampling_rate(0.5),
    );
    assert_body(
        "online_deployment_blue_data_collector_full",
        deployment_body(d),
    );
}

#[test]
fn online_deployment_request_settings_env_vars() {
    let d = blue()
        .description("blue deployment")
        .tag("color", "blue")
        .environment_variable("WORKERS", "2")
        .app_insights_enabled(true)
        .scale_settings(DefaultScaleSettings::new())
        .request_settings(
            OnlineRequestSettings::new()
                .request_timeout_ms(5000)
                .max_concurrent_requests_per_instance(2)
                .max_queue_wait_ms(500),
        )
        .egress_public_network_access(PublicNetworkAccess::Disabled);
    assert_body(
        "online_deployment_request_settings_env_vars",
        deployment_body(d),
    );
}

#[test]
fn online_deployment_managed_target_utilization_is_rejected() {
    // Python: "ManagedOnlineEndpoint supports DefaultScaleSettings only." (no file: never sent).
    let d = OnlineDeployment::from(
        blue().scale_settings(
            TargetUtilizationScaleSettings::new()
                .min_instances(1)
                .max_instances(5)
                .polling_interval(10)
                .target_utilization_percentage(70),
        ),
    );
    match validate::deployment(&d) {
        Err(crate::Error::Validation { field, rule }) => {
            assert_eq!(field, "scale_settings");
            assert!(rule.contains("DefaultScaleSettings only"), "{rule}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

fn kubernetes_blue() -> KubernetesOnlineDeployment {
    blue_of("churn-prediction-k8s", "defaultinstancetype")
}

#[test]
fn kubernetes_online_deployment() {
    let d = kubernetes_blue().resources(
        ResourceRequirementsSettings::new()
            .requests(ResourceSettings::new().cpu("500m").memory("1Gi"))
            .limits(ResourceSettings::new().cpu("1").memory("2Gi").gpu("1")),
    );
    assert_body("kubernetes_online_deployment", deployment_body(d));
}

#[test]
fn kubernetes_online_deployment_target_utilization() {
    // Python's case sets no instance_type here.
    let mut d = kubernetes_blue();
    d.instance_type = None;
    let d = d
        .scale_settings(
            TargetUtilizationScaleSettings::new()
                .min_instances(1)
                .max_instances(5)
                .polling_interval(10)
                .target_utilization_percentage(70),
        )
        .request_settings(
            OnlineRequestSettings::new()
                .request_timeout_ms(5000)
                .max_concurrent_requests_per_instance(2)
                .max_queue_wait_ms(500),
        );
    assert_body(
        "kubernetes_online_deployment_target_utilization",
        deployment_body(d),
    );
}

#[test]
fn online_deployment_probe_defaults() {
    let d = blue()
        .liveness_probe(ProbeSettings::new())
        .readiness_probe(ProbeSettings::new().initial_delay(1));
    assert_body("online_deployment_probe_defaults", deployment_body(d));
}

#[test]
fn online_deployment_minimal() {
    let d = ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model(model_id())
        .instance_type("Standard_DS3_v2");
    assert_body("online_deployment_minimal", deployment_body(d));
}

#[test]
fn unresolved_references_are_refused_by_the_body_builder() {
    let cases: [(OnlineDeployment, &str); 4] = [
        (
            blue().model("azureml:customer-churn-model:1").into(),
            "model",
        ),
        (
            blue().environment("azureml:churn-model-env@latest").into(),
            "environment",
        ),
        (
            blue()
                .code_configuration(CodeConfiguration::new("./scoring", "score.py"))
                .into(),
            "code_configuration.code",
        ),
        (
            blue().model(Model::new("m").path("./model.pkl")).into(),
            "model",
        ),
    ];
    for (d, expected) in cases {
        match rest::online_deployment_body(&d, LOCATION) {
            Err(crate::Error::Validation { field, .. }) => assert_eq!(field, expected),
            other => panic!("{expected}: expected a validation error, got {other:?}"),
        }
    }
}

#[test]
fn code_version_body_matches_the_flow() {
    let text = shared_text("oracle/flow/flow.jsonl");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("jsonl"))
        .collect();
    let by_seq = |seq: u64| {
        lines
            .iter()
            .find(|l| l["seq"] == seq)
            .expect("seq present")
            .clone()
    };

    let put = by_seq(22);
    let code_uri = put["body"]["properties"]["codeUri"].as_str().unwrap();
    let hash = put["body"]["properties"]["properties"]["hash_sha256"]
        .as_str()
        .unwrap();
    assert_eq!(
        to_json(&rest::code_version_body(code_uri, hash)),
        put["body"]
    );

    let data = by_seq(41);
    let data_uri = data["body"]["properties"]["dataUri"].as_str().unwrap();
    assert_eq!(to_json(&rest::data_version_body(data_uri)), data["body"]);

    assert_eq!(
        to_json(&rest::start_pending_upload_body()),
        by_seq(18)["body"]
    );
    assert_eq!(to_json(&rest::list_secrets_body()), by_seq(4)["body"]);

    let regen = by_seq(73);
    let key = azure_core::credentials::Secret::new("pRiMaRyKeY0123456789abcdefABCDEF");
    assert_eq!(
        to_json(&rest::regenerate_keys_body(
            crate::KeyType::Primary,
            Some(&key)
        )),
        regen["body"]
    );

    assert_eq!(to_json(&rest::get_logs_body(None, 50)), by_seq(76)["body"]);
    assert_eq!(
        to_json(&rest::get_logs_body(
            Some(crate::ContainerType::StorageInitializer),
            0
        )),
        serde_json::json!({ "containerType": "StorageInitializer", "tail": 0 })
    );

    // The endpoint / deployment PUTs of the tutorial flow.
    assert_eq!(endpoint_body(churn_endpoint()), by_seq(12)["body"]);
    let flow_code = format!("{WS}/codes/c7d248a6-addf-4c99-b128-4cd8b3defafc/versions/1");
    let d = blue().code_configuration(CodeConfiguration::new(flow_code, "score.py"));
    assert_eq!(deployment_body(d), by_seq(24)["body"]);
}
