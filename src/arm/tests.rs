//! The ARM layer against scripted wiremock answers: LRO patterns, failures, paging, errors,
//! retries. (End-to-end flows against the stateful fake workspace live in `tests/`.)

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use azure_core::http::{ClientOptions, RetryOptions};
use futures::TryStreamExt;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{lro, ArmPath};
use crate::client::{MLClient, MLClientOptions};
use crate::error::Error;
use crate::test_support::WS;

fn client(server: &MockServer, retry: RetryOptions) -> MLClient {
    let mut options = MLClientOptions::default().with_polling_interval(Duration::ZERO);
    options.client_options = ClientOptions {
        retry,
        ..Default::default()
    };
    crate::test_support::client(&server.uri(), options)
}

/// Three retries, 10 ms apart (what the retry tests need without sleeping long).
fn fast_retries() -> RetryOptions {
    RetryOptions::fixed(azure_core::http::FixedRetryOptions {
        delay: azure_core::time::Duration::milliseconds(10),
        max_retries: 3,
        ..Default::default()
    })
}

fn endpoint_path(c: &MLClient) -> ArmPath {
    ArmPath::workspace(
        ["onlineEndpoints", "ep"],
        &c.core.arm.api().online_endpoints,
    )
}

fn ctx() -> azure_core::http::Context<'static> {
    azure_core::http::Context::new()
}

fn resource_body(state: &str) -> Value {
    json!({"id": format!("{WS}/onlineEndpoints/ep"), "name": "ep", "properties": {"provisioningState": state}})
}

/// Answers a sequence of responses, one per call, repeating the last.
struct Sequence {
    responses: Vec<ResponseTemplate>,
    calls: AtomicUsize,
}

impl Respond for Sequence {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        self.responses[n.min(self.responses.len() - 1)].clone()
    }
}

fn seq(responses: Vec<ResponseTemplate>) -> Sequence {
    Sequence {
        responses,
        calls: AtomicUsize::new(0),
    }
}

/// Starts a PUT of the test endpoint (an empty body), its operation named `operation`.
async fn begin_put(c: &MLClient, operation: &str) -> crate::Result<lro::LroPoller<Value>> {
    c.core
        .arm
        .begin_put(&endpoint_path(c), &json!({}), operation.into(), &ctx())
        .await
}

/// Starts `regenerateKeys` of the test endpoint: an action that must not run twice.
async fn begin_regenerate(c: &MLClient) -> crate::Result<lro::LroPoller<()>> {
    c.core
        .arm
        .begin_action(
            &endpoint_path(c).join("regenerateKeys"),
            &json!({"keyType": "Primary"}),
            "regen".into(),
            &ctx(),
        )
        .await
}

#[tokio::test]
async fn put_follows_azure_async_operation_then_gets_the_resource() {
    let server = MockServer::start().await;
    let op = "https://management.azure.com/subscriptions/sub/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/op1?api-version=x";
    Mock::given(method("PUT"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .and(query_param("api-version", "2025-12-01"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("Azure-AsyncOperation", op)
                .set_body_json(resource_body("Creating")),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/subscriptions/sub/providers/Microsoft.MachineLearningServices/locations/eastus/mfeOperationsStatus/op1"))
        .respond_with(seq(vec![
            ResponseTemplate::new(200).set_body_json(json!({"status": "InProgress"})),
            ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"})),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource_body("Succeeded")))
        .expect(1)
        .mount(&server)
        .await;

    let c = client(&server, RetryOptions::none());
    let poller = begin_put(&c, "test").await.unwrap();
    let final_value = poller.await.unwrap().into_model().unwrap();
    assert_eq!(final_value["properties"]["provisioningState"], "Succeeded");
    // PUT, two status polls (the first immediately, as Python does), then the resource GET.
    let calls: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.method,
                r.url.path().rsplit('/').next().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(calls, ["PUT ep", "GET op1", "GET op1", "GET ep"]);
}

#[tokio::test]
async fn poller_streams_each_status() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "Azure-AsyncOperation",
                    "https://management.azure.com/operations/s1",
                )
                .set_body_json(resource_body("Creating")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/operations/s1"))
        .respond_with(seq(vec![
            ResponseTemplate::new(200).set_body_json(json!({"status": "InProgress"})),
            ResponseTemplate::new(200).set_body_json(json!({"status": "Running"})),
            ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"})),
        ]))
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let mut poller = begin_put(&c, "test").await.unwrap();
    let mut statuses = Vec::new();
    while let Some(status) = poller.try_next().await.unwrap() {
        statuses.push(status.into_model().unwrap().status);
    }
    assert_eq!(statuses, ["InProgress", "Running", "Succeeded"]);
}

#[tokio::test]
async fn put_without_header_polls_provisioning_state() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource_body("Updating")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(seq(vec![
            ResponseTemplate::new(200).set_body_json(resource_body("Updating")),
            ResponseTemplate::new(200).set_body_json(resource_body("Succeeded")),
        ]))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let poller = begin_put(&c, "test").await.unwrap();
    let value = lro::wait(poller).await.unwrap();
    assert_eq!(value["properties"]["provisioningState"], "Succeeded");
}

#[tokio::test]
async fn failed_operation_keeps_the_arm_code_and_message() {
    let server = MockServer::start().await;
    let op = "https://management.azure.com/operations/op2";
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header("Azure-AsyncOperation", op)
                .set_body_json(resource_body("Creating")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/operations/op2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "Failed",
            "error": {"code": "ResourceNotReady", "message": "User container has crashed or terminated.",
                      "details": [{"code": "Inner", "message": "init() failed"}]}
        })))
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let poller = begin_put(&c, "create ep").await.unwrap();
    let err = lro::wait(poller).await.unwrap_err();
    match &err {
        Error::OperationFailed {
            operation,
            status,
            code,
            message,
            details,
            ..
        } => {
            assert_eq!(operation, "create ep");
            assert_eq!(status, "Failed");
            assert_eq!(code, "ResourceNotReady");
            assert_eq!(message, "User container has crashed or terminated.");
            assert_eq!(details[0].code.as_deref(), Some("Inner"));
        }
        other => panic!("expected OperationFailed, got {other:?}"),
    }
    assert_eq!(err.code(), Some("ResourceNotReady"));
}

#[tokio::test]
async fn canceled_provisioning_state_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource_body("Creating")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource_body("Canceled")))
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let poller = begin_put(&c, "x").await.unwrap();
    let err = lro::wait(poller).await.unwrap_err();
    assert!(
        matches!(&err, Error::OperationFailed { status, .. } if status == "Canceled"),
        "{err:?}"
    );
}

#[tokio::test]
async fn delete_polls_location_while_202() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(202)
                .insert_header(
                    "Location",
                    "https://management.azure.com/operationResults/d1",
                )
                .insert_header("Retry-After", "5"),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/operationResults/d1"))
        .respond_with(seq(vec![
            ResponseTemplate::new(202),
            ResponseTemplate::new(202),
            ResponseTemplate::new(200),
        ]))
        .expect(3)
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let started = std::time::Instant::now();
    let poller = c
        .core
        .arm
        .begin_delete(&endpoint_path(&c), "delete".into(), &ctx())
        .await
        .unwrap();
    lro::wait(poller).await.unwrap();
    // The override replaced Retry-After: 5 (this is a guard against sleeping, not a timing test).
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn delete_answered_204_is_done_without_polling() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let poller = c
        .core
        .arm
        .begin_delete(&endpoint_path(&c), "delete".into(), &ctx())
        .await
        .unwrap();
    lro::wait(poller).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn location_poll_error_is_an_arm_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(202).insert_header(
            "Location",
            "https://management.azure.com/operationResults/d2",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(json!({"error": {"code": "Conflict", "message": "busy"}})),
        )
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let poller = c
        .core
        .arm
        .begin_delete(&endpoint_path(&c), "delete".into(), &ctx())
        .await
        .unwrap();
    let err = lro::wait(poller).await.unwrap_err();
    assert_eq!(err.status(), Some(409));
    assert_eq!(err.code(), Some("Conflict"));
}

#[tokio::test]
async fn service_errors_keep_code_message_details_and_request_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("x-ms-request-id", "req-123")
                .set_body_json(json!({"error": {"code": "BadArgument", "message": "traffic must sum to 100", "target": "traffic",
                    "details": [{"code": "Detail", "message": "blue=90"}]}})),
        )
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let err = c
        .core
        .arm
        .get::<Value>(&endpoint_path(&c), "OnlineEndpoint", &ctx())
        .await
        .unwrap_err();
    match err {
        Error::Service {
            status,
            code,
            message,
            target,
            details,
            request_id,
        } => {
            assert_eq!(status, 400);
            assert_eq!(code.as_deref(), Some("BadArgument"));
            assert_eq!(message, "traffic must sum to 100");
            assert_eq!(target.as_deref(), Some("traffic"));
            assert_eq!(details[0].message.as_deref(), Some("blue=90"));
            assert_eq!(request_id.as_deref(), Some("req-123"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn non_json_error_body_is_kept_as_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"))
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let err = c
        .core
        .arm
        .get::<Value>(&endpoint_path(&c), "x", &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("bad gateway"), "{err}");
}

#[tokio::test]
async fn pager_follows_next_link_with_our_api_version() {
    let server = MockServer::start().await;
    let next = format!(
        "https://management.azure.com{WS}/onlineEndpoints?api-version=2025-07-01-preview&$skip=abc"
    );
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints")))
        .and(query_param("$skip", "abc"))
        .and(query_param("api-version", "2025-12-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"n": 3}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"value": [{"n": 1}, {"n": 2}], "nextLink": next})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server, RetryOptions::none());
    let items: Vec<Value> = c
        .core
        .arm
        .list(
            &ArmPath::workspace(["onlineEndpoints"], "2025-12-01"),
            Default::default(),
        )
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let ns: Vec<i64> = items.iter().map(|v| v["n"].as_i64().unwrap()).collect();
    assert_eq!(ns, [1, 2, 3]);
}

#[tokio::test]
async fn regenerate_style_actions_are_not_retried_on_500() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"error": {"code": "InternalError", "message": "boom"}})),
        )
        .mount(&server)
        .await;
    let c = client(&server, fast_retries());
    let err = begin_regenerate(&c).await.err().unwrap();
    assert_eq!(err.status(), Some(500));
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "a non-idempotent POST must not be retried on 500"
    );
}

#[tokio::test]
async fn regenerate_style_actions_are_retried_on_429() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(seq(vec![
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            ResponseTemplate::new(200),
        ]))
        .mount(&server)
        .await;
    let c = client(&server, fast_retries());
    let poller = begin_regenerate(&c).await.unwrap();
    lro::wait(poller).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn reads_are_retried_on_503_and_the_url_restored_for_the_bearer_policy() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(seq(vec![
            ResponseTemplate::new(503).insert_header("Retry-After", "0"),
            ResponseTemplate::new(200).set_body_json(resource_body("Succeeded")),
        ]))
        .mount(&server)
        .await;
    let c = client(&server, fast_retries());
    let v: Value = c
        .core
        .arm
        .get(&endpoint_path(&c), "x", &ctx())
        .await
        .unwrap();
    assert_eq!(v["name"], "ep");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for r in requests {
        assert_eq!(r.headers.get("authorization").unwrap(), "Bearer arm-token");
        assert_eq!(
            r.headers.get(crate::ORIGINAL_HOST_HEADER).unwrap(),
            "management.azure.com"
        );
    }
}
