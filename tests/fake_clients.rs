//! The scoring client against the fake workspace: it must reach the fake's router. (The storage
//! client's half is a unit test of `storage`, as the client is internal.)
#![cfg(feature = "testing")]

use azure_ai_ml::testing::{CredentialKind, FakeWorkspace, ScoreResponse};
use azure_ai_ml::{InvokeRequest, ScoringClient};
use serde_json::json;
use url::Url;

#[tokio::test]
async fn scoring_client_reaches_the_router_with_a_key() {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| {
        ScoreResponse::json(&json!({"deployment": req.deployment, "n": req.json()["data"].as_array().map(Vec::len)}))
    });
    // Endpoint + deployment straight through the core (the ARM flow is tested elsewhere).
    fake.with_core(|core| {
        let ws = core.config().workspace_id();
        let token = format!(
            "Bearer {}",
            azure_ai_ml::testing::fake_access_token("https://management.azure.com/.default")
        );
        let mut send = |method: &str, path: &str, body: serde_json::Value| {
            let url = Url::parse(&format!(
                "https://management.azure.com{ws}{path}?api-version=2025-12-01"
            ))
            .unwrap();
            let rsp = core.handle(
                &azure_ai_ml::testing::CoreRequest::new(method, url)
                    .with_header("Authorization", token.clone())
                    .with_body(body.to_string()),
            );
            assert!(rsp.status < 300, "{path}: {}", rsp.status);
            rsp
        };
        let ep = json!({"location": "eastus", "properties": {"authMode": "Key"}});
        send("PUT", "/onlineEndpoints/ep-score", ep);
        send(
            "PUT",
            "/onlineEndpoints/ep-score/deployments/blue",
            json!({"location": "eastus", "properties": {"endpointComputeType": "Managed"}}),
        );
        send(
            "PUT",
            "/onlineEndpoints/ep-score",
            json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": {"blue": 100}}}),
        );
    });
    let (primary, _) = fake.endpoint_keys("ep-score").unwrap();
    let scoring_uri = Url::parse("https://ep-score.eastus.inference.ml.azure.com/score").unwrap();
    let scorer = ScoringClient::builder()
        .with_key(scoring_uri, primary)
        .with_redirect(fake.uri())
        .build()
        .unwrap();
    let rsp = scorer
        .invoke(InvokeRequest::json(&json!({"data": [[1, 2], [3, 4]]})).unwrap())
        .await
        .unwrap();
    let value: serde_json::Value = rsp.json().unwrap();
    assert_eq!(value, json!({"deployment": "blue", "n": 2}));
    assert_eq!(
        fake.count_where(|r| r.credential == CredentialKind::ScoringKey),
        1
    );
    assert!(fake.violations().is_empty());
}
