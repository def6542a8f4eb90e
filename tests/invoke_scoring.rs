//! The scoring client against a wiremock scoring URI: one request per invoke, bodies byte for
//! byte, per-call headers, retries and errors.

mod invoke_support;

use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::invoke::{InvokeRequest, ScoringClient};
use azure_ai_ml::Error;
use invoke_support::{header, score_url, CountingSource};
use wiremock::matchers::{body_string, header as header_is, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The tutorial's request, with `358.20` spelled as the user wrote it.
const SAMPLE: &str = r#"{"data": [[12, 29.85, 358.20, 1, 0], [45, 89.10, 4011.50, 2, 1]]}"#;

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/score"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1, 0]"))
        .mount(&server)
        .await;
    server
}

fn counting_client(
    server: &MockServer,
    keys: &[&'static str],
) -> (ScoringClient, Arc<CountingSource>) {
    let source = CountingSource::keys(score_url(server), keys);
    let client = ScoringClient::from_source(source.clone(), reqwest::Client::new(), None);
    (client, source)
}

#[tokio::test]
async fn steady_state_is_one_request_per_invoke_and_one_resolve() {
    let server = ok_server().await;
    let (client, source) = counting_client(&server, &["k1"]);
    for _ in 0..25 {
        let response = client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(response.json::<Vec<u8>>().unwrap(), vec![1, 0]);
    }
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 25, "one HTTP request per invoke");
    assert_eq!(source.calls(), 1, "target resolved once");
    for request in &received {
        assert_eq!(header(request, "authorization"), Some("Bearer k1"));
        assert_eq!(header(request, "content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn bodies_go_out_and_come_back_byte_for_byte() {
    let server = MockServer::start().await;
    let answer = b"{\"p\": [0.10, 358.20]}\n".to_vec();
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(answer.clone()))
        .mount(&server)
        .await;
    let client = ScoringClient::with_key(score_url(&server), "k".to_owned()).unwrap();

    let response = client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();
    assert_eq!(&response.bytes()[..], &answer[..]);

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sample-request.json");
    std::fs::write(&file, SAMPLE).unwrap();
    client.invoke(InvokeRequest::file(&file)).await.unwrap();

    let binary: &[u8] = &[0, 159, 146, 150, 255];
    client
        .invoke(InvokeRequest::bytes(binary).content_type("application/octet-stream"))
        .await
        .unwrap();

    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, SAMPLE.as_bytes(), "358.20 stays 358.20");
    assert_eq!(received[1].body, SAMPLE.as_bytes(), "file sent unchanged");
    assert_eq!(received[2].body, binary);
    assert_eq!(
        header(&received[2], "content-type"),
        Some("application/octet-stream")
    );
}

#[tokio::test]
async fn json_helper_serializes_once_and_decodes_double_encoded_answers() {
    let server = MockServer::start().await;
    // What azmlinfsrv sends back when run() returns json.dumps({...}).
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#""{\"churn\": [1, 0]}""#))
        .mount(&server)
        .await;
    let client = ScoringClient::with_key(score_url(&server), "k".to_owned()).unwrap();

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Answer {
        churn: Vec<u8>,
    }
    let body = serde_json::json!({"data": [[12, 29.85, 358.2, 1, 0]]});
    let answer: Answer = client.invoke_json(&body, Some("blue")).await.unwrap();
    assert_eq!(answer, Answer { churn: vec![1, 0] });

    let received = server.received_requests().await.unwrap();
    assert_eq!(received[0].body, serde_json::to_vec(&body).unwrap());
    assert_eq!(
        header(&received[0], "azureml-model-deployment"),
        Some("blue")
    );
}

#[tokio::test]
async fn a_pinned_deployment_does_not_leak_into_later_calls() {
    let server = ok_server().await;
    let (client, _) = counting_client(&server, &["k1"]);
    client
        .invoke(InvokeRequest::text(SAMPLE).deployment("blue"))
        .await
        .unwrap();
    client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();
    client
        .invoke(
            InvokeRequest::text(SAMPLE)
                .deployment("green")
                .header("x-trace", "1"),
        )
        .await
        .unwrap();
    client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();

    let received = server.received_requests().await.unwrap();
    let pinned: Vec<Option<&str>> = received
        .iter()
        .map(|r| header(r, "azureml-model-deployment"))
        .collect();
    assert_eq!(pinned, [Some("blue"), None, Some("green"), None]);
    let traced: Vec<Option<&str>> = received.iter().map(|r| header(r, "x-trace")).collect();
    assert_eq!(traced, [None, None, Some("1"), None]);
}

#[tokio::test]
async fn busy_answers_are_retried_honouring_retry_after() {
    for status in [429u16, 503] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).insert_header("retry-after", "0"))
            .up_to_n_times(2)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[1]"))
            .with_priority(2)
            .mount(&server)
            .await;
        let client = ScoringClient::with_key(score_url(&server), "k".to_owned()).unwrap();
        let response = client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();
        assert_eq!(response.text().unwrap(), "[1]");
        let received = server.received_requests().await.unwrap();
        assert_eq!(
            received.len(),
            3,
            "{status}: two busy answers, then success"
        );
        assert!(received.iter().all(|r| r.body == SAMPLE.as_bytes()));
    }
}

#[tokio::test]
async fn busy_retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .insert_header("x-ms-request-id", "busy-1")
                .set_body_string("too many requests"),
        )
        .mount(&server)
        .await;
    let client = ScoringClient::builder()
        .with_key(score_url(&server), "k".to_owned())
        .with_max_retries(2)
        .build()
        .unwrap();
    let err = client
        .invoke(InvokeRequest::text(SAMPLE))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn timeouts_and_server_errors_are_not_retried_and_keep_their_details() {
    for status in [408u16, 500] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-ms-request-id", "req-42")
                    .insert_header("x-ms-run-function-failed", "True")
                    .set_body_string(
                        r#"{"message": "An unexpected error occurred in scoring script."}"#,
                    ),
            )
            .mount(&server)
            .await;
        let client = ScoringClient::with_key(score_url(&server), "s3cr3t-key".to_owned()).unwrap();
        let err = client
            .invoke(InvokeRequest::text(SAMPLE))
            .await
            .unwrap_err();
        match &err {
            Error::Service {
                status: got,
                message,
                request_id,
                ..
            } => {
                assert_eq!(*got, status);
                assert_eq!(request_id.as_deref(), Some("req-42"));
                assert!(message.contains("unexpected error occurred in scoring script"));
            }
            other => panic!("expected a service error, got {other:?}"),
        }
        assert!(!err.to_string().contains("s3cr3t-key"));
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "{status} not retried"
        );
    }
}

#[tokio::test]
async fn request_ids_are_read_from_either_header() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-request-id", "r-7"))
        .mount(&server)
        .await;
    let client = ScoringClient::with_key(score_url(&server), "k".to_owned()).unwrap();
    let response = client.invoke(InvokeRequest::text("{}")).await.unwrap();
    assert_eq!(response.request_id(), Some("r-7"));
}

#[tokio::test]
async fn bad_options_fail_before_any_request() {
    let server = ok_server().await;
    let client = ScoringClient::with_key(score_url(&server), "k".to_owned()).unwrap();
    let cases = [
        (InvokeRequest::text("{}").deployment(""), "deployment"),
        (
            InvokeRequest::text("{}").deployment("blue\r\nx: y"),
            "deployment",
        ),
        (
            InvokeRequest::text("{}").header("Authorization", "Bearer other"),
            "headers.Authorization",
        ),
        (
            InvokeRequest::text("{}").header("azureml-model-deployment", "blue"),
            "headers.azureml-model-deployment",
        ),
        (
            InvokeRequest::text("{}").header("bad name", "v"),
            "headers.bad name",
        ),
        (
            InvokeRequest::text("{}").content_type("a\nb"),
            "content_type",
        ),
    ];
    for (request, expected) in cases {
        match client.invoke(&request).await {
            Err(Error::Validation { field, .. }) => assert_eq!(field, expected),
            other => panic!("{expected}: expected a validation error, got {other:?}"),
        }
    }
    let err = client
        .invoke(InvokeRequest::file("/nonexistent/sample.json"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_uris_and_keys_are_rejected_at_construction() {
    let remote_http = url::Url::parse("http://churn.eastus.inference.ml.azure.com/score").unwrap();
    let err = ScoringClient::with_key(remote_http, "k".to_owned()).unwrap_err();
    assert!(matches!(err, Error::Validation { ref field, .. } if field == "scoring_uri"));

    let https = url::Url::parse("https://churn.eastus.inference.ml.azure.com/score").unwrap();
    let err = ScoringClient::with_key(https.clone(), String::new()).unwrap_err();
    assert!(matches!(err, Error::Validation { ref field, .. } if field == "key"));
    let err = ScoringClient::with_token(https.clone(), "line\nbreak".to_owned()).unwrap_err();
    assert!(matches!(err, Error::Validation { ref field, .. } if field == "token"));
    assert!(!err.to_string().contains("line"));

    let err = ScoringClient::builder().build().unwrap_err();
    assert!(err.is_validation());
    let err = ScoringClient::builder()
        .with_key(https, "k".to_owned())
        .with_root_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert!(err.is_validation());
}

/// Echoes the request body; answers 500 to a body of `fail`.
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if request.body == b"fail" {
            ResponseTemplate::new(500).set_body_string("boom")
        } else {
            ResponseTemplate::new(200).set_body_bytes(request.body.clone())
        }
    }
}

#[tokio::test]
async fn batches_keep_order_and_report_errors_per_item() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    let (client, source) = counting_client(&server, &["k1"]);
    let requests: Vec<InvokeRequest> = (0..20)
        .map(|i| {
            if i == 7 {
                InvokeRequest::text("fail")
            } else {
                InvokeRequest::text(format!("[{i}]"))
            }
        })
        .collect();
    let results = client.invoke_batch(requests, 4).await;
    assert_eq!(results.len(), 20);
    for (i, result) in results.iter().enumerate() {
        if i == 7 {
            let err = result.as_ref().unwrap_err();
            assert_eq!(err.status(), Some(500));
        } else {
            assert_eq!(result.as_ref().unwrap().text().unwrap(), format!("[{i}]"));
        }
    }
    assert_eq!(source.calls(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 20);

    // Zero concurrency is taken as one, not as "never".
    let results = client
        .invoke_batch(vec![InvokeRequest::text("[1]")], 0)
        .await;
    assert_eq!(results[0].as_ref().unwrap().text().unwrap(), "[1]");
}

#[tokio::test]
async fn a_redirected_client_keeps_the_logical_host_in_a_header() {
    let server = ok_server().await;
    let logical = url::Url::parse("https://churn.eastus.inference.ml.azure.com/score").unwrap();
    let source = CountingSource::keys(logical, &["k1"]);
    let base = url::Url::parse(&server.uri()).unwrap();
    let client = ScoringClient::from_source(source, reqwest::Client::new(), Some(base));
    client.invoke(InvokeRequest::text(SAMPLE)).await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        header(&received[0], azure_ai_ml::ORIGINAL_HOST_HEADER),
        Some("churn.eastus.inference.ml.azure.com")
    );
    assert_eq!(received[0].url.path(), "/score");
    assert_eq!(
        client.scoring_uri().unwrap().as_str(),
        "https://churn.eastus.inference.ml.azure.com/score"
    );
}

#[tokio::test]
async fn unreachable_endpoints_are_transport_errors_after_bounded_retries() {
    // A port that was just free: connecting is refused.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let uri = url::Url::parse(&format!("http://127.0.0.1:{port}/score")).unwrap();
    let client = ScoringClient::builder()
        .with_key(uri, "k".to_owned())
        .with_max_retries(1)
        .build()
        .unwrap();
    let err = client.invoke(InvokeRequest::text("{}")).await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_transport_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client = ScoringClient::builder()
        .with_key(score_url(&server), "k".to_owned())
        .with_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = client.invoke(InvokeRequest::text("{}")).await.unwrap_err();
    assert!(
        matches!(err, Error::Transport { ref message, .. } if message.contains("timed out")),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn only_the_matching_key_is_accepted_by_the_fake() {
    // Guards the auth tests below: the fake really distinguishes keys.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header_is("authorization", "Bearer right"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string("{}"))
        .respond_with(ResponseTemplate::new(401))
        .with_priority(10)
        .mount(&server)
        .await;
    let wrong = ScoringClient::with_key(score_url(&server), "wrong".to_owned()).unwrap();
    assert_eq!(
        wrong
            .invoke(InvokeRequest::text("{}"))
            .await
            .unwrap_err()
            .status(),
        Some(401)
    );
    let right = ScoringClient::with_key(score_url(&server), "right".to_owned()).unwrap();
    assert_eq!(
        right
            .invoke(InvokeRequest::text("{}"))
            .await
            .unwrap()
            .status,
        200
    );
}
