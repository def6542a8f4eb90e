//! The fake workspace driven over raw HTTP (reqwest to the wiremock server, logical host in
//! `x-azml-original-host`), the way a client with `MLClientOptions::redirect` reaches it.
#![cfg(feature = "fake")]

mod fake_support;

use azureml_emulator::fake::{
    fake_access_token, CredentialKind, FakeWorkspace, HostKind, LroKind, RequestFailure,
    ScoreResponse, WorkspaceState,
};
use bytes::Bytes;
use fake_support::*;
use serde_json::json;
use url::Url;

#[tokio::test]
async fn endpoint_create_polls_the_async_operation_then_reads_succeeded() {
    let fake = FakeWorkspace::start().await;
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/churn-ep",
        Some(endpoint_body("Key", json!({}))),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let body = r.json();
    assert_eq!(body["properties"]["provisioningState"], "Creating");
    assert_eq!(
        body["properties"]["scoringUri"],
        "https://churn-ep.eastus.inference.ml.azure.com/score"
    );
    assert_eq!(
        body["properties"]["swaggerUri"],
        "https://churn-ep.eastus.inference.ml.azure.com/swagger.json"
    );
    assert_eq!(
        body["type"],
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints"
    );
    assert_eq!(
        body["id"],
        format!("{}/onlineEndpoints/churn-ep", fake.workspace_id())
    );
    for field in ["location", "tags", "kind", "identity", "systemData"] {
        assert!(!body[field].is_null(), "{field} missing");
    }
    assert!(body["identity"]["principalId"].is_string());
    assert!(
        body["properties"].get("keys").is_none(),
        "keys are write-only"
    );
    let op = r.header("azure-asyncoperation").unwrap();
    assert!(
        op.starts_with(&format!(
            "https://management.azure.com/subscriptions/{}/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/",
            fake.subscription_id()
        )),
        "{op}"
    );
    assert!(op.ends_with(&format!("?api-version={API}")));
    assert_eq!(r.header("retry-after").as_deref(), Some("0"));
    assert_eq!(poll_status(&fake, &op).await, ["InProgress", "Succeeded"]);
    let got = arm(&fake, "GET", "/onlineEndpoints/churn-ep", None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["properties"]["provisioningState"], "Succeeded");
    // An update answers 200 with Updating.
    let upd = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/churn-ep",
        Some(endpoint_body("Key", json!({}))),
    )
    .await;
    assert_eq!(upd.status, 200);
    assert_eq!(upd.json()["properties"]["provisioningState"], "Updating");
    assert_eq!(
        upd.json()["identity"]["principalId"],
        got.json()["identity"]["principalId"],
        "the identity survives updates"
    );
    let list = arm(&fake, "GET", "/onlineEndpoints", None).await;
    assert_eq!(list.json()["value"].as_array().unwrap().len(), 1);
    assert!(fake.violations().is_empty());
}

#[tokio::test]
async fn without_async_header_clients_poll_the_resource() {
    let fake = FakeWorkspace::builder()
        .async_operation_header(false)
        .lro_polls(2)
        .location("westeurope")
        .start()
        .await;
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/ep1",
        Some(endpoint_body("Key", json!({}))),
    )
    .await;
    assert_eq!(r.status, 201);
    assert!(r.header("azure-asyncoperation").is_none());
    assert_eq!(
        r.json()["properties"]["scoringUri"],
        "https://ep1.westeurope.inference.ml.azure.com/score"
    );
    let mut states = Vec::new();
    for _ in 0..10 {
        let g = arm(&fake, "GET", "/onlineEndpoints/ep1", None).await;
        let s = g.json()["properties"]["provisioningState"]
            .as_str()
            .unwrap()
            .to_owned();
        states.push(s.clone());
        if s == "Succeeded" {
            break;
        }
    }
    assert_eq!(states, ["Creating", "Creating", "Succeeded"]);
}

#[tokio::test]
async fn delete_is_a_location_lro_and_takes_the_deployments_with_it() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-del", "Key").await;
    create_deployment(&fake, "ep-del", "blue").await;
    let r = arm(&fake, "DELETE", "/onlineEndpoints/ep-del", None).await;
    assert_eq!(r.status, 202);
    let location = r.header("location").expect("Location");
    assert!(location.contains("/mfeOperationResults/"));
    let during = arm(&fake, "GET", "/onlineEndpoints/ep-del", None).await;
    assert_eq!(during.json()["properties"]["provisioningState"], "Deleting");
    assert_eq!(poll_location(&fake, &location).await, [202, 200]);
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints/ep-del", None)
            .await
            .status,
        404
    );
    let deps = arm(
        &fake,
        "GET",
        "/onlineEndpoints/ep-del/deployments/blue",
        None,
    )
    .await;
    assert_eq!(deps.status, 404);
    // Deleting what isn't there is a 204.
    assert_eq!(
        arm(&fake, "DELETE", "/onlineEndpoints/ep-del", None)
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn keys_regenerate_like_python_and_old_keys_stop_working() {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!([1])));
    create_endpoint(&fake, "ep-keys", "Key").await;
    create_deployment(&fake, "ep-keys", "blue").await;
    set_traffic(&fake, "ep-keys", "Key", json!({"blue": 100})).await;
    let keys = arm(&fake, "POST", "/onlineEndpoints/ep-keys/listKeys", None)
        .await
        .json();
    let (old_primary, secondary) = (
        keys["primaryKey"].as_str().unwrap().to_owned(),
        keys["secondaryKey"].as_str().unwrap().to_owned(),
    );
    assert_ne!(old_primary, secondary);
    // Python sends the current key as keyValue: that means "generate a new one".
    let r = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-keys/regenerateKeys",
        Some(json!({"keyType": "Primary", "keyValue": old_primary})),
    )
    .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        poll_location(&fake, &r.header("location").unwrap()).await,
        [202, 200]
    );
    let keys = arm(&fake, "POST", "/onlineEndpoints/ep-keys/listKeys", None)
        .await
        .json();
    let new_primary = keys["primaryKey"].as_str().unwrap().to_owned();
    assert_ne!(new_primary, old_primary);
    assert_eq!(keys["secondaryKey"], secondary);
    // Another value sets the key.
    let r = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-keys/regenerateKeys",
        Some(json!({"keyType": "Secondary", "keyValue": "chosen-secondary-key"})),
    )
    .await;
    poll_location(&fake, &r.header("location").unwrap()).await;
    let keys = arm(&fake, "POST", "/onlineEndpoints/ep-keys/listKeys", None)
        .await
        .json();
    assert_eq!(keys["secondaryKey"], "chosen-secondary-key");
    let bad = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-keys/regenerateKeys",
        Some(json!({"keyType": "Tertiary"})),
    )
    .await;
    assert_eq!(bad.status, 400);

    let score = |key: String| {
        let fake = &fake;
        async move {
            call(
                fake,
                "POST",
                "https://ep-keys.eastus.inference.ml.azure.com/score",
                &[("Authorization", format!("Bearer {key}"))],
                Some(b"{}".to_vec()),
            )
            .await
            .status
        }
    };
    assert_eq!(score(old_primary).await, 401);
    assert_eq!(score(new_primary).await, 200);
    assert_eq!(score("chosen-secondary-key".into()).await, 200);
    // The log never holds the key, only a fingerprint.
    let logged = format!("{:?}", fake.requests());
    assert!(!logged.contains("chosen-secondary-key"));
}

#[tokio::test]
async fn arm_validation_answers_like_arm() {
    let fake = FakeWorkspace::start().await;
    // Deployment under a missing endpoint.
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/nope/deployments/blue",
        Some(deployment_body()),
    )
    .await;
    assert_eq!(r.status, 404);
    create_endpoint(&fake, "ep-val", "Key").await;
    create_deployment(&fake, "ep-val", "blue").await;
    create_deployment(&fake, "ep-val", "green").await;
    for (traffic, why) in [
        (json!({"missing": 100}), "unknown deployment"),
        (json!({"blue": 90}), "sum 90"),
        (json!({"blue": 60, "green": 60}), "sum 120"),
        (json!({"blue": -1, "green": 101}), "out of range"),
    ] {
        let r = arm(
            &fake,
            "PUT",
            "/onlineEndpoints/ep-val",
            Some(endpoint_body("Key", traffic)),
        )
        .await;
        assert_eq!(r.status, 400, "{why}");
        assert_eq!(r.json()["error"]["code"], "BadRequest", "{why}");
    }
    set_traffic(&fake, "ep-val", "Key", json!({"blue": 90, "green": 10})).await;
    // A deployment with traffic can't be deleted.
    let r = arm(
        &fake,
        "DELETE",
        "/onlineEndpoints/ep-val/deployments/green",
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("traffic"));
    // Bad auth mode, bad names, bad JSON, missing api-version, unknown routes.
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/ep2",
        Some(endpoint_body("aml_token", json!({}))),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/9bad",
        Some(endpoint_body("Key", json!({}))),
    )
    .await;
    assert_eq!(r.status, 400);
    let url = format!(
        "https://management.azure.com{}/onlineEndpoints/ep3?api-version={API}",
        fake.workspace_id()
    );
    let r = call(
        &fake,
        "PUT",
        &url,
        &[("Authorization", arm_auth())],
        Some(b"{not json".to_vec()),
    )
    .await;
    assert_eq!(r.status, 400);
    let url = format!(
        "https://management.azure.com{}/onlineEndpoints",
        fake.workspace_id()
    );
    let r = call(&fake, "GET", &url, &[("Authorization", arm_auth())], None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "MissingApiVersionParameter");
    let r = arm(&fake, "GET", "/computes/cpu-cluster", None).await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/computes/cpu-cluster"));
    // No credential at all.
    let r = call(&fake, "GET", &url, &[], None).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn model_versions_track_the_container_and_list_like_python_asks() {
    let fake = FakeWorkspace::start().await;
    assert_eq!(arm(&fake, "GET", "/models/churn", None).await.status, 404);
    for v in ["1", "2"] {
        let r = arm(
            &fake,
            "PUT",
            &format!("/models/churn/versions/{v}"),
            Some(json!({"properties": {"modelUri": format!("azureml://datastores/workspaceblobstore/paths/m{v}/model.pkl"), "modelType": "custom_model"}})),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.text());
        assert_eq!(r.json()["properties"]["provisioningState"], "Succeeded");
    }
    let c = arm(&fake, "GET", "/models/churn", None).await.json();
    assert_eq!(c["properties"]["latestVersion"], "2");
    assert_eq!(c["properties"]["nextVersion"], "3");
    let url = format!(
        "https://management.azure.com{}/models/churn/versions?api-version={API}&$orderBy=createdtime%20desc&$top=1",
        fake.workspace_id()
    );
    let latest = arm_url(&fake, "GET", &url, None).await.json();
    assert_eq!(latest["value"].as_array().unwrap().len(), 1);
    assert_eq!(latest["value"][0]["name"], "2");
    // Immutable: a different modelUri for an existing version is a conflict.
    let r = arm(
        &fake,
        "PUT",
        "/models/churn/versions/1",
        Some(
            json!({"properties": {"modelUri": "azureml://elsewhere", "modelType": "custom_model"}}),
        ),
    )
    .await;
    assert_eq!(r.status, 409);
    // Archive = PUT with isArchived; the default list hides it.
    let mut v1 = arm(&fake, "GET", "/models/churn/versions/1", None)
        .await
        .json();
    v1["properties"]["isArchived"] = json!(true);
    let body = json!({"properties": v1["properties"]});
    assert_eq!(
        arm(&fake, "PUT", "/models/churn/versions/1", Some(body))
            .await
            .status,
        200
    );
    let active = arm(&fake, "GET", "/models/churn/versions", None)
        .await
        .json();
    assert_eq!(active["value"].as_array().unwrap().len(), 1);
    let url = format!(
        "https://management.azure.com{}/models/churn/versions?api-version={API}&listViewType=All",
        fake.workspace_id()
    );
    assert_eq!(
        arm_url(&fake, "GET", &url, None).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[tokio::test]
async fn lists_page_with_next_links() {
    let fake = FakeWorkspace::builder().page_size(2).start().await;
    for v in 1..=5 {
        arm(
            &fake,
            "PUT",
            &format!("/environments/env/versions/{v}"),
            Some(json!({"properties": {"image": "mcr.microsoft.com/azureml/base:latest"}})),
        )
        .await;
    }
    let mut names = Vec::new();
    let mut next = Some(format!(
        "https://management.azure.com{}/environments/env/versions?api-version={API}",
        fake.workspace_id()
    ));
    while let Some(url) = next.take() {
        let page = arm_url(&fake, "GET", &url, None).await.json();
        for item in page["value"].as_array().unwrap() {
            names.push(item["name"].as_str().unwrap().to_owned());
        }
        next = page["nextLink"].as_str().map(str::to_owned);
        assert!(names.len() <= 5);
    }
    assert_eq!(names, ["1", "2", "3", "4", "5"]);
}

#[tokio::test]
async fn code_upload_through_the_sas_from_start_pending_upload() {
    let fake = FakeWorkspace::start().await;
    let hash = "108a8bc22bdd0e3b4adf2771b67e0e1caf9774f5790a70d3d70a225dea23a352";
    let url = format!(
        "https://management.azure.com{}/codes/c1/versions?api-version={API}&hash={hash}&hashVersion=202208",
        fake.workspace_id()
    );
    assert_eq!(
        arm_url(&fake, "GET", &url, None).await.json()["value"],
        json!([])
    );
    let r = arm(
        &fake,
        "POST",
        "/codes/c1/versions/1/startPendingUpload",
        Some(json!({"pendingUploadType": "TemporaryBlobReference"})),
    )
    .await;
    assert_eq!(r.status, 200);
    let blob_ref = &r.json()["blobReferenceForConsumption"];
    let sas_uri = blob_ref["credential"]["sasUri"]
        .as_str()
        .unwrap()
        .to_owned();
    let container_url = blob_ref["blobUri"].as_str().unwrap().to_owned();
    assert!(container_url.starts_with("https://mlworkspace0000local.blob.core.windows.net/"));
    let sas = Url::parse(&sas_uri).unwrap();
    let query = sas.query().unwrap().to_owned();
    let blob = format!("{container_url}/scoring/score.py?{query}");
    let put = |url: String, body: &'static [u8]| {
        let fake = &fake;
        async move {
            call(
                fake,
                "PUT",
                &url,
                &[
                    ("x-ms-blob-type", "BlockBlob".into()),
                    ("If-None-Match", "*".into()),
                ],
                Some(body.to_vec()),
            )
            .await
        }
    };
    assert_eq!(call(&fake, "HEAD", &blob, &[], None).await.status, 404);
    assert_eq!(put(blob.clone(), b"def run(x): return x").await.status, 201);
    let head = call(&fake, "HEAD", &blob, &[], None).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length").as_deref(), Some("20"));
    assert_eq!(
        put(blob.clone(), b"again").await.status,
        409,
        "If-None-Match: *"
    );
    let meta = call(
        &fake,
        "PUT",
        &format!("{blob}&comp=metadata"),
        &[("x-ms-meta-upload_status", "completed".into())],
        None,
    )
    .await;
    assert_eq!(meta.status, 200);
    // A SAS the workspace didn't issue, or one for another container, is refused.
    let forged = blob.replace("sig=", "sig=x");
    let r = put(forged, b"evil").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-ms-error-code").as_deref(),
        Some("AuthenticationFailed")
    );
    let other = format!("https://mlworkspace0000local.blob.core.windows.net/other/f?{query}");
    assert_eq!(put(other, b"evil").await.status, 403);
    // No credential at all.
    assert_eq!(
        call(
            &fake,
            "HEAD",
            &format!("{container_url}/scoring/score.py"),
            &[],
            None
        )
        .await
        .status,
        401
    );
    // The code version then points at the folder; the hash lookup finds it; files read back.
    let code_uri = format!("{container_url}/scoring");
    let r = arm(
        &fake,
        "PUT",
        "/codes/c1/versions/1",
        Some(json!({"properties": {"codeUri": code_uri, "isAnonymous": true, "properties": {"hash_sha256": hash, "hash_version": 202208}}})),
    )
    .await;
    assert_eq!(r.status, 201);
    assert_eq!(
        arm_url(&fake, "GET", &url, None).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    // As the service does, the hash finds the code under any name (Python names anonymous code
    // with a fresh GUID), and only code: other names' versions without the hash stay apart.
    let elsewhere = url.replace("/codes/c1/", "/codes/5d0c6ad7-2b7e-4a43-9b8f-5b1f0b3f6b0e/");
    let found = arm_url(&fake, "GET", &elsewhere, None).await.json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1, "{found}");
    assert_eq!(
        found["value"][0]["id"].as_str().unwrap().rsplit('/').nth(2),
        Some("c1")
    );
    let other_hash = elsewhere.replace(hash, &"0".repeat(64));
    assert_eq!(
        arm_url(&fake, "GET", &other_hash, None).await.json()["value"],
        json!([])
    );
    let files = fake.read_asset(&code_uri);
    assert_eq!(
        files,
        vec![(
            "score.py".to_owned(),
            Bytes::from_static(b"def run(x): return x")
        )]
    );
    let by_id = fake.read_asset(&format!("{}/codes/c1/versions/1", fake.workspace_id()));
    assert_eq!(by_id.len(), 1);
    assert!(fake.violations().is_empty());
}

/// Shared Key signing written here from the public spec, independently of the crate.
fn sign(
    account: &str,
    key_b64: &str,
    method: &str,
    url: &Url,
    headers: &[(&str, String)],
) -> String {
    use hmac::{Hmac, Mac};
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let length = match get("Content-Length").as_str() {
        "0" => String::new(),
        l => l.to_owned(),
    };
    let mut s = format!(
        "{method}\n{}\n{}\n{length}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
        get("Content-Encoding"),
        get("Content-Language"),
        get("Content-MD5"),
        get("Content-Type"),
        get("Date"),
        get("If-Modified-Since"),
        get("If-Match"),
        get("If-None-Match"),
        get("If-Unmodified-Since"),
        get("Range"),
    );
    let mut ms: Vec<(String, String)> = headers
        .iter()
        .filter(|(n, _)| n.to_ascii_lowercase().starts_with("x-ms-"))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    ms.sort();
    for (n, v) in ms {
        s.push_str(&format!("{n}:{v}\n"));
    }
    s.push_str(&format!("/{account}{}", url.path()));
    let mut q: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.into_owned()))
        .collect();
    q.sort();
    for (k, v) in q {
        s.push_str(&format!("\n{k}:{v}"));
    }
    let key = azure_core::base64::decode(key_b64).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(s.as_bytes());
    format!(
        "SharedKey {account}:{}",
        azure_core::base64::encode(mac.finalize().into_bytes())
    )
}

#[tokio::test]
async fn shared_key_signatures_are_verified_with_the_listed_secret() {
    let fake = FakeWorkspace::start().await;
    let ds = arm(&fake, "GET", "/datastores/workspaceblobstore", None)
        .await
        .json();
    let account = ds["properties"]["accountName"].as_str().unwrap().to_owned();
    let container = ds["properties"]["containerName"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ds["properties"]["credentials"],
        json!({"credentialsType": "AccountKey"})
    );
    let defaults = format!(
        "https://management.azure.com{}/datastores?api-version={API}&isDefault=true",
        fake.workspace_id()
    );
    assert_eq!(
        arm_url(&fake, "GET", &defaults, None).await.json()["value"][0]["name"],
        "workspaceblobstore"
    );
    let secrets = arm(
        &fake,
        "POST",
        "/datastores/workspaceblobstore/listSecrets",
        Some(json!({"expirableSecret": true, "expireAfterHours": 1})),
    )
    .await
    .json();
    assert_eq!(secrets["secretsType"], "AccountKey");
    let key = secrets["key"].as_str().unwrap().to_owned();

    let url = Url::parse(&format!(
        "https://{account}.blob.core.windows.net/{container}/LocalUpload/abc/model.pkl"
    ))
    .unwrap();
    let body = b"pretend pickle".to_vec();
    let mut headers = vec![
        ("Content-Length", body.len().to_string()),
        ("Content-Type", "application/octet-stream".to_owned()),
        ("x-ms-blob-type", "BlockBlob".to_owned()),
        ("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT".to_owned()),
        ("x-ms-version", "2025-01-05".to_owned()),
    ];
    let auth = sign(&account, &key, "PUT", &url, &headers);
    headers.push(("Authorization", auth.clone()));
    let r = call(&fake, "PUT", url.as_str(), &headers, Some(body.clone())).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        fake.blob(&account, &container, "LocalUpload/abc/model.pkl")
            .unwrap(),
        Bytes::from(body.clone())
    );
    // The model URI Python stores resolves to the same bytes.
    let model_uri = format!(
        "azureml://subscriptions/{}/resourcegroups/{}/workspaces/{}/datastores/workspaceblobstore/paths/LocalUpload/abc/model.pkl",
        fake.subscription_id(),
        fake.resource_group(),
        fake.workspace_name()
    );
    assert_eq!(
        fake.read_asset(&model_uri),
        vec![("model.pkl".to_owned(), Bytes::from(body))]
    );

    // A signature made with another key, or over other headers, is refused with the string
    // the server signed (which helps whoever debugs a signer).
    let wrong_key = azure_core::base64::encode([7u8; 64]);
    let mut bad = headers.clone();
    bad.retain(|(n, _)| *n != "Authorization");
    let bad_auth = sign(&account, &wrong_key, "PUT", &url, &bad);
    bad.push(("Authorization", bad_auth));
    let r = call(
        &fake,
        "PUT",
        url.as_str(),
        &bad,
        Some(b"pretend pickle".to_vec()),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("Server used following string to sign"));
    assert!(!r.text().contains(&key));
    let mut tampered = headers.clone();
    tampered[4] = ("x-ms-version", "2021-10-04".to_owned());
    let r = call(
        &fake,
        "PUT",
        url.as_str(),
        &tampered,
        Some(b"pretend pickle".to_vec()),
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(fake.violations().is_empty());
    assert_eq!(
        fake.count_where(|r| r.credential == CredentialKind::SharedKey),
        3
    );
}

#[tokio::test]
async fn credentials_on_the_wrong_host_are_refused_and_recorded() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-sec", "Key").await;
    let keys = arm(&fake, "POST", "/onlineEndpoints/ep-sec/listKeys", None)
        .await
        .json();
    let key = keys["primaryKey"].as_str().unwrap().to_owned();
    // ARM token to blob storage.
    let blob = "https://mlworkspace0000local.blob.core.windows.net/c/x.txt";
    let r = call(&fake, "GET", blob, &[("Authorization", arm_auth())], None).await;
    assert_eq!(r.status, 403);
    // Scoring key to ARM.
    let url = format!(
        "https://management.azure.com{}/onlineEndpoints?api-version={API}",
        fake.workspace_id()
    );
    let r = call(
        &fake,
        "GET",
        &url,
        &[("Authorization", format!("Bearer {key}"))],
        None,
    )
    .await;
    assert_eq!(r.status, 401);
    // ARM token to scoring.
    let r = call(
        &fake,
        "POST",
        "https://ep-sec.eastus.inference.ml.azure.com/score",
        &[("Authorization", arm_auth())],
        Some(b"{}".to_vec()),
    )
    .await;
    assert_eq!(r.status, 401);
    let violations = fake.violations();
    assert_eq!(violations.len(), 3, "{violations:?}");
    assert_eq!(violations[0].credential, CredentialKind::ArmToken);
    assert_eq!(
        violations[0].host,
        "mlworkspace0000local.blob.core.windows.net"
    );
    assert_eq!(violations[1].credential, CredentialKind::ScoringKey);
    assert_eq!(violations[1].host, "management.azure.com");
    assert_eq!(violations[2].credential, CredentialKind::ArmToken);
    // A storage-audience token is fine on the blob host.
    let storage = format!(
        "Bearer {}",
        fake_access_token("https://storage.azure.com/.default")
    );
    let r = call(&fake, "GET", blob, &[("Authorization", storage)], None).await;
    assert_eq!(r.status, 404);
    assert_eq!(fake.violations().len(), 3);
    let logged = fake.requests();
    assert!(logged.iter().all(|r| r
        .header("authorization")
        .is_none_or(|a| a.ends_with("<redacted>"))));
    assert!(logged
        .iter()
        .any(|r| matches!(r.host_kind, HostKind::Blob { .. })));
    fake.clear_log();
    assert!(fake.violations().is_empty() && fake.count() == 0);
}

#[tokio::test]
async fn scoring_routes_by_weights_and_pins() {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|req| {
        ScoreResponse::json(&json!({"deployment": req.deployment, "echo": req.json()}))
    });
    create_endpoint(&fake, "ep-route", "Key").await;
    let keys = arm(&fake, "POST", "/onlineEndpoints/ep-route/listKeys", None)
        .await
        .json();
    let auth = format!("Bearer {}", keys["secondaryKey"].as_str().unwrap());
    let score_url = "https://ep-route.eastus.inference.ml.azure.com/score";
    let score = |pin: Option<&'static str>| {
        let (fake, auth) = (&fake, auth.clone());
        async move {
            let mut headers = vec![
                ("Authorization", auth),
                ("Content-Type", "application/json".to_owned()),
            ];
            if let Some(p) = pin {
                headers.push(("azureml-model-deployment", p.to_owned()));
            }
            call(
                fake,
                "POST",
                score_url,
                &headers,
                Some(br#"{"data":[[1,2]]}"#.to_vec()),
            )
            .await
        }
    };
    // No deployments with traffic yet.
    let r = score(None).await;
    assert_eq!(r.status, 404);
    assert!(r.text().contains("No valid deployments to route to"));
    create_deployment(&fake, "ep-route", "blue").await;
    create_deployment(&fake, "ep-route", "green").await;
    set_traffic(&fake, "ep-route", "Key", json!({"blue": 90, "green": 10})).await;
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..100 {
        let r = score(None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let dep = r.json()["deployment"].as_str().unwrap().to_owned();
        assert_eq!(
            r.header("azureml-model-deployment").as_deref(),
            Some(dep.as_str())
        );
        *counts.entry(dep).or_insert(0) += 1;
    }
    assert_eq!(counts.get("blue"), Some(&90));
    assert_eq!(counts.get("green"), Some(&10));
    // The pin wins over weights, even for 0 % traffic; unknown pins are 404.
    set_traffic(&fake, "ep-route", "Key", json!({"blue": 100, "green": 0})).await;
    let r = score(Some("green")).await;
    assert_eq!(r.json()["deployment"], "green");
    assert_eq!(r.json()["echo"], json!({"data": [[1, 2]]}));
    assert_eq!(score(Some("purple")).await.status, 404);
    // Nothing registered ⇒ 424 saying so.
    let fresh = FakeWorkspace::start().await;
    create_endpoint(&fresh, "ep-none", "Key").await;
    create_deployment(&fresh, "ep-none", "blue").await;
    set_traffic(&fresh, "ep-none", "Key", json!({"blue": 100})).await;
    let keys = arm(&fresh, "POST", "/onlineEndpoints/ep-none/listKeys", None)
        .await
        .json();
    let r = call(
        &fresh,
        "POST",
        "https://ep-none.eastus.inference.ml.azure.com/score",
        &[(
            "Authorization",
            format!("Bearer {}", keys["primaryKey"].as_str().unwrap()),
        )],
        Some(b"{}".to_vec()),
    )
    .await;
    assert_eq!(r.status, 424);
    assert!(r.text().contains("on_score"));
}

#[tokio::test]
async fn aml_token_and_aad_token_endpoints() {
    let fake = FakeWorkspace::start().await;
    fake.on_score(|_| ScoreResponse::json(&json!("ok")));
    for (name, mode) in [("ep-aml", "AMLToken"), ("ep-aad", "AADToken")] {
        create_endpoint(&fake, name, mode).await;
        create_deployment(&fake, name, "blue").await;
        set_traffic(&fake, name, mode, json!({"blue": 100})).await;
    }
    assert_eq!(
        arm(&fake, "POST", "/onlineEndpoints/ep-aml/listKeys", None)
            .await
            .status,
        400
    );
    let token = arm(&fake, "POST", "/onlineEndpoints/ep-aml/token", None)
        .await
        .json();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expiry = token["expiryTimeUtc"].as_i64().unwrap();
    assert!(expiry > now && expiry <= now + 24 * 3600, "Unix seconds");
    assert!(token["refreshAfterTimeUtc"].as_i64().unwrap() < expiry);
    assert_eq!(token["tokenType"], "Bearer");
    let access = token["accessToken"].as_str().unwrap();
    let score = |host: &str, auth: String| {
        let fake = &fake;
        let url = format!("https://{host}.eastus.inference.ml.azure.com/score");
        async move {
            call(
                fake,
                "POST",
                &url,
                &[("Authorization", auth)],
                Some(b"{}".to_vec()),
            )
            .await
            .status
        }
    };
    assert_eq!(score("ep-aml", format!("Bearer {access}")).await, 200);
    assert_eq!(score("ep-aml", "Bearer not-a-token".into()).await, 401);
    assert_eq!(score("ep-aml", String::new()).await, 401);
    let ml = fake_access_token("https://ml.azure.com/.default");
    assert_eq!(score("ep-aad", format!("Bearer {ml}")).await, 200);
    assert!(fake.violations().is_empty());
    assert_eq!(score("ep-aad", arm_auth()).await, 401);
    assert_eq!(fake.violations().len(), 1);
}

#[tokio::test]
async fn injected_failures() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-fail", "Key").await;
    fake.fail_next_lro(
        Some(LroKind::DeploymentCreateOrUpdate),
        "ResourceNotReady",
        "User container has crashed",
    );
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/ep-fail/deployments/blue",
        Some(deployment_body()),
    )
    .await;
    let op = r.header("azure-asyncoperation").unwrap();
    let last = arm_url(&fake, "GET", &op, None).await;
    assert_eq!(last.json()["status"], "InProgress");
    let last = arm_url(&fake, "GET", &op, None).await.json();
    assert_eq!(last["status"], "Failed");
    assert_eq!(last["error"]["code"], "ResourceNotReady");
    assert_eq!(last["error"]["message"], "User container has crashed");
    let dep = arm(
        &fake,
        "GET",
        "/onlineEndpoints/ep-fail/deployments/blue",
        None,
    )
    .await
    .json();
    assert_eq!(dep["properties"]["provisioningState"], "Failed");
    // A failed delete answers the error on its Location URL.
    fake.fail_next_lro(
        Some(LroKind::EndpointDelete),
        "InternalError",
        "delete broke",
    );
    let r = arm(&fake, "DELETE", "/onlineEndpoints/ep-fail", None).await;
    let codes = poll_location(&fake, &r.header("location").unwrap()).await;
    assert_eq!(codes, [202, 400]);
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints/ep-fail", None)
            .await
            .status,
        200
    );
    // Any request: the next two GETs of endpoints answer 503, then the service is back.
    fake.fail_next_matching(
        RequestFailure::new(503, "ServiceUnavailable", "try later")
            .method("GET")
            .path_contains("/onlineEndpoints")
            .times(2),
    );
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints/ep-fail", None)
            .await
            .status,
        503
    );
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints", None).await.status,
        503
    );
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints/ep-fail", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn logs_honour_tail_and_container_type_and_skus_list() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-logs", "Key").await;
    create_deployment(&fake, "ep-logs", "blue").await;
    let logs = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-logs/deployments/blue/getLogs",
        Some(json!({"tail": 3})),
    )
    .await;
    assert_eq!(logs.status, 200);
    let content = logs.json()["content"].as_str().unwrap().to_owned();
    assert_eq!(content.lines().count(), 3);
    let init = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-logs/deployments/blue/getLogs",
        Some(json!({"containerType": "StorageInitializer"})),
    )
    .await
    .json();
    assert!(init["content"]
        .as_str()
        .unwrap()
        .contains("Storage initializer"));
    let bad = arm(
        &fake,
        "POST",
        "/onlineEndpoints/ep-logs/deployments/blue/getLogs",
        Some(json!({"containerType": "Sidecar"})),
    )
    .await;
    assert_eq!(bad.status, 400);
    let skus = arm(
        &fake,
        "GET",
        "/onlineEndpoints/ep-logs/deployments/blue/skus",
        None,
    )
    .await
    .json();
    assert_eq!(skus["value"][0]["capacity"]["minimum"], 1);
}

#[tokio::test]
async fn block_uploads_assemble_in_order() {
    let fake = FakeWorkspace::start().await;
    let r = arm(
        &fake,
        "POST",
        "/codes/c/versions/1/startPendingUpload",
        Some(json!({"pendingUploadType": "TemporaryBlobReference"})),
    )
    .await
    .json();
    let sas = Url::parse(
        r["blobReferenceForConsumption"]["credential"]["sasUri"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let mut base = sas.clone();
    base.set_query(None);
    let q = sas.query().unwrap();
    let blob = format!("{base}/big.bin");
    let (a, b) = (
        azure_core::base64::encode("block-0001"),
        azure_core::base64::encode("block-0002"),
    );
    for (id, data) in [(&b, b"world".to_vec()), (&a, b"hello ".to_vec())] {
        let url = format!("{blob}?{q}&comp=block&blockid={}", urlencode(id));
        assert_eq!(call(&fake, "PUT", &url, &[], Some(data)).await.status, 201);
    }
    let list = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList><Latest>{a}</Latest><Latest>{b}</Latest></BlockList>");
    let r = call(
        &fake,
        "PUT",
        &format!("{blob}?{q}&comp=blocklist"),
        &[],
        Some(list.into_bytes()),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let got = call(&fake, "GET", &format!("{blob}?{q}"), &[], None).await;
    assert_eq!(&got.body[..], b"hello world");
    // A block list naming a block that was never put is refused.
    let bad = format!(
        "<BlockList><Latest>{}</Latest></BlockList>",
        azure_core::base64::encode("nope")
    );
    let r = call(
        &fake,
        "PUT",
        &format!("{blob}?{q}&comp=blocklist"),
        &[],
        Some(bad.into_bytes()),
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-ms-error-code").as_deref(),
        Some("InvalidBlockList")
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn state_round_trips_through_json() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-persist", "Key").await;
    create_deployment(&fake, "ep-persist", "blue").await;
    set_traffic(&fake, "ep-persist", "Key", json!({"blue": 100})).await;
    arm(&fake, "PUT", "/models/m/versions/1", Some(json!({"properties": {"modelUri": "azureml://datastores/workspaceblobstore/paths/x/model.pkl"}}))).await;
    let (account, container) = {
        let ds = arm(&fake, "GET", "/datastores/workspaceblobstore", None)
            .await
            .json();
        (
            ds["properties"]["accountName"].as_str().unwrap().to_owned(),
            ds["properties"]["containerName"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    };
    fake.with_core(|c| {
        c.blobs_mut().put(
            &account,
            &container,
            "x/model.pkl",
            Bytes::from_static(b"\x00\x01binary"),
        )
    });

    let text = serde_json::to_string(&fake.state()).unwrap();
    let restored: WorkspaceState = serde_json::from_str(&text).unwrap();
    let again = FakeWorkspace::builder().state(restored).start().await;
    for path in [
        "/onlineEndpoints/ep-persist",
        "/onlineEndpoints/ep-persist/deployments/blue",
        "/models/m/versions/1",
        "/models/m",
        "/datastores/workspaceblobstore",
        "",
    ] {
        let a = arm(&fake, "GET", path, None).await;
        let b = arm(&again, "GET", path, None).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.json(), b.json(), "{path}");
    }
    for action in ["listKeys"] {
        let path = format!("/onlineEndpoints/ep-persist/{action}");
        assert_eq!(
            arm(&fake, "POST", &path, None).await.json(),
            arm(&again, "POST", &path, None).await.json()
        );
    }
    let secrets = "/datastores/workspaceblobstore/listSecrets";
    assert_eq!(
        arm(&fake, "POST", secrets, None).await.json(),
        arm(&again, "POST", secrets, None).await.json()
    );
    assert_eq!(
        again.read_asset("azureml://datastores/workspaceblobstore/paths/x/model.pkl"),
        vec![(
            "model.pkl".to_owned(),
            Bytes::from_static(b"\x00\x01binary")
        )]
    );
}
