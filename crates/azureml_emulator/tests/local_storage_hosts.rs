//! The offline workspace's blob storage on every form clients address it by (the account host
//! `{account}.blob.core.localhost:{port}` with TLS verified against that name, the container
//! path on 127.0.0.1, Azurite's account path), and its access log: one JSON line per request,
//! with no secret in it. No Python: no deployment runs.
#![cfg(feature = "local")]

use std::net::SocketAddr;
use std::time::Duration;

use azureml_emulator::core::{shared_key_string_to_sign, sign_shared_key, SharedKeyRequest};
use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions, ACCESS_LOG_FILE};
use serde_json::{json, Value};
use url::Url;

const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";
const API: &str = "api-version=2025-12-01";

struct Fixture {
    ws: LocalWorkspace,
    dir: tempfile::TempDir,
    http: reqwest::Client,
    account_host: String,
}

impl Fixture {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = LocalWorkspace::start(LocalWorkspaceOptions::default().with_dir(dir.path()))
            .await
            .unwrap();
        let port = ws.base_url().port().unwrap();
        let account_host = format!("{}.blob.core.localhost", ws.storage_account());
        let loopback = SocketAddr::from(([127, 0, 0, 1], port));
        // The system resolver may not map `.localhost` names (RFC 6761 says they are loopback;
        // glibc without systemd-resolved doesn't know): pin them here, TLS still checks the name.
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ws.ca_pem().as_bytes()).unwrap())
            .resolve(&account_host, loopback)
            .resolve("elsewhere.core.localhost", loopback)
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        Self {
            ws,
            dir,
            http,
            account_host,
        }
    }

    fn base(&self) -> String {
        self.ws.base_url().as_str().trim_end_matches('/').to_owned()
    }

    fn port(&self) -> u16 {
        self.ws.base_url().port().unwrap()
    }

    async fn arm(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{WORKSPACE}{path}?{API}", self.base());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth("local-token");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// A Shared Key signed blob request, signed for the URL exactly as sent.
    async fn shared_key(
        &self,
        method: &str,
        url: &str,
        key: &str,
        body: &'static [u8],
    ) -> reqwest::Response {
        let url = Url::parse(url).unwrap();
        let account = self.ws.storage_account();
        let mut headers = vec![
            ("x-ms-date".to_owned(), httpdate()),
            ("x-ms-version".to_owned(), "2021-10-04".to_owned()),
        ];
        if method == "PUT" {
            headers.push(("x-ms-blob-type".to_owned(), "BlockBlob".to_owned()));
            headers.push(("Content-Length".to_owned(), body.len().to_string()));
        }
        let string_to_sign = shared_key_string_to_sign(&SharedKeyRequest {
            account: &account,
            method,
            url: &url,
            headers: &headers,
        });
        let signature = sign_shared_key(key, &string_to_sign).unwrap();
        let mut request = self
            .http
            .request(method.parse().unwrap(), url.as_str())
            .header("Authorization", format!("SharedKey {account}:{signature}"));
        for (name, value) in &headers {
            if name != "Content-Length" {
                request = request.header(name, value);
            }
        }
        if method == "PUT" {
            request = request.body(body);
        }
        request.send().await.unwrap()
    }

    fn access_log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join(ACCESS_LOG_FILE))
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

fn httpdate() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc().format(format).unwrap()
}

#[tokio::test]
async fn every_blob_form_reaches_the_same_blob_and_tls_names_the_account_host() {
    let f = Fixture::start().await;
    let port = f.port();
    let account = f.ws.storage_account();

    // The default datastore names the account host's suffix, port included.
    let (status, datastore) = f.arm("GET", "/datastores/workspaceblobstore", None).await;
    assert_eq!(status, 200, "{datastore}");
    let props = &datastore["properties"];
    assert_eq!(props["endpoint"], format!("core.localhost:{port}"));
    assert_eq!(f.ws.storage_suffix(), format!("core.localhost:{port}"));
    assert_eq!(props["accountName"], account.as_str());
    let container = props["containerName"].as_str().unwrap().to_owned();
    let (status, secrets) = f
        .arm("POST", "/datastores/workspaceblobstore/listSecrets", None)
        .await;
    assert_eq!(status, 200, "{secrets}");
    let key = secrets["key"].as_str().unwrap().to_owned();

    // Written on the account host (TLS verified against `{account}.blob.core.localhost`) …
    let account_url = format!("https://{}:{port}/{container}/models/m.txt", f.account_host);
    let put = f.shared_key("PUT", &account_url, &key, b"weights").await;
    assert_eq!(put.status().as_u16(), 201, "{}", put.text().await.unwrap());
    // … read back on the account host, the container path and Azurite's account path.
    for url in [
        account_url.clone(),
        format!("{}/{container}/models/m.txt", f.base()),
        format!("{}/{account}/{container}/models/m.txt", f.base()),
    ] {
        let got = f.shared_key("GET", &url, &key, b"").await;
        assert_eq!(got.status().as_u16(), 200, "{url}");
        assert_eq!(&got.bytes().await.unwrap()[..], b"weights", "{url}");
    }
    // A wrong key is refused on every form.
    let wrong = azure_core::base64::encode([7u8; 64]);
    let refused = f.shared_key("GET", &account_url, &wrong, b"").await;
    assert_eq!(refused.status().as_u16(), 403);

    // The certificate names the storage hosts, not every `.localhost` name.
    let other = f
        .http
        .get(format!("https://elsewhere.core.localhost:{port}/"))
        .send()
        .await;
    assert!(
        other.is_err(),
        "a name outside the certificate must fail TLS"
    );
    f.ws.shutdown().await;
}

#[tokio::test]
async fn the_access_log_has_a_line_per_request_and_no_secret() {
    let f = Fixture::start().await;

    // A SAS upload, as a code upload does it.
    let (status, pending) = f
        .arm(
            "POST",
            "/codes/logged/versions/1/startPendingUpload",
            Some(json!({"pendingUploadType": "TemporaryBlobReference"})),
        )
        .await;
    assert_eq!(status, 200, "{pending}");
    let blob = &pending["blobReferenceForConsumption"];
    let sas_uri = Url::parse(blob["credential"]["sasUri"].as_str().unwrap()).unwrap();
    let sig = sas_uri
        .query_pairs()
        .find(|(k, _)| k == "sig")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let folder = blob["blobUri"].as_str().unwrap().trim_end_matches('/');
    let put = f
        .http
        .put(format!("{folder}/score.py?{}", sas_uri.query().unwrap()))
        .header("x-ms-blob-type", "BlockBlob")
        .header("x-ms-version", "2021-10-04")
        .header("x-ms-client-request-id", "upload-1")
        .body("def run(x): return x")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status().as_u16(), 201);
    let put_id = put
        .headers()
        .get("x-ms-request-id")
        .expect("every answer carries a request id")
        .to_str()
        .unwrap()
        .to_owned();

    // A key-auth scoring call (the endpoint has no deployment: the key still travels).
    let (status, endpoint) = f
        .arm(
            "PUT",
            "/onlineEndpoints/logged-ep",
            Some(json!({"location": "eastus", "properties": {"authMode": "Key"}})),
        )
        .await;
    assert!(status < 300, "{endpoint}");
    let (status, keys) = f
        .arm("POST", "/onlineEndpoints/logged-ep/listKeys", None)
        .await;
    assert_eq!(status, 200, "{keys}");
    let endpoint_key = keys["primaryKey"].as_str().unwrap().to_owned();
    let score = f
        .http
        .post(format!(
            "{}/endpoints/logged-ep/score?code={endpoint_key}",
            f.base()
        ))
        .bearer_auth(&endpoint_key)
        .body("{\"data\": [1]}")
        .send()
        .await
        .unwrap();
    let score_status = score.status().as_u16();
    let (_, secrets) = f
        .arm("POST", "/datastores/workspaceblobstore/listSecrets", None)
        .await;
    let storage_key = secrets["key"].as_str().unwrap().to_owned();

    // Lines are written as requests end; give the last one a moment.
    let mut lines = f.access_log();
    for _ in 0..50 {
        if lines.len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        lines = f.access_log();
    }
    assert_eq!(lines.len(), 6, "{lines:#?}");
    for line in &lines {
        for field in ["time", "method", "host", "path", "service", "request_id"] {
            assert!(line[field].is_string(), "{field} in {line}");
        }
        assert!(line["status"].is_u64() && line["ms"].is_number(), "{line}");
    }
    let upload = lines
        .iter()
        .find(|l| l["request_id"] == put_id.as_str())
        .expect("the upload's line, by the id its answer carried");
    assert_eq!(upload["method"], "PUT");
    assert_eq!(upload["status"], 201);
    assert_eq!(upload["service"], "blob");
    assert_eq!(upload["client_request_id"], "upload-1");
    assert!(
        upload["path"].as_str().unwrap().ends_with("/score.py"),
        "SAS parameters are left out: {upload}"
    );
    let scoring = lines.iter().find(|l| l["service"] == "scoring").unwrap();
    assert_eq!(scoring["path"], "/endpoints/logged-ep/score");
    assert_eq!(scoring["status"], score_status);
    assert!(lines.iter().any(|l| l["path"]
        .as_str()
        .unwrap()
        .ends_with("?api-version=2025-12-01")));

    let text = std::fs::read_to_string(f.dir.path().join(ACCESS_LOG_FILE)).unwrap();
    let encoded_sig: String = url::form_urlencoded::byte_serialize(sig.as_bytes()).collect();
    for secret in [&sig, &encoded_sig, &endpoint_key, &storage_key] {
        assert!(
            !text.contains(secret.as_str()),
            "a secret leaked into the access log"
        );
    }
    for line in &lines {
        let path = line["path"].as_str().unwrap();
        let query = path.split_once('?').map(|(_, q)| q).unwrap_or_default();
        for (name, _) in url::form_urlencoded::parse(query.as_bytes()) {
            assert!(
                !["sig", "se", "st", "sp", "sv", "sr", "skoid", "code"].contains(&name.as_ref()),
                "{name} in the access log: {line}"
            );
        }
    }
    f.ws.shutdown().await;
}
