//! The wire types read what they write: every oracle request body, decoded as the service would
//! answer it (with read-only fields added), is sent back unchanged.

use serde_json::{json, Value};

use super::*;
use crate::entities::{Environment, Model, OnlineDeployment, OnlineEndpoint, ProbeSettings};

mod examples;
#[cfg(feature = "testing")]
mod mutations;
mod oracle;
mod yaml_cases;

/// A request body as JSON, to compare with Python's.
fn to_json(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).expect("request bodies serialize")
}

fn oracle_bodies() -> Vec<(String, Value)> {
    let dir = crate::test_support::shared_path("oracle/bodies");
    let mut bodies: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .expect("oracle bodies are readable")
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && n != "rest_bodies_index.json")
        .map(|n| {
            let text = std::fs::read_to_string(dir.join(&n)).expect("readable");
            let body = serde_json::from_str(&text).expect("JSON");
            (n.trim_end_matches(".json").to_owned(), body)
        })
        .collect();
    bodies.sort_by(|a, b| a.0.cmp(&b.0));
    bodies
}

/// The body as a GET would return it: ids, system data and service-set state added.
fn as_answer(body: &Value) -> Value {
    let mut answer = body.clone();
    answer["id"] = json!("/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/onlineEndpoints/ep/deployments/blue");
    answer["name"] = json!("blue");
    answer["systemData"] = json!({"createdAt": "2024-01-01T00:00:00Z", "createdBy": "me"});
    let properties = &mut answer["properties"];
    properties["provisioningState"] = json!("Succeeded");
    if body.get("identity").is_some() {
        properties["scoringUri"] = json!("https://ep.eastus.inference.ml.azure.com/score");
        properties["swaggerUri"] = json!("https://ep.eastus.inference.ml.azure.com/swagger.json");
        answer["identity"]["principalId"] = json!("00000000-0000-0000-0000-0000000000aa");
        answer["identity"]["tenantId"] = json!("00000000-0000-0000-0000-0000000000bb");
        answer["kind"] = json!("Managed");
    }
    answer
}

fn resent(name: &str, answer: Value) -> Value {
    let location = "eastus";
    let sent = if name.starts_with("model_version") {
        let model: Model = serde_json::from_value(answer).expect("model decodes");
        to_value(&model_version_body(&model).expect("model body"))
    } else if name.starts_with("environment_version") {
        let env: Environment = serde_json::from_value(answer).expect("environment decodes");
        to_value(&environment_version_body(&env).expect("environment body"))
    } else if name.contains("endpoint") {
        let endpoint: OnlineEndpoint = serde_json::from_value(answer).expect("endpoint decodes");
        to_value(&online_endpoint_body(&endpoint, location))
    } else {
        let d: OnlineDeployment = serde_json::from_value(answer).expect("deployment decodes");
        to_value(&online_deployment_body(&d, location).expect("deployment body"))
    };
    sent.expect("serializes")
}

#[test]
fn every_body_read_back_is_sent_unchanged() {
    let bodies = oracle_bodies();
    assert!(bodies.len() >= 19, "{}", bodies.len());
    for (name, body) in bodies {
        // The traffic-only update is not what a GET returns (it names the endpoint inside).
        if name == "online_endpoint_traffic_update_body" {
            continue;
        }
        assert_eq!(resent(&name, as_answer(&body)), body, "{name}");
    }
}

#[test]
fn user_assigned_identities_go_out_without_service_set_ids() {
    let answer = json!({
        "location": "eastus",
        "identity": {
            "type": "SystemAssigned,UserAssigned",
            "principalId": "p",
            "tenantId": "t",
            "userAssignedIdentities": {"/subscriptions/s/uai/one": {"principalId": "p1", "clientId": "c1"}}
        },
        "properties": {"authMode": "AMLToken"}
    });
    let endpoint: OnlineEndpoint = serde_json::from_value(answer).expect("decodes");
    let body = to_value(&online_endpoint_body(&endpoint, "eastus")).expect("serializes");
    assert_eq!(
        body["identity"],
        json!({
            "type": "SystemAssigned,UserAssigned",
            "userAssignedIdentities": {"/subscriptions/s/uai/one": {}}
        })
    );
}

#[test]
fn zero_durations_are_left_out_like_python() {
    let probe = ProbeSettings::new().period(0).timeout(0).initial_delay(5);
    let wire = deployment_settings::ProbeWire::from(&probe);
    assert_eq!(
        serde_json::to_value(wire).expect("serializes"),
        json!({"initialDelay": "PT5S"})
    );
}

#[test]
fn wire_secrets_never_print() {
    let secrets: DatastoreSecrets =
        serde_json::from_str(r#"{"secretsType":"AccountKey","key":"ACCOUNT-KEY=="}"#).unwrap();
    let debug = format!("{secrets:?}");
    assert!(!debug.contains("ACCOUNT-KEY"), "{debug}");

    let upload: PendingUploadResponse = serde_json::from_str(
        r#"{"blobReferenceForConsumption":{"blobUri":"https://a.blob.core.windows.net/c","credential":{"credentialType":"SAS","sasUri":"https://a.blob.core.windows.net/c?sig=SIGNATURE"}}}"#,
    )
    .unwrap();
    let debug = format!("{upload:?}");
    assert!(!debug.contains("SIGNATURE"), "{debug}");
    assert_eq!(upload.blob_uri(), Some("https://a.blob.core.windows.net/c"));
}

#[test]
fn zero_traffic_entries_are_stripped() {
    let mut e = OnlineEndpoint::from(
        crate::entities::ManagedOnlineEndpoint::new("ep1").traffic([("Blue", 0), ("green", 100)]),
    );
    strip_traffic(&mut e);
    assert_eq!(e.traffic().len(), 1);
    assert_eq!(e.traffic().get("green"), Some(&100));
}
