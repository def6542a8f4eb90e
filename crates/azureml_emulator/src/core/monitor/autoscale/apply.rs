//! The workspace side of autoscale: evaluate every stored setting against the deployments'
//! instance counts (`sku.capacity`), carry the decisions out in the ARM view, record the new
//! counts and log the actions.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use time::OffsetDateTime;

use super::activity::{AutoscaleActivity, MAX_ACTIVITY};
use super::evaluate::{evaluate, ScaleDecision};
use super::parse;
use crate::core::WorkspaceCore;

/// `sku.capacity` of a deployment resource (1 when absent, as Azure defaults it).
pub(crate) fn capacity_of(resource: &Value) -> u32 {
    resource
        .pointer("/sku/capacity")
        .and_then(Value::as_u64)
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(1)
}

fn set_capacity(resource: &mut Value, capacity: u32) {
    let Some(object) = resource.as_object_mut() else {
        return;
    };
    let sku = object
        .entry("sku")
        .or_insert_with(|| json!({"name": "Default"}));
    if let Some(sku) = sku.as_object_mut() {
        sku.insert("capacity".into(), json!(capacity));
    }
}

impl WorkspaceCore {
    /// Runs the autoscaler once at `now`: every enabled setting whose target is a deployment of
    /// this workspace is evaluated (see [`evaluate`](crate::core::monitor::evaluate)); each
    /// decision is carried out in the ARM view (the deployment's `sku.capacity`), recorded as
    /// `DeploymentCapacity` and logged in the activity log. Every target's count is recorded
    /// too, so `DeploymentCapacity` has data between scale actions.
    ///
    /// An emulator that runs real instances starts or stops instances to match each returned
    /// decision's `new_capacity`.
    pub fn evaluate_autoscale(&mut self, now: OffsetDateTime) -> Vec<ScaleDecision> {
        let specs: Vec<_> = self
            .state
            .monitor
            .autoscale
            .values()
            .filter_map(|s| parse::setting(&s.resource).ok())
            .collect();
        let mut targets: BTreeMap<String, (String, String, u32)> = BTreeMap::new();
        for spec in &specs {
            if let Some((e, d)) = self.find_ml_deployment(spec.target_resource_uri()) {
                let capacity = self.deployment(&e, &d).map(capacity_of).unwrap_or(1);
                targets.insert(spec.target_resource_uri().to_owned(), (e, d, capacity));
            }
        }
        let capacities = targets
            .iter()
            .map(|(t, (_, _, c))| (t.clone(), *c))
            .collect();
        let mut last = BTreeMap::new();
        for a in &self.state.monitor.activity {
            last.insert(
                a.target_resource_uri.to_ascii_lowercase(),
                a.event_timestamp,
            );
        }
        let recorder = self.monitor.recorder.clone();
        let decisions = evaluate(&specs, &recorder, &capacities, now, &last);
        for decision in &decisions {
            if let Some((e, d, capacity)) = targets.get_mut(&decision.target_resource_uri) {
                *capacity = decision.new_capacity;
                let (e, d) = (e.clone(), d.clone());
                self.carry_out(&e, &d, decision);
            } else {
                self.log_activity(decision);
            }
        }
        for (e, d, capacity) in targets.values() {
            recorder.record_capacity(e, d, *capacity, now);
        }
        decisions
    }

    /// Carries a decision out in the ARM view: the deployment's `sku.capacity` and the
    /// activity log (the state changed: its revision moves).
    pub(crate) fn carry_out(&mut self, endpoint: &str, deployment: &str, decision: &ScaleDecision) {
        if let Some(resource) = self
            .state
            .endpoints
            .get_mut(endpoint)
            .and_then(|r| r.deployments.get_mut(deployment))
        {
            set_capacity(&mut resource.resource, decision.new_capacity);
        }
        self.log_activity(decision);
    }

    fn log_activity(&mut self, decision: &ScaleDecision) {
        let activity = &mut self.state.monitor.activity;
        activity.push_back(AutoscaleActivity::from_decision(decision));
        while activity.len() > MAX_ACTIVITY {
            activity.pop_front();
        }
        self.revision += 1;
    }

    /// Records that a runtime could not carry a scale action out: the deployment's
    /// `sku.capacity` goes back to the `running` instances and the activity log gets a `Failed`
    /// entry for the move from `running` to `attempted` (its time restarts the cooldowns, so
    /// the autoscaler tries again after them, as Azure's does).
    pub fn record_scale_failure(
        &mut self,
        endpoint: &str,
        deployment: &str,
        running: u32,
        attempted: u32,
        reason: &str,
        now: OffsetDateTime,
    ) {
        let Some((e, d)) = self.find_endpoint_name(endpoint).and_then(|e| {
            let d = self
                .state
                .endpoints
                .get(&e)?
                .deployments
                .keys()
                .find(|k| k.eq_ignore_ascii_case(deployment))?
                .clone();
            Some((e, d))
        }) else {
            return;
        };
        let target = format!(
            "{}/onlineEndpoints/{e}/deployments/{d}",
            self.config.workspace_id()
        );
        let setting = self
            .state
            .monitor
            .autoscale
            .values()
            .filter_map(|s| parse::setting(&s.resource).ok())
            .find(|s| s.enabled && s.target.eq_ignore_ascii_case(&target));
        let (setting_id, setting_name) = match &setting {
            Some(s) => (s.id.clone(), s.name.clone()),
            None => (target.clone(), format!("{d} scaleSettings")),
        };
        let decision = ScaleDecision {
            setting_id,
            setting_name,
            profile: String::new(),
            target_resource_uri: target,
            old_capacity: running,
            new_capacity: attempted,
            direction: if attempted > running {
                super::evaluate::ScaleDirection::Increase
            } else {
                super::evaluate::ScaleDirection::Decrease
            },
            reason: reason.to_owned(),
            at: now,
        };
        if let Some(resource) = self
            .state
            .endpoints
            .get_mut(&e)
            .and_then(|r| r.deployments.get_mut(&d))
        {
            set_capacity(&mut resource.resource, running);
        }
        let mut entry = AutoscaleActivity::from_decision(&decision);
        entry.status = "Failed".into();
        entry.description = format!(
            "The autoscale engine failed to scale resource '{}' from {running} instances count to {attempted} instances count.",
            decision.target_resource_uri
        );
        let activity = &mut self.state.monitor.activity;
        activity.push_back(entry);
        while activity.len() > MAX_ACTIVITY {
            activity.pop_front();
        }
        self.revision += 1;
    }

    /// The autoscale activity log (scale actions, oldest first).
    pub fn autoscale_activity(&self) -> Vec<AutoscaleActivity> {
        self.state.monitor.activity.iter().cloned().collect()
    }
}
