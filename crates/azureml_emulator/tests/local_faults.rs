//! Fault injection on the offline workspace's HTTPS front, over raw HTTP: resets before and
//! in the middle of an answer, truncated bodies, silence and delays, scoring faults before any
//! routing, operation faults. No Python: no deployment runs.
#![cfg(feature = "local")]

use std::time::Duration;

use azureml_emulator::core::{Fault, FaultRule, Service};
use azureml_emulator::local::{LocalWorkspace, LocalWorkspaceOptions};
use serde_json::{json, Value};

const WORKSPACE: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ml-project-rg/providers/Microsoft.MachineLearningServices/workspaces/ml-workspace-production";

struct Fixture {
    ws: LocalWorkspace,
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ws = LocalWorkspace::start(LocalWorkspaceOptions::default().with_dir(dir.path()))
            .await
            .unwrap();
        Self { ws, _dir: dir }
    }

    fn client(&self, http1: bool) -> reqwest::Client {
        let ca = reqwest::Certificate::from_pem(self.ws.ca_pem().as_bytes()).unwrap();
        let builder = reqwest::Client::builder()
            .add_root_certificate(ca)
            .timeout(Duration::from_secs(10));
        if http1 {
            builder.http1_only().build().unwrap()
        } else {
            builder.http2_prior_knowledge().build().unwrap()
        }
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}{WORKSPACE}{path}?api-version=2025-12-01",
            self.ws.base_url().as_str().trim_end_matches('/')
        )
    }

    fn get(&self, client: &reqwest::Client, path: &str) -> reqwest::RequestBuilder {
        client.get(self.url(path)).bearer_auth("local-token")
    }
}

async fn json_of(response: reqwest::Response) -> Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

/// True when some error in the chain is an I/O error of `kind`.
fn caused_by(error: &(dyn std::error::Error + 'static), kind: std::io::ErrorKind) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
        {
            return true;
        }
        next = e.source();
    }
    false
}

#[tokio::test]
async fn http1_connections_are_reset_truncated_or_left_silent() {
    let f = Fixture::start().await;
    let http = f.client(true);
    let models = "/models";
    let normal = f.get(&http, models).send().await.unwrap();
    assert_eq!(normal.status().as_u16(), 200);
    let full = json_of(normal).await;

    // Reset before any byte of the answer: no status at all.
    f.ws.inject(FaultRule::new(Fault::ResetBeforeResponse).path_contains(models));
    let err = f.get(&http, models).send().await.unwrap_err();
    assert!(!err.is_timeout() && err.status().is_none(), "{err:?}");

    // Reset mid-body: the head arrives with the whole length, then a TCP RST.
    f.ws.inject(FaultRule::new(Fault::ResetMidBody).path_contains(models));
    let head = f.get(&http, models).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    let announced = head.content_length().unwrap();
    assert_eq!(announced, serde_json::to_vec(&full).unwrap().len() as u64);
    let err = head.bytes().await.unwrap_err();
    assert!(
        caused_by(&err, std::io::ErrorKind::ConnectionReset),
        "{err:?}"
    );

    // Truncated: the same head, half the body, a clean close (no reset).
    f.ws.inject(FaultRule::new(Fault::TruncatedBody).path_contains(models));
    let head = f.get(&http, models).send().await.unwrap();
    assert_eq!(head.content_length(), Some(announced));
    let err = head.bytes().await.unwrap_err();
    assert!(
        !caused_by(&err, std::io::ErrorKind::ConnectionReset),
        "{err:?}"
    );

    // Silence and a long delay: the client's own timeout is what ends them.
    for fault in [Fault::Silence, Fault::Delay(Duration::from_secs(5))] {
        f.ws.inject(FaultRule::new(fault).path_contains(models));
        let err = f
            .get(&http, models)
            .timeout(Duration::from_millis(300))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_timeout(), "{err:?}");
    }

    // Every rule was spent: the route answers again, in full.
    let again = json_of(f.get(&http, models).send().await.unwrap()).await;
    assert_eq!(again, full);
    f.ws.shutdown().await;
}

#[tokio::test]
async fn http2_resets_the_call_not_the_connection() {
    let f = Fixture::start().await;
    let http = f.client(false);
    f.ws.inject(FaultRule::new(Fault::ResetMidBody).path_contains("/models"));
    let head = f.get(&http, "/models").send().await.unwrap();
    assert_eq!(head.version(), reqwest::Version::HTTP_2);
    assert!(head.bytes().await.is_err());
    f.ws.inject(FaultRule::new(Fault::ResetBeforeResponse).path_contains("/models"));
    assert!(f.get(&http, "/models").send().await.is_err());
    let after = f.get(&http, "/models").send().await.unwrap();
    assert_eq!(after.status().as_u16(), 200);
    f.ws.shutdown().await;
}

#[tokio::test]
async fn scoring_faults_hit_before_routing_and_operations_can_stall() {
    let f = Fixture::start().await;
    let http = f.client(true);
    let score = format!(
        "{}/endpoints/nowhere/score",
        f.ws.base_url().as_str().trim_end_matches('/')
    );
    f.ws.inject(
        FaultRule::new(Fault::unavailable(Some(Duration::from_secs(4))))
            .service(Service::Scoring)
            .times(2),
    );
    for _ in 0..2 {
        let r = http.post(&score).body("{}").send().await.unwrap();
        assert_eq!(r.status().as_u16(), 503);
        assert_eq!(r.headers()["retry-after"], "4");
    }
    // Spent: the call reaches the router, which knows no such endpoint.
    let r = http.post(&score).body("{}").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);

    // An endpoint whose creation never ends, however often it is polled.
    f.ws.inject(FaultRule::new(Fault::LroNeverEnds).method("PUT"));
    let created = http
        .put(f.url("/onlineEndpoints/stuck"))
        .bearer_auth("local-token")
        .header("content-type", "application/json")
        .body(json!({"location": "eastus", "properties": {"authMode": "Key"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let op = created.headers()["azure-asyncoperation"]
        .to_str()
        .unwrap()
        .to_owned();
    for _ in 0..5 {
        let status = json_of(
            http.get(&op)
                .bearer_auth("local-token")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status["status"], "InProgress");
    }
    f.ws.clear_faults();
    f.ws.shutdown().await;
}
