//! Online endpoints: managed and Kubernetes (Python `ManagedOnlineEndpoint`,
//! `KubernetesOnlineEndpoint`), and the [`OnlineEndpoint`] enum over both.

use std::collections::BTreeMap;

use super::common::{CreationContext, IdentityConfiguration};
use super::enums::{AuthMode, ProvisioningState, PublicNetworkAccess};
use super::macros::{kind_conversions, map_setters, opt_setter, opt_str_setter, setter};

/// Fields and setters shared by both endpoint kinds (one definition, two structs).
macro_rules! endpoint_struct {
    ($(#[$meta:meta])* $name:ident { $($(#[$extra_meta:meta])* $extra:ident : $extra_ty:ty),* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, serde::Deserialize)]
        #[serde(from = "crate::rest::OnlineEndpointWire")]
        #[non_exhaustive]
        pub struct $name {
            /// Endpoint name (unique in the region; 3–32 chars, letters, digits, `-`).
            pub name: String,
            /// Description.
            pub description: Option<String>,
            /// Tags.
            pub tags: BTreeMap<String, String>,
            /// Properties (add-only on the service).
            pub properties: BTreeMap<String, String>,
            /// How scoring callers authenticate (default `Key`).
            pub auth_mode: AuthMode,
            /// Deployment name → percentage of live traffic.
            pub traffic: BTreeMap<String, u32>,
            /// Deployment name → percentage of traffic copied (shadowed) to it.
            pub mirror_traffic: BTreeMap<String, u32>,
            /// Managed identity (`SystemAssigned` is sent when `None`, like Python).
            pub identity: Option<IdentityConfiguration>,
            /// Inbound public network access.
            pub public_network_access: Option<PublicNetworkAccess>,
            /// ARM `kind` (read-only in practice).
            pub kind: Option<String>,
            /// Azure region; the workspace's when `None`.
            pub location: Option<String>,
            $( $(#[$extra_meta])* pub $extra: $extra_ty, )*
            /// Scoring URL (read-only).
            pub scoring_uri: Option<String>,
            /// Swagger URL (read-only).
            pub swagger_uri: Option<String>,
            /// OpenAPI URL (read-only; Python's `openapi_uri`, same as `swagger_uri`).
            pub openapi_uri: Option<String>,
            /// Provisioning state (read-only).
            pub provisioning_state: Option<ProvisioningState>,
            /// ARM id (read-only).
            pub id: Option<String>,
            /// Creation / modification info (read-only).
            pub creation_context: Option<CreationContext>,
        }

        impl $name {
            /// An endpoint named `name` with Python's defaults (key auth, no traffic).
            pub fn new(name: impl Into<String>) -> Self {
                $name {
                    name: name.into(),
                    ..Default::default()
                }
            }

            setter!(name: String, auth_mode: AuthMode);
            opt_str_setter!(description, kind, location);
            opt_setter!(identity: IdentityConfiguration, public_network_access: PublicNetworkAccess);
            map_setters!(tags / tag, properties / property);

            /// Replaces the traffic split.
            pub fn traffic<K: Into<String>>(mut self, split: impl IntoIterator<Item = (K, u32)>) -> Self {
                self.traffic = split.into_iter().map(|(k, v)| (k.into(), v)).collect();
                self
            }

            /// Replaces the mirror-traffic split.
            pub fn mirror_traffic<K: Into<String>>(mut self, split: impl IntoIterator<Item = (K, u32)>) -> Self {
                self.mirror_traffic = split.into_iter().map(|(k, v)| (k.into(), v)).collect();
                self
            }
        }
    };
}

endpoint_struct! {
    /// An endpoint on Azure-managed compute.
    ///
    /// ```
    /// use azure_ai_ml::{AuthMode, ManagedOnlineEndpoint};
    /// let endpoint = ManagedOnlineEndpoint::new("churn-prediction-v1")
    ///     .description("Real-time churn prediction")
    ///     .auth_mode(AuthMode::Key)
    ///     .tag("team", "data-science");
    /// assert_eq!(endpoint.auth_mode, AuthMode::Key);
    /// ```
    ManagedOnlineEndpoint {}
}

endpoint_struct! {
    /// An endpoint on an attached Kubernetes cluster.
    KubernetesOnlineEndpoint {
        /// The attached compute: its name, `azureml:name` or full ARM id.
        compute: Option<String>
    }
}

impl KubernetesOnlineEndpoint {
    opt_str_setter!(compute);
}

/// Either kind of online endpoint.
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
#[serde(from = "crate::rest::OnlineEndpointWire")]
pub enum OnlineEndpoint {
    /// Managed compute.
    Managed(ManagedOnlineEndpoint),
    /// Kubernetes compute.
    Kubernetes(KubernetesOnlineEndpoint),
}

kind_conversions!(OnlineEndpoint {
    Managed: ManagedOnlineEndpoint,
    Kubernetes: KubernetesOnlineEndpoint
});

/// Read/write access to the shared fields without matching on the kind.
macro_rules! both {
    ($self:expr, $e:ident => $body:expr) => {
        match $self {
            OnlineEndpoint::Managed($e) => $body,
            OnlineEndpoint::Kubernetes($e) => $body,
        }
    };
}

impl OnlineEndpoint {
    /// Endpoint name.
    pub fn name(&self) -> &str {
        both!(self, e => &e.name)
    }

    /// Traffic split.
    pub fn traffic(&self) -> &BTreeMap<String, u32> {
        both!(self, e => &e.traffic)
    }

    /// Mutable traffic split.
    pub fn traffic_mut(&mut self) -> &mut BTreeMap<String, u32> {
        both!(self, e => &mut e.traffic)
    }

    /// Mirror-traffic split.
    pub fn mirror_traffic(&self) -> &BTreeMap<String, u32> {
        both!(self, e => &e.mirror_traffic)
    }

    /// Mutable mirror-traffic split.
    pub fn mirror_traffic_mut(&mut self) -> &mut BTreeMap<String, u32> {
        both!(self, e => &mut e.mirror_traffic)
    }

    /// Scoring URL, once provisioned.
    pub fn scoring_uri(&self) -> Option<&str> {
        both!(self, e => e.scoring_uri.as_deref())
    }

    /// Auth mode.
    pub fn auth_mode(&self) -> &AuthMode {
        both!(self, e => &e.auth_mode)
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        both!(self, e => e.description.as_deref())
    }

    /// Tags.
    pub fn tags(&self) -> &BTreeMap<String, String> {
        both!(self, e => &e.tags)
    }

    /// Identity.
    pub fn identity(&self) -> Option<&IdentityConfiguration> {
        both!(self, e => e.identity.as_ref())
    }

    /// Location, if set.
    pub fn location(&self) -> Option<&str> {
        both!(self, e => e.location.as_deref())
    }

    /// Provisioning state.
    pub fn provisioning_state(&self) -> Option<&ProvisioningState> {
        both!(self, e => e.provisioning_state.as_ref())
    }

    /// The swagger (OpenAPI) URI, once provisioned.
    pub fn swagger_uri(&self) -> Option<&str> {
        both!(self, e => e.swagger_uri.as_deref())
    }

    /// ARM id.
    pub fn id(&self) -> Option<&str> {
        both!(self, e => e.id.as_deref())
    }

    /// The managed endpoint, if this is one.
    pub fn as_managed(&self) -> Option<&ManagedOnlineEndpoint> {
        match self {
            OnlineEndpoint::Managed(e) => Some(e),
            OnlineEndpoint::Kubernetes(_) => None,
        }
    }

    /// The Kubernetes endpoint, if this is one.
    pub fn as_kubernetes(&self) -> Option<&KubernetesOnlineEndpoint> {
        match self {
            OnlineEndpoint::Kubernetes(e) => Some(e),
            OnlineEndpoint::Managed(_) => None,
        }
    }

    /// True for a Kubernetes endpoint.
    pub fn is_kubernetes(&self) -> bool {
        matches!(self, OnlineEndpoint::Kubernetes(_))
    }
}
