//! Raw REST helpers for the offline-workspace tests of the emulator crate (no SDK): assets,
//! endpoints and deployments through ARM with their operations followed to the end, scoring
//! calls, process checks. Every wait is bounded.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
use serde_json::{json, Value};

pub const API: &str = "api-version=2025-12-01";
pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub const RESOURCE_GROUP: &str = "ml-project-rg";
pub const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";

/// The shared venv cache (`$AZUREML_LOCAL_VENV_CACHE`, else one under the build folder).
pub fn venv_cache() -> PathBuf {
    std::env::var_os("AZUREML_LOCAL_VENV_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("local-venvs"))
}

/// True when python3 runs; without it the test is skipped loudly (a failure under CI).
pub fn python_available() -> bool {
    let ok = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is required for the offline-workspace tests under CI"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPED: python3 not found (offline-workspace tests need it) !!!!!!!!\n"
        );
    }
    ok
}

/// Nothing but the inference server.
pub const TINY_CONDA: &str =
    "name: tiny\ndependencies:\n  - python=3.11\n  - pip:\n    - azureml-inference-server-http\n";

/// A linear model of `weights.json`; `sleep` delays the answer, `busy` burns CPU that long.
pub const TINY_SCORE: &str = r#"
import json, os, time

def init():
    global weights
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.json")) as f:
        weights = json.load(f)

def run(raw_data):
    data = json.loads(raw_data)
    if "sleep" in data:
        time.sleep(float(data["sleep"]))
    if "busy" in data:
        end, spins = time.time() + float(data["busy"]), 0
        while time.time() < end:
            spins += 1
    score = sum(w * x for w, x in zip(weights["w"], data.get("data", [])))
    return {"score": score}
"#;

/// Options of a test workspace in `dir` with the shared venv cache.
pub fn options(dir: &Path) -> LocalWorkspaceOptions {
    LocalWorkspaceOptions::default()
        .with_dir(dir)
        .with_venv_cache(venv_cache())
}

/// REST calls to a workspace.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

impl Api {
    pub fn new(ws: &LocalWorkspace) -> Api {
        let http = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ws.ca_pem().as_bytes()).unwrap())
            .http1_only()
            .pool_max_idle_per_host(32)
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        Api {
            http,
            base: ws.base_url().as_str().trim_end_matches('/').to_owned(),
        }
    }

    /// ARM id of a workspace-relative path.
    pub fn id(&self, path: &str) -> String {
        format!("{WORKSPACE}/{path}")
    }

    /// One ARM call to an absolute ARM path (with its own `api-version` when it has one).
    pub async fn arm_at(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("api-version=") {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}{sep}{API}", self.base)
        };
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth("local-token");
        if let Some(b) = body {
            request = request
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let response = request.send().await.expect("ARM request");
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap_or_default();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// One ARM call under the workspace.
    pub async fn arm(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.arm_at(method, &format!("{WORKSPACE}/{path}"), body)
            .await
    }

    /// PUT, follow `Azure-AsyncOperation` to a terminal status (as the SDK does), then GET
    /// until the provisioning state is terminal (at most 5 minutes in all).
    pub async fn put_and_wait(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{WORKSPACE}/{path}?{API}", self.base);
        let response = self
            .http
            .put(url)
            .bearer_auth("local-token")
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("PUT");
        let status = response.status().as_u16();
        let operation = response
            .headers()
            .get("azure-asyncoperation")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.unwrap_or_default();
        assert!(
            status == 200 || status == 201,
            "PUT {path}: {status} {text}"
        );
        let deadline = Instant::now() + Duration::from_secs(300);
        if let Some(operation) = operation {
            loop {
                let bytes = self
                    .http
                    .get(&operation)
                    .bearer_auth("local-token")
                    .send()
                    .await
                    .expect("operation GET")
                    .bytes()
                    .await
                    .unwrap_or_default();
                let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                let s = answer["status"].as_str().unwrap_or("").to_owned();
                if matches!(s.as_str(), "Succeeded" | "Failed" | "Canceled") {
                    break;
                }
                assert!(Instant::now() < deadline, "{path}: operation stuck in {s}");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        loop {
            let (status, resource) = self.arm("GET", path, None).await;
            assert_eq!(status, 200, "GET {path}: {resource}");
            let state = resource["properties"]["provisioningState"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            if matches!(state.as_str(), "Succeeded" | "Failed" | "Canceled") {
                return resource;
            }
            assert!(Instant::now() < deadline, "{path} stuck in {state}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Uploads files through a code version's startPendingUpload SAS; the blob folder URI.
    pub async fn upload(&self, name: &str, files: &[(&str, Vec<u8>)]) -> String {
        let (status, pending) = self
            .arm(
                "POST",
                &format!("codes/{name}/versions/1/startPendingUpload"),
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
        let sas = blob["credential"]["sasUri"].as_str().unwrap();
        let query = sas.split_once('?').map(|(_, q)| q.to_owned()).unwrap();
        for (path, content) in files {
            let response = self
                .http
                .put(format!("{folder}/{path}?{query}"))
                .header("x-ms-blob-type", "BlockBlob")
                .header("x-ms-version", "2021-10-04")
                .body(content.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 201, "blob PUT {path}");
        }
        folder
    }

    /// Registers the tiny scoring script, a model of `weights` and the tiny environment;
    /// returns the code, model and environment ids.
    pub async fn register_tiny(&self, tag: &str, weights: &[f64]) -> (String, String, String) {
        let code_uri = self
            .upload(&format!("code-{tag}"), &[("score.py", TINY_SCORE.into())])
            .await;
        let (s, v) = self
            .arm(
                "PUT",
                &format!("codes/code-{tag}/versions/1"),
                Some(json!({"properties": {"codeUri": code_uri}})),
            )
            .await;
        assert!(s < 300, "{v}");
        let model = serde_json::to_vec(&json!({ "w": weights })).unwrap();
        let model_folder = self
            .upload(&format!("modelfiles-{tag}"), &[("weights.json", model)])
            .await;
        let (s, v) = self
            .arm(
                "PUT",
                &format!("models/model-{tag}/versions/1"),
                Some(json!({"properties": {"modelType": "custom_model", "modelUri": format!("{model_folder}/weights.json")}})),
            )
            .await;
        assert!(s < 300, "{v}");
        let (s, v) = self
            .arm(
                "PUT",
                &format!("environments/env-{tag}/versions/1"),
                Some(json!({"properties": {"condaFile": TINY_CONDA, "image": "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu20.04:latest"}})),
            )
            .await;
        assert!(s < 300, "{v}");
        (
            self.id(&format!("codes/code-{tag}/versions/1")),
            self.id(&format!("models/model-{tag}/versions/1")),
            self.id(&format!("environments/env-{tag}/versions/1")),
        )
    }

    /// An endpoint with key auth and extra properties (e.g. a Kubernetes `compute`).
    pub async fn create_endpoint(&self, name: &str, extra: Value) -> Value {
        let mut properties = json!({"authMode": "Key"});
        if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
            p.extend(e.clone());
        }
        self.put_and_wait(
            &format!("onlineEndpoints/{name}"),
            json!({"location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": properties}),
        )
        .await
    }

    /// The endpoint's primary key.
    pub async fn key(&self, endpoint: &str) -> String {
        let (s, keys) = self
            .arm(
                "POST",
                &format!("onlineEndpoints/{endpoint}/listKeys"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{keys}");
        keys["primaryKey"].as_str().unwrap().to_owned()
    }

    /// Routes all live traffic of `endpoint` to `deployment`.
    pub async fn route_all(&self, endpoint: &str, deployment: &str) {
        let resource = self
            .put_and_wait(
                &format!("onlineEndpoints/{endpoint}"),
                json!({"location": "eastus", "identity": {"type": "SystemAssigned"},
                       "properties": {"authMode": "Key", "traffic": {deployment: 100}}}),
            )
            .await;
        assert_eq!(resource["properties"]["provisioningState"], "Succeeded");
    }

    /// A scoring call: status, `x-request-id` and body.
    pub async fn score(
        &self,
        endpoint: &str,
        key: &str,
        body: &Value,
    ) -> (u16, Option<String>, String) {
        let response = self
            .http
            .post(format!("{}/endpoints/{endpoint}/score", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        match response {
            Ok(r) => {
                let status = r.status().as_u16();
                let id = r
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                (status, id, r.text().await.unwrap_or_default())
            }
            Err(e) => (0, None, e.to_string()),
        }
    }
}

/// A deployment body with quick probes (1 s period, no initial delay).
pub fn deployment_body(code: &str, model: &str, env: &str, instances: u32, extra: Value) -> Value {
    let mut props = json!({
        "endpointComputeType": "Managed",
        "model": model,
        "environmentId": env,
        "codeConfiguration": {"codeId": code, "scoringScript": "score.py"},
        "instanceType": "Standard_DS3_v2",
        "readinessProbe": {"initialDelay": "PT0S", "period": "PT1S", "timeout": "PT2S", "failureThreshold": 60},
        "livenessProbe": {"initialDelay": "PT1S", "period": "PT1S", "timeout": "PT2S", "failureThreshold": 3}
    });
    if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    json!({"location": "eastus", "sku": {"name": "Default", "capacity": instances}, "properties": props})
}

/// Live (non-zombie) model servers started for the workspace in `dir`.
pub fn workspace_processes(dir: &Path) -> Vec<u32> {
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

/// Polls `check` every 50 ms until it holds or `limit` passes; false on timeout.
pub async fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every JSON Lines record under `folder` (recursively), with the file it came from.
pub fn jsonl_records(folder: &Path) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    // Bounded: a test's data collection folder has a handful of levels and files.
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "jsonl") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for line in text.lines() {
                    out.push((
                        path.clone(),
                        serde_json::from_str(line).expect("one JSON record a line"),
                    ));
                }
            }
        }
    }
    out
}
