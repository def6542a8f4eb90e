//! Unit tests of the monitor module's internals: request building, wire shapes, validation.

use std::time::Duration;

use serde_json::json;
use time::macros::datetime;

use super::autoscale::*;
use super::metrics::{MetricsInterval, MetricsQuery};
use super::{validate, wire, AggregationType};

const TARGET: &str = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws/onlineEndpoints/e/deployments/d";

fn seed() -> AutoscaleSetting {
    AutoscaleSetting::new("churn-autoscale")
        .target(TARGET)
        .capacity(1..=5)
        .rule(
            ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")
                .expect("parses")
                .scale_out(1),
        )
}

#[test]
fn the_seed_setting_is_valid_and_serializes_without_read_only_fields() {
    validate::setting(&seed(), false).expect("valid");
    let mut s = seed();
    s.id = Some("/subscriptions/s/x".into());
    let body = serde_json::to_value(&s).expect("encodes");
    assert!(body.get("id").is_none() && body.get("name").is_none());
    assert_eq!(body["properties"]["name"], "churn-autoscale");
    assert_eq!(body["properties"]["enabled"], true);
    assert_eq!(
        body["properties"]["profiles"][0]["capacity"],
        json!({"minimum": "1", "maximum": "5", "default": "1"})
    );
    // No source yet: the operation fills in the target before sending.
    assert!(
        body["properties"]["profiles"][0]["rules"][0]["metricTrigger"]
            .get("metricResourceUri")
            .is_none()
    );
}

#[test]
fn builder_methods_act_on_the_default_profile() {
    let window = TimeWindow::new(
        datetime!(2030-01-01 00:00 UTC),
        datetime!(2030-01-02 00:00 UTC),
    );
    let fixed = AutoscaleProfile::new("launch", 2..=8).fixed_date(window);
    let s = AutoscaleSetting::new("a")
        .profile(fixed)
        .rule(ScaleRule::parse("m > 1 avg 5m scale out 1").expect("parses"));
    // The rule went to a new default profile, placed first; the fixed-date one is untouched.
    assert_eq!(s.profiles.len(), 2);
    assert_eq!(s.profiles[0].name, DEFAULT_PROFILE_NAME);
    assert_eq!(s.profiles[0].capacity, ScaleCapacity::fixed(1));
    assert_eq!(s.profiles[0].rules.len(), 1);
    assert!(s.profiles[1].rules.is_empty());
    assert_eq!(
        s.default_profile().map(|p| p.name.as_str()),
        Some("default")
    );
    assert_eq!(ScaleCapacity::from(3), ScaleCapacity::fixed(3));
    assert_eq!(
        ScaleCapacity::range(1..=5).with_default(2),
        ScaleCapacity {
            minimum: 1,
            maximum: 5,
            default: 2
        }
    );
}

#[test]
fn patch_bodies_carry_only_what_is_set() {
    let tags = AutoscaleSettingPatch::new().tags([("a", "b")]);
    assert_eq!(
        serde_json::to_value(wire::patch_to_wire(&tags)).expect("encodes"),
        json!({"tags": {"a": "b"}})
    );
    let off = AutoscaleSettingPatch::new()
        .enabled(false)
        .profiles(seed().profiles);
    let body = serde_json::to_value(wire::patch_to_wire(&off)).expect("encodes");
    assert_eq!(body["properties"]["enabled"], false);
    assert_eq!(body["properties"]["profiles"][0]["name"], "default");
    assert!(body.get("tags").is_none());
    assert!(body["properties"].get("notifications").is_none());
    validate::patch(&off).expect_err("rules without a source and no target");
    validate::patch(&off.clone().target(TARGET)).expect("valid with a target");
}

#[test]
fn resource_ids() {
    for ok in [
        TARGET,
        "/subscriptions/1f3fa6d2-851c-4a91-9087-1a050f3a9c38/resourceGroups/todking/providers/Microsoft.Storage/storageAccounts/tkfileserv/blobServices/default",
    ] {
        validate::resource_id("id", ok).expect(ok);
    }
    for bad in [
        "",
        "subscriptions/x",
        "/subscriptions/x?y",
        "/subscriptions/x#y",
        "/subscriptions/x/../y",
        "/subscriptions/x%2e%2e/y",
        "/subscriptions/x//y",
        "/subscriptions/x/",
        "/subscriptions/x y",
        "/subscriptions/x\ty",
        "/subscriptions/x\\y",
    ] {
        assert!(validate::resource_id("id", bad).is_err(), "{bad:?}");
    }
}

#[test]
fn limits_are_inclusive() {
    let at = |window: u64, grain: u64, cooldown: u64| {
        let mut r = ScaleRule::parse("m > 1 avg 5m scale out 1").expect("parses");
        r.metric_trigger.time_window = Duration::from_secs(window);
        r.metric_trigger.time_grain = Duration::from_secs(grain);
        r.scale_action.cooldown = Duration::from_secs(cooldown);
        validate::setting(
            &AutoscaleSetting::new("a")
                .target(TARGET)
                .capacity(1..=2)
                .rule(r),
            false,
        )
    };
    at(300, 60, 60).expect("lower bounds");
    at(43_200, 43_200, 604_800).expect("upper bounds");
    at(299, 60, 60).expect_err("window");
    at(300, 59, 60).expect_err("grain");
    at(300, 60, 604_801).expect_err("cooldown");
    let ok = |s: &AutoscaleSetting| validate::setting(s, false).is_ok();
    let mut twenty = seed();
    while twenty.profiles.len() < validate::MAX_PROFILES {
        let n = twenty.profiles.len();
        twenty = twenty.profile(
            AutoscaleProfile::new(format!("p{n}"), 1..=5)
                .rule(ScaleRule::parse("m > 1 avg 5m scale out 1").expect("parses"))
                .recurrence(Recurrence::weekly("UTC", ["Monday", "6"], [0, 23], [0, 59])),
        );
    }
    assert!(ok(&twenty), "20 profiles are allowed");
    let mut ten = seed();
    while ten.profiles[0].rules.len() < validate::MAX_RULES_PER_PROFILE {
        ten = ten.rule(ScaleRule::parse("m < 1 avg 5m scale in 1").expect("parses"));
    }
    assert!(ok(&ten), "10 rules are allowed");
}

#[test]
fn metrics_query_pairs_in_order() {
    let q = MetricsQuery::new()
        .timespan(
            datetime!(2024-01-01 00:00 UTC),
            datetime!(2024-01-01 01:00:00.5 UTC),
        )
        .interval(MetricsInterval::Every(Duration::from_secs(300)))
        .metric_names(["a,b", "c"])
        .aggregation([AggregationType::Total, AggregationType::Count])
        .filter("x eq 'y'")
        .top(3)
        .order_by("total desc")
        .metric_namespace("ns");
    let pairs = q.to_pairs().expect("valid");
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        keys,
        [
            "timespan",
            "interval",
            "metricnames",
            "aggregation",
            "$filter",
            "top",
            "orderby",
            "metricnamespace"
        ]
    );
    assert_eq!(pairs[0].1, "2024-01-01T00:00:00Z/2024-01-01T01:00:00.5Z");
    assert_eq!(pairs[1].1, "PT5M");
    assert_eq!(pairs[2].1, "a%2b,c");
    assert_eq!(pairs[3].1, "Total,Count");
}

#[test]
fn iso_durations_via_the_seam() {
    use super::client::{iso_duration, parse_iso_duration};
    for (d, text) in [
        (Duration::from_secs(60), "PT1M"),
        (Duration::from_secs(300), "PT5M"),
        (Duration::from_secs(5400), "PT1H30M"),
        (Duration::from_secs(86_400), "P1D"),
        (Duration::from_millis(500), "PT0.5S"),
        (Duration::ZERO, "PT0S"),
    ] {
        assert_eq!(iso_duration(d), text);
        assert_eq!(parse_iso_duration(text), Some(d));
    }
    assert_eq!(parse_iso_duration("-PT5M"), None);
    assert_eq!(parse_iso_duration("5m"), None);
}
