//! Wire pieces every ARM resource shares: `systemData`, `identity`, `sku`, list pages, and
//! lenient map decoding.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::entities::{CreationContext, IdentityConfiguration, IdentityType, UserIdentity};

/// One page of an ARM list: the pager's page type, under the wire layer's name.
pub use crate::arm::pager::ArmPage as ArmList;

/// A string map that tolerates `null` (whole map or values) and non-string values
/// (code versions carry `"hash_version": 202208`): numbers/bools become their text, nulls are dropped.
pub(crate) fn lenient_string_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) => Some((k, s)),
            other => Some((k, other.to_string())),
        })
        .collect())
}

/// Integer map (traffic) that tolerates `null` and drops values that are not non-negative integers.
pub(crate) fn lenient_traffic_map<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, u32>, D::Error> {
    let raw = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .filter_map(|(k, v)| {
            v.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(|n| (k, n))
        })
        .collect())
}

/// ARM `systemData`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SystemDataWire {
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    created_by_type: Option<String>,
    #[serde(default)]
    last_modified_at: Option<String>,
    #[serde(default)]
    last_modified_by: Option<String>,
    #[serde(default)]
    last_modified_by_type: Option<String>,
}

/// RFC 3339 with any number of fractional digits; unreadable timestamps become `None` rather
/// than failing the whole resource.
fn timestamp(text: Option<String>) -> Option<time::OffsetDateTime> {
    let text = text?;
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339).ok()
}

impl From<SystemDataWire> for CreationContext {
    fn from(w: SystemDataWire) -> Self {
        CreationContext {
            created_at: timestamp(w.created_at),
            created_by: w.created_by,
            created_by_type: w.created_by_type,
            last_modified_at: timestamp(w.last_modified_at),
            last_modified_by: w.last_modified_by,
            last_modified_by_type: w.last_modified_by_type,
        }
    }
}

/// ARM `ManagedServiceIdentity`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IdentityWire {
    #[serde(default, rename = "type")]
    type_: Option<IdentityType>,
    #[serde(default)]
    principal_id: Option<String>,
    #[serde(default)]
    tenant_id: Option<String>,
    #[serde(default)]
    user_assigned_identities: Option<BTreeMap<String, Option<UserIdentityWire>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentityWire {
    #[serde(default)]
    principal_id: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
}

impl From<IdentityWire> for IdentityConfiguration {
    fn from(w: IdentityWire) -> Self {
        let mut id = IdentityConfiguration::new(w.type_.unwrap_or(IdentityType::None));
        id.principal_id = w.principal_id;
        id.tenant_id = w.tenant_id;
        id.user_assigned_identities = w
            .user_assigned_identities
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| {
                let v = v.unwrap_or_default();
                let u = UserIdentity {
                    principal_id: v.principal_id,
                    client_id: v.client_id,
                };
                (k, u)
            })
            .collect();
        id
    }
}

/// The identity as sent in a PUT body (read-only ids left out; user identities as `{}`).
pub(crate) fn identity_body(identity: Option<&IdentityConfiguration>) -> serde_json::Value {
    let Some(identity) = identity else {
        // Python's endpoint default.
        return serde_json::json!({ "type": "SystemAssigned" });
    };
    let mut body = serde_json::Map::new();
    body.insert("type".into(), identity.type_.as_str().into());
    if !identity.user_assigned_identities.is_empty() {
        let uais: serde_json::Map<String, serde_json::Value> = identity
            .user_assigned_identities
            .keys()
            .map(|k| (k.clone(), serde_json::json!({})))
            .collect();
        body.insert("userAssignedIdentities".into(), uais.into());
    }
    body.into()
}

/// ARM `Sku`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SkuWire {
    #[serde(default)]
    pub(crate) capacity: Option<i64>,
}

/// A `BTreeMap<String, String>` as a JSON object.
pub(crate) fn string_map(map: &BTreeMap<String, String>) -> serde_json::Value {
    map.iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// The name under `collection` in an ARM id, without requiring the id to be fully valid.
pub(crate) fn id_segment(id: Option<&str>, collection: &str) -> Option<String> {
    let id = id?;
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(collection) {
            return parts.next().filter(|s| !s.is_empty()).map(str::to_owned);
        }
    }
    None
}
