//! Shared helpers of the `monitor_*` tests: a fake credential, a client pointed at a loopback
//! wiremock server, and the reference example files.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::monitor::{AutoscaleSetting, ScaleRule};
use azure_ai_ml::{ArmPager, MLClient, MLClientOptions};
use azure_core::http::Url;
use futures::TryStreamExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

// The fake credential: tokens named after their scopes.
#[path = "../../src/test_support/credential.rs"]
mod credential;
use credential::TestCredential;

pub const SUB: &str = "00000000-0000-0000-0000-000000000001";
pub const RG: &str = "ml-project-rg";
pub const WS: &str = "ml-workspace-production";
pub const WORKSPACE_LOCATION: &str = "eastus";

/// A loopback mock server (127.0.0.1) and a client whose every request lands on it.
pub async fn setup() -> (MockServer, MLClient) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("loopback port");
    let server = MockServer::builder().listener(listener).start().await;
    let client = client_for(&server);
    (server, client)
}

pub fn client_for(server: &MockServer) -> MLClient {
    let mut options = MLClientOptions::default()
        .with_redirect(Url::parse(&server.uri()).expect("mock uri"))
        .with_polling_interval(Duration::ZERO);
    // No retry back-off: a test that wrongly reaches a failing mock fails at once instead of
    // sleeping through retries.
    options.client_options.retry = azure_core::http::RetryOptions::none();
    let credential = Arc::new(TestCredential::naming_scopes());
    MLClient::new(credential, SUB, RG, WS, Some(options)).expect("client")
}

/// `/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}`.
pub fn workspace_id() -> String {
    format!(
        "/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.MachineLearningServices/workspaces/{WS}"
    )
}

/// Answers the workspace GET the client makes for the region.
pub async fn mount_workspace(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(workspace_id()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": workspace_id(),
            "name": WS,
            "location": WORKSPACE_LOCATION,
            "properties": {}
        })))
        .mount(server)
        .await;
}

/// The requests the server saw, minus the workspace GET.
pub async fn monitor_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() != workspace_id())
        .collect()
}

/// Reads a reference file from the shared folder next to the checkout (`../shared` for the main
/// checkout, `../../shared` for a worktree).
pub fn shared_path(relative: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    [root.join("../shared"), root.join("../../shared")]
        .into_iter()
        .map(|base| base.join(relative))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{relative} not found next to the checkout"))
}

pub fn shared_json(relative: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(shared_path(relative)).expect("readable");
    serde_json::from_str(&text).expect("JSON")
}

pub fn autoscale_example() -> serde_json::Value {
    shared_json(
        "azureml-rest/examples/monitor/autoscale/2022-10-01/createOrUpdateAutoscaleSetting.json",
    )
}

pub fn metrics_example() -> serde_json::Value {
    shared_json("azureml-rest/examples/monitor/metrics/2024-02-01/GetMetric.json")
}

/// Every setting of a list, all its pages read.
pub async fn all_settings(
    pager: azure_ai_ml::Result<ArmPager<AutoscaleSetting>>,
) -> Vec<AutoscaleSetting> {
    pager.unwrap().try_collect().await.unwrap()
}

/// The query pairs of a request, decoded.
pub fn query(r: &Request) -> Vec<(String, String)> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn query_value(r: &Request, key: &str) -> Option<String> {
    query(r).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

pub fn body_json(r: &Request) -> serde_json::Value {
    serde_json::from_slice(&r.body).expect("JSON body")
}

/// The seed's setting: `az monitor autoscale create --min-count 1 --max-count 5 --count 1`
/// on `target`, then `rule create --condition "CpuUtilizationPercentage > 70 avg 5m" --scale out 1`.
pub fn seed_setting(target: impl Into<String>) -> AutoscaleSetting {
    AutoscaleSetting::new("churn-autoscale")
        .target(target)
        .capacity(1..=5)
        .rule(
            ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")
                .unwrap()
                .scale_out(1),
        )
}
