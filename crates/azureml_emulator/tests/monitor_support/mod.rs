//! Shared by the `monitor_*` tests: a fake workspace with a manual clock, reached over raw HTTP
//! on loopback with logical URLs (as a redirecting client does), and an endpoint with a
//! deployment to score.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use azureml_emulator::core::monitor::ManualClock;
use azureml_emulator::fake::{fake_access_token, FakeWorkspace, ORIGINAL_HOST_HEADER};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;
use url::Url;

/// Where the workspace's clock starts: Monday 1 July 2024, 10:00:05 UTC.
pub const START: OffsetDateTime = datetime!(2024-07-01 10:00:05 UTC);
pub const ENDPOINT: &str = "churn-prediction-v1";
pub const AUTOSCALE_API: &str = "2022-10-01";
pub const METRICS_API: &str = "2024-02-01";

/// One answer.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// `error.code` of an ARM error.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// The fake workspace, its clock and an HTTP client.
pub struct Ws {
    pub fake: FakeWorkspace,
    pub clock: Arc<ManualClock>,
    http: reqwest::Client,
}

impl Ws {
    pub async fn start() -> Self {
        let fake = FakeWorkspace::start().await;
        let clock = Arc::new(ManualClock::new(START));
        fake.set_clock(clock.clone());
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Self { fake, clock, http }
    }

    /// Sends `method logical_url` to the fake, the logical host in `x-azml-original-host`.
    pub async fn send(
        &self,
        method: &str,
        logical_url: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let logical = Url::parse(logical_url).expect("logical URL");
        let mut url = self.fake.uri();
        url.set_path(logical.path());
        url.set_query(logical.query());
        let mut request = self
            .http
            .request(method.parse().expect("method"), url)
            .header(ORIGINAL_HOST_HEADER, logical.host_str().unwrap_or_default());
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body);
        }
        let response = request.send().await.expect("the fake answers");
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.unwrap_or_default(),
        }
    }

    /// An ARM request: `path` is absolute, `query` without `api-version`.
    pub async fn arm(
        &self,
        method: &str,
        path: &str,
        api_version: &str,
        query: &str,
        body: Option<Value>,
    ) -> Answer {
        let sep = if query.is_empty() { "" } else { "&" };
        let url =
            format!("https://management.azure.com{path}?api-version={api_version}{sep}{query}");
        let auth = format!(
            "Bearer {}",
            fake_access_token("https://management.azure.com/.default")
        );
        self.send(
            method,
            &url,
            &[("Authorization", auth)],
            body.map(|b| b.to_string().into_bytes()),
        )
        .await
    }

    /// An ML workspace request (api-version 2025-12-01), waiting for its operation.
    async fn ml_put(&self, path: &str, body: Value) {
        let full = format!("{}{path}", self.fake.workspace_id());
        let answer = self.arm("PUT", &full, "2025-12-01", "", Some(body)).await;
        assert!(
            matches!(answer.status, 200 | 201),
            "{}: {}",
            answer.status,
            answer.text
        );
        let operation = answer
            .header("azure-asyncoperation")
            .expect("async operation");
        for _ in 0..20 {
            let url = Url::parse(&operation).expect("operation URL");
            let status = self
                .arm("GET", url.path(), "2025-12-01", "", None)
                .await
                .json();
            if status["status"] != "InProgress" {
                assert_eq!(status["status"], "Succeeded");
                return;
            }
        }
        panic!("{path} never finished");
    }

    /// The endpoint (key auth) and deployments with `sku.capacity` 1 and the given extra
    /// `properties`.
    pub async fn deploy(&self, deployments: &[(&str, Value)]) {
        self.ml_put(
            &format!("/onlineEndpoints/{ENDPOINT}"),
            json!({"location": "eastus", "properties": {"authMode": "Key"}}),
        )
        .await;
        for (name, extra) in deployments {
            let mut properties =
                json!({"endpointComputeType": "Managed", "instanceType": "Standard_DS3_v2"});
            if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
                p.extend(e.clone());
            }
            self.ml_put(
                &format!("/onlineEndpoints/{ENDPOINT}/deployments/{name}"),
                json!({"location": "eastus", "sku": {"name": "Default", "capacity": 1}, "properties": properties}),
            )
            .await;
        }
    }

    /// Scores `body`, pinned to `deployment`, with the endpoint's key.
    pub async fn score(&self, deployment: &str, body: &str) -> Answer {
        let (key, _) = self.fake.endpoint_keys(ENDPOINT).expect("keys");
        let headers = [
            ("Authorization", format!("Bearer {}", key.secret())),
            ("azureml-model-deployment", deployment.to_owned()),
        ];
        let url = format!("https://{ENDPOINT}.eastus.inference.ml.azure.com/score");
        self.send("POST", &url, &headers, Some(body.as_bytes().to_vec()))
            .await
    }

    pub fn endpoint_id(&self) -> String {
        format!("{}/onlineEndpoints/{ENDPOINT}", self.fake.workspace_id())
    }

    pub fn deployment_id(&self, deployment: &str) -> String {
        format!("{}/deployments/{deployment}", self.endpoint_id())
    }

    /// `…/resourcegroups/{rg}/providers/Microsoft.Insights/autoscalesettings[/{name}]`.
    pub fn setting_path(&self, name: Option<&str>) -> String {
        let base = format!(
            "/subscriptions/{}/resourcegroups/{}/providers/Microsoft.Insights/autoscalesettings",
            self.fake.subscription_id(),
            self.fake.resource_group()
        );
        match name {
            Some(n) => format!("{base}/{n}"),
            None => base,
        }
    }

    /// `GET {resource}/providers/Microsoft.Insights/metrics?{query}`.
    pub async fn metrics(&self, resource: &str, query: &str) -> Answer {
        let path = format!("{resource}/providers/Microsoft.Insights/metrics");
        self.arm("GET", &path, METRICS_API, query, None).await
    }
}

/// A reference file next to the checkout (`/work/shared` seen from the main checkout or a
/// worktree).
pub fn shared_json(relative: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let path = ["../../../shared", "../../../../shared"]
        .iter()
        .map(|base| root.join(base).join(relative))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{relative} not found next to the checkout"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON")
}

/// The official `createOrUpdateAutoscaleSetting` example.
pub fn autoscale_example() -> Value {
    shared_json(
        "azureml-rest/examples/monitor/autoscale/2022-10-01/createOrUpdateAutoscaleSetting.json",
    )
}

/// The seed's setting, as `az monitor autoscale create` + `rule create` send it.
pub fn seed_setting(target: &str) -> Value {
    json!({
        "location": "eastus",
        "tags": {},
        "properties": {
            "enabled": true,
            "targetResourceUri": target,
            "profiles": [{
                "name": "default",
                "capacity": {"minimum": "1", "maximum": "5", "default": "1"},
                "rules": [{
                    "metricTrigger": {
                        "metricName": "CpuUtilizationPercentage",
                        "metricResourceUri": target,
                        "timeGrain": "PT1M", "statistic": "Average",
                        "timeWindow": "PT5M", "timeAggregation": "Average",
                        "operator": "GreaterThan", "threshold": 70
                    },
                    "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"}
                }]
            }],
            "notifications": []
        }
    })
}
