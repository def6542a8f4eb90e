//! Code folders are uploaded once: the workspace finds a code asset by its content hash under
//! any name (as the service does; Python names anonymous code with a fresh GUID), so a second
//! deployment of the same folder sends no blob at all.

#![cfg(feature = "testing")]

mod support;

use azure_ai_ml::testing::emulator::core::{fake_access_token, CoreRequest};
use azure_ai_ml::testing::{FakeWorkspace, FakeWorkspaceExt, HostKind};
use azure_ai_ml::{CodeConfiguration, MLClient, ManagedOnlineDeployment};
use serde_json::json;
use support::{TutorialFiles, BASE_IMAGE};

const ENDPOINT: &str = "churn-prediction-v1";

fn blob_puts(fake: &FakeWorkspace) -> usize {
    fake.count_where(|r| r.method == "PUT" && matches!(r.host_kind, HostKind::Blob { .. }))
}

fn deployment(files: &TutorialFiles, name: &str) -> ManagedOnlineDeployment {
    ManagedOnlineDeployment::new(name)
        .endpoint_name(ENDPOINT)
        .model("azureml:customer-churn-model:1")
        .environment("azureml:churn-model-env:1")
        .code_configuration(CodeConfiguration::new(files.p("scoring"), "score.py"))
        .instance_type("Standard_DS3_v2")
        .instance_count(1)
}

async fn deploy(ml_client: &MLClient, d: &ManagedOnlineDeployment) {
    ml_client
        .online_deployments()
        .begin_create_or_update(d, None)
        .await
        .unwrap()
        .await
        .unwrap();
}

/// The `codeId` the last PUT of deployment `name` carried.
fn code_id(fake: &FakeWorkspace, name: &str) -> String {
    let put = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "PUT" && r.path.ends_with(&format!("/deployments/{name}")))
        .unwrap();
    put.json.unwrap()["properties"]["codeConfiguration"]["codeId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_second_deployment_of_a_folder_uploads_nothing() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    files.register_with_endpoint(&ml_client, BASE_IMAGE).await;

    let before = blob_puts(&fake);
    deploy(&ml_client, &deployment(&files, "blue")).await;
    assert!(
        blob_puts(&fake) > before,
        "the first deployment uploads the folder"
    );

    let before = blob_puts(&fake);
    deploy(&ml_client, &deployment(&files, "green")).await;
    assert_eq!(blob_puts(&fake) - before, 0, "{:#?}", fake.requests());
    assert_eq!(code_id(&fake, "green"), code_id(&fake, "blue"));
}

#[tokio::test]
async fn code_uploaded_under_another_name_is_found_by_its_hash() {
    let files = TutorialFiles::new();
    let fake = FakeWorkspace::start().await;
    let ml_client = fake.client().unwrap();
    files.register_with_endpoint(&ml_client, BASE_IMAGE).await;

    // Another client (Python names anonymous code with a GUID) registered the same folder.
    let hash = azure_ai_ml::hash_code_folder(&files.path("scoring"))
        .await
        .unwrap();
    let name = "5d0c6ad7-2b7e-4a43-9b8f-5b1f0b3f6b0e";
    let id = format!("{}/codes/{name}/versions/1", fake.workspace_id());
    let url = format!("https://management.azure.com{id}?api-version=2025-12-01")
        .parse()
        .unwrap();
    let body = json!({"properties": {
        "codeUri": "https://mlworkspace0000local.blob.core.windows.net/c0de/scoring",
        "isAnonymous": true,
        "properties": {"hash_sha256": hash, "hash_version": "202208"}
    }});
    let created = fake.with_core(|core| {
        core.handle(
            &CoreRequest::new("PUT", url)
                .with_header(
                    "Authorization",
                    format!(
                        "Bearer {}",
                        fake_access_token("https://management.azure.com/.default")
                    ),
                )
                .with_header("Content-Type", "application/json")
                .with_body(body.to_string()),
        )
    });
    assert_eq!(created.status, 201, "{:?}", created.json_body());

    let before = blob_puts(&fake);
    deploy(&ml_client, &deployment(&files, "blue")).await;
    assert_eq!(blob_puts(&fake) - before, 0, "{:#?}", fake.requests());
    assert!(
        code_id(&fake, "blue").eq_ignore_ascii_case(&id),
        "{} is not {id}",
        code_id(&fake, "blue")
    );
}
