//! Credentials go only where they belong and never show up in Debug, Display or errors.

#![cfg(feature = "testing")]

mod support;

use azure_ai_ml::testing::{
    CredentialKind, FakeWorkspace, FakeWorkspaceExt, HostKind, RequestFailure, ScoreResponse,
};
use azure_ai_ml::{
    AuthMode, CodeConfiguration, EndpointCredentials, Environment, InvokeRequest,
    ManagedOnlineDeployment, ManagedOnlineEndpoint, Model,
};
use serde_json::json;
use support::{put_deployment, put_endpoint, TutorialFiles, SAMPLE};

async fn deploy(
    fake: &FakeWorkspace,
    files: &TutorialFiles,
    auth: AuthMode,
) -> azure_ai_ml::MLClient {
    let ml_client = fake.client().unwrap();
    let model = ml_client
        .models()
        .create_or_update(
            &Model::new("customer-churn-model").path(files.p("model/model.pkl")),
            None,
        )
        .await
        .unwrap();
    let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1").auth_mode(auth);
    put_endpoint(&ml_client, &endpoint).await;
    let d = ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model(&model)
        // An inline, unnamed environment: registered anonymously (once per definition).
        .environment(
            Environment::new("")
                .image("python:3.11")
                .conda_file(files.p("environment/conda.yml")),
        )
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1);
    put_deployment(&ml_client, &d).await;
    put_endpoint(&ml_client, endpoint.traffic([("blue", 100)])).await;
    ml_client
}

#[tokio::test]
async fn tokens_and_keys_only_reach_their_own_hosts() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!([1, 0])));
    let ml_client = deploy(&fake, &files, AuthMode::Key).await;
    for _ in 0..3 {
        ml_client
            .online_endpoints()
            .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
            .await
            .unwrap();
    }
    let requests = fake.requests();
    let blob: Vec<_> = requests
        .iter()
        .filter(|r| matches!(r.host_kind, HostKind::Blob { .. }))
        .collect();
    let arm: Vec<_> = requests
        .iter()
        .filter(|r| r.host_kind == HostKind::Arm)
        .collect();
    let scoring: Vec<_> = requests
        .iter()
        .filter(|r| matches!(r.host_kind, HostKind::Scoring { .. }))
        .collect();
    assert!(!blob.is_empty() && !arm.is_empty() && scoring.len() == 3);
    for r in &blob {
        assert!(
            matches!(
                r.credential,
                CredentialKind::SharedKey | CredentialKind::StorageSas
            ),
            "blob request {} {} carried {:?}",
            r.method,
            r.path,
            r.credential
        );
    }
    for r in &arm {
        assert_eq!(
            r.credential,
            CredentialKind::ArmToken,
            "ARM request {} {}",
            r.method,
            r.path
        );
    }
    for r in &scoring {
        assert_eq!(r.credential, CredentialKind::ScoringKey);
    }
    assert!(fake.violations().is_empty(), "{:?}", fake.violations());
}

#[tokio::test]
async fn the_fake_would_catch_a_leaked_arm_token() {
    // Negative control for the test above: an ARM token presented to the blob host is refused
    // and recorded, so an empty violation list means something.
    let fake = FakeWorkspace::start().await;
    let token = azure_ai_ml::testing::fake_access_token("https://management.azure.com/.default");
    let response = reqwest::Client::new()
        .put(format!("{}devstore/container/blob", fake.uri()))
        .header(
            azure_ai_ml::ORIGINAL_HOST_HEADER,
            "mlworkspace0000local.blob.core.windows.net",
        )
        .header("authorization", format!("Bearer {token}"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(fake.violations().len(), 1);
}

#[tokio::test]
async fn aad_token_endpoints_get_a_token_for_the_ml_audience() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!([1])));
    let ml_client = deploy(&fake, &files, AuthMode::AadToken).await;
    ml_client
        .online_endpoints()
        .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
        .await
        .unwrap();
    let scoring = fake
        .requests()
        .into_iter()
        .find(|r| matches!(r.host_kind, HostKind::Scoring { .. }))
        .unwrap();
    assert_eq!(scoring.credential, CredentialKind::MlToken);
    assert!(fake
        .credential()
        .scopes_requested()
        .iter()
        .any(|s| s == "https://ml.azure.com/.default"));
    assert!(fake.violations().is_empty());
}

#[tokio::test]
async fn aad_token_invoke_asks_the_credential_once() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!([1])));
    let ml_client = deploy(&fake, &files, AuthMode::AadToken).await;
    let ml_scope = |fake: &FakeWorkspace| {
        fake.credential()
            .scopes_requested()
            .iter()
            .filter(|s| *s == "https://ml.azure.com/.default")
            .count()
    };
    assert_eq!(ml_scope(&fake), 0);
    for _ in 0..3 {
        ml_client
            .online_endpoints()
            .invoke("churn-prediction-v1", InvokeRequest::text(SAMPLE), None)
            .await
            .unwrap();
    }
    // One token for the first invoke, reused by the next ones (it is good for an hour).
    assert_eq!(ml_scope(&fake), 1);
}

#[tokio::test]
async fn keys_never_appear_in_debug_output() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = deploy(&fake, &files, AuthMode::Key).await;
    let (primary, secondary) = fake.endpoint_keys("churn-prediction-v1").unwrap();
    let credentials = ml_client
        .online_endpoints()
        .get_keys("churn-prediction-v1", None)
        .await
        .unwrap();
    let EndpointCredentials::Keys(keys) = &credentials else {
        panic!("key endpoint")
    };
    assert_eq!(
        keys.primary_key.as_ref().unwrap().secret(),
        primary.secret()
    );
    let printed = format!(
        "{credentials:?} {ml_client:?} {:?}",
        ml_client
            .online_endpoints()
            .scoring_client("churn-prediction-v1")
    );
    assert!(
        !printed.contains(primary.secret()) && !printed.contains(secondary.secret()),
        "{printed}"
    );
}

#[tokio::test]
async fn storage_errors_do_not_print_the_sas() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    put_endpoint(
        &ml_client,
        ManagedOnlineEndpoint::new("churn-prediction-v1"),
    )
    .await;
    // The code upload goes to a SAS container; make the blob PUT fail.
    fake.fail_next_matching(
        RequestFailure::new(
            403,
            "AuthorizationFailure",
            "This request is not authorized",
        )
        .method("PUT")
        .path_contains("/score.py"),
    );
    let d = ManagedOnlineDeployment::new("blue")
        .endpoint_name("churn-prediction-v1")
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2");
    let err = ml_client
        .online_deployments()
        .begin_create_or_update(&d, None)
        .await
        .err()
        .unwrap();
    let text = format!("{err} {err:?}");
    assert_eq!(err.status(), Some(403), "{text}");
    assert!(!text.contains("sig="), "{text}");
}
