//! The evaluator with synthetic time: cooldowns, bounds, any-out/all-in, profile selection by
//! fixed date, recurrence and time zone, percent and exact scale actions.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

use super::{evaluate, AutoscaleSettingSpec, ScaleDecision, ScaleDirection};
use crate::core::monitor::{MemoryUsage, MetricsRecorder, RequestStatus};

const WS: &str =
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws";
/// Monday 1 July 2024, 10:00 UTC.
const T0: OffsetDateTime = datetime!(2024-07-01 10:00 UTC);

fn target() -> String {
    format!("{WS}/onlineEndpoints/churn/deployments/blue")
}

fn endpoint_id() -> String {
    format!("{WS}/onlineEndpoints/churn")
}

fn minutes(n: u64) -> Duration {
    Duration::from_secs(60 * n)
}

/// A rule on `metric` of `source` (the target when `None`).
fn rule(condition: (&str, &str, f64), action: (&str, &str, u32), cooldown: &str) -> Value {
    let (metric, operator, threshold) = condition;
    let (direction, kind, value) = action;
    json!({
        "metricTrigger": {
            "metricName": metric, "metricResourceUri": target(), "timeGrain": "PT1M",
            "statistic": "Average", "timeWindow": "PT5M", "timeAggregation": "Average",
            "operator": operator, "threshold": threshold
        },
        "scaleAction": {"direction": direction, "type": kind, "value": value.to_string(), "cooldown": cooldown}
    })
}

fn out(metric: &str, threshold: f64, by: u32) -> Value {
    rule(
        (metric, "GreaterThan", threshold),
        ("Increase", "ChangeCount", by),
        "PT5M",
    )
}

fn scale_in(metric: &str, threshold: f64, by: u32) -> Value {
    rule(
        (metric, "LessThan", threshold),
        ("Decrease", "ChangeCount", by),
        "PT10M",
    )
}

fn profile(name: &str, bounds: (u32, u32, u32), rules: Vec<Value>) -> Value {
    let (min, max, default) = bounds;
    json!({
        "name": name,
        "capacity": {"minimum": min.to_string(), "maximum": max.to_string(), "default": default.to_string()},
        "rules": rules
    })
}

fn setting(profiles: Vec<Value>) -> AutoscaleSettingSpec {
    let resource = json!({
        "id": "/subscriptions/s/resourceGroups/rg/providers/microsoft.insights/autoscalesettings/churn-autoscale",
        "name": "churn-autoscale",
        "location": "eastus",
        "properties": {"enabled": true, "targetResourceUri": target(), "profiles": profiles}
    });
    AutoscaleSettingSpec::from_resource(&resource).unwrap()
}

fn cpu(recorder: &MetricsRecorder, percent: f64, from: OffsetDateTime, count: u64) {
    for i in 0..count {
        let at = from + minutes(i);
        for instance in ["i0", "i1"] {
            recorder.record_instance_sample(
                "churn",
                "blue",
                instance,
                percent,
                MemoryUsage::Percent(40.0),
                at,
            );
        }
    }
}

struct Run<'a> {
    settings: Vec<AutoscaleSettingSpec>,
    recorder: &'a MetricsRecorder,
    last: BTreeMap<String, OffsetDateTime>,
}

impl Run<'_> {
    fn at(&self, now: OffsetDateTime, current: u32) -> Vec<ScaleDecision> {
        let capacities = BTreeMap::from([(target().to_uppercase(), current)]);
        evaluate(&self.settings, self.recorder, &capacities, now, &self.last)
    }

    fn new_count(&self, now: OffsetDateTime, current: u32) -> Option<u32> {
        let decisions = self.at(now, current);
        assert!(decisions.len() <= 1, "{decisions:?}");
        decisions.first().map(|d| d.new_capacity)
    }
}

/// One setting with one default profile.
fn single(bounds: (u32, u32, u32), rules: Vec<Value>, recorder: &MetricsRecorder) -> Run<'_> {
    run(
        vec![setting(vec![profile("default", bounds, rules)])],
        recorder,
    )
}

fn run(settings: Vec<AutoscaleSettingSpec>, recorder: &MetricsRecorder) -> Run<'_> {
    Run {
        settings,
        recorder,
        last: BTreeMap::new(),
    }
}

#[test]
fn the_seed_rule_scales_out_once_per_cooldown() {
    let recorder = MetricsRecorder::new();
    let s = setting(vec![profile(
        "default",
        (1, 5, 1),
        vec![out("CpuUtilizationPercentage", 70.0, 1)],
    )]);
    let mut r = run(vec![s], &recorder);
    cpu(&recorder, 85.0, T0, 30);
    let now = T0 + minutes(5);
    let d = r.at(now, 1);
    assert_eq!(d.len(), 1);
    assert_eq!(
        (d[0].old_capacity, d[0].new_capacity, d[0].direction),
        (1, 2, ScaleDirection::Increase)
    );
    assert_eq!(d[0].profile, "default");
    assert!(
        d[0].reason
            .contains("CpuUtilizationPercentage > 70 (Average over PT5M, Average per PT1M): 85.00"),
        "{}",
        d[0].reason
    );
    assert_eq!(d[0].endpoint().as_deref(), Some("churn"));
    assert_eq!(d[0].deployment().as_deref(), Some("blue"));
    r.last.insert(target(), now);
    assert_eq!(r.new_count(now + minutes(4), 2), None, "in cooldown");
    assert_eq!(r.new_count(now + minutes(5), 2), Some(3), "cooldown over");
    // Below the threshold nothing happens.
    let calm = MetricsRecorder::new();
    cpu(&calm, 50.0, T0, 10);
    let quiet = run(r.settings.clone(), &calm);
    assert_eq!(quiet.new_count(T0 + minutes(9), 2), None);
}

#[test]
fn scale_in_needs_every_scale_in_rule_and_out_needs_any() {
    let recorder = MetricsRecorder::new();
    let rules = vec![
        scale_in("CpuUtilizationPercentage", 25.0, 1),
        scale_in("CpuMemoryUtilizationPercentage", 30.0, 2),
    ];
    let r = single((1, 5, 1), rules, &recorder);
    cpu(&recorder, 10.0, T0, 10); // memory stays at 40%: only the CPU rule fires.
    assert_eq!(r.new_count(T0 + minutes(9), 4), None);
    let low = MetricsRecorder::new();
    for i in 0..10 {
        low.record_instance_sample(
            "churn",
            "blue",
            "i0",
            10.0,
            MemoryUsage::Percent(20.0),
            T0 + minutes(i),
        );
    }
    let both = run(r.settings.clone(), &low);
    // Both fire: the rule leaving the most instances wins (−1, not −2).
    assert_eq!(both.new_count(T0 + minutes(9), 4), Some(3));
    assert_eq!(
        both.at(T0 + minutes(9), 4)[0].direction,
        ScaleDirection::Decrease
    );
    // Never below the minimum.
    assert_eq!(both.new_count(T0 + minutes(9), 1), None);

    let outs = vec![
        out("CpuUtilizationPercentage", 70.0, 1),
        out("CpuUtilizationPercentage", 50.0, 3),
        out("CpuMemoryUtilizationPercentage", 90.0, 1),
    ];
    let hot = MetricsRecorder::new();
    cpu(&hot, 80.0, T0, 10);
    let any = single((1, 5, 1), outs, &hot);
    assert_eq!(
        any.new_count(T0 + minutes(9), 1),
        Some(4),
        "the biggest step wins"
    );
    assert_eq!(
        any.new_count(T0 + minutes(9), 3),
        Some(5),
        "clamped to the maximum"
    );
    assert_eq!(any.new_count(T0 + minutes(9), 5), None);
}

#[test]
fn counts_outside_the_bounds_come_back_even_in_cooldown() {
    let recorder = MetricsRecorder::new();
    let mut r = single((2, 4, 2), vec![], &recorder);
    r.last.insert(target(), T0);
    assert_eq!(r.new_count(T0, 7), Some(4));
    assert_eq!(r.new_count(T0, 1), Some(2));
    assert_eq!(r.new_count(T0, 3), None);
    assert!(r.at(T0, 7)[0].reason.contains("above the maximum 4"));
}

#[test]
fn percent_and_exact_actions() {
    let hot = MetricsRecorder::new();
    cpu(&hot, 90.0, T0, 10);
    let now = T0 + minutes(9);
    let percent = rule(
        ("CpuUtilizationPercentage", "GreaterThan", 70.0),
        ("Increase", "PercentChangeCount", 50),
        "PT5M",
    );
    let r = single((1, 10, 1), vec![percent], &hot);
    assert_eq!(r.new_count(now, 3), Some(5), "3 + ceil(1.5)");
    assert_eq!(r.new_count(now, 1), Some(2), "at least one instance");
    let exact = rule(
        ("CpuUtilizationPercentage", "GreaterThanOrEqual", 90.0),
        ("None", "ExactCount", 6),
        "PT5M",
    );
    let r = single((1, 10, 1), vec![exact], &hot);
    assert_eq!(r.new_count(now, 2), Some(6));
    assert_eq!(r.new_count(now, 6), None);
    let cold = MetricsRecorder::new();
    cpu(&cold, 5.0, T0, 10);
    let shrink = rule(
        ("CpuUtilizationPercentage", "LessThan", 20.0),
        ("Decrease", "PercentChangeCount", 50),
        "PT5M",
    );
    let r = single((1, 10, 1), vec![shrink], &cold);
    assert_eq!(r.new_count(now, 5), Some(2), "5 − ceil(2.5)");
}

#[test]
fn without_metrics_the_count_rises_to_the_default() {
    let empty = MetricsRecorder::new();
    let rules = vec![out("CpuUtilizationPercentage", 70.0, 1)];
    let r = single((1, 5, 3), rules, &empty);
    let d = r.at(T0, 1);
    assert_eq!(d[0].new_capacity, 3);
    assert!(
        d[0].reason.contains("Metrics unavailable"),
        "{}",
        d[0].reason
    );
    assert_eq!(r.new_count(T0, 4), None, "never scales in for lack of data");
}

#[test]
fn profiles_by_fixed_date_recurrence_and_time_zone() {
    let recorder = MetricsRecorder::new();
    let mut business = profile("business-hours", (3, 5, 3), vec![]);
    business["recurrence"] = json!({"frequency": "Week", "schedule": {"timeZone": "W. Europe Standard Time", "days": ["Monday", "Tuesday"], "hours": [8], "minutes": [0]}});
    let mut night = profile("night", (1, 5, 1), vec![]);
    night["recurrence"] = json!({"frequency": "Week", "schedule": {"timeZone": "W. Europe Standard Time", "days": ["Monday", "Tuesday"], "hours": [20], "minutes": [0]}});
    let mut launch = profile("launch", (8, 10, 8), vec![]);
    launch["fixedDate"] = json!({"timeZone": "Pacific Standard Time", "start": "2024-07-01T09:00:00", "end": "2024-07-01T10:00:00"});
    let r = run(
        vec![setting(vec![
            profile("default", (1, 1, 1), vec![]),
            business,
            night,
            launch,
        ])],
        &recorder,
    );
    let profile_at =
        |now: OffsetDateTime, current: u32| r.at(now, current).first().map(|d| d.profile.clone());
    // 07:59 in Berlin (05:59 UTC, summer time): still the Sunday-night profile.
    assert_eq!(
        profile_at(datetime!(2024-07-01 05:59 UTC), 7),
        Some("night".into())
    );
    // 08:00 in Berlin: business hours need 3 instances.
    assert_eq!(r.new_count(datetime!(2024-07-01 06:00 UTC), 1), Some(3));
    // 09:30 in Los Angeles (16:30 UTC): the launch window wins over the recurrence.
    assert_eq!(r.new_count(datetime!(2024-07-01 16:30 UTC), 3), Some(8));
    assert_eq!(r.new_count(datetime!(2024-07-01 17:00 UTC), 8), Some(5));
}

#[test]
fn request_and_latency_rules_read_the_endpoint() {
    let recorder = MetricsRecorder::new();
    for i in 0..600u64 {
        let at = T0 + Duration::from_millis(i * 500);
        let status = if i % 10 == 0 {
            RequestStatus::Rejected(429)
        } else {
            RequestStatus::Model(200)
        };
        recorder.record_request(
            "churn",
            "blue",
            status,
            Duration::from_millis(300 + i % 100),
            at,
        );
    }
    let now = T0 + minutes(4);
    let mut rpm = out("RequestsPerMinute", 100.0, 1);
    rpm["metricTrigger"]["metricResourceUri"] = json!(endpoint_id());
    let r = single((1, 5, 1), vec![rpm.clone()], &recorder);
    // 600 requests over the 5-minute window: 120 per minute on average.
    assert_eq!(r.new_count(now, 1), Some(2));
    rpm["metricTrigger"]["threshold"] = json!(120.0);
    let r = single((1, 5, 1), vec![rpm.clone()], &recorder);
    assert_eq!(r.new_count(now, 1), None, "120 is not above 120");
    rpm["metricTrigger"]["dimensions"] =
        json!([{"DimensionName": "statusCode", "Operator": "Equals", "Values": ["429"]}]);
    rpm["metricTrigger"]["threshold"] = json!(11.0);
    let r = single((1, 5, 1), vec![rpm.clone()], &recorder);
    assert_eq!(r.new_count(now, 1), Some(2), "60 rejections: 12 per minute");
    let mut latency = out("RequestLatency_P90", 350.0, 2);
    latency["metricTrigger"]["metricResourceUri"] = json!(endpoint_id());
    let r = single((1, 5, 1), vec![latency], &recorder);
    assert_eq!(r.new_count(now, 1), Some(3));
    let mut per_instance = out("RequestsPerMinute", 50.0, 1);
    per_instance["metricTrigger"]["metricResourceUri"] = json!(endpoint_id());
    per_instance["metricTrigger"]["dividePerInstance"] = json!(true);
    let r = single((1, 5, 1), vec![per_instance], &recorder);
    assert_eq!(r.new_count(now, 2), Some(3), "120 / 2 = 60 > 50");
    assert_eq!(r.new_count(now, 3), None, "120 / 3 = 40");
}

#[test]
fn disabled_settings_and_unknown_targets_do_nothing() {
    let recorder = MetricsRecorder::new();
    let mut s = setting(vec![profile("default", (2, 4, 2), vec![])]);
    s.enabled = false;
    let r = run(vec![s.clone()], &recorder);
    assert!(r.at(T0, 1).is_empty());
    s.enabled = true;
    let none = evaluate(&[s], &recorder, &BTreeMap::new(), T0, &BTreeMap::new());
    assert!(none.is_empty(), "no current count for the target");
}
