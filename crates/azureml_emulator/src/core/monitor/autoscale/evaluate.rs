//! Autoscale evaluation, sans-IO: settings + recorded metrics + current instance counts + the
//! time of the last scale action → scale decisions.
//!
//! Azure Monitor's rules, as implemented here:
//! * the profile in force is picked by [`schedule`](super::schedule) (fixed date > recurrence >
//!   default);
//! * an instance count outside the profile's `[minimum, maximum]` is brought back at once;
//! * a rule reads its metric over `timeWindow` up to the current minute: per `timeGrain`, the
//!   grain's samples combine by `statistic`; the grains combine by `timeAggregation`;
//!   `dividePerInstance` divides by the current count; the result is compared with `threshold`;
//! * a rule may fire only when its `cooldown` has passed since the target's last scale action
//!   (any scale action resets the cooldown of every rule);
//! * scale out when ANY scale-out rule fires, scale in only when ALL scale-in rules fire; among
//!   the rules that fire, the one giving the most instances wins; the count is clamped to the
//!   profile's bounds;
//! * when a rule's metric has no data and the count is below the profile's default, scale to
//!   the default.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::schedule::active_profile;
use super::spec::{
    AutoscaleSettingSpec, Direction, Profile, Rule, ScaleType, Statistic, TimeAggregation,
};
use crate::core::monitor::duration;
use crate::core::monitor::metrics::catalog::{self, Kind, Scope};
use crate::core::monitor::metrics::filter::Filter;
use crate::core::monitor::metrics::series;
use crate::core::monitor::recorder::{Agg, Grain, MetricsRecorder};
use crate::core::monitor::resource::parse_ml_resource;

/// Which way a decision moves the instance count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleDirection {
    /// More instances.
    Increase,
    /// Fewer instances.
    Decrease,
}

/// A scale action the autoscaler decided on.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ScaleDecision {
    /// ARM id of the autoscale setting.
    pub setting_id: String,
    /// Name of the autoscale setting.
    pub setting_name: String,
    /// The profile in force.
    pub profile: String,
    /// ARM id of the scaled resource (the deployment).
    pub target_resource_uri: String,
    /// Instances before.
    pub old_capacity: u32,
    /// Instances after.
    pub new_capacity: u32,
    /// Out or in.
    pub direction: ScaleDirection,
    /// Why: the rules that fired with the values they saw, or the bound that was enforced.
    pub reason: String,
    /// When it was decided.
    pub at: OffsetDateTime,
}

impl ScaleDecision {
    /// The endpoint of an Azure ML deployment target.
    pub fn endpoint(&self) -> Option<String> {
        parse_ml_resource(&self.target_resource_uri).map(|r| r.endpoint)
    }

    /// The deployment of an Azure ML deployment target.
    pub fn deployment(&self) -> Option<String> {
        parse_ml_resource(&self.target_resource_uri).and_then(|r| r.deployment)
    }
}

fn get_ci<'a, V>(map: &'a BTreeMap<String, V>, key: &str) -> Option<&'a V> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

fn statistic(agg: &Agg, s: Statistic) -> Option<f64> {
    if agg.is_empty() {
        return None;
    }
    Some(match s {
        Statistic::Average => agg.average()?,
        Statistic::Min => agg.min,
        Statistic::Max => agg.max,
        Statistic::Sum => agg.sum,
        Statistic::Count => agg.count as f64,
    })
}

fn aggregate(values: &[f64], a: TimeAggregation) -> Option<f64> {
    let last = *values.last()?;
    let sum: f64 = values.iter().sum();
    Some(match a {
        TimeAggregation::Average => sum / values.len() as f64,
        TimeAggregation::Minimum => values.iter().copied().fold(f64::INFINITY, f64::min),
        TimeAggregation::Maximum => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        TimeAggregation::Total => sum,
        TimeAggregation::Count => values.len() as f64,
        TimeAggregation::Last => last,
    })
}

/// The rule's metric value at `now`, `None` when the metric has no data (or isn't one the
/// emulator knows for that resource).
fn measure(
    rule: &Rule,
    target: &str,
    recorder: &MetricsRecorder,
    current: u32,
    now: OffsetDateTime,
) -> Option<f64> {
    let source = if rule.metric_resource_uri.trim().is_empty() {
        target
    } else {
        &rule.metric_resource_uri
    };
    let resource = parse_ml_resource(source)?;
    let scope = if resource.deployment.is_some() {
        Scope::Deployment
    } else {
        Scope::Endpoint
    };
    let info = catalog::find(scope, &rule.metric_name)?;
    let dims = rule
        .dimensions
        .iter()
        .map(|d| (d.name.as_str(), d.equals, d.values.as_slice()));
    let filter = Filter::from_rule(dims)
        .resolve(info.name, info.dimensions)
        .ok()?;
    let end = now.unix_timestamp().div_euclid(60) * 60 + 60;
    let window = i64::try_from(rule.time_window.as_secs().div_ceil(60).max(1)).ok()? * 60;
    let start = end - window;
    let buckets = recorder.buckets(
        &resource.endpoint,
        resource.deployment.as_deref(),
        Grain::Minute,
        start,
        end,
    );
    let groups = series::collect(&buckets, info, &filter, &[]);
    let values = groups.get(&Vec::new());
    let grain = i64::try_from((rule.time_grain.as_secs() / 60).max(1)).ok()? * 60;
    let mut grains = Vec::new();
    let mut hi = end;
    // Bounded: a window of at most 12 hours in grains of at least one minute.
    while hi > start {
        let lo = (hi - grain).max(start);
        grains.push(statistic(
            &series::window(values, info.kind, 60, lo, hi),
            rule.statistic,
        ));
        hi = lo;
    }
    grains.reverse();
    let mut present: Vec<f64> = grains.into_iter().flatten().collect();
    if present.is_empty() && info.kind == Kind::Capacity {
        present.push(f64::from(current));
    }
    let value = aggregate(&present, rule.time_aggregation)?;
    Some(if rule.divide_per_instance && current > 0 {
        value / f64::from(current)
    } else {
        value
    })
}

/// The count a rule asks for from `current`.
fn target_count(rule: &Rule, current: u32) -> u32 {
    let step = match rule.scale_type {
        ScaleType::ChangeCount => rule.value,
        ScaleType::PercentChangeCount if rule.value == 0 => 0,
        ScaleType::PercentChangeCount => {
            let delta = (u64::from(current) * u64::from(rule.value)).div_ceil(100);
            u32::try_from(delta).unwrap_or(u32::MAX).max(1)
        }
        ScaleType::ServiceAllowedNextValue => 1,
        ScaleType::ExactCount => return rule.value,
    };
    match rule.direction {
        Direction::Increase => current.saturating_add(step),
        Direction::Decrease => current.saturating_sub(step),
        Direction::None => current,
    }
}

/// Out (`Some(true)`), in (`Some(false)`) or neither.
fn is_scale_out(rule: &Rule, current: u32) -> Option<bool> {
    match rule.direction {
        Direction::Increase => Some(true),
        Direction::Decrease => Some(false),
        Direction::None if rule.scale_type == ScaleType::ExactCount && rule.value != current => {
            Some(rule.value > current)
        }
        Direction::None => None,
    }
}

fn describe(rule: &Rule, value: Option<f64>) -> String {
    let seen = value.map_or_else(|| "no data".to_owned(), |v| format!("{v:.2}"));
    format!(
        "{} {} {} ({:?} over {}, {:?} per {}): {seen}",
        rule.metric_name,
        rule.operator.symbol(),
        rule.threshold,
        rule.time_aggregation,
        duration::format(rule.time_window),
        rule.statistic,
        duration::format(rule.time_grain),
    )
}

struct Outcome<'a> {
    rule: &'a Rule,
    out: bool,
    value: Option<f64>,
    fired: bool,
}

/// The new count and the reason, for one setting's profile.
fn decide(
    profile: &Profile,
    target: &str,
    recorder: &MetricsRecorder,
    current: u32,
    now: OffsetDateTime,
    last: Option<OffsetDateTime>,
) -> Option<(u32, String)> {
    let (min, max) = (profile.minimum, profile.maximum);
    let name = &profile.name;
    if current < min {
        return Some((
            min,
            format!("The instance count {current} is below the minimum {min} of profile '{name}'."),
        ));
    }
    if current > max {
        return Some((
            max,
            format!("The instance count {current} is above the maximum {max} of profile '{name}'."),
        ));
    }
    let outcomes: Vec<Outcome<'_>> = profile
        .rules
        .iter()
        .filter_map(|rule| {
            let out = is_scale_out(rule, current)?;
            let cooling = last.is_some_and(|t| {
                let end = time::Duration::try_from(rule.cooldown)
                    .ok()
                    .and_then(|c| t.checked_add(c));
                end.is_none_or(|end| now < end)
            });
            let value = measure(rule, target, recorder, current, now);
            let fired = !cooling && value.is_some_and(|v| rule.operator.holds(v, rule.threshold));
            Some(Outcome {
                rule,
                out,
                value,
                fired,
            })
        })
        .collect();
    let best = |rules: &[&Outcome<'_>]| rules.iter().map(|o| target_count(o.rule, current)).max();
    let list = |rules: &[&Outcome<'_>]| {
        rules
            .iter()
            .map(|o| describe(o.rule, o.value))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let fired_out: Vec<&Outcome<'_>> = outcomes.iter().filter(|o| o.out && o.fired).collect();
    if let Some(n) = best(&fired_out)
        .map(|n| n.clamp(min, max))
        .filter(|n| *n > current)
    {
        return Some((
            n,
            format!("Scale out in profile '{name}': {}.", list(&fired_out)),
        ));
    }
    let ins: Vec<&Outcome<'_>> = outcomes.iter().filter(|o| !o.out).collect();
    if !ins.is_empty() && ins.iter().all(|o| o.fired) {
        if let Some(n) = best(&ins)
            .map(|n| n.clamp(min, max))
            .filter(|n| *n < current)
        {
            return Some((
                n,
                format!(
                    "Scale in in profile '{name}', every scale-in rule fired: {}.",
                    list(&ins)
                ),
            ));
        }
    }
    let blind: Vec<&Outcome<'_>> = outcomes.iter().filter(|o| o.value.is_none()).collect();
    if !blind.is_empty() && current < profile.default {
        return Some((profile.default, format!(
            "Metrics unavailable ({}); the instance count {current} is below the default {} of profile '{name}'.",
            list(&blind), profile.default
        )));
    }
    None
}

/// Evaluates every enabled setting at `now`.
///
/// `capacities` holds each target's current instance count and `last_scale_actions` the time
/// of each target's last scale action, both keyed by the target's ARM id (compared
/// case-insensitively); a setting whose target has no current count is skipped.
pub fn evaluate(
    settings: &[AutoscaleSettingSpec],
    recorder: &MetricsRecorder,
    capacities: &BTreeMap<String, u32>,
    now: OffsetDateTime,
    last_scale_actions: &BTreeMap<String, OffsetDateTime>,
) -> Vec<ScaleDecision> {
    let mut decisions = Vec::new();
    for setting in settings.iter().filter(|s| s.enabled) {
        let Some(&current) = get_ci(capacities, &setting.target) else {
            continue;
        };
        let Some(profile) = active_profile(&setting.profiles, now) else {
            continue;
        };
        let last = get_ci(last_scale_actions, &setting.target).copied();
        if let Some((new, reason)) = decide(profile, &setting.target, recorder, current, now, last)
        {
            if new == current {
                continue;
            }
            decisions.push(ScaleDecision {
                setting_id: setting.id.clone(),
                setting_name: setting.name.clone(),
                profile: profile.name.clone(),
                target_resource_uri: setting.target.clone(),
                old_capacity: current,
                new_capacity: new,
                direction: if new > current {
                    ScaleDirection::Increase
                } else {
                    ScaleDirection::Decrease
                },
                reason,
                at: now,
            });
        }
    }
    decisions
}
