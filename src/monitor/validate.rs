//! Client-side checks run before any autoscale or metrics request. Each broken rule is an
//! [`Error::Validation`] naming the field the Python way (`profiles[0].rules[1].scale_action.cooldown`).
//!
//! Limits and their sources (Azure Monitor autoscale, api-version 2022-10-01,
//! `autoscale_API.json`, also quoted by `az monitor autoscale create --help`):
//! * profiles: at most 20 ("A maximum of 20 profiles can be specified");
//! * rules: at most 10 per profile ("A maximum of 10 rules can be specified");
//! * `timeGrain`: "Must be between 12 hours and 1 minute";
//! * `timeWindow`: "Must be between 12 hours and 5 minutes";
//! * `cooldown`: "must be between 1 week and 1 minute";
//! * `recurrence.frequency`: "This value must be Week"; hours 0–23 ("Values supported are 0 to
//!   23"), days Sunday…Saturday (the spec's own example sends `"1"`, so `0`–`6` pass too);
//! * `scaleLookAheadTime`: "between 1 minute and 60 minutes" (CLI help).
//!
//! Stricter than the service (it would accept and then never scale): a profile without rules
//! (unless `allow_profiles_without_rules` is set, for the az flow of `create` then
//! `rule create`), a count change of 0.

use std::time::Duration;

use super::autoscale::{
    AutoscaleNotification, AutoscaleProfile, AutoscaleSetting, AutoscaleSettingPatch,
    MetricTrigger, ScaleAction, ScaleRule,
};
use super::enums::{RecurrenceFrequency, ScaleDirection, ScaleType};
use crate::{Error, Result};

/// At most 20 profiles per setting.
pub const MAX_PROFILES: usize = 20;
/// At most 10 rules per profile.
pub const MAX_RULES_PER_PROFILE: usize = 10;
/// Shortest time grain.
pub const MIN_TIME_GRAIN: Duration = Duration::from_secs(60);
/// Longest time grain and time window.
pub const MAX_WINDOW: Duration = Duration::from_secs(12 * 3600);
/// Shortest time window.
pub const MIN_TIME_WINDOW: Duration = Duration::from_secs(5 * 60);
/// Shortest cooldown (the service rejects anything below `PT1M`).
pub const MIN_COOLDOWN: Duration = Duration::from_secs(60);
/// Longest cooldown.
pub const MAX_COOLDOWN: Duration = Duration::from_secs(7 * 86_400);

fn fail<T>(field: impl Into<String>, rule: impl Into<String>) -> Result<T> {
    Err(Error::validation(field, rule))
}

fn show(d: Duration) -> String {
    super::client::iso_duration(d)
}

/// Setting (autoscale settings are ARM resources: no `/ ? # % \ < > * & :`, ≤ 260 characters)
/// and resource-group names.
pub(crate) fn arm_name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return fail(field, "must not be empty");
    }
    if name.chars().count() > 260 {
        return fail(field, "must be at most 260 characters");
    }
    if let Some(c) = name.chars().find(|c| {
        c.is_control()
            || matches!(
                c,
                '/' | '\\' | '?' | '#' | '%' | '<' | '>' | '*' | '&' | ':'
            )
    }) {
        return fail(
            field,
            format!("`{name}` must not contain `{}`", c.escape_default()),
        );
    }
    Ok(())
}

/// An ARM resource id to place in a URL path or a body: `/subscriptions/…`, no query or
/// fragment, no `..`, no percent-escapes, no empty segments, no whitespace or control characters.
pub(crate) fn resource_id(field: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return fail(field, "must not be empty");
    }
    if !id.starts_with("/subscriptions/") {
        return fail(
            field,
            format!("`{id}` must be an ARM id starting with `/subscriptions/`"),
        );
    }
    if let Some(c) = id
        .chars()
        .find(|c| matches!(c, '?' | '#' | '%' | '\\') || c.is_whitespace() || c.is_control())
    {
        return fail(
            field,
            format!("`{id}` must not contain `{}`", c.escape_default()),
        );
    }
    if id.contains("..") {
        return fail(field, format!("`{id}` must not contain `..`"));
    }
    if id.ends_with('/') || id.contains("//") {
        return fail(field, format!("`{id}` must not contain empty segments"));
    }
    Ok(())
}

/// Everything checked before `create_or_update` sends a setting (`allow_no_rules`: profiles
/// without rules pass, the az flow of `create` then `rule create`).
pub(crate) fn setting(s: &AutoscaleSetting, allow_no_rules: bool) -> Result<()> {
    arm_name("name", &s.name)?;
    if let Some(location) = &s.location {
        if location.trim().is_empty() {
            return fail("location", "must not be empty when set");
        }
    }
    if s.target_resource_uri.trim().is_empty() {
        return fail(
            "target_resource_uri",
            "must not be empty: set the scaled resource (e.g. the deployment's ARM id)",
        );
    }
    resource_id("target_resource_uri", &s.target_resource_uri)?;
    profiles("profiles", &s.profiles, true, allow_no_rules)?;
    notifications("notifications", &s.notifications)?;
    if let Some(policy) = &s.predictive_autoscale_policy {
        predictive(policy)?;
    }
    Ok(())
}

/// Everything checked before `update` sends a patch.
pub(crate) fn patch(p: &AutoscaleSettingPatch) -> Result<()> {
    if p.tags.is_none() && !p.touches_properties() {
        return fail("patch", "sets nothing");
    }
    if p.touches_properties() && p.profiles.is_none() {
        return fail(
            "profiles",
            "is required when a patch changes properties (the service's patch schema requires it); \
             get the setting and send its profiles along",
        );
    }
    if let Some(target) = &p.target_resource_uri {
        resource_id("target_resource_uri", target)?;
    }
    if let Some(list) = &p.profiles {
        profiles("profiles", list, p.target_resource_uri.is_some(), false)?;
    }
    if let Some(list) = &p.notifications {
        notifications("notifications", list)?;
    }
    if let Some(policy) = &p.predictive_autoscale_policy {
        predictive(policy)?;
    }
    Ok(())
}

fn predictive(policy: &super::autoscale::PredictiveAutoscalePolicy) -> Result<()> {
    let field = "predictive_autoscale_policy";
    if policy.scale_mode.is_unknown() {
        return fail(
            format!("{field}.scale_mode"),
            format!("unknown mode `{}`", policy.scale_mode),
        );
    }
    if let Some(t) = policy.scale_look_ahead_time {
        if !(Duration::from_secs(60)..=Duration::from_secs(3600)).contains(&t) {
            return fail(
                format!("{field}.scale_look_ahead_time"),
                format!("must be between 1 and 60 minutes (got {})", show(t)),
            );
        }
    }
    Ok(())
}

/// `has_target`: rules without a metric source get the setting's target (false for a patch
/// that does not change the target: then each rule must name its source). `allow_no_rules`:
/// see [`setting`].
fn profiles(
    field: &str,
    list: &[AutoscaleProfile],
    has_target: bool,
    allow_no_rules: bool,
) -> Result<()> {
    if list.is_empty() {
        return fail(field, "needs at least one profile");
    }
    if list.len() > MAX_PROFILES {
        return fail(
            field,
            format!(
                "at most {MAX_PROFILES} profiles are allowed (got {})",
                list.len()
            ),
        );
    }
    for (i, p) in list.iter().enumerate() {
        profile(&format!("{field}[{i}]"), p, has_target, allow_no_rules)?;
    }
    Ok(())
}

fn profile(
    field: &str,
    p: &AutoscaleProfile,
    has_target: bool,
    allow_no_rules: bool,
) -> Result<()> {
    if p.name.trim().is_empty() {
        return fail(format!("{field}.name"), "must not be empty");
    }
    let c = &p.capacity;
    if c.minimum > c.maximum {
        return fail(
            format!("{field}.capacity"),
            format!(
                "minimum ({}) must not exceed maximum ({})",
                c.minimum, c.maximum
            ),
        );
    }
    if !(c.minimum..=c.maximum).contains(&c.default) {
        return fail(
            format!("{field}.capacity.default"),
            format!(
                "must lie between minimum and maximum ({}..={}, got {})",
                c.minimum, c.maximum, c.default
            ),
        );
    }
    if p.rules.is_empty() && !allow_no_rules {
        let rule = if c.minimum != c.maximum {
            format!(
                "must not be empty: with capacity {}..={} and no rules the profile can never scale",
                c.minimum, c.maximum
            )
        } else {
            "must not be empty (empty rules are rejected; add a rule, e.g. \
             `ScaleRule::when(\"CpuUtilizationPercentage > 70 avg 5m\")?.scale_out(1)`)"
                .to_owned()
        };
        return fail(format!("{field}.rules"), rule);
    }
    if p.rules.len() > MAX_RULES_PER_PROFILE {
        return fail(
            format!("{field}.rules"),
            format!(
                "at most {MAX_RULES_PER_PROFILE} rules per profile are allowed (got {})",
                p.rules.len()
            ),
        );
    }
    if p.fixed_date.is_some() && p.recurrence.is_some() {
        return fail(
            field.to_owned(),
            "fixed_date and recurrence are mutually exclusive",
        );
    }
    if let Some(w) = &p.fixed_date {
        if w.end <= w.start {
            return fail(
                format!("{field}.fixed_date.end"),
                format!("must be after start ({} <= {})", w.end, w.start),
            );
        }
        if w.time_zone.as_deref().is_some_and(|z| z.trim().is_empty()) {
            return fail(
                format!("{field}.fixed_date.time_zone"),
                "must not be empty when set",
            );
        }
    }
    if let Some(r) = &p.recurrence {
        let f = format!("{field}.recurrence");
        if r.frequency != RecurrenceFrequency::Week {
            return fail(
                format!("{f}.frequency"),
                format!(
                    "must be `Week` (the service repeats profiles weekly; got `{}`)",
                    r.frequency
                ),
            );
        }
        let s = &r.schedule;
        if s.time_zone.trim().is_empty() {
            return fail(format!("{f}.schedule.time_zone"), "must not be empty");
        }
        if s.days.is_empty() {
            return fail(format!("{f}.schedule.days"), "must not be empty");
        }
        for d in &s.days {
            if !weekday(d) {
                return fail(
                    format!("{f}.schedule.days"),
                    format!("`{d}` is not a week day (Monday…Sunday or 0…6)"),
                );
            }
        }
        for (name, values, max) in [("hours", &s.hours, 23), ("minutes", &s.minutes, 59)] {
            if values.is_empty() {
                return fail(format!("{f}.schedule.{name}"), "must not be empty");
            }
            if let Some(v) = values.iter().find(|v| !(0..=max).contains(*v)) {
                return fail(
                    format!("{f}.schedule.{name}"),
                    format!("{v} is outside 0..={max}"),
                );
            }
        }
    }
    for (j, r) in p.rules.iter().enumerate() {
        rule(&format!("{field}.rules[{j}]"), r, p, has_target)?;
    }
    Ok(())
}

fn weekday(d: &str) -> bool {
    const DAYS: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let d = d.trim();
    DAYS.iter().any(|n| n.eq_ignore_ascii_case(d))
        || (d.len() == 1 && d.bytes().all(|b| (b'0'..=b'6').contains(&b)))
}

fn rule(field: &str, r: &ScaleRule, p: &AutoscaleProfile, has_target: bool) -> Result<()> {
    trigger(
        &format!("{field}.metric_trigger"),
        &r.metric_trigger,
        has_target,
    )?;
    action(&format!("{field}.scale_action"), &r.scale_action, p)
}

fn trigger(field: &str, t: &MetricTrigger, has_target: bool) -> Result<()> {
    if t.metric_name.trim().is_empty() {
        return fail(format!("{field}.metric_name"), "must not be empty");
    }
    match &t.metric_resource_uri {
        Some(uri) => resource_id(&format!("{field}.metric_resource_uri"), uri)?,
        None if !has_target => {
            return fail(
                format!("{field}.metric_resource_uri"),
                "is required here (no target to default to)",
            )
        }
        None => {}
    }
    if !t.threshold.is_finite() {
        return fail(
            format!("{field}.threshold"),
            format!("must be a finite number (got {})", t.threshold),
        );
    }
    for (name, unknown, value) in [
        ("operator", t.operator.is_unknown(), t.operator.as_str()),
        ("statistic", t.statistic.is_unknown(), t.statistic.as_str()),
        (
            "time_aggregation",
            t.time_aggregation.is_unknown(),
            t.time_aggregation.as_str(),
        ),
    ] {
        if unknown {
            return fail(
                format!("{field}.{name}"),
                format!("unknown value `{value}`"),
            );
        }
    }
    if !(MIN_TIME_GRAIN..=MAX_WINDOW).contains(&t.time_grain) {
        return fail(
            format!("{field}.time_grain"),
            format!(
                "must be between 1 minute and 12 hours (got {})",
                show(t.time_grain)
            ),
        );
    }
    if !(MIN_TIME_WINDOW..=MAX_WINDOW).contains(&t.time_window) {
        return fail(
            format!("{field}.time_window"),
            format!(
                "must be between 5 minutes and 12 hours (got {})",
                show(t.time_window)
            ),
        );
    }
    for (k, d) in t.dimensions.iter().enumerate() {
        let f = format!("{field}.dimensions[{k}]");
        if d.dimension_name.trim().is_empty() {
            return fail(format!("{f}.dimension_name"), "must not be empty");
        }
        if d.operator.is_unknown() {
            return fail(
                format!("{f}.operator"),
                format!("unknown value `{}`", d.operator),
            );
        }
        if d.values.is_empty() || d.values.iter().any(|v| v.trim().is_empty()) {
            return fail(format!("{f}.values"), "needs at least one non-empty value");
        }
    }
    Ok(())
}

fn action(field: &str, a: &ScaleAction, p: &AutoscaleProfile) -> Result<()> {
    if a.direction.is_unknown() {
        return fail(
            format!("{field}.direction"),
            format!("unknown value `{}`", a.direction),
        );
    }
    if a.scale_type.is_unknown() {
        return fail(
            format!("{field}.scale_type"),
            format!("unknown value `{}`", a.scale_type),
        );
    }
    match (&a.scale_type, &a.direction) {
        (ScaleType::PercentChangeCount, ScaleDirection::None) => return fail(
            format!("{field}.scale_type"),
            "a percent change needs a direction: `scale to` takes an instance count, not a percent",
        ),
        (ScaleType::ChangeCount, ScaleDirection::None) => {
            return fail(
                format!("{field}.direction"),
                "a count change needs a direction (`scale out N` or `scale in N`)",
            )
        }
        _ => {}
    }
    match (&a.scale_type, a.value) {
        (ScaleType::ServiceAllowedNextValue, _) => {}
        (_, None) => return fail(format!("{field}.value"), "is required"),
        (ScaleType::ChangeCount | ScaleType::PercentChangeCount, Some(0)) => {
            return fail(format!("{field}.value"), "a change of 0 never scales")
        }
        (ScaleType::ExactCount, Some(v))
            if !(p.capacity.minimum..=p.capacity.maximum).contains(&v) =>
        {
            return fail(
                format!("{field}.value"),
                format!(
                    "`scale to {v}` lies outside the profile's capacity {}..={}",
                    p.capacity.minimum, p.capacity.maximum
                ),
            )
        }
        _ => {}
    }
    if !(MIN_COOLDOWN..=MAX_COOLDOWN).contains(&a.cooldown) {
        return fail(
            format!("{field}.cooldown"),
            format!(
                "must be between 1 minute and 1 week (got {}; Azure rejects cooldowns below PT1M)",
                show(a.cooldown)
            ),
        );
    }
    Ok(())
}

fn notifications(field: &str, list: &[AutoscaleNotification]) -> Result<()> {
    for (i, n) in list.iter().enumerate() {
        let f = format!("{field}[{i}]");
        if !n.operation.eq_ignore_ascii_case("Scale") {
            return fail(
                format!("{f}.operation"),
                format!("must be `Scale` (got `{}`)", n.operation),
            );
        }
        if let Some(email) = &n.email {
            if let Some(bad) = email
                .custom_emails
                .iter()
                .find(|e| !e.contains('@') || e.trim() != e.as_str())
            {
                return fail(
                    format!("{f}.email.custom_emails"),
                    format!("`{bad}` is not an e-mail address"),
                );
            }
        }
        for (k, h) in n.webhooks.iter().enumerate() {
            let ok = url::Url::parse(&h.service_uri)
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(false);
            if !ok {
                // The URI may carry a key: name the webhook, not the URI.
                return fail(
                    format!("{f}.webhooks[{k}].service_uri"),
                    "must be an http(s) URL",
                );
            }
        }
    }
    Ok(())
}

/// A metrics resource id: like [`resource_id`].
pub(crate) fn metrics_resource(id: &str) -> Result<()> {
    resource_id("resource_id", id)
}
