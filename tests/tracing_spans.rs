//! Every operation opens a `tracing` span named after it (the Python operation's name for the
//! workspace groups: `OnlineEndpoints.begin_create_or_update`, `Models.get`, …), carrying the
//! resource name. Alone in its test binary: `tracing` caches per-callsite interest
//! process-wide, so spans hit concurrently by other tests' threads (with no subscriber) could
//! race the registration of this test's subscriber.

#![cfg(feature = "testing")]

mod monitor_support;
mod support;

use std::sync::{Arc, Mutex};

use azure_ai_ml::monitor::{AutoscaleSetting, AutoscaleSettingPatch, MetricsQuery};
use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt, ScoreResponse};
use azure_ai_ml::{
    AuthMode, CodeConfiguration, Environment, InvokeRequest, KeyType, ListViewType, MLClient,
    ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
};
use monitor_support::*;
use serde_json::json;
use support::{TutorialFiles, SAMPLE};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, ResponseTemplate};

/// Records each span opened while it is the default: its name and the values of its `name`,
/// `endpoint_name` and `resource` fields (recorded at once or later), as `Name(value, …)`.
#[derive(Clone, Default)]
struct SpanNames(Arc<Mutex<Vec<SpanRecord>>>);

/// A span's name and the values of its recorded fields.
type SpanRecord = (String, Vec<String>);

impl SpanNames {
    /// The spans whose names start with one of `prefixes`, in the order they opened.
    fn seen(&self, prefixes: &[&str]) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(name, _)| prefixes.iter().any(|p| name.starts_with(p)))
            .map(|(name, values)| format!("{name}({})", values.join(", ")))
            .collect()
    }
}

struct Fields<'a>(&'a mut Vec<String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if matches!(field.name(), "name" | "endpoint_name" | "resource") {
            self.0
                .push(format!("{value:?}").trim_matches('"').to_owned());
        }
    }
}

impl tracing::Subscriber for SpanNames {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut values = Vec::new();
        span.record(&mut Fields(&mut values));
        let mut spans = self.0.lock().unwrap();
        spans.push((span.metadata().name().to_owned(), values));
        tracing::span::Id::from_u64(spans.len() as u64)
    }
    fn record(&self, id: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, fields)) = usize::try_from(id.into_u64() - 1)
            .ok()
            .and_then(|i| spans.get_mut(i))
        {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[tokio::test]
async fn every_monitor_operation_opens_a_named_span() {
    let names = SpanNames::default();
    let _guard = tracing::subscriber::set_default(names.clone());
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("autoscalesettings/MySetting$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(autoscale_example()["responses"]["200"]["body"].clone()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/metrics$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "timespan": "2024-01-01T00:00:00Z/2024-01-01T01:00:00Z",
            "value": []
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/metricDefinitions$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;

    let autoscale = client.autoscale();
    autoscale.get("MySetting", None).await.unwrap();
    autoscale.delete("gone", None).await.unwrap();
    // Refused by validation, still traced.
    let _ = autoscale
        .create_or_update(&AutoscaleSetting::new("bad"), None)
        .await;
    drop(autoscale.list(None).unwrap());
    drop(autoscale.list_by_subscription(None).unwrap());
    let _ = autoscale
        .update("MySetting", &AutoscaleSettingPatch::new(), None)
        .await;
    let metrics = client.metrics();
    let deployment = metrics
        .deployment_resource_id("churn-prediction-v1", "blue")
        .unwrap();
    metrics
        .list(&deployment, &MetricsQuery::new(), None)
        .await
        .unwrap();
    metrics.list_definitions(&deployment, None).await.unwrap();
    let latency = metrics
        .request_latency("churn-prediction-v1", Some("blue"))
        .unwrap();
    metrics.list_request(&latency, None).await.unwrap();

    assert_eq!(
        names.seen(&["Autoscale.", "Metrics."]),
        [
            "Autoscale.get(MySetting)".to_owned(),
            "Autoscale.delete(gone)".to_owned(),
            "Autoscale.create_or_update(bad)".to_owned(),
            "Autoscale.list()".to_owned(),
            "Autoscale.list_by_subscription()".to_owned(),
            "Autoscale.update(MySetting)".to_owned(),
            format!("Metrics.list({deployment})"),
            format!("Metrics.list_definitions({deployment})"),
            format!("Metrics.list_request({deployment})"),
        ]
    );
}

#[tokio::test]
async fn every_workspace_operation_opens_a_span_named_after_python() {
    let names = SpanNames::default();
    let _guard = tracing::subscriber::set_default(names.clone());
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!([1, 0])));
    let config = tempfile::tempdir().unwrap();
    std::fs::write(
        config.path().join("config.json"),
        json!({
            "subscription_id": fake.subscription_id(),
            "resource_group": fake.resource_group(),
            "workspace_name": fake.workspace_name(),
        })
        .to_string(),
    )
    .unwrap();
    let ml_client = MLClient::from_config(
        fake.credential(),
        Some(config.path()),
        Some(fake.client_options()),
    )
    .unwrap();

    let models = ml_client.models();
    let model = Model::new("churn").path(files.p("model/model.pkl"));
    let model = models.create_or_update(&model, None).await.unwrap();
    models.get("churn", "1", None).await.unwrap();
    models.get_latest("churn", None).await.unwrap();
    drop(models.list("churn", None).unwrap());
    drop(models.list_containers(ListViewType::All, None).unwrap());
    drop(
        models
            .list_versions("churn", ListViewType::All, None)
            .unwrap(),
    );
    let downloads = tempfile::tempdir().unwrap();
    models
        .download("churn", "1", downloads.path(), None)
        .await
        .unwrap();
    models.archive("churn", Some("1"), None).await.unwrap();
    models.restore("churn", Some("1"), None).await.unwrap();

    let environments = ml_client.environments();
    let env = Environment::new("churn-env")
        .conda_file(files.p("environment/conda.yml"))
        .image("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest");
    let env = environments.create_or_update(&env, None).await.unwrap();
    environments.get("churn-env", "1", None).await.unwrap();
    environments.get_latest("churn-env", None).await.unwrap();
    drop(environments.list("churn-env", None).unwrap());
    drop(
        environments
            .list_containers(ListViewType::ActiveOnly, None)
            .unwrap(),
    );
    drop(
        environments
            .list_versions("churn-env", ListViewType::ArchivedOnly, None)
            .unwrap(),
    );
    environments.archive("churn-env", None, None).await.unwrap();
    environments.restore("churn-env", None, None).await.unwrap();

    let endpoints = ml_client.online_endpoints();
    let endpoint = ManagedOnlineEndpoint::new("churn-ep").auth_mode(AuthMode::Key);
    endpoints
        .begin_create_or_update(&endpoint, None)
        .await
        .unwrap()
        .await
        .unwrap();
    let deployments = ml_client.online_deployments();
    let blue = ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-ep")
        .model(&model)
        .environment(&env)
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1);
    deployments
        .begin_create_or_update(&blue, None)
        .await
        .unwrap()
        .await
        .unwrap();
    deployments.get("blue", "churn-ep", None).await.unwrap();
    drop(deployments.list("churn-ep", None).unwrap());
    deployments
        .get_logs("blue", "churn-ep", 5, None)
        .await
        .unwrap();
    endpoints.get("churn-ep", None).await.unwrap();
    drop(endpoints.list(None).unwrap());
    endpoints.get_keys("churn-ep", None).await.unwrap();
    endpoints
        .invoke(
            "churn-ep",
            InvokeRequest::text(SAMPLE).deployment("blue"),
            None,
        )
        .await
        .unwrap();
    endpoints
        .begin_regenerate_keys("churn-ep", KeyType::Secondary, None)
        .await
        .unwrap()
        .await
        .unwrap();

    let workspace = ml_client.workspaces().get(None).await.unwrap();
    let datastores = ml_client.datastores();
    let default = datastores.get_default(None).await.unwrap();
    datastores.get(&default.name, None).await.unwrap();
    drop(datastores.list(None).unwrap());

    deployments
        .begin_delete("blue", "churn-ep", None)
        .await
        .unwrap()
        .await
        .unwrap();
    endpoints
        .begin_delete("churn-ep", None)
        .await
        .unwrap()
        .await
        .unwrap();

    let expected = [
        "MLClient.from_config()",
        "Models.create_or_update(churn)",
        "Models.get(churn)",
        "Models.get_latest(churn)",
        "Models.list(churn)",
        "Models.list()",
        "Models.list(churn)",
        "Models.download(churn)",
        "Models.archive(churn)",
        "Models.restore(churn)",
        "Environments.create_or_update(churn-env)",
        "Environments.get(churn-env)",
        "Environments.get_latest(churn-env)",
        "Environments.list(churn-env)",
        "Environments.list()",
        "Environments.list(churn-env)",
        "Environments.archive(churn-env)",
        "Environments.restore(churn-env)",
        "OnlineEndpoints.begin_create_or_update(churn-ep)",
        "OnlineDeployments.begin_create_or_update(blue, churn-ep)",
        "OnlineDeployments.get(blue, churn-ep)",
        "OnlineDeployments.list(churn-ep)",
        "OnlineDeployments.get_logs(blue, churn-ep)",
        "OnlineEndpoints.get(churn-ep)",
        "OnlineEndpoints.list()",
        "OnlineEndpoints.get_keys(churn-ep)",
        "OnlineEndpoints.invoke(churn-ep)",
        "OnlineEndpoints.begin_regenerate_keys(churn-ep)",
        &format!("Workspaces.get({})", workspace.name),
        "Datastores.get_default()",
        &format!("Datastores.get({})", default.name),
        "Datastores.list()",
        "OnlineDeployments.begin_delete(blue, churn-ep)",
        "OnlineEndpoints.begin_delete(churn-ep)",
    ];
    let groups = [
        "MLClient.",
        "Models.",
        "Environments.",
        "OnlineEndpoints.",
        "OnlineDeployments.",
        "Workspaces.",
        "Datastores.",
    ];
    assert_eq!(names.seen(&groups), expected);
}
