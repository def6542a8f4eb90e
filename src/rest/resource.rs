//! The ARM resource envelope (`id`, `name`, `location`, `tags`, `identity`, `sku`,
//! `systemData`, `properties`), written once for every resource, both ways.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::common::lenient_string_map;
use crate::entities::{CreationContext, IdentityConfiguration, IdentityType, UserIdentity};

/// An ARM resource around its `properties`: tracked resources (endpoints, deployments,
/// workspaces) and proxy resources (asset versions and containers, datastores) alike; the
/// fields a resource kind does not have stay `None` and are left out of request bodies.
///
/// The serialized field order is the order Python's bodies have (`location`, `properties`,
/// `identity`, `tags`, `sku`); read-only fields are never sent.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(
    rename_all = "camelCase",
    default,
    bound(deserialize = "P: Deserialize<'de> + Default")
)]
pub struct ArmResource<P> {
    /// ARM id (read-only).
    #[serde(skip_serializing)]
    pub id: Option<String>,
    /// Resource name (read-only: the request URL names the resource).
    #[serde(skip_serializing)]
    pub name: Option<String>,
    pub(crate) location: Option<String>,
    #[serde(skip_serializing)]
    pub(crate) kind: Option<String>,
    /// The resource's own properties.
    #[serde(deserialize_with = "crate::error::null_as_default")]
    pub properties: P,
    pub(crate) identity: Option<IdentityWire>,
    #[serde(
        deserialize_with = "lenient_string_map",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) tags: Option<BTreeMap<String, String>>,
    pub(crate) sku: Option<SkuWire>,
    #[serde(skip_serializing)]
    pub(crate) system_data: Option<SystemDataWire>,
}

impl<P> ArmResource<P> {
    /// A request body: `properties` in `location` (if any), everything else unset.
    pub(crate) fn body(location: Option<&str>, properties: P) -> Self {
        ArmResource {
            id: None,
            name: None,
            location: location.map(str::to_owned),
            kind: None,
            properties,
            identity: None,
            tags: None,
            sku: None,
            system_data: None,
        }
    }
}

/// ARM `systemData` (read-only).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SystemDataWire {
    created_at: Option<String>,
    created_by: Option<String>,
    created_by_type: Option<String>,
    last_modified_at: Option<String>,
    last_modified_by: Option<String>,
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

/// ARM `ManagedServiceIdentity`. The service fills in the principal and tenant ids, so they
/// are never sent; a user-assigned identity goes out as `{}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct IdentityWire {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    type_: Option<IdentityType>,
    #[serde(skip_serializing)]
    principal_id: Option<String>,
    #[serde(skip_serializing)]
    tenant_id: Option<String>,
    #[serde(
        deserialize_with = "super::common::lenient_object_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    user_assigned_identities: BTreeMap<String, UserIdentityWire>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
struct UserIdentityWire {
    #[serde(skip_serializing)]
    principal_id: Option<String>,
    #[serde(skip_serializing)]
    client_id: Option<String>,
}

impl From<IdentityWire> for IdentityConfiguration {
    fn from(w: IdentityWire) -> Self {
        let mut id = IdentityConfiguration::new(w.type_.unwrap_or(IdentityType::None));
        id.principal_id = w.principal_id;
        id.tenant_id = w.tenant_id;
        id.user_assigned_identities = w
            .user_assigned_identities
            .into_iter()
            .map(|(k, v)| {
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

impl From<&IdentityConfiguration> for IdentityWire {
    fn from(identity: &IdentityConfiguration) -> Self {
        IdentityWire {
            type_: Some(identity.type_.clone()),
            user_assigned_identities: identity
                .user_assigned_identities
                .keys()
                .map(|k| (k.clone(), UserIdentityWire::default()))
                .collect(),
            ..Default::default()
        }
    }
}

/// ARM `Sku`. The service requires a name on writes; Python always sends `Default`.
#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct SkuWire {
    pub(crate) name: Option<String>,
    pub(crate) capacity: Option<i64>,
}
