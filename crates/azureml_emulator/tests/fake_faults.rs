//! Fault injection on the wiremock fake, over raw HTTP: error statuses with `Retry-After` per
//! route, delays, operations that end Failed/Canceled/never, self-referencing `nextLink`s,
//! and the faults of the connection it refuses.
#![cfg(feature = "fake")]

mod fake_support;

use std::time::Duration;

use azureml_emulator::fake::{
    FakeWorkspace, Fault, FaultRule, ScoreResponse, Service, ORIGINAL_HOST_HEADER,
};
use azureml_emulator::Error;
use fake_support::*;
use serde_json::json;

async fn scoring_endpoint(fake: &FakeWorkspace, name: &str) -> String {
    fake.on_score(|_| ScoreResponse::json(&json!("scored")));
    create_endpoint(fake, name, "Key").await;
    create_deployment(fake, name, "blue").await;
    put_and_wait(
        fake,
        &format!("/onlineEndpoints/{name}"),
        endpoint_body("Key", json!({"blue": 100})),
    )
    .await;
    let keys = arm(
        fake,
        "POST",
        &format!("/onlineEndpoints/{name}/listKeys"),
        None,
    )
    .await
    .json();
    format!("Bearer {}", keys["primaryKey"].as_str().unwrap())
}

#[tokio::test]
async fn statuses_hit_their_route_and_count_down() {
    let fake = FakeWorkspace::start().await;
    let auth = scoring_endpoint(&fake, "ep-429").await;
    let headers = [("Authorization", auth.clone())];
    let score = || {
        call(
            &fake,
            "POST",
            "https://ep-429.eastus.inference.ml.azure.com/score",
            &headers,
            Some(b"{}".to_vec()),
        )
    };
    fake.inject(
        FaultRule::new(Fault::throttled(Duration::from_secs(2)))
            .service(Service::Scoring)
            .times(2),
    )
    .unwrap();
    fake.inject(
        FaultRule::new(Fault::unavailable(Some(Duration::from_millis(250))))
            .method("GET")
            .path_contains("/onlineEndpoints/ep-429")
            .service(Service::Arm),
    )
    .unwrap();
    // ARM first: the scoring rule does not hit it, the ARM rule does, once.
    let r = arm(&fake, "GET", "/onlineEndpoints/ep-429", None).await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after").as_deref(), Some("1"));
    assert_eq!(r.header("retry-after-ms").as_deref(), Some("250"));
    assert_eq!(r.json()["error"]["code"], "ServiceUnavailable");
    assert_eq!(
        arm(&fake, "GET", "/onlineEndpoints/ep-429", None)
            .await
            .status,
        200
    );
    for _ in 0..2 {
        let r = score().await;
        assert_eq!(r.status, 429, "{}", r.text());
        assert_eq!(r.header("retry-after").as_deref(), Some("2"));
        assert!(r.json()["message"].is_string(), "{}", r.text());
    }
    let r = score().await;
    assert_eq!((r.status, r.json()), (200, json!("scored")));

    // A 500 on every blob PUT until cleared; other blob calls pass.
    fake.inject(
        FaultRule::new(Fault::internal_error())
            .method("PUT")
            .service(Service::Blob)
            .always(),
    )
    .unwrap();
    let blob = "https://mlworkspace0000local.blob.core.windows.net/c/b.txt";
    for _ in 0..3 {
        let r = call(&fake, "PUT", blob, &[], Some(b"x".to_vec())).await;
        assert_eq!(r.status, 500);
        assert!(
            r.text().contains("<Code>InternalServerError</Code>"),
            "{}",
            r.text()
        );
    }
    let r = call(&fake, "GET", blob, &[], None).await;
    assert_ne!(r.status, 500);
    fake.clear_faults();
    let r = call(&fake, "PUT", blob, &[], Some(b"x".to_vec())).await;
    assert_ne!(r.status, 500, "{}", r.text());
}

#[tokio::test]
async fn a_delay_holds_the_answer_past_a_client_timeout() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-slow", "Key").await;
    fake.inject(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .path_contains("/onlineEndpoints/ep-slow"),
    )
    .unwrap();
    let mut url = fake.uri();
    url.set_path(&format!("{}/onlineEndpoints/ep-slow", fake.workspace_id()));
    url.set_query(Some(&format!("api-version={API}")));
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let late = impatient
        .get(url.clone())
        .header(ORIGINAL_HOST_HEADER, "management.azure.com")
        .header("Authorization", arm_auth())
        .send()
        .await;
    assert!(late.is_err_and(|e| e.is_timeout()));
    let next = impatient
        .get(url)
        .header(ORIGINAL_HOST_HEADER, "management.azure.com")
        .header("Authorization", arm_auth())
        .send()
        .await
        .expect("the delay hit one request only");
    assert_eq!(next.status().as_u16(), 200);
}

/// PUTs deployment `name` of endpoint `ep-lro`; the URL of its operation and every status that
/// reports until it ends.
async fn put_deployment(fake: &FakeWorkspace, name: &str) -> (String, Vec<String>) {
    let path = format!("/onlineEndpoints/ep-lro/deployments/{name}");
    let r = arm(fake, "PUT", &path, Some(deployment_body())).await;
    let op = r.header("azure-asyncoperation").unwrap();
    let seen = poll_status(fake, &op).await;
    (op, seen)
}

/// GETs deployment `name` of endpoint `ep-lro`.
async fn get_deployment(fake: &FakeWorkspace, name: &str) -> Resp {
    let path = format!("/onlineEndpoints/ep-lro/deployments/{name}");
    arm(fake, "GET", &path, None).await
}

#[tokio::test]
async fn operations_end_failed_canceled_or_never() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-lro", "Key").await;

    // Failed: the operation started by the matching PUT.
    fake.inject(
        FaultRule::new(Fault::lro_failed("ResourceNotReady", "crashed on purpose"))
            .method("PUT")
            .path_contains("/deployments/blue"),
    )
    .unwrap();
    // A GET matching the path starts no operation: the rule stays armed for the PUT.
    get_deployment(&fake, "blue").await;
    let (op, seen) = put_deployment(&fake, "blue").await;
    assert_eq!(seen, ["InProgress", "Failed"]);
    let status = arm_url(&fake, "GET", &op, None).await.json();
    assert_eq!(status["error"]["code"], "ResourceNotReady");
    let dep = get_deployment(&fake, "blue").await;
    assert_eq!(dep.json()["properties"]["provisioningState"], "Failed");

    // Canceled: an Azure-AsyncOperation says so, the resource too.
    fake.inject(FaultRule::new(Fault::LroCanceled).method("PUT"))
        .unwrap();
    let (_, seen) = put_deployment(&fake, "green").await;
    assert_eq!(seen, ["InProgress", "Canceled"]);
    let dep = get_deployment(&fake, "green").await;
    assert_eq!(dep.json()["properties"]["provisioningState"], "Canceled");
    // …and a Location URL answers the cancellation as an error; nothing was deleted.
    fake.inject(FaultRule::new(Fault::LroCanceled).method("DELETE"))
        .unwrap();
    let r = arm(
        &fake,
        "DELETE",
        "/onlineEndpoints/ep-lro/deployments/green",
        None,
    )
    .await;
    let codes = poll_location(&fake, &r.header("location").unwrap()).await;
    assert_eq!(codes, [202, 400]);
    let gone = get_deployment(&fake, "green").await;
    assert_eq!(gone.status, 200);

    // Never: in progress however often it is polled.
    fake.inject(FaultRule::new(Fault::LroNeverEnds).method("PUT"))
        .unwrap();
    let r = arm(
        &fake,
        "PUT",
        "/onlineEndpoints/ep-stuck",
        Some(endpoint_body("Key", json!({}))),
    )
    .await;
    let op = r.header("azure-asyncoperation").unwrap();
    for _ in 0..10 {
        let status = arm_url(&fake, "GET", &op, None).await.json();
        assert_eq!(status["status"], "InProgress");
    }
    let ep = arm(&fake, "GET", "/onlineEndpoints/ep-stuck", None).await;
    assert_eq!(ep.json()["properties"]["provisioningState"], "Creating");
}

#[tokio::test]
async fn a_next_link_can_point_at_its_own_page() {
    let fake = FakeWorkspace::start().await;
    create_endpoint(&fake, "ep-a", "Key").await;
    fake.inject(
        FaultRule::new(Fault::SelfReferencingNextLink)
            .method("GET")
            .times(2),
    )
    .unwrap();
    // A GET of one resource is no list page: the rule waits for one.
    let one = arm(&fake, "GET", "/onlineEndpoints/ep-a", None).await;
    assert!(one.json().get("nextLink").is_none());
    let page = arm(&fake, "GET", "/onlineEndpoints", None).await.json();
    let next = page["nextLink"].as_str().unwrap().to_owned();
    assert!(
        next.starts_with(&format!(
            "https://management.azure.com{}/onlineEndpoints?",
            fake.workspace_id()
        )),
        "{next}"
    );
    let again = arm_url(&fake, "GET", &next, None).await.json();
    assert_eq!(again["value"], page["value"]);
    assert_eq!(again["nextLink"], page["nextLink"]);
    let last = arm_url(&fake, "GET", &next, None).await.json();
    assert!(last.get("nextLink").is_none(), "{last}");
}

#[tokio::test]
async fn faults_of_the_connection_are_refused_by_the_fake() {
    let fake = FakeWorkspace::start().await;
    for fault in [
        Fault::Silence,
        Fault::ResetBeforeResponse,
        Fault::ResetMidBody,
        Fault::TruncatedBody,
    ] {
        let refused = fake.inject(FaultRule::new(fault.clone()));
        assert!(
            matches!(&refused, Err(Error::Validation { field, .. }) if field == "fault"),
            "{fault:?}: {refused:?}"
        );
    }
    // One armed behind the fake's back is answered 501, not silently ignored.
    fake.with_core(|c| c.inject(FaultRule::new(Fault::TruncatedBody)));
    let r = arm(&fake, "GET", "/onlineEndpoints", None).await;
    assert_eq!(r.status, 501, "{}", r.text());
    assert!(r.text().contains("LocalWorkspace"));
}
