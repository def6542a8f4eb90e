//! The seed's production half offline, through the SDK: an autoscale setting written with
//! `ml_client.autoscale()` (rules in the CLI's condition language) scales a real deployment
//! from 1 to 2 instances under a bounded load and back within its cooldowns, with every call
//! answered; `ml_client.metrics()` reports exactly the calls sent; data collection holds one
//! input and one output line per sampled call.
//!
//! Azure Monitor's minutes come from a `ManualClock` the test moves; the autoscaler and the
//! metrics sampler tick every 100 ms. Loopback only, every wait bounded, nothing asserted
//! about durations; the figures are printed (`--nocapture`).
#![cfg(feature = "local")]

mod local_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use azure_ai_ml::local::{Clock, LocalWorkspace, LocalWorkspaceExt, ManualClock};
use azure_ai_ml::monitor::{AggregationType, AutoscaleSetting, ScaleCapacity, ScaleRule};
use local_support::*;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

/// 1 July 2024, 10:00:10 UTC.
const T0: OffsetDateTime = datetime!(2024-07-01 10:00:10 UTC);
const MINUTE: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_load_scales_out_and_back_counted_and_collected_through_the_sdk() {
    if !python_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let monitor: Arc<dyn Clock> = clock.clone();
    let ws = Arc::new(
        LocalWorkspace::start(
            options(dir.path())
                .with_clock(monitor)
                .with_monitor_periods(Duration::from_millis(100), Duration::from_millis(100)),
        )
        .await
        .unwrap(),
    );
    let ml_client = ws.client().unwrap();
    let api = Arc::new(Api::new(ws.base_url().as_str(), ws.ca_pem()));

    let (code, model, env) = api.register_tiny("auto", &[1.0, 2.0]).await;
    api.create_endpoint("churn", "Key").await;
    let sampled = json!({"dataCollectionMode": "Enabled", "samplingRate": 0.25});
    let blue = api
        .put_and_wait(
            "onlineEndpoints/churn/deployments/blue",
            deployment_body(
                &code,
                &model,
                &env,
                1,
                json!({
                    "requestSettings": {"maxConcurrentRequestsPerInstance": 4, "requestTimeout": "PT10S"},
                    "dataCollector": {"collections": {"model_inputs": sampled, "model_outputs": sampled}}
                }),
            ),
        )
        .await;
    assert_eq!(
        blue["properties"]["provisioningState"], "Succeeded",
        "{blue}"
    );
    api.route_all("churn", "blue").await;
    let (key, _) = api.keys("churn").await;

    // The SDK writes the setting from the CLI's language.
    let autoscale = ml_client.autoscale();
    let setting = AutoscaleSetting::new("blue-autoscale")
        .target(autoscale.deployment_target("churn", "blue").unwrap())
        .capacity(ScaleCapacity::range(1..=2).with_default(1))
        .rule(
            ScaleRule::when("RequestsPerMinute > 50 avg 5m")
                .unwrap()
                .scale_out(1)
                .cooldown(MINUTE),
        )
        .rule(
            ScaleRule::when("RequestsPerMinute < 20 avg 5m")
                .unwrap()
                .scale_in(1)
                .cooldown(MINUTE),
        );
    let stored = autoscale.create_or_update(&setting, None).await.unwrap();
    assert!(stored.enabled);

    let stop_watch = Arc::new(AtomicBool::new(false));
    let watcher = watch_counts(
        ws.clone(),
        clock.clone(),
        "churn",
        "blue",
        stop_watch.clone(),
    );

    // Minute 0: load until the rule fires and the second instance is in rotation.
    let ScaleOut {
        mut load,
        threshold_at: crossed_after,
        ready_after: to_ready,
    } = burst_until_scaled_out(&ws, &api, &key, WAIT, || {
        !ws.autoscale_activity().is_empty()
    })
    .await;

    // Minutes 1-4 keep the burst in the 5-minute window; at minute 5 it leaves, and blue
    // goes back to one instance while slow calls keep both busy.
    for _minute in 1..=4u32 {
        clock.advance(MINUTE);
        load.start(&api, &key, 1, json!({"data": [1, 1]}), 5);
        load.stop().await;
    }
    load.start(&api, &key, 4, json!({"data": [1, 1], "sleep": 0.2}), 40);
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.advance(MINUTE);
    assert!(
        wait_until(WAIT, || ws.autoscale_activity().len() == 2).await,
        "no scale in"
    );
    assert!(
        wait_until(WAIT, || counts(&ws, "churn", "blue") == (1, 1)).await,
        "not back to one instance"
    );
    load.stop().await;
    stop_watch.store(true, Ordering::SeqCst);
    let timeline = watcher.await.unwrap();

    let sent = load.sent();
    let ok = load.answered();
    println!(
        "sent {sent}, answered {ok}; the rule fired after {crossed_after} calls; decision → second instance in rotation {:.2} s",
        to_ready.as_secs_f64()
    );
    print_timeline(&timeline);
    assert_eq!(sent, ok, "{:?}", load.failures.lock().unwrap());
    let moves: Vec<(u32, u32)> = ws
        .autoscale_activity()
        .iter()
        .map(|a| (a.old_instances_count, a.new_instances_count))
        .collect();
    assert_eq!(moves, [(1, 2), (2, 1)]);
    let deployment = ml_client
        .online_deployments()
        .get("blue", "churn", None)
        .await
        .unwrap();
    assert_eq!(deployment.instance_count(), Some(1));

    // The metrics API, through the SDK: the request count is the calls sent, exactly.
    let metrics = ml_client.metrics();
    let mut count = metrics
        .request_count("churn", Some("blue"))
        .unwrap()
        .with_timespan(T0 - MINUTE, T0 + 10 * MINUTE)
        .with_interval(MINUTE);
    count.query = count.query.aggregation([AggregationType::Total]);
    let answer = metrics.list_request(&count, None).await.unwrap();
    let counted: f64 = answer
        .metric("RequestsPerMinute")
        .unwrap()
        .timeseries
        .iter()
        .flat_map(|t| t.data.iter())
        .filter_map(|v| v.total)
        .sum();
    assert_eq!(counted, sent as f64);
    let latency = metrics
        .request_latency("churn", Some("blue"))
        .unwrap()
        .with_timespan(T0 - MINUTE, T0 + 10 * MINUTE)
        .with_interval(10 * MINUTE);
    let answer = metrics.list_request(&latency, None).await.unwrap();
    for p in [
        "RequestLatency_P50",
        "RequestLatency_P90",
        "RequestLatency_P99",
    ] {
        let shown: Vec<f64> = answer
            .metric(p)
            .unwrap()
            .timeseries
            .iter()
            .flat_map(|t| t.data.iter())
            .filter_map(|v| v.average)
            .collect();
        assert!(!shown.is_empty(), "{p}");
        println!("{p}: {shown:?} ms");
    }

    // Data collection: one input and one output line per sampled call, same correlation id.
    ws.flush_data_collection().await;
    let ids: BTreeSet<String> = load.request_ids.lock().unwrap().iter().cloned().collect();
    let expected = sent as f64 * 0.25;
    assert!(
        (ids.len() as f64 - expected).abs() <= 1.0,
        "{} sampled of {sent}",
        ids.len()
    );
    let folder = ws.data_collection_dir().join("churn").join("blue");
    for collection in ["model_inputs", "model_outputs"] {
        let mut seen = Vec::new();
        let mut pending = vec![folder.join(collection)];
        while let Some(d) = pending.pop() {
            for entry in std::fs::read_dir(&d).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    assert!(
                        path.to_string_lossy()
                            .contains(&format!("/{collection}/2024/07/01/10/")),
                        "{}",
                        path.display()
                    );
                    for line in std::fs::read_to_string(&path).unwrap().lines() {
                        let record: Value = serde_json::from_str(line).unwrap();
                        seen.push(record["correlationid"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
        assert_eq!(
            seen.len(),
            ids.len(),
            "{collection}: one line per sampled call"
        );
        assert_eq!(
            seen.into_iter().collect::<BTreeSet<_>>(),
            ids,
            "{collection}"
        );
    }

    autoscale.delete("blue-autoscale", None).await.unwrap();
    ws.shutdown().await;
    assert!(workspace_processes(dir.path()).is_empty());
}
