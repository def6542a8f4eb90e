//! The storage client against the fake workspace: its Shared Key signer and SAS handling
//! (written by another hand from the same public spec) must agree with the fake's verifier.

use std::collections::BTreeMap;

use azure_core::credentials::Secret;
use bytes::Bytes;
use url::Url;

use crate::storage::{BlobContainer, StorageAuth, UploadBlobOptions};
use crate::testing::{CredentialKind, FakeWorkspace, FakeWorkspaceExt};

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
            &crate::testing::CoreRequest::new("POST", url)
                .with_header(
                    "Authorization",
                    format!(
                        "Bearer {}",
                        crate::testing::fake_access_token(
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
