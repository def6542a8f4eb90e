//! Online endpoint ⇄ ARM JSON.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::common::{
    identity_body, lenient_string_map, lenient_traffic_map, string_map, IdentityWire,
    SystemDataWire,
};
use crate::entities::{
    AuthMode, KubernetesOnlineEndpoint, ManagedOnlineEndpoint, OnlineEndpoint, ProvisioningState,
    PublicNetworkAccess,
};
use crate::Result;

/// ARM `OnlineEndpoint` resource (response side).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OnlineEndpointWire {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    identity: Option<IdentityWire>,
    #[serde(default)]
    system_data: Option<SystemDataWire>,
    #[serde(default, deserialize_with = "crate::error::null_as_default")]
    properties: OnlineEndpointPropertiesWire,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OnlineEndpointPropertiesWire {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(default)]
    auth_mode: Option<AuthMode>,
    #[serde(default, deserialize_with = "lenient_traffic_map")]
    traffic: BTreeMap<String, u32>,
    #[serde(default, deserialize_with = "lenient_traffic_map")]
    mirror_traffic: BTreeMap<String, u32>,
    #[serde(default)]
    public_network_access: Option<PublicNetworkAccess>,
    #[serde(default)]
    compute: Option<String>,
    #[serde(default)]
    scoring_uri: Option<String>,
    #[serde(default)]
    swagger_uri: Option<String>,
    #[serde(default)]
    provisioning_state: Option<ProvisioningState>,
}

/// Fills the fields both endpoint kinds share.
macro_rules! fill_endpoint {
    ($w:ident, $p:ident, $e:ident) => {{
        $e.name = $w.name.unwrap_or_default();
        $e.description = $p.description;
        $e.tags = $w.tags;
        $e.properties = $p.properties;
        $e.auth_mode = $p.auth_mode.unwrap_or_default();
        $e.traffic = $p.traffic;
        $e.mirror_traffic = $p.mirror_traffic;
        $e.identity = $w.identity.map(Into::into);
        $e.public_network_access = $p.public_network_access;
        $e.kind = $w.kind;
        $e.location = $w.location;
        $e.openapi_uri = $p.swagger_uri.clone();
        $e.scoring_uri = $p.scoring_uri;
        $e.swagger_uri = $p.swagger_uri;
        $e.provisioning_state = $p.provisioning_state;
        $e.id = $w.id;
        $e.creation_context = $w.system_data.map(Into::into);
    }};
}

impl From<OnlineEndpointWire> for ManagedOnlineEndpoint {
    fn from(w: OnlineEndpointWire) -> Self {
        let p = w.properties;
        let mut e = ManagedOnlineEndpoint::default();
        fill_endpoint!(w, p, e);
        e
    }
}

impl From<OnlineEndpointWire> for KubernetesOnlineEndpoint {
    fn from(w: OnlineEndpointWire) -> Self {
        let mut p = w.properties;
        let mut e = KubernetesOnlineEndpoint {
            compute: p.compute.take(),
            ..Default::default()
        };
        fill_endpoint!(w, p, e);
        e
    }
}

impl From<OnlineEndpointWire> for OnlineEndpoint {
    /// `compute` set (or `kind: Kubernetes`) ⇒ Kubernetes; otherwise managed (`kind: Managed`).
    fn from(w: OnlineEndpointWire) -> Self {
        let kubernetes = w
            .properties
            .compute
            .as_deref()
            .is_some_and(|c| !c.is_empty())
            || w.kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("kubernetes"));
        if kubernetes {
            OnlineEndpoint::Kubernetes(w.into())
        } else {
            OnlineEndpoint::Managed(w.into())
        }
    }
}

/// Python's `_strip_zeroes_from_traffic`, applied by `begin_create_or_update` before the PUT:
/// drops entries whose value is 0 and lower-cases the deployment names (traffic and mirror).
pub(crate) fn strip_traffic(endpoint: &mut OnlineEndpoint) {
    fn strip(map: &mut BTreeMap<String, u32>) {
        *map = std::mem::take(map)
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect();
    }
    strip(endpoint.traffic_mut());
    strip(endpoint.mirror_traffic_mut());
}

fn traffic_map(map: &BTreeMap<String, u32>) -> Value {
    map.iter()
        .map(|(k, v)| (k.clone(), Value::from(*v)))
        .collect::<Map<_, _>>()
        .into()
}

/// The PUT body of an endpoint, exactly as Python's `_to_rest_online_endpoint(location)` builds it
/// (traffic sent as given: call [`strip_traffic`] first to mirror the operation).
pub(crate) fn online_endpoint_body(endpoint: &OnlineEndpoint, location: &str) -> Result<Value> {
    macro_rules! body {
        ($e:ident, $compute:expr) => {{
            let mut props = Map::new();
            if let Some(d) = &$e.description {
                props.insert("description".into(), d.as_str().into());
            }
            props.insert("authMode".into(), $e.auth_mode.as_str().into());
            props.insert("properties".into(), string_map(&$e.properties));
            props.insert("traffic".into(), traffic_map(&$e.traffic));
            props.insert("mirrorTraffic".into(), traffic_map(&$e.mirror_traffic));
            if let Some(pna) = &$e.public_network_access {
                props.insert("publicNetworkAccess".into(), network_access(pna).into());
            }
            let compute: Option<&String> = $compute;
            if let Some(c) = compute {
                // Python sends the name without its `azureml:` prefix (the operation may
                // replace it with the compute's full ARM id first).
                let c = c.strip_prefix("azureml:").unwrap_or(c);
                props.insert("compute".into(), c.into());
            }
            json!({
                "location": location,
                "properties": props,
                "identity": identity_body($e.identity.as_ref()),
                "tags": string_map(&$e.tags),
            })
        }};
    }
    Ok(match endpoint {
        OnlineEndpoint::Managed(e) => body!(e, None),
        OnlineEndpoint::Kubernetes(e) => body!(e, e.compute.as_ref()),
    })
}

/// Python sends the user's lower-case spelling (`enabled`/`disabled`); the service accepts any case.
pub(crate) fn network_access(value: &PublicNetworkAccess) -> String {
    match value {
        PublicNetworkAccess::Enabled => "enabled".into(),
        PublicNetworkAccess::Disabled => "disabled".into(),
        PublicNetworkAccess::Unknown(s) => s.clone(),
    }
}

/// Python's `_to_rest_online_endpoint_traffic_update(location)`: the older traffic-only update
/// body (adds `properties.endpoint`, no identity, no mirror traffic). `begin_create_or_update`
/// does not use it; kept so callers that want the minimal update can send the same bytes.
pub(crate) fn online_endpoint_traffic_update_body(
    endpoint: &OnlineEndpoint,
    location: &str,
) -> Value {
    let mut props = Map::new();
    if let Some(d) = endpoint.description() {
        props.insert("description".into(), d.into());
    }
    props.insert("authMode".into(), endpoint.auth_mode().as_str().into());
    props.insert("traffic".into(), traffic_map(endpoint.traffic()));
    let properties = match endpoint {
        OnlineEndpoint::Managed(e) => &e.properties,
        OnlineEndpoint::Kubernetes(e) => &e.properties,
    };
    props.insert("properties".into(), string_map(properties));
    props.insert("endpoint".into(), endpoint.name().into());
    json!({
        "location": location,
        "properties": props,
        "tags": string_map(endpoint.tags()),
    })
}
