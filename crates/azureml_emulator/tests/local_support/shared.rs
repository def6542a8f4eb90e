//! Offline-workspace test support shared by both crates: the emulator's
//! `tests/local_support/mod.rs` and the SDK's `tests/local_support/mod.rs` each include this one
//! file with `#[path]`, so one raw REST client (ARM, blob, scoring: the calls the SDK makes), one
//! closed-loop load, one instance-count watcher and one set of process checks serve both.
//! It names only the emulator crate, a dev-dependency of the SDK as well. Every wait is bounded.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use azureml_emulator::core::monitor::{Clock, ManualClock};
use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
use serde_json::{json, Value};
use time::OffsetDateTime;

pub const API: &str = "api-version=2025-12-01";
pub const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
pub const RESOURCE_GROUP: &str = "ml-project-rg";
pub const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";

/// A fake Entra token whose audience the workspace takes for ARM's.
const ARM_TOKEN: &str = "fake-token|https://127.0.0.1|test";

/// Shared venv cache (`$AZUREML_LOCAL_VENV_CACHE`, else one under the build folder): every test
/// (and CI run) builds each env once.
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

/// Options of a test workspace in `dir` (the shared venv cache).
pub fn options(dir: impl AsRef<Path>) -> LocalWorkspaceOptions {
    LocalWorkspaceOptions::default()
        .with_dir(dir.as_ref())
        .with_venv_cache(venv_cache())
}

/// A deployment body with fast probes (1 s period, no initial delay); `extra_props` are set
/// over the defaults.
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
        p.extend(extra.clone());
    }
    json!({"location": "eastus", "sku": {"name": "Default", "capacity": instances}, "properties": props})
}

/// REST calls to a workspace (in this process or another) at `base`, trusting its CA.
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub prefix: String,
}

impl Api {
    /// A client trusting `ca_pem` with the default connection settings.
    pub fn new(base_url: &str, ca_pem: &str) -> Api {
        Api::with_client(base_url, Api::client_builder(ca_pem).build().unwrap())
    }

    /// The client settings every test starts from: the workspace CA, a pool as large as the
    /// heaviest load test's callers.
    pub fn client_builder(ca_pem: &str) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
            .pool_max_idle_per_host(32)
    }

    /// Calls through `http` to the workspace at `base_url`.
    pub fn with_client(base_url: &str, http: reqwest::Client) -> Api {
        Api {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            prefix: WORKSPACE.to_owned(),
        }
    }

    /// ARM id of a workspace-relative path.
    pub fn id(&self, path: &str) -> String {
        format!("{}/{path}", self.prefix)
    }

    /// One ARM call to an absolute ARM path (with its own `api-version` when it has one);
    /// returns status, JSON body and headers.
    pub async fn arm_at(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = if path.contains("api-version=") {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}{sep}{API}", self.base)
        };
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .bearer_auth(ARM_TOKEN);
        if let Some(b) = body {
            req = req
                .header("content-type", "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.expect("ARM request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.bytes().await.expect("ARM answer");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            headers,
        )
    }

    /// One ARM call under the workspace; returns status, JSON body and headers.
    pub async fn arm(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        self.arm_at(method, &self.id(path), body).await
    }

    /// PUT then poll the resource until its provisioningState is terminal.
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
                let bytes = self
                    .http
                    .get(op)
                    .bearer_auth(ARM_TOKEN)
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
        self.wait_state(path).await
    }

    /// GETs the resource until its provisioningState is terminal (at most a minute).
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
                .bearer_auth(ARM_TOKEN)
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

    /// Registers `score_py`, a model of these weights (`weights.json`) and the tiny environment
    /// (named after `tag`); returns the code, model and environment ids.
    pub async fn register_weights(
        &self,
        tag: &str,
        score_py: &str,
        weights: &[f64],
    ) -> (String, String, String) {
        let model = serde_json::to_vec(&json!({ "w": weights })).unwrap();
        self.register_assets(tag, score_py, ("weights.json", model), TINY_CONDA)
            .await
    }

    /// An endpoint with this auth mode.
    pub async fn create_endpoint(&self, name: &str, auth_mode: &str) -> Value {
        self.create_endpoint_with(name, json!({ "authMode": auth_mode }))
            .await
    }

    /// An endpoint with these properties (e.g. a Kubernetes `compute`).
    pub async fn create_endpoint_with(&self, name: &str, properties: Value) -> Value {
        self.put_and_wait(
            &format!("onlineEndpoints/{name}"),
            json!({"location": "eastus", "identity": {"type": "SystemAssigned"}, "properties": properties}),
        )
        .await
    }

    /// Routes all live traffic of a key-auth `endpoint` to `deployment`.
    pub async fn route_all(&self, endpoint: &str, deployment: &str) {
        let resource = self
            .create_endpoint_with(
                endpoint,
                json!({"authMode": "Key", "traffic": {deployment: 100}}),
            )
            .await;
        assert_eq!(resource["properties"]["provisioningState"], "Succeeded");
    }

    /// The endpoint's primary and secondary keys.
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

    /// POST to the endpoint's scoring URI; the whole answer (headers included).
    pub async fn score_request(
        &self,
        endpoint: &str,
        key: &str,
        deployment: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        self.try_score_request(endpoint, key, deployment, body)
            .await
            .expect("score request")
    }

    /// POST to the endpoint's scoring URI; a transport error is returned, not a panic.
    pub async fn try_score_request(
        &self,
        endpoint: &str,
        key: &str,
        deployment: Option<&str>,
        body: &Value,
    ) -> reqwest::Result<reqwest::Response> {
        let mut req = self
            .http
            .post(format!("{}/endpoints/{endpoint}/score", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(d) = deployment {
            req = req.header("azureml-model-deployment", d);
        }
        req.send().await
    }
}

/// A closed-loop load on one endpoint: callers each sending the next call once the last one was
/// answered, counting what was sent and answered and keeping every `x-request-id`.
#[derive(Default)]
pub struct Load {
    endpoint: String,
    pub sent: Arc<AtomicU64>,
    pub answered: Arc<AtomicU64>,
    /// Status and body of every call not answered with 200 (status 0: the call itself failed).
    pub failures: Arc<Mutex<Vec<(u16, String)>>>,
    pub request_ids: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    pub fn new(endpoint: &str) -> Load {
        Load {
            endpoint: endpoint.to_owned(),
            ..Load::default()
        }
    }

    /// Starts `callers` callers sending `body` with `key`, at most `each` calls apiece.
    pub fn start(&mut self, api: &Arc<Api>, key: &str, callers: usize, body: Value, each: u64) {
        self.stop.store(false, Ordering::SeqCst);
        for _ in 0..callers {
            let (api, endpoint, key, body) = (
                api.clone(),
                self.endpoint.clone(),
                key.to_owned(),
                body.clone(),
            );
            let (sent, answered, failures, ids, stop) = (
                self.sent.clone(),
                self.answered.clone(),
                self.failures.clone(),
                self.request_ids.clone(),
                self.stop.clone(),
            );
            self.tasks.push(tokio::spawn(async move {
                for _ in 0..each {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    sent.fetch_add(1, Ordering::SeqCst);
                    let (status, id, text) =
                        match api.try_score_request(&endpoint, &key, None, &body).await {
                            Ok(response) => {
                                let status = response.status().as_u16();
                                let id = response
                                    .headers()
                                    .get("x-request-id")
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_owned);
                                (status, id, response.text().await.unwrap_or_default())
                            }
                            Err(e) => (0, None, e.to_string()),
                        };
                    if status == 200 {
                        answered.fetch_add(1, Ordering::SeqCst);
                    } else {
                        failures.lock().unwrap().push((status, text));
                    }
                    ids.lock().unwrap().extend(id);
                }
            }));
        }
    }

    /// Stops the callers after their call in flight and waits for them.
    pub async fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks.drain(..) {
            task.await.unwrap();
        }
    }

    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }

    pub fn answered(&self) -> u64 {
        self.answered.load(Ordering::SeqCst)
    }
}

/// Instances of `deployment` in rotation (ready, not draining) and its processes in all.
pub fn counts(ws: &LocalWorkspace, endpoint: &str, deployment: &str) -> (usize, usize) {
    let instances = ws.instances(endpoint, deployment);
    let serving = instances.iter().filter(|i| i.ready && !i.draining).count();
    (serving, instances.len())
}

/// (real seconds, monitor clock, instances in rotation, processes) at each change.
pub type Timeline = Vec<(f64, OffsetDateTime, usize, usize)>;

/// Records the counts of `endpoint`/`deployment` whenever they change, until `stop` is set.
pub fn watch_counts(
    ws: Arc<LocalWorkspace>,
    clock: Arc<ManualClock>,
    endpoint: &'static str,
    deployment: &'static str,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Timeline> {
    tokio::spawn(async move {
        let started = Instant::now();
        let mut timeline = Timeline::new();
        // Bounded by the test's own waits: it stops this before it ends; 15 minutes at most.
        while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(900) {
            let (serving, processes) = counts(&ws, endpoint, deployment);
            if timeline
                .last()
                .is_none_or(|(_, _, s, p)| (*s, *p) != (serving, processes))
            {
                timeline.push((
                    started.elapsed().as_secs_f64(),
                    clock.now(),
                    serving,
                    processes,
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        timeline
    })
}

pub fn print_timeline(timeline: &[(f64, OffsetDateTime, usize, usize)]) {
    println!("instance count over time (real s | monitor clock | in rotation | processes):");
    for (real, at, serving, processes) in timeline {
        println!("  {real:7.2} s | {} | {serving} | {processes}", at.time());
    }
}

/// What minute 0 of a scale-out test showed.
pub struct ScaleOut {
    /// The load, stopped, with everything it counted.
    pub load: Load,
    /// Calls sent when the autoscaler had decided.
    pub threshold_at: u64,
    /// From that decision to a second instance of `blue` in rotation.
    pub ready_after: Duration,
}

/// Minute 0 of the scale-out tests: four callers on `churn` until `decided()` (the autoscaler
/// acted), then until a second instance of `blue` serves, then 100 more calls over both.
pub async fn burst_until_scaled_out(
    ws: &LocalWorkspace,
    api: &Arc<Api>,
    key: &str,
    limit: Duration,
    decided: impl Fn() -> bool,
) -> ScaleOut {
    let mut load = Load::new("churn");
    load.start(api, key, 4, serde_json::json!({"data": [3, 4]}), 5_000);
    assert!(
        wait_until(limit, &decided).await,
        "no scale out after {} calls",
        load.sent()
    );
    let decision = Instant::now();
    let threshold_at = load.sent();
    assert!(
        wait_until(limit, || counts(ws, "churn", "blue").0 == 2).await,
        "the second instance never served"
    );
    let ready_after = decision.elapsed();
    let at_ready = load.sent();
    // The load goes on over both instances for a while.
    assert!(wait_until(limit, || load.sent() >= at_ready + 100).await);
    load.stop().await;
    ScaleOut {
        load,
        threshold_at,
        ready_after,
    }
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

/// Live (non-zombie) processes started for the workspace in `dir` (model servers carry the
/// workspace folder in their environment).
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
