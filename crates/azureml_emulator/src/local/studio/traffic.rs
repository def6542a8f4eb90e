//! The traffic form: read it, check it with the rules the SDK checks before its PUT
//! (`validate::endpoint` of `azure_ai_ml`: names, 0–100 each, live traffic adding up to 0 or
//! 100, mirror traffic at most 50 in total, no deployment in both), then drop the zero entries
//! and lower-case the names as the SDK (and Python) do before sending.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::Form;

/// Live and mirror traffic as the form gave them (every deployment, zeros included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TrafficForm {
    pub(crate) traffic: BTreeMap<String, u32>,
    pub(crate) mirror: BTreeMap<String, u32>,
}

/// A rule the form broke: the field and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub(crate) field: String,
    pub(crate) message: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// Form fields `traffic.{deployment}` and `mirror.{deployment}`, whole numbers (blank is 0).
pub(crate) fn parse(form: &Form) -> Result<TrafficForm, Invalid> {
    let mut parsed = TrafficForm::default();
    for (key, value) in form.fields() {
        let (map, field, name) = if let Some(name) = key.strip_prefix("traffic.") {
            (&mut parsed.traffic, "traffic", name)
        } else if let Some(name) = key.strip_prefix("mirror.") {
            (&mut parsed.mirror, "mirror_traffic", name)
        } else {
            continue;
        };
        let value = value.trim();
        let number = if value.is_empty() {
            0
        } else {
            value.parse::<u32>().map_err(|_| {
                invalid(
                    format!("{field}.{name}"),
                    format!("must be a whole number between 0 and 100 (got `{value}`)"),
                )
            })?
        };
        map.insert(name.to_owned(), number);
    }
    Ok(parsed)
}

/// The SDK's rules on a traffic map: every deployment with a share is a valid resource name
/// and no two differ only in case; every value is 0–100.
fn map_rules(field: &str, map: &BTreeMap<String, u32>) -> Result<(), Invalid> {
    let mut seen = BTreeSet::new();
    for name in map.iter().filter(|(_, v)| **v != 0).map(|(k, _)| k) {
        resource_name(&format!("{field}.{name}"), name)?;
        if !seen.insert(name.to_lowercase()) {
            return Err(invalid(
                format!("{field}.{name}"),
                "names differ only in case; deployment names are case-insensitive",
            ));
        }
    }
    for (name, value) in map {
        if *value > 100 {
            return Err(invalid(
                format!("{field}.{name}"),
                format!("must be between 0 and 100 (got {value})"),
            ));
        }
    }
    Ok(())
}

/// Azure's resource-name rule: 3–32 characters, a letter first, letters, digits and `-`,
/// a letter or digit last.
fn resource_name(field: &str, name: &str) -> Result<(), Invalid> {
    let len = name.chars().count();
    if !(3..=32).contains(&len) {
        return Err(invalid(
            field,
            format!("must be 3 to 32 characters long (got {len}: `{name}`)"),
        ));
    }
    let bytes = name.as_bytes();
    let ok = bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if !ok {
        return Err(invalid(field, format!("`{name}` must start with a letter, contain only letters, digits and `-`, and end with a letter or digit")));
    }
    Ok(())
}

/// Non-zero entries, names lower-cased (what the PUT carries).
fn effective(map: &BTreeMap<String, u32>) -> BTreeMap<String, u32> {
    map.iter()
        .filter(|(_, v)| **v != 0)
        .map(|(k, v)| (k.to_lowercase(), *v))
        .collect()
}

/// Checks the form as the SDK checks an endpoint's traffic; returns what the PUT sends.
pub(crate) fn validate(form: &TrafficForm) -> Result<TrafficForm, Invalid> {
    map_rules("traffic", &form.traffic)?;
    map_rules("mirror_traffic", &form.mirror)?;
    let traffic = effective(&form.traffic);
    let mirror = effective(&form.mirror);
    let sum: u64 = traffic.values().map(|v| u64::from(*v)).sum();
    if sum != 0 && sum != 100 {
        return Err(invalid(
            "traffic",
            format!("values must add up to 100 (got {sum})"),
        ));
    }
    let mirror_sum: u64 = mirror.values().map(|v| u64::from(*v)).sum();
    if mirror_sum > 50 {
        return Err(invalid(
            "mirror_traffic",
            format!("values must add up to at most 50 (got {mirror_sum})"),
        ));
    }
    if let Some(both) = mirror.keys().find(|k| traffic.contains_key(*k)) {
        return Err(invalid(
            format!("mirror_traffic.{both}"),
            "a deployment cannot receive both live and mirror traffic",
        ));
    }
    Ok(TrafficForm { traffic, mirror })
}

/// The endpoint PUT body with new traffic: what the SDK sends after `get`, changing the
/// traffic and `begin_create_or_update` (location, identity type, tags, and the properties
/// it writes back: description, auth mode, properties, traffic, mirror traffic, public
/// network access).
pub(crate) fn put_body(resource: &Value, traffic: &TrafficForm) -> Value {
    let props = resource.get("properties").cloned().unwrap_or(Value::Null);
    let weights = |map: &BTreeMap<String, u32>| -> Map<String, Value> {
        map.iter().map(|(k, v)| (k.clone(), json!(v))).collect()
    };
    let mut properties = json!({
        "authMode": props.get("authMode").cloned().unwrap_or(json!("Key")),
        "traffic": weights(&traffic.traffic),
        "mirrorTraffic": weights(&traffic.mirror),
    });
    for key in [
        "description",
        "properties",
        "publicNetworkAccess",
        "compute",
    ] {
        if let Some(v) = props.get(key).filter(|v| !v.is_null()) {
            properties[key] = v.clone();
        }
    }
    let identity_type = resource
        .pointer("/identity/type")
        .cloned()
        .unwrap_or(json!("SystemAssigned"));
    let mut identity = json!({ "type": identity_type });
    if let Some(users) = resource.pointer("/identity/userAssignedIdentities") {
        let ids: Map<String, Value> = users
            .as_object()
            .map(|m| m.keys().map(|k| (k.clone(), json!({}))).collect())
            .unwrap_or_default();
        identity["userAssignedIdentities"] = Value::Object(ids);
    }
    let mut body = json!({
        "location": resource.get("location").cloned().unwrap_or(Value::Null),
        "identity": identity,
        "tags": resource.get("tags").cloned().unwrap_or(json!({})),
        "properties": properties,
    });
    if let Some(kind) = resource.get("kind") {
        body["kind"] = kind.clone();
    }
    body
}
