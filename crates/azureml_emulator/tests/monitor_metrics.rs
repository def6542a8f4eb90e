//! The metrics API of the fake workspace over raw HTTP: what the test scored comes back in
//! Azure's answer shape, exactly counted, split and filtered like Azure does.
#![cfg(feature = "fake")]

mod monitor_support;

use std::time::Duration;

use azureml_emulator::fake::ScoreResponse;
use monitor_support::{Ws, ENDPOINT, START};
use serde_json::{json, Value};

/// 10:00 to 10:10 on the test day.
const SPAN: &str = "timespan=2024-07-01T10:00:00Z/2024-07-01T10:10:00Z";

/// Scores `n` requests on `deployment` `step` apart (moving the clock).
async fn score_many(ws: &Ws, deployment: &str, n: usize, step: Duration) {
    for _ in 0..n {
        let r = ws.score(deployment, r#"{"data": [[1, 2, 3]]}"#).await;
        assert!(r.status < 600, "{}", r.text());
        ws.clock.advance(step);
    }
}

fn series(answer: &Value, metric: usize) -> Vec<Value> {
    answer["value"][metric]["timeseries"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn total(points: &Value) -> f64 {
    points["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["total"].as_f64())
        .sum()
}

/// A model whose latency is the `latency_ms` of the request body and whose status is its `status`.
fn scripted_model(ws: &Ws) {
    ws.fake.on_score(|req| {
        let body = req.json();
        let ms = body["latency_ms"].as_u64().unwrap_or(5);
        let status = body["status"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .unwrap_or(200);
        let mut answer = ScoreResponse::json(&json!([0])).with_latency(Duration::from_millis(ms));
        answer.status = status;
        answer
    });
}

#[tokio::test]
async fn request_counts_are_exact_and_shaped_like_azure() {
    let ws = Ws::start().await;
    ws.fake.on_score(|_| ScoreResponse::json(&json!([1])));
    ws.deploy(&[("blue", json!({})), ("green", json!({}))])
        .await;
    score_many(&ws, "blue", 37, Duration::from_secs(7)).await;
    score_many(&ws, "green", 5, Duration::from_secs(1)).await;
    let endpoint = ws.endpoint_id();
    let answer = ws.metrics(&endpoint, &format!("{SPAN}&interval=PT1M&metricnames=RequestsPerMinute&aggregation=Total,Average,Count")).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    let body = answer.json();
    assert_eq!(
        body["timespan"],
        "2024-07-01T10:00:00Z/2024-07-01T10:10:00Z"
    );
    assert_eq!(body["interval"], "PT1M");
    assert_eq!(
        body["namespace"],
        "microsoft.machinelearningservices/workspaces/onlineendpoints"
    );
    assert_eq!(body["resourceregion"], "eastus");
    let metric = &body["value"][0];
    assert_eq!(
        metric["id"],
        format!("{endpoint}/providers/Microsoft.Insights/metrics/RequestsPerMinute")
    );
    assert_eq!(metric["type"], "Microsoft.Insights/metrics");
    assert_eq!(
        metric["name"],
        json!({"value": "RequestsPerMinute", "localizedValue": "Requests Per Minute"})
    );
    assert_eq!(metric["unit"], "Count");
    let all = series(&body, 0);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["metadatavalues"], json!([]));
    let points = all[0]["data"].as_array().unwrap();
    assert_eq!(points.len(), 10);
    assert_eq!(points[0]["timeStamp"], "2024-07-01T10:00:00Z");
    assert_eq!(total(&all[0]), 42.0, "every request, exactly");
    // 37 requests 7 s apart from 10:00:05: 8 or 9 a minute, then green's 5; idle minutes read 0.
    let per_minute: Vec<f64> = points
        .iter()
        .map(|p| p["total"].as_f64().unwrap())
        .collect();
    assert_eq!(
        per_minute,
        [8.0, 9.0, 8.0, 9.0, 3.0 + 5.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(points[9]["count"], 1.0);
    // One deployment, and FULL.
    let blue = ws
        .metrics(
            &ws.deployment_id("blue"),
            &format!("{SPAN}&interval=FULL&metricnames=RequestsPerMinute&aggregation=Total"),
        )
        .await
        .json();
    assert_eq!(blue["interval"], "FULL");
    assert_eq!(
        blue["namespace"],
        "microsoft.machinelearningservices/workspaces/onlineendpoints/deployments"
    );
    let only = series(&blue, 0);
    assert_eq!(only[0]["data"].as_array().unwrap().len(), 1);
    assert_eq!(only[0]["data"][0]["total"], 37.0);
    // The fake saw the logical path: the id unescaped, under the resource.
    let logged = ws
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/providers/Microsoft.Insights/metrics"))
        .count();
    assert_eq!(logged, 2);
}

#[tokio::test]
async fn splits_filters_top_and_orderby() {
    let ws = Ws::start().await;
    scripted_model(&ws);
    ws.deploy(&[("blue", json!({})), ("green", json!({}))])
        .await;
    for (deployment, status, n) in [
        ("blue", 200, 6),
        ("blue", 500, 2),
        ("blue", 404, 3),
        ("green", 200, 4),
        ("green", 503, 1),
    ] {
        for _ in 0..n {
            let r = ws
                .score(deployment, &json!({"status": status}).to_string())
                .await;
            assert_eq!(r.status, status);
        }
    }
    let endpoint = ws.endpoint_id();
    let query = |filter: &str| {
        format!(
            "{SPAN}&interval=FULL&metricnames=RequestsPerMinute&aggregation=Total&$filter={}",
            urlencode(filter)
        )
    };
    // The SDK's error_counts preset for blue.
    let errors = ws
        .metrics(
            &endpoint,
            &query("deployment eq 'blue' and statusCodeClass eq '4xx' or statusCodeClass eq '5xx'"),
        )
        .await;
    assert_eq!(errors.status, 200, "{}", errors.text());
    let split = series(&errors.json(), 0);
    let by_class: Vec<(String, f64)> = split
        .iter()
        .map(|s| {
            (
                s["metadatavalues"][1]["value"].as_str().unwrap().to_owned(),
                total(s),
            )
        })
        .collect();
    assert_eq!(by_class, [("4xx".to_owned(), 3.0), ("5xx".to_owned(), 2.0)]);
    assert_eq!(
        split[0]["metadatavalues"][0],
        json!({"name": {"value": "deployment", "localizedValue": "deployment"}, "value": "blue"})
    );
    // `'*'` splits by every value; top and orderby pick among the series.
    let by_code = ws
        .metrics(
            &endpoint,
            &format!("{}&top=2&orderby=Total%20desc", query("statusCode eq '*'")),
        )
        .await
        .json();
    let codes: Vec<(String, f64)> = series(&by_code, 0)
        .iter()
        .map(|s| {
            (
                s["metadatavalues"][0]["value"].as_str().unwrap().to_owned(),
                total(s),
            )
        })
        .collect();
    assert_eq!(codes, [("200".to_owned(), 10.0), ("404".to_owned(), 3.0)]);
    // ne filters without splitting.
    let not_ok = ws
        .metrics(&endpoint, &query("statusCodeClass ne '2xx'"))
        .await
        .json();
    assert_eq!(series(&not_ok, 0).len(), 1);
    assert_eq!(total(&series(&not_ok, 0)[0]), 6.0);
    // Metadata only: the series without data points.
    let meta = ws
        .metrics(
            &endpoint,
            &format!("{}&resultType=Metadata", query("deployment eq '*'")),
        )
        .await
        .json();
    let meta_series = series(&meta, 0);
    assert_eq!(meta_series.len(), 2);
    assert!(meta_series.iter().all(|s| s.get("data").is_none()));
    // What Azure refuses.
    for (q, needle) in [
        (format!("{SPAN}&metricnames=RequestsPerHour"), "Failed to find metric configuration for provider: Microsoft.MachineLearningServices, resource Type: workspaces/onlineEndpoints, metric: RequestsPerHour"),
        (query("deployment eq 'blue' or statusCode eq '200'"), "Invalid $filter"),
        (query("instanceId eq 'x'"), "no dimension 'instanceId'"),
        (format!("{SPAN}&interval=PT7S"), "Invalid interval"),
        (format!("{SPAN}&aggregation=median"), "Invalid aggregation"),
        (format!("{SPAN}&metricnamespace=Microsoft.Compute/virtualMachines"), "Metric namespace"),
    ] {
        let r = ws.metrics(&endpoint, &q).await;
        assert_eq!((r.status, r.code().as_str()), (400, "BadRequest"), "{q}: {}", r.text());
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(needle), "{}", r.text());
    }
    let gone = ws.metrics(&format!("{endpoint}-nope"), SPAN).await;
    assert_eq!(gone.status, 404);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn latency_percentiles_count_answered_requests_only() {
    let ws = Ws::start().await;
    scripted_model(&ws);
    ws.deploy(&[("blue", json!({}))]).await;
    for ms in 1..=100u64 {
        ws.score("blue", &json!({"latency_ms": ms}).to_string())
            .await;
    }
    // Rejections by the front door count as requests but not for latency.
    let recorder = ws.fake.metrics_recorder();
    for _ in 0..50 {
        recorder.record_request(
            ENDPOINT,
            "blue",
            azureml_emulator::core::monitor::RequestStatus::Rejected(429),
            Duration::from_secs(30),
            START,
        );
    }
    let q = format!("{SPAN}&interval=FULL&metricnames=RequestLatency_P50,RequestLatency_P90,RequestLatency_P99,RequestsPerMinute&aggregation=Average,Total");
    let body = ws.metrics(&ws.deployment_id("blue"), &q).await.json();
    let value =
        |i: usize, field: &str| body["value"][i]["timeseries"][0]["data"][0][field].as_f64();
    assert_eq!(body["value"][0]["unit"], "MilliSeconds");
    assert_eq!(value(0, "average"), Some(50.0));
    assert_eq!(value(1, "average"), Some(90.0));
    assert_eq!(value(2, "average"), Some(99.0));
    assert_eq!(value(3, "total"), Some(150.0));
    let mean = ws.metrics(&ws.endpoint_id(), &format!("{SPAN}&interval=FULL&metricnames=RequestLatency&aggregation=Average,Minimum,Maximum,Count")).await.json();
    let point = &mean["value"][0]["timeseries"][0]["data"][0];
    assert_eq!(
        (
            point["average"].as_f64(),
            point["minimum"].as_f64(),
            point["maximum"].as_f64(),
            point["count"].as_f64()
        ),
        (Some(50.5), Some(1.0), Some(100.0), Some(100.0))
    );
}

#[tokio::test]
async fn the_fine_grain_cpu_memory_and_definitions() {
    let ws = Ws::start().await;
    ws.fake.on_score(|_| ScoreResponse::json(&json!([1])));
    ws.deploy(&[("blue", json!({}))]).await;
    score_many(&ws, "blue", 6, Duration::from_secs(5)).await;
    let fine = ws.metrics(&ws.deployment_id("blue"), "timespan=2024-07-01T10:00:00Z/2024-07-01T10:01:00Z&interval=PT10S&metricnames=RequestsPerMinute&aggregation=Total").await.json();
    assert_eq!(fine["interval"], "PT10S");
    let per_bucket: Vec<f64> = fine["value"][0]["timeseries"][0]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["total"].as_f64().unwrap())
        .collect();
    // 10:00:05, :10, :15, :20, :25, :30.
    assert_eq!(per_bucket, [1.0, 2.0, 2.0, 1.0, 0.0, 0.0]);
    for (i, cpu) in [(0, 20.0), (1, 60.0)] {
        ws.fake.record_instance_sample(
            ENDPOINT,
            "blue",
            &format!("blue-{i}"),
            cpu,
            30.0 + cpu,
            START,
        );
    }
    let cpu = ws.metrics(&ws.deployment_id("blue"), &format!("{SPAN}&interval=FULL&metricnames=CpuUtilizationPercentage,CpuMemoryUtilizationPercentage&aggregation=Average,Maximum&$filter=instanceId%20eq%20%27*%27")).await.json();
    let instances: Vec<(String, f64)> = series(&cpu, 0)
        .iter()
        .map(|s| {
            (
                s["metadatavalues"][0]["value"].as_str().unwrap().to_owned(),
                s["data"][0]["average"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        instances,
        [("blue-0".to_owned(), 20.0), ("blue-1".to_owned(), 60.0)]
    );
    assert_eq!(series(&cpu, 1)[1]["data"][0]["maximum"], 90.0);
    // No data: time stamps only.
    let idle = ws
        .metrics(
            &ws.deployment_id("blue"),
            &format!("{SPAN}&metricnames=GpuUtilizationPercentage"),
        )
        .await
        .json();
    assert_eq!(
        series(&idle, 0)[0]["data"][0],
        json!({"timeStamp": "2024-07-01T10:00:00Z"})
    );

    let path = format!(
        "{}/providers/Microsoft.Insights/metricDefinitions",
        ws.deployment_id("blue")
    );
    let defs = ws.arm("GET", &path, "2024-02-01", "", None).await;
    assert_eq!(defs.status, 200, "{}", defs.text());
    let defs = defs.json();
    let names: Vec<&str> = defs["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"]["value"].as_str().unwrap())
        .collect();
    for expected in [
        "RequestsPerMinute",
        "CpuUtilizationPercentage",
        "CpuMemoryUtilizationPercentage",
        "DeploymentCapacity",
        "RequestLatency_P99",
        "DataCollectionEventsPerMinute",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let cpu_def = defs["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"]["value"] == "CpuUtilizationPercentage")
        .unwrap();
    assert_eq!(cpu_def["unit"], "Percent");
    assert_eq!(cpu_def["primaryAggregationType"], "Average");
    assert_eq!(
        cpu_def["dimensions"],
        json!([{"value": "instanceId", "localizedValue": "instanceId"}])
    );
    assert_eq!(
        cpu_def["metricAvailabilities"][0],
        json!({"timeGrain": "PT1M", "retention": "PT2H"})
    );
}
