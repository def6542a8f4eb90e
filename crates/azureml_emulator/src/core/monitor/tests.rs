//! Robustness: the parsers that read client input never panic, whatever they are given.

use serde_json::{json, Value};

use super::autoscale::AutoscaleSettingSpec;
use super::metrics::filter::Filter;
use super::{duration, timezone};

/// A small deterministic generator (xorshift).
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap_or(0)
    }
}

fn seed() -> Value {
    json!({
        "location": "eastus",
        "properties": {
            "enabled": true,
            "targetResourceUri": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/e/deployments/d",
            "predictiveAutoscalePolicy": {"scaleMode": "Enabled", "scaleLookAheadTime": "PT5M"},
            "notifications": [{"operation": "Scale", "webhooks": []}],
            "profiles": [{
                "name": "p",
                "capacity": {"minimum": "1", "maximum": "5", "default": "1"},
                "rules": [{
                    "metricTrigger": {"metricName": "CpuUtilizationPercentage", "metricResourceUri": "x",
                        "timeGrain": "PT1M", "statistic": "Average", "timeWindow": "PT5M", "timeAggregation": "Average",
                        "operator": "GreaterThan", "threshold": 70, "dividePerInstance": false,
                        "dimensions": [{"DimensionName": "instanceId", "Operator": "Equals", "Values": ["a"]}]},
                    "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"}
                }],
                "recurrence": {"frequency": "Week", "schedule": {"timeZone": "W. Europe Standard Time", "days": ["Monday"], "hours": [8], "minutes": [0]}}
            }, {
                "name": "f", "capacity": {"minimum": "1", "maximum": "5", "default": "1"}, "rules": [],
                "fixedDate": {"timeZone": "UTC", "start": "2024-01-01T00:00:00Z", "end": "2024-01-02T00:00:00Z"}
            }]
        }
    })
}

/// Replaces one leaf (or container) of `value` with something of another type or value.
fn mangle(value: &mut Value, g: &mut Gen, depth: usize) {
    if depth < 8 && g.below(3) > 0 {
        match value {
            Value::Object(map) if !map.is_empty() => {
                let i = g.below(map.len());
                if let Some(child) = map.values_mut().nth(i) {
                    return mangle(child, g, depth + 1);
                }
            }
            Value::Array(list) if !list.is_empty() => {
                let i = g.below(list.len());
                if let Some(child) = list.get_mut(i) {
                    return mangle(child, g, depth + 1);
                }
            }
            _ => {}
        }
    }
    let replacements = [
        Value::Null,
        json!(-1),
        json!(1e308),
        json!("9999999999999999999999"),
        json!(""),
        json!("PT0S"),
        json!("P99999999D"),
        json!("-9999-01-01T00:00:00Z"),
        json!("9999-12-31T23:59:59+14:00"),
        json!([]),
        json!({}),
        json!(true),
        json!(["Funday", 99, null]),
    ];
    if let Some(r) = replacements.get(g.below(replacements.len())) {
        *value = r.clone();
    }
}

#[test]
fn mangled_settings_are_refused_or_accepted_never_panicking() {
    assert!(AutoscaleSettingSpec::from_resource(&seed()).is_ok());
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut refused = 0;
    for _ in 0..3_000 {
        let mut v = seed();
        for _ in 0..=g.below(3) {
            mangle(&mut v, &mut g, 0);
        }
        if AutoscaleSettingSpec::from_resource(&v).is_err() {
            refused += 1;
        }
    }
    assert!(
        refused > 1_000,
        "most mangled settings break a rule: {refused}"
    );
}

#[test]
fn garbage_filters_durations_and_zones_never_panic() {
    let pieces = [
        "deployment",
        " eq ",
        " ne ",
        " or ",
        " and ",
        "'",
        "'x'",
        "(",
        ")",
        "*",
        "''",
        "é",
        " gt ",
    ];
    let mut g = Gen(42);
    for _ in 0..5_000 {
        let text: String = (0..g.below(12))
            .map(|_| pieces[g.below(pieces.len())])
            .collect();
        let _ = Filter::parse(&text);
        let _ = duration::parse(&text);
        let _ = timezone::lookup(&text);
    }
    for text in [
        "P",
        "PT",
        "P1.5D",
        "PT1.5.5S",
        "PT99999999999999999999H",
        "UTC+99:99",
        "+",
        "-",
    ] {
        let _ = duration::parse(text);
        let _ = timezone::lookup(text);
    }
}

#[test]
fn evaluation_at_the_ends_of_the_calendar_never_panics() {
    use std::collections::BTreeMap;
    use time::macros::datetime;

    let spec = AutoscaleSettingSpec::from_resource(&seed()).unwrap_or_else(|e| panic!("{e}"));
    let target = spec.target_resource_uri().to_owned();
    let recorder = super::MetricsRecorder::new();
    for now in [
        datetime!(9999-12-31 23:59:59 UTC),
        datetime!(-9999-01-01 00:00 UTC),
    ] {
        recorder.record_capacity("e", "d", 3, now);
        let capacities = BTreeMap::from([(target.clone(), 9)]);
        let last = BTreeMap::from([(target.clone(), now)]);
        let decisions = super::evaluate(
            std::slice::from_ref(&spec),
            &recorder,
            &capacities,
            now,
            &last,
        );
        assert!(decisions.iter().all(|d| d.new_capacity <= 5));
    }
}
