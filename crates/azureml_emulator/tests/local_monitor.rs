//! Azure Monitor in the offline workspace, end to end over raw HTTP with real `azmlinfsrv`
//! processes: a load drives an autoscale rule that scales a deployment out and back in (every
//! call answered), the metrics API counts exactly the calls sent, data collection writes one
//! input and one output record per sampled call; a Kubernetes deployment scales on its own
//! `TargetUtilization` rule from the CPU its processes really burn.
//!
//! Time: a `ManualClock` stands in for Azure Monitor's minutes (the test moves it), the
//! autoscaler and the sampler tick every 100 ms; every wait is bounded and nothing is asserted
//! about how long anything took.
#![cfg(feature = "local")]

mod local_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use azureml_emulator::core::monitor::ManualClock;
use azureml_emulator::local::LocalWorkspace;
use local_support::*;
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

/// Monday 1 July 2024, 10:00:10 UTC: ten seconds into minute 0.
const T0: OffsetDateTime = datetime!(2024-07-01 10:00:10 UTC);
const TICK: Duration = Duration::from_millis(100);
const WAIT: Duration = Duration::from_secs(180);

/// A workspace in a temporary folder on a manual monitor clock at [`T0`] (autoscaler and
/// sampler ticking every [`TICK`]), its REST client and the tiny assets registered under one
/// tag.
struct Monitored {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    ws: Arc<LocalWorkspace>,
    api: Arc<Api>,
    /// Code, model and environment ids.
    assets: (String, String, String),
}

impl Monitored {
    /// None when python3 is missing (the test is then skipped, see [`python_available`]).
    async fn start(tag: &str) -> Option<Monitored> {
        if !python_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(T0));
        let ws = Arc::new(
            LocalWorkspace::start(
                options(dir.path())
                    .with_clock(clock.clone())
                    .with_monitor_periods(TICK, TICK),
            )
            .await
            .unwrap(),
        );
        let api = Arc::new(api(&ws));
        let assets = api.register_tiny(tag, &[1.0, 2.0]).await;
        Some(Monitored {
            dir,
            clock,
            ws,
            api,
            assets,
        })
    }
}

/// `{target}/providers/Microsoft.Insights/metrics` over [10:00, 10:10) at one-minute grain.
async fn metric(api: &Api, target: &str, names: &str, aggregation: &str) -> Value {
    let (status, answer, _) = api
        .arm_at(
            "GET",
            &format!(
                "{target}/providers/Microsoft.Insights/metrics?timespan=2024-07-01T10:00:00Z/2024-07-01T10:10:00Z&interval=PT1M&metricnames={names}&aggregation={aggregation}&api-version=2024-02-01"
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The sum of one aggregation over every point of every series of the answer's metric `name`.
fn total(answer: &Value, name: &str, aggregation: &str) -> f64 {
    points(answer, name, aggregation).into_iter().sum()
}

/// Points with a value of one aggregation for metric `name`.
fn points(answer: &Value, name: &str, aggregation: &str) -> Vec<f64> {
    answer["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["name"]["value"] == name)
        .flat_map(|m| m["timeseries"].as_array().into_iter().flatten())
        .flat_map(|t| t["data"].as_array().into_iter().flatten())
        .filter_map(|p| p[aggregation].as_f64())
        .collect()
}

/// Per-instance CPU of kblue at 10-second grain, `from`–`to` on 1 July 2024 (diagnostics).
async fn cpu_metric(api: &Api, from: &str, to: &str) -> String {
    let target = api.id("onlineEndpoints/churn/deployments/kblue");
    let (_, cpu, _) = api
        .arm_at(
            "GET",
            &format!("{target}/providers/Microsoft.Insights/metrics?timespan=2024-07-01T{from}Z/2024-07-01T{to}Z&interval=PT10S&metricnames=CpuUtilizationPercentage&aggregation=Average,Count&$filter=instanceId%20eq%20%27*%27&api-version=2024-02-01"),
            None,
        )
        .await;
    cpu["value"][0]["timeseries"].to_string()
}

fn autoscale_path(name: &str) -> String {
    format!(
        "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Insights/autoscalesettings/{name}?api-version=2022-10-01"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_load_scales_out_and_back_with_every_call_answered_counted_and_collected() {
    let Some(m) = Monitored::start("scale").await else {
        return;
    };
    let (clock, ws, api) = (m.clock.clone(), m.ws.clone(), m.api.clone());
    let (code, model, env) = &m.assets;
    api.create_endpoint("churn", "Key").await;
    let sampled = json!({"dataCollectionMode": "Enabled", "samplingRate": 0.5});
    let body = deployment_body(
        code,
        model,
        env,
        1,
        json!({
            "requestSettings": {"maxConcurrentRequestsPerInstance": 4, "requestTimeout": "PT10S"},
            "dataCollector": {"collections": {"model_inputs": sampled, "model_outputs": sampled}, "rollingRate": "Hour"}
        }),
    );
    let blue = api
        .put_and_wait("onlineEndpoints/churn/deployments/blue", body)
        .await;
    assert_eq!(
        blue["properties"]["provisioningState"], "Succeeded",
        "{blue}"
    );
    api.route_all("churn", "blue").await;
    let (key, _) = api.keys("churn").await;

    // Out when the deployment averages more than 50 calls a minute over 5 minutes, in below
    // 20; one-minute cooldowns; between 1 and 2 instances.
    let target = api.id("onlineEndpoints/churn/deployments/blue");
    let rule = |operator: &str, threshold: f64, direction: &str| {
        json!({
            "metricTrigger": {"metricName": "RequestsPerMinute", "metricResourceUri": target,
                "timeGrain": "PT1M", "statistic": "Sum", "timeWindow": "PT5M",
                "timeAggregation": "Average", "operator": operator, "threshold": threshold},
            "scaleAction": {"direction": direction, "type": "ChangeCount", "value": "1", "cooldown": "PT1M"}
        })
    };
    let setting = json!({"location": "eastus", "properties": {
        "enabled": true, "targetResourceUri": target,
        "profiles": [{"name": "default", "capacity": {"minimum": "1", "maximum": "2", "default": "1"},
            "rules": [rule("GreaterThan", 50.0, "Increase"), rule("LessThan", 20.0, "Decrease")]}]}});
    let (status, stored, _) = api
        .arm_at("PUT", &autoscale_path("blue-autoscale"), Some(setting))
        .await;
    assert_eq!(status, 201, "{stored}");

    let stop_watch = Arc::new(AtomicBool::new(false));
    let watcher = watch_counts(
        ws.clone(),
        clock.clone(),
        "churn",
        "blue",
        stop_watch.clone(),
    );
    let started = Instant::now();

    // Minute 0: four callers until the rule fires and the second instance is in rotation.
    let ScaleOut {
        mut load,
        threshold_at,
        ready_after,
    } = burst_until_scaled_out(&ws, &api, &key, WAIT, || {
        !ws.autoscale_activity().is_empty()
    })
    .await;
    let burst = load.sent();

    // Minutes 1–4: a trickle; the 5-minute average still holds minute 0's burst.
    for minute in 1..=4u64 {
        clock.set(T0 + Duration::from_secs(60 * minute));
        load.start(&api, &key, 1, json!({"data": [1, 1]}), 5);
        load.stop().await;
        tokio::time::sleep(TICK * 3).await;
        assert_eq!(counts(&ws, "churn", "blue").0, 2, "minute {minute}");
    }
    // Minute 5: the burst left the window. Slow calls keep both instances busy while one is
    // drained and stopped.
    load.start(&api, &key, 4, json!({"data": [1, 1], "sleep": 0.2}), 40);
    tokio::time::sleep(Duration::from_millis(300)).await;
    clock.set(T0 + Duration::from_secs(300));
    assert!(
        wait_until(WAIT, || ws.autoscale_activity().len() == 2).await,
        "no scale in"
    );
    assert!(
        wait_until(WAIT, || counts(&ws, "churn", "blue") == (1, 1)).await,
        "the drained instance was not stopped: {:?}",
        ws.instances("churn", "blue")
    );
    load.stop().await;
    stop_watch.store(true, Ordering::SeqCst);
    let timeline = watcher.await.unwrap();

    let sent = load.sent();
    let answered = load.answered();
    println!(
        "sent {sent}, answered {answered} (burst {burst}); scale out decided after {threshold_at} calls; decision → new instance in rotation {:.2} s; whole run {:.1} s",
        ready_after.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    print_timeline(&timeline);
    assert_eq!(
        sent,
        answered,
        "calls not answered with 200: {:?}",
        load.failures.lock().unwrap()
    );
    let in_rotation: Vec<usize> = timeline.iter().map(|(_, _, s, _)| *s).collect();
    assert!(
        in_rotation.contains(&2) && in_rotation.last() == Some(&1),
        "{in_rotation:?}"
    );

    // The activity log, through the API and the workspace.
    let (status, activity, _) = api
        .arm_at(
            "GET",
            &format!(
                "/subscriptions/{SUBSCRIPTION}/resourceGroups/{RESOURCE_GROUP}/providers/Microsoft.Insights/autoscalesettings/blue-autoscale/activity?api-version=2022-10-01"
            ),
            None,
        )
        .await;
    assert_eq!(status, 200, "{activity}");
    let moves: Vec<(u64, u64)> = activity["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["oldInstancesCount"].as_u64().unwrap(),
                a["newInstancesCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(moves, [(1, 2), (2, 1)]);
    let (_, deployment, _) = api
        .arm("GET", "onlineEndpoints/churn/deployments/blue", None)
        .await;
    assert_eq!(deployment["sku"]["capacity"], 1, "the ARM view follows");
    // Every scale action is in the deployment's log.
    let (status, logs, _) = api
        .arm(
            "POST",
            "onlineEndpoints/churn/deployments/blue/getLogs",
            Some(json!({"containerType": "InferenceServer"})),
        )
        .await;
    assert_eq!(status, 200);
    let log = logs["content"].as_str().unwrap_or_default();
    for needle in [
        "Autoscale 'blue-autoscale' (profile 'default'): scale out from 1 to 2",
        "Scale out: instance",
        "Autoscale 'blue-autoscale' (profile 'default'): scale in from 2 to 1",
        "Scale in: instance",
        "drained and stopped",
    ] {
        assert!(log.contains(needle), "{needle} not in the log:\n{log}");
    }

    // The metrics API counts every call sent, exactly; latency percentiles of the answers.
    let requests = metric(&api, &target, "RequestsPerMinute", "Total").await;
    assert_eq!(total(&requests, "RequestsPerMinute", "total"), sent as f64);
    let endpoint_requests = metric(
        &api,
        &api.id("onlineEndpoints/churn"),
        "RequestsPerMinute",
        "Total",
    )
    .await;
    assert_eq!(
        total(&endpoint_requests, "RequestsPerMinute", "total"),
        sent as f64
    );
    let latency = metric(
        &api,
        &target,
        "RequestLatency_P50,RequestLatency_P90,RequestLatency_P99",
        "Average",
    )
    .await;
    for p in [
        "RequestLatency_P50",
        "RequestLatency_P90",
        "RequestLatency_P99",
    ] {
        let values = points(&latency, p, "average");
        assert!(
            !values.is_empty() && values.iter().all(|v| *v > 0.0),
            "{p}: {values:?}"
        );
    }
    let resources = metric(
        &api,
        &target,
        "CpuUtilizationPercentage,CpuMemoryUtilizationPercentage,DeploymentCapacity",
        "Average,Maximum",
    )
    .await;
    assert!(!points(&resources, "CpuMemoryUtilizationPercentage", "average").is_empty());
    assert!(!points(&resources, "CpuUtilizationPercentage", "maximum").is_empty());
    assert_eq!(
        points(&resources, "DeploymentCapacity", "maximum")
            .into_iter()
            .fold(0.0, f64::max),
        2.0
    );

    // Data collection: one input and one output per sampled call, sharing its x-request-id.
    ws.flush_data_collection().await;
    let folder = ws.data_collection_dir().join("churn").join("blue");
    let inputs = jsonl_records(&folder.join("model_inputs"));
    let outputs = jsonl_records(&folder.join("model_outputs"));
    let ids: BTreeSet<String> = load.request_ids.lock().unwrap().iter().cloned().collect();
    let half = sent as f64 / 2.0;
    assert!(
        (ids.len() as f64 - half).abs() <= 1.0,
        "{} of {sent} sampled at 0.5",
        ids.len()
    );
    assert_eq!((inputs.len(), outputs.len()), (ids.len(), ids.len()));
    let correlation = |records: &[(std::path::PathBuf, Value)]| -> BTreeSet<String> {
        records
            .iter()
            .map(|(_, r)| r["correlationid"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(correlation(&inputs), ids);
    assert_eq!(correlation(&outputs), ids);
    for (path, record) in &inputs {
        let shown = path.to_string_lossy();
        assert!(shown.contains("/model_inputs/2024/07/01/10/"), "{shown}");
        assert_eq!(record["type"], "azureml.inference.model_inputs");
        assert!(record["data"].is_array(), "{record}");
    }
    let instances: BTreeSet<String> = inputs
        .iter()
        .map(|(p, _)| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        instances.len() >= 2,
        "both instances collected: {instances:?}"
    );

    ws.shutdown().await;
    assert!(workspace_processes(m.dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kubernetes_deployment_scales_on_its_own_cpu_target() {
    let Some(m) = Monitored::start("k8s").await else {
        return;
    };
    let (clock, ws, api) = (m.clock.clone(), m.ws.clone(), m.api.clone());
    let (code, model, env) = &m.assets;
    let endpoint = api
        .create_endpoint_with(
            "churn",
            json!({"authMode": "Key", "compute": "k8s-compute"}),
        )
        .await;
    assert_eq!(endpoint["properties"]["compute"], "k8s-compute");
    let body = deployment_body(
        code,
        model,
        env,
        1,
        json!({
            "endpointComputeType": "Kubernetes",
            "instanceType": "defaultinstancetype",
            "containerResourceRequirements": {
                "containerResourceRequests": {"cpu": "100m", "memory": "256Mi"},
                "containerResourceLimits": {"cpu": "250m", "memory": "1Gi"}},
            "scaleSettings": {"scaleType": "TargetUtilization", "minInstances": 1,
                "maxInstances": 2, "targetUtilizationPercentage": 40, "pollingInterval": "PT1S"},
            // Two workers per instance, so two callers keep two processes busy even on a
            // loaded machine; a quiet liveness probe, so an idle instance is idle.
            "environmentVariables": {"WORKER_COUNT": "2"},
            "livenessProbe": {"initialDelay": "PT10S", "period": "PT10S", "timeout": "PT2S", "failureThreshold": 3},
            "requestSettings": {"maxConcurrentRequestsPerInstance": 2, "requestTimeout": "PT10S"}
        }),
    );
    let created = api
        .put_and_wait("onlineEndpoints/churn/deployments/kblue", body)
        .await;
    assert_eq!(
        created["properties"]["provisioningState"], "Succeeded",
        "{created}"
    );
    assert_eq!(created["properties"]["endpointComputeType"], "Kubernetes");
    assert_eq!(
        created["properties"]["containerResourceRequirements"]["containerResourceLimits"]["cpu"],
        "250m",
        "requests and limits are kept"
    );
    api.route_all("churn", "kblue").await;
    let (key, _) = api.keys("churn").await;

    let stop_watch = Arc::new(AtomicBool::new(false));
    let watcher = watch_counts(
        ws.clone(),
        clock.clone(),
        "churn",
        "kblue",
        stop_watch.clone(),
    );
    // Calls that burn CPU: both workers of the instance busy, far above 40 % of 0.25 core.
    let mut load = Load::new("churn");
    load.start(&api, &key, 2, json!({"data": [1, 1], "busy": 0.2}), 2_000);
    let scaled_out = wait_until(WAIT, || counts(&ws, "churn", "kblue").0 == 2).await;
    load.stop().await;
    if !scaled_out {
        panic!(
            "no scale out on CPU; CPU {}",
            cpu_metric(&api, "10:00:00", "10:01:00").await
        );
    }
    // Idle, and past the scale-down stabilization window: back to the minimum.
    clock.set(T0 + Duration::from_secs(400));
    let scaled_in = wait_until(WAIT, || counts(&ws, "churn", "kblue") == (1, 1)).await;
    if !scaled_in {
        panic!(
            "no scale in; activity {:?}; CPU {}",
            ws.autoscale_activity(),
            cpu_metric(&api, "10:06:00", "10:07:00").await
        );
    }
    stop_watch.store(true, Ordering::SeqCst);
    print_timeline(&watcher.await.unwrap());
    let (sent, answered) = (load.sent(), load.answered());
    assert_eq!(sent, answered, "{:?}", load.failures.lock().unwrap());
    let activity = ws.autoscale_activity();
    let moves: Vec<(u32, u32, &str)> = activity
        .iter()
        .map(|a| {
            (
                a.old_instances_count,
                a.new_instances_count,
                a.profile.as_str(),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [(1, 2, "TargetUtilization"), (2, 1, "TargetUtilization")]
    );
    println!("{}", activity[0].reason);

    // CPU and memory per instance, named as the instances are.
    let target = api.id("onlineEndpoints/churn/deployments/kblue");
    let (status, cpu, _) = api
        .arm_at(
            "GET",
            &format!("{target}/providers/Microsoft.Insights/metrics?timespan=2024-07-01T10:00:00Z/2024-07-01T10:10:00Z&interval=PT1M&metricnames=CpuUtilizationPercentage&aggregation=Maximum&$filter=instanceId%20eq%20%27*%27&api-version=2024-02-01"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{cpu}");
    let series = cpu["value"][0]["timeseries"].as_array().unwrap();
    assert!(!series.is_empty(), "{cpu}");
    let busiest = points(&cpu, "CpuUtilizationPercentage", "maximum")
        .into_iter()
        .fold(0.0, f64::max);
    assert!(busiest > 40.0 && busiest <= 100.0, "{busiest}");
    for s in series {
        let id = s["metadatavalues"][0]["value"].as_str().unwrap();
        assert!(id.starts_with("kblue-"), "{id}");
    }
    ws.shutdown().await;
    assert!(workspace_processes(m.dir.path()).is_empty());
}
