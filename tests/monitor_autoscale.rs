//! Autoscale settings against a loopback mock of ARM: the official example bodies both ways,
//! the body the seed's `az monitor autoscale create` + `rule create` produce, every operation's
//! URL and verb, validation before any request, and the `--condition` / `--scale` languages.

mod monitor_support;

use std::time::Duration;

use azure_ai_ml::monitor::{
    AutoscaleNotification, AutoscaleProfile, AutoscaleSetting, AutoscaleSettingPatch,
    ComparisonOperator, DimensionOperator, EmailNotification, MetricCondition, MetricStatistic,
    Recurrence, RuleParseError, ScaleAction, ScaleCapacity, ScaleDirection, ScaleRule,
    ScaleRuleDimension, ScaleType, TimeAggregation, TimeWindow, WebhookNotification,
};
use azure_ai_ml::{
    AutoscaleCreateOrUpdateOptions, AutoscaleDeleteOptions, AutoscaleGetOptions,
    AutoscaleListOptions, AutoscaleUpdateOptions, Error,
};
use monitor_support::*;
use serde_json::{json, Value};
use time::macros::datetime;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SETTINGS: &str = "providers/Microsoft.Insights/autoscalesettings";

fn setting_path(rg: &str, name: &str) -> String {
    format!("/subscriptions/{SUB}/resourcegroups/{rg}/{SETTINGS}/{name}")
}

fn deployment_id() -> String {
    format!(
        "{}/onlineEndpoints/churn-prediction-v1/deployments/blue",
        workspace_id()
    )
}

fn example_request() -> Value {
    autoscale_example()["parameters"]["parameters"].clone()
}

fn example_response(status: &str) -> Value {
    autoscale_example()["responses"][status]["body"].clone()
}

/// The response minus what the entity never writes back: the read-only `id`, top-level `name`
/// and `type`, and JSON nulls (`predictiveAutoscalePolicy.scaleLookAheadTime: null`).
fn without_read_only(mut body: Value) -> Value {
    let obj = body.as_object_mut().expect("object");
    for key in ["id", "name", "type", "systemData"] {
        obj.remove(key);
    }
    if let Some(policy) = body
        .pointer_mut("/properties/predictiveAutoscalePolicy")
        .and_then(Value::as_object_mut)
    {
        policy.retain(|_, v| !v.is_null());
    }
    body
}

fn field_of(err: &Error) -> String {
    match err {
        Error::Validation { field, .. } => field.clone(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// Echoes a PUT body back as the stored resource (with the read-only fields a service adds).
struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        if let Some(obj) = body.as_object_mut() {
            obj.insert("id".into(), json!(request.url.path()));
            obj.insert("type".into(), json!("Microsoft.Insights/autoscaleSettings"));
        }
        ResponseTemplate::new(201).set_body_json(body)
    }
}

// ---------------------------------------------------------------------------------------------
// The official example, both ways

#[test]
fn example_request_body_round_trips_exactly() {
    let body = example_request();
    let setting: AutoscaleSetting = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(setting.location.as_deref(), Some("West US"));
    assert_eq!(setting.profiles.len(), 2);
    assert_eq!(setting.profiles[0].capacity, ScaleCapacity::range(1..=10));
    let rule = &setting.profiles[0].rules[1];
    assert_eq!(rule.metric_trigger.time_grain, Duration::from_secs(120));
    assert_eq!(rule.scale_action.cooldown, Duration::from_secs(360));
    assert_eq!(rule.scale_action.value, Some(2));
    assert_eq!(rule.scale_action.direction, ScaleDirection::Decrease);
    assert_eq!(serde_json::to_value(&setting).unwrap(), body);
}

#[test]
fn example_response_bodies_round_trip_modulo_read_only_fields() {
    for status in ["200", "201"] {
        let body = example_response(status);
        let setting: AutoscaleSetting = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(setting.name, "MySetting");
        assert!(setting
            .id
            .as_deref()
            .unwrap()
            .ends_with("/autoscalesettings/MySetting"));
        assert!(setting.enabled);
        assert_eq!(
            setting.profiles[1]
                .recurrence
                .as_ref()
                .unwrap()
                .schedule
                .days,
            ["1"]
        );
        assert_eq!(
            serde_json::to_value(&setting).unwrap(),
            without_read_only(body),
            "status {status}"
        );
    }
}

#[tokio::test]
async fn create_or_update_sends_the_example_request_and_decodes_the_example_response() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .and(path(setting_path("TestingMetricsScaleSet", "MySetting")))
        .and(query_param("api-version", "2022-10-01"))
        .respond_with(ResponseTemplate::new(201).set_body_json(example_response("201")))
        .expect(1)
        .mount(&server)
        .await;

    let mut setting: AutoscaleSetting = serde_json::from_value(example_request()).unwrap();
    setting.name = "MySetting".into();
    let options = AutoscaleCreateOrUpdateOptions {
        resource_group: Some("TestingMetricsScaleSet".into()),
        ..Default::default()
    };
    let stored = client
        .autoscale()
        .create_or_update(&setting, Some(options))
        .await
        .unwrap();

    let requests = monitor_requests(&server).await;
    assert_eq!(requests.len(), 1, "location given: no workspace GET");
    let mut expected = example_request();
    // The setting's name travels in `properties.name` too (as the CLI's create sends it).
    expected["properties"]["name"] = json!("MySetting");
    assert_eq!(body_json(&requests[0]), expected);
    assert_eq!(
        stored,
        serde_json::from_value::<AutoscaleSetting>(example_response("201")).unwrap()
    );
}

// ---------------------------------------------------------------------------------------------
// The seed: az monitor autoscale create + az monitor autoscale rule create

/// What the CLI would PUT last for the seed's two commands, built from the REST spec and the
/// CLI source (`autoscale_create`, `autoscale_rule_create`: profile `default`, capacities as
/// strings, `--timegrain avg 1m`, `--cooldown 5` → `PT5M`, metric source = the target,
/// `properties.name` = the setting name, `enabled` = not `--disabled`).
fn cli_body(location: &str, target: &str) -> Value {
    json!({
        "location": location,
        "properties": {
            "enabled": true,
            "name": "churn-autoscale",
            "targetResourceUri": target,
            "notifications": [
                {"operation": "Scale", "email": {"customEmails": []}, "webhooks": []}
            ],
            "profiles": [{
                "name": "default",
                "capacity": {"minimum": "1", "maximum": "5", "default": "1"},
                "rules": [{
                    "metricTrigger": {
                        "metricName": "CpuUtilizationPercentage",
                        "metricNamespace": "",
                        "metricResourceUri": target,
                        "timeGrain": "PT1M",
                        "statistic": "Average",
                        "timeWindow": "PT5M",
                        "timeAggregation": "Average",
                        "operator": "GreaterThan",
                        "threshold": 70.0
                    },
                    "scaleAction": {
                        "direction": "Increase",
                        "type": "ChangeCount",
                        "value": "1",
                        "cooldown": "PT5M"
                    }
                }]
            }]
        }
    })
}

/// The two places the SDK deliberately differs from the CLI: it sends no empty notification
/// (the CLI always adds one with no recipients) and no empty `metricNamespace` (the CLI's
/// condition parser defaults it to `""`; the spec makes it optional, absent = the resource's
/// default namespace).
fn without_cli_placeholders(mut body: Value) -> Value {
    let props = body["properties"].as_object_mut().unwrap();
    let empty = json!([{"operation": "Scale", "email": {"customEmails": []}, "webhooks": []}]);
    assert_eq!(props.remove("notifications"), Some(empty));
    for profile in props["profiles"].as_array_mut().unwrap() {
        for rule in profile["rules"].as_array_mut().unwrap() {
            let trigger = rule["metricTrigger"].as_object_mut().unwrap();
            assert_eq!(trigger.remove("metricNamespace"), Some(json!("")));
        }
    }
    body
}

#[tokio::test]
async fn the_seed_setting_sends_what_the_cli_sends() {
    let (server, client) = setup().await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .and(path(setting_path(RG, "churn-autoscale")))
        .and(query_param("api-version", "2022-10-01"))
        .respond_with(Echo)
        .expect(1)
        .mount(&server)
        .await;

    let autoscale = client.autoscale();
    let target = autoscale
        .deployment_target("churn-prediction-v1", "blue")
        .unwrap();
    assert_eq!(target, deployment_id());
    let setting = AutoscaleSetting::new("churn-autoscale")
        .target(&target)
        .capacity(1..=5)
        .rule(
            ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")
                .unwrap()
                .scale_out(1),
        );
    let stored = autoscale.create_or_update(&setting, None).await.unwrap();

    let requests = monitor_requests(&server).await;
    assert_eq!(requests.len(), 1);
    let sent = body_json(&requests[0]);
    assert_eq!(
        sent,
        without_cli_placeholders(cli_body(WORKSPACE_LOCATION, &target))
    );
    // What came back: the target filled in as the rule's source, the workspace's region.
    assert_eq!(stored.location.as_deref(), Some(WORKSPACE_LOCATION));
    assert_eq!(
        stored.profiles[0].rules[0]
            .metric_trigger
            .metric_resource_uri
            .as_deref(),
        Some(target.as_str())
    );
    assert_eq!(
        stored.profiles[0].rules[0].to_string(),
        "CpuUtilizationPercentage > 70 avg 5m scale out 1"
    );
}

#[tokio::test]
async fn an_explicit_location_skips_the_workspace_get() {
    let (server, client) = setup().await;
    Mock::given(method("PUT"))
        .respond_with(Echo)
        .mount(&server)
        .await;
    let setting = seed_setting().location("westeurope");
    client
        .autoscale()
        .create_or_update(&setting, None)
        .await
        .unwrap();
    let all = server.received_requests().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(body_json(&all[0])["location"], "westeurope");
}

fn seed_setting() -> AutoscaleSetting {
    monitor_support::seed_setting(deployment_id())
}

// ---------------------------------------------------------------------------------------------
// get / list / update / delete

#[tokio::test]
async fn get_reads_the_setting_and_maps_404() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(setting_path(RG, "MySetting")))
        .and(query_param("api-version", "2022-10-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(example_response("200")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(setting_path("other-rg", "missing")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({
            "error": {"code": "ResourceNotFound", "message": "no such setting"}
        })))
        .mount(&server)
        .await;

    let setting = client.autoscale().get("MySetting", None).await.unwrap();
    assert_eq!(setting.profiles[0].name, "adios");

    let options = AutoscaleGetOptions {
        resource_group: Some("other-rg".into()),
        ..Default::default()
    };
    let err = client
        .autoscale()
        .get("missing", Some(options))
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(err.code(), Some("ResourceNotFound"));
}

#[tokio::test]
async fn list_follows_next_link_with_our_api_version() {
    let (server, client) = setup().await;
    let list_path = format!("/subscriptions/{SUB}/resourcegroups/{RG}/{SETTINGS}");
    let next =
        format!("https://management.azure.com{list_path}?api-version=2015-04-01&$skiptoken=page2");
    Mock::given(method("GET"))
        .and(path(list_path.clone()))
        .and(query_param("$skiptoken", "page2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [example_response("201")]
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(list_path))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [example_response("200")],
            "nextLink": next
        })))
        .with_priority(2)
        .mount(&server)
        .await;

    let all = all_settings(client.autoscale().list(None)).await;
    assert_eq!(all.len(), 2);
    let requests = monitor_requests(&server).await;
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(query_value(r, "api-version").as_deref(), Some("2022-10-01"));
    }
    assert_eq!(
        query_value(&requests[1], "$skiptoken").as_deref(),
        Some("page2")
    );
}

#[tokio::test]
async fn list_by_subscription_and_by_another_resource_group() {
    let (server, client) = setup().await;
    Mock::given(method("GET"))
        .and(path(format!("/subscriptions/{SUB}/{SETTINGS}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [example_response("200"), example_response("201")]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "/subscriptions/{SUB}/resourcegroups/other-rg/{SETTINGS}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": []})))
        .mount(&server)
        .await;

    let all = all_settings(client.autoscale().list_by_subscription(None)).await;
    assert_eq!(all.len(), 2);
    let options = AutoscaleListOptions {
        resource_group: Some("other-rg".into()),
        ..Default::default()
    };
    let none = all_settings(client.autoscale().list(Some(options))).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn update_patches_tags_only_or_properties_with_profiles() {
    let (server, client) = setup().await;
    Mock::given(method("PATCH"))
        .and(path(setting_path(RG, "MySetting")))
        .and(query_param("api-version", "2022-10-01"))
        .respond_with(ResponseTemplate::new(200).set_body_json(example_response("200")))
        .expect(2)
        .mount(&server)
        .await;
    let autoscale = client.autoscale();

    let tags = AutoscaleSettingPatch::new().tags([("team", "data-science")]);
    autoscale.update("MySetting", &tags, None).await.unwrap();

    let current: AutoscaleSetting = serde_json::from_value(example_response("200")).unwrap();
    let disable = AutoscaleSettingPatch::new()
        .enabled(false)
        .profiles(current.profiles.clone());
    let options = AutoscaleUpdateOptions::default();
    let updated = autoscale
        .update("MySetting", &disable, Some(options))
        .await
        .unwrap();
    assert_eq!(updated.name, "MySetting");

    let requests = monitor_requests(&server).await;
    assert_eq!(
        body_json(&requests[0]),
        json!({"tags": {"team": "data-science"}})
    );
    let sent = body_json(&requests[1]);
    assert_eq!(sent["properties"]["enabled"], json!(false));
    assert_eq!(
        sent["properties"]["profiles"],
        example_request()["properties"]["profiles"]
    );
    assert!(sent.get("tags").is_none());
}

#[tokio::test]
async fn delete_accepts_200_and_204() {
    let (server, client) = setup().await;
    Mock::given(method("DELETE"))
        .and(path(setting_path(RG, "gone")))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(setting_path("other-rg", "there")))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    client.autoscale().delete("gone", None).await.unwrap();
    let options = AutoscaleDeleteOptions {
        resource_group: Some("other-rg".into()),
        ..Default::default()
    };
    client
        .autoscale()
        .delete("there", Some(options))
        .await
        .unwrap();
    assert_eq!(monitor_requests(&server).await.len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Validation: refused before any request

/// A server that answers everything with 500, to prove nothing reached it.
async fn strict_server() -> (MockServer, azure_ai_ml::MLClient) {
    let (server, client) = setup().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    (server, client)
}

async fn assert_rejected(setting: AutoscaleSetting, field_part: &str, rule_part: &str) {
    let (server, client) = strict_server().await;
    let err = client
        .autoscale()
        .create_or_update(&setting, None)
        .await
        .unwrap_err();
    let field = field_of(&err);
    assert!(
        field.contains(field_part),
        "field `{field}` should name `{field_part}` ({err})"
    );
    assert!(
        err.to_string().contains(rule_part),
        "`{err}` should say `{rule_part}`"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "no request may be sent for invalid input"
    );
}

fn rule(text: &str) -> ScaleRule {
    ScaleRule::parse(text).unwrap()
}

#[tokio::test]
async fn minimum_above_maximum_is_rejected() {
    let s = seed_setting().capacity(ScaleCapacity {
        minimum: 5,
        maximum: 1,
        default: 5,
    });
    assert_rejected(s, "profiles[0].capacity", "must not exceed maximum").await;
}

#[tokio::test]
async fn default_outside_the_range_is_rejected() {
    let s = seed_setting().capacity(ScaleCapacity::range(1..=5).with_default(7));
    assert_rejected(
        s,
        "profiles[0].capacity.default",
        "between minimum and maximum",
    )
    .await;
    let s = seed_setting().capacity(ScaleCapacity::range(2..=5).with_default(1));
    assert_rejected(s, "profiles[0].capacity.default", "2..=5").await;
}

#[tokio::test]
async fn cooldown_below_one_minute_is_rejected() {
    let s = AutoscaleSetting::new("a")
        .target(deployment_id())
        .capacity(1..=5)
        .rule(
            rule("CpuUtilizationPercentage > 70 avg 5m scale out 1")
                .cooldown(Duration::from_secs(59)),
        );
    assert_rejected(s, "profiles[0].rules[0].scale_action.cooldown", "PT59S").await;
    let s = AutoscaleSetting::new("a")
        .target(deployment_id())
        .capacity(1..=5)
        .rule(rule(
            "CpuUtilizationPercentage > 70 avg 5m scale out 1 cooldown 8d",
        ));
    assert_rejected(s, "scale_action.cooldown", "1 week").await;
}

#[tokio::test]
async fn more_than_twenty_profiles_are_rejected() {
    let mut s = seed_setting();
    for i in 0..20 {
        s = s.profile(
            AutoscaleProfile::new(format!("p{i}"), 1..=5)
                .rule(rule("CpuUtilizationPercentage > 70 avg 5m scale out 1"))
                .fixed_date(TimeWindow::new(
                    datetime!(2030-01-01 00:00 UTC),
                    datetime!(2030-01-02 00:00 UTC),
                )),
        );
    }
    assert_eq!(s.profiles.len(), 21);
    assert_rejected(s, "profiles", "at most 20 profiles").await;
}

#[tokio::test]
async fn empty_rules_are_rejected() {
    let s = AutoscaleSetting::new("a")
        .target(deployment_id())
        .capacity(1..=5);
    assert_rejected(s, "profiles[0].rules", "can never scale").await;
    let s = AutoscaleSetting::new("a")
        .target(deployment_id())
        .capacity(ScaleCapacity::fixed(3));
    assert_rejected(s, "profiles[0].rules", "empty rules are rejected").await;
    let s = AutoscaleSetting::new("a").target(deployment_id());
    assert_rejected(s, "profiles", "at least one profile").await;
}

/// `az monitor autoscale create` PUTs the profile before `rule create` adds rules; with
/// `allow_profiles_without_rules` the SDK sends that first PUT too (`"rules": []`).
#[tokio::test]
async fn profiles_without_rules_are_sent_when_allowed() {
    let (server, client) = setup().await;
    mount_workspace(&server).await;
    Mock::given(method("PUT"))
        .and(path(setting_path(RG, "churn-autoscale")))
        .respond_with(Echo)
        .expect(1)
        .mount(&server)
        .await;
    let setting = AutoscaleSetting::new("churn-autoscale")
        .target(deployment_id())
        .capacity(1..=5);
    let options = AutoscaleCreateOrUpdateOptions {
        allow_profiles_without_rules: true,
        ..Default::default()
    };
    let stored = client
        .autoscale()
        .create_or_update(&setting, Some(options))
        .await
        .unwrap();
    assert!(stored.profiles[0].rules.is_empty());
    let requests = monitor_requests(&server).await;
    let sent = body_json(&requests[0]);
    assert_eq!(
        sent["properties"]["profiles"],
        json!([{
            "name": "default",
            "capacity": {"minimum": "1", "maximum": "5", "default": "1"},
            "rules": []
        }])
    );
}

#[tokio::test]
async fn more_than_ten_rules_are_rejected() {
    let mut s = seed_setting();
    for _ in 0..10 {
        s = s.rule(rule("CpuUtilizationPercentage < 20 avg 10m scale in 1"));
    }
    assert_rejected(s, "profiles[0].rules", "at most 10 rules").await;
}

#[tokio::test]
async fn windows_and_grains_outside_azure_limits_are_rejected() {
    for (text, field, said) in [
        ("Cpu > 70 avg 4m scale out 1", "time_window", "(got PT4M)"),
        (
            "Cpu > 70 avg 12h1s scale out 1",
            "time_window",
            "(got PT12H1S)",
        ),
        (
            "Cpu > 70 avg 5m scale out 1 timegrain avg 30s",
            "time_grain",
            "(got PT30S)",
        ),
        (
            "Cpu > 70 avg 5m scale out 1 timegrain avg 13h",
            "time_grain",
            "(got PT13H)",
        ),
    ] {
        let s = AutoscaleSetting::new("a")
            .target(deployment_id())
            .capacity(1..=5)
            .rule(rule(text));
        assert_rejected(s, field, said).await;
    }
}

#[tokio::test]
async fn empty_or_malformed_target_is_rejected() {
    let s = seed_setting().target("");
    assert_rejected(s, "target_resource_uri", "must not be empty").await;
    let s = seed_setting().target("subscriptions/x/resourceGroups/y");
    assert_rejected(s, "target_resource_uri", "/subscriptions/").await;
}

#[tokio::test]
async fn bad_recurrences_are_rejected() {
    let with = |r: Recurrence| {
        seed_setting().profile(
            AutoscaleProfile::new("weekend", 2..=5)
                .rule(rule("CpuUtilizationPercentage > 70 avg 5m scale out 1"))
                .recurrence(r),
        )
    };
    let cases = [
        (
            Recurrence::weekly("UTC", ["Saturday"], [24], [0]),
            "schedule.hours",
            "24",
        ),
        (
            Recurrence::weekly("UTC", ["Saturday"], [5], [60]),
            "schedule.minutes",
            "60",
        ),
        (
            Recurrence::weekly("UTC", ["Funday"], [5], [0]),
            "schedule.days",
            "Funday",
        ),
        (
            Recurrence::weekly("UTC", Vec::<String>::new(), [5], [0]),
            "schedule.days",
            "empty",
        ),
        (
            Recurrence::weekly("", ["Monday"], [5], [0]),
            "schedule.time_zone",
            "empty",
        ),
        (
            Recurrence::weekly("UTC", ["Monday"], [-1], [0]),
            "schedule.hours",
            "-1",
        ),
    ];
    for (r, field, said) in cases {
        assert_rejected(with(r), field, said).await;
    }
    let mut daily = Recurrence::weekly("UTC", ["Monday"], [5], [0]);
    daily.frequency = azure_ai_ml::monitor::RecurrenceFrequency::Day;
    assert_rejected(with(daily), "recurrence.frequency", "Week").await;
}

#[tokio::test]
async fn fixed_date_ending_before_it_starts_is_rejected() {
    let s = seed_setting().profile(
        AutoscaleProfile::new("launch", 2..=5)
            .rule(rule("CpuUtilizationPercentage > 70 avg 5m scale out 1"))
            .fixed_date(
                TimeWindow::new(
                    datetime!(2030-01-02 00:00 UTC),
                    datetime!(2030-01-01 00:00 UTC),
                )
                .time_zone("UTC"),
            ),
    );
    assert_rejected(s, "profiles[1].fixed_date.end", "after start").await;
}

#[tokio::test]
async fn percent_change_on_scale_to_is_rejected() {
    // The text form can't even say it …
    let err = ScaleAction::parse("scale to 20%").unwrap_err();
    assert_eq!((err.column(), err.token()), (10, "20%"));
    // … and the struct form is refused before the request.
    let mut action = ScaleAction::scale_to(3);
    action.scale_type = ScaleType::PercentChangeCount;
    let r = ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")
        .unwrap()
        .then(action);
    let s = AutoscaleSetting::new("a")
        .target(deployment_id())
        .capacity(1..=5)
        .rule(r);
    assert_rejected(
        s,
        "scale_action.scale_type",
        "`scale to` takes an instance count",
    )
    .await;
}

#[tokio::test]
async fn other_bad_inputs_are_rejected_before_any_request() {
    let base = || {
        AutoscaleSetting::new("a")
            .target(deployment_id())
            .capacity(1..=5)
    };
    assert_rejected(
        base().rule(rule("Cpu > 70 avg 5m scale to 9")),
        "scale_action.value",
        "outside the profile's capacity",
    )
    .await;
    assert_rejected(
        base().rule(rule("Cpu > 70 avg 5m scale out 0")),
        "scale_action.value",
        "change of 0",
    )
    .await;
    assert_rejected(
        base()
            .rule(rule("Cpu > 70 avg 5m scale out 1"))
            .notification(
                AutoscaleNotification::new().webhook(WebhookNotification::new(
                    "ftp://hooks.example/notify?apiKey=s3cret",
                )),
            ),
        "notifications[0].webhooks[0].service_uri",
        "http(s)",
    )
    .await;
    assert_rejected(
        base()
            .rule(rule("Cpu > 70 avg 5m scale out 1"))
            .notification(
                AutoscaleNotification::new().email(EmailNotification::to(["not-an-address"])),
            ),
        "notifications[0].email.custom_emails",
        "not-an-address",
    )
    .await;
    assert_rejected(
        AutoscaleSetting::new("bad/name")
            .target(deployment_id())
            .capacity(1..=5)
            .rule(rule("Cpu > 70 avg 5m scale out 1")),
        "name",
        "/",
    )
    .await;
    let mut unknown = rule("Cpu > 70 avg 5m scale out 1");
    unknown.metric_trigger.operator = ComparisonOperator::Unknown("Around".into());
    assert_rejected(base().rule(unknown), "metric_trigger.operator", "Around").await;
    let mut nan = rule("Cpu > 70 avg 5m scale out 1");
    nan.metric_trigger.threshold = f64::NAN;
    assert_rejected(base().rule(nan), "metric_trigger.threshold", "finite").await;
}

#[tokio::test]
async fn bad_patches_and_names_are_rejected_before_any_request() {
    let (server, client) = strict_server().await;
    let autoscale = client.autoscale();
    let err = autoscale
        .update("a", &AutoscaleSettingPatch::new().enabled(false), None)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "profiles");
    let err = autoscale
        .update("a", &AutoscaleSettingPatch::new(), None)
        .await
        .unwrap_err();
    assert_eq!(field_of(&err), "patch");
    // A patch whose rules have no source and no target to default to.
    let patch = AutoscaleSettingPatch::new().profiles([
        AutoscaleProfile::new("default", 1..=5).rule(rule("Cpu > 70 avg 5m scale out 1"))
    ]);
    let err = autoscale.update("a", &patch, None).await.unwrap_err();
    assert!(field_of(&err).ends_with("metric_resource_uri"), "{err}");
    let err = autoscale.get("", None).await.unwrap_err();
    assert_eq!(field_of(&err), "name");
    let err = autoscale.delete("a?b", None).await.unwrap_err();
    assert_eq!(field_of(&err), "name");
    let bad_rg = AutoscaleListOptions {
        resource_group: Some("rg/../other".into()),
        ..Default::default()
    };
    let err = autoscale.list(Some(bad_rg)).err().unwrap();
    assert_eq!(field_of(&err), "resource_group");
    let err = autoscale
        .deployment_target("churn-prediction-v1", "blue/../../x")
        .unwrap_err();
    assert_eq!(field_of(&err), "deployment_name");
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// The condition and scale languages

/// The forms `az monitor autoscale rule create --condition` documents and accepts.
#[test]
fn cli_condition_forms_parse() {
    let c = MetricCondition::parse("CpuUtilizationPercentage > 70 avg 5m").unwrap();
    assert_eq!(c.metric_name, "CpuUtilizationPercentage");
    assert_eq!(c.operator, ComparisonOperator::GreaterThan);
    assert_eq!(c.threshold, 70.0);
    assert_eq!(c.time_aggregation, TimeAggregation::Average);
    assert_eq!(c.time_window, Duration::from_secs(300));
    assert!(c.dimensions.is_empty() && c.metric_namespace.is_none());

    // A metric name with a space (the CLI help's own example).
    let c = MetricCondition::parse("Percentage CPU < 25 avg 5m").unwrap();
    assert_eq!(c.metric_name, "Percentage CPU");
    assert_eq!(c.operator, ComparisonOperator::LessThan);

    // Namespace, count aggregation, hour window, dimensions with `or`, `and`, `!=`.
    let c = MetricCondition::parse(
        "\"Microsoft.MachineLearningServices/workspaces/onlineEndpoints\" RequestsPerMinute >= 100 count 1h \
         where deployment == blue or green and statusCodeClass != 2xx",
    )
    .unwrap();
    assert_eq!(
        c.metric_namespace.as_deref(),
        Some("Microsoft.MachineLearningServices/workspaces/onlineEndpoints")
    );
    assert_eq!(c.time_aggregation, TimeAggregation::Count);
    assert_eq!(c.time_window, Duration::from_secs(3600));
    assert_eq!(
        c.dimensions,
        [
            ScaleRuleDimension::equals("deployment", ["blue", "green"]),
            ScaleRuleDimension::not_equals("statusCodeClass", ["2xx"]),
        ]
    );

    // The CLI's comma separators and space-separated values.
    let c = MetricCondition::parse("Requests == 0 total 30m where A == a, b, B != c d").unwrap();
    assert_eq!(
        c.dimensions,
        [
            ScaleRuleDimension::equals("A", ["a", "b"]),
            ScaleRuleDimension {
                dimension_name: "B".into(),
                operator: DimensionOperator::NotEquals,
                values: vec!["c".into(), "d".into()],
            },
        ]
    );

    // Every operator and aggregation; ISO and shorthand periods; decimals; `last`.
    for (op, expected) in [
        ("==", ComparisonOperator::Equals),
        ("!=", ComparisonOperator::NotEquals),
        (">", ComparisonOperator::GreaterThan),
        (">=", ComparisonOperator::GreaterThanOrEqual),
        ("<", ComparisonOperator::LessThan),
        ("<=", ComparisonOperator::LessThanOrEqual),
    ] {
        let c = MetricCondition::parse(&format!("m {op} 1.5 last PT10M")).unwrap();
        assert_eq!(c.operator, expected);
        assert_eq!(c.threshold, 1.5);
        assert_eq!(c.time_aggregation, TimeAggregation::Last);
        assert_eq!(c.time_window, Duration::from_secs(600));
    }
    for (agg, expected) in [
        ("avg", TimeAggregation::Average),
        ("min", TimeAggregation::Minimum),
        ("max", TimeAggregation::Maximum),
        ("total", TimeAggregation::Total),
        ("count", TimeAggregation::Count),
        ("last", TimeAggregation::Last),
        ("AVG", TimeAggregation::Average),
    ] {
        let c = MetricCondition::parse(&format!("m > 1 {agg} 1h30m")).unwrap();
        assert_eq!(c.time_aggregation, expected);
        assert_eq!(c.time_window, Duration::from_secs(5400));
    }
}

#[test]
fn non_canonical_forms_print_canonically() {
    for (input, canonical) in [
        (
            "CpuUtilizationPercentage>70 AVG PT5M",
            "CpuUtilizationPercentage > 70 avg 5m",
        ),
        ("  m  >=  70.50  max  90m  ", "m >= 70.5 max 1h30m"),
        (
            "m < 1 min 3600s WHERE a == x,y AND b != z",
            "m < 1 min 1h where a == x or y and b != z",
        ),
        ("'ns' m == 0 count 1d", "\"ns\" m == 0 count 1d"),
    ] {
        let parsed = MetricCondition::parse(input).unwrap();
        assert_eq!(parsed.to_string(), canonical, "{input}");
        assert_eq!(MetricCondition::parse(canonical).unwrap(), parsed);
    }
}

#[test]
fn scale_actions_parse_and_print() {
    for (text, direction, scale_type, value, canonical) in [
        (
            "scale out 1",
            ScaleDirection::Increase,
            ScaleType::ChangeCount,
            1,
            "scale out 1",
        ),
        (
            "scale in 1",
            ScaleDirection::Decrease,
            ScaleType::ChangeCount,
            1,
            "scale in 1",
        ),
        (
            "scale to 3",
            ScaleDirection::None,
            ScaleType::ExactCount,
            3,
            "scale to 3",
        ),
        (
            "scale out 20%",
            ScaleDirection::Increase,
            ScaleType::PercentChangeCount,
            20,
            "scale out 20%",
        ),
        (
            "scale out 20 percent",
            ScaleDirection::Increase,
            ScaleType::PercentChangeCount,
            20,
            "scale out 20%",
        ),
        (
            "in 50%",
            ScaleDirection::Decrease,
            ScaleType::PercentChangeCount,
            50,
            "scale in 50%",
        ),
        (
            "out 2",
            ScaleDirection::Increase,
            ScaleType::ChangeCount,
            2,
            "scale out 2",
        ),
    ] {
        let a = ScaleAction::parse(text).unwrap();
        assert_eq!(
            (a.direction.clone(), a.scale_type.clone(), a.value),
            (direction, scale_type, Some(value)),
            "{text}"
        );
        assert_eq!(
            a.cooldown,
            Duration::from_secs(300),
            "the CLI's --cooldown 5"
        );
        assert_eq!(a.to_string(), canonical);
    }
    let a = ScaleAction::parse("scale out 1 cooldown 10m").unwrap();
    assert_eq!(a.cooldown, Duration::from_secs(600));
    assert_eq!(a.to_string(), "scale out 1 cooldown 10m");
}

#[test]
fn builder_reads_like_the_cli() {
    let r = ScaleRule::when("CpuUtilizationPercentage > 70 avg 5m")
        .unwrap()
        .scale_out(1)
        .cooldown(Duration::from_secs(600))
        .time_grain(MetricStatistic::Max, Duration::from_secs(120));
    assert_eq!(
        r.to_string(),
        "CpuUtilizationPercentage > 70 avg 5m scale out 1 cooldown 10m timegrain max 2m"
    );
    assert_eq!(ScaleRule::parse(&r.to_string()).unwrap(), r);
    let converted: Result<ScaleRule, Error> = (|| Ok(ScaleRule::when("x >")?.scale_in(1)))();
    assert_eq!(field_of(&converted.unwrap_err()), "condition");
}

fn err(text: &str) -> RuleParseError {
    MetricCondition::parse(text).unwrap_err()
}

#[test]
fn bad_conditions_name_token_and_column() {
    let cases: &[(&str, usize, &str, &str)] = &[
        (
            "CpuUtilizationPercentage >> 70 avg 5m",
            26,
            ">>",
            "comparison operator",
        ),
        (
            "CpuUtilizationPercentage = 70 avg 5m",
            26,
            "=",
            "comparison operator",
        ),
        (
            "CpuUtilizationPercentage > seventy avg 5m",
            28,
            "seventy",
            "number",
        ),
        (
            "CpuUtilizationPercentage > 70 mean 5m",
            31,
            "mean",
            "time aggregation",
        ),
        (
            "CpuUtilizationPercentage > 70 avg 5 minutes",
            35,
            "5",
            "period",
        ),
        (
            "CpuUtilizationPercentage > 70 avg 5m when x == y",
            38,
            "when",
            "`where`",
        ),
        ("Cpu$ > 70 avg 5m", 4, "$", "metric name"),
        ("Cpü > 70 avg 5m", 3, "ü", "metric name"),
        ("", 1, "", "metric name"),
        (
            "CpuUtilizationPercentage 70 avg 5m",
            35,
            "",
            "comparison operator",
        ),
        ("> 70 avg 5m", 1, ">", "metric name"),
        ("m > 70 avg", 11, "", "period"),
        ("m > 70 avg 5m where", 20, "", "dimension name"),
        ("m > 70 avg 5m where a = b", 23, "=", "`==` or `!=`"),
        ("m > 70 avg 5m where a == ", 26, "", "dimension value"),
        ("m > 70 avg 5m where a == x b == y", 28, "b", "`and`"),
        (
            "m > 70 avg 5m where a == x#y",
            27,
            "#",
            "dimension value character",
        ),
        (
            "\"ns m > 70 avg 5m",
            1,
            "\"ns m > 70 avg 5m",
            "closing quote",
        ),
        (
            "\"ns\"m > 70 avg 5m",
            5,
            "m",
            "space after the metric namespace",
        ),
        ("m > 1e3 avg 5m", 5, "1e3", "number"),
    ];
    for (text, column, token, expected) in cases {
        let e = err(text);
        assert_eq!((e.column(), e.token()), (*column, *token), "{text:?}: {e}");
        assert!(e.expected().contains(expected), "{text:?}: {e}");
        assert_eq!(e.field(), "condition");
        let message = e.to_string();
        assert!(message.contains(&format!("column {column}")), "{message}");
        let as_crate: Error = e.into();
        assert_eq!(field_of(&as_crate), "condition");
    }
}

#[test]
fn bad_scale_actions_and_rules_name_token_and_column() {
    let cases: &[(&str, usize, &str)] = &[
        ("scale up 1", 7, "up"),
        ("scale out", 10, ""),
        ("scale out -1", 11, "-1"),
        ("scale out one", 11, "one"),
        ("scale to 20%", 10, "20%"),
        ("scale to 2 percent", 10, "2"),
        ("scale out 99999999999", 11, "99999999999"),
        ("scale out 1 cooldown", 21, ""),
        ("scale out 1 cooldown soon", 22, "soon"),
        ("scale out 1 later", 13, "later"),
        ("scale out 1 timegrain avg 1m", 13, "timegrain"),
    ];
    for (text, column, token) in cases {
        let e = ScaleAction::parse(text).unwrap_err();
        assert_eq!((e.column(), e.token()), (*column, *token), "{text:?}: {e}");
        assert_eq!(e.field(), "scale");
    }
    // In a rule, the action's columns count from the start of the rule.
    let e = ScaleRule::parse("m > 1 avg 5m scale sideways 1").unwrap_err();
    assert_eq!(
        (e.field(), e.column(), e.token()),
        ("scale", 20, "sideways")
    );
    let e = ScaleRule::parse("m > 1 avg 5m").unwrap_err();
    assert_eq!((e.field(), e.column(), e.token()), ("condition", 13, ""));
    let e = ScaleRule::parse("m > 1 avg 5m scale out 1 timegrain mean 1m").unwrap_err();
    assert_eq!((e.column(), e.token()), (36, "mean"));
    let e = ScaleRule::parse("m > 1 avg 5m grow out 1").unwrap_err();
    assert_eq!(
        (e.field(), e.column(), e.token()),
        ("condition", 14, "grow")
    );
}

/// A small deterministic generator (xorshift64*), so the "property" tests need no extra crate
/// and every failure is reproducible from its seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn gen_duration(g: &mut Gen) -> Duration {
    match g.below(4) {
        0 => Duration::from_secs(60 * (1 + g.below(720) as u64)),
        1 => Duration::from_secs(1 + g.below(100_000) as u64),
        2 => Duration::from_secs(86_400 * (1 + g.below(3) as u64)),
        _ => Duration::from_millis(1 + g.below(10_000) as u64),
    }
}

fn gen_condition(g: &mut Gen) -> MetricCondition {
    const WORDS: &[&str] = &[
        "CpuUtilizationPercentage",
        "Percentage",
        "CPU",
        "RequestLatency_P99",
        "disk.read",
        "a/b",
        "x:y",
        "m-1",
        "Memory%",
        "q|r",
        "c,d",
        "back\\slash",
        "where",
        "scale",
    ];
    const NAMESPACES: &[&str] = &[
        "Microsoft.MachineLearningServices/workspaces/onlineEndpoints/deployments",
        "azure.applicationinsights",
        "My Namespace",
        "a:b#c@d*e%f",
    ];
    const DIMS: &[&str] = &[
        "instanceId",
        "deployment",
        "statusCodeClass",
        "State",
        "envoy_response_code",
    ];
    const VALUES: &[&str] = &[
        "blue", "green", "2xx", "5xx", "*", "a-b", "v1.2", "x:y", "~z", "or_not", "andy",
    ];
    let words = 1 + g.below(3);
    let metric_name = (0..words)
        .map(|_| *g.pick(WORDS))
        .collect::<Vec<_>>()
        .join(if g.below(2) == 0 { " " } else { "" });
    let threshold = match g.below(3) {
        0 => g.below(1000) as f64,
        1 => g.below(100_000) as f64 / 100.0,
        _ => -(g.below(1000) as f64) / 10.0,
    };
    let dimensions = (0..g.below(4))
        .map(|_| ScaleRuleDimension {
            dimension_name: g.pick(DIMS).to_string(),
            operator: if g.below(2) == 0 {
                DimensionOperator::Equals
            } else {
                DimensionOperator::NotEquals
            },
            values: (0..1 + g.below(3))
                .map(|_| g.pick(VALUES).to_string())
                .collect(),
        })
        .collect();
    MetricCondition {
        metric_namespace: (g.below(3) == 0).then(|| g.pick(NAMESPACES).to_string()),
        metric_name,
        operator: g
            .pick(&[
                ComparisonOperator::Equals,
                ComparisonOperator::NotEquals,
                ComparisonOperator::GreaterThan,
                ComparisonOperator::GreaterThanOrEqual,
                ComparisonOperator::LessThan,
                ComparisonOperator::LessThanOrEqual,
            ])
            .clone(),
        threshold,
        time_aggregation: g
            .pick(&[
                TimeAggregation::Average,
                TimeAggregation::Minimum,
                TimeAggregation::Maximum,
                TimeAggregation::Total,
                TimeAggregation::Count,
                TimeAggregation::Last,
            ])
            .clone(),
        time_window: gen_duration(g),
        dimensions,
    }
}

fn gen_rule(g: &mut Gen) -> ScaleRule {
    let amount = g.below(50) as u32;
    let action = match g.below(5) {
        0 => ScaleAction::scale_out(amount),
        1 => ScaleAction::scale_in(amount),
        2 => ScaleAction::scale_to(amount),
        3 => ScaleAction::scale_out_percent(amount),
        _ => ScaleAction::scale_in_percent(amount),
    };
    let mut rule = ScaleRule::new(gen_condition(g), action);
    if g.below(2) == 0 {
        rule = rule.cooldown(gen_duration(g));
    }
    if g.below(2) == 0 {
        let statistic = g
            .pick(&[
                MetricStatistic::Average,
                MetricStatistic::Min,
                MetricStatistic::Max,
                MetricStatistic::Sum,
                MetricStatistic::Count,
            ])
            .clone();
        rule = rule.time_grain(statistic, gen_duration(g));
    }
    rule
}

#[test]
fn generated_conditions_round_trip_through_text() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    for i in 0..3000 {
        let c = gen_condition(&mut g);
        let text = c.to_string();
        let parsed = MetricCondition::parse(&text)
            .unwrap_or_else(|e| panic!("case {i}: `{text}` does not parse: {e}"));
        assert_eq!(parsed, c, "case {i}: parse(display(x)) != x for `{text}`");
        assert_eq!(parsed.to_string(), text, "case {i}: display(parse(s)) != s");
    }
}

#[test]
fn generated_rules_round_trip_through_text() {
    let mut g = Gen(0xD1B5_4A32_D192_ED03);
    for i in 0..3000 {
        let r = gen_rule(&mut g);
        let text = r.to_string();
        let parsed = ScaleRule::parse(&text).unwrap_or_else(|e| panic!("case {i}: `{text}`: {e}"));
        assert_eq!(parsed, r, "case {i}: `{text}`");
        assert_eq!(parsed.to_string(), text, "case {i}");
        // The action alone (without the time grain) round-trips too.
        let action = &r.scale_action;
        assert_eq!(&ScaleAction::parse(&action.to_string()).unwrap(), action);
    }
}

#[test]
fn mangled_conditions_never_panic_and_report_a_column_inside_the_input() {
    let mut g = Gen(0x1234_5678_9ABC_DEF1);
    const NOISE: &[char] = &[
        '>', '<', '=', '!', '"', '\'', ',', ' ', '\t', '%', '#', 'é', '1', 'm', '.', '-',
    ];
    for _ in 0..3000 {
        let mut chars: Vec<char> = gen_rule(&mut g).to_string().chars().collect();
        for _ in 0..1 + g.below(3) {
            let at = g.below(chars.len() + 1);
            match g.below(3) {
                0 if at < chars.len() => {
                    chars.remove(at);
                }
                _ => chars.insert(at.min(chars.len()), *g.pick(NOISE)),
            }
        }
        let text: String = chars.iter().collect();
        for e in [
            ScaleRule::parse(&text).err(),
            MetricCondition::parse(&text).err(),
            ScaleAction::parse(&text).err(),
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                (1..=chars.len() + 1).contains(&e.column()),
                "`{text}`: column {} out of range",
                e.column()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets stay out of Debug

#[test]
fn webhook_keys_stay_out_of_debug() {
    let hook = WebhookNotification::new("https://hooks.example/notify?apiKey=s3cret")
        .property("token", "hunter2");
    let with_user = WebhookNotification::new("https://bob:pa55word@hooks.example/other");
    let setting = seed_setting().notification(
        AutoscaleNotification::new()
            .webhook(hook)
            .webhook(with_user),
    );
    let debug = format!("{setting:?}");
    for secret in ["s3cret", "hunter2", "bob", "pa55word"] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(
        debug.contains("https://hooks.example/notify?<redacted>"),
        "{debug}"
    );
    assert!(
        debug.contains("https://hooks.example/other?<redacted>"),
        "{debug}"
    );
    assert!(
        debug.contains("\"token\""),
        "property names stay visible: {debug}"
    );
    let options = AutoscaleCreateOrUpdateOptions {
        resource_group: Some("rg".into()),
        ..Default::default()
    };
    assert!(!format!("{options:?}").is_empty());
}
