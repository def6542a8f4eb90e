//! Credential caching: refresh on 401/403, token refresh times, one refresh under concurrency,
//! and secrets kept out of `Debug` and errors.

#![allow(clippy::result_large_err)] // closures returning the crate error, see invoke_support

#[path = "../src/test_support/credential.rs"]
mod credential;
mod invoke_support;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::invoke::{InvokeRequest, ScoringAuth, ScoringClient, ScoringTarget};
use azure_ai_ml::Error;
use azure_core::credentials::Secret;
use credential::TestCredential;
use invoke_support::{aml_token, header, score_url, CountingSource};
use time::OffsetDateTime;
use wiremock::matchers::{header as header_is, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A scoring URI that accepts only `Bearer {key}` and answers 401 otherwise.
async fn server_accepting(key: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header_is("authorization", format!("Bearer {key}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string("[1]"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_string("key rejected"))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// A scoring server answering every POST with `response`.
async fn server_answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

fn client_for(source: Arc<CountingSource>) -> ScoringClient {
    ScoringClient::from_source(source, reqwest::Client::new(), None)
}

#[tokio::test]
async fn a_rotated_key_is_resolved_again_once_and_the_call_retried_once() {
    let server = server_accepting("new-key").await;
    let source = CountingSource::keys(score_url(&server), &["old-key", "new-key"]);
    let client = client_for(source.clone());

    let response = client.invoke(InvokeRequest::text("{}")).await.unwrap();
    assert_eq!(response.text().unwrap(), "[1]");
    assert_eq!(source.calls(), 2, "resolved, rejected, resolved again");
    let received = server.received_requests().await.unwrap();
    let keys: Vec<_> = received
        .iter()
        .map(|r| header(r, "authorization"))
        .collect();
    assert_eq!(keys, [Some("Bearer old-key"), Some("Bearer new-key")]);

    // Back to steady state: one request, no resolve.
    client.invoke(InvokeRequest::text("{}")).await.unwrap();
    assert_eq!(source.calls(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_second_rejection_is_an_error_not_a_loop() {
    for status in [401u16, 403] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("x-ms-request-id", "denied-1")
                    .set_body_string("no"),
            )
            .mount(&server)
            .await;
        let source = CountingSource::keys(score_url(&server), &["k1", "k2", "k3"]);
        let client = client_for(source.clone());
        let err = client.invoke(InvokeRequest::text("{}")).await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert!(
            matches!(err, Error::Service { ref request_id, .. } if request_id.as_deref() == Some("denied-1"))
        );
        assert_eq!(source.calls(), 2, "{status}: one refresh");
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            2,
            "{status}: one retry"
        );
    }
}

#[tokio::test]
async fn a_failing_source_is_reported_and_tried_again_on_the_next_call() {
    let server = server_accepting("k").await;
    let uri = score_url(&server);
    let source = CountingSource::new(move |n| {
        if n == 1 {
            Err(Error::Service {
                status: 403,
                code: Some("AuthorizationFailed".into()),
                message: "no listKeys permission".into(),
                target: None,
                details: Box::default(),
                request_id: None,
            })
        } else {
            Ok(ScoringTarget::new(
                uri.clone(),
                ScoringAuth::Key(Secret::from("k")),
            ))
        }
    });
    let client = client_for(source.clone());
    let err = client.invoke(InvokeRequest::text("{}")).await.unwrap_err();
    assert_eq!(err.code(), Some("AuthorizationFailed"));
    assert!(server.received_requests().await.unwrap().is_empty());
    client.invoke(InvokeRequest::text("{}")).await.unwrap();
    assert_eq!(source.calls(), 2);
}

#[tokio::test]
async fn an_expired_token_is_refreshed_exactly_once_for_100_concurrent_invokes() {
    let server = server_answering(ResponseTemplate::new(200).set_body_string("[1]")).await;
    let source = CountingSource::aml_tokens(
        score_url(&server),
        ("expired", -120, -60),
        ("fresh", 1800, 3600),
    );
    let client = client_for(source.clone());
    // The first resolve hands out a token that is already expired; it is used once (it is all
    // we have) and every later invoke finds it stale.
    client.invoke(InvokeRequest::text("{}")).await.unwrap();
    assert_eq!(source.calls(), 1);

    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.invoke(InvokeRequest::text("{}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(source.calls(), 2, "exactly one refresh");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 101);
    assert!(
        received[1..]
            .iter()
            .all(|r| header(r, "authorization") == Some("Bearer fresh")),
        "no request after expiry carried the expired token"
    );
}

#[tokio::test]
async fn a_token_due_for_refresh_is_renewed_once_while_others_keep_sending() {
    let server = server_answering(ResponseTemplate::new(200)).await;
    // First past its refresh time, still valid for an hour.
    let source = CountingSource::aml_tokens(
        score_url(&server),
        ("due", -1, 3600),
        ("renewed", 1800, 3600),
    );
    let client = client_for(source.clone());
    client.resolve().await.unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.invoke(InvokeRequest::text("{}")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(source.calls(), 2, "one renewal");
    client.invoke(InvokeRequest::text("{}")).await.unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        header(received.last().unwrap(), "authorization"),
        Some("Bearer renewed")
    );
    assert!(received.iter().all(|r| matches!(
        header(r, "authorization"),
        Some("Bearer due" | "Bearer renewed")
    )));
}

#[tokio::test]
async fn entra_tokens_come_from_the_credential_once_until_due() {
    let server = server_answering(ResponseTemplate::new(200)).await;
    for (valid_for, expected_calls) in
        [(Duration::from_secs(3600), 1), (Duration::from_secs(60), 5)]
    {
        // Numbered tokens, so that each renewal is a new one.
        let credential =
            Arc::new(TestCredential::new(|_, n| format!("entra-{n}")).valid_for(valid_for));
        let uri = score_url(&server);
        let cred = credential.clone();
        let source = CountingSource::new(move |_| {
            Ok(ScoringTarget::new(
                uri.clone(),
                ScoringAuth::AadToken(cred.clone(), "https://ml.azure.com/.default".into()),
            ))
        });
        let client = client_for(source.clone());
        for _ in 0..5 {
            client.invoke(InvokeRequest::text("{}")).await.unwrap();
        }
        // A token valid for only 60 s is inside the 5-minute early-refresh window: renewed from
        // the credential on every call, without asking the source (ARM) again.
        assert_eq!(credential.calls.load(Ordering::SeqCst), expected_calls);
        assert_eq!(source.calls(), 1);
        assert_eq!(
            credential.scopes.lock().unwrap()[0],
            "https://ml.azure.com/.default"
        );
    }
}

#[tokio::test]
async fn debug_output_never_contains_keys_or_tokens() {
    let server = server_accepting("sup3r-s3cret-key").await;
    let client =
        ScoringClient::with_key(score_url(&server), "sup3r-s3cret-key".to_owned()).unwrap();
    client.invoke(InvokeRequest::text("{}")).await.unwrap();
    let rendered = format!("{client:?} {client:#?}");
    assert!(!rendered.contains("sup3r-s3cret-key"), "{rendered}");
    assert!(rendered.contains("auth_mode"), "{rendered}");

    let target = aml_token(
        &score_url(&server),
        "t0ken-value",
        OffsetDateTime::now_utc(),
        OffsetDateTime::now_utc(),
    );
    let rendered = format!(
        "{target:?} {:?}",
        ScoringAuth::Key(Secret::from("k3y-value"))
    );
    assert!(
        !rendered.contains("t0ken-value") && !rendered.contains("k3y-value"),
        "{rendered}"
    );

    let token_client =
        ScoringClient::with_token(score_url(&server), "t0ken-value".to_owned()).unwrap();
    let err = token_client
        .invoke(InvokeRequest::text("{}"))
        .await
        .unwrap_err();
    assert!(!format!("{err:?} {err}").contains("t0ken-value"));
    assert!(!format!("{token_client:?}").contains("t0ken-value"));
}
