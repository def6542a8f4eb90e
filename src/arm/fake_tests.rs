//! The crate's ARM layer (PUT/DELETE/action LROs on azure_core's poller) against the fake.

use serde_json::{json, Value};

use azure_core::http::Context;

use crate::arm::lro::wait;
use crate::arm::ArmPath;
use crate::testing::{FakeWorkspace, FakeWorkspaceExt, LroKind};

const API: &str = "2025-12-01";

fn endpoint(traffic: Value) -> Value {
    json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": traffic}})
}

/// `status_url`: the fake sends `Azure-AsyncOperation`, whose failure body names the error code;
/// when clients poll the resource, only `provisioningState: Failed` is visible.
async fn lro_flow(fake: FakeWorkspace, status_url: bool) {
    let client = fake.client().expect("client");
    let arm = &client.core.arm;
    let ctx = Context::new();
    let ep = ArmPath::workspace(["onlineEndpoints", "ep-lro"], API);
    let created: Value = wait(
        arm.begin_put(&ep, &endpoint(json!({})), "create".into(), &ctx)
            .await
            .expect("PUT"),
    )
    .await
    .expect("endpoint LRO");
    assert_eq!(created["properties"]["provisioningState"], "Succeeded");
    let dep = ep.join("deployments").join("blue");
    let body = json!({"location": "eastus", "properties": {"endpointComputeType": "Managed"}, "sku": {"name": "Default", "capacity": 1}});
    let deployed: Value = wait(
        arm.begin_put(&dep, &body, "deploy".into(), &ctx)
            .await
            .expect("PUT"),
    )
    .await
    .expect("deployment LRO");
    assert_eq!(deployed["properties"]["provisioningState"], "Succeeded");
    // regenerateKeys (202 + Location) through the action path.
    let before = fake.endpoint_keys("ep-lro").expect("keys").0;
    wait::<()>(
        arm.begin_action(
            &ep.join("regenerateKeys"),
            &json!({"keyType": "Primary"}),
            "regen".into(),
            &ctx,
        )
        .await
        .expect("POST"),
    )
    .await
    .expect("regenerate LRO");
    assert_ne!(fake.endpoint_keys("ep-lro").expect("keys").0, before);
    // An injected failure surfaces as an error naming its code.
    fake.fail_next_lro(
        Some(LroKind::DeploymentCreateOrUpdate),
        "ResourceNotReady",
        "container crashed",
    );
    let failed = wait::<Value>(
        arm.begin_put(
            &ep.join("deployments").join("green"),
            &body,
            "deploy".into(),
            &ctx,
        )
        .await
        .expect("PUT"),
    )
    .await;
    let message = format!("{:?}", failed.expect_err("failed LRO"));
    if status_url {
        assert!(message.contains("ResourceNotReady"), "{message}");
    }
    assert_eq!(
        fake.deployment("ep-lro", "green").expect("kept")["properties"]["provisioningState"],
        "Failed"
    );
    // Deleting the endpoint takes the deployments with it.
    wait::<()>(
        arm.begin_delete(&ep, "delete".into(), &ctx)
            .await
            .expect("DELETE"),
    )
    .await
    .expect("delete LRO");
    assert!(fake.endpoint("ep-lro").is_none());
    assert!(fake.violations().is_empty());
    assert!(fake
        .credential()
        .scopes_requested()
        .iter()
        .all(|s| s == "https://management.azure.com/.default"));
}

#[tokio::test]
async fn arm_lros_with_the_async_operation_header() {
    lro_flow(FakeWorkspace::builder().lro_polls(2).start().await, true).await;
}

#[tokio::test]
async fn arm_lros_polling_the_resource() {
    lro_flow(
        FakeWorkspace::builder()
            .async_operation_header(false)
            .start()
            .await,
        false,
    )
    .await;
}
