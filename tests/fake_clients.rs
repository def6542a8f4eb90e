//! The crate's own data-plane clients against the fake workspace: the storage client's Shared
//! Key signer and SAS handling (written by another hand from the same public spec) must agree
//! with the fake's verifier, and the scoring client must reach the fake's router.
#![cfg(feature = "testing")]

use std::collections::BTreeMap;

use azure_ai_ml::storage::{BlobContainer, StorageAuth, UploadBlobOptions};
use azure_ai_ml::testing::{CredentialKind, FakeWorkspace, FakeWorkspaceExt, ScoreResponse};
use azure_ai_ml::{InvokeRequest, ScoringClient};
use azure_core::credentials::Secret;
use bytes::Bytes;
use serde_json::json;
use url::Url;

#[tokio::test]
async fn storage_client_shared_key_and_block_uploads_verify() {
    let fake = FakeWorkspace::start().await;
    let client = fake.client().unwrap();
    let account = "mlworkspace0000local";
    let key = fake.storage_account_key().expect("account key");
    let container_name = "azureml-blobstore-test";
    let url = Url::parse(&format!(
        "https://{account}.blob.core.windows.net/{container_name}"
    ))
    .unwrap();
    let container = BlobContainer::new(
        &client,
        url.clone(),
        StorageAuth::shared_key(account, key).unwrap(),
    )
    .unwrap();
    assert!(container
        .head_blob("LocalUpload/h/model.pkl")
        .await
        .unwrap()
        .is_none());
    container
        .put_blob(
            "LocalUpload/h/model.pkl",
            Bytes::from_static(b"model bytes"),
            false,
        )
        .await
        .unwrap();
    let props = container
        .head_blob("LocalUpload/h/model.pkl")
        .await
        .unwrap();
    assert!(props.is_some());
    let mut meta = BTreeMap::new();
    meta.insert("upload_status".to_owned(), "completed".to_owned());
    container
        .set_metadata("LocalUpload/h/model.pkl", &meta)
        .await
        .unwrap();
    // Overwrite refused (If-None-Match: *).
    assert!(container
        .put_blob(
            "LocalUpload/h/model.pkl",
            Bytes::from_static(b"other"),
            false
        )
        .await
        .is_err());
    // A block upload: 10 KiB in 4 KiB blocks.
    let data: Vec<u8> = (0..10 * 1024u32).map(|i| (i % 251) as u8).collect();
    let options = UploadBlobOptions::default()
        .with_block_size(4096)
        .with_max_single_put(4096);
    let sent = container
        .upload_reader(
            "big/data.bin",
            &data[..],
            data.len() as u64,
            &options,
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(sent, data.len() as u64);
    assert_eq!(
        fake.blob(account, container_name, "big/data.bin").unwrap(),
        Bytes::from(data)
    );
    assert_eq!(
        fake.with_core(|c| c
            .blobs()
            .metadata(account, container_name, "LocalUpload/h/model.pkl"))
            .unwrap()
            .get("upload_status")
            .map(String::as_str),
        Some("completed")
    );
    // The wrong key is refused by the fake.
    let wrong = Secret::new(azure_core::base64::encode([9u8; 64]));
    let bad = BlobContainer::new(
        &client,
        url,
        StorageAuth::shared_key(account, wrong).unwrap(),
    )
    .unwrap();
    assert!(bad.head_blob("LocalUpload/h/model.pkl").await.is_err());
    assert!(fake.violations().is_empty());
    assert!(fake.count_where(|r| r.credential == CredentialKind::SharedKey) >= 6);
    assert_eq!(
        fake.count_where(|r| r.credential == CredentialKind::ArmToken && r.host.contains(".blob.")),
        0,
        "the storage pipeline never carries the ARM token"
    );
}

#[tokio::test]
async fn storage_client_uses_the_sas_from_start_pending_upload() {
    let fake = FakeWorkspace::start().await;
    let client = fake.client().unwrap();
    let rsp = fake.with_core(|core| {
        let url = Url::parse(&format!(
            "https://management.azure.com{}/codes/c/versions/1/startPendingUpload?api-version=2025-12-01",
            core.config().workspace_id()
        ))
        .unwrap();
        core.handle(
            &azure_ai_ml::testing::CoreRequest::new("POST", url)
                .with_header(
                    "Authorization",
                    format!(
                        "Bearer {}",
                        azure_ai_ml::testing::fake_access_token(
                            "https://management.azure.com/.default"
                        )
                    ),
                )
                .with_body(r#"{"pendingUploadType":"TemporaryBlobReference"}"#),
        )
    });
    assert_eq!(rsp.status, 200);
    let body = rsp.json_body();
    let sas = body["blobReferenceForConsumption"]["credential"]["sasUri"]
        .as_str()
        .unwrap()
        .to_owned();
    let container = BlobContainer::from_sas_url(&client, &Secret::new(sas)).unwrap();
    container
        .put_blob(
            "scoring/score.py",
            Bytes::from_static(b"def run(x): return x"),
            false,
        )
        .await
        .unwrap();
    assert!(container
        .head_blob("scoring/score.py")
        .await
        .unwrap()
        .is_some());
    let code_uri = format!(
        "{}/scoring",
        body["blobReferenceForConsumption"]["blobUri"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        fake.read_asset(&code_uri),
        vec![(
            "score.py".to_owned(),
            Bytes::from_static(b"def run(x): return x")
        )]
    );
    assert!(fake.violations().is_empty());
}

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
