//! The offline workspace end to end with real `azmlinfsrv` processes: deploy, invoke, split
//! traffic, rotate keys, limits, logs, restart on death, delete, persistence. One workspace,
//! two deployments shared across the assertions to keep the suite within minutes on 2 cores.
#![cfg(feature = "local")]

mod local_support;

use std::time::Duration;

use local_support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_invoke_split_rotate_limit_restart_delete_persist() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let w = Ws::start(dir.path()).await;

    let (code, model, env) = w.register_tiny("tiny", &[1.0, 2.0, 3.0]).await;
    let endpoint = w.create_endpoint("churn", "Key").await;
    assert_eq!(endpoint["properties"]["provisioningState"], "Succeeded");
    let scoring_uri = endpoint["properties"]["scoringUri"].as_str().unwrap();
    assert_eq!(scoring_uri, format!("{}/endpoints/churn/score", w.base));

    // blue: 1 instance, default request settings (1 concurrent per instance → 2 in flight).
    let blue = w
        .put_and_wait(
            "onlineEndpoints/churn/deployments/blue",
            deployment_body(
                &code,
                &model,
                &env,
                1,
                json!({"environmentVariables": {"TAG": "blue"}}),
            ),
        )
        .await;
    assert_eq!(
        blue["properties"]["provisioningState"], "Succeeded",
        "{blue}"
    );
    // green: a short request timeout for the 408 check.
    let green = w
        .put_and_wait(
            "onlineEndpoints/churn/deployments/green",
            deployment_body(
                &code,
                &model,
                &env,
                1,
                json!({"environmentVariables": {"TAG": "green"}, "requestSettings": {"requestTimeout": "PT0.5S", "maxConcurrentRequestsPerInstance": 4}}),
            ),
        )
        .await;
    assert_eq!(
        green["properties"]["provisioningState"], "Succeeded",
        "{green}"
    );

    let (primary, secondary) = w.keys("churn").await;

    // The model really runs: weights · data, returned double-encoded like Azure does.
    let (status, body, answered) = w
        .score("churn", &primary, Some("blue"), &json!({"data": [1, 1, 1]}))
        .await;
    assert_eq!((status, answered.as_str()), (200, "blue"), "{body}");
    let inner: String = serde_json::from_str(&body).expect("a JSON string (double-encoded)");
    let value: serde_json::Value = serde_json::from_str(&inner).unwrap();
    assert_eq!(value, json!({"score": 6.0, "tag": "blue"}));
    let (status, _, _) = w
        .score("churn", &secondary, Some("green"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 200);

    // Logs: the real process output and the environment build.
    let (s, logs, _) = w
        .arm(
            "POST",
            "onlineEndpoints/churn/deployments/blue/getLogs",
            Some(json!({"containerType": "InferenceServer", "tail": 400})),
        )
        .await;
    assert_eq!(s, 200);
    let content = logs["content"].as_str().unwrap();
    assert!(content.contains("ready for serving traffic"), "{content}");
    assert!(
        content.contains("tiny model loaded with 3 weights"),
        "{content}"
    );
    let (_, logs, _) = w
        .arm(
            "POST",
            "onlineEndpoints/churn/deployments/blue/getLogs",
            Some(json!({"containerType": "StorageInitializer", "tail": 50})),
        )
        .await;
    let content = logs["content"].as_str().unwrap();
    assert!(content.contains("environment"), "{content}");
    assert!(
        content.contains("python=3.11"),
        "conda-only entry reported: {content}"
    );

    // Nothing listens beyond loopback: the server and every model instance.
    let mut ports = vec![w.ws.base_url().port().unwrap()];
    for d in ["blue", "green"] {
        ports.extend(w.ws.instances("churn", d).iter().map(|i| i.port));
    }
    for port in ports {
        let addrs = listen_addresses(port);
        assert!(!addrs.is_empty(), "port {port} is not listening");
        for a in addrs {
            assert!(
                a == LOOPBACK_V4 || a == LOOPBACK_V6,
                "port {port} listens on {a}"
            );
        }
    }

    // All traffic zero, no pin → 404 as on Azure.
    let (status, body, _) = w
        .score("churn", &primary, None, &json!({"data": [1]}))
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("No valid deployments to route to"));

    // Traffic 90/10 over 1 000 calls.
    let ep = w
        .put_and_wait(
            "onlineEndpoints/churn",
            json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": {"blue": 90, "green": 10}}}),
        )
        .await;
    assert_eq!(
        ep["properties"]["traffic"],
        json!({"blue": 90, "green": 10})
    );
    let (mut to_blue, mut to_green) = (0, 0);
    for _ in 0..1000 {
        let (status, body, answered) = w
            .score("churn", &primary, None, &json!({"data": [2]}))
            .await;
        assert_eq!(status, 200, "{body}");
        match answered.as_str() {
            "blue" => to_blue += 1,
            "green" => to_green += 1,
            other => panic!("answered by {other}"),
        }
    }
    assert!((890..=910).contains(&to_blue), "blue got {to_blue}");
    assert!((90..=110).contains(&to_green), "green got {to_green}");
    let stats = w.ws.deployment_stats("churn", "blue").unwrap();
    assert!(stats.requests >= 900);
    assert!(stats.latency_percentile_ms(99.0).is_some());

    // Model errors → 424 with the model's body; request_timeout exceeded → 408.
    let (status, body, _) = w
        .score(
            "churn",
            &primary,
            Some("blue"),
            &json!({"data": [1], "raise": true}),
        )
        .await;
    assert_eq!(status, 424, "{body}");
    assert!(
        body.contains("unexpected error occurred in scoring script"),
        "{body}"
    );
    let (status, body, _) = w
        .score(
            "churn",
            &primary,
            Some("green"),
            &json!({"data": [1], "sleep": 1.5}),
        )
        .await;
    assert_eq!(status, 408, "{body}");
    // The server was told the timeout too (SCORING_TIMEOUT_MS): it stopped that run() at
    // 0.5 s, so the next call does not queue behind the abandoned one and time out as well.
    let (status, body, _) = w
        .score("churn", &primary, Some("green"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 200, "{body}");

    // More than 2 × 1 × 1 in flight on blue → 429.
    let slow = |w: &Ws| {
        let req = w
            .http
            .post(format!("{}/endpoints/churn/score", w.base))
            .bearer_auth(&primary)
            .header("azureml-model-deployment", "blue")
            .header("content-type", "application/json")
            .body(json!({"data": [1], "sleep": 1.0}).to_string());
        tokio::spawn(async move { req.send().await.map(|r| r.status().as_u16()) })
    };
    let first = slow(&w);
    let second = slow(&w);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while w.ws.deployment_stats("churn", "blue").unwrap().in_flight < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "slow requests never in flight"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (status, body, _) = w
        .score("churn", &primary, Some("blue"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(first.await.unwrap().unwrap(), 200);
    assert_eq!(second.await.unwrap().unwrap(), 200);

    // Regenerate the primary key: Python sends the current key as keyValue → a new key.
    let (s, _, headers) = w
        .arm(
            "POST",
            "onlineEndpoints/churn/regenerateKeys",
            Some(json!({"keyType": "Primary", "keyValue": primary})),
        )
        .await;
    assert_eq!(s, 202);
    w.wait_location(&headers).await;
    let (new_primary, _) = w.keys("churn").await;
    assert_ne!(new_primary, primary);
    let (status, _, _) = w
        .score("churn", &primary, Some("blue"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 401, "the old key must fail");
    let (status, _, _) = w
        .score("churn", &new_primary, Some("blue"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 200);

    // Kill blue's instance (its whole process group): liveness restarts it.
    let before = w.ws.instances("churn", "blue");
    assert_eq!(before.len(), 1);
    let pgid = before[0].pid;
    let killed = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pgid}")])
        .status()
        .unwrap();
    assert!(killed.success());
    // While it restarts, callers are told when to come back.
    let resp = w
        .score_request("churn", &new_primary, Some("blue"), &json!({"data": [1]}))
        .await;
    if resp.status().as_u16() != 200 {
        assert_eq!(resp.status().as_u16(), 503);
        let wait: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=30).contains(&wait), "Retry-After {wait}");
    }
    let mut restarted = false;
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while std::time::Instant::now() < deadline {
        let now = w.ws.instances("churn", "blue");
        if now
            .first()
            .is_some_and(|i| i.restarts >= 1 && i.ready && i.pid != pgid)
        {
            restarted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        restarted,
        "instance was not restarted: {:?}",
        w.ws.instances("churn", "blue")
    );
    let (status, body, _) = w
        .score(
            "churn",
            &new_primary,
            Some("blue"),
            &json!({"data": [0, 1]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // Delete green (after taking its traffic away): its processes stop, its port is freed.
    let green_instances = w.ws.instances("churn", "green");
    w.put_and_wait(
        "onlineEndpoints/churn",
        json!({"location": "eastus", "properties": {"authMode": "Key", "traffic": {"blue": 100, "green": 0}}}),
    )
    .await;
    let (s, _, headers) = w
        .arm("DELETE", "onlineEndpoints/churn/deployments/green", None)
        .await;
    assert_eq!(s, 202);
    w.wait_location(&headers).await;
    for i in &green_instances {
        let (port, pid) = (i.port, i.pid);
        eventually("green's processes to stop", 30, || !group_alive(pid)).await;
        eventually("green's port to be freed", 30, || {
            listen_addresses(port).is_empty()
        })
        .await;
    }
    let (status, _, _) = w
        .score("churn", &new_primary, Some("green"), &json!({"data": [1]}))
        .await;
    assert_eq!(status, 404);

    // The deleted deployment left the traffic map (saved at once, though its delete ended on
    // a GET poll).
    let (_, live, _) = w.arm("GET", "onlineEndpoints/churn", None).await;
    assert_eq!(live["properties"]["traffic"], json!({"blue": 100}));

    // A later process sees the workspace and restarts its deployment.
    let blue_pid = w.ws.instances("churn", "blue")[0].pid;
    w.ws.shutdown().await;
    assert!(!group_alive(blue_pid), "shutdown left blue running");
    drop(w);
    let w = Ws::start(dir.path()).await;
    let (s, ep, _) = w.arm("GET", "onlineEndpoints/churn", None).await;
    assert_eq!(s, 200);
    assert_eq!(ep["properties"]["traffic"], live["properties"]["traffic"]);
    let (primary_after, _) = w.keys("churn").await;
    assert_eq!(primary_after, new_primary, "keys persist");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let (status, body, answered) = w
            .score("churn", &new_primary, None, &json!({"data": [3]}))
            .await;
        if status == 200 {
            assert_eq!(answered, "blue");
            assert!(body.contains("3.0"), "{body}");
            break;
        }
        if std::time::Instant::now() >= deadline {
            let (_, logs, _) = w
                .arm(
                    "POST",
                    "onlineEndpoints/churn/deployments/blue/getLogs",
                    Some(json!({"containerType": "StorageInitializer"})),
                )
                .await;
            let (_, dep, _) = w
                .arm("GET", "onlineEndpoints/churn/deployments/blue", None)
                .await;
            panic!(
                "restored deployment never served: {status} {body}\n{dep}\n{}",
                logs["content"]
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let restored_pid = w.ws.instances("churn", "blue")[0].pid;
    w.ws.shutdown().await;
    assert!(!group_alive(restored_pid));
}
