//! The offline workspace drops no call while deployments change, and keeps what it says about
//! them: updates drain the old processes, statuses are saved the moment they change (not at
//! the next poll) and a workspace restarted mid-update finishes the update.
#![cfg(feature = "local")]

mod local_support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use local_support::*;
use serde_json::{json, Value};

/// Calls `endpoint` in a loop from `clients` tasks until `stop`; returns `(status, tag)`s.
fn hammer(
    w: &Ws,
    endpoint: &str,
    key: &str,
    clients: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<Vec<(u16, String)>>> {
    (0..clients)
        .map(|_| {
            let (http, url, key, stop) = (
                w.http.clone(),
                format!("{}/endpoints/{endpoint}/score", w.base),
                key.to_owned(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let resp = http
                        .post(&url)
                        .bearer_auth(&key)
                        .header("content-type", "application/json")
                        .body(json!({"data": [1]}).to_string())
                        .timeout(std::time::Duration::from_secs(30))
                        .send()
                        .await
                        .expect("the workspace answers");
                    let status = resp.status().as_u16();
                    let body = resp.text().await.unwrap_or_default();
                    let tag = serde_json::from_str::<String>(&body)
                        .ok()
                        .and_then(|inner| serde_json::from_str::<Value>(&inner).ok())
                        .and_then(|v| v["tag"].as_str().map(str::to_owned))
                        .unwrap_or(body);
                    seen.push((status, tag));
                }
                seen
            })
        })
        .collect()
}

fn saved_state(dir: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("state.json")).unwrap()).unwrap()
}

fn saved_provisioning_state(dir: &std::path::Path, endpoint: &str, deployment: &str) -> String {
    saved_state(dir)["endpoints"][endpoint]["deployments"][deployment]["resource"]["properties"]
        ["provisioningState"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_drop_no_call_and_statuses_are_saved_as_they_change() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = Ws::start(dir.path()).await;
    let (code, model, env) = w.register_tiny("rel", &[1.0]).await;
    w.create_endpoint("rel", "Key").await;
    let (key, _) = w.keys("rel").await;
    let body = |tag: &str| {
        deployment_body(
            &code,
            &model,
            &env,
            1,
            // 4 × 2 calls may be in flight: the 4 clients below are never turned away.
            json!({"environmentVariables": {"TAG": tag}, "requestSettings": {"maxConcurrentRequestsPerInstance": 4}}),
        )
    };

    // Created without anyone polling the operation: the saved status still moves on.
    let (status, created, _) = w
        .arm(
            "PUT",
            "onlineEndpoints/rel/deployments/blue",
            Some(body("v1")),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        saved_provisioning_state(dir.path(), "rel", "blue"),
        "Creating"
    );
    eventually("blue to serve", 120, || {
        saved_provisioning_state(dir.path(), "rel", "blue") == "Succeeded"
    })
    .await;
    w.put_and_wait(
        "onlineEndpoints/rel",
        json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": {"blue": 100}}}),
    )
    .await;
    let (status, answer, _) = w.score("rel", &key, None, &json!({"data": [1]})).await;
    assert_eq!(status, 200, "{answer}");

    // Two updates under steady traffic: every call answered, by the old or the new processes.
    let stop = Arc::new(AtomicBool::new(false));
    let clients = hammer(&w, "rel", &key, 4, &stop);
    for tag in ["v2", "v3"] {
        let updated = w
            .put_and_wait("onlineEndpoints/rel/deployments/blue", body(tag))
            .await;
        assert_eq!(updated["properties"]["provisioningState"], "Succeeded");
        assert_eq!(
            saved_provisioning_state(dir.path(), "rel", "blue"),
            "Succeeded"
        );
        let (status, answer, _) = w.score("rel", &key, None, &json!({"data": [1]})).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer.contains(tag), "{answer}");
    }
    stop.store(true, Ordering::Relaxed);
    let mut calls = Vec::new();
    for client in clients {
        calls.extend(client.await.unwrap());
    }
    let failed: Vec<&(u16, String)> = calls.iter().filter(|(s, _)| *s != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} calls failed: {:?}",
        failed.len(),
        calls.len(),
        &failed[..failed.len().min(5)]
    );
    for tag in ["v1", "v2", "v3"] {
        assert!(
            calls.iter().any(|(_, t)| t == tag),
            "no call answered by {tag}"
        );
    }

    // The server log has no traceback: the model folder is where azmlinfsrv looks for it.
    let (_, logs, _) = w
        .arm(
            "POST",
            "onlineEndpoints/rel/deployments/blue/getLogs",
            Some(json!({"containerType": "InferenceServer"})),
        )
        .await;
    let content = logs["content"].as_str().unwrap();
    assert!(!content.contains("Traceback"), "{content}");
    assert!(!content.contains("NotADirectoryError"), "{content}");

    // Killed mid-update (dropped without shutdown): the next start finishes the update.
    let (status, updating, _) = w
        .arm(
            "PUT",
            "onlineEndpoints/rel/deployments/blue",
            Some(body("v4")),
        )
        .await;
    assert_eq!(status, 200, "{updating}");
    assert_eq!(updating["properties"]["provisioningState"], "Updating");
    let pid = w.ws.instances("rel", "blue")[0].pid;
    drop(w);
    eventually("the dropped workspace's instance to die", 10, || {
        !group_alive(pid)
    })
    .await;
    assert_eq!(
        saved_provisioning_state(dir.path(), "rel", "blue"),
        "Updating"
    );
    let w = Ws::start(dir.path()).await;
    let repaired = w.wait_state("onlineEndpoints/rel/deployments/blue").await;
    assert_eq!(repaired["properties"]["provisioningState"], "Succeeded");
    let (status, answer, _) = w.score("rel", &key, None, &json!({"data": [1]})).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("v4"), "{answer}");
    w.ws.shutdown().await;
    assert_eq!(
        saved_provisioning_state(dir.path(), "rel", "blue"),
        "Succeeded"
    );
}
