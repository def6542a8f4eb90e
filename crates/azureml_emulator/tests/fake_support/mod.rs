//! Raw-HTTP helpers for the fake workspace's tests: requests sent to the wiremock server the
//! way the redirect policy sends them (logical host in `x-azml-original-host`). The `monitor_*`
//! tests' support sends through these too.
#![allow(dead_code)]

use azureml_emulator::fake::{fake_access_token, FakeWorkspace, ORIGINAL_HOST_HEADER};
use bytes::Bytes;
use serde_json::{json, Value};
use url::Url;

pub const API: &str = "2025-12-01";

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `error.code` of an ARM error.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

pub fn arm_auth() -> String {
    format!(
        "Bearer {}",
        fake_access_token("https://management.azure.com/.default")
    )
}

/// Sends `method logical_url` to the fake the way the redirect policy does.
pub async fn call(
    fake: &FakeWorkspace,
    method: &str,
    logical_url: &str,
    headers: &[(&str, String)],
    body: Option<Vec<u8>>,
) -> Resp {
    let logical = Url::parse(logical_url).expect("test URL");
    let mut target = fake.uri();
    target.set_path(logical.path());
    target.set_query(logical.query());
    let host = match logical.port() {
        Some(p) => format!("{}:{p}", logical.host_str().unwrap()),
        None => logical.host_str().unwrap().to_owned(),
    };
    // Bounded: a wedged fake fails the test instead of hanging it.
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let mut req = client
        .request(method.parse().unwrap(), target)
        .header(ORIGINAL_HOST_HEADER, host);
    for (k, v) in headers {
        // reqwest sets Content-Length from the body; the signer only needs to know it.
        if !k.eq_ignore_ascii_case("content-length") {
            req = req.header(*k, v.as_str());
        }
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let rsp = req.send().await.expect("fake answers");
    let status = rsp.status().as_u16();
    let headers = rsp.headers().clone();
    let body = rsp.bytes().await.expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

/// An ARM call under the workspace (`path` starts with `/` or is empty).
pub async fn arm(fake: &FakeWorkspace, method: &str, path: &str, body: Option<Value>) -> Resp {
    let url = format!(
        "https://management.azure.com{}{path}?api-version={API}",
        fake.workspace_id()
    );
    arm_url(fake, method, &url, body).await
}

pub async fn arm_url(fake: &FakeWorkspace, method: &str, url: &str, body: Option<Value>) -> Resp {
    let mut headers = vec![("Authorization", arm_auth())];
    if body.is_some() {
        headers.push(("Content-Type", "application/json".into()));
    }
    call(
        fake,
        method,
        url,
        &headers,
        body.map(|b| serde_json::to_vec(&b).unwrap()),
    )
    .await
}

/// Polls an `Azure-AsyncOperation` URL until terminal; returns every status seen.
pub async fn poll_status(fake: &FakeWorkspace, url: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..20 {
        let r = arm_url(fake, "GET", url, None).await;
        assert_eq!(r.status, 200, "{}", r.text());
        let status = r.json()["status"].as_str().unwrap().to_owned();
        seen.push(status.clone());
        if status != "InProgress" {
            return seen;
        }
        assert_eq!(r.header("retry-after").as_deref(), Some("0"));
    }
    panic!("operation never finished: {seen:?}");
}

/// Polls a `Location` URL until it stops answering 202; returns the status codes seen.
pub async fn poll_location(fake: &FakeWorkspace, url: &str) -> Vec<u16> {
    let mut seen = Vec::new();
    for _ in 0..20 {
        let r = arm_url(fake, "GET", url, None).await;
        seen.push(r.status);
        if r.status != 202 {
            return seen;
        }
        assert_eq!(r.header("retry-after").as_deref(), Some("0"));
    }
    panic!("operation never finished: {seen:?}");
}

pub fn endpoint_body(auth_mode: &str, traffic: Value) -> Value {
    json!({
        "location": "eastus",
        "properties": {"authMode": auth_mode, "traffic": traffic, "mirrorTraffic": {}},
        "identity": {"type": "SystemAssigned"},
        "tags": {"team": "ds"}
    })
}

pub fn deployment_body() -> Value {
    json!({
        "location": "eastus",
        "properties": {"endpointComputeType": "Managed", "instanceType": "Standard_DS3_v2"},
        "sku": {"name": "Default", "capacity": 1}
    })
}

pub async fn put_and_wait(fake: &FakeWorkspace, path: &str, body: Value) -> Resp {
    let r = arm(fake, "PUT", path, Some(body)).await;
    assert!(
        r.status == 200 || r.status == 201,
        "{}: {}",
        r.status,
        r.text()
    );
    let op = r.header("azure-asyncoperation").expect("async header");
    assert_eq!(poll_status(fake, &op).await.last().unwrap(), "Succeeded");
    r
}

pub async fn create_endpoint(fake: &FakeWorkspace, name: &str, mode: &str) {
    put_and_wait(
        fake,
        &format!("/onlineEndpoints/{name}"),
        endpoint_body(mode, json!({})),
    )
    .await;
}

pub async fn create_deployment(fake: &FakeWorkspace, endpoint: &str, name: &str) {
    put_and_wait(
        fake,
        &format!("/onlineEndpoints/{endpoint}/deployments/{name}"),
        deployment_body(),
    )
    .await;
}

pub async fn set_traffic(fake: &FakeWorkspace, endpoint: &str, mode: &str, traffic: Value) {
    put_and_wait(
        fake,
        &format!("/onlineEndpoints/{endpoint}"),
        endpoint_body(mode, traffic),
    )
    .await;
}
