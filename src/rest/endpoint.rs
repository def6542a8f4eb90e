//! Online endpoint ⇄ ARM JSON.

use std::any::Any;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};

use super::common::{lenient_string_map, lenient_traffic_map};
use super::resource::{ArmResource, IdentityWire};
use crate::entities::{
    AuthMode, IdentityConfiguration, KubernetesEndpointCompute, KubernetesOnlineEndpoint,
    ManagedCompute, ManagedOnlineEndpoint, OnlineEndpoint, OnlineEndpointOf, ProvisioningState,
    PublicNetworkAccess,
};

/// ARM `OnlineEndpoint` resource.
pub(crate) type OnlineEndpointResource = ArmResource<OnlineEndpointProperties>;

/// ARM `OnlineEndpoint.properties`, in the order Python writes them.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct OnlineEndpointProperties {
    description: Option<String>,
    auth_mode: Option<AuthMode>,
    #[serde(deserialize_with = "lenient_string_map")]
    properties: BTreeMap<String, String>,
    #[serde(deserialize_with = "lenient_traffic_map")]
    traffic: BTreeMap<String, u32>,
    /// Left out of the traffic-only update body.
    #[serde(
        deserialize_with = "lenient_traffic_map",
        skip_serializing_if = "Option::is_none"
    )]
    mirror_traffic: Option<BTreeMap<String, u32>>,
    #[serde(
        serialize_with = "python_network_access",
        skip_serializing_if = "Option::is_none"
    )]
    public_network_access: Option<PublicNetworkAccess>,
    compute: Option<String>,
    /// The endpoint's name, which only the traffic-only update body carries.
    endpoint: Option<String>,
    #[serde(skip_serializing)]
    scoring_uri: Option<String>,
    #[serde(skip_serializing)]
    swagger_uri: Option<String>,
    #[serde(skip_serializing)]
    provisioning_state: Option<ProvisioningState>,
}

/// Python sends the user's lower-case spelling (`enabled`/`disabled`); the service accepts any
/// case.
pub(crate) fn python_network_access<S: Serializer>(
    value: &Option<PublicNetworkAccess>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(PublicNetworkAccess::Enabled) => s.serialize_str("enabled"),
        Some(PublicNetworkAccess::Disabled) => s.serialize_str("disabled"),
        Some(PublicNetworkAccess::Unknown(other)) => s.serialize_str(other),
        None => s.serialize_none(),
    }
}

/// The shared fields of either kind from the answer; `compute` is what only that kind has.
fn endpoint<C>(w: OnlineEndpointResource, compute: C) -> OnlineEndpointOf<C> {
    let p = w.properties;
    OnlineEndpointOf {
        name: w.name.unwrap_or_default(),
        description: p.description,
        tags: w.tags.unwrap_or_default(),
        properties: p.properties,
        auth_mode: p.auth_mode.unwrap_or_default(),
        traffic: p.traffic,
        mirror_traffic: p.mirror_traffic.unwrap_or_default(),
        identity: w.identity.map(Into::into),
        public_network_access: p.public_network_access,
        kind: w.kind,
        location: w.location,
        openapi_uri: p.swagger_uri.clone(),
        scoring_uri: p.scoring_uri,
        swagger_uri: p.swagger_uri,
        provisioning_state: p.provisioning_state,
        id: w.id,
        creation_context: w.system_data.map(Into::into),
        compute,
    }
}

impl From<OnlineEndpointResource> for ManagedOnlineEndpoint {
    fn from(w: OnlineEndpointResource) -> Self {
        endpoint(w, ManagedCompute::default())
    }
}

impl From<OnlineEndpointResource> for KubernetesOnlineEndpoint {
    fn from(mut w: OnlineEndpointResource) -> Self {
        let target = w.properties.compute.take();
        endpoint(w, KubernetesEndpointCompute { target })
    }
}

impl From<OnlineEndpointResource> for OnlineEndpoint {
    /// `compute` set (or `kind: Kubernetes`) ⇒ Kubernetes; otherwise managed (`kind: Managed`).
    fn from(w: OnlineEndpointResource) -> Self {
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

/// The properties the PUT body and the traffic-only update body both send.
fn sent_by_both_bodies(e: &OnlineEndpointOf<dyn Any>) -> OnlineEndpointProperties {
    OnlineEndpointProperties {
        description: e.description.clone(),
        auth_mode: Some(e.auth_mode.clone()),
        properties: e.properties.clone(),
        traffic: e.traffic.clone(),
        ..Default::default()
    }
}

/// The PUT body of an endpoint, exactly as Python's `_to_rest_online_endpoint(location)` builds it
/// (traffic sent as given: call [`strip_traffic`] first to mirror the operation).
pub(crate) fn online_endpoint_body(
    endpoint: &OnlineEndpoint,
    location: &str,
) -> OnlineEndpointResource {
    let e = endpoint.shared();
    // Python sends the compute without its `azureml:` prefix (the operation may replace it
    // with the compute's full ARM id first).
    let compute = endpoint
        .as_kubernetes()
        .and_then(|k| k.compute.target.as_deref())
        .map(|c| c.strip_prefix("azureml:").unwrap_or(c).to_owned());
    let identity = match &e.identity {
        Some(identity) => IdentityWire::from(identity),
        // Python's endpoint default.
        None => IdentityWire::from(&IdentityConfiguration::system_assigned()),
    };
    let properties = OnlineEndpointProperties {
        mirror_traffic: Some(e.mirror_traffic.clone()),
        public_network_access: e.public_network_access.clone(),
        compute,
        ..sent_by_both_bodies(e)
    };
    ArmResource {
        identity: Some(identity),
        tags: Some(e.tags.clone()),
        ..ArmResource::body(Some(location), properties)
    }
}

/// Python's `_to_rest_online_endpoint_traffic_update(location)`: the older traffic-only update
/// body (adds `properties.endpoint`, no identity, no mirror traffic). No operation sends it
/// (`begin_create_or_update` sends the whole endpoint); the oracle test pins Python's shape for
/// the day one does.
#[cfg(test)]
pub(crate) fn online_endpoint_traffic_update_body(
    endpoint: &OnlineEndpoint,
    location: &str,
) -> OnlineEndpointResource {
    let e = endpoint.shared();
    let properties = OnlineEndpointProperties {
        endpoint: Some(e.name.clone()),
        ..sent_by_both_bodies(e)
    };
    ArmResource {
        tags: Some(e.tags.clone()),
        ..ArmResource::body(Some(location), properties)
    }
}
