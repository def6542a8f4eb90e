//! `Microsoft.Insights/autoscalesettings` over ARM: PUT (201 new, 200 replaced), GET, PATCH
//! (tags and/or properties), DELETE (200, or 204 when there was nothing), lists by resource
//! group and by subscription, and the emulator's `…/{name}/activity` extension.
//!
//! Settings may live in any resource group of the workspace's subscription (the emulator does
//! not know which groups exist). Answers echo the body with `id`, `name`, `type`,
//! `properties.name`, a default `enabled: false` and `scaleLookAheadTime: null`, as the official
//! example shows.

use serde_json::{json, Map, Value};

use super::json::{field, Invalid};
use super::parse;
use crate::core::arm::{self, arm_error, body_object};
use crate::core::monitor::state::{MonitorState, StoredSetting};
use crate::core::{CoreRequest, CoreResponse, WorkspaceCore};

const READ_ONLY: [&str; 4] = ["id", "name", "type", "systemData"];

fn not_found(resource_group: &str, name: &str) -> CoreResponse {
    arm_error(
        404,
        "ResourceNotFound",
        format!(
            "The Resource 'microsoft.insights/autoscalesettings/{name}' under resource group '{resource_group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
        ),
    )
}

/// Names ARM refuses in a path segment of a setting.
fn check_name(name: &str) -> Result<(), CoreResponse> {
    let bad = name.trim().is_empty()
        || name.chars().count() > 260
        || name
            .chars()
            .any(|c| c.is_control() || "/\\?#%<>*&:".contains(c));
    if bad {
        return Err(arm_error(
            400,
            "InvalidResourceName",
            format!("The resource name '{name}' is invalid."),
        ));
    }
    Ok(())
}

/// Sets what the service adds to a stored setting's properties.
fn complete_properties(resource: &mut Value, name: &str) {
    let Some(props) = resource
        .get_mut("properties")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    props.retain(|k, _| !k.eq_ignore_ascii_case("name"));
    props.insert("name".into(), json!(name));
    if field(&Value::Object(props.clone()), "enabled").is_none() {
        props.retain(|k, _| !k.eq_ignore_ascii_case("enabled"));
        props.insert("enabled".into(), json!(false));
    }
    if let Some(policy) = props
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("predictiveAutoscalePolicy"))
        .and_then(|(_, v)| v.as_object_mut())
    {
        if !policy
            .keys()
            .any(|k| k.eq_ignore_ascii_case("scaleLookAheadTime"))
        {
            policy.insert("scaleLookAheadTime".into(), Value::Null);
        }
    }
}

/// Inserts `value` under `key`, replacing a key that differs only in case.
fn put_ci(map: &mut Map<String, Value>, key: &str, value: Value) {
    let existing = map.keys().find(|k| k.eq_ignore_ascii_case(key)).cloned();
    match existing {
        Some(k) => {
            map.insert(k, value);
        }
        None => {
            map.insert(key.to_owned(), value);
        }
    }
}

impl WorkspaceCore {
    fn setting_id(&self, resource_group: &str, name: &str) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{resource_group}/providers/microsoft.insights/autoscalesettings/{name}",
            self.config.subscription_id
        )
    }

    fn store_setting(&mut self, resource_group: &str, name: &str, resource: Value) -> bool {
        let key = MonitorState::key(resource_group, name);
        let monitor = &mut self.state.monitor;
        match monitor.autoscale.get_mut(&key) {
            Some(stored) => {
                stored.resource = resource;
                false
            }
            None => {
                monitor.seq += 1;
                let stored = StoredSetting {
                    seq: monitor.seq,
                    resource_group: resource_group.to_owned(),
                    name: name.to_owned(),
                    resource,
                };
                monitor.autoscale.insert(key, stored);
                true
            }
        }
    }

    fn put_setting(
        &mut self,
        resource_group: &str,
        name: &str,
        request: &CoreRequest,
    ) -> Result<CoreResponse, CoreResponse> {
        check_name(name)?;
        let body = body_object(request)?;
        let mut out = Map::new();
        out.insert("id".into(), json!(self.setting_id(resource_group, name)));
        out.insert("name".into(), json!(name));
        out.insert("type".into(), json!("Microsoft.Insights/autoscaleSettings"));
        for (k, v) in body.as_object().into_iter().flatten() {
            if !READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k)) {
                out.insert(k.clone(), v.clone());
            }
        }
        let mut resource = Value::Object(out);
        complete_properties(&mut resource, name);
        parse::setting(&resource).map_err(|e| e.response())?;
        let created = self.store_setting(resource_group, name, resource.clone());
        Ok(arm::ok_json(if created { 201 } else { 200 }, &resource))
    }

    fn patch_setting(
        &mut self,
        resource_group: &str,
        name: &str,
        request: &CoreRequest,
    ) -> Result<CoreResponse, CoreResponse> {
        let key = MonitorState::key(resource_group, name);
        let Some(stored) = self.state.monitor.autoscale.get(&key) else {
            return Err(not_found(resource_group, name));
        };
        let (stored_rg, stored_name) = (stored.resource_group.clone(), stored.name.clone());
        let mut resource = stored.resource.clone();
        let patch = body_object(request)?;
        let Some(target) = resource.as_object_mut() else {
            return Err(not_found(resource_group, name));
        };
        if let Some(tags) = field(&patch, "tags") {
            put_ci(target, "tags", tags.clone());
        }
        if let Some(props) = field(&patch, "properties") {
            let props = props.as_object().ok_or_else(|| {
                Invalid::Content(format!(
                    "Error converting value {props} to type 'AutoscaleSetting'. Path 'properties'"
                ))
                .response()
            })?;
            let mut merged = target
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (k, v) in props {
                put_ci(&mut merged, k, v.clone());
            }
            target.insert("properties".into(), Value::Object(merged));
        }
        complete_properties(&mut resource, &stored_name);
        parse::setting(&resource).map_err(|e| e.response())?;
        self.store_setting(&stored_rg, &stored_name, resource.clone());
        Ok(arm::ok_json(200, &resource))
    }

    /// Answers an autoscale settings request (the subscription already checked).
    pub(crate) fn handle_autoscale(
        &mut self,
        resource_group: Option<&str>,
        name: Option<&str>,
        activity: bool,
        request: &CoreRequest,
    ) -> CoreResponse {
        let method = request.method.as_str();
        let result = match (resource_group, name, activity, method) {
            (rg, None, false, "GET") => Ok(self.list_settings(rg, request)),
            (Some(rg), Some(name), false, "GET") => self
                .state
                .monitor
                .autoscale
                .get(&MonitorState::key(rg, name))
                .map(|s| arm::ok_json(200, &s.resource))
                .ok_or_else(|| not_found(rg, name)),
            (Some(rg), Some(name), false, "PUT") => self.put_setting(rg, name, request),
            (Some(rg), Some(name), false, "PATCH") => self.patch_setting(rg, name, request),
            (Some(rg), Some(name), false, "DELETE") => {
                let removed = self
                    .state
                    .monitor
                    .autoscale
                    .remove(&MonitorState::key(rg, name));
                Ok(CoreResponse::new(if removed.is_some() { 200 } else { 204 }))
            }
            (Some(rg), Some(name), true, "GET") => self.activity_answer(rg, name),
            _ => Err(arm::method_not_allowed(request)),
        };
        result.unwrap_or_else(|response| response)
    }

    fn list_settings(&self, resource_group: Option<&str>, request: &CoreRequest) -> CoreResponse {
        let mut stored: Vec<&StoredSetting> = self
            .state
            .monitor
            .autoscale
            .values()
            .filter(|s| resource_group.is_none_or(|rg| s.resource_group.eq_ignore_ascii_case(rg)))
            .collect();
        stored.sort_by_key(|s| s.seq);
        let items = stored.into_iter().map(|s| s.resource.clone()).collect();
        arm::page(&self.config, request, items)
    }

    fn activity_answer(
        &self,
        resource_group: &str,
        name: &str,
    ) -> Result<CoreResponse, CoreResponse> {
        let Some(stored) = self
            .state
            .monitor
            .autoscale
            .get(&MonitorState::key(resource_group, name))
        else {
            return Err(not_found(resource_group, name));
        };
        let id = stored
            .resource
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let entries: Vec<Value> = self
            .state
            .monitor
            .activity
            .iter()
            .filter(|a| a.setting_id.eq_ignore_ascii_case(id))
            .filter_map(|a| serde_json::to_value(a).ok())
            .collect();
        Ok(arm::ok_json(200, &json!({ "value": entries })))
    }
}
