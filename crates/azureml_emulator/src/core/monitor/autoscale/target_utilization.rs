//! A deployment's own scale rule: `scaleSettings` of type `TargetUtilization` (Kubernetes online
//! deployments), evaluated the way Kubernetes' horizontal pod autoscaler does on CPU.
//!
//! * utilization: the mean `CpuUtilizationPercentage` of the deployment's instances over the
//!   last [`UTILIZATION_WINDOW`] (10-second buckets);
//! * desired count: `ceil(current × utilization / target)`, unchanged within a ±10 %
//!   tolerance of the target, at most `max(2 × current, current + 4)` in one step (the
//!   autoscaler's default scale-up policies), clamped to `[minInstances, maxInstances]`;
//! * scaling in waits until the deployment's last scale action is [`SCALE_DOWN_STABILIZATION`]
//!   old (Kubernetes' default stabilization window);
//! * no CPU samples: only the bounds are enforced; a deployment still scaling (its instances in
//!   rotation differ from its `sku.capacity`) is left alone.
//!
//! Defaults as Azure ML documents them: `minInstances` 1, `maxInstances` 1,
//! `targetUtilizationPercentage` 70.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use super::evaluate::{ScaleDecision, ScaleDirection};
use crate::core::monitor::recorder::{Agg, Grain};
use crate::core::WorkspaceCore;

/// How far back the utilization is averaged.
pub const UTILIZATION_WINDOW: Duration = Duration::from_secs(60);
/// How long after a scale action a deployment may scale in.
pub const SCALE_DOWN_STABILIZATION: Duration = Duration::from_secs(300);
/// Within this fraction of the target, nothing changes.
const TOLERANCE: f64 = 0.1;

/// A deployment's `TargetUtilization` settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TargetUtilization {
    pub(crate) min: u32,
    pub(crate) max: u32,
    pub(crate) target: f64,
}

impl TargetUtilization {
    /// `properties.scaleSettings` when its `scaleType` is `TargetUtilization`.
    pub(crate) fn of(resource: &Value) -> Option<Self> {
        let settings = resource.pointer("/properties/scaleSettings")?;
        let kind = settings.get("scaleType")?.as_str()?;
        if !kind.eq_ignore_ascii_case("TargetUtilization") {
            return None;
        }
        let number = |key: &str| {
            settings
                .get(key)
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok()))
        };
        let min = number("minInstances")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1)
            .max(1);
        let max = number("maxInstances")
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(1)
            .max(min);
        let target = number("targetUtilizationPercentage")
            .filter(|t| (1..=100).contains(t))
            .unwrap_or(70);
        Some(Self {
            min,
            max,
            target: target as f64,
        })
    }

    /// The count for `current` instances at `utilization` percent (`None`: no samples).
    pub(crate) fn desired(&self, current: u32, utilization: Option<f64>) -> u32 {
        let Some(utilization) = utilization.filter(|u| u.is_finite() && *u >= 0.0) else {
            return current.clamp(self.min, self.max);
        };
        let ratio = utilization / self.target;
        let wanted = if (ratio - 1.0).abs() <= TOLERANCE {
            current
        } else {
            let raw = (f64::from(current.max(1)) * ratio).ceil();
            let step_limit = current.saturating_mul(2).max(current.saturating_add(4));
            (raw.clamp(0.0, f64::from(u32::MAX)) as u32).min(step_limit)
        };
        wanted.clamp(self.min, self.max)
    }
}

impl WorkspaceCore {
    /// Evaluates every deployment's `TargetUtilization` scale settings at `now` and carries the
    /// decisions out like [`evaluate_autoscale`](Self::evaluate_autoscale) does (the ARM view's
    /// `sku.capacity`, `DeploymentCapacity`, the activity log).
    ///
    /// `serving` holds the instances each deployment has in rotation, keyed
    /// `(endpoint, deployment)`: a deployment whose count differs from its `sku.capacity` is
    /// still scaling and is skipped, and so is one without an entry (not running). A deployment
    /// targeted by an enabled autoscale setting follows that setting instead.
    pub fn evaluate_target_utilization(
        &mut self,
        now: OffsetDateTime,
        serving: &BTreeMap<(String, String), u32>,
    ) -> Vec<ScaleDecision> {
        let autoscaled: Vec<String> = self
            .state
            .monitor
            .autoscale
            .values()
            .filter_map(|s| super::parse::setting(&s.resource).ok())
            .filter(|s| s.enabled)
            .map(|s| s.target.to_ascii_lowercase())
            .collect();
        let mut last: BTreeMap<String, OffsetDateTime> = BTreeMap::new();
        for a in &self.state.monitor.activity {
            last.insert(
                a.target_resource_uri.to_ascii_lowercase(),
                a.event_timestamp,
            );
        }
        let window = i64::try_from(UTILIZATION_WINDOW.as_secs()).unwrap_or(60);
        let stabilization =
            time::Duration::try_from(SCALE_DOWN_STABILIZATION).unwrap_or(time::Duration::ZERO);
        let recorder = self.monitor.recorder.clone();
        let mut decisions = Vec::new();
        for (endpoint, record) in &self.state.endpoints {
            for (name, deployment) in &record.deployments {
                let Some(rule) = TargetUtilization::of(&deployment.resource) else {
                    continue;
                };
                let id = format!(
                    "{}/onlineEndpoints/{endpoint}/deployments/{name}",
                    self.config.workspace_id()
                );
                if autoscaled.contains(&id.to_ascii_lowercase()) {
                    continue;
                }
                let current = super::apply::capacity_of(&deployment.resource);
                let Some(&in_rotation) = serving.get(&(endpoint.clone(), name.clone())) else {
                    continue;
                };
                if in_rotation != current {
                    continue;
                }
                let end = now.unix_timestamp();
                let mut cpu = Agg::default();
                for (_, bucket) in
                    recorder.buckets(endpoint, Some(name), Grain::Fine, end - window, end + 1)
                {
                    for cell in &bucket.instances {
                        cpu.merge(&cell.cpu);
                    }
                }
                let utilization = cpu.average();
                let wanted = rule.desired(current, utilization);
                if wanted == current {
                    continue;
                }
                let recent = last
                    .get(&id.to_ascii_lowercase())
                    .is_some_and(|t| now - *t < stabilization);
                let in_bounds = (rule.min..=rule.max).contains(&current);
                if wanted < current && recent && in_bounds {
                    continue;
                }
                let seen = utilization.map_or_else(
                    || "no CPU samples".to_owned(),
                    |u| format!("CPU utilization {u:.1} % over the last {window} s"),
                );
                decisions.push(ScaleDecision {
                    setting_id: id.clone(),
                    setting_name: format!("{name} scaleSettings"),
                    profile: "TargetUtilization".into(),
                    target_resource_uri: id,
                    old_capacity: current,
                    new_capacity: wanted,
                    direction: if wanted > current {
                        ScaleDirection::Increase
                    } else {
                        ScaleDirection::Decrease
                    },
                    reason: format!(
                        "{seen} against a target of {} % (instances between {} and {}).",
                        rule.target, rule.min, rule.max
                    ),
                    at: now,
                });
            }
        }
        for decision in &decisions {
            if let Some((e, d)) = self.find_ml_deployment(&decision.target_resource_uri) {
                self.carry_out(&e, &d, decision);
                recorder.record_capacity(&e, &d, decision.new_capacity, now);
            }
        }
        decisions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(min: u32, max: u32, target: f64) -> TargetUtilization {
        TargetUtilization { min, max, target }
    }

    #[test]
    fn the_settings_read_with_azures_defaults() {
        let d = |s: Value| json!({"properties": {"scaleSettings": s}});
        assert_eq!(
            TargetUtilization::of(&d(json!({"scaleType": "TargetUtilization"}))),
            Some(rule(1, 1, 70.0))
        );
        assert_eq!(
            TargetUtilization::of(&d(json!({"scaleType": "targetutilization",
                "minInstances": 2, "maxInstances": "5", "targetUtilizationPercentage": 50}))),
            Some(rule(2, 5, 50.0))
        );
        assert_eq!(
            TargetUtilization::of(&d(json!({"scaleType": "TargetUtilization",
                "minInstances": 4, "maxInstances": 2, "targetUtilizationPercentage": 0}))),
            Some(rule(4, 4, 70.0)),
            "max below min and a zero target are read as Azure would accept them"
        );
        assert_eq!(
            TargetUtilization::of(&d(json!({"scaleType": "Default"}))),
            None
        );
        assert_eq!(TargetUtilization::of(&json!({"properties": {}})), None);
    }

    #[test]
    fn the_count_follows_utilization_within_bounds_and_tolerance() {
        let r = rule(1, 5, 70.0);
        assert_eq!(r.desired(1, Some(100.0)), 2);
        assert_eq!(r.desired(2, Some(100.0)), 3);
        assert_eq!(r.desired(2, Some(74.0)), 2, "within the tolerance");
        assert_eq!(r.desired(3, Some(10.0)), 1);
        assert_eq!(r.desired(1, Some(1_000.0)), 5, "clamped to the maximum");
        assert_eq!(
            rule(1, 50, 10.0).desired(2, Some(100.0)),
            6,
            "at most 2× or +4 a step"
        );
        assert_eq!(r.desired(4, None), 4, "no samples: no change");
        assert_eq!(r.desired(9, None), 5, "bounds are enforced without samples");
        assert_eq!(r.desired(1, Some(f64::NAN)), 1);
    }
}
