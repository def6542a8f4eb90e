//! Long-running operations and answers that end badly: one error variant for a failed
//! operation, pollers safe to await after streaming, deadlines that hold whatever the service
//! asks, and no panic on absurd headers or values.

mod hostile;

use std::future::IntoFuture;
use std::time::Duration;

use azure_ai_ml::{Error, LroPoller, ManagedOnlineEndpoint, OnlineEndpoint};
use futures::TryStreamExt;
use hostile::{bounded, client_with, endpoint_json, mount_workspace, small_limits, WS};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn resource(state: &str) -> serde_json::Value {
    endpoint_json("churn", state)
}

/// A workspace whose endpoint PUT answers with `put` and whose status URL answers `statuses`
/// in turn (the last one repeating).
async fn lro_server(put: ResponseTemplate, statuses: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .respond_with(put)
        .mount(&server)
        .await;
    let count = statuses.len();
    for (i, status) in statuses.into_iter().enumerate() {
        let mock = Mock::given(method("GET")).and(path("/operations/op"));
        let mock = if i + 1 < count {
            mock.respond_with(status).up_to_n_times(1)
        } else {
            mock.respond_with(status)
        };
        mock.mount(&server).await;
    }
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/churn")))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource("Succeeded")))
        .mount(&server)
        .await;
    server
}

fn async_put() -> ResponseTemplate {
    ResponseTemplate::new(201)
        .insert_header(
            "Azure-AsyncOperation",
            "https://management.azure.com/operations/op",
        )
        .set_body_json(resource("Creating"))
}

async fn begin(server: &MockServer) -> LroPoller<OnlineEndpoint> {
    let (ml_client, _) =
        client_with(small_limits(&server.uri()).with_polling_interval(Duration::ZERO));
    ml_client
        .online_endpoints()
        .begin_create_or_update(&ManagedOnlineEndpoint::new("churn"), None)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_poller_streamed_to_its_end_can_still_be_awaited() {
    let server = lro_server(
        async_put(),
        vec![
            ResponseTemplate::new(200).set_body_json(json!({"status": "InProgress"})),
            ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"})),
        ],
    )
    .await;
    let mut poller = begin(&server).await;
    let mut statuses = Vec::new();
    bounded("stream", async {
        while let Some(status) = poller.try_next().await.unwrap() {
            statuses.push(status.into_model().unwrap().status);
        }
    })
    .await;
    assert_eq!(statuses, ["InProgress", "Succeeded"]);
    // Streaming past the end is harmless too.
    assert!(poller.try_next().await.unwrap().is_none());
    let endpoint = bounded("await", poller.into_future())
        .await
        .unwrap()
        .into_model()
        .unwrap();
    assert_eq!(endpoint.name(), "churn");
}

#[tokio::test]
async fn a_failed_poller_streamed_to_its_end_gives_the_same_error_when_awaited() {
    let server = lro_server(
        async_put(),
        vec![ResponseTemplate::new(200)
            .insert_header("x-ms-request-id", "rid-failed")
            .set_body_json(json!({"status": "Failed",
                "error": {"code": "ResourceNotReady", "message": "container crashed"}}))],
    )
    .await;
    let mut poller = begin(&server).await;
    let streamed = bounded("stream", poller.try_next()).await.unwrap_err();
    let streamed = Error::from(streamed);
    let awaited = Error::from(bounded("await", poller.into_future()).await.unwrap_err());
    for err in [&streamed, &awaited] {
        assert!(
            matches!(err, Error::OperationFailed { code, .. } if code == "ResourceNotReady"),
            "{err:?}"
        );
        assert_eq!(err.request_id(), Some("rid-failed"));
    }
    assert_eq!(streamed.to_string(), awaited.to_string());
}

#[tokio::test]
async fn failed_operations_are_one_variant_whichever_way_the_service_says_it() {
    // Through the operation status (Azure-AsyncOperation)…
    let server = lro_server(
        async_put(),
        vec![ResponseTemplate::new(200).set_body_json(
            json!({"status": "Canceled", "error": {"code": "Canceled", "message": "by user"}}),
        )],
    )
    .await;
    let via_status = Error::from(
        bounded("status", begin(&server).await.into_future())
            .await
            .unwrap_err(),
    );
    // …and through the resource's provisioningState.
    let server = MockServer::start().await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(resource("Creating")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/churn")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ms-request-id", "rid-state")
                .set_body_json(resource("Failed")),
        )
        .mount(&server)
        .await;
    let via_state = Error::from(
        bounded("state", begin(&server).await.into_future())
            .await
            .unwrap_err(),
    );
    for (err, status) in [(&via_status, "Canceled"), (&via_state, "Failed")] {
        match err {
            Error::OperationFailed {
                operation,
                status: s,
                code,
                ..
            } => {
                assert!(
                    operation.contains("begin_create_or_update(churn)"),
                    "{operation}"
                );
                assert_eq!(s, status);
                assert!(!code.is_empty());
            }
            other => panic!("expected OperationFailed, got {other:?}"),
        }
        assert!(err.to_string().contains(status), "{err}");
    }
    assert_eq!(via_state.request_id(), Some("rid-state"));
}

#[tokio::test]
async fn the_operation_deadline_holds_whatever_retry_after_asks() {
    let server = lro_server(
        async_put().insert_header("x-ms-async-operation-timeout", "PT0.3S"),
        vec![ResponseTemplate::new(200)
            .insert_header("Retry-After", "3600")
            .set_body_json(json!({"status": "InProgress"}))],
    )
    .await;
    // No polling override, a generous cap: only the operation's own deadline bounds the wait.
    let (ml_client, _) =
        client_with(small_limits(&server.uri()).with_max_retry_after(Duration::from_secs(3600)));
    let poller = ml_client
        .online_endpoints()
        .begin_create_or_update(&ManagedOnlineEndpoint::new("churn"), None)
        .await
        .unwrap();
    let err = Error::from(bounded("deadline", poller.into_future()).await.unwrap_err());
    assert!(
        matches!(&err, Error::OperationFailed { status, .. } if status == "TimedOut"),
        "{err:?}"
    );
}

#[tokio::test]
async fn absurd_operation_timeouts_do_not_panic() {
    for timeout in [
        "PT99999999999999999999999S",
        "PT1e300S",
        "P999999999999999D",
        "P99999999999999999999999999999999999999D",
        "garbage",
        "-PT1S",
    ] {
        let server = lro_server(
            async_put().insert_header("x-ms-async-operation-timeout", timeout),
            vec![ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"}))],
        )
        .await;
        let endpoint = bounded(timeout, begin(&server).await.into_future())
            .await
            .unwrap_or_else(|e| panic!("{timeout}: {e}"))
            .into_model()
            .unwrap();
        assert_eq!(endpoint.name(), "churn");
    }
}

#[tokio::test]
async fn absurd_durations_in_a_deployment_are_errors_not_panics() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": format!("{WS}/onlineEndpoints/ep/deployments/blue"),
            "name": "blue",
            "location": "eastus",
            "properties": {
                "endpointComputeType": "Managed",
                "livenessProbe": {"period": "9999999999999999999999999999999.00:00:00"}
            },
            "sku": {"name": "Default", "capacity": 1}
        })))
        .mount(&server)
        .await;
    let (ml_client, _) = client_with(small_limits(&server.uri()));
    let err = bounded(
        "get",
        ml_client.online_deployments().get("blue", "ep", None),
    )
    .await
    .unwrap_err();
    match &err {
        Error::Decode { path, .. } => {
            assert_eq!(path.as_deref(), Some("properties.livenessProbe.period"))
        }
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn decode_errors_of_list_pages_and_lro_results_name_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [resource("Succeeded"), {"name": "bad", "identity": "SystemAssigned", "properties": {}}]
        })))
        .mount(&server)
        .await;
    let (ml_client, _) = client_with(small_limits(&server.uri()));
    let listed = bounded(
        "list",
        ml_client
            .online_endpoints()
            .list(None)
            .unwrap()
            .try_collect::<Vec<_>>(),
    )
    .await;
    let err = Error::from(listed.unwrap_err());
    match &err {
        Error::Decode { path, .. } => assert_eq!(path.as_deref(), Some("value[1].identity")),
        other => panic!("expected Decode, got {other:?}"),
    }
    let text = err.to_string();
    assert!(!text.contains("Wire"), "{text}");

    // The LRO's final GET answers a resource that doesn't decode.
    let server = lro_server(
        async_put(),
        vec![ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"}))],
    )
    .await;
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/operations/op"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/churn")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"name": "ep", "properties": {"authMode": 5}})),
        )
        .mount(&server)
        .await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .respond_with(async_put())
        .mount(&server)
        .await;
    let err = Error::from(
        bounded("lro", begin(&server).await.into_future())
            .await
            .unwrap_err(),
    );
    match &err {
        Error::Decode { path, .. } => assert_eq!(path.as_deref(), Some("properties.authMode")),
        other => panic!("expected Decode, got {other:?}"),
    }
}
