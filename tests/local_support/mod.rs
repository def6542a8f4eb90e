//! Helpers for the offline-workspace tests: a raw ARM/blob/scoring client over the workspace's
//! HTTPS port (the REST calls the SDK makes), asset upload, LRO waiting with a deadline.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use azure_ai_ml::local::{LocalWorkspace, LocalWorkspaceOptions};
use serde_json::{json, Value};

pub const API: &str = "api-version=2025-12-01";

/// Shared venv cache under the build folder: every test (and CI run) builds each env once.
pub fn venv_cache() -> PathBuf {
    std::env::var_os("AZUREML_LOCAL_VENV_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("local-venvs"))
}

/// True when Python can be used. Without python3 the test is skipped loudly, except under CI,
/// where a missing python3 is a failure.
pub fn python_available() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("python3 is required for the offline-workspace tests under CI (run scripts/local-prereqs.sh)");
        }
        eprintln!("\n!!!!!!!! SKIPPED: python3 not found; offline-workspace tests need Python 3.9-3.12 with venv (scripts/local-prereqs.sh) !!!!!!!!\n");
    }
    ok
}

/// The tiny environment most tests use: nothing but the inference server.
pub const TINY_CONDA: &str =
    "name: tiny\ndependencies:\n  - python=3.11\n  - pip:\n    - azureml-inference-server-http\n";

/// A scoring script with a real model file and behaviours chosen by the request.
pub const TINY_SCORE: &str = r#"
import json, os, time

def init():
    global weights
    if os.environ.get("FAIL_INIT") == "1":
        raise RuntimeError("init exploded on purpose: model file is corrupt")
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.json")) as f:
        weights = json.load(f)
    print("tiny model loaded with", len(weights["w"]), "weights")

def run(raw_data):
    data = json.loads(raw_data)
    if "sleep" in data:
        time.sleep(float(data["sleep"]))
    if data.get("raise"):
        raise ValueError("scoring failed on purpose")
    score = sum(w * x for w, x in zip(weights["w"], data["data"]))
    return json.dumps({"score": score, "tag": os.environ.get("TAG", "")})
"#;

trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        let bytes = self.bytes().await.unwrap_or_default();
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }
}

/// A workspace started in this process, with [`Api`] calls on it.
pub struct Ws {
    pub ws: LocalWorkspace,
    pub api: Api,
}

impl std::ops::Deref for Ws {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

impl Ws {
    pub async fn start(dir: &std::path::Path) -> Ws {
        let ws = LocalWorkspace::start(options(dir))
            .await
            .expect("workspace starts");
        Self::wrap(ws)
    }

    pub fn wrap(ws: LocalWorkspace) -> Ws {
        let api = Api::new(ws.base_url().as_str(), ws.ca_pem());
        Ws { ws, api }
    }
}

/// REST calls to a workspace (in this process or another) at `base`, trusting its CA.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub prefix: String,
}

impl Api {
    pub fn new(base_url: &str, ca_pem: &str) -> Api {
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
            .pool_max_idle_per_host(32)
            .build()
            .unwrap();
        let base = base_url.trim_end_matches('/').to_owned();
        let prefix =
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production".to_owned();
        Api { http, base, prefix }
    }

    pub fn id(&self, path: &str) -> String {
        format!("{}/{path}", self.prefix)
    }

    /// One ARM call under the workspace; returns status and JSON body.
    pub async fn arm(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}{}/{path}{sep}{API}", self.base, self.prefix);
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth("fake-token|https://127.0.0.1|test");
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("ARM request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    /// PUT (or POST) then poll the resource until its provisioningState is terminal.
    pub async fn put_and_wait(&self, path: &str, body: Value) -> Value {
        let (status, created, headers) = self.arm("PUT", path, Some(body)).await;
        assert!(
            status == 200 || status == 201,
            "PUT {path}: {status} {created}"
        );
        // Like the SDK: follow Azure-AsyncOperation to a terminal status, then read the resource.
        if let Some(op) = headers
            .get("azure-asyncoperation")
            .and_then(|v| v.to_str().ok())
        {
            let deadline = Instant::now() + Duration::from_secs(300);
            loop {
                let resp = self
                    .http
                    .get(op)
                    .bearer_auth("fake-token|https://127.0.0.1|test")
                    .send()
                    .await
                    .unwrap();
                let status: Value = resp.json_value().await;
                let s = status["status"].as_str().unwrap_or("").to_owned();
                if matches!(s.as_str(), "Succeeded" | "Failed" | "Canceled") {
                    break;
                }
                assert!(Instant::now() < deadline, "{path}: operation stuck in {s}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        self.wait_state(path).await
    }

    pub async fn wait_state(&self, path: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, resource, _) = self.arm("GET", path, None).await;
            assert_eq!(status, 200, "GET {path}: {resource}");
            let state = resource["properties"]["provisioningState"]
                .as_str()
                .unwrap_or("");
            if matches!(state, "Succeeded" | "Failed" | "Canceled") {
                return resource;
            }
            assert!(Instant::now() < deadline, "{path} stuck in {state}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Follows a 202 + Location operation to its end.
    pub async fn wait_location(&self, headers: &reqwest::header::HeaderMap) {
        let location = headers
            .get("location")
            .expect("Location header")
            .to_str()
            .unwrap()
            .to_owned();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let resp = self
                .http
                .get(&location)
                .bearer_auth("fake-token|https://127.0.0.1|test")
                .send()
                .await
                .unwrap();
            match resp.status().as_u16() {
                200 | 204 => return,
                202 => {}
                other => panic!(
                    "operation {location}: {other} {}",
                    resp.text().await.unwrap_or_default()
                ),
            }
            assert!(
                Instant::now() < deadline,
                "operation {location} never ended"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Uploads files through startPendingUpload's SAS and returns the blob folder URI.
    pub async fn upload(
        &self,
        kind: &str,
        name: &str,
        version: &str,
        files: &[(&str, Vec<u8>)],
    ) -> String {
        let (status, pending, _) = self
            .arm(
                "POST",
                &format!("{kind}/{name}/versions/{version}/startPendingUpload"),
                Some(json!({"pendingUploadType": "TemporaryBlobReference"})),
            )
            .await;
        assert_eq!(status, 200, "{pending}");
        let blob = &pending["blobReferenceForConsumption"];
        let folder = blob["blobUri"]
            .as_str()
            .unwrap()
            .trim_end_matches('/')
            .to_owned();
        let sas = blob["credential"]["sasUri"].as_str().unwrap().to_owned();
        let query = sas.split_once('?').map(|(_, q)| q.to_owned()).unwrap();
        for (path, content) in files {
            let resp = self
                .http
                .put(format!("{folder}/{path}?{query}"))
                .header("x-ms-blob-type", "BlockBlob")
                .header("x-ms-version", "2021-10-04")
                .body(content.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 201, "blob PUT {path}");
        }
        folder
    }

    /// Registers code, a single-file model and an environment; returns their ARM ids.
    pub async fn register_assets(
        &self,
        tag: &str,
        score_py: &str,
        model_file: (&str, Vec<u8>),
        conda: &str,
    ) -> (String, String, String) {
        let code_uri = self
            .upload(
                "codes",
                &format!("code-{tag}"),
                "1",
                &[("score.py", score_py.as_bytes().to_vec())],
            )
            .await;
        let (s, v, _) = self
            .arm(
                "PUT",
                &format!("codes/code-{tag}/versions/1"),
                Some(json!({"properties": {"codeUri": code_uri}})),
            )
            .await;
        assert!(s < 300, "{v}");
        // Workspace models have no startPendingUpload (the SDK uses the datastore); a code
        // upload's SAS container holds the file just as well for these REST-level tests.
        let model_folder = self
            .upload(
                "codes",
                &format!("modelfiles-{tag}"),
                "1",
                &[(model_file.0, model_file.1)],
            )
            .await;
        let (s, v, _) = self
            .arm(
                "PUT",
                &format!("models/model-{tag}/versions/1"),
                Some(json!({"properties": {"modelType": "custom_model", "modelUri": format!("{model_folder}/{}", model_file.0)}})),
            )
            .await;
        assert!(s < 300, "{v}");
        let (s, v, _) = self
            .arm(
                "PUT",
                &format!("environments/env-{tag}/versions/1"),
                Some(json!({"properties": {"condaFile": conda, "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"}})),
            )
            .await;
        assert!(s < 300, "{v}");
        (
            self.id(&format!("codes/code-{tag}/versions/1")),
            self.id(&format!("models/model-{tag}/versions/1")),
            self.id(&format!("environments/env-{tag}/versions/1")),
        )
    }

    pub async fn create_endpoint(&self, name: &str, auth_mode: &str) -> Value {
        self.put_and_wait(
            &format!("onlineEndpoints/{name}"),
            json!({"location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": {"authMode": auth_mode}}),
        )
        .await
    }

    pub async fn keys(&self, endpoint: &str) -> (String, String) {
        let (s, keys, _) = self
            .arm(
                "POST",
                &format!("onlineEndpoints/{endpoint}/listKeys"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{keys}");
        (
            keys["primaryKey"].as_str().unwrap().to_owned(),
            keys["secondaryKey"].as_str().unwrap().to_owned(),
        )
    }

    /// POST to the endpoint's scoring URI; returns status, body and the answering deployment.
    pub async fn score(
        &self,
        endpoint: &str,
        key: &str,
        deployment: Option<&str>,
        body: &Value,
    ) -> (u16, String, String) {
        let resp = self.score_request(endpoint, key, deployment, body).await;
        let status = resp.status().as_u16();
        let answered = resp
            .headers()
            .get("azureml-model-deployment")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        (status, resp.text().await.unwrap_or_default(), answered)
    }
}

impl Api {
    /// POST to the endpoint's scoring URI; the whole answer (headers included).
    pub async fn score_request(
        &self,
        endpoint: &str,
        key: &str,
        deployment: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/endpoints/{endpoint}/score", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(d) = deployment {
            req = req.header("azureml-model-deployment", d);
        }
        req.send().await.expect("score request")
    }

    /// Registers the tiny scoring script, a model of these weights and the tiny environment
    /// (named after `tag`); returns the code, model and environment ids.
    pub async fn register_tiny(&self, tag: &str, weights: &[f64]) -> (String, String, String) {
        let model = serde_json::to_vec(&json!({ "w": weights })).unwrap();
        self.register_assets(tag, TINY_SCORE, ("weights.json", model), TINY_CONDA)
            .await
    }
}

/// Options of a test workspace in `dir` (the shared venv cache).
pub fn options(dir: impl AsRef<std::ffi::OsStr>) -> LocalWorkspaceOptions {
    LocalWorkspaceOptions::default()
        .with_dir(std::path::Path::new(dir.as_ref()))
        .with_venv_cache(venv_cache())
}

/// A deployment body with fast probes (1 s period, no initial delay).
pub fn deployment_body(
    code: &str,
    model: &str,
    env: &str,
    instances: u32,
    extra_props: Value,
) -> Value {
    let mut props = json!({
        "endpointComputeType": "Managed",
        "model": model,
        "environmentId": env,
        "codeConfiguration": {"codeId": code, "scoringScript": "score.py"},
        "instanceType": "Standard_DS3_v2",
        "readinessProbe": {"initialDelay": "PT0S", "period": "PT1S", "timeout": "PT2S", "failureThreshold": 60},
        "livenessProbe": {"initialDelay": "PT1S", "period": "PT1S", "timeout": "PT2S", "failureThreshold": 3}
    });
    if let (Some(p), Some(extra)) = (props.as_object_mut(), extra_props.as_object()) {
        for (k, v) in extra {
            p.insert(k.clone(), v.clone());
        }
    }
    json!({"location": "eastus", "sku": {"name": "Default", "capacity": instances}, "properties": props})
}

/// Loopback-only check: every LISTEN socket on `port` is bound to 127.0.0.1 (or ::1).
pub fn listen_addresses(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 4 || cols[3] != "0A" {
                continue;
            }
            let Some((addr, p)) = cols[1].split_once(':') else {
                continue;
            };
            if u16::from_str_radix(p, 16).ok() == Some(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

/// 127.0.0.1 in /proc/net/tcp's little-endian hex, and ::1 in tcp6's.
pub const LOOPBACK_V4: &str = "0100007F";
pub const LOOPBACK_V6: &str = "00000000000000000000000001000000";

/// Live (non-zombie) processes started for the workspace in `dir` (model servers carry the
/// workspace folder in their environment).
pub fn workspace_processes(dir: &std::path::Path) -> Vec<u32> {
    let marker = format!("AZUREML_EMULATOR_WORKSPACE={}", dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
            continue;
        };
        if !environ.split(|b| *b == 0).any(|v| v == marker.as_bytes()) {
            continue;
        }
        let zombie = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| {
                let rest = stat.get(stat.rfind(')')? + 1..)?.to_owned();
                rest.split_whitespace().next().map(|s| s == "Z" || s == "X")
            })
            .unwrap_or(true);
        if !zombie {
            found.push(pid);
        }
    }
    found
}

/// Live (non-zombie) members of a process group.
pub fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    for entry in entries.flatten() {
        if entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
            .is_none()
        {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.len() > 3 && f[0] != "Z" && f[0] != "X" && f[2].parse::<u32>().ok() == Some(pgid) {
            return true;
        }
    }
    false
}

/// Waits (bounded) for a condition checked every 100 ms.
pub async fn eventually(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
