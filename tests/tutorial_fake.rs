//! The seed tutorial's whole deployment flow against the stateful fake workspace, checking what
//! reached the workspace at each step.

#![cfg(feature = "testing")]

mod support;

// The tutorial's model, environment, endpoint and deployment, exactly as the examples build them.
#[path = "../examples/common/spec.rs"]
mod spec;

use azure_ai_ml::testing::{
    CredentialKind, FakeWorkspace, FakeWorkspaceExt, HostKind, LoggedRequest, ScoreResponse,
};
use azure_ai_ml::{
    ContainerType, DataCollector, DeploymentCollection, EndpointCredentials, InvokeRequest,
    KeyType, LroPoller, OnlineDeploymentsGetLogsOptions,
};
use azure_core::http::Response;
use futures::TryStreamExt;
use serde_json::json;
use std::future::Future;
use support::{TutorialFiles, SAMPLE};

/// The last request with this method whose path ends with `suffix`.
fn last_request(fake: &FakeWorkspace, method: &str, suffix: &str) -> LoggedRequest {
    fake.requests()
        .into_iter()
        .rev()
        .find(|r| r.method == method && r.path.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {method} …{suffix} reached the fake"))
}

/// Starts a long-running operation and waits for its end.
async fn finish<T: Send + 'static>(
    begin: impl Future<Output = azure_ai_ml::Result<LroPoller<T>>>,
) -> Response<T> {
    begin.await.unwrap().await.unwrap()
}

#[tokio::test]
async fn seed_tutorial_runs_end_to_end_against_the_fake() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| {
        ScoreResponse::json(&json!({"deployment": req.deployment, "echo_len": req.body.len()}))
    });
    let ml_client = fake.client().unwrap();
    let (endpoints, deployments) = (ml_client.online_endpoints(), ml_client.online_deployments());

    // Step 1: register the model (uploaded to the default datastore, version 1 then 2).
    let model = spec::model(&files.p("model/model.pkl"));
    let registered = ml_client
        .models()
        .create_or_update(&model, None)
        .await
        .unwrap();
    assert_eq!(registered.version.as_deref(), Some("1"));
    let model_uri = registered.path.clone().unwrap();
    assert!(
        model_uri.starts_with("azureml://subscriptions/")
            && model_uri.ends_with("/model.pkl")
            && model_uri.contains("/paths/LocalUpload/"),
        "{model_uri}"
    );
    // The bytes really landed in blob storage, through SharedKey.
    let stored = fake.read_asset(&model_uri);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].1.len(), 50_000);
    assert!(
        fake.count_where(|r| matches!(r.host_kind, HostKind::Blob { .. })
            && r.credential == CredentialKind::SharedKey)
            >= 1
    );
    let again = ml_client
        .models()
        .create_or_update(&model, None)
        .await
        .unwrap();
    assert_eq!(again.version.as_deref(), Some("2"));

    // Step 3: register the environment.
    let env = spec::environment(&files.p("environment/conda.yml"));
    let registered_env = ml_client
        .environments()
        .create_or_update(&env, None)
        .await
        .unwrap();
    assert_eq!(registered_env.version.as_deref(), Some("1"));

    // Step 4: the endpoint.
    let mut endpoint = spec::endpoint();
    let created = finish(endpoints.begin_create_or_update(&endpoint, None))
        .await
        .into_model()
        .unwrap();
    assert_eq!(created.name(), "churn-prediction-v1");
    assert!(created.scoring_uri().unwrap().ends_with("/score"));

    // Step 5: blue deployment (code folder uploaded as an anonymous code asset), then traffic.
    let model_id = registered.id().unwrap().to_owned();
    let env_id = registered_env.id().unwrap().to_owned();
    let deployment = spec::deployment("blue", &model_id, &env_id, &files.p("scoring"));
    let blue_created = finish(deployments.begin_create_or_update(&deployment, None))
        .await
        .into_model()
        .unwrap();
    assert_eq!(blue_created.name(), "blue");
    let put = last_request(&fake, "PUT", "/deployments/blue");
    let body = put.json.unwrap();
    assert_eq!(body["location"], "eastus");
    assert_eq!(body["properties"]["model"], model_id);
    assert!(body["properties"]["codeConfiguration"]["codeId"]
        .as_str()
        .unwrap()
        .contains("/codes/"));
    assert_eq!(body["sku"], json!({"name": "Default", "capacity": 1}));

    endpoint.traffic = [("blue".to_owned(), 100)].into();
    finish(endpoints.begin_create_or_update(&endpoint, None)).await;
    // One workspace GET for the whole session: the location is cached.
    assert_eq!(
        fake.count_where(
            |r| r.method == "GET" && r.path.ends_with("/workspaces/ml-workspace-production")
        ),
        1
    );

    // Step 6: invoke, pinned to blue, with the seed's bytes.
    let before = fake.count();
    let out = ml_client
        .online_endpoints()
        .invoke(
            "churn-prediction-v1",
            InvokeRequest::file(files.path("sample.json")).deployment("blue"),
            None,
        )
        .await
        .unwrap();
    let answer: serde_json::Value = out.json().unwrap();
    assert_eq!(answer["deployment"], "blue");
    assert_eq!(answer["echo_len"], SAMPLE.len());
    // First invoke resolves (endpoint GET + listKeys) and scores: 3 requests; then 1 per invoke.
    assert_eq!(fake.count() - before, 3);
    let before = fake.count();
    for _ in 0..5 {
        ml_client
            .online_endpoints()
            .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
            .await
            .unwrap();
    }
    assert_eq!(fake.count() - before, 5);
    let scoring: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| matches!(r.host_kind, HostKind::Scoring { .. }))
        .collect();
    let last = scoring.last().unwrap();
    assert_eq!(
        last.header("azureml-model-deployment"),
        None,
        "the pin must not leak into later calls"
    );

    // Keys and logs.
    let keys = ml_client
        .online_endpoints()
        .get_keys("churn-prediction-v1", None)
        .await
        .unwrap();
    assert!(matches!(keys, EndpointCredentials::Keys(ref k) if k.primary_key.is_some()));
    let logs = ml_client
        .online_deployments()
        .get_logs("blue", "churn-prediction-v1", 10, None)
        .await
        .unwrap();
    assert!(!logs.is_empty());
    ml_client
        .online_deployments()
        .get_logs(
            "blue",
            "churn-prediction-v1",
            10,
            Some(OnlineDeploymentsGetLogsOptions {
                container_type: Some(ContainerType::StorageInitializer),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let logs_request = last_request(&fake, "POST", "/getLogs");
    assert_eq!(
        logs_request.json.unwrap(),
        json!({"containerType": "StorageInitializer", "tail": 10})
    );

    // Regenerate the primary key: the next invoke refreshes once and succeeds.
    finish(endpoints.begin_regenerate_keys("churn-prediction-v1", KeyType::Primary, None)).await;
    let regen = last_request(&fake, "POST", "/regenerateKeys");
    assert_eq!(regen.json.unwrap(), json!({"keyType": "Primary"}));
    ml_client
        .online_endpoints()
        .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
        .await
        .unwrap();

    // Blue/green: green (same code: no second upload), 90/10, then 0/100, delete blue.
    let code_puts_before = fake.count_where(|r| r.method == "PUT" && r.path.contains("/codes/"));
    let green = spec::deployment("green", &model_id, &env_id, &files.p("scoring"));
    finish(deployments.begin_create_or_update(&green, None)).await;
    assert_eq!(
        fake.count_where(|r| r.method == "PUT" && r.path.contains("/codes/")),
        code_puts_before,
        "identical code is deduplicated by hash"
    );
    endpoint.traffic = [("blue".to_owned(), 90), ("green".to_owned(), 10)].into();
    finish(endpoints.begin_create_or_update(&endpoint, None)).await;
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    let before = fake.count();
    for _ in 0..200 {
        let out = ml_client
            .online_endpoints()
            .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
            .await
            .unwrap();
        let v: serde_json::Value = out.json().unwrap();
        *seen
            .entry(v["deployment"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(
        seen.get("green").copied().unwrap_or(0) > 0 && seen["blue"] > seen["green"],
        "{seen:?}"
    );
    assert_eq!(
        fake.count() - before,
        200,
        "a traffic change keeps the cached scoring target"
    );

    endpoint.traffic = [("blue".to_owned(), 0), ("green".to_owned(), 100)].into();
    finish(endpoints.begin_create_or_update(&endpoint, None)).await;
    let put = last_request(&fake, "PUT", "/onlineEndpoints/churn-prediction-v1");
    assert_eq!(
        put.json.unwrap()["properties"]["traffic"],
        json!({"green": 100}),
        "zero entries are stripped"
    );

    finish(deployments.begin_delete("blue", "churn-prediction-v1", None)).await;
    let remaining: Vec<_> = ml_client
        .online_deployments()
        .list("churn-prediction-v1", None)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        remaining
            .iter()
            .map(|d| d.name().to_owned())
            .collect::<Vec<_>>(),
        ["green"]
    );

    // Data collection on green (registers the collection data assets first, like Python).
    let mut green = green;
    green.data_collector = Some(
        DataCollector::new()
            .collection("model_inputs", DeploymentCollection::new())
            .collection("model_outputs", DeploymentCollection::new()),
    );
    finish(deployments.begin_create_or_update(&green, None)).await;
    let put = last_request(&fake, "PUT", "/deployments/green");
    let collections = &put.json.unwrap()["properties"]["dataCollector"]["collections"];
    assert!(collections["model_inputs"]["dataId"]
        .as_str()
        .unwrap()
        .ends_with("/data/churn-prediction-v1-green-model_inputs/versions/1"));

    // Listing and cleanup.
    let listed: Vec<_> = ml_client
        .online_endpoints()
        .list(None)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    finish(endpoints.begin_delete("churn-prediction-v1", None)).await;
    let err = ml_client
        .online_endpoints()
        .get("churn-prediction-v1", None)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");

    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}
