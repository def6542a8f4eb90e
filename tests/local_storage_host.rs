//! The SDK against the offline workspace's account blob host `{account}.blob.core.localhost`:
//! a client configured like any other cloud (its ARM endpoint, its storage suffix, its CA; no
//! redirect policy) uploads and downloads a model there, the SDK resolving `.localhost` names to
//! loopback itself (RFC 6761) and TLS checking the certificate's `*.blob.core.localhost`. The
//! usual offline client (with the redirect) reaches the same host. No Python: no deployment.

#![cfg(feature = "local")]

use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::local::{
    local_cloud, LocalCredential, LocalWorkspace, LocalWorkspaceExt, LocalWorkspaceOptions,
};
use azure_ai_ml::{MLClient, MLClientOptions, Model};
use serde_json::Value;

fn blob_hosts(ws: &LocalWorkspace) -> Vec<String> {
    std::fs::read_to_string(ws.access_log_path())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|l| l["service"] == "blob")
        .map(|l| l["host"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn models_travel_through_the_account_host_with_or_without_the_redirect() {
    let dir = tempfile::tempdir().unwrap();
    let ws = LocalWorkspace::start(LocalWorkspaceOptions::default().with_dir(dir.path()))
        .await
        .unwrap();
    let port = ws.base_url().port().unwrap();
    let account_host = format!("{}.blob.core.localhost:{port}", ws.storage_account());
    let files = tempfile::tempdir().unwrap();
    let model_file = files.path().join("model.pkl");
    let bytes: Vec<u8> = (0..40_000u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(&model_file, &bytes).unwrap();

    // Like any cloud: ARM endpoint, storage suffix, CA. No redirect.
    let scope = ws.options().clone();
    let plain = MLClient::new(
        Arc::new(LocalCredential::new()),
        scope.subscription_id.clone(),
        scope.resource_group.clone(),
        scope.workspace_name.clone(),
        Some(
            MLClientOptions::default()
                .with_cloud(local_cloud(ws.base_url()))
                .with_root_certificate_pem(ws.ca_pem().as_bytes().to_vec())
                .with_polling_interval(Duration::from_millis(200)),
        ),
    )
    .unwrap();
    let model = Model::new("plain-model").path(model_file.to_string_lossy().into_owned());
    let created = plain.models().create_or_update(&model, None).await.unwrap();
    let version = created.version.clone().unwrap();
    let down = files.path().join("down");
    let folder = plain
        .models()
        .download("plain-model", &version, &down, None)
        .await
        .unwrap();
    assert_eq!(std::fs::read(folder.join("model.pkl")).unwrap(), bytes);
    let hosts = blob_hosts(&ws);
    assert!(!hosts.is_empty());
    assert!(hosts.iter().all(|h| *h == account_host), "{hosts:?}");

    // The offline client (redirect policy) names the same host.
    let before = hosts.len();
    let client = ws.client().unwrap();
    let again = Model::new("redirected-model").path(model_file.to_string_lossy().into_owned());
    client
        .models()
        .create_or_update(&again, None)
        .await
        .unwrap();
    let hosts = blob_hosts(&ws);
    assert!(hosts.len() > before);
    assert!(
        hosts[before..].iter().all(|h| *h == account_host),
        "{hosts:?}"
    );
    ws.shutdown().await;
}
