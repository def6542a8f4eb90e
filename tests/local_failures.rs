//! Deployments that cannot start fail the way Azure reports them: `Failed` with an ARM error
//! carrying the tail of the inference server's log.
#![cfg(feature = "local")]

mod local_support;

use local_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_failure_fails_the_deployment_with_the_log_tail() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = Ws::start(dir.path()).await;
    let (code, model, env) = w.register_tiny("broken", &[1.0]).await;
    w.create_endpoint("broken-ep", "Key").await;
    let (status, created, headers) = w
        .arm(
            "PUT",
            "onlineEndpoints/broken-ep/deployments/blue",
            Some(deployment_body(
                &code,
                &model,
                &env,
                1,
                json!({"environmentVariables": {"FAIL_INIT": "1"}}),
            )),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let op = headers["azure-asyncoperation"].to_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let outcome = loop {
        let (_, body) = {
            let resp = w
                .http
                .get(&op)
                .bearer_auth("fake-token|https://127.0.0.1|test")
                .send()
                .await
                .unwrap();
            let s = resp.status().as_u16();
            (
                s,
                serde_json::from_slice::<serde_json::Value>(&resp.bytes().await.unwrap()).unwrap(),
            )
        };
        if body["status"] != "InProgress" && body["status"] != "Running" {
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "operation never ended"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(outcome["status"], "Failed", "{outcome}");
    assert_eq!(outcome["error"]["code"], "ResourceNotReady", "{outcome}");
    let message = outcome["error"]["message"].as_str().unwrap();
    assert!(message.contains("init exploded on purpose"), "{message}");
    let resource = w
        .wait_state("onlineEndpoints/broken-ep/deployments/blue")
        .await;
    assert_eq!(resource["properties"]["provisioningState"], "Failed");

    let (_, logs, _) = w
        .arm(
            "POST",
            "onlineEndpoints/broken-ep/deployments/blue/getLogs",
            Some(json!({"containerType": "InferenceServer", "tail": 200})),
        )
        .await;
    let content = logs["content"].as_str().unwrap();
    assert!(content.contains("init exploded on purpose"), "{content}");
    assert!(
        w.ws.instances("broken-ep", "blue").is_empty(),
        "a failed deployment keeps no processes"
    );
    // Its callers learn that it failed (a status no client retries), not "not ready yet".
    let (key, _) = w.keys("broken-ep").await;
    let (status, body, _) = w
        .score("broken-ep", &key, Some("blue"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 424, "{body}");
    assert!(body.contains("failed"), "{body}");
    assert!(!body.contains("yet"), "{body}");
    w.ws.shutdown().await;
}

#[tokio::test]
async fn missing_python_fails_the_deployment_naming_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let ws = azure_ai_ml::local::LocalWorkspace::start(
        azure_ai_ml::local::LocalWorkspaceOptions::default()
            .with_dir(dir.path())
            .with_venv_cache(dir.path().join("venvs"))
            .with_python("/nonexistent/python3"),
    )
    .await
    .unwrap();
    let w = Ws::wrap(ws);
    let (code, model, env) = w
        .register_assets(
            "nopy",
            TINY_SCORE,
            ("weights.json", b"{}".to_vec()),
            TINY_CONDA,
        )
        .await;
    w.create_endpoint("nopy", "Key").await;
    let d = w
        .put_and_wait(
            "onlineEndpoints/nopy/deployments/blue",
            deployment_body(&code, &model, &env, 1, json!({})),
        )
        .await;
    assert_eq!(d["properties"]["provisioningState"], "Failed", "{d}");
    let (_, logs, _) = w
        .arm(
            "POST",
            "onlineEndpoints/nopy/deployments/blue/getLogs",
            Some(json!({"containerType": "StorageInitializer"})),
        )
        .await;
    let content = logs["content"].as_str().unwrap();
    assert!(
        content.contains("apt-get install python3 python3-venv"),
        "{content}"
    );
    w.ws.shutdown().await;
}
