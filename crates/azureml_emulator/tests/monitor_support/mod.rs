//! Shared by the `monitor_*` tests: a fake workspace with a manual clock, reached over raw HTTP
//! on loopback with logical URLs (as a redirecting client does), and an endpoint with a
//! deployment to score.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use azureml_emulator::core::monitor::ManualClock;
use azureml_emulator::fake::FakeWorkspace;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

#[path = "../fake_support/mod.rs"]
mod fake_support;

/// One answer.
pub use fake_support::Resp as Answer;

/// Where the workspace's clock starts: Monday 1 July 2024, 10:00:05 UTC.
pub const START: OffsetDateTime = datetime!(2024-07-01 10:00:05 UTC);
pub const ENDPOINT: &str = "churn-prediction-v1";
pub const AUTOSCALE_API: &str = "2022-10-01";
pub const METRICS_API: &str = "2024-02-01";

/// The fake workspace and its clock.
pub struct Ws {
    pub fake: FakeWorkspace,
    pub clock: Arc<ManualClock>,
}

impl Ws {
    pub async fn start() -> Self {
        let fake = FakeWorkspace::start().await;
        let clock = Arc::new(ManualClock::new(START));
        fake.set_clock(clock.clone());
        Self { fake, clock }
    }

    /// Sends `method logical_url` to the fake, the logical host in `x-azml-original-host`.
    pub async fn send(
        &self,
        method: &str,
        logical_url: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut headers = headers.to_vec();
        if body.is_some() {
            headers.push(("Content-Type", "application/json".into()));
        }
        fake_support::call(&self.fake, method, logical_url, &headers, body).await
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
        self.send(
            method,
            &url,
            &[("Authorization", fake_support::arm_auth())],
            body.map(|b| b.to_string().into_bytes()),
        )
        .await
    }

    /// An ML workspace PUT (api-version 2025-12-01), waiting for its operation.
    async fn ml_put(&self, path: &str, body: Value) {
        fake_support::put_and_wait(&self.fake, path, body).await;
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

    /// Creates setting `name` as the seed's (CPU above 70 % adds one instance) on deployment
    /// `target`; its path.
    pub async fn create_seed_setting(&self, name: &str, target: &str) -> String {
        let path = self.setting_path(Some(name));
        let body = seed_setting(&self.deployment_id(target));
        let created = self.arm("PUT", &path, AUTOSCALE_API, "", Some(body)).await;
        assert_eq!(created.status, 201, "{}", created.text());
        path
    }

    /// Records `blue-0` of `blue` at 92 % CPU each minute from `START` for five minutes: the
    /// seed's rule then asks for one more instance at `START` + 4 minutes.
    pub fn record_hot_blue(&self) {
        for minute in 0..5 {
            let at = START + Duration::from_secs(60 * minute);
            self.fake
                .record_instance_sample(ENDPOINT, "blue", "blue-0", 92.0, 40.0, at);
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
