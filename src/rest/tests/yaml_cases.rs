//! CLI v2 YAML loading against Python's own results (`shared/oracle/yaml`).
//!
//! For each case: `X.yml` is loaded; the entity is checked against Python's `X.loaded.json`;
//! then the request body built from it is compared with what Python sends.
//!
//! How the body comparison works: Python's `X.rest.json` is the entity's `_to_rest_object()`
//! *before* the operation resolves references, so it carries `azureml:`-stripped names
//! (`"model": "customer-churn-model:1"`) and the local code folder (`"codeId": "./scoring"`),
//! and leaves inline model/environment out. Our body builder refuses unresolved references (the
//! operations resolve them first), so the test plays the operation's part: it puts the ARM ids
//! Python's operation actually used (taken from `flow_yaml.jsonl`) into the entity, builds the
//! body, and compares it with (a) `X.rest.json` with the same three fields set to those ids, and
//! (b) the PUT body recorded in `flow_yaml.jsonl` where the case was sent (exact equality).
//! For models, the upload rewrites `path` to the datastore URI, so the test sets that URI.

use std::path::PathBuf;

use super::to_json;
use crate::{
    load_environment, load_model, load_online_deployment, load_online_endpoint, AssetType,
    AuthMode, CodeConfiguration, CondaFile, EnvironmentRef, Error, ModelRef, OnlineDeployment,
    OnlineEndpoint, PublicNetworkAccess, ScaleSettings,
};
use crate::{rest, validate};
use serde_json::Value;

const LOCATION: &str = "eastus";

/// Python's YAML cases and results.
fn dir() -> PathBuf {
    crate::test_support::shared_path("oracle/yaml")
}

fn yml(case: &str) -> PathBuf {
    dir().join(format!("{case}.yml"))
}

fn oracle_json(file: &str) -> Value {
    crate::test_support::shared_json(&format!("oracle/yaml/{file}"))
}

/// The PUT bodies Python sent for `step` (`yaml.<case>`), in order.
fn flow_puts(step: &str) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(dir().join("flow_yaml.jsonl")).expect("flow_yaml.jsonl");
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("jsonl"))
        .filter(|r| {
            r["step"] == step && r["method"] == "PUT" && r["host"] == "management.azure.com"
        })
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default().to_owned(),
                r["body"].clone(),
            )
        })
        .collect()
}

fn flow_put(step: &str, path_contains: &str) -> Value {
    flow_puts(step)
        .into_iter()
        .find(|(p, _)| p.contains(path_contains))
        .map(|(_, b)| b)
        .unwrap_or_else(|| panic!("{step}: no PUT to {path_contains}"))
}

fn yaml_dir() -> String {
    dir().to_string_lossy().into_owned()
}

#[test]
fn model() {
    let loaded = oracle_json("model.loaded.json");
    let mut model = load_model(yml("model")).unwrap();
    assert_eq!(model.name, loaded["name"].as_str().unwrap());
    assert_eq!(model.version.as_deref(), loaded["version"].as_str());
    assert_eq!(model.model_type, AssetType::CustomModel);
    assert_eq!(model.description.as_deref(), loaded["description"].as_str());
    assert_eq!(
        model.tags.get("framework").map(String::as_str),
        Some("sklearn")
    );
    // Python: "<yaml-dir>/model/model.pkl".
    let expected_path = loaded["path"]
        .as_str()
        .unwrap()
        .replace("<yaml-dir>", &yaml_dir());
    assert_eq!(model.path.as_deref(), Some(expected_path.as_str()));

    // The upload replaces the local path with the datastore URI; then the body is Python's.
    let sent = flow_put("yaml.model", "/models/customer-churn-model/versions/1");
    model.path = sent["properties"]["modelUri"].as_str().map(str::to_owned);
    let body = to_json(&rest::model_version_body(&model).unwrap());
    assert_eq!(body, sent);
    let mut expected = oracle_json("model.rest.json");
    expected["properties"]["modelUri"] = sent["properties"]["modelUri"].clone();
    assert_eq!(body, expected);
}

#[test]
fn environment() {
    let loaded = oracle_json("environment.loaded.json");
    let env = load_environment(yml("environment")).unwrap();
    assert_eq!(env.name, "churn-model-env");
    assert_eq!(env.version.as_deref(), Some("1"));
    assert_eq!(env.image.as_deref(), loaded["image"].as_str());
    // Python inlines the conda file at load time; so do we.
    match &env.conda_file {
        Some(CondaFile::Inline(v)) => {
            assert_eq!(serde_json::to_value(v).unwrap(), loaded["conda_file"]);
        }
        other => panic!("conda file not inlined: {other:?}"),
    }
    validate::environment(&env).unwrap();
    let body = to_json(&rest::environment_version_body(&env).unwrap());
    assert_eq!(body, oracle_json("environment.rest.json"));
    assert_eq!(
        body,
        flow_put(
            "yaml.environment",
            "/environments/churn-model-env/versions/1"
        )
    );
}

/// The endpoint's body is Python's `{case}.rest.json` and what Python sent in step `yaml.{case}`.
#[track_caller]
fn assert_endpoint_body_like_python(e: &OnlineEndpoint, case: &str) {
    let body = to_json(&rest::online_endpoint_body(e, LOCATION));
    assert_eq!(body, oracle_json(&format!("{case}.rest.json")), "{case}");
    let sent = flow_put(
        &format!("yaml.{case}"),
        "/onlineEndpoints/churn-prediction-v1",
    );
    assert_eq!(body, sent, "{case}");
}

#[test]
fn endpoint() {
    let loaded = oracle_json("endpoint.loaded.json");
    let e = load_online_endpoint(yml("endpoint")).unwrap();
    assert!(!e.is_kubernetes());
    assert_eq!(e.name(), loaded["name"].as_str().unwrap());
    assert_eq!(e.auth_mode(), &AuthMode::Key);
    assert_eq!(e.description(), loaded["description"].as_str());
    assert_eq!(e.tags().len(), 2);
    validate::endpoint(&e).unwrap();
    assert_endpoint_body_like_python(&e, "endpoint");
}

#[test]
fn endpoint_with_traffic() {
    let mut e = load_online_endpoint(yml("endpoint_with_traffic")).unwrap();
    assert_eq!(e.auth_mode(), &AuthMode::AmlToken);
    assert_eq!(e.traffic().get("blue"), Some(&90));
    assert_eq!(
        e.as_managed().and_then(|m| m.public_network_access.clone()),
        Some(PublicNetworkAccess::Disabled)
    );
    validate::endpoint(&e).unwrap();
    rest::strip_traffic(&mut e);
    assert_endpoint_body_like_python(&e, "endpoint_with_traffic");
}

#[test]
fn kubernetes_endpoint() {
    let loaded = oracle_json("kubernetes_endpoint.loaded.json");
    let e = load_online_endpoint(yml("kubernetes_endpoint")).unwrap();
    let k = e.as_kubernetes().expect("compute ⇒ Kubernetes");
    assert_eq!(k.compute.target.as_deref(), loaded["compute"].as_str());
    validate::endpoint(&e).unwrap();
    // Python sends the compute name without `azureml:` (the operation may expand it to an ARM id).
    assert_eq!(
        to_json(&rest::online_endpoint_body(&e, LOCATION)),
        oracle_json("kubernetes_endpoint.rest.json")
    );
}

/// Plays the operation: references → the ids Python's operation used, as in `sent`.
fn resolve_like_the_operation(d: &mut OnlineDeployment, sent: &Value) {
    let props = &sent["properties"];
    if let Some(model) = props["model"].as_str() {
        d.set_model(Some(ModelRef::Id(model.to_owned())));
    }
    if let Some(env) = props["environmentId"].as_str() {
        d.set_environment(Some(EnvironmentRef::Id(env.to_owned())));
    }
    if let Some(code) = props["codeConfiguration"]["codeId"].as_str() {
        let script = d
            .code_configuration()
            .map(|c| c.scoring_script.clone())
            .unwrap_or_default();
        d.set_code_configuration(Some(CodeConfiguration::new(code, script)));
    }
    if let Some(collector) = d.data_collector_mut() {
        for (name, c) in collector.collections.iter_mut() {
            c.data = props["dataCollector"]["collections"][name]["dataId"]
                .as_str()
                .map(str::to_owned);
        }
    }
}

/// `X.rest.json` with the reference fields set to what the operation resolved them to.
fn rest_json_resolved(file: &str, sent: &Value) -> Value {
    let mut expected = oracle_json(file);
    let props = &sent["properties"];
    for key in ["model", "environmentId"] {
        if props.get(key).is_some() {
            expected["properties"][key] = props[key].clone();
        }
    }
    if props.get("codeConfiguration").is_some() {
        expected["properties"]["codeConfiguration"]["codeId"] =
            props["codeConfiguration"]["codeId"].clone();
    }
    if let Some(cols) = props["dataCollector"]["collections"].as_object() {
        for (name, c) in cols {
            expected["properties"]["dataCollector"]["collections"][name]["dataId"] =
                c["dataId"].clone();
        }
    }
    expected
}

/// Resolves `d` as the operation did for `sent`, builds its body and checks it against Python's
/// `{case}.rest.json` resolved likewise; returns the body.
#[track_caller]
fn deployment_body_like_python(d: &mut OnlineDeployment, case: &str, sent: &Value) -> Value {
    resolve_like_the_operation(d, sent);
    let body = to_json(&rest::online_deployment_body(d, LOCATION).unwrap());
    let expected = rest_json_resolved(&format!("{case}.rest.json"), sent);
    assert_eq!(body, expected, "{case}");
    body
}

#[test]
fn deployment_blue() {
    let loaded = oracle_json("deployment_blue.loaded.json");
    let mut d = load_online_deployment(yml("deployment_blue")).unwrap();
    let m = d.as_managed().expect("managed").clone();
    assert_eq!(m.name, "blue");
    assert_eq!(m.endpoint_name.as_deref(), loaded["endpoint_name"].as_str());
    assert_eq!(
        m.model,
        Some(ModelRef::Id("azureml:customer-churn-model:1".into()))
    );
    assert_eq!(
        m.environment,
        Some(EnvironmentRef::Id("azureml:churn-model-env:1".into()))
    );
    let code = m.code_configuration.clone().expect("code");
    assert_eq!(code.code, Some(format!("{}/scoring", yaml_dir())));
    assert_eq!(code.scoring_script, "score.py");
    assert_eq!(m.instance_count, Some(1));
    assert_eq!(
        m.environment_variables.get("WORKERS").map(String::as_str),
        Some("2")
    );
    let probe = m.liveness_probe.clone().expect("liveness");
    assert_eq!(
        (probe.initial_delay, probe.period, probe.failure_threshold),
        (Some(30), Some(10), Some(3))
    );
    let rs = m.request_settings.clone().expect("request settings");
    assert_eq!(rs.request_timeout_ms, Some(5000));
    assert_eq!(rs.max_queue_wait_ms, Some(500));
    let dc = m.data_collector.clone().expect("collector");
    assert!(dc.collections.values().all(|c| c.enabled));
    // The code folder and script exist next to the YAML; references parse.
    validate::deployment(&d).unwrap();

    let sent = flow_put("yaml.deployment_blue", "/deployments/blue");
    assert_eq!(
        deployment_body_like_python(&mut d, "deployment_blue", &sent),
        sent
    );
}

#[test]
fn deployment_inline_assets() {
    let loaded = oracle_json("deployment_inline_assets.loaded.json");
    let mut d = load_online_deployment(yml("deployment_inline_assets")).unwrap();
    let (model, env) = match (d.model().cloned(), d.environment().cloned()) {
        (Some(ModelRef::Inline(m)), Some(EnvironmentRef::Inline(e))) => (m, e),
        other => panic!("expected inline assets, got {other:?}"),
    };
    let expected_path = loaded["model"]["path"]
        .as_str()
        .unwrap()
        .replace("<yaml-dir>", &yaml_dir());
    assert_eq!(model.path.as_deref(), Some(expected_path.as_str()));
    assert_eq!(model.model_type, AssetType::CustomModel);
    assert_eq!(
        env.image.as_deref(),
        loaded["environment"]["image"].as_str()
    );
    match &env.conda_file {
        Some(CondaFile::Inline(v)) => assert_eq!(
            serde_json::to_value(v).unwrap(),
            loaded["environment"]["conda_file"]
        ),
        other => panic!("conda not inlined: {other:?}"),
    }

    // The anonymous registrations Python made for the inline assets.
    let env_put = flow_put(
        "yaml.deployment_inline_assets",
        "/environments/CliV2AnonymousEnvironment/",
    );
    assert_eq!(
        to_json(&rest::anonymous_environment_version_body(&env).unwrap()),
        env_put
    );
    let model_put = flow_put("yaml.deployment_inline_assets", "/models/");
    let mut uploaded = (*model).clone();
    uploaded.path = model_put["properties"]["modelUri"]
        .as_str()
        .map(str::to_owned);
    assert_eq!(
        to_json(&rest::anonymous_model_version_body(&uploaded).unwrap()),
        model_put
    );

    let sent = flow_put("yaml.deployment_inline_assets", "/deployments/green");
    let body = deployment_body_like_python(&mut d, "deployment_inline_assets", &sent);
    assert_eq!(body, sent);
}

#[test]
fn kubernetes_deployment() {
    let mut d = load_online_deployment(yml("kubernetes_deployment")).unwrap();
    let k = d.as_kubernetes().expect("type: kubernetes").clone();
    let resources = k.compute.resources.clone().expect("resources");
    assert_eq!(
        resources.requests.and_then(|r| r.cpu).as_deref(),
        Some("0.5")
    );
    assert_eq!(
        resources.limits.and_then(|r| r.memory).as_deref(),
        Some("2Gi")
    );
    match &k.scale_settings {
        Some(ScaleSettings::TargetUtilization(t)) => {
            assert_eq!(
                (t.min_instances, t.max_instances, t.polling_interval),
                (Some(1), Some(5), Some(10))
            );
        }
        other => panic!("scale settings: {other:?}"),
    }
    validate::deployment(&d).unwrap();
    // Not sent through MLClient by the oracle: resolve like the operation would.
    let ws = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";
    let sent = serde_json::json!({ "properties": {
        "model": format!("{ws}/models/customer-churn-model/versions/1"),
        "environmentId": format!("{ws}/environments/churn-model-env/versions/1"),
        "codeConfiguration": { "codeId": format!("{ws}/codes/c/versions/1") },
    }});
    deployment_body_like_python(&mut d, "kubernetes_deployment", &sent);
}

// ---- bad YAML (Python's `summary.json` → `bad_yaml`; files written here from the descriptions) ----

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[track_caller]
fn rejected_at_load<T: std::fmt::Debug>(result: crate::Result<T>, expected_field: &str) -> String {
    match result {
        Err(Error::Validation { field, rule }) => {
            assert!(
                field.contains(expected_field),
                "field `{field}` (rule: {rule})"
            );
            rule
        }
        other => panic!("expected a validation error on {expected_field}, got {other:?}"),
    }
}

const DEPLOYMENT_HEAD: &str = "name: blue\nendpoint_name: churn-prediction-v1\nmodel: azureml:customer-churn-model:1\ninstance_type: Standard_DS3_v2\n";

#[test]
fn bad_endpoint_name_and_auth_mode_fail_at_load() {
    let dir = tempfile::tempdir().unwrap();
    // (YAML, the field refused, what the rule must mention)
    for (text, field, mentions) in [
        ("name: churn_prediction\nauth_mode: key\n", "name", ""),
        (
            "name: churn-prediction\nauth_mode: password\n",
            "auth_mode",
            "password",
        ),
    ] {
        let rule = rejected_at_load(load_online_endpoint(write(&dir, "e.yml", text)), field);
        assert!(rule.contains(mentions), "{field}: {rule}");
    }
}

#[test]
fn unknown_fields_fail_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(&dir, "d.yml", &format!("{DEPLOYMENT_HEAD}replicas: 3\n"));
    let rule = rejected_at_load(load_online_deployment(path), "");
    assert!(rule.contains("replicas"), "{rule}");
}

#[test]
fn data_collector_enabled_takes_the_strings_true_or_false_only() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["'yes'", "true", "True"] {
        let text = format!("{DEPLOYMENT_HEAD}data_collector:\n  collections:\n    model_inputs:\n      enabled: {bad}\n");
        rejected_at_load(
            load_online_deployment(write(&dir, "d.yml", &text)),
            "data_collector.collections.model_inputs.enabled",
        );
    }
    let ok = format!("{DEPLOYMENT_HEAD}data_collector:\n  collections:\n    model_inputs:\n      enabled: 'False'\n");
    let d = load_online_deployment(write(&dir, "ok.yml", &ok)).unwrap();
    assert!(!d.data_collector().unwrap().collections["model_inputs"].enabled);
}

#[test]
fn bad_model_type_fails_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name: m\nversion: 1\npath: ./m.pkl\ntype: pickle_model\n";
    let rule = rejected_at_load(load_model(write(&dir, "m.yml", text)), "type");
    assert!(rule.contains("pickle_model"), "{rule}");
}

#[test]
fn values_python_accepts_at_load_are_rejected_by_validation() {
    let dir = tempfile::tempdir().unwrap();
    // instance_count 0 and negative probes load (as in Python) but validation rejects them.
    let zero = load_online_deployment(write(
        &dir,
        "z.yml",
        &format!("{DEPLOYMENT_HEAD}instance_count: 0\n"),
    ))
    .unwrap();
    rejected_at_load(validate::deployment(&zero), "instance_count");
    let negative = load_online_deployment(write(
        &dir,
        "n.yml",
        &format!("{DEPLOYMENT_HEAD}liveness_probe:\n  period: -10\n"),
    ))
    .unwrap();
    rejected_at_load(validate::deployment(&negative), "liveness_probe.period");
    // Target utilization on a managed deployment loads but cannot be sent.
    let tu = load_online_deployment(write(
        &dir,
        "t.yml",
        &format!(
            "{DEPLOYMENT_HEAD}scale_settings:\n  type: target_utilization\n  min_instances: 1\n"
        ),
    ))
    .unwrap();
    let rule = rejected_at_load(validate::deployment(&tu), "scale_settings");
    assert!(rule.contains("DefaultScaleSettings only"));
}

#[test]
fn missing_files_and_bad_yaml_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        load_model(dir.path().join("missing.yml")),
        Err(Error::Io { .. })
    ));
    // Not YAML, and not a mapping: the error names the file.
    for (name, text) in [
        ("x.yml", "name: [unclosed\n"),
        ("y.yml", "- just\n- a list\n"),
    ] {
        rejected_at_load(load_online_endpoint(write(&dir, name, text)), name);
    }
    let text = "name: e\nimage: img\nconda_file: ./nope.yml\n";
    rejected_at_load(load_environment(write(&dir, "e.yml", text)), "conda_file");
    let text = format!("{DEPLOYMENT_HEAD}type: serverless\n");
    rejected_at_load(load_online_deployment(write(&dir, "k.yml", &text)), "type");
}
