//! The client against servers that never answer, reset, stall, or ask to wait an hour: every call
//! ends, within its configured limits, with an error that names the cause. Each test runs under
//! a 20-second guard, so a regression fails instead of hanging the suite.

mod hostile;

use std::future::IntoFuture;
use std::time::Duration;

use azure_ai_ml::invoke::InvokeRequest;
use azure_ai_ml::{Error, KeyType, MLClientOptions};
use futures::TryStreamExt;
use hostile::{
    bounded, client_with, endpoint_json, json_answer, mount_workspace, scoring_builder,
    small_limits, Action, Server, WS,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_server_that_never_answers_fails_within_the_request_timeout() {
    let server = Server::start(|_| Action::Hang).await;
    let (ml_client, _) = client_with(small_limits(&server.base));
    let err = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("timed out"), "{text}");
    assert!(text.contains("management.azure.com"), "{text}");
    // Tried again (a GET may be), but never past the budget: not the four tries of the retry
    // policy at 300 ms each plus waits.
    assert!(server.count("GET", "onlineEndpoints/ep") >= 1);

    let scoring = scoring_builder(&server.base)
        .with_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = bounded("invoke", scoring.invoke(InvokeRequest::text("{}")))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn an_answer_whose_body_never_ends_is_cut_by_the_time_limit() {
    let server = Server::start(|_| {
        Action::HeadThenStall(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\""
                .to_vec(),
        )
    })
    .await;
    let (ml_client, _) = client_with(small_limits(&server.base));
    let err = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn a_reset_fails_within_the_budget_and_names_the_cause() {
    let server = Server::start(|_| Action::Reset).await;
    // The default retry policy (exponential, up to a minute): only the budget stops it.
    let mut options = small_limits(&server.base);
    options.client_options.retry = Default::default();
    let (ml_client, _) = client_with(options);
    let err = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        !text.contains("failed to execute `reqwest` request"),
        "{text}"
    );
    assert!(
        text.contains("error sending request") || text.contains("connection"),
        "{text}"
    );
}

#[tokio::test]
async fn regenerate_keys_is_sent_once_even_when_the_connection_resets() {
    let endpoint = endpoint_json("ep", "Succeeded").to_string();
    let server = Server::start(move |req| {
        if req.method == "POST" {
            Action::Reset
        } else {
            json_answer(200, &endpoint)
        }
    })
    .await;
    let (ml_client, _) = client_with(small_limits(&server.base));
    let err = bounded(
        "regenerate",
        ml_client
            .online_endpoints()
            .begin_regenerate_keys("ep", KeyType::Primary, None),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("not sent again"), "{err}");
    assert_eq!(
        server.count("POST", "regenerateKeys"),
        1,
        "the service may have regenerated the key already; a second POST would do it again"
    );
}

#[tokio::test]
async fn connections_refused_are_retried_and_end_within_the_budget() {
    // A port nobody listens on: the request never left, so retrying is safe.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (ml_client, _) = client_with(small_limits(&format!("http://{closed}")));
    let err = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(!err.to_string().contains("reqwest` request"), "{err}");
}

#[tokio::test]
async fn an_hour_of_retry_after_is_capped_on_reads_polls_and_invoke() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(ResponseTemplate::new(200).set_body_json(endpoint_json("ep", "Succeeded")))
        .mount(&server)
        .await;
    let options = small_limits(&server.uri()).with_retry_budget(Duration::from_secs(10));
    let (ml_client, _) = client_with(options);
    let endpoint = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap();
    assert_eq!(endpoint.name(), "ep");

    // An LRO whose polls each ask for an hour, and no polling-interval override.
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .and(path(format!("{WS}/onlineEndpoints/churn")))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "Azure-AsyncOperation",
                    "https://management.azure.com/operations/slow",
                )
                .insert_header("Retry-After", "3600")
                .set_body_json(endpoint_json("ep", "Succeeded")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/operations/slow"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("Retry-After", "3600")
                .set_body_json(json!({"status": "InProgress"})),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/operations/slow"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status": "Succeeded"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/churn")))
        .respond_with(ResponseTemplate::new(200).set_body_json(endpoint_json("ep", "Succeeded")))
        .mount(&server)
        .await;
    let endpoint = azure_ai_ml::ManagedOnlineEndpoint::new("churn");
    let created = bounded("lro", async {
        ml_client
            .online_endpoints()
            .begin_create_or_update(&endpoint, None)
            .await?
            .await
            .map_err(Error::from)
    })
    .await
    .unwrap();
    assert_eq!(created.status(), azure_core::http::StatusCode::Ok);

    let scoring = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&scoring)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1]"))
        .mount(&scoring)
        .await;
    let client = scoring_builder(&scoring.uri())
        .with_max_retry_delay(Duration::from_millis(50))
        .build()
        .unwrap();
    let answer = bounded("invoke", client.invoke(InvokeRequest::text("{}")))
        .await
        .unwrap();
    assert_eq!(answer.text().unwrap(), "[1]");
}

#[tokio::test]
async fn a_retry_after_past_the_budget_returns_the_last_answer() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "3600")
                .set_body_json(json!({"error": {"code": "ServerBusy", "message": "later"}})),
        )
        .mount(&server)
        .await;
    // The cap (60 s) is larger than the budget (300 ms): the budget decides.
    let options = small_limits(&server.uri())
        .with_max_retry_after(Duration::from_secs(60))
        .with_retry_budget(Duration::from_millis(300));
    let (ml_client, _) = client_with(options);
    let err = bounded("get", ml_client.online_endpoints().get("ep", None))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.code(), Some("ServerBusy"));

    let client = scoring_builder(&server.uri())
        .with_retry_budget(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = bounded("invoke", client.invoke(InvokeRequest::text("{}")))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn a_next_link_that_repeats_ends_the_list_with_an_error() {
    let server = MockServer::start().await;
    let own = format!("https://management.azure.com{WS}/onlineEndpoints?api-version=2025-12-01");
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"value": [endpoint_json("ep", "Succeeded")], "nextLink": own}),
            ),
        )
        .mount(&server)
        .await;
    let (ml_client, _) = client_with(small_limits(&server.uri()));
    let result: Result<Vec<_>, _> = bounded(
        "list",
        ml_client
            .online_endpoints()
            .list(None)
            .unwrap()
            .try_collect::<Vec<_>>(),
    )
    .await;
    let err = Error::from(result.unwrap_err());
    assert!(err.to_string().contains("repeats a page"), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn follow_up_links_to_other_hosts_never_get_the_arm_token() {
    let server = MockServer::start().await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(201)
                .insert_header(
                    "Azure-AsyncOperation",
                    "https://attacker.blob.core.windows.net/c/status",
                )
                .set_body_json(endpoint_json("ep", "Succeeded")),
        )
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(
            ResponseTemplate::new(202).insert_header("Location", "https://127.0.0.1:1/steal"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"value": [], "nextLink": "https://evil.example/next?api-version=1"}),
        ))
        .mount(&server)
        .await;
    let (ml_client, _) = client_with(small_limits(&server.uri()));
    let ops = ml_client.online_endpoints();

    let poller = ops
        .begin_create_or_update(&azure_ai_ml::ManagedOnlineEndpoint::new("churn"), None)
        .await
        .unwrap();
    let err = Error::from(bounded("put lro", poller.into_future()).await.unwrap_err());
    assert!(
        err.to_string().contains("attacker.blob.core.windows.net"),
        "{err}"
    );

    let poller = ops.begin_delete("churn", None).await.unwrap();
    let err = Error::from(
        bounded("delete lro", poller.into_future())
            .await
            .unwrap_err(),
    );
    assert!(err.to_string().contains("Location"), "{err}");

    let listed = bounded("list", ops.list(None).unwrap().try_collect::<Vec<_>>()).await;
    let err = Error::from(listed.unwrap_err());
    assert!(err.to_string().contains("evil.example"), "{err}");

    let hosts: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter_map(|r| {
            r.headers
                .get("x-azml-original-host")
                .map(|h| h.to_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert!(
        hosts.iter().all(|h| h == "management.azure.com"),
        "requests left the ARM host: {hosts:?}"
    );
}

#[tokio::test]
async fn keys_in_an_error_answer_are_never_quoted() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(ResponseTemplate::new(200).set_body_json(endpoint_json("ep", "Succeeded")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{WS}/onlineEndpoints/ep/listKeys")))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-ms-request-id", "rid-1")
                .set_body_json(
                    json!({"primaryKey": "PRIMARY-SECRET", "secondaryKey": "SECONDARY-SECRET"}),
                ),
        )
        .mount(&server)
        .await;
    let (ml_client, _) = client_with(small_limits(&server.uri()));
    let err = bounded("keys", ml_client.online_endpoints().get_keys("ep", None))
        .await
        .unwrap_err();
    let shown = format!("{err} | {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.request_id(), Some("rid-1"));

    // A 200 whose keys don't decode: the error names the field, not the value.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path(format!("{WS}/onlineEndpoints/ep")))
        .respond_with(ResponseTemplate::new(200).set_body_json(endpoint_json("ep", "Succeeded")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"primaryKey": ["PRIMARY-SECRET"], "secondaryKey": "SECONDARY-SECRET"}),
        ))
        .mount(&server)
        .await;
    let err = bounded("keys", ml_client.online_endpoints().get_keys("ep", None))
        .await
        .unwrap_err();
    let shown = format!("{err} | {err:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("primaryKey"), "{shown}");
}

#[tokio::test]
async fn default_options_bound_every_call() {
    let options = MLClientOptions::default();
    assert_eq!(
        options.request_timeout,
        Some(azure_ai_ml::client::DEFAULT_REQUEST_TIMEOUT)
    );
    assert!(options.retry_budget > Duration::ZERO);
    assert!(options.max_retry_after <= Duration::from_secs(60));
    assert_eq!(
        options.scoring_timeout,
        Some(azure_ai_ml::invoke::DEFAULT_SCORING_TIMEOUT)
    );
    // Off only on request.
    let off = MLClientOptions::default()
        .with_request_timeout(None)
        .with_scoring_timeout(None);
    assert_eq!(off.request_timeout, None);
    assert_eq!(off.scoring_timeout, None);
}

/// How long a dead, a busy and a resetting server take to surface an error with the default
/// options (no assertion on time: run it to measure).
/// `cargo test -p azure_ai_ml --all-features --test client_bounds -- --ignored --nocapture`
#[tokio::test]
#[ignore = "measurement: takes about a minute with the default limits"]
async fn measure_default_time_to_error() {
    let busy = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&busy)
        .await;
    let never = Server::start(|_| Action::Hang).await;
    let reset = Server::start(|_| Action::Reset).await;
    for (name, base) in [
        ("503 forever", busy.uri()),
        ("reset", reset.base.clone()),
        ("never answers", never.base.clone()),
    ] {
        let options = MLClientOptions::default().with_redirect(base.parse().unwrap());
        let (ml_client, _) = client_with(options);
        let started = std::time::Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(300),
            ml_client.online_endpoints().get("ep", None),
        )
        .await;
        let shown = match &result {
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(_)) => "answered".into(),
            Err(_) => "still waiting after 300 s".into(),
        };
        println!(
            "{name}: {:.1} s: {}",
            started.elapsed().as_secs_f64(),
            shown
        );
    }
}
