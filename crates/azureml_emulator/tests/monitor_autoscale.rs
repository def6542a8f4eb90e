//! Autoscale settings on the fake workspace over raw HTTP: Azure's status codes and bodies, its
//! validation, the official example, and the autoscaler acting on recorded CPU.
#![cfg(feature = "fake")]

mod monitor_support;

use monitor_support::{autoscale_example, seed_setting, Ws, AUTOSCALE_API, ENDPOINT, START};
use serde_json::{json, Value};

/// The example's subscription, replaced by the fake's in ids.
const EXAMPLE_SUB: &str = "b67f7fec-69fc-4974-9099-a26bd6ffeda3";

#[tokio::test]
async fn the_example_body_round_trips_with_the_example_answer() {
    let ws = Ws::start().await;
    let example = autoscale_example();
    let request = example["parameters"]["parameters"].clone();
    let path = format!(
        "/subscriptions/{}/resourcegroups/TestingMetricsScaleSet/providers/Microsoft.Insights/autoscalesettings/MySetting",
        ws.fake.subscription_id()
    );
    let created = ws
        .arm("PUT", &path, AUTOSCALE_API, "", Some(request.clone()))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let expected = |status: &str| {
        let mut body = example["responses"][status]["body"].clone();
        let id = body["id"]
            .as_str()
            .unwrap()
            .replace(EXAMPLE_SUB, &ws.fake.subscription_id());
        body["id"] = json!(id);
        body
    };
    assert_eq!(created.json(), expected("201"));
    let replaced = ws.arm("PUT", &path, AUTOSCALE_API, "", Some(request)).await;
    assert_eq!((replaced.status, replaced.json()), (200, expected("200")));
    let read = ws.arm("GET", &path, AUTOSCALE_API, "", None).await;
    assert_eq!((read.status, read.json()), (200, expected("200")));
}

#[tokio::test]
async fn crud_of_the_seed_setting_answers_like_azure() {
    let ws = Ws::start().await;
    let path = ws.setting_path(Some("churn-autoscale"));
    let missing = ws.arm("GET", &path, AUTOSCALE_API, "", None).await;
    assert_eq!(
        (missing.status, missing.code().as_str()),
        (404, "ResourceNotFound")
    );
    assert!(missing.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("churn-autoscale"));

    let body = seed_setting(&ws.deployment_id("blue"));
    let created = ws
        .arm("PUT", &path, AUTOSCALE_API, "", Some(body.clone()))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let stored = created.json();
    assert_eq!(stored["name"], "churn-autoscale");
    assert_eq!(stored["type"], "Microsoft.Insights/autoscaleSettings");
    assert_eq!(stored["properties"]["name"], "churn-autoscale");
    assert!(stored["id"]
        .as_str()
        .unwrap()
        .ends_with("/providers/microsoft.insights/autoscalesettings/churn-autoscale"));
    assert_eq!(
        stored["properties"]["profiles"],
        body["properties"]["profiles"]
    );

    // Names are case-insensitive; PATCH replaces tags and the properties it names.
    let upper = ws.setting_path(Some("CHURN-AUTOSCALE"));
    let patch = json!({"tags": {"team": "ds"}, "properties": {"enabled": false, "profiles": body["properties"]["profiles"]}});
    let patched = ws
        .arm("PATCH", &upper, AUTOSCALE_API, "", Some(patch))
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["tags"], json!({"team": "ds"}));
    assert_eq!(patched.json()["properties"]["enabled"], false);
    assert_eq!(
        patched.json()["properties"]["targetResourceUri"],
        ws.deployment_id("blue")
    );
    assert_eq!(patched.json()["name"], "churn-autoscale");

    // Lists: by resource group (paged) and by subscription.
    for n in ["b-second", "c-third"] {
        let r = ws
            .arm(
                "PUT",
                &ws.setting_path(Some(n)),
                AUTOSCALE_API,
                "",
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let list = ws
        .arm("GET", &ws.setting_path(None), AUTOSCALE_API, "", None)
        .await
        .json();
    let names: Vec<&str> = list["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["churn-autoscale", "b-second", "c-third"],
        "creation order"
    );
    let other_rg = format!("/subscriptions/{}/resourcegroups/other-rg/providers/Microsoft.Insights/autoscalesettings/x", ws.fake.subscription_id());
    assert_eq!(
        ws.arm("PUT", &other_rg, AUTOSCALE_API, "", Some(body.clone()))
            .await
            .status,
        201
    );
    let by_sub = format!(
        "/subscriptions/{}/providers/Microsoft.Insights/autoscalesettings",
        ws.fake.subscription_id()
    );
    assert_eq!(
        ws.arm("GET", &by_sub, AUTOSCALE_API, "", None).await.json()["value"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let wrong_sub = by_sub.replace(
        &ws.fake.subscription_id(),
        "11111111-1111-1111-1111-111111111111",
    );
    assert_eq!(
        ws.arm("GET", &wrong_sub, AUTOSCALE_API, "", None)
            .await
            .code(),
        "SubscriptionNotFound"
    );

    assert_eq!(
        ws.arm("DELETE", &path, AUTOSCALE_API, "", None)
            .await
            .status,
        200
    );
    assert_eq!(
        ws.arm("DELETE", &path, AUTOSCALE_API, "", None)
            .await
            .status,
        204
    );
    assert_eq!(
        ws.arm("GET", &path, AUTOSCALE_API, "", None).await.status,
        404
    );
    assert_eq!(
        ws.arm("PATCH", &path, AUTOSCALE_API, "", Some(json!({"tags": {}})))
            .await
            .status,
        404
    );
    assert_eq!(
        ws.arm("POST", &path, AUTOSCALE_API, "", None).await.status,
        405
    );
}

/// `body` with `edit` applied to its first profile.
fn with_profile(body: &Value, edit: impl Fn(&mut Value)) -> Value {
    let mut body = body.clone();
    edit(&mut body["properties"]["profiles"][0]);
    body
}

#[tokio::test]
async fn what_azure_refuses_is_refused_with_an_arm_error() {
    let ws = Ws::start().await;
    let path = ws.setting_path(Some("bad"));
    let good = seed_setting(&ws.deployment_id("blue"));
    let rule = good["properties"]["profiles"][0]["rules"][0].clone();
    let trigger = |key: &'static str, value: Value| {
        with_profile(&good, move |p| {
            p["rules"][0]["metricTrigger"][key] = value.clone()
        })
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with_profile(&good, |p| {
                p["capacity"] = json!({"minimum": "6", "maximum": "5", "default": "5"})
            }),
            "BadRequest",
            "minimum capacity value '6'",
        ),
        (
            with_profile(&good, |p| {
                p["capacity"] = json!({"minimum": "2", "maximum": "5", "default": "1"})
            }),
            "BadRequest",
            "greater than the default capacity of '1'",
        ),
        (
            with_profile(&good, |p| {
                p["capacity"] = json!({"minimum": "1", "maximum": "5", "default": "7"})
            }),
            "BadRequest",
            "default capacity value '7'",
        ),
        (
            with_profile(&good, |p| p["capacity"]["maximum"] = json!("many")),
            "BadRequest",
            "not a valid instance count",
        ),
        (
            with_profile(&good, |p| p["rules"] = json!(vec![rule.clone(); 11])),
            "BadRequest",
            "at most 10 rules",
        ),
        (
            with_profile(&good, |p| {
                p["rules"][0]["scaleAction"]["cooldown"] = json!("PT30S")
            }),
            "BadRequest",
            "cooldown 'PT30S'",
        ),
        (
            with_profile(&good, |p| {
                p["rules"][0]["scaleAction"]["cooldown"] = json!("P8D")
            }),
            "BadRequest",
            "cooldown 'P8D'",
        ),
        (
            trigger("timeGrain", json!("PT30S")),
            "BadRequest",
            "time grain 'PT30S'",
        ),
        (
            trigger("timeGrain", json!("PT13H")),
            "BadRequest",
            "time grain 'PT13H'",
        ),
        (
            trigger("timeWindow", json!("PT2M")),
            "BadRequest",
            "time window 'PT2M'",
        ),
        (
            trigger("timeGrain", json!("soon")),
            "InvalidRequestContent",
            "'soon' is not a valid ISO 8601 duration",
        ),
        (
            trigger("operator", json!("Above")),
            "InvalidRequestContent",
            "ComparisonOperationType",
        ),
        (
            trigger("statistic", json!("Median")),
            "InvalidRequestContent",
            "MetricStatisticType",
        ),
        (
            with_profile(&good, |p| {
                p["rules"][0]["metricTrigger"]
                    .as_object_mut()
                    .unwrap()
                    .remove("metricName");
            }),
            "InvalidRequestContent",
            "Required property 'metricName'",
        ),
        (
            with_profile(
                &good,
                |p| p["recurrence"] = json!({"frequency": "Day", "schedule": {"timeZone": "UTC", "days": ["Monday"], "hours": [1], "minutes": [0]}}),
            ),
            "BadRequest",
            "weekly only",
        ),
        (
            with_profile(
                &good,
                |p| p["recurrence"] = json!({"frequency": "Week", "schedule": {"timeZone": "Mars Standard Time", "days": ["Monday"], "hours": [1], "minutes": [0]}}),
            ),
            "BadRequest",
            "time zone 'Mars Standard Time'",
        ),
        (
            with_profile(
                &good,
                |p| p["recurrence"] = json!({"frequency": "Week", "schedule": {"timeZone": "UTC", "days": ["Monday"], "hours": [24], "minutes": [0]}}),
            ),
            "BadRequest",
            "from 0 to 23",
        ),
        (
            with_profile(
                &good,
                |p| {
                    p["fixedDate"] =
                        json!({"start": "2024-01-02T00:00:00Z", "end": "2024-01-01T00:00:00Z"})
                },
            ),
            "BadRequest",
            "must be after its start",
        ),
    ];
    for (body, code, message) in cases {
        let r = ws.arm("PUT", &path, AUTOSCALE_API, "", Some(body)).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, code),
            "{message}: {}",
            r.text()
        );
        let text = r.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.contains(message), "expected «{message}» in «{text}»");
    }
    let mut many = good.clone();
    many["properties"]["profiles"] = json!(vec![good["properties"]["profiles"][0].clone(); 21]);
    let r = ws.arm("PUT", &path, AUTOSCALE_API, "", Some(many)).await;
    assert!(r.text().contains("at most 20 profiles"), "{}", r.text());
    let mut no_location = good.clone();
    no_location.as_object_mut().unwrap().remove("location");
    assert_eq!(
        ws.arm("PUT", &path, AUTOSCALE_API, "", Some(no_location))
            .await
            .code(),
        "LocationRequired"
    );
    assert_eq!(
        ws.arm("PUT", &path, AUTOSCALE_API, "", Some(json!([1])))
            .await
            .status,
        400
    );
    // Nothing was stored along the way.
    assert_eq!(
        ws.arm("GET", &path, AUTOSCALE_API, "", None).await.status,
        404
    );
    // A PATCH breaking a rule is refused and changes nothing.
    assert_eq!(
        ws.arm("PUT", &path, AUTOSCALE_API, "", Some(good.clone()))
            .await
            .status,
        201
    );
    let bad_patch = json!({"properties": {"profiles": [{"name": "p", "capacity": {"minimum": "3", "maximum": "1", "default": "1"}, "rules": []}]}});
    assert_eq!(
        ws.arm("PATCH", &path, AUTOSCALE_API, "", Some(bad_patch))
            .await
            .code(),
        "BadRequest"
    );
    let after = ws.arm("GET", &path, AUTOSCALE_API, "", None).await.json();
    assert_eq!(
        after["properties"]["profiles"],
        good["properties"]["profiles"]
    );
}

#[tokio::test]
async fn the_autoscaler_scales_on_recorded_cpu_and_logs_the_action() {
    let ws = Ws::start().await;
    ws.deploy(&[("blue", json!({}))]).await;
    let path = ws.create_seed_setting("churn-autoscale", "blue").await;
    ws.record_hot_blue();
    let now = START + std::time::Duration::from_secs(4 * 60);
    let decisions = ws.fake.evaluate_autoscale_at(now);
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(
        (decisions[0].old_capacity, decisions[0].new_capacity),
        (1, 2)
    );
    let deployment = ws.fake.deployment(ENDPOINT, "blue").unwrap();
    assert_eq!(
        deployment["sku"]["capacity"], 2,
        "the ARM view shows the new count"
    );
    // The cooldown holds the next step; the activity log has the action.
    assert!(ws
        .fake
        .evaluate_autoscale_at(now + std::time::Duration::from_secs(60))
        .is_empty());
    let activity = ws.fake.autoscale_activity();
    assert_eq!(activity.len(), 1);
    assert_eq!(
        (
            activity[0].old_instances_count,
            activity[0].new_instances_count
        ),
        (1, 2)
    );
    assert_eq!(
        activity[0].operation_name,
        "Microsoft.Insights/AutoscaleSettings/Scaleup/Action"
    );
    let route = ws
        .arm("GET", &format!("{path}/activity"), AUTOSCALE_API, "", None)
        .await;
    assert_eq!(route.status, 200, "{}", route.text());
    let entry = &route.json()["value"][0];
    assert_eq!(entry["newInstancesCount"], 2);
    assert_eq!(entry["eventTimestamp"], "2024-07-01T10:04:05Z");
    assert!(entry["description"]
        .as_str()
        .unwrap()
        .contains("from 1 instances count to 2 instances count"));
    // DeploymentCapacity follows.
    let capacity = ws
        .metrics(&ws.deployment_id("blue"), "metricnames=DeploymentCapacity&aggregation=Maximum&timespan=2024-07-01T10:00:00Z/2024-07-01T10:10:00Z")
        .await
        .json();
    let points = capacity["value"][0]["timeseries"][0]["data"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(points[4]["maximum"], 2.0, "{points:?}");
    // The state (settings and activity) survives a restart through JSON.
    let saved = serde_json::to_string(&ws.fake.state()).unwrap();
    let state = serde_json::from_str(&saved).unwrap();
    let again = azureml_emulator::fake::FakeWorkspace::builder()
        .state(state)
        .start()
        .await;
    assert_eq!(again.autoscale_activity().len(), 1);
    // The setting came back too: scaling resumes after the cooldown.
    again.record_instance_sample(
        ENDPOINT,
        "blue",
        "blue-0",
        95.0,
        40.0,
        now + std::time::Duration::from_secs(300),
    );
    let later = again.evaluate_autoscale_at(now + std::time::Duration::from_secs(300));
    assert_eq!(later.first().map(|d| d.new_capacity), Some(3));
}

#[tokio::test]
async fn a_kubernetes_target_utilization_scales_on_cpu_and_waits_for_the_runtime() {
    use std::collections::BTreeMap;
    use std::time::Duration;
    let ws = Ws::start().await;
    ws.deploy(&[(
        "kblue",
        json!({"endpointComputeType": "Kubernetes", "instanceType": "defaultinstancetype",
            "scaleSettings": {"scaleType": "TargetUtilization", "minInstances": 1,
                "maxInstances": 3, "targetUtilizationPercentage": 50}}),
    )])
    .await;
    let serving = |n: u32| BTreeMap::from([((ENDPOINT.to_owned(), "kblue".to_owned()), n)]);
    let evaluate = |at, n| {
        ws.fake
            .with_core(|c| c.evaluate_target_utilization(at, &serving(n)))
    };
    assert!(evaluate(START, 1).is_empty(), "no CPU samples: no change");
    ws.fake
        .record_instance_sample(ENDPOINT, "kblue", "kblue-0", 90.0, 30.0, START);
    let up = evaluate(START, 1);
    assert_eq!(up.len(), 1, "{up:?}");
    assert_eq!((up[0].old_capacity, up[0].new_capacity), (1, 2));
    assert_eq!(up[0].profile, "TargetUtilization");
    assert_eq!(
        ws.fake.deployment(ENDPOINT, "kblue").unwrap()["sku"]["capacity"],
        2
    );
    assert!(
        evaluate(START, 1).is_empty(),
        "the runtime has not caught up: wait"
    );
    // Idle, but within the scale-down stabilization window: stay.
    let idle = START + Duration::from_secs(120);
    ws.fake
        .record_instance_sample(ENDPOINT, "kblue", "kblue-0", 5.0, 30.0, idle);
    assert!(evaluate(idle, 2).is_empty());
    let later = START + Duration::from_secs(400);
    ws.fake
        .record_instance_sample(ENDPOINT, "kblue", "kblue-0", 5.0, 30.0, later);
    let down = evaluate(later, 2);
    assert_eq!((down[0].old_capacity, down[0].new_capacity), (2, 1));
    // An autoscale setting on the deployment takes over from its own rule.
    ws.create_seed_setting("k-autoscale", "kblue").await;
    ws.fake
        .record_instance_sample(ENDPOINT, "kblue", "kblue-0", 99.0, 30.0, later);
    assert!(evaluate(later, 1).is_empty());
}

#[tokio::test]
async fn a_scale_out_the_runtime_could_not_carry_out_is_logged_as_failed() {
    let ws = Ws::start().await;
    ws.deploy(&[("blue", json!({}))]).await;
    ws.create_seed_setting("churn-autoscale", "blue").await;
    ws.record_hot_blue();
    let now = START + std::time::Duration::from_secs(4 * 60);
    assert_eq!(ws.fake.evaluate_autoscale_at(now).len(), 1);
    ws.fake.with_core(|c| {
        c.record_scale_failure(
            ENDPOINT,
            "BLUE",
            1,
            2,
            "instance blue-1-1 did not become ready",
            now,
        )
    });
    assert_eq!(
        ws.fake.deployment(ENDPOINT, "blue").unwrap()["sku"]["capacity"],
        1,
        "the ARM view shows what runs"
    );
    let activity = ws.fake.autoscale_activity();
    assert_eq!(activity.len(), 2);
    let failed = &activity[1];
    assert_eq!(failed.status, "Failed");
    assert_eq!(failed.setting_name, "churn-autoscale");
    assert_eq!(
        (failed.old_instances_count, failed.new_instances_count),
        (1, 2)
    );
    assert!(failed.description.contains("failed to scale"));
    // Its time restarts the cooldown; after it the autoscaler tries again.
    assert!(ws
        .fake
        .evaluate_autoscale_at(now + std::time::Duration::from_secs(60))
        .is_empty());
}
